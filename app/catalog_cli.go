package app

import (
	"context"
	"io"

	"github.com/warna/warna/catalog/bulk"
)

// CatalogImportOptions are the settings of `warna import`.
type CatalogImportOptions struct {
	Format           string // csv or jsonl; empty guesses from the content
	Locale           string // number format of prices: en, id, de…; empty infers
	AllowPrivateURLs bool   // let image URLs point at private and loopback addresses
	Progress         func(done, total int)
}

// ImportCatalog imports a marketplace export into the shop with the given web
// address. Photos it fetches are queued and processed by `warna serve`.
func (a *App) ImportCatalog(ctx context.Context, shopSlug string, r io.Reader, opts CatalogImportOptions) (bulk.ImportReport, error) {
	shop, err := a.catalog.Shops.ShopBySlug(ctx, shopSlug)
	if err != nil {
		return bulk.ImportReport{}, ExplainLockTimeout(ctx, a.cfg, err)
	}
	report, err := a.bulk.ImportInto(ctx, shop.ID, r, bulk.ImportOptions{
		Format: opts.Format, Locale: opts.Locale, AllowPrivateURLs: opts.AllowPrivateURLs, Progress: opts.Progress,
	})
	return report, ExplainLockTimeout(ctx, a.cfg, err)
}

// ExportCatalog writes a shop's catalogue as CSV that ImportCatalog reads back.
func (a *App) ExportCatalog(ctx context.Context, shopSlug string, w io.Writer) error {
	shop, err := a.catalog.Shops.ShopBySlug(ctx, shopSlug)
	if err != nil {
		return ExplainLockTimeout(ctx, a.cfg, err)
	}
	return ExplainLockTimeout(ctx, a.cfg, a.bulk.ExportCSV(ctx, shop.ID, w))
}
