package embedded

import (
	"math/bits"
	"slices"

	"github.com/warna/warna/search"
)

// memIndex answers candidate queries from memory: every document, plus
// posting lists from Lab grid cells, colour families (the families a
// product has any share of, with that share) and text terms to document
// slots.
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
	families map[string][]familyPosting
	terms    map[string][]int32
	postings int // entries in cells, families and terms
	live     int // entries the live documents need
}

func newMemIndex() *memIndex {
	return &memIndex{slot: map[int64]int32{}, cells: map[search.Cell][]int32{}, families: map[string][]familyPosting{}, terms: map[string][]int32{}}
}

// put adds or replaces a document; d must not change afterwards.
func (m *memIndex) put(d *search.Document) {
	d.Prepare()
	m.insert(d)
}

// insert adds or replaces a prepared document.
func (m *memIndex) insert(d *search.Document) {
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
	m.post(d, s)
	n := postingCount(d)
	m.postings += n
	m.live += n
	m.maybeCompact()
}

// putAll adds a batch of new documents (a Rebuild's), analysing their text
// on every core first: that is most of the work. The batch's documents are
// copied into one block, as PrepareAll keeps their analyses, so that a
// query reads the catalogue in order.
func (m *memIndex) putAll(batch []search.Document) {
	block := slices.Clone(batch)
	docs := make([]*search.Document, len(block))
	for i := range block {
		docs[i] = &block[i]
	}
	search.PrepareAll(docs)
	for _, d := range docs {
		m.insert(d)
	}
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

// post adds the document in slot s to its posting lists.
func (m *memIndex) post(d *search.Document, s int32) {
	for _, c := range docCells(d) {
		m.cells[c] = append(m.cells[c], s)
	}
	for f, share := range d.FamilyShare {
		m.families[f] = append(m.families[f], familyPosting{slot: s, share: float32(share)})
	}
	for _, t := range d.AllTerms() {
		m.terms[t] = append(m.terms[t], s)
	}
}

func postingCount(d *search.Document) int {
	return len(docCells(d)) + len(d.FamilyShare) + len(d.AllTerms())
}

func (m *memIndex) maybeCompact() {
	if m.postings < 1024 || m.postings < 2*m.live {
		return
	}
	m.cells, m.families, m.terms, m.postings = map[search.Cell][]int32{}, map[string][]familyPosting{}, map[string][]int32{}, 0
	for s, d := range m.docs {
		if d == nil {
			continue
		}
		m.post(d, int32(s))
		m.postings += postingCount(d)
	}
	m.live = m.postings
}

// familyPosting is a product in a family's posting list with the share
// of it the family covers when it was posted: a broad family word leaves
// out the products below the least coverage without reading them.
type familyPosting struct {
	slot  int32
	share float32
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
// (a swatch in a cell within reach of a point, at least the least coverage
// of a family) and
// filters. It is exact where it can be and generous where the scorer
// decides (colour distance, coverage, exclusions).
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
		for i, c := range q.Colours {
			s := newBitset(n)
			if c.IsFamily() {
				// Only the products the family covers enough can match
				// (float32 shares, so with a little slack).
				least := float32(q.MinCover()) - 1e-6
				for _, p := range m.families[string(c.Family)] {
					if p.share >= least {
						s.add(p.slot)
					}
				}
			} else {
				for _, c := range q.ColourCells(i) {
					for _, slot := range m.cells[c] {
						s.add(slot)
					}
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
	if f.none() {
		// Without filters the documents need not be read here at all.
		keep = func(s int32) {
			if d := m.docs[s]; d != nil {
				out = append(out, d)
			}
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

// none reports that the filter lets every document through.
func (f filter) none() bool {
	q := f.q
	return q.Category == "" && q.Shop == "" && !q.InStock && q.PriceMin == nil && q.PriceMax == nil && f.families == nil
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
