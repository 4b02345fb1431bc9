package shop

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/warna/warna/imaging/colour"
	"github.com/warna/warna/search"
)

// englishContext is a request without a catalogue: messages stay in their
// English source.
func englishContext() echo.Context {
	return echo.New().NewContext(httptest.NewRequest("GET", "/search", nil), httptest.NewRecorder())
}

func TestShadeWords(t *testing.T) {
	ctx := englishContext()
	cases := []struct{ hex, family, want string }{
		{"#610023", "red", "deep red"},
		{"#cc1f1f", "red", "red"},
		{"#ff2010", "red", "bright red"},
		{"#9cc8f0", "blue", "light blue"},
		{"#d3a1a3", "pink", "pale pink"},
		{"#8a6f70", "pink", "muted pink"},
		{"#f0ece2", "white", "off-white"},
		{"#ffffff", "white", "white"},
		{"#6e6e6e", "gray", "grey"},
		{"#303030", "gray", "charcoal grey"},
		{"#111111", "black", "black"},
		{"#e3d3b4", "beige", "pale beige"},
	}
	for _, c := range cases {
		if got := shadeWords(ctx, c.hex, c.family); got != c.want {
			t.Errorf("shadeWords(%s, %s) = %q, want %q", c.hex, c.family, got, c.want)
		}
	}
}

// TestWhyText: every kind of match in words a shopper reads, without ΔE,
// hex codes or survey names.
func TestWhyText(t *testing.T) {
	ctx := englishContext()
	cases := []struct {
		why  search.Why
		want string
	}{
		{search.Why{Query: "burgundy", Kind: colour.TermName, Tolerance: 12, SwatchHex: "#610023", Name: "burgundy", Family: "red", DeltaE: 6.6, Share: 0.7},
			"Mostly deep red, close to burgundy"},
		{search.Why{Query: "tosca", Kind: colour.TermName, Tolerance: 12, SwatchHex: "#1fb5a3", Family: "teal", DeltaE: 1.2, Share: 0.9},
			"All teal, a match for tosca"},
		{search.Why{Query: "#1e90ff", Kind: colour.TermHex, Tolerance: 12, SwatchHex: "#75bbfd", Name: "sky blue", Family: "blue", DeltaE: 12.4, Share: 0.8},
			"Mostly light blue, near the colour you picked"},
		{search.Why{Query: "merah", Kind: colour.TermFamily, SwatchHex: "#cc1f1f", Name: "red", Family: "red", Share: 0.5, Membership: 1},
			"About half red"},
		{search.Why{Query: "white", Kind: colour.TermFamily, SwatchHex: "#f3ecd9", Name: "off white", Family: "white", Share: 0.8, Membership: 0.6},
			"Mostly off-white, which counts partly as white"},
		{search.Why{Query: "hitam", Kind: colour.TermFamily, SwatchHex: "#111111", Name: "black", Family: "black", Share: 0.06, Membership: 1, Coverage: 0.06, Exclude: true},
			"Only a touch of hitam (6 %)"},
	}
	for _, c := range cases {
		got := whyText(ctx, c.why)
		if got != c.want {
			t.Errorf("whyText(%+v) = %q, want %q", c.why, got, c.want)
		}
		for _, jargon := range []string{"ΔE", "#", c.why.Name + " ("} {
			if c.why.Name != "" && strings.Contains(got, jargon) {
				t.Errorf("whyText = %q has %q", got, jargon)
			}
		}
	}
}
