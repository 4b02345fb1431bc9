package search

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/warna/warna/catalog"
	"github.com/warna/warna/imaging"
)

// Document is what the index holds for one visible product. Its JSON is the
// Elasticsearch _source and the embedded backend's stored record.
type Document struct {
	// prepared comes first, on the same cache line as ID: scoring reads
	// both for every candidate.
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
	// Families are the colour families with a meaningful share (see
	// familyThreshold); FamilyShare has every family's share.
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
}

// Swatch is one colour of a product's palette.
type Swatch struct {
	L      float64 `json:"L"`
	A      float64 `json:"a"`
	B      float64 `json:"b"`
	Share  float64 `json:"share"`
	Family string  `json:"family"`
	Name   string  `json:"name"`
	Hex    string  `json:"hex"`
}

// Lab is the swatch's colour.
func (s Swatch) Lab() imaging.Lab { return imaging.Lab{L: s.L, A: s.A, B: s.B} }

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

// paletteJSON is the part of imaging.Palette's JSON that search reads.
type paletteJSON struct {
	Swatches []struct {
		Hex    string     `json:"hex"`
		Lab    [3]float64 `json:"lab"`
		Share  float64    `json:"share"`
		Family string     `json:"family"`
		Name   string     `json:"name"`
	} `json:"swatches"`
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
	for f, v := range shares {
		if v <= 0 { // Elasticsearch's rank_features takes positive values only
			delete(shares, f)
		}
	}
	d.FamilyShare = shares
	d.Families = familiesOf(shares, p.DominantFamily)
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
	var (
		swatches []Swatch
		total    float64
		thumb    string
	)
	for i, im := range ready {
		if i == 0 {
			thumb = smallestThumb(im.Thumbs)
		}
		if im.Palette == "" {
			continue
		}
		var pal paletteJSON
		if err := json.Unmarshal([]byte(im.Palette), &pal); err != nil {
			return nil, "", fmt.Errorf("image %d palette: %w", im.ID, err)
		}
		weight := 1.0
		if len(swatches) == 0 && total == 0 {
			weight = mainImageWeight
		}
		for _, s := range pal.Swatches {
			swatches = append(swatches, Swatch{L: s.Lab[0], A: s.Lab[1], B: s.Lab[2], Share: s.Share * weight, Family: s.Family, Name: s.Name, Hex: s.Hex})
			total += s.Share * weight
		}
	}
	if total == 0 {
		return nil, thumb, nil
	}
	for i := range swatches {
		swatches[i].Share /= total
	}
	return normalisePalette(swatches), thumb, nil
}

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
	var thumbs []thumbJSON
	if json.Unmarshal([]byte(raw), &thumbs) != nil || len(thumbs) == 0 {
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

// familyShares is the merchant's override when set (equal shares), else the
// catalogue's derived shares, else the palette's own families.
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
	if p.ColorFamilies != "" && p.ColorFamilies != "{}" {
		if err := json.Unmarshal([]byte(p.ColorFamilies), &shares); err != nil {
			return nil, fmt.Errorf("colour families: %w", err)
		}
		return shares, nil
	}
	for _, s := range palette {
		if s.Family != "" {
			shares[s.Family] += s.Share
		}
	}
	return shares, nil
}

// familiesOf lists the families a family filter matches: those with at
// least familyThreshold of the colour, and the dominant one (a product
// mostly in a colour too mixed to reach the threshold still answers to it).
// Only families in shares count, so a merchant's override (which replaces
// the shares) is the whole answer and "multicolour" never becomes a family.
func familiesOf(shares map[string]float64, dominant string) []string {
	var out []string
	for f, s := range shares {
		if s >= familyThreshold || f == dominant {
			out = append(out, f)
		}
	}
	sort.Strings(out)
	return out
}
