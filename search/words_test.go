package search

import (
	"net/url"
	"slices"
	"testing"

	"github.com/warna/warna/imaging/colour"
)

func labels(cs []Colour) []string {
	out := []string{}
	for _, c := range cs {
		out = append(out, c.Label)
	}
	return out
}

// TestNegationInText: every negation form of the issue turns the colour
// after it into an exclusion, in either language, and the negation and
// filler words leave the text.
func TestNegationInText(t *testing.T) {
	cases := []struct {
		q          string
		colours    []string
		not        []string
		text       string
		notText    []string
		kindOfNot0 colour.TermKind
	}{
		{"burgundy, not black", []string{"burgundy"}, []string{"black"}, "", nil, colour.TermFamily},
		{"mug not black", []string{}, []string{"black"}, "mug", nil, colour.TermFamily},
		{"mug no black", []string{}, []string{"black"}, "mug", nil, colour.TermFamily},
		{"mug without black", []string{}, []string{"black"}, "mug", nil, colour.TermFamily},
		{"mug -black", []string{}, []string{"black"}, "mug", nil, colour.TermFamily},
		{"-black mug", []string{}, []string{"black"}, "mug", nil, colour.TermFamily},
		{"kemeja merah bukan hitam", []string{"merah"}, []string{"hitam"}, "kemeja", nil, colour.TermFamily},
		{"tas tanpa warna coklat", []string{}, []string{"coklat"}, "tas", nil, colour.TermFamily},
		{"gamis selain hitam", []string{}, []string{"hitam"}, "gamis", nil, colour.TermFamily},
		{"hijab kecuali putih", []string{}, []string{"putih"}, "hijab", nil, colour.TermFamily},
		{"dress except navy", []string{}, []string{"navy"}, "dress", nil, colour.TermName},
		{"kaos bukan biru tua", []string{}, []string{"biru tua"}, "kaos", nil, colour.TermName},
		{"kaos -#000000", []string{}, []string{"#000000"}, "kaos", nil, colour.TermHex},
		// joined by a conjunction, the exclusion goes on; a comma ends it
		{"no black or navy", []string{}, []string{"black", "navy"}, "", nil, colour.TermFamily},
		{"tanpa hitam dan putih", []string{}, []string{"hitam", "putih"}, "", nil, colour.TermFamily},
		{"not black, red dress", []string{"red"}, []string{"black"}, "dress", nil, colour.TermFamily},
		// "and" asks for both
		{"red and white dress", []string{"red", "white"}, []string{}, "and dress", nil, ""},
		{"merah dan putih", []string{"merah", "putih"}, []string{}, "dan", nil, ""},
		// colour words stay; "warna" goes
		{"baju warna merah", []string{"merah"}, []string{}, "baju", nil, ""},
		// a minus word is left out as text; a hyphen inside a word is not a minus
		{"shirt -batik", []string{}, []string{}, "shirt", []string{"batik"}, ""},
		{"t-shirt abu-abu", []string{"abu abu"}, []string{}, "t-shirt", nil, ""},
		{"no iron shirt", []string{}, []string{}, "no iron shirt", nil, ""},
	}
	for _, c := range cases {
		v := url.Values{"q": {c.q}}
		q, err := ParseQuery(v, "IDR")
		if err != nil {
			t.Errorf("%q: %v", c.q, err)
			continue
		}
		if got := labels(q.Colours); !slices.Equal(got, c.colours) {
			t.Errorf("%q: colours %q, want %q", c.q, got, c.colours)
		}
		if got := labels(q.Not); !slices.Equal(got, c.not) {
			t.Errorf("%q: not %q, want %q", c.q, got, c.not)
		}
		if q.Text != c.text || !slices.Equal(q.NotText, c.notText) {
			t.Errorf("%q: text %q without %q, want %q without %q", c.q, q.Text, q.NotText, c.text, c.notText)
		}
		if len(q.Not) > 0 && q.Not[0].Kind != c.kindOfNot0 {
			t.Errorf("%q: the excluded %q is a %s, want a %s", c.q, q.Not[0].Label, q.Not[0].Kind, c.kindOfNot0)
		}
		// the text's colours stay in q when the query is written back
		back, err := ParseQuery(q.Values(), "IDR")
		if err != nil || !slices.Equal(labels(back.Colours), labels(q.Colours)) || !slices.Equal(labels(back.Not), labels(q.Not)) {
			t.Errorf("%q: round trip gives %q not %q (%v)", c.q, labels(back.Colours), labels(back.Not), err)
		}
	}
}

// TestColourParamKinds: colors= and not= take the three kinds of term, in
// either language, and a name keeps its own tolerance while a hex takes tol.
func TestColourParamKinds(t *testing.T) {
	v, _ := url.ParseQuery("colors=merah,tosca,%231e90ff&not=abu-abu&tol=8")
	q, err := ParseQuery(v, "IDR")
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		kind   colour.TermKind
		family colour.Family
		tol    float64
	}{{colour.TermFamily, colour.Red, 8}, {colour.TermName, colour.Teal, 12}, {colour.TermHex, colour.Blue, 8}}
	for i, w := range want {
		c := q.Colours[i]
		if c.Kind != w.kind || c.Family != w.family || (c.Kind != colour.TermFamily && c.ToleranceIn(q) != w.tol) {
			t.Errorf("colour %d %q: got %s %s tol %g, want %s %s tol %g", i, c.Label, c.Kind, c.Family, c.ToleranceIn(q), w.kind, w.family, w.tol)
		}
	}
	if len(q.Not) != 1 || !q.Not[0].IsFamily() || q.Not[0].Family != colour.Gray {
		t.Errorf("not: got %+v, want the gray family", q.Not)
	}
}
