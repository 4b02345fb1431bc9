package shop

import (
	"github.com/labstack/echo/v4"

	"github.com/warna/warna/imaging/colour"
	"github.com/warna/warna/search"
	"github.com/warna/warna/web/site"
)

// Shoppers read colours in words, not in ΔE: a result card says "Mostly
// deep red, close to burgundy" ("Sebagian besar merah tua, mirip
// burgundy"), and the numbers stay in the API's why.

// shadeWords describes a swatch colour in plain words of c's language from
// its family, lightness and chroma: "deep red", "light blue", "off-white",
// "charcoal grey". (The survey names are not used: some are jokes, some
// rude.)
func shadeWords(c echo.Context, hex, family string) string {
	lab, err := colour.LabFromHex(hex)
	if err != nil {
		return site.Family(c, family)
	}
	chroma := lab.Chroma()
	switch family {
	case string(colour.White):
		if lab.L >= 96 && chroma < 3 {
			return site.Family(c, family)
		}
		return site.T(c, "off-white")
	case string(colour.Black):
		return site.Family(c, family)
	case string(colour.Gray):
		switch {
		case lab.L < 40:
			return site.T(c, "charcoal grey")
		case lab.L > 75:
			return site.T(c, "light grey")
		}
		return site.Family(c, family)
	case "":
		return site.T(c, "this colour")
	}
	word := site.Family(c, family)
	switch {
	case chroma < 20 && lab.L > 70:
		return site.T(c, "pale %s", word)
	case chroma < 20 && lab.L < 40:
		return site.T(c, "dark %s", word)
	case chroma < 20:
		return site.T(c, "muted %s", word)
	case lab.L < 35:
		return site.T(c, "deep %s", word)
	case lab.L > 70:
		return site.T(c, "light %s", word)
	case chroma > 85:
		return site.T(c, "bright %s", word)
	}
	return word
}

// shareWords says how much of a product is shade.
func shareWords(c echo.Context, share float64, shade string) string {
	switch {
	case share >= 0.85:
		return site.T(c, "All %s", shade)
	case share >= 0.6:
		return site.T(c, "Mostly %s", shade)
	case share >= 0.4:
		return site.T(c, "About half %s", shade)
	case share >= 0.2:
		return site.T(c, "Partly %s", shade)
	}
	return site.T(c, "A touch of %s", shade)
}

// whyText is one line of a result card saying why the product matched a
// colour of the search (or how little of an excluded colour it has).
func whyText(c echo.Context, w search.Why) string {
	if w.Exclude {
		return site.T(c, "Only a touch of %s (%.0f %%)", familyOrLabel(w), w.Coverage*100)
	}
	lead := shareWords(c, w.Share, shadeWords(c, w.SwatchHex, w.Family))
	if w.Kind == colour.TermFamily {
		if w.Membership < 0.7 {
			return site.T(c, "%s, which counts partly as %s", lead, site.FamilyWord(w.Query))
		}
		return lead
	}
	target := w.Query
	if w.Kind == colour.TermHex || w.Kind == "" {
		target = site.T(c, "the colour you picked")
	}
	tol := w.Tolerance
	if tol <= 0 {
		tol = search.DefaultTolerance
	}
	switch {
	case w.DeltaE <= tol/3:
		return site.T(c, "%s, a match for %s", lead, target)
	case w.DeltaE <= tol:
		return site.T(c, "%s, close to %s", lead, target)
	}
	return site.T(c, "%s, near %s", lead, target)
}

// familyOrLabel names an excluded colour: its family word, or the name or
// code the shopper gave.
func familyOrLabel(w search.Why) string {
	if w.Kind == colour.TermFamily {
		return site.FamilyWord(w.Query)
	}
	return w.Query
}
