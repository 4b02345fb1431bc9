package embedded

import (
	"math/bits"
	"slices"

	"github.com/warna/warna/search"
)

// memIndex answers candidate queries from memory: every document, plus
// posting lists from Lab grid cells and from text terms to document slots.
//
// Postings are append-only; an update appends the document's slot to its
// new cells and terms and leaves the old entries, so a posting may be stale
// or repeated. Both are harmless: candidates are deduplicated with a bitset
// and the scorer checks every candidate exactly. compact rebuilds the lists
// when stale entries outnumber live ones.
type memIndex struct {
	docs     []*search.Document // by slot; nil when free
	slot     map[int64]int32
	free     []int32
	cells    map[search.Cell][]int32
	terms    map[string][]int32
	postings int // entries in cells and terms
	live     int // entries the live documents need
}

func newMemIndex() *memIndex {
	return &memIndex{slot: map[int64]int32{}, cells: map[search.Cell][]int32{}, terms: map[string][]int32{}}
}

// put adds or replaces a document; d must not change afterwards.
func (m *memIndex) put(d *search.Document) {
	d.Prepare()
	s, ok := m.slot[d.ID]
	if ok {
		m.live -= postingCount(m.docs[s])
	} else if n := len(m.free); n > 0 {
		s, m.free = m.free[n-1], m.free[:n-1]
	} else {
		s = int32(len(m.docs))
		m.docs = append(m.docs, nil)
	}
	m.docs[s], m.slot[d.ID] = d, s
	for _, c := range docCells(d) {
		m.cells[c] = append(m.cells[c], s)
	}
	for _, t := range d.AllTerms() {
		m.terms[t] = append(m.terms[t], s)
	}
	n := postingCount(d)
	m.postings += n
	m.live += n
	m.maybeCompact()
}

func (m *memIndex) remove(id int64) {
	s, ok := m.slot[id]
	if !ok {
		return
	}
	m.live -= postingCount(m.docs[s])
	m.docs[s] = nil
	delete(m.slot, id)
	m.free = append(m.free, s)
	m.maybeCompact()
}

func (m *memIndex) get(id int64) (*search.Document, bool) {
	s, ok := m.slot[id]
	if !ok {
		return nil, false
	}
	return m.docs[s], true
}

func docCells(d *search.Document) []search.Cell {
	cells := make([]search.Cell, len(d.Palette))
	for i, s := range d.Palette {
		cells[i] = search.CellOf(s.Lab())
	}
	slices.SortFunc(cells, func(a, b search.Cell) int {
		if a.L != b.L {
			return a.L - b.L
		}
		if a.A != b.A {
			return a.A - b.A
		}
		return a.B - b.B
	})
	return slices.Compact(cells)
}

func postingCount(d *search.Document) int { return len(docCells(d)) + len(d.AllTerms()) }

func (m *memIndex) maybeCompact() {
	if m.postings < 1024 || m.postings < 2*m.live {
		return
	}
	m.cells, m.terms, m.postings = map[search.Cell][]int32{}, map[string][]int32{}, 0
	for s, d := range m.docs {
		if d == nil {
			continue
		}
		for _, c := range docCells(d) {
			m.cells[c] = append(m.cells[c], int32(s))
		}
		for _, t := range d.AllTerms() {
			m.terms[t] = append(m.terms[t], int32(s))
		}
		m.postings += postingCount(d)
	}
	m.live = m.postings
}

// bitset is a set of slots.
type bitset []uint64

func newBitset(n int) bitset { return make(bitset, (n+63)/64) }

func (b bitset) add(s int32) { b[s>>6] |= 1 << (uint(s) & 63) }

func (b bitset) and(o bitset) {
	for i := range b {
		b[i] &= o[i]
	}
}

func (b bitset) or(o bitset) {
	for i := range b {
		b[i] |= o[i]
	}
}

func (b bitset) each(fn func(s int32)) {
	for i, w := range b {
		for w != 0 {
			fn(int32(i*64 + bits.TrailingZeros64(w)))
			w &= w - 1
		}
	}
}

// candidates lists the documents that match q's text (any term), colours
// (a swatch in a cell within reach) and filters. It is exact where it can
// be and generous where the scorer decides (colour distance).
func (m *memIndex) candidates(q search.Query) []*search.Document {
	n := len(m.docs)
	var set bitset
	narrow := func(s bitset) {
		if set == nil {
			set = s
		} else {
			set.and(s)
		}
	}
	if terms := search.Terms(q.Text); len(terms) > 0 {
		s := newBitset(n)
		for _, t := range terms {
			for _, slot := range m.terms[t] {
				s.add(slot)
			}
		}
		narrow(s)
	}
	if len(q.Colours) > 0 {
		var colours bitset
		for i := range q.Colours {
			s := newBitset(n)
			for _, c := range q.ColourCells(i) {
				for _, slot := range m.cells[c] {
					s.add(slot)
				}
			}
			switch {
			case colours == nil:
				colours = s
			case q.MatchAll:
				colours.and(s)
			default:
				colours.or(s)
			}
		}
		narrow(colours)
	}
	f := newFilter(q)
	var out []*search.Document
	keep := func(s int32) {
		if d := m.docs[s]; d != nil && f.match(d) {
			out = append(out, d)
		}
	}
	if set == nil {
		out = make([]*search.Document, 0, len(m.slot)/4)
		for s := range m.docs {
			keep(int32(s))
		}
		return out
	}
	// Sized once for every candidate: a broad colour query keeps most of a
	// large catalogue, and growing the list allocated about twice that.
	out = make([]*search.Document, 0, set.count())
	set.each(keep)
	return out
}

func (b bitset) count() int {
	n := 0
	for _, w := range b {
		n += bits.OnesCount64(w)
	}
	return n
}

// filter is the non-colour, non-text part of a query.
type filter struct {
	q        search.Query
	families map[string]bool
}

func newFilter(q search.Query) filter {
	f := filter{q: q}
	if len(q.Families) > 0 {
		f.families = map[string]bool{}
		for _, fam := range q.Families {
			f.families[fam] = true
		}
	}
	return f
}

func (f filter) match(d *search.Document) bool {
	q := f.q
	if q.Category != "" && d.Category != q.Category { // both lower case
		return false
	}
	if q.Shop != "" && d.ShopSlug != q.Shop {
		return false
	}
	if q.InStock && !d.InStock {
		return false
	}
	if q.PriceMin != nil || q.PriceMax != nil {
		if d.Currency != q.Currency || (q.PriceMin != nil && d.PriceMinor < *q.PriceMin) || (q.PriceMax != nil && d.PriceMinor > *q.PriceMax) {
			return false
		}
	}
	if f.families != nil {
		found := false
		for _, fam := range d.Families {
			if f.families[fam] {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}
