package catalog

import (
	"context"
	"errors"
	"net/url"
	"strings"

	"gorm.io/gorm"

	"github.com/warna/warna/fault"
	"github.com/warna/warna/media"
)

// RowStatus is what an import did with one row.
type RowStatus string

// Row outcomes.
const (
	RowCreated   RowStatus = "created"
	RowUpdated   RowStatus = "updated"
	RowUnchanged RowStatus = "unchanged"
	RowFailed    RowStatus = "failed"
)

// ImportRow is one parsed row of a bulk import: the SKU it is about, the
// fields it sets, and its photos' URLs in order (none: the photos stay as
// they are).
type ImportRow struct {
	SKU       string
	Patch     ProductPatch
	ImageURLs []string
}

// FetchFunc downloads a photo named by an import row; its errors are
// messages for the import report.
type FetchFunc func(ctx context.Context, url string) ([]byte, error)

// Import applies one row to the shop's product with the row's SKU, or
// creates it when the SKU is new (a new product needs a title and a price;
// it is active and in category "other" unless the row says otherwise). The
// row's product and photos are written in one transaction, so a bad row
// never half-writes a product; a row identical to what is stored writes
// nothing at all.
func (s *Products) Import(ctx context.Context, shop Shop, row ImportRow, fetch FetchFunc) (RowStatus, error) {
	db := s.db.WithContext(ctx)
	var existing Product
	err := withImages(db).Where("shop_id = ? AND sku = ?", shop.ID, row.SKU).Take(&existing).Error
	found := err == nil
	if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return RowFailed, err
	}
	var in ProductInput
	if found {
		in = row.Patch.Apply(InputOf(existing))
	} else if in, err = newProductInput(row); err != nil {
		return RowFailed, err
	}
	next := existing
	next.Images = nil
	if err := in.build(&next, shop); err != nil {
		return RowFailed, err
	}
	plan := s.planImages(existing.Images, row.ImageURLs)
	if len(plan.want) > MaxImagesPerProduct {
		return RowFailed, fault.FieldInvalidf("image", "a product can have at most %d photos; the row lists %d", MaxImagesPerProduct, len(plan.want))
	}
	fieldsChanged := !found || !sameProduct(existing, next)
	if !fieldsChanged && len(plan.fetch) == 0 && len(plan.remove) == 0 && !plan.order {
		return RowUnchanged, nil
	}
	originals := make([]original, 0, len(plan.fetch))
	for _, u := range plan.fetch {
		data, err := fetch(ctx, u)
		if err != nil {
			return RowFailed, err
		}
		o, err := s.images.checkOriginal(data)
		if err != nil {
			return RowFailed, fault.Invalidf("image %s: %s", u, fault.MessageOf(err))
		}
		o.sourceURL = u
		originals = append(originals, o)
	}
	created, err := s.images.putOriginals(ctx, originals)
	if err != nil {
		return RowFailed, err
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return s.applyRow(ctx, tx, &next, found, fieldsChanged, plan, originals)
	})
	if err != nil {
		s.images.removeUnreferenced(ctx, created)
		return RowFailed, err
	}
	s.images.removeFiles(ctx, plan.remove)
	if found {
		return RowUpdated, nil
	}
	return RowCreated, nil
}

// newProductInput is what a row creates when its SKU is new: the title and
// price are required, the rest have defaults.
func newProductInput(row ImportRow) (ProductInput, error) {
	if row.Patch.Title == nil {
		return ProductInput{}, fault.FieldInvalidf("title", "the title is missing")
	}
	if row.Patch.Price == nil && row.Patch.PriceMinor == nil {
		return ProductInput{}, fault.FieldInvalidf("price", "the price is missing")
	}
	return row.Patch.Apply(ProductInput{SKU: row.SKU, Category: "other", Status: StatusActive}), nil
}

// imagePlan is what a row asks of a product's images.
type imagePlan struct {
	want   []string         // URLs in the order the row lists them
	have   map[string]Image // existing images the row lists, by the row's URL
	fetch  []string         // URLs to download
	remove []Image          // existing images the row no longer lists
	order  bool             // the order changes
}

func (s *Products) planImages(existing []Image, urls []string) imagePlan {
	plan := imagePlan{have: map[string]Image{}}
	seen := map[string]bool{}
	for _, u := range urls {
		if !seen[u] {
			seen[u] = true
			plan.want = append(plan.want, u)
		}
	}
	if len(plan.want) == 0 {
		return plan // no image column, or empty: the photos stay as they are
	}
	wanted := map[string]bool{}
	for _, u := range plan.want {
		wanted[imageIdentity(u)] = true
	}
	byIdentity := map[string]Image{}
	current := make([]string, 0, len(existing))
	for _, img := range existing {
		id := imageIdentity(s.images.ExportURL(img))
		byIdentity[id] = img
		current = append(current, id)
		if !wanted[id] {
			plan.remove = append(plan.remove, img)
		}
	}
	want := make([]string, 0, len(plan.want))
	for _, u := range plan.want {
		id := imageIdentity(u)
		want = append(want, id)
		if img, ok := byIdentity[id]; ok {
			plan.have[u] = img
		} else {
			plan.fetch = append(plan.fetch, u)
		}
	}
	plan.order = strings.Join(current, "\n") != strings.Join(want, "\n")
	return plan
}

// imageIdentity names the photo a URL stands for: a link to this site's own
// media (from an export, whatever the host it was exported under) is the
// stored file itself; any other URL is itself.
func imageIdentity(rawURL string) string {
	if u, err := url.Parse(rawURL); err == nil {
		if key, ok := strings.CutPrefix(u.Path, "/media/"); ok && media.ValidKey(key) {
			return "media:" + key
		}
	}
	return rawURL
}

// ExportURL is the URL an export lists for an image: where it was imported
// from, or its own media address.
func (s *Images) ExportURL(img Image) string {
	if img.SourceURL != "" {
		return img.SourceURL
	}
	return s.MediaURL(img.OriginalKey())
}

// applyRow writes one import row's product and images in tx.
func (s *Products) applyRow(ctx context.Context, tx *gorm.DB, p *Product, found, fieldsChanged bool, plan imagePlan, originals []original) error {
	switch {
	case !found:
		if err := tx.Omit("Shop", "Images").Create(p).Error; err != nil {
			return err
		}
	case fieldsChanged:
		if err := tx.Omit("Shop", "Images").Save(p).Error; err != nil {
			return err
		}
	}
	if err := deleteImages(tx, plan.remove); err != nil {
		return err
	}
	byURL := make(map[string]Image, len(plan.want))
	for u, img := range plan.have {
		byURL[u] = img
	}
	for i, o := range originals {
		img, err := s.images.insertImage(ctx, tx, p.ID, len(plan.have)+i, o)
		if err != nil {
			return err
		}
		byURL[o.sourceURL] = img
	}
	if len(plan.want) > 0 {
		ordered := make([]Image, 0, len(plan.want))
		for _, u := range plan.want {
			ordered = append(ordered, byURL[u])
		}
		if err := renumber(tx, ordered); err != nil {
			return err
		}
	}
	if err := recategorise(tx, p.ID); err != nil { // images or the declared colour changed
		return err
	}
	return s.touch(tx, p.ID)
}

// sameProduct reports whether an import would leave a product as it is.
func sameProduct(a, b Product) bool {
	commission := func(p *int) int {
		if p == nil {
			return -1
		}
		return *p
	}
	return a.SKU == b.SKU && a.Title == b.Title && a.Description == b.Description && a.Category == b.Category &&
		a.PriceMinor == b.PriceMinor && a.Currency == b.Currency && a.Stock == b.Stock && a.Status == b.Status &&
		commission(a.CommissionBps) == commission(b.CommissionBps) && a.DeclaredColor == b.DeclaredColor
}
