package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"slices"

	"gorm.io/gorm"

	"github.com/warna/warna/fault"
	"github.com/warna/warna/imaging/colour"
	"github.com/warna/warna/imaging/palette"
)

// MainImageWeight is how many photos the first (main) photo counts as when
// a product's colours are combined: it is the one shoppers see in lists and
// usually shows the whole product, while later photos are often details.
const MainImageWeight = 2

// recategorise recomputes a product's colour families, dominant family,
// multicolour and mismatch flags from the palettes of its ready photos, in
// the caller's transaction. The merchant's FamilyOverride is left alone: it
// replaces the derived families where they are shown and searched, and
// reprocessing never clears it.
func recategorise(tx *gorm.DB, productID int64) error {
	var p Product
	err := tx.Select("id", "declared_color").Take(&p, productID).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	var images []Image
	if err := tx.Select("id", "position", "palette").Where("product_id = ? AND status = ?", productID, ImageReady).
		Order("position, id").Find(&images).Error; err != nil {
		return err
	}
	palettes := make([]palette.Palette, 0, len(images)+MainImageWeight-1)
	for i, img := range images {
		var pal palette.Palette
		if img.Palette == "" || json.Unmarshal([]byte(img.Palette), &pal) != nil || len(pal.Swatches) == 0 {
			continue
		}
		n := 1
		if i == 0 {
			n = MainImageWeight
		}
		for range n {
			palettes = append(palettes, pal)
		}
	}
	cat := palette.Categorise(palettes, p.DeclaredColor)
	families := make(map[string]float64, len(cat.Families))
	for f, share := range cat.Families {
		families[string(f)] = math.Round(share*10000) / 10000
	}
	familiesJSON, err := jsonString(families)
	if err != nil {
		return err
	}
	return tx.Model(&Product{}).Where("id = ?", productID).Updates(map[string]any{
		"color_families": familiesJSON, "dominant_family": string(cat.Dominant),
		"multicolour": cat.Multicolour, "color_mismatch": cat.Mismatch,
	}).Error
}

// FamilyShare is one colour family of a product with its share.
type FamilyShare struct {
	Family string
	Share  float64
}

// FamilyShares returns the product's derived colour families, largest first.
func (p Product) FamilyShares() []FamilyShare {
	var shares map[string]float64
	if json.Unmarshal([]byte(p.ColorFamilies), &shares) != nil {
		return nil
	}
	list := make([]FamilyShare, 0, len(shares))
	for f, s := range shares {
		list = append(list, FamilyShare{f, s})
	}
	slices.SortFunc(list, func(a, b FamilyShare) int {
		if a.Share != b.Share {
			if a.Share > b.Share {
				return -1
			}
			return 1
		}
		if a.Family < b.Family {
			return -1
		}
		return 1
	})
	return list
}

// OverrideFamilies returns the merchant's family override, or nil when the
// derived families apply.
func (p Product) OverrideFamilies() []string {
	if p.FamilyOverride == nil || *p.FamilyOverride == "" {
		return nil
	}
	var list []string
	if json.Unmarshal([]byte(*p.FamilyOverride), &list) != nil {
		return nil
	}
	return list
}

// SetFamilyOverride replaces the colour families of one of the merchant's
// products with families (some of colour.Families, kept in their display
// order); an empty list clears the override so the families derived from
// the photos apply again.
func (s *Products) SetFamilyOverride(ctx context.Context, ownerID, productID int64, families []string) error {
	var chosen []string
	for _, f := range colour.Families {
		if slices.Contains(families, string(f)) {
			chosen = append(chosen, string(f))
		}
	}
	for _, f := range families {
		if !slices.Contains(chosen, f) {
			return fault.FieldInvalidf("families", "%q is not a colour family", f)
		}
	}
	var override *string
	if len(chosen) > 0 {
		v, err := jsonString(chosen)
		if err != nil {
			return err
		}
		override = &v
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		shop, err := shopOf(tx, ownerID)
		if err != nil {
			return fault.NotFoundf("no such product")
		}
		if _, err := productIn(tx, shop.ID, productID); err != nil {
			return err
		}
		if err := tx.Model(&Product{}).Where("id = ?", productID).
			Updates(map[string]any{"family_override": override, "updated_at": s.now()}).Error; err != nil {
			return err
		}
		return s.touch(tx, productID)
	})
}

// FamilyNames lists the 13 colour families in display order.
func FamilyNames() []string {
	names := make([]string, len(colour.Families))
	for i, f := range colour.Families {
		names[i] = string(f)
	}
	return names
}
