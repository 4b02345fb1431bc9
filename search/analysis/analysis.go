// Package analysis turns product text and queries into search terms, the
// same in both backends: the embedded index runs
// Analyse on titles and queries; Elasticsearch runs the custom analyzer
// essearch builds from StopWords, SynonymRules and SynonymKeywords, which
// is this chain step for step:
//
//  1. the standard tokenizer (Unicode word boundaries: letters and digits,
//     "don't", "1.5" and "abu2" one token each; hyphens, slashes and "#"
//     split);
//  2. English possessives ("women's" → "women");
//  3. lower case;
//  4. stop words, English (Lucene's list, as the "english" analyzer has it)
//     and Indonesian (function words; no word that can name a product,
//     colour or size, and the negation words bukan, tanpa, selain and
//     kecuali, which the query parser reads before analysis);
//  5. bilingual product nouns: each group of synonyms ("kemeja", "hem",
//     "shirt", "shirts") becomes its canonical token ("shirt"), so either
//     language finds the other's listings; a phrase may stand for two
//     ("celana pendek" is shorts and trousers);
//  6. the canonical tokens are keywords, left unstemmed (so "kemeja" never
//     meets the stemmer, which would make it "meja", a table);
//  7. the Porter stemmer (English), then the Indonesian stemmer of
//     stem_id.go.
//
// Running both stemmers on every word is what lets one field serve both
// languages: each is conservative on the other's words (the Indonesian one
// leaves words of two syllables or fewer alone), and index and query go
// through the same chain, so an odd stem still matches itself.
package analysis

import (
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// englishStopWords is Lucene's English stop set.
var englishStopWords = []string{
	"a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it", "no",
	"not", "of", "on", "or", "such", "that", "the", "their", "then", "there", "these", "they", "this", "to",
	"was", "will", "with",
}

// indonesianStopWords are Indonesian function words, after the stop list
// of Tala's study, without the words that can describe a product (atas,
// bawah, kecil, besar, lama, baru, panjang, depan, dalam is kept out too as
// in "pakaian dalam", underwear).
var indonesianStopWords = []string{
	"ada", "adalah", "adanya", "adapun", "agak", "agar", "akan", "aku", "amat", "anda", "antara", "apa",
	"apabila", "apakah", "apalagi", "atau", "ataupun", "bagai", "bagaimana", "bagi", "bahkan", "bahwa",
	"banyak", "beberapa", "begini", "begitu", "belum", "bisa", "boleh", "bukan", "cuma", "dahulu", "dan",
	"dapat", "dari", "daripada", "demi", "demikian", "dengan", "di", "dia", "dong", "dulu", "entah", "hal",
	"hampir", "hanya", "harus", "hendak", "hingga", "ia", "ialah", "ini", "itu", "jadi", "jangan", "jika",
	"juga", "justru", "kalau", "kami", "kamu", "kan", "kapan", "karena", "ke", "kecuali", "kemudian",
	"kenapa", "kepada", "ketika", "kita", "kok", "lagi", "lah", "lain", "lalu", "maka", "makin", "malah",
	"mana", "masih", "mau", "maupun", "melainkan", "memang", "mereka", "meski", "mungkin", "nah", "namun",
	"nanti", "oleh", "pada", "padahal", "para", "pasti", "pernah", "pula", "pun", "saat", "saja", "sambil",
	"sampai", "sangat", "saya", "sebab", "sebagai", "sebelum", "sedang", "sedangkan", "segala", "sehingga",
	"sejak", "sekali", "selain", "selalu", "semua", "seperti", "serta", "setelah", "siapa", "suatu",
	"sudah", "supaya", "tadi", "tak", "tanpa", "tapi", "telah", "tentang", "tetapi", "tiap", "tidak", "toh",
	"untuk", "walau", "walaupun", "yaitu", "yakni", "yang",
}

// synonymGroup maps phrases (one or more words, as typed) to canonical
// tokens.
type synonymGroup struct {
	canonical []string
	phrases   []string
}

// productSynonyms are the product nouns shoppers and sellers use in English
// and Indonesian. A longer phrase wins over a shorter one ("kaos kaki",
// socks, over "kaos", t-shirt).
var productSynonyms = []synonymGroup{
	{[]string{"shirt"}, []string{"shirt", "shirts", "kemeja", "hem"}},
	{[]string{"tshirt"}, []string{"t shirt", "t shirts", "tshirt", "tshirts", "tee", "tees", "kaos", "kaus"}},
	{[]string{"blouse"}, []string{"blouse", "blouses", "blus"}},
	{[]string{"dress"}, []string{"dress", "dresses", "gaun", "terusan"}},
	{[]string{"skirt"}, []string{"skirt", "skirts", "rok"}},
	{[]string{"trousers"}, []string{"trousers", "pants", "celana", "slacks"}},
	{[]string{"shorts", "trousers"}, []string{"shorts", "celana pendek"}},
	{[]string{"jeans", "trousers"}, []string{"jeans", "celana jeans"}},
	{[]string{"jacket"}, []string{"jacket", "jackets", "jaket"}},
	{[]string{"coat"}, []string{"coat", "coats", "mantel"}},
	{[]string{"sweater"}, []string{"sweater", "sweaters", "jumper", "jumpers", "sweter"}},
	{[]string{"bag"}, []string{"bag", "bags", "tas"}},
	{[]string{"backpack", "bag"}, []string{"backpack", "backpacks", "ransel", "tas ransel"}},
	{[]string{"wallet"}, []string{"wallet", "wallets", "dompet", "purse", "purses"}},
	{[]string{"shoes"}, []string{"shoe", "shoes", "sepatu"}},
	{[]string{"sandals"}, []string{"sandal", "sandals"}},
	{[]string{"slippers", "sandals"}, []string{"slipper", "slippers", "sandal jepit"}},
	{[]string{"hat"}, []string{"hat", "hats", "topi", "cap", "caps"}},
	{[]string{"hijab"}, []string{"hijab", "hijabs", "kerudung", "jilbab", "headscarf", "headscarves"}},
	{[]string{"scarf"}, []string{"scarf", "scarves", "syal", "selendang", "shawl", "shawls"}},
	{[]string{"socks"}, []string{"sock", "socks", "kaos kaki", "kaus kaki"}},
	{[]string{"mug"}, []string{"mug", "mugs", "cangkir", "gelas", "cup", "cups"}},
	{[]string{"plate"}, []string{"plate", "plates", "piring"}},
	{[]string{"bowl"}, []string{"bowl", "bowls", "mangkuk", "mangkok"}},
	{[]string{"cushion"}, []string{"cushion", "cushions", "bantal", "pillow", "pillows"}},
	{[]string{"blanket"}, []string{"blanket", "blankets", "selimut"}},
	{[]string{"towel"}, []string{"towel", "towels", "handuk"}},
	{[]string{"belt"}, []string{"belt", "belts", "ikat pinggang", "sabuk"}},
	{[]string{"necklace"}, []string{"necklace", "necklaces", "kalung"}},
	{[]string{"earrings"}, []string{"earring", "earrings", "anting"}},
	{[]string{"bracelet"}, []string{"bracelet", "bracelets", "gelang"}},
	{[]string{"sarong"}, []string{"sarong", "sarongs", "sarung"}},
	{[]string{"vase"}, []string{"vase", "vases", "vas"}},
	{[]string{"lamp"}, []string{"lamp", "lamps", "lampu"}},
	{[]string{"curtain"}, []string{"curtain", "curtains", "gorden", "gordyn", "tirai"}},
	{[]string{"table"}, []string{"table", "tables", "meja"}},
	{[]string{"chair"}, []string{"chair", "chairs", "kursi"}},
	{[]string{"bottle"}, []string{"bottle", "bottles", "botol"}},
}

// analyser is the chain's data, built once.
type analyser struct {
	stop     map[string]bool
	keywords map[string]bool
	// rules by their first word, longest phrase first
	rules map[string][]synonymRule
}

type synonymRule struct {
	words, to []string
}

var theAnalyser = func() *analyser {
	a := &analyser{stop: map[string]bool{}, keywords: map[string]bool{}, rules: map[string][]synonymRule{}}
	for _, w := range slices.Concat(englishStopWords, indonesianStopWords) {
		a.stop[w] = true
	}
	for _, g := range productSynonyms {
		for _, c := range g.canonical {
			a.keywords[c] = true
		}
		for _, p := range g.phrases {
			words := strings.Fields(p)
			a.rules[words[0]] = append(a.rules[words[0]], synonymRule{words: words, to: g.canonical})
		}
	}
	for _, rules := range a.rules {
		sort.SliceStable(rules, func(i, j int) bool { return len(rules[i].words) > len(rules[j].words) })
	}
	return a
}()

// Analyse turns text into the tokens both backends index and search.
func Analyse(text string) []string {
	a := theAnalyser
	tokens := tokenize(text)
	kept := tokens[:0]
	for _, t := range tokens {
		t = strings.ToLower(stripPossessive(t))
		if t != "" && !a.stop[t] {
			kept = append(kept, t)
		}
	}
	out := make([]string, 0, len(kept))
	for i := 0; i < len(kept); {
		if rule, ok := a.synonymAt(kept[i:]); ok {
			out = append(out, rule.to...)
			i += len(rule.words)
			continue
		}
		out = append(out, stem(kept[i]))
		i++
	}
	return out
}

func (a *analyser) synonymAt(tokens []string) (synonymRule, bool) {
	for _, r := range a.rules[tokens[0]] {
		if len(r.words) <= len(tokens) && slices.Equal(r.words, tokens[:len(r.words)]) {
			return r, true
		}
	}
	return synonymRule{}, false
}

// stem runs both stemmers on a word that is not a keyword. (A canonical
// token typed as itself, "shirt", is matched by its own rule above.)
func stem(w string) string {
	if theAnalyser.keywords[w] {
		return w
	}
	return stemIndonesian(porterStem(w)) // Porter, as ES's "english" stemmer
}

// stripPossessive removes a trailing 's as Lucene's EnglishPossessiveFilter
// does (with the typographic apostrophes too).
func stripPossessive(t string) string {
	for _, apos := range []string{"'", "\u2019", "\u201b"} {
		for _, s := range []string{"s", "S"} {
			if suffix := apos + s; strings.HasSuffix(t, suffix) {
				return t[:len(t)-len(suffix)]
			}
		}
	}
	return t
}

// tokenize splits text at Unicode word boundaries as Lucene's standard
// tokenizer does for the text of product listings: runs of letters, digits,
// marks and underscores, joined across an apostrophe or full stop between
// two letters or two digits ("don't", "1.5"), a colon between letters, and
// a comma or semicolon between digits ("1,000").
func tokenize(text string) []string {
	out := make([]string, 0, len(text)/5+1) // words of product text average 6 bytes with their space
	start := -1
	var prev rune
	for i, r := range text {
		switch {
		case isWordRune(r):
			if start < 0 {
				start = i
			}
		case start >= 0 && joins(prev, r, text[i+runeWidth(text[i:]):]):
			// a joiner inside a word: keep going
		default:
			if start >= 0 {
				out = append(out, text[start:i])
				start = -1
			}
		}
		prev = r
	}
	if start >= 0 {
		out = append(out, text[start:])
	}
	return out
}

// runeWidth is the byte length of the rune at the start of s; unlike
// utf8.RuneLen of the decoded rune it is 1 for a byte of invalid UTF-8,
// which range decodes as U+FFFD (3 bytes when encoded).
func runeWidth(s string) int {
	_, n := utf8.DecodeRuneInString(s)
	return n
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r)
}

// joins reports whether mid, between prev and the rest of the text, stays
// inside a word.
func joins(prev, mid rune, rest string) bool {
	next, _ := utf8.DecodeRuneInString(rest)
	letters := unicode.IsLetter(prev) && unicode.IsLetter(next)
	digits := unicode.IsDigit(prev) && unicode.IsDigit(next)
	switch mid {
	case '.', '\'', '\u2019':
		return letters || digits
	case ':':
		return letters
	case ',', ';':
		return digits
	}
	return false
}

// StopWords are the stop words of the analysis, sorted.
func StopWords() []string {
	out := slices.Concat(englishStopWords, indonesianStopWords)
	slices.Sort(out)
	return slices.Compact(out)
}

// SynonymRules are the product synonyms as Solr-format explicit mappings
// ("kemeja, hem, shirt, shirts => shirt") for Elasticsearch's synonym
// filter.
func SynonymRules() []string {
	out := make([]string, len(productSynonyms))
	for i, g := range productSynonyms {
		out[i] = strings.Join(g.phrases, ", ") + " => " + strings.Join(g.canonical, ", ")
	}
	return out
}

// SynonymKeywords are the canonical tokens, which no stemmer may change.
func SynonymKeywords() []string {
	out := make([]string, 0, len(theAnalyser.keywords))
	for k := range theAnalyser.keywords {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
