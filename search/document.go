package search

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/warna/warna/catalog"
	"github.com/warna/warna/imaging/colour"
	"github.com/warna/warna/imaging/palette"
)

// Document is what the index holds for one visible product. Its JSON is the
// Elasticsearch _source and the embedded backend's stored record.
type Document struct {
	// hot is what ranking and facet counting read for every candidate,
	// first and inside the document: a broad query reads tens of
	// thousands of documents, and a second block to fetch from memory per
	// document (as when this lived behind the prepared pointer) doubled
	// the time spent waiting for memory.
	hot docHot
	// prepared is the analysed text and colour points (see Prepare).
	prepared *docTerms

	ID          int64     `json:"id"`
	Title       string    `json:"title"`
	Description string    `json:"description"`
	Category    string    `json:"category"`
	ShopID      int64     `json:"shop_id"`
	ShopSlug    string    `json:"shop_slug"`
	ShopName    string    `json:"shop_name"`
	PriceMinor  int64     `json:"price_minor"`
	Currency    string    `json:"currency"`
	InStock     bool      `json:"in_stock"`
	Popularity  int64     `json:"popularity"`
	CreatedAt   time.Time `json:"created_at"`
	// FamilyShare is how much of the product each family covers: the sum
	// over the palette of share × the swatch's membership of the family
	// (family_p), or the merchant's override in equal shares. A family word
	// in a query matches by it. Families are those with a meaningful share
	// (see familyThreshold), for the family filter and facet.
	Families    []string           `json:"families"`
	FamilyShare map[string]float64 `json:"family_share"`
	Multicolour bool               `json:"multicolour"`
	// Palette is the share-weighted union of the images' palettes, largest
	// share first; shares sum to 1 when the product has any palette.
	Palette []Swatch `json:"palette"`
	// Dominant is the largest swatch in OKLab, for kNN "similar colour".
	Dominant [3]float64 `json:"dominant"`
	// Thumb is the media key of the first image's smallest thumbnail.
	Thumb string `json:"thumb,omitempty"`
	// Version orders snapshots of one product (ChangeVersion of the change
	// log's position when it was loaded; 0: none). A backend shared by
	// several writers keeps the highest; it is not stored in the document.
	Version int64 `json:"-"`
}

// Swatch is one colour of a product's palette.
type Swatch struct {
	L      float64 `json:"L"`
	A      float64 `json:"a"`
	B      float64 `json:"b"`
	Share  float64 `json:"share"`
	Family string  `json:"family"`
	// FamilyP is the swatch's soft membership of the families (the
	// palette's family_p); documents indexed before it existed have none,
	// and their swatches belong wholly to Family.
	FamilyP colour.Membership `json:"family_p,omitempty"`
	Name    string            `json:"name"`
	Hex     string            `json:"hex"`
}

// Lab is the swatch's colour.
func (s Swatch) Lab() colour.Lab { return colour.Lab{L: s.L, A: s.A, B: s.B} }

// Membership is how much the swatch belongs to family f.
func (s Swatch) Membership(f string) float64 {
	if len(s.FamilyP) == 0 {
		if s.Family == f {
			return 1
		}
		return 0
	}
	return s.FamilyP[colour.Family(f)]
}

const (
	// familyThreshold is the share from which a family is listed in Families
	// (and so counts for the family filter and facet).
	familyThreshold = 0.15
	// mainImageWeight is how much more the first image's palette counts than
	// each further image: the first photo is the one shoppers see.
	mainImageWeight = 2.0
	// maxSwatches bounds the union palette.
	maxSwatches = 12
)

// Visible reports whether shoppers may find the product: active with stock.
func Visible(p catalog.Product) bool {
	return p.Status == catalog.StatusActive && p.Stock > 0
}

// paletteJSON is the part of palette.Palette's JSON that search reads
// (palette.Swatch reads the family_p of every palette version).
type paletteJSON struct {
	Swatches []paletteSwatchJSON `json:"swatches"`
}

type paletteSwatchJSON struct {
	Hex     string            `json:"hex"`
	Lab     [3]float64        `json:"lab"`
	Share   float64           `json:"share"`
	Family  string            `json:"family"`
	FamilyP colour.Membership `json:"family_p"`
	Name    string            `json:"name"`
}

// UnmarshalJSON reads a swatch as palette.Swatch does, so that a palette
// stored before family_p was a membership counts wholly in its family.
func (s *paletteSwatchJSON) UnmarshalJSON(data []byte) error {
	var sw palette.Swatch
	if err := json.Unmarshal(data, &sw); err != nil {
		return err
	}
	*s = paletteSwatchJSON{Hex: sw.Hex, Lab: sw.Lab, Share: sw.Share, Family: string(sw.Family), FamilyP: sw.FamilyP, Name: sw.Name}
	return nil
}

type thumbJSON struct {
	Size int    `json:"size"`
	Key  string `json:"key"`
}

// BuildDocument turns a product, loaded with its Images and Shop, into its
// search document.
func BuildDocument(p catalog.Product) (Document, error) {
	d := Document{
		ID: p.ID, Title: p.Title, Description: p.Description, Category: strings.ToLower(p.Category),
		ShopID: p.ShopID, ShopSlug: p.Shop.Slug, ShopName: p.Shop.Name,
		PriceMinor: p.PriceMinor, Currency: p.Currency, InStock: p.Stock > 0,
		Popularity: p.Popularity, CreatedAt: p.CreatedAt.UTC(), Multicolour: p.Multicolour,
	}
	palette, thumb, err := unionPalette(p.Images)
	if err != nil {
		return Document{}, fmt.Errorf("product %d: %w", p.ID, err)
	}
	d.Palette, d.Thumb = palette, thumb
	if len(palette) > 0 {
		ok := palette[0].Lab().OKLab()
		for i := range ok {
			d.Dominant[i] = math.Round(ok[i]*1e6) / 1e6 // plenty for kNN; stable JSON
		}
	}
	shares, err := familyShares(p, palette)
	if err != nil {
		return Document{}, fmt.Errorf("product %d: %w", p.ID, err)
	}
	d.FamilyShare = shares
	d.Families = familiesOf(shares)
	if len(p.OverrideFamilies()) > 0 {
		d.Families = slices.Sorted(maps.Keys(shares)) // the merchant's list is the whole answer
	}
	return d, nil
}

// unionPalette merges the ready images' palettes, the first image weighted
// mainImageWeight, and returns it with the first image's smallest thumbnail.
func unionPalette(images []catalog.Image) ([]Swatch, string, error) {
	ready := make([]catalog.Image, 0, len(images))
	for _, im := range images {
		if im.Status == catalog.ImageReady {
			ready = append(ready, im)
		}
	}
	sort.SliceStable(ready, func(i, j int) bool {
		if ready[i].Position != ready[j].Position {
			return ready[i].Position < ready[j].Position
		}
		return ready[i].ID < ready[j].ID
	})
	scratch := swatchScratch.Get().(*[]Swatch)
	defer swatchScratch.Put(scratch)
	var (
		swatches = (*scratch)[:0]
		total    float64
		thumb    string
	)
	defer func() { *scratch = swatches[:0] }()
	for i, im := range ready {
		if i == 0 {
			thumb = smallestThumb(im.Thumbs)
		}
		if im.Palette == "" {
			continue
		}
		pal, err := parsePalette(im.Palette)
		if err != nil {
			return nil, "", fmt.Errorf("image %d palette: %w", im.ID, err)
		}
		weight := 1.0
		if len(swatches) == 0 && total == 0 {
			weight = mainImageWeight
		}
		for _, s := range pal.Swatches {
			// The parsed membership is the swatch's own: shared, not copied
			// (a full load makes a million of them).
			sw := Swatch{L: s.Lab[0], A: s.Lab[1], B: s.Lab[2], Share: s.Share * weight, Family: string(s.Family), Name: s.Name, Hex: s.Hex, FamilyP: s.FamilyP}
			swatches = append(swatches, sw)
			total += s.Share * weight
		}
	}
	if total == 0 {
		return nil, thumb, nil
	}
	for i := range swatches {
		swatches[i].Share /= total
	}
	// The union is made in a pooled buffer and kept as a copy of its own
	// size: a full load makes one per product, and appending to a fresh
	// slice regrew it several times for each.
	return slices.Clone(normalisePalette(swatches)), thumb, nil
}

var swatchScratch = sync.Pool{New: func() any { s := make([]Swatch, 0, 32); return &s }}

// normalisePalette sorts by share (largest first, then hex for a stable
// order), keeps at most maxSwatches and makes shares sum to 1.
func normalisePalette(swatches []Swatch) []Swatch {
	sort.SliceStable(swatches, func(i, j int) bool {
		if swatches[i].Share != swatches[j].Share {
			return swatches[i].Share > swatches[j].Share
		}
		return swatches[i].Hex < swatches[j].Hex
	})
	if len(swatches) > maxSwatches {
		swatches = swatches[:maxSwatches]
	}
	var sum float64
	for _, s := range swatches {
		sum += s.Share
	}
	if sum > 0 {
		for i := range swatches {
			swatches[i].Share /= sum
		}
	}
	return swatches
}

func smallestThumb(raw string) string {
	thumbs, err := parseThumbs(raw)
	if err != nil || len(thumbs) == 0 {
		return ""
	}
	best := thumbs[0]
	for _, t := range thumbs[1:] {
		if t.Size < best.Size {
			best = t
		}
	}
	return best.Key
}

// familyShares is the merchant's override when set (equal shares), else
// the palette's soft family cover: Σ share × membership, rounded to 4
// decimals, families under 0.00005 left out (Elasticsearch's rank_features
// takes positive values only); a product without a palette keeps the
// catalogue's shares.
func familyShares(p catalog.Product, palette []Swatch) (map[string]float64, error) {
	shares := map[string]float64{}
	if p.FamilyOverride != nil && *p.FamilyOverride != "" {
		var list []string
		if err := json.Unmarshal([]byte(*p.FamilyOverride), &list); err != nil {
			return nil, fmt.Errorf("family override: %w", err)
		}
		for _, f := range list {
			shares[f] = 1 / float64(len(list))
		}
		return shares, nil
	}
	if len(palette) == 0 && p.ColorFamilies != "" && p.ColorFamilies != "{}" {
		if err := json.Unmarshal([]byte(p.ColorFamilies), &shares); err != nil {
			return nil, fmt.Errorf("colour families: %w", err)
		}
	}
	for _, s := range palette {
		if len(s.FamilyP) == 0 {
			if s.Family != "" {
				shares[s.Family] += s.Share
			}
			continue
		}
		for f, m := range s.FamilyP {
			shares[string(f)] += s.Share * m
		}
	}
	for f, v := range shares {
		if v = math.Round(v*10000) / 10000; v > 0 {
			shares[f] = v
		} else {
			delete(shares, f)
		}
	}
	return shares, nil
}

// familiesOf lists the families a family filter matches: those covering at
// least familyThreshold of the product, and the one covering most (a
// product mostly in a colour too mixed to reach the threshold still
// answers to it).
func familiesOf(shares map[string]float64) []string {
	var out []string
	top, topShare := "", 0.0
	for f, s := range shares {
		if s >= familyThreshold {
			out = append(out, f)
		}
		if s > topShare || (s == topShare && f < top) {
			top, topShare = f, s
		}
	}
	if top != "" && topShare < familyThreshold {
		out = append(out, top)
	}
	sort.Strings(out)
	return out
}
