package search

import (
	"slices"
	"strings"
	"unicode"

	porterstemmer "github.com/blevesearch/go-porterstemmer"
)

// Text relevance is computed here, not taken from the backend, so that
// bleve's TF-IDF and Elasticsearch's BM25 cannot rank the same catalogue
// differently. Backends only decide which products match the text; they
// analyse it the same way (lower case, English stop words, Porter stems).

// stopWords are English words that carry no meaning in a product search.
var stopWords = map[string]bool{
	"a": true, "an": true, "and": true, "are": true, "as": true, "at": true, "be": true, "but": true,
	"by": true, "for": true, "if": true, "in": true, "into": true, "is": true, "it": true, "no": true,
	"not": true, "of": true, "on": true, "or": true, "such": true, "that": true, "the": true,
	"their": true, "then": true, "there": true, "these": true, "they": true, "this": true, "to": true,
	"was": true, "will": true, "with": true,
}

// Terms splits text into lower-case, stemmed words without stop words.
func Terms(text string) []string {
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	out := words[:0]
	for _, w := range words {
		if stopWords[w] {
			continue
		}
		out = append(out, porterstemmer.StemString(w))
	}
	return out
}

// textMatcher scores documents against the terms of one query.
type textMatcher struct{ terms []string }

func newTextMatcher(text string) textMatcher {
	seen := map[string]bool{}
	var terms []string
	for _, t := range Terms(text) {
		if !seen[t] {
			seen[t] = true
			terms = append(terms, t)
		}
	}
	return textMatcher{terms: terms}
}

func (m textMatcher) empty() bool { return len(m.terms) == 0 }

// score is in 0..1: the share of query terms found, a term in the title
// counting fully and one only in the description or category half.
func (m textMatcher) score(d *Document) float64 {
	if len(m.terms) == 0 {
		return 0
	}
	title, body := d.terms()
	var got float64
	for _, t := range m.terms {
		switch {
		case slices.Contains(title, t):
			got++
		case slices.Contains(body, t):
			got += 0.5
		}
	}
	return got / float64(len(m.terms))
}

// docTerms are a document's analysed words, colour points and families, kept
// so that ranking many documents does not redo that work for every query.
type docTerms struct {
	title, body []string
	points      []colourPoint
	// families has bit k set when Families holds facetFamilies[k];
	// allFamilies is false when Families holds a name outside them.
	families    uint16
	allFamilies bool
}

// Prepare analyses the document's text once. Backends that keep documents
// in memory call it before sharing them; it must not be called on a
// document other goroutines are reading.
func (d *Document) Prepare() {
	title, body := analyse(d)
	d.prepared = &docTerms{title: title, body: body, points: pointsOf(d.Palette), allFamilies: true}
	for _, f := range d.Families {
		if k := familyIndex(f); k >= 0 {
			d.prepared.families |= 1 << k
		} else {
			d.prepared.allFamilies = false
		}
	}
}

// familyMask returns the document's families as bits of facetFamilies, when
// it has been prepared and every family is one of them.
func (d *Document) familyMask() (uint16, bool) {
	if d.prepared == nil || !d.prepared.allFamilies {
		return 0, false
	}
	return d.prepared.families, true
}

// BodyText is what the text query searches besides the title.
func (d *Document) BodyText() string { return d.Description + " " + d.Category }

// AllTerms lists the document's distinct title and body terms (for
// backends' inverted indexes).
func (d *Document) AllTerms() []string {
	title, body := d.terms()
	out := append(append([]string{}, title...), body...)
	slices.Sort(out)
	return slices.Compact(out)
}

func (d *Document) terms() (title, body []string) {
	if d.prepared != nil {
		return d.prepared.title, d.prepared.body
	}
	return analyse(d)
}

func analyse(d *Document) (title, body []string) {
	title = Terms(d.Title)
	slices.Sort(title)
	body = Terms(d.BodyText())
	slices.Sort(body)
	return slices.Compact(title), slices.Compact(body)
}
