package dashboard

import (
	"encoding/xml"
	"math"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/warna/warna/web/locale"
	"github.com/warna/warna/web/site"
)

var barRect = regexp.MustCompile(`<rect class="bar (s\d)" x="[^"]+" y="([^"]+)" width="[^"]+" height="([^"]+)">`)

func TestChartMapsValuesToBars(t *testing.T) {
	plotH := float64(260 - chartMarginTop - chartMarginBottom)
	tests := []struct {
		name    string
		values  []float64
		wantMax float64 // top of the value axis
	}{
		{"round maximum", []float64{0, 50, 100, 25}, 100},
		{"maximum rounded up", []float64{10, 37, 73}, 80},
		{"single value", []float64{7}, 8},
		{"large amounts", []float64{1_250_000, 3_900_000, 0}, 4_000_000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			labels := make([]string, len(tt.values))
			for i := range labels {
				labels[i] = "d" + strconv.Itoa(i+1)
			}
			svg := string(renderChart(chartSpec{ID: "c", Title: "Sales by day", Desc: "Gross sales per day", Labels: labels,
				Series: []chartSeries{{Name: "Sales", Class: "s1", Values: tt.values}}}))
			bars := barRect.FindAllStringSubmatch(svg, -1)
			if len(bars) != len(tt.values) {
				t.Fatalf("%d bars, want %d", len(bars), len(tt.values))
			}
			for i, m := range bars {
				h, _ := strconv.ParseFloat(m[3], 64)
				want := tt.values[i] / tt.wantMax * plotH
				if math.Abs(h-want) > 0.11 {
					t.Errorf("bar %d (value %v): height %v, want %v", i, tt.values[i], h, want)
				}
				y, _ := strconv.ParseFloat(m[2], 64)
				if bottom := y + h; math.Abs(bottom-(chartMarginTop+plotH)) > 0.11 {
					t.Errorf("bar %d does not stand on the axis: bottom %v", i, bottom)
				}
			}
			if !strings.Contains(svg, ">"+compactNumber(tt.wantMax)+"</text>") {
				t.Errorf("no tick labelled %s at the top of the axis", compactNumber(tt.wantMax))
			}
		})
	}
}

func TestChartHasTitleAxesLegendAndIsWellFormed(t *testing.T) {
	labels := []string{"1 Mar", "2 Mar", "3 Mar"}
	svg := string(renderChart(chartSpec{ID: "sales", Title: "Sales & commission", Desc: "Daily <gross> sales", Labels: labels,
		Series: []chartSeries{
			{Name: "Sales", Class: "s1", Values: []float64{100, 200, 300}},
			{Name: "Commission", Class: "s2", Line: true, Values: []float64{10, 20, 30}},
		}}))
	for _, want := range []string{
		`role="img"`, `aria-labelledby="sales-title sales-desc"`,
		`<title id="sales-title">Sales &amp; commission</title>`, `<desc id="sales-desc">Daily &lt;gross&gt; sales</desc>`,
		`class="chart-title"`, `y="20">Sales</text>`, `y="20">Commission</text>`, `class="legend-line s2"`, `class="legend-swatch s1"`,
		`>1 Mar</text>`, `>3 Mar</text>`, `class="axis"`, `<polyline class="line s2"`,
		`<title>2 Mar Commission: 20</title>`,
	} {
		if !strings.Contains(svg, want) {
			t.Errorf("chart lacks %s", want)
		}
	}
	if err := xml.Unmarshal([]byte(svg), new(struct{})); err != nil {
		t.Errorf("chart is not well-formed XML: %v", err)
	}
	if strings.Contains(svg, "%!") {
		t.Errorf("formatting error in chart: %s", svg)
	}
}

func TestChartThinsDayLabels(t *testing.T) {
	labels := make([]string, 31)
	values := make([]float64, 31)
	for i := range labels {
		labels[i] = "day" + strconv.Itoa(i+1) + "x"
		values[i] = float64(i)
	}
	svg := string(renderChart(chartSpec{ID: "c", Title: "t", Labels: labels, Series: []chartSeries{{Name: "v", Class: "s1", Values: values}}}))
	n := strings.Count(svg, `x</text>`)
	if n < 5 || n > chartMaxLabels+1 {
		t.Errorf("%d day labels for 31 days, want 5..%d", n, chartMaxLabels+1)
	}
	if !strings.Contains(svg, ">day1x<") || !strings.Contains(svg, ">day31x<") {
		t.Error("the first and last days should be labelled")
	}
}

func TestChartEmptyRange(t *testing.T) {
	for _, spec := range []chartSpec{
		{ID: "e1", Title: "Clicks", Labels: []string{"1 Mar", "2 Mar"}, Series: []chartSeries{{Name: "Clicks", Class: "s1", Values: []float64{0, 0}}}},
		{ID: "e2", Title: "Clicks"},
		{ID: "e3", Title: "Clicks", Labels: []string{"1 Mar"}, Series: []chartSeries{{Name: "Clicks", Class: "s1"}}},
	} {
		svg := string(renderChart(spec))
		if !strings.Contains(svg, "No data in this range") {
			t.Errorf("%s: no empty-state message", spec.ID)
		}
		if barRect.MatchString(svg) {
			t.Errorf("%s: bars drawn without data", spec.ID)
		}
		if err := xml.Unmarshal([]byte(svg), new(struct{})); err != nil {
			t.Errorf("%s: not well-formed: %v", spec.ID, err)
		}
	}
}

func TestChartNegativeValuesHangBelowTheAxis(t *testing.T) {
	svg := string(renderChart(chartSpec{ID: "n", Title: "Net", Labels: []string{"a", "b"},
		Series: []chartSeries{{Name: "Net", Class: "s1", Values: []float64{-50, 100}}}}))
	bars := barRect.FindAllStringSubmatch(svg, -1)
	if len(bars) != 2 {
		t.Fatalf("%d bars", len(bars))
	}
	yNeg, _ := strconv.ParseFloat(bars[0][2], 64)
	hNeg, _ := strconv.ParseFloat(bars[0][3], 64)
	yPos, _ := strconv.ParseFloat(bars[1][2], 64)
	hPos, _ := strconv.ParseFloat(bars[1][3], 64)
	if math.Abs(yNeg-(yPos+hPos)) > 0.11 {
		t.Errorf("negative bar starts at %v, the zero line is at %v", yNeg, yPos+hPos)
	}
	if math.Abs(hPos-2*hNeg) > 0.2 {
		t.Errorf("heights %v and %v do not keep the 100:-50 ratio", hPos, hNeg)
	}
}

func TestCompactNumber(t *testing.T) {
	for v, want := range map[float64]string{0: "0", 12: "12", 1500: "1.5k", 2_000_000: "2M", 2_500_000_000: "2.5B", 0.25: "0.25", -1200: "-1.2k"} {
		if got := compactNumber(v); got != want {
			t.Errorf("compactNumber(%v) = %q, want %q", v, got, want)
		}
	}
}

func TestChartRightAxisLine(t *testing.T) {
	svg := string(renderChart(chartSpec{ID: "r", Title: "Clicks and earnings", Labels: []string{"a", "b"},
		Format: compactNumber, RightFormat: func(v float64) string { return "$" + compactNumber(v) },
		Series: []chartSeries{
			{Name: "Clicks", Class: "s1", Values: []float64{100, 200}},
			{Name: "Earnings", Class: "s2", Line: true, Right: true, Values: []float64{1, 2}},
		}}))
	plotTop := float64(chartMarginTop)
	plotBottom := float64(260 - chartMarginBottom)
	points := regexp.MustCompile(`<polyline class="line s2" points="[\d.]+,([\d.]+) [\d.]+,([\d.]+)"`).FindStringSubmatch(svg)
	if points == nil {
		t.Fatalf("no right-axis line in %s", svg)
	}
	y1, _ := strconv.ParseFloat(points[1], 64)
	y2, _ := strconv.ParseFloat(points[2], 64)
	// 2 is the top of the right scale (0..2), 1 its middle.
	if math.Abs(y2-plotTop) > 0.11 || math.Abs(y1-(plotTop+plotBottom)/2) > 0.11 {
		t.Errorf("line points at y %v and %v; want %v and %v", y1, y2, (plotTop+plotBottom)/2, plotTop)
	}
	if !strings.Contains(svg, `text-anchor="start">$2</text>`) || !strings.Contains(svg, `text-anchor="end">200</text>`) {
		t.Error("want clicks ticks on the left and money ticks on the right")
	}
	if !strings.Contains(svg, "<title>b Earnings: $2</title>") {
		t.Error("right-axis tooltips should use the right format")
	}
}

// TestCompactIn: axis numbers as each language shortens them.
func TestCompactIn(t *testing.T) {
	for _, tt := range []struct {
		lang locale.Lang
		v    float64
		want string
	}{
		{locale.English, 1_500_000, "1.5M"}, {locale.Indonesian, 1_500_000, "1,5 jt"},
		{locale.Indonesian, 150_000, "150 rb"}, {locale.Indonesian, 2_000_000_000, "2 M"}, {locale.Indonesian, 12, "12"},
	} {
		e := echo.New()
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Header.Set("Accept-Language", string(tt.lang))
		c := e.NewContext(req, httptest.NewRecorder())
		_ = site.Languages(nil, locale.English)(func(echo.Context) error { return nil })(c)
		if got := compactIn(c)(tt.v); got != tt.want {
			t.Errorf("%s %v: %q, want %q", tt.lang, tt.v, got, tt.want)
		}
	}
}
