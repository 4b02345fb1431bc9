package search

import (
	"runtime"
	"slices"
	"sync"

	"github.com/warna/warna/search/analysis"
)

// Text relevance is computed here, not taken from the backend, so that
// the embedded index and Elasticsearch's BM25 cannot rank the same
// catalogue differently. Backends only decide which products match the text; they
// analyse it the same way (analysis.go).

// Terms splits text into the analysed tokens of analysis.go: lower case,
// no stop words, product nouns of either language as one canonical token,
// the rest stemmed.
func Terms(text string) []string { return analysis.Analyse(text) }

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

// docTerms are a document's analysed words, kept so that ranking many
// documents does not redo that work for every query.
type docTerms struct {
	title, body []string
}

// docHot is the part of a prepared document read for every candidate.
type docHot struct {
	// cover is FamilyShare by facetFamilies index.
	cover [len(facetFamilies)]float64
	// popularity is the blend's popularity term.
	popularity float64
	// families has bit k set when Families holds facetFamilies[k];
	// allFamilies is false when Families holds a name outside them.
	families    uint16
	allFamilies bool
	// ready says the document has been prepared.
	ready bool
	// points are the palette as colour points.
	points []colourPoint
}

// Prepare analyses the document's text once. Backends that keep documents
// in memory call it before sharing them; it must not be called on a
// document other goroutines are reading.
func (d *Document) Prepare() {
	d.prepared = new(docTerms)
	d.prepareInto(d.prepared, make([]colourPoint, len(d.Palette)))
}

// PrepareAll prepares many documents on every core, their analyses and
// colour points side by side in one block of memory each: ranking a broad
// query reads them in order, and memory read in order is several times
// faster to read than the same data scattered over the heap.
func PrepareAll(docs []*Document) {
	terms := make([]docTerms, len(docs))
	npoints := 0
	for _, d := range docs {
		npoints += len(d.Palette)
	}
	points := make([]colourPoint, npoints)
	first := make([]int, len(docs)+1)
	for i, d := range docs {
		first[i+1] = first[i] + len(d.Palette)
	}
	workers := min(runtime.GOMAXPROCS(0), max(1, len(docs)/64))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(docs); i += workers {
				docs[i].prepared = &terms[i]
				docs[i].prepareInto(&terms[i], points[first[i]:first[i+1]:first[i+1]])
			}
		})
	}
	wg.Wait()
}

// prepareInto analyses the document into p, its colour points into points
// (as long as its palette).
func (d *Document) prepareInto(p *docTerms, points []colourPoint) {
	title, body := analyse(d)
	*p = docTerms{title: title, body: body}
	for i, s := range d.Palette {
		points[i] = pointOf(s)
	}
	d.hot = docHot{popularity: popularity(d.Popularity), allFamilies: true, ready: true, points: points}
	for _, f := range d.Families {
		if k := familyIndex(f); k >= 0 {
			d.hot.families |= 1 << k
		} else {
			d.hot.allFamilies = false
		}
	}
	for f, share := range d.FamilyShare {
		if k := familyIndex(f); k >= 0 {
			d.hot.cover[k] = share
		}
	}
}

// familyCover is how much of the product family k (an index into
// facetFamilies) covers: FamilyShare.
func (d *Document) familyCover(k int) float64 {
	if k < 0 {
		return 0
	}
	if d.hot.ready {
		return d.hot.cover[k]
	}
	return d.FamilyShare[facetFamilies[k]]
}

// popularityScore is the blend's popularity term.
func (d *Document) popularityScore() float64 {
	if d.hot.ready {
		return d.hot.popularity
	}
	return popularity(d.Popularity)
}

// hasAnyTerm reports whether the title or body has one of the analysed
// terms.
func (d *Document) hasAnyTerm(terms []string) bool {
	title, body := d.terms()
	for _, t := range terms {
		if _, ok := slices.BinarySearch(title, t); ok {
			return true
		}
		if _, ok := slices.BinarySearch(body, t); ok {
			return true
		}
	}
	return false
}

// familyMask returns the document's families as bits of facetFamilies, when
// it has been prepared and every family is one of them.
func (d *Document) familyMask() (uint16, bool) {
	if !d.hot.ready || !d.hot.allFamilies {
		return 0, false
	}
	return d.hot.families, true
}

// BodyText is what the text query searches besides the title.
func (d *Document) BodyText() string { return d.Description + " " + d.Category }

// AllTerms lists the document's distinct title and body terms (for
// backends' inverted indexes).
func (d *Document) AllTerms() []string {
	title, body := d.terms()
	out := append(append(make([]string, 0, len(title)+len(body)), title...), body...)
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
