package colour

import (
	"math"
	"slices"
	"testing"
)

// TestFamilyWords: every family word, English and Indonesian, is a region
// of its family, shown with the family's swatch colour.
func TestFamilyWords(t *testing.T) {
	words := map[string]Family{
		"red": Red, "merah": Red, "blue": Blue, "biru": Blue, "green": Green, "hijau": Green,
		"yellow": Yellow, "kuning": Yellow, "black": Black, "hitam": Black, "white": White, "putih": White,
		"gray": Gray, "grey": Gray, "abu-abu": Gray, "abu abu": Gray, "abu": Gray, "abu2": Gray, "kelabu": Gray,
		"brown": Brown, "coklat": Brown, "cokelat": Brown, "purple": Purple, "ungu": Purple,
		"orange": Orange, "oranye": Orange, "jingga": Orange, "pink": Pink, "merah muda": Pink, "Merah-Muda": Pink,
		"beige": Beige, "krem": Beige, "teal": Teal, "  HITAM ": Black,
	}
	for word, want := range words {
		term, err := LookupColour(word)
		if err != nil {
			t.Errorf("%q: %v", word, err)
			continue
		}
		if term.Kind != TermFamily || term.Family != want || term.Lab.Hex() != want.Swatch() || term.Tolerance != 0 {
			t.Errorf("%q: got %s %s %s tol %g, want the family %s shown as %s", word, term.Kind, term.Family, term.Lab.Hex(), term.Tolerance, want, want.Swatch())
		}
		if m := term.Membership(); len(m) != 1 || m[want] != 1 {
			t.Errorf("%q: membership %v, want wholly %s", word, m, want)
		}
	}
}

// TestSellerWords: the colour words of Indonesian listings are fine names,
// each with the colour shops mean, a tolerance and a family by the same
// classifier that names palette swatches; every spelling is the same term.
func TestSellerWords(t *testing.T) {
	cases := []struct {
		spellings []string
		hex       string
		families  []Family // acceptable main families (a judgement call where two are listed)
	}{
		{[]string{"broken white", "Broken-White", "brokenwhite"}, "#f0ece2", []Family{White}},
		{[]string{"putih tulang"}, "#eeeadf", []Family{White}},
		{[]string{"cream", "creme"}, "#f2e6c9", []Family{Beige}},
		{[]string{"tosca", "toska", "hijau tosca", "Hijau Toska"}, "#1fb5a3", []Family{Teal}},
		{[]string{"mocca", "moka", "mocha", "moca"}, "#a07f66", []Family{Brown}},
		{[]string{"army", "hijau army", "army green"}, "#4f5a2a", []Family{Green}},
		{[]string{"salem", "salmon", "pink salem"}, "#f4a08c", []Family{Pink, Orange}},
		{[]string{"coksu", "coklat susu", "cokelat susu"}, "#a57b5b", []Family{Brown}},
		{[]string{"milo", "coklat milo"}, "#9a7560", []Family{Brown}},
		{[]string{"maroon", "merah maroon", "marun"}, "#7b1a24", []Family{Red}},
		{[]string{"navy", "navy blue", "dongker", "biru dongker", "biru navy"}, "#1f2a48", []Family{Blue}},
		{[]string{"dusty pink", "dusty rose"}, "#d3a1a3", []Family{Pink}},
		{[]string{"sage", "hijau sage", "sage green"}, "#9caf88", []Family{Green}},
		{[]string{"terracotta", "terakota", "merah bata", "bata"}, "#c0583b", []Family{Orange, Red}},
		{[]string{"nude"}, "#e2bfa3", []Family{Beige}},
		{[]string{"lilac", "ungu lilac"}, "#c2a2cc", []Family{Purple}},
		{[]string{"mustard", "kuning mustard"}, "#d9a514", []Family{Yellow}},
		{[]string{"olive", "hijau olive", "hijau zaitun"}, "#707d32", []Family{Green}},
		{[]string{"denim", "biru denim"}, "#3e5f8a", []Family{Blue}},
		{[]string{"khaki", "kaki"}, "#c3ae8c", []Family{Beige}},
		{[]string{"burgundy", "burgundi"}, "#7c1c34", []Family{Red}},
		{[]string{"fuchsia", "fuschia", "fuksia"}, "#d2338f", []Family{Pink}},
		{[]string{"fanta", "pink fanta"}, "#e4306f", []Family{Pink}},
		{[]string{"mint", "hijau mint"}, "#a3dcb4", []Family{Green}},
		{[]string{"peach", "persik"}, "#f9b58f", []Family{Orange}},
		{[]string{"emas", "gold", "keemasan"}, "#cfa63a", []Family{Yellow}},
		{[]string{"perak", "silver"}, "#bfc1c2", []Family{Gray}},
		{[]string{"sky blue", "biru langit"}, "#80bde6", []Family{Blue}},
		{[]string{"bottle green", "hijau botol"}, "#1e5b3c", []Family{Green}},
	}
	for _, c := range cases {
		first, err := LookupColour(c.spellings[0])
		if err != nil {
			t.Errorf("%q: %v", c.spellings[0], err)
			continue
		}
		if first.Kind != TermName || first.Lab.Hex() != c.hex || !slices.Contains(c.families, first.Family) {
			t.Errorf("%q: got %s %s in %s, want a name at %s in %v", c.spellings[0], first.Kind, first.Lab.Hex(), first.Family, c.hex, c.families)
		}
		if first.Tolerance < 6 || first.Tolerance > 14 {
			t.Errorf("%q: tolerance %g, want a name's 6..14", c.spellings[0], first.Tolerance)
		}
		var sum float64
		for _, p := range first.Membership() {
			sum += p
		}
		if math.Abs(sum-1) > 1e-9 {
			t.Errorf("%q: membership %v sums to %g", c.spellings[0], first.Membership(), sum)
		}
		for _, s := range c.spellings[1:] {
			if got, err := LookupColour(s); err != nil || got != first {
				t.Errorf("%q: got %+v (%v), want the same term as %q", s, got, err, c.spellings[0])
			}
		}
	}
}

// TestIndonesianShades: tua/gelap darken and muda/terang lighten every
// family that has shades, and each shade is still named as its family.
func TestIndonesianShades(t *testing.T) {
	bases := map[string]Family{"merah": Red, "oranye": Orange, "kuning": Yellow, "hijau": Green, "biru": Blue,
		"ungu": Purple, "coklat": Brown, "abu": Gray, "abu-abu": Gray, "krem": Beige}
	for word, family := range bases {
		dark, err1 := LookupColour(word + " tua")
		gelap, err2 := LookupColour(word + " gelap")
		muda := word + " muda"
		if word == "merah" {
			muda = word + " terang" // merah muda is pink
		}
		light, err3 := LookupColour(muda)
		terang, err4 := LookupColour(word + " terang")
		if err1 != nil || err2 != nil || err3 != nil || err4 != nil {
			t.Errorf("%s: %v %v %v %v", word, err1, err2, err3, err4)
			continue
		}
		if dark.Lab != gelap.Lab || light.Lab != terang.Lab {
			t.Errorf("%s: tua %s and gelap %s, muda %s and terang %s should be alike", word, dark.Lab.Hex(), gelap.Lab.Hex(), light.Lab.Hex(), terang.Lab.Hex())
		}
		if dark.Kind != TermName || light.Kind != TermName || dark.Tolerance == 0 {
			t.Errorf("%s: shades are %s and %s with tolerance %g, want names", word, dark.Kind, light.Kind, dark.Tolerance)
		}
		if dark.Lab.L+15 > light.Lab.L {
			t.Errorf("%s tua (L %.1f) is not clearly darker than %s muda (L %.1f)", word, dark.Lab.L, word, light.Lab.L)
		}
		for _, shade := range []ColourTerm{dark, light} {
			if shade.Family != family {
				t.Errorf("%q (%s) is named %s, want %s", shade.Text, shade.Lab.Hex(), shade.Family, family)
			}
		}
	}
	// "merah muda" is the pink family, not a light red; black and white have no shades.
	if pink, _ := LookupColour("merah muda"); pink.Kind != TermFamily || pink.Family != Pink {
		t.Errorf("merah muda: got %+v, want the pink family", pink)
	}
	if _, err := LookupColour("putih tua"); err == nil {
		t.Error("putih tua: want unknown")
	}
	biruTua, _ := LookupColour("biru tua")
	biruMuda, _ := LookupColour("biru muda")
	if biruTua.Lab.L >= biruMuda.Lab.L {
		t.Errorf("biru tua L %.1f, biru muda L %.1f: want biru tua darker", biruTua.Lab.L, biruMuda.Lab.L)
	}
}

func TestLookupColourKinds(t *testing.T) {
	for in, want := range map[string]TermKind{
		"#1e90ff": TermHex, "1e90ff": TermHex, "#18f": TermHex, "burgundy": TermName, "off-white": TermName,
		"robin's egg": TermName, "red": TermFamily, "tosca": TermName, "biru tua": TermName,
	} {
		got, err := LookupColour(in)
		if err != nil || got.Kind != want {
			t.Errorf("%q: got %s (%v), want %s", in, got.Kind, err, want)
		}
		if got.Kind == TermName && got.Tolerance == 0 {
			t.Errorf("%q: a name without a tolerance", in)
		}
	}
	if hex, _ := LookupColour("#1e90ff"); hex.Family != Blue || hex.Text != "#1e90ff" || hex.Tolerance != 0 {
		t.Errorf("#1e90ff: got %+v, want a blue point with the searcher's tolerance", hex)
	}
	if plum, _ := LookupColour("plum"); plum.Tolerance != NameTolerance {
		t.Errorf("plum: tolerance %g, want the survey names' %g", plum.Tolerance, NameTolerance)
	}
	for _, bad := range []string{"", "blurple-ish", "multicolour", "#12345", "biru sekali"} {
		if _, err := LookupColour(bad); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
}

func TestFindColourTerms(t *testing.T) {
	cases := []struct {
		text  string
		terms []string
		rest  string
	}{
		{"Kemeja batik merah maroon", []string{"maroon"}, "Kemeja batik"},
		{"gamis broken white", []string{"broken white"}, "gamis"},
		{"tas tosca", []string{"tosca"}, "tas"},
		{"kemeja merah bukan hitam", []string{"merah", "hitam"}, "kemeja bukan"},
		{"celana abu-abu", []string{"abu abu"}, "celana"},
		{"kaos abu2 polos", []string{"abu2"}, "kaos polos"},
		{"jaket hijau army", []string{"army"}, "jaket"},
		{"biru dongker", []string{"navy"}, ""},
		{"kemeja biru tua", []string{"biru tua"}, "kemeja"},
		{"gaun merah muda", []string{"merah muda"}, "gaun"},
		{"sepatu bata hitam", []string{"hitam"}, "sepatu bata"},
		{"jaket denim", nil, "jaket denim"},
		{"jaket biru denim", []string{"denim"}, "jaket"},
		{"kaos kaki putih", []string{"putih"}, "kaos kaki"},
		{"hijab coksu", []string{"coksu"}, "hijab"},
		{"kerudung warna milo", []string{"milo"}, "kerudung warna"},
		{"red and white dress", []string{"red", "white"}, "and dress"},
		{"burgundy red dress", []string{"burgundy"}, "dress"},
		{"gold member card", nil, "gold member card"},
		{"kalung emas", []string{"emas"}, "kalung"},
	}
	for _, c := range cases {
		_, names, rest := ColorWords(c.text)
		if !slices.Equal(names, c.terms) || rest != c.rest {
			t.Errorf("%q: got %q rest %q, want %q rest %q", c.text, names, rest, c.terms, c.rest)
		}
	}
	spans := FindColourTerms("Kemeja -hitam, merah tua")
	if len(spans) != 2 || spans[0].Start != 8 || spans[0].End != 13 || spans[0].Term.Family != Black ||
		spans[1].Term.Text != "merah tua" || spans[1].Term.Kind != TermName {
		t.Errorf("spans: got %+v", spans)
	}
}
