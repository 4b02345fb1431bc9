package web

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/warna/warna/search"
	"github.com/warna/warna/search/embedded"
	"github.com/warna/warna/search/searchtest"
	"github.com/warna/warna/web/api"
)

// newSearchSite serves the contract catalogue from a real embedded index.
func newSearchSite(t *testing.T) *testSite {
	t.Helper()
	idx := embedded.New()
	t.Cleanup(func() { _ = idx.Close() })
	if err := idx.Rebuild(context.Background(), func(put func([]search.Document) error) error { return put(searchtest.Documents()) }); err != nil {
		t.Fatal(err)
	}
	return newTestSite(t, Config{BaseURL: "http://warna.test"}, Deps{Search: search.NewService(idx, search.Options{Currency: "IDR"})})
}

func TestSearchAPI(t *testing.T) {
	b := newSearchSite(t).browser()
	res := b.get("/api/v1/search?colors=%23cc1f1f&per_page=3")
	if res.Status != http.StatusOK {
		t.Fatalf("status %d: %s", res.Status, res.Body)
	}
	var got api.SearchResult
	if err := json.Unmarshal([]byte(res.Body), &got); err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, h := range got.Hits {
		ids = append(ids, h.ID)
	}
	if got.Total != 8 || !slices.Equal(ids, []int64{1, 8, 15}) || got.Page != 1 || got.PerPage != 3 {
		t.Fatalf("got total %d, ids %v, page %d/%d; want 8, [1 8 15], 1/3", got.Total, ids, got.Page, got.PerPage)
	}
	h := got.Hits[0]
	if h.Price.Minor != 250000 || h.Price.Currency != "IDR" || h.Price.Display != "Rp 250.000" || h.URL != "http://warna.test/products/1" ||
		len(h.Palette) != 2 || h.Palette[0].Hex != "#cc1f1f" || len(h.Why) != 1 || h.Why[0].DeltaE != 0 || !slices.Equal(h.Families, []string{"red"}) {
		t.Errorf("first hit: got %+v", h)
	}
	if len(got.Facets.Families) == 0 || got.Facets.Families[0] != (search.FamilyCount{Family: "red", Count: 8}) {
		t.Errorf("facets: got %+v", got.Facets)
	}
	for raw, field := range map[string]string{
		"colors=%23zzzzzz": "colors", "tol=99": "tol", "sort=cheap": "sort", "per_page=100": "per_page",
		"price_min=abc": "price_min", "match=most": "match", "family=mauve": "family",
		"tol=NaN": "tol", "tol=Inf": "tol", "tol=-Infinity": "tol", "colors=red:NaN": "colors", "colors=red:%2BInf": "colors",
	} {
		res := b.get("/api/v1/search?" + raw)
		var e apiError
		if err := json.Unmarshal([]byte(res.Body), &e); err != nil {
			t.Fatalf("not JSON: %v: %.300s", err, res.Body)
		}
		if res.Status != http.StatusBadRequest || e.Error.Field != field || e.Error.Code != "invalid" || e.Error.Message == "" {
			t.Errorf("%s: got %d %s, want 400 naming %s", raw, res.Status, res.Body, field)
		}
	}
}

func TestSearchPage(t *testing.T) {
	b := newSearchSite(t).browser()
	res := b.get("/search?q=burgundy+dress")
	if res.Status != http.StatusOK {
		t.Fatalf("status %d", res.Status)
	}
	assertOrder(t, res.Body, "Burgundy midi dress", "Crimson evening dress", "Floral wrap dress", "Red summer dress")
	// explanations in words: the burgundy swatch (#610023, ΔE 6.6 from
	// burgundy, 70 %) is "mostly deep red, close to burgundy"
	for _, want := range []string{`name="colors" value="red"`, `type="color" name="pick"`, `type="range" name="pick_w"`, `name="not" value="black"`,
		"4 products", "Mostly deep red, close to burgundy"} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(res.Body, "ΔE") {
		t.Error("the page shows shoppers ΔE")
	}
	// the help says what each kind of colour means and how exclusion works
	for _, want := range []string{"How colour search works", "Colour families", "Named colours", "Colours you pick", "10 % or more", "bukan hitam"} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("the search page's help lacks %q", want)
		}
	}
	// Indonesian words, with a colour left out: the English page names the family in English
	res = b.get("/search?q=kemeja+merah+bukan+hitam")
	if res.Status != http.StatusOK || !strings.Contains(res.Body, "Kemeja batik merah maroon") || strings.Contains(res.Body, "Kemeja hitam polos") ||
		!strings.Contains(res.Body, "1 product") || !strings.Contains(res.Body, "Mostly deep red") || !strings.Contains(res.Body, "not black") {
		t.Errorf("kemeja merah bukan hitam: status %d, want the maroon batik shirt alone, in words, with black left out", res.Status)
	}
	// the picker rows: red 70 %, blue 30 %, a third row left at 0
	res = b.get("/search?" + url.Values{"pick": {"#cc1f1f", "#1e90ff", "#888888"}, "pick_w": {"70", "30", "0"}, "match": {"all"}}.Encode())
	assertOrder(t, res.Body, "Mostly red patchwork top", "Half and half rugby top", "Colour block windbreaker", "White tee with small flags")
	// a chip ticked beside the sliders joins them with their mean weight
	res = b.get("/search?" + url.Values{"pick": {"#1e90ff", "#888888"}, "pick_w": {"50", "0"}, "colors": {"white"}, "match": {"all"}}.Encode())
	if res.Status != http.StatusOK || !strings.Contains(res.Body, `value="white" checked`) {
		t.Errorf("chip with sliders: status %d, want results with the white chip still ticked", res.Status)
	}
	assertOrder(t, res.Body, "Blue and white striped shirt", "White tee with small flags")
	// family chips and facet links
	res = b.get("/search?colors=blue&colors=red&per_page=2")
	if res.Status != http.StatusOK || !strings.Contains(res.Body, "Next →") || !strings.Contains(res.Body, "family=red") {
		t.Errorf("chips: status %d, want results with a next page and family facet links", res.Status)
	}
	res = b.get("/search?tol=1")
	if res.Status != http.StatusBadRequest || !strings.Contains(res.Body, "Tol is a colour tolerance") {
		t.Errorf("bad tolerance: got %d, want 400 with the message next to the field", res.Status)
	}
	for _, raw := range []string{"tol=NaN", "tol=Inf", "colors=red:NaN", "pick=%23cc1f1f&pick_w=NaN", "pick=%23cc1f1f&pick_w=Inf"} {
		res = b.get("/search?" + raw)
		if res.Status != http.StatusBadRequest || !strings.Contains(res.Body, "number") {
			t.Errorf("%s: got %d, want 400 saying what number is wanted", raw, res.Status)
		}
	}
}

func assertOrder(t *testing.T, body string, titles ...string) {
	t.Helper()
	last := -1
	for _, title := range titles {
		i := strings.Index(body, title)
		if i < 0 {
			t.Errorf("page lacks %q", title)
			return
		}
		if i < last {
			t.Errorf("%q comes too early; want order %v", title, titles)
		}
		last = i
	}
}

func TestShopThisLook(t *testing.T) {
	b := newSearchSite(t).browser()
	token := b.csrf("/search/look")
	img := image.NewNRGBA(image.Rect(0, 0, 120, 120))
	for y := range 120 {
		for x := range 120 {
			c := color.NRGBA{0xff, 0xff, 0xff, 0xff} // plain white background
			if x >= 20 && x < 100 && y >= 20 && y < 100 {
				c = color.NRGBA{0xcc, 0x1f, 0x1f, 0xff}
				if x >= 76 {
					c = color.NRGBA{0x1e, 0x90, 0xff, 0xff}
				}
			}
			img.SetNRGBA(x, y, c)
		}
	}
	var photo bytes.Buffer
	_ = png.Encode(&photo, img)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("_csrf", token)
	fw, _ := mw.CreateFormFile("photo", "look.png")
	_, _ = fw.Write(photo.Bytes())
	_ = mw.Close()
	req := newRequest(t, http.MethodPost, b.site.srv.URL+"/search/look", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res := b.do(req)
	if res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Location, "/search?") {
		t.Fatalf("got %d %q, want a redirect to the search", res.Status, res.Location)
	}
	u, _ := url.Parse(res.Location)
	colours := strings.Split(u.Query().Get("colors"), ",")
	if len(colours) != 2 || u.Query().Get("match") != "all" {
		t.Fatalf("look query: got %q, want the photo's two colours with match=all", res.Location)
	}
	page := b.get(res.Location)
	assertOrder(t, page.Body, "Mostly red patchwork top", "Half and half rugby top")

	req = newRequest(t, http.MethodPost, b.site.srv.URL+"/search/look", strings.NewReader("_csrf="+token))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if res := b.do(req); res.Status != http.StatusBadRequest || !strings.Contains(res.Body, "Choose a photo") {
		t.Errorf("no photo: got %d, want 400 asking for one", res.Status)
	}
}
