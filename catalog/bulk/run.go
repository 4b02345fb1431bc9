package bulk

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/warna/warna/catalog"
	"github.com/warna/warna/database"
	"github.com/warna/warna/fault"
	"github.com/warna/warna/money"
)

// ImportInto reads a CSV or JSON Lines file into a shop's catalogue, upserting
// by SKU: each row is applied in its own transaction, so a bad row never
// half-writes a product and the good rows still land, and a row identical to
// what is stored writes nothing at all. The error is for the file as a whole
// (unreadable, no SKU column) or stops the import (the database stayed
// locked: every further row would wait as long); row problems are in the
// report.
func (s *Service) ImportInto(ctx context.Context, shopID int64, r io.Reader, opts ImportOptions) (ImportReport, error) {
	if !money.ValidLocale(opts.Locale) {
		return ImportReport{}, fault.FieldInvalidf("locale", "unknown locale %q: use a language code such as en, id or de", opts.Locale)
	}
	shop, err := catalog.ShopTx(ctx, s.db, shopID)
	if err != nil {
		return ImportReport{}, err
	}
	records, enc, err := readRecords(r, opts.Format)
	if err != nil {
		return ImportReport{}, err
	}
	fetcher := s.newFetcher(opts.AllowPrivateURLs)
	defer fetcher.close()
	report := ImportReport{Encoding: enc, Rows: make([]RowResult, 0, len(records))}
	firstLine := make(map[string]int, len(records))
	for i, rec := range records {
		if err := ctx.Err(); err != nil {
			return report, err
		}
		res, err := s.importRecord(ctx, shop, rec, opts.Locale, fetcher, firstLine)
		if err != nil {
			return report, fmt.Errorf("line %d: %w", rec.line, err)
		}
		report.add(res)
		if opts.Progress != nil {
			opts.Progress(i+1, len(records))
		}
	}
	return report, nil
}

// importRecord applies one row; its error is only for a database lock wait
// that ran out, which ends the import.
func (s *Service) importRecord(ctx context.Context, shop catalog.Shop, rec record, locale string, fetcher *imageFetcher, firstLine map[string]int) (RowResult, error) {
	sku := strings.TrimSpace(rec.values[fieldSKU])
	res := RowResult{Line: rec.line, SKU: sku, Status: catalog.RowFailed}
	if rec.err != nil {
		res.failed(rec.err)
		return res, nil
	}
	if sku == "" {
		res.failed(fault.FieldInvalidf("sku", "the SKU is missing"))
		return res, nil
	}
	if first, dup := firstLine[sku]; dup {
		res.failed(fault.FieldInvalidf("sku", "duplicate SKU in file (first on line %d)", first))
		return res, nil
	}
	firstLine[sku] = rec.line
	patch, err := patchOf(rec, shop, locale)
	if err == nil {
		row := catalog.ImportRow{SKU: sku, Patch: patch, ImageURLs: rec.images}
		res.Status, err = s.products.Import(ctx, shop, row, fetcher.fetch)
	}
	if database.IsLockTimeout(err) {
		return res, err
	}
	if err != nil {
		res.failed(err)
		if fault.KindOf(err) == fault.Internal {
			s.logger.Error("import row failed", "shop_id", shop.ID, "line", rec.line, "sku", sku, "err", err)
		}
	}
	return res, nil
}
