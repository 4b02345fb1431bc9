package colour

import (
	"fmt"
	"strings"
	"sync"
)

// TermKind is what a colour term names, which decides how search matches
// it (one meaning everywhere a colour is asked for or left out).
type TermKind string

// The kinds of colour term.
const (
	// TermFamily is a family word ("red", "merah", "grey"): a region. A
	// swatch counts by its membership in the family (a palette's family_p).
	TermFamily TermKind = "family"
	// TermName is a fine name ("burgundy", "tosca", "biru tua"): a point
	// with the tolerance suited to the name.
	TermName TermKind = "name"
	// TermHex is a hex code: a point, with the searcher's tolerance.
	TermHex TermKind = "hex"
)

// NameTolerance is the tolerance (ΔE00) of the XKCD survey's names; the
// sellers' words of words_id.go carry their own.
const NameTolerance = 10.0

// ColourTerm is a colour as a person names it.
type ColourTerm struct {
	// Text is the canonical spelling: "merah", "biru tua", "off white",
	// "#1e90ff".
	Text string
	Kind TermKind
	// Family is the family a family term names, or the one a point belongs
	// to most.
	Family Family
	// Lab is the point; for a family term, the colour the family is shown
	// with (Family.Swatch).
	Lab Lab
	// Tolerance is a name's ΔE00 at which a swatch still counts about half;
	// 0 for family terms and hex codes.
	Tolerance float64
}

// Membership is the term's family membership: a family term belongs wholly
// to its family, a point as FamilyMembership says.
func (t ColourTerm) Membership() Membership {
	if t.Kind == TermFamily {
		return Membership{t.Family: 1}
	}
	return FamilyMembership(t.Lab)
}

// vocabulary is every colour word and phrase a term can be read from, by
// normalised phrase (colourNameWords joined by spaces).
type vocabulary struct {
	terms    map[string]ColourTerm
	maxWords int
}

var colourVocabulary = sync.OnceValue(func() *vocabulary {
	v := &vocabulary{terms: map[string]ColourTerm{}}
	add := func(phrase string, t ColourTerm) {
		words := NameWords(phrase)
		v.terms[strings.Join(words, " ")] = t
		v.maxWords = max(v.maxWords, len(words))
	}
	// Lowest precedence first: survey names, then sellers' words, shades of
	// the Indonesian families, and the family words themselves.
	survey := surveyNames()
	for key, i := range survey.byName {
		p := survey.prototypes[i]
		add(key, ColourTerm{Text: p.name, Kind: TermName, Lab: p.lab, Tolerance: NameTolerance})
	}
	for _, w := range sellerWords {
		lab, err := LabFromHex(w.hex)
		if err != nil {
			panic(fmt.Sprintf("imaging: seller word %q: %v", w.names[0], err))
		}
		for _, name := range w.names {
			add(name, ColourTerm{Text: w.names[0], Kind: TermName, Lab: lab, Tolerance: w.tolerance})
		}
	}
	for word, family := range indonesianFamilyWords {
		shades, ok := familyShades[family]
		if !ok {
			continue // "putih tua" is not a colour; "putih tulang" is a seller word
		}
		for modifier, light := range indonesianModifiers {
			phrase := word + " " + modifier
			if _, taken := indonesianFamilyWords[phrase]; taken {
				continue // "merah muda" is pink, not a light red
			}
			lab, err := LabFromHex(shades[light])
			if err != nil {
				panic(fmt.Sprintf("imaging: shade %q: %v", phrase, err))
			}
			add(phrase, ColourTerm{Text: phrase, Kind: TermName, Lab: lab, Tolerance: shadeTolerance})
		}
	}
	for _, f := range Families {
		add(string(f), familyTerm(string(f), f))
	}
	add("grey", familyTerm("grey", Gray))
	for word, family := range indonesianFamilyWords {
		add(word, familyTerm(word, family))
	}
	return v
})

func familyTerm(text string, f Family) ColourTerm {
	lab, err := LabFromHex(f.Swatch())
	if err != nil {
		panic(fmt.Sprintf("imaging: swatch of %s: %v", f, err))
	}
	return ColourTerm{Text: text, Kind: TermFamily, Family: f, Lab: lab}
}

// withFamily fills in the family of a point term (computed when a term is
// handed out, not for the whole vocabulary).
func withFamily(t ColourTerm) ColourTerm {
	if t.Kind != TermFamily {
		t.Family, _, _ = Name(t.Lab)
	}
	return t
}

// LookupColour reads one colour a person typed: a family word in English or
// Indonesian ("red", "grey", "merah", "abu-abu"), a fine name (a seller's
// word such as "tosca" or "broken white", a shade such as "biru tua", or an
// XKCD survey name such as "burgundy") or a hex code ("#1e90ff", "1e90ff",
// "#18f"). Letter case, hyphens and extra spaces do not matter.
func LookupColour(s string) (ColourTerm, error) {
	key := strings.Join(NameWords(s), " ")
	if t, ok := colourVocabulary().terms[key]; ok && key != "" {
		return withFamily(t), nil
	}
	if looksLikeHex(s) {
		lab, err := LabFromHex(s)
		if err != nil {
			return ColourTerm{}, err
		}
		return withFamily(ColourTerm{Text: lab.Hex(), Kind: TermHex, Lab: lab}), nil
	}
	return ColourTerm{}, fmt.Errorf("colour %q is neither a hex code like \"#1e90ff\" nor a colour name like \"navy\", \"merah\" or \"burgundy\": %w", s, ErrUnknownColour)
}

// TermSpan is a colour term found in free text, with its byte span.
type TermSpan struct {
	Start, End int
	Term       ColourTerm
}

// FindColourTerms finds the colour words and phrases of free text, such as
// a search query or a product title, in order: the longest phrase first
// ("off white", "biru tua", "merah muda"), family words, fine names and
// "#rrggbb" codes. It is conservative: bare words that in product text are
// mostly not colours (leather, denim, sky, tea, bata, ...) and phrases such
// as "red wine" or "coffee table" are not colours. A family word next to a
// fine name of that family is one colour, the fine one: "merah maroon" is
// maroon and "dark navy blue" is dark navy.
func FindColourTerms(text string) []TermSpan {
	vocab := colourVocabulary()
	tokens := colourTokens(text)
	var out []TermSpan
	for i := 0; i < len(tokens); {
		n, term, ok := matchTerm(vocab, tokens[i:])
		if !ok {
			i += n
			continue
		}
		span := TermSpan{Start: tokens[i].start, End: tokens[i+n-1].end, Term: withFamily(term)}
		i += n
		if k := len(out) - 1; k >= 0 && onlySpaceBetween(text, out[k].End, span.Start) {
			prev := out[k].Term
			switch {
			case span.Term.Kind == TermFamily && prev.Kind != TermFamily && prev.Family == span.Term.Family:
				out[k].End = span.End // "burgundy red", "dark navy blue"
				continue
			case prev.Kind == TermFamily && span.Term.Kind == TermName && span.Term.Membership()[prev.Family] >= mergeMembership:
				span.Start = out[k].Start // "merah maroon", "hijau army"
				out[k] = span
				continue
			}
		}
		out = append(out, span)
	}
	return out
}

// mergeMembership is how much a fine name must belong to the family word
// before it for the two to be one colour ("hijau tosca": tosca is partly
// green).
const mergeMembership = 0.2

// matchTerm tries the longest phrase at the start of tokens first. It
// returns how many tokens to move past and, when ok, the term they name; a
// phrase that only looks like a colour ("red wine") is passed over whole.
func matchTerm(vocab *vocabulary, tokens []colourToken) (int, ColourTerm, bool) {
	if w := tokens[0].word; strings.HasPrefix(w, "#") {
		lab, err := LabFromHex(w)
		return 1, ColourTerm{Text: lab.Hex(), Kind: TermHex, Lab: lab}, err == nil && len(w) == 7
	}
	words := make([]string, 0, vocab.maxWords)
	for n := min(len(tokens), vocab.maxWords); n >= 1; n-- {
		words = words[:0]
		for j := range n {
			words = append(words, tokens[j].word)
		}
		phrase := strings.Join(words, " ")
		if notColourPhrases[phrase] {
			return n, ColourTerm{}, false
		}
		if n == 1 && (notColourWords[phrase] || notColourAlone[phrase]) {
			continue
		}
		if t, found := vocab.terms[phrase]; found {
			return n, t, true
		}
	}
	return 1, ColourTerm{}, false
}
