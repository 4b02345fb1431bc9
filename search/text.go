package search

import (
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
	title := termSet(d.Title)
	body := termSet(d.Description + " " + d.Category)
	var got float64
	for _, t := range m.terms {
		switch {
		case title[t]:
			got++
		case body[t]:
			got += 0.5
		}
	}
	return got / float64(len(m.terms))
}

func termSet(s string) map[string]bool {
	set := map[string]bool{}
	for _, t := range Terms(s) {
		set[t] = true
	}
	return set
}
