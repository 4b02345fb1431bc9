package analysis

import (
	"slices"
	"strings"
	"testing"

	"github.com/warna/warna/imaging/colour"
)

func TestTokenize(t *testing.T) {
	cases := map[string][]string{
		"Kemeja batik merah-maroon":   {"Kemeja", "batik", "merah", "maroon"},
		"women's t-shirt, size L":     {"women's", "t", "shirt", "size", "L"},
		"Tas 2.5 kg / 1,000 pcs":      {"Tas", "2.5", "kg", "1,000", "pcs"},
		"abu2 #cc1f1f (set of 3)":     {"abu2", "cc1f1f", "set", "of", "3"},
		"don’t… U.S.A. a:b x_y":       {"don’t", "U.S.A", "a:b", "x_y"},
		"end with a dot. and, commas": {"end", "with", "a", "dot", "and", "commas"},
		"":                            nil,
		"a\xff":                       {"a"}, // invalid UTF-8 after a word: one byte, not three
		"1.\xff2 b\xc3":               {"1", "2", "b"},
	}
	for in, want := range cases {
		if got := tokenize(in); !slices.Equal(got, want) {
			t.Errorf("tokenize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAnalyse(t *testing.T) {
	cases := map[string][]string{
		// English: possessive, stop words, Porter stems, synonyms
		"The women's linen shirts": {"women", "linen", "shirt"},
		"Red linen shirt":          {"red", "linen", "shirt"},
		"Striped cotton T-shirt":   {"stripe", "cotton", "tshirt"},
		"Ceramic mugs and plates":  {"ceram", "mug", "plate"},
		// Indonesian: stop words, stems, synonyms; "kemeja" never becomes "meja"
		"Kemeja batik merah":          {"shirt", "batik", "merah"},
		"Kaos kaki putih untuk anak":  {"socks", "putih", "anak"},
		"Kaos polos hitam":            {"tshirt", "polo", "hitam"}, // Porter strips the s; the query goes the same way
		"Celana pendek rajutan":       {"shorts", "trousers", "rajut"},
		"Meja kayu jati":              {"table", "kayu", "jati"},
		"Tas selempang wanita":        {"bag", "selempang", "wanita"},
		"Pakaian yang dijahit tangan": {"pakai", "jahit", "tangan"},
		"kerudung bukan tanpa selain": {"hijab"},
		"Cangkir keramik, gelas kaca": {"mug", "ramik", "mug", "kaca"}, // ke- is a prefix to Tala's rules
	}
	for in, want := range cases {
		if got := Analyse(in); !slices.Equal(got, want) {
			t.Errorf("Analyse(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestEitherLanguageFindsTheOther: the product nouns of the list
// meet across languages.
func TestEitherLanguageFindsTheOther(t *testing.T) {
	pairs := [][2]string{
		{"kemeja", "shirt"}, {"kaos", "t-shirt"}, {"gaun", "dress"}, {"rok", "skirt"}, {"celana", "trousers"},
		{"jaket", "jacket"}, {"tas", "bag"}, {"dompet", "wallet"}, {"sepatu", "shoes"}, {"sandal", "sandals"},
		{"topi", "hat"}, {"kerudung", "hijab"}, {"jilbab", "headscarf"}, {"cangkir", "mug"}, {"gelas", "mug"},
		{"piring", "plate"}, {"bantal", "cushion"}, {"kaos kaki", "socks"}, {"celana pendek", "shorts"},
	}
	for _, p := range pairs {
		a, b := Analyse(p[0]), Analyse(p[1])
		if len(a) == 0 || !slices.Contains(b, a[0]) {
			t.Errorf("%q gives %q and %q gives %q: want a token in common", p[0], a, p[1], b)
		}
	}
}

// TestAnalysisVocabulary: the word lists must not fight each other. A stop
// word in a synonym rule would make Elasticsearch refuse the index; a stop
// word that names a colour would drop it from titles.
func TestAnalysisVocabulary(t *testing.T) {
	stop := map[string]bool{}
	for _, w := range StopWords() {
		stop[w] = true
		if _, err := colour.LookupColour(w); err == nil {
			t.Errorf("stop word %q is a colour", w)
		}
		if w != strings.ToLower(strings.TrimSpace(w)) || len(tokenize(w)) != 1 {
			t.Errorf("stop word %q is not one lower-case token", w)
		}
	}
	for _, g := range productSynonyms {
		for _, p := range g.phrases {
			for _, w := range strings.Fields(p) {
				if stop[w] {
					t.Errorf("synonym phrase %q has the stop word %q", p, w)
				}
			}
			if got := strings.Join(tokenize(p), " "); got != p {
				t.Errorf("synonym phrase %q tokenises as %q", p, got)
			}
		}
	}
	for _, k := range SynonymKeywords() {
		if got := Analyse(k); !slices.Contains(got, k) {
			t.Errorf("keyword %q analyses to %q, want itself", k, got)
		}
	}
	if rules := SynonymRules(); len(rules) != len(productSynonyms) || rules[0] != "shirt, shirts, kemeja, hem => shirt" {
		t.Errorf("rules: got %q…", rules[:2])
	}
}
