package search

import (
	"fmt"
	"math"
	"sync"

	"github.com/warna/warna/imaging/colour"
)

// The coarse Lab grid: cells of CellSize units in L, a and b. A swatch is
// indexed under its cell; a query colour looks up every cell that may hold a
// colour within the kernel's reach (MatchRadius) of it, so candidate
// generation misses nothing that the exact scorer would count.
const CellSize = 10.0

// Cell is one grid cell by its integer coordinates.
type Cell struct{ L, A, B int }

// CellOf is the cell that holds a colour.
func CellOf(c colour.Lab) Cell {
	return Cell{int(math.Floor(c.L / CellSize)), int(math.Floor(c.A / CellSize)), int(math.Floor(c.B / CellSize))}
}

// Term is the cell as an index term, e.g. "lab_3_-2_5".
func (c Cell) Term() string { return fmt.Sprintf("lab_%d_%d_%d", c.L, c.A, c.B) }

// nearest is the point of the cell closest to x (in plain Lab distance).
func (c Cell) nearest(x colour.Lab) colour.Lab {
	clamp := func(v float64, i int) float64 {
		lo, hi := float64(i)*CellSize, float64(i+1)*CellSize
		return math.Max(lo, math.Min(hi, v))
	}
	return colour.Lab{L: clamp(x.L, c.L), A: clamp(x.A, c.A), B: clamp(x.B, c.B)}
}

// minDeltaE estimates the smallest ΔE00 from x to any colour in the cell:
// the least over the Lab-nearest point, the corners and the centre.
func (c Cell) minDeltaE(x colour.Lab) float64 {
	best := colour.DeltaE00(x, c.nearest(x))
	lo := colour.Lab{L: float64(c.L) * CellSize, A: float64(c.A) * CellSize, B: float64(c.B) * CellSize}
	best = math.Min(best, colour.DeltaE00(x, colour.Lab{L: lo.L + CellSize/2, A: lo.A + CellSize/2, B: lo.B + CellSize/2}))
	for i := range 8 {
		corner := colour.Lab{L: lo.L + float64(i&1)*CellSize, A: lo.A + float64(i>>1&1)*CellSize, B: lo.B + float64(i>>2&1)*CellSize}
		best = math.Min(best, colour.DeltaE00(x, corner))
	}
	return best
}

// cellSlack widens the reach when deciding whether a cell can hold a match:
// ΔE00 is not a Euclidean distance, so the point of a cell nearest in Lab is
// not always the nearest in ΔE00. TestCellsCoverMatches checks the slack on
// random colours.
const cellSlack = 1.25

// cellCache remembers CellsWithin per colour and radius: shoppers repeat the
// same colours (swatches, names), and one walk costs a few milliseconds.
// Each Service owns one.
type cellCache struct {
	mu sync.Mutex
	m  map[cellKey]*cellEntry
}

// cellEntry is a cell list with a bitmap over the grid for lookups.
type cellEntry struct {
	cells []Cell
	set   [gridCells/64 + 1]uint64
}

// The grid covers L 0..100 and a, b −130..139: every sRGB colour.
const (
	gridL, gridAB = 11, 27
	gridCells     = gridL * gridAB * gridAB
)

// index numbers a cell on the grid; -1 when outside it.
func (c Cell) index() int {
	if c.L < 0 || c.L >= gridL || c.A < -13 || c.A > 13 || c.B < -13 || c.B > 13 {
		return -1
	}
	return (c.L*gridAB+c.A+13)*gridAB + c.B + 13
}

func newCellEntry(cells []Cell) *cellEntry {
	e := &cellEntry{cells: cells}
	for _, c := range cells {
		if i := c.index(); i >= 0 {
			e.set[i>>6] |= 1 << (uint(i) & 63)
		}
	}
	return e
}

// has reports whether the cell with index i is in the entry.
func (e *cellEntry) has(i int32) bool {
	return i >= 0 && e.set[i>>6]&(1<<(uint(i)&63)) != 0
}

type cellKey struct {
	c      colour.Lab
	radius float64
}

const cellCacheSize = 4096

func (cc *cellCache) within(c colour.Lab, radius float64) *cellEntry {
	key := cellKey{c, radius}
	cc.mu.Lock()
	e, ok := cc.m[key]
	cc.mu.Unlock()
	if ok {
		return e
	}
	e = newCellEntry(CellsWithin(c, radius))
	cc.mu.Lock()
	if cc.m == nil || len(cc.m) >= cellCacheSize {
		cc.m = map[cellKey]*cellEntry{}
	}
	cc.m[key] = e
	cc.mu.Unlock()
	return e
}

// ColourCells are the grid cells to search for query colour i, a point,
// with its tolerance (computed by the Service before it asks the backend,
// or now); none for a family.
func (q Query) ColourCells(i int) []Cell {
	if i < len(q.cells) && q.cells[i] != nil {
		return q.cells[i].cells
	}
	c := q.Colours[i]
	if c.IsFamily() {
		return nil
	}
	return CellsWithin(c.Lab, MatchRadius(c.ToleranceIn(q)))
}

// CellsWithin lists the cells that may hold a colour within radius ΔE00 of
// c, found by growing outward from c's own cell.
func CellsWithin(c colour.Lab, radius float64) []Cell {
	start := CellOf(c)
	seen := map[Cell]bool{start: true}
	queue := []Cell{start}
	var out []Cell
	for len(queue) > 0 {
		cell := queue[0]
		queue = queue[1:]
		if cell != start && cell.minDeltaE(c) > radius*cellSlack {
			continue
		}
		out = append(out, cell)
		for _, d := range [6]Cell{{1, 0, 0}, {-1, 0, 0}, {0, 1, 0}, {0, -1, 0}, {0, 0, 1}, {0, 0, -1}} {
			n := Cell{cell.L + d.L, cell.A + d.A, cell.B + d.B}
			if seen[n] || n.index() < 0 {
				continue
			}
			seen[n] = true
			queue = append(queue, n)
		}
	}
	return out
}

// Box is a Lab bounding box (Elasticsearch's nested range query).
type Box struct{ Min, Max colour.Lab }

// BoxOf bounds a set of cells.
func BoxOf(cells []Cell) Box {
	b := Box{Min: colour.Lab{L: math.Inf(1), A: math.Inf(1), B: math.Inf(1)}, Max: colour.Lab{L: math.Inf(-1), A: math.Inf(-1), B: math.Inf(-1)}}
	for _, c := range cells {
		b.Min.L, b.Max.L = math.Min(b.Min.L, float64(c.L)*CellSize), math.Max(b.Max.L, float64(c.L+1)*CellSize)
		b.Min.A, b.Max.A = math.Min(b.Min.A, float64(c.A)*CellSize), math.Max(b.Max.A, float64(c.A+1)*CellSize)
		b.Min.B, b.Max.B = math.Min(b.Min.B, float64(c.B)*CellSize), math.Max(b.Max.B, float64(c.B+1)*CellSize)
	}
	return b
}

// SwatchTerms are the cell terms to index for a palette. A term repeats with
// the swatch's share (1 to 11 times) so that a backend's term-frequency score
// puts larger matching swatches first when it must cut the candidate list.
func SwatchTerms(palette []Swatch) []string {
	var out []string
	for _, s := range palette {
		term := CellOf(s.Lab()).Term()
		for range 1 + int(s.Share*10) {
			out = append(out, term)
		}
	}
	return out
}

// colourPoint is a swatch as the scorer reads it: its colour, share and
// grid cell side by side, so that scoring a document touches one small
// array instead of the palette and a cell list.
type colourPoint struct {
	lab   colour.Lab
	share float64
	cell  int32
}

// colourPoints are the palette's swatches as colour points, in order.
func (d *Document) colourPoints() []colourPoint {
	if d.hot.ready && len(d.hot.points) == len(d.Palette) {
		return d.hot.points
	}
	return pointsOf(d.Palette)
}

func pointsOf(palette []Swatch) []colourPoint {
	out := make([]colourPoint, len(palette))
	for i, s := range palette {
		out[i] = pointOf(s)
	}
	return out
}

func pointOf(s Swatch) colourPoint {
	return colourPoint{lab: s.Lab(), share: s.Share, cell: int32(CellOf(s.Lab()).index())}
}
