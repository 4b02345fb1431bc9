package search

import (
	"math"
	"net/url"
	"slices"
	"testing"

	"github.com/warna/warna/fault"
)

// FuzzParseQuery feeds arbitrary parameters to ParseQuery. Properties: no
// panic; a refusal is invalid input naming its parameter; an accepted query
// is within the documented limits with finite numbers (tolerance, weights
// summing to 1, Lab colours), and its Values() — what paging and facet
// links carry — parse back to the same query.
func FuzzParseQuery(f *testing.F) {
	f.Add("burgundy midi dress", "red:70,#1e90ff:30", "black", "12", "red,blue", "10", "200", "", "relevance", "any", "2")
	f.Add("kemeja merah bukan hitam", "", "", "", "", "", "", "IDR", "price_asc", "all", "")
	f.Add("", "#abc,navy,tosca", "white,gray", "40", "grey", "0.5", "", "USD", "newest", "", "60")
	f.Fuzz(func(t *testing.T, q, colors, not, tol, family, priceMin, priceMax, currency, sort, match, perPage string) {
		v := url.Values{}
		for k, s := range map[string]string{"q": q, "colors": colors, "not": not, "tol": tol, "family": family, "price_min": priceMin,
			"price_max": priceMax, "currency": currency, "sort": sort, "match": match, "per_page": perPage} {
			if s != "" {
				v.Set(k, s)
			}
		}
		got, err := ParseQuery(v, "IDR")
		if err != nil {
			if !fault.Is(err, fault.Invalid) || fault.FieldOf(err) == "" || fault.MessageOf(err) == "" {
				t.Fatalf("ParseQuery(%v) refused with %v, want invalid input naming its parameter", v, err)
			}
			return
		}
		checkQuery(t, v, got)
		again, err := ParseQuery(got.Values(), "IDR")
		if err != nil {
			t.Fatalf("ParseQuery(%v) = ok, but its Values %v are refused: %v", v, got.Values(), err)
		}
		if !sameQuery(got, again) {
			t.Fatalf("ParseQuery(%v) and of its Values %v differ:\n%+v\n%+v", v, got.Values(), got, again)
		}
	})
}

func checkQuery(t *testing.T, v url.Values, q Query) {
	t.Helper()
	if math.IsNaN(q.Tolerance) || q.Tolerance < MinTolerance || q.Tolerance > MaxTolerance {
		t.Fatalf("ParseQuery(%v): tolerance %v outside %g..%g", v, q.Tolerance, MinTolerance, MaxTolerance)
	}
	if len(q.Colours) > MaxColours || len(q.Not) > MaxColours {
		t.Fatalf("ParseQuery(%v): %d colours and %d to leave out, over %d", v, len(q.Colours), len(q.Not), MaxColours)
	}
	sum := 0.0
	for _, c := range append(slices.Clone(q.Colours), q.Not...) {
		for _, x := range []float64{c.Lab.L, c.Lab.A, c.Lab.B} {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				t.Fatalf("ParseQuery(%v): colour %q has Lab %+v", v, c.Label, c.Lab)
			}
		}
	}
	for _, c := range q.Colours {
		if math.IsNaN(c.Weight) || c.Weight <= 0 || c.Weight > 1 {
			t.Fatalf("ParseQuery(%v): colour %q has weight %v", v, c.Label, c.Weight)
		}
		sum += c.Weight
	}
	if len(q.Colours) > 0 && math.Abs(sum-1) > 1e-9 {
		t.Fatalf("ParseQuery(%v): weights sum to %v", v, sum)
	}
	if q.PerPage < 1 || q.PerPage > MaxPerPage || q.Page < 1 {
		t.Fatalf("ParseQuery(%v): page %d, per page %d", v, q.Page, q.PerPage)
	}
	if q.PriceMin != nil && q.PriceMax != nil && *q.PriceMin > *q.PriceMax {
		t.Fatalf("ParseQuery(%v): price from %d to %d", v, *q.PriceMin, *q.PriceMax)
	}
}

// sameQuery compares what a query asks for. Links carry weights as whole
// percents (at least 1), renormalised when read: each rounds by up to half a
// point and their sum by up to 2.5 (five colours), so a weight may move by
// up to 3 points.
func sameQuery(a, b Query) bool {
	if a.Text != b.Text || a.Raw != b.Raw || a.MatchAll != b.MatchAll || a.Tolerance != b.Tolerance || a.Category != b.Category ||
		a.Shop != b.Shop || a.InStock != b.InStock || a.Sort != b.Sort || a.PerPage != b.PerPage ||
		!slices.Equal(a.Families, b.Families) || len(a.Colours) != len(b.Colours) || len(a.Not) != len(b.Not) ||
		!samePrice(a.PriceMin, b.PriceMin) || !samePrice(a.PriceMax, b.PriceMax) {
		return false
	}
	for i := range a.Colours {
		if a.Colours[i].Hex() != b.Colours[i].Hex() || math.Abs(a.Colours[i].Weight-b.Colours[i].Weight) > 0.03 {
			return false
		}
	}
	for i := range a.Not {
		if a.Not[i].Hex() != b.Not[i].Hex() {
			return false
		}
	}
	return true
}

func samePrice(a, b *int64) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }
