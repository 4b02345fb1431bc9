package search

import (
	"net/url"
	"testing"

	"github.com/warna/warna/fault"
)

func TestParseQueryErrorsNameTheParameter(t *testing.T) {
	cases := []struct{ raw, field string }{
		{"colors=notacolour", "colors"},
		{"colors=red:70,blue", "colors"},
		{"colors=red:0", "colors"},
		{"colors=red,blue,green,teal,pink,purple", "colors"},
		{"not=red:30", "not"},
		{"match=some", "match"},
		{"tol=1", "tol"},
		{"tol=abc", "tol"},
		// ParseFloat reads these, and NaN passes any range check
		{"tol=NaN", "tol"},
		{"tol=nan", "tol"},
		{"tol=Inf", "tol"},
		{"tol=%2BInf", "tol"},
		{"tol=-Inf", "tol"},
		{"tol=Infinity", "tol"},
		{"colors=red:NaN", "colors"},
		{"colors=red:Inf", "colors"},
		{"colors=%23cc1f1f:30,blue:NaN", "colors"},
		{"colors=red:1e999", "colors"},
		{"family=chartreuse", "family"},
		{"price_min=12.5.1", "price_min"},
		{"price_min=-5", "price_min"},
		{"price_min=10.123&currency=USD", "price_min"},
		{"price_min=20&price_max=10", "price_max"},
		{"currency=XYZ", "currency"},
		{"in_stock=maybe", "in_stock"},
		{"sort=cheapest", "sort"},
		{"page=0", "page"},
		{"per_page=61", "per_page"},
	}
	for _, c := range cases {
		v, _ := url.ParseQuery(c.raw)
		_, err := ParseQuery(v, "IDR")
		if !fault.Is(err, fault.Invalid) || fault.FieldOf(err) != c.field {
			t.Errorf("%s: got %v (field %q), want an invalid %s", c.raw, err, fault.FieldOf(err), c.field)
		}
	}
}

func TestParseQuery(t *testing.T) {
	v, _ := url.ParseQuery("q=burgundy+midi+dress&colors=%231e90ff:30,navy:10&not=black&price_min=19.99&price_max=100&currency=USD&sort=price_asc&page=2&per_page=10&family=Grey")
	q, err := ParseQuery(v, "IDR")
	if err != nil {
		t.Fatal(err)
	}
	if q.Text != "midi dress" {
		t.Errorf("text: got %q, want %q", q.Text, "midi dress")
	}
	if len(q.Colours) != 3 || q.Colours[2].Label != "burgundy" {
		t.Fatalf("colours: got %+v, want #1e90ff, navy and burgundy from the text", q.Colours)
	}
	// 30 and 10 as given; the text colour gets their mean, 20: 30/60, 10/60, 20/60
	for i, want := range []float64{0.5, 1.0 / 6, 1.0 / 3} {
		if d := q.Colours[i].Weight - want; d > 1e-9 || d < -1e-9 {
			t.Errorf("weight %d: got %g, want %g", i, q.Colours[i].Weight, want)
		}
	}
	if *q.PriceMin != 1999 || *q.PriceMax != 10000 || q.Currency != "USD" {
		t.Errorf("price: got %d..%d %s, want 1999..10000 USD", *q.PriceMin, *q.PriceMax, q.Currency)
	}
	if q.Sort != SortPriceAsc || q.Page != 2 || q.PerPage != 10 || len(q.Families) != 1 || q.Families[0] != "gray" || len(q.Not) != 1 {
		t.Errorf("got %+v", q)
	}
	back, err := ParseQuery(q.Values(), "IDR")
	if err != nil {
		t.Fatalf("round trip: %v", err)
	}
	if back.Raw != q.Raw || len(back.Colours) != 3 || *back.PriceMin != 1999 || back.Sort != q.Sort {
		t.Errorf("round trip: got %+v", back)
	}
}

func TestKernel(t *testing.T) {
	if k := kernel(0, 12); k != 1 {
		t.Errorf("K(0) = %g, want 1", k)
	}
	if k := kernel(24, 12); k != 0 {
		t.Errorf("K(2t) = %g, want 0", k)
	}
	if k := kernel(12, 12); k != 0.5625 {
		t.Errorf("K(t) = %g, want 0.5625", k)
	}
}
