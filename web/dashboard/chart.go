package dashboard

import (
	"fmt"
	"html/template"
	"math"
	"strings"
)

// Charts are drawn on the server as inline SVG: they need no JavaScript, are
// read by screen readers through their <title> and <desc>, and each bar or
// point carries its exact value in a <title> tooltip.

// chartSeries is one named series of a chart, one value per label.
type chartSeries struct {
	Name   string
	Line   bool   // drawn as a line over the bars instead of as bars
	Right  bool   // a line on its own scale, with ticks on the right
	Class  string // colour class: s1, s2, s3
	Values []float64
}

// chartSpec describes a chart. Format prints a value for axis ticks, Exact
// (Format when nil) for the tooltips of bars and points.
type chartSpec struct {
	ID     string // unique in the page, for aria references
	Title  string
	Desc   string
	Labels []string
	Series []chartSeries
	Format func(float64) string
	Exact  func(float64) string
	// RightFormat and RightExact print the values of right-axis lines
	// (Format and Exact when nil).
	RightFormat func(float64) string
	RightExact  func(float64) string
	Width       int
	Height      int
}

// chart geometry, in SVG user units.
const (
	chartMarginLeft   = 72
	chartMarginRight  = 16
	chartMarginTop    = 44
	chartMarginBottom = 36
	chartTicks        = 4
	chartMaxLabels    = 10
)

// chartLayout is where the plot area is and how values map onto it.
type chartLayout struct {
	x0, y0, w, h float64 // plot area: left, top, width, height
	lo, hi       float64 // value domain
}

// y maps a value to its vertical position.
func (l chartLayout) y(v float64) float64 {
	if l.hi == l.lo {
		return l.y0 + l.h
	}
	return l.y0 + l.h - (v-l.lo)/(l.hi-l.lo)*l.h
}

// renderChart draws spec as an SVG element.
func renderChart(spec chartSpec) template.HTML {
	if spec.Width == 0 {
		spec.Width = 720
	}
	if spec.Height == 0 {
		spec.Height = 260
	}
	if spec.Format == nil {
		spec.Format = compactNumber
	}
	if spec.Exact == nil {
		spec.Exact = spec.Format
	}
	if spec.RightFormat == nil {
		spec.RightFormat = spec.Format
	}
	if spec.RightExact == nil {
		spec.RightExact = spec.RightFormat
	}
	var b strings.Builder
	titleID, descID := spec.ID+"-title", spec.ID+"-desc"
	fmt.Fprintf(&b, `<svg class="chart" id="%s" viewBox="0 0 %d %d" role="img" aria-labelledby="%s %s" xmlns="http://www.w3.org/2000/svg">`,
		esc(spec.ID), spec.Width, spec.Height, esc(titleID), esc(descID))
	fmt.Fprintf(&b, `<title id="%s">%s</title><desc id="%s">%s</desc>`, esc(titleID), esc(spec.Title), esc(descID), esc(spec.Desc))
	fmt.Fprintf(&b, `<text class="chart-title" x="%d" y="20">%s</text>`, chartMarginLeft, esc(spec.Title))
	var left, right []chartSeries
	for _, s := range spec.Series {
		if s.Line && s.Right {
			right = append(right, s)
		} else {
			left = append(left, s)
		}
	}
	marginRight := chartMarginRight
	if len(right) > 0 {
		marginRight = chartMarginLeft
	}
	lo, hi, emptyLeft := chartDomain(left)
	l := chartLayout{
		x0: chartMarginLeft, y0: chartMarginTop,
		w: float64(spec.Width - chartMarginLeft - marginRight), h: float64(spec.Height - chartMarginTop - chartMarginBottom),
		lo: lo, hi: hi,
	}
	r := l
	var emptyRight bool
	r.lo, r.hi, emptyRight = chartDomain(right)
	empty := emptyLeft && emptyRight
	drawLegend(&b, spec)
	drawYAxis(&b, l, spec.Format, true)
	if len(right) > 0 && !empty {
		drawYAxis(&b, r, spec.RightFormat, false)
	}
	n := len(spec.Labels)
	if empty || n == 0 {
		fmt.Fprintf(&b, `<text class="chart-empty" x="%.1f" y="%.1f" text-anchor="middle">No data in this range</text>`, l.x0+l.w/2, l.y0+l.h/2)
		fmt.Fprintf(&b, `<line class="axis" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/>`, l.x0, l.y(0), l.x0+l.w, l.y(0))
		b.WriteString(`</svg>`)
		return template.HTML(b.String())
	}
	slot := l.w / float64(n)
	drawXAxis(&b, l, spec.Labels, slot)
	drawBars(&b, l, spec, slot)
	drawLines(&b, l, r, spec, slot)
	fmt.Fprintf(&b, `<line class="axis" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/>`, l.x0, l.y(0), l.x0+l.w, l.y(0))
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// chartDomain is the value range to draw: from min(0, lowest) to a round
// number at or above the highest. empty reports that every value is zero.
func chartDomain(series []chartSeries) (lo, hi float64, empty bool) {
	empty = true
	for _, s := range series {
		for _, v := range s.Values {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
			if v != 0 {
				empty = false
			}
		}
	}
	if empty {
		return 0, 1, true
	}
	step := niceStep((hi - lo) / chartTicks)
	hi = math.Ceil(hi/step) * step
	lo = math.Floor(lo/step) * step
	if hi == lo {
		hi = lo + step
	}
	return lo, hi, false
}

// niceStep rounds a raw tick step up to 1, 2, 2.5 or 5 times a power of ten.
func niceStep(raw float64) float64 {
	if raw <= 0 {
		return 1
	}
	pow := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if raw <= m*pow {
			return m * pow
		}
	}
	return 10 * pow
}

func drawLegend(b *strings.Builder, spec chartSpec) {
	x := float64(spec.Width - chartMarginRight)
	// Right-aligned: lay the entries out from the right edge leftwards.
	for i := len(spec.Series) - 1; i >= 0; i-- {
		s := spec.Series[i]
		width := 22 + 7.2*float64(len([]rune(s.Name)))
		x -= width
		if s.Line {
			fmt.Fprintf(b, `<line class="legend-line %s" x1="%.1f" y1="16" x2="%.1f" y2="16"/>`, esc(s.Class), x, x+14)
		} else {
			fmt.Fprintf(b, `<rect class="legend-swatch %s" x="%.1f" y="10" width="12" height="12" rx="2"/>`, esc(s.Class), x)
		}
		fmt.Fprintf(b, `<text class="legend" x="%.1f" y="20">%s</text>`, x+18, esc(s.Name))
		x -= 10
	}
}

// drawYAxis draws the value axis with its ticks: the left one with grid
// lines across the plot, or the right one for lines on their own scale.
func drawYAxis(b *strings.Builder, l chartLayout, format func(float64) string, left bool) {
	step := (l.hi - l.lo) / chartTicks
	x, anchor := l.x0-8, "end"
	if !left {
		x, anchor = l.x0+l.w+8, "start"
	}
	for i := 0; i <= chartTicks; i++ {
		v := l.lo + step*float64(i)
		y := l.y(v)
		if left {
			fmt.Fprintf(b, `<line class="grid" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/>`, l.x0, y, l.x0+l.w, y)
		}
		fmt.Fprintf(b, `<text class="tick" x="%.1f" y="%.1f" text-anchor="%s">%s</text>`, x, y+4, anchor, esc(format(v)))
	}
	axisX := l.x0
	if !left {
		axisX = l.x0 + l.w
	}
	fmt.Fprintf(b, `<line class="axis" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/>`, axisX, l.y0, axisX, l.y0+l.h)
}

func drawXAxis(b *strings.Builder, l chartLayout, labels []string, slot float64) {
	last := len(labels) - 1
	every := (len(labels) + chartMaxLabels - 1) / chartMaxLabels
	// Every few days and always the last day; the regular label just before
	// the last one gives way when it would crowd it.
	lastRegular := last - last%every
	for i, label := range labels {
		show := i == last || (i%every == 0 && !(i == lastRegular && i != last && last-i < every))
		if !show {
			continue
		}
		x := l.x0 + slot*(float64(i)+0.5)
		fmt.Fprintf(b, `<text class="tick" x="%.1f" y="%.1f" text-anchor="middle">%s</text>`, x, l.y0+l.h+20, esc(label))
	}
}

func drawBars(b *strings.Builder, l chartLayout, spec chartSpec, slot float64) {
	var bars []chartSeries
	for _, s := range spec.Series {
		if !s.Line {
			bars = append(bars, s)
		}
	}
	if len(bars) == 0 {
		return
	}
	group := slot * 0.8
	width := group / float64(len(bars))
	zero := l.y(0)
	for si, s := range bars {
		for i, v := range s.Values {
			if i >= len(spec.Labels) {
				break
			}
			x := l.x0 + slot*float64(i) + (slot-group)/2 + width*float64(si)
			top, height := l.y(v), zero-l.y(v)
			if v < 0 {
				top, height = zero, l.y(v)-zero
			}
			fmt.Fprintf(b, `<rect class="bar %s" x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%s %s: %s</title></rect>`,
				esc(s.Class), x, top, math.Max(width-1, 1), height, esc(spec.Labels[i]), esc(s.Name), esc(spec.Exact(v)))
		}
	}
}

// drawLines draws the line series, on the left scale l or the right one r.
func drawLines(b *strings.Builder, left, right chartLayout, spec chartSpec, slot float64) {
	for _, s := range spec.Series {
		if !s.Line {
			continue
		}
		l, exact := left, spec.Exact
		if s.Right {
			l, exact = right, spec.RightExact
		}
		var pts []string
		for i, v := range s.Values {
			if i >= len(spec.Labels) {
				break
			}
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", l.x0+slot*(float64(i)+0.5), l.y(v)))
		}
		fmt.Fprintf(b, `<polyline class="line %s" points="%s"/>`, esc(s.Class), strings.Join(pts, " "))
		for i, v := range s.Values {
			if i >= len(spec.Labels) {
				break
			}
			fmt.Fprintf(b, `<circle class="dot %s" cx="%.1f" cy="%.1f" r="3"><title>%s %s: %s</title></circle>`,
				esc(s.Class), l.x0+slot*(float64(i)+0.5), l.y(v), esc(spec.Labels[i]), esc(s.Name), esc(exact(v)))
		}
	}
}

// compactNumber prints 1234 as "1.2k" and 2500000 as "2.5M".
func compactNumber(v float64) string {
	a := math.Abs(v)
	switch {
	case a >= 1e9:
		return trimZero(fmt.Sprintf("%.1f", v/1e9)) + "B"
	case a >= 1e6:
		return trimZero(fmt.Sprintf("%.1f", v/1e6)) + "M"
	case a >= 1e3:
		return trimZero(fmt.Sprintf("%.1f", v/1e3)) + "k"
	case a == math.Trunc(a):
		return fmt.Sprintf("%.0f", v)
	default:
		return trimZero(fmt.Sprintf("%.2f", v))
	}
}

func trimZero(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

func esc(s string) string { return template.HTMLEscapeString(s) }
