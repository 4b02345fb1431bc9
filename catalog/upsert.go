package catalog

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"

	"gorm.io/gorm"

	"github.com/warna/warna/fault"
	"github.com/warna/warna/media"
	"github.com/warna/warna/money"
)

// ImportInto reads a CSV or JSON Lines file into a shop's catalogue, upserting
// by SKU: each row is applied in its own transaction, so a bad row never
// half-writes a product and the good rows still land, and a row identical to
// what is stored writes nothing at all. The error is for the file as a whole
// (unreadable, no SKU column); row problems are in the report.
func (s *Service) ImportInto(ctx context.Context, shopID int64, r io.Reader, opts ImportOptions) (ImportReport, error) {
	if !money.ValidLocale(opts.Locale) {
		return ImportReport{}, fault.FieldInvalidf("locale", "unknown locale %q: use a language code such as en, id or de", opts.Locale)
	}
	var shop Shop
	if err := s.db.WithContext(ctx).Take(&shop, shopID).Error; err != nil {
		return ImportReport{}, notFound(err, "no such shop")
	}
	records, err := readRecords(r, opts.Format)
	if err != nil {
		return ImportReport{}, err
	}
	fetcher := s.newFetcher(opts.AllowPrivateURLs)
	defer fetcher.close()
	report := ImportReport{Rows: make([]RowResult, 0, len(records))}
	firstLine := make(map[string]int, len(records))
	for i, rec := range records {
		if err := ctx.Err(); err != nil {
			return report, err
		}
		report.add(s.importRecord(ctx, shop, rec, opts.Locale, fetcher, firstLine))
		if opts.Progress != nil {
			opts.Progress(i+1, len(records))
		}
	}
	return report, nil
}

func (s *Service) importRecord(ctx context.Context, shop Shop, rec record, locale string, fetcher *imageFetcher, firstLine map[string]int) RowResult {
	sku := strings.TrimSpace(rec.values[fieldSKU])
	res := RowResult{Line: rec.line, SKU: sku, Status: RowFailed}
	if rec.err != nil {
		res.Reason = fault.MessageOf(rec.err)
		return res
	}
	if sku == "" {
		res.Reason = "the SKU is missing"
		return res
	}
	if first, dup := firstLine[sku]; dup {
		res.Reason = fmt.Sprintf("duplicate SKU in file (first on line %d)", first)
		return res
	}
	firstLine[sku] = rec.line
	patch, err := patchOf(rec, shop, locale)
	if err == nil {
		res.Status, err = s.upsert(ctx, shop, rec, patch, fetcher)
	}
	if err != nil {
		res.Status, res.Reason = RowFailed, fault.MessageOf(err)
	}
	return res
}

// imagePlan is what a row asks of a product's images.
type imagePlan struct {
	want   []string         // URLs in the order the row lists them
	have   map[string]Image // existing images the row lists, by the row's URL
	fetch  []string         // URLs to download
	remove []Image          // existing images the row no longer lists
	order  bool             // the order changes
}

func (s *Service) planImages(existing []Image, urls []string) imagePlan {
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
		id := imageIdentity(s.effectiveURL(img))
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

// effectiveURL is the URL an export lists for an image: where it was
// imported from, or its own media address.
func (s *Service) effectiveURL(img Image) string {
	if img.SourceURL != "" {
		return img.SourceURL
	}
	return s.MediaURL(img.OriginalKey())
}

func (s *Service) upsert(ctx context.Context, shop Shop, rec record, patch ProductPatch, fetcher *imageFetcher) (RowStatus, error) {
	db := s.db.WithContext(ctx)
	sku := strings.TrimSpace(rec.values[fieldSKU])
	var existing Product
	err := withImages(db).Where("shop_id = ? AND sku = ?", shop.ID, sku).Take(&existing).Error
	found := err == nil
	if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return RowFailed, err
	}
	var in ProductInput
	if found {
		in = patch.Apply(InputOf(existing))
	} else if in, err = newProductInput(rec, patch); err != nil {
		return RowFailed, err
	}
	next := existing
	next.Images = nil
	if err := in.build(&next, shop); err != nil {
		return RowFailed, err
	}
	plan := s.planImages(existing.Images, rec.images)
	if len(plan.want) > MaxImagesPerProduct {
		return RowFailed, fault.FieldInvalidf("image", "a product can have at most %d photos; the row lists %d", MaxImagesPerProduct, len(plan.want))
	}
	fieldsChanged := !found || !sameProduct(existing, next)
	if !fieldsChanged && len(plan.fetch) == 0 && len(plan.remove) == 0 && !plan.order {
		return RowUnchanged, nil
	}
	originals := make([]original, 0, len(plan.fetch))
	for _, u := range plan.fetch {
		data, err := fetcher.fetch(ctx, u)
		if err != nil {
			return RowFailed, err
		}
		o, err := s.checkOriginal(data)
		if err != nil {
			return RowFailed, fault.Invalidf("image %s: %s", u, fault.MessageOf(err))
		}
		o.sourceURL = u
		originals = append(originals, o)
	}
	created, err := s.putOriginals(ctx, originals)
	if err != nil {
		return RowFailed, err
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return s.applyRow(ctx, tx, &next, found, fieldsChanged, plan, originals)
	})
	if err != nil {
		s.removeUnreferenced(ctx, created)
		return RowFailed, err
	}
	s.removeFiles(ctx, plan.remove)
	if found {
		return RowUpdated, nil
	}
	return RowCreated, nil
}

// applyRow writes one import row's product and images in tx.
func (s *Service) applyRow(ctx context.Context, tx *gorm.DB, p *Product, found, fieldsChanged bool, plan imagePlan, originals []original) error {
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
		img, err := s.insertImage(ctx, tx, p.ID, len(plan.have)+i, o)
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
	if err := s.recategorise(tx, p.ID); err != nil { // images or the declared colour changed
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
