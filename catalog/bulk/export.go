package bulk

import (
	"context"
	"io"
	"strconv"
	"strings"

	"github.com/warna/warna/catalog"
	"github.com/warna/warna/money"
	"github.com/warna/warna/spreadsheet"
)

// exportHeader is the CSV header of an export; every name is one the import
// reads back.
var exportHeader = []string{"sku", "title", "description", "category", "price", "currency", "stock", "status", "colour", "commission", "images"}

// ExportCSV writes a shop's whole catalogue as CSV that ImportInto reads
// back unchanged: prices as plain decimals, image URLs separated by " | ",
// and text that a spreadsheet would run as a formula behind an apostrophe
// (spreadsheet.Writer), which the import takes off again.
func (s *Service) ExportCSV(ctx context.Context, shopID int64, w io.Writer) error {
	cw := spreadsheet.NewWriter(w)
	if err := cw.Write(exportHeader); err != nil {
		return err
	}
	err := catalog.EachProductOfShop(ctx, s.db, shopID, func(batch []catalog.Product) error {
		for _, p := range batch {
			if err := cw.Write(s.exportRow(p)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

// ExportCSVFor exports the merchant's own shop.
func (s *Service) ExportCSVFor(ctx context.Context, ownerID int64, w io.Writer) error {
	shop, err := catalog.ShopOfOwnerTx(ctx, s.db, ownerID)
	if err != nil {
		return err
	}
	return s.ExportCSV(ctx, shop.ID, w)
}

func (s *Service) exportRow(p catalog.Product) []string {
	urls := make([]string, 0, len(p.Images))
	for _, img := range p.Images {
		urls = append(urls, s.images.ExportURL(img))
	}
	commission := ""
	if p.CommissionBps != nil {
		commission = catalog.FormatPercentBps(*p.CommissionBps)
	}
	return []string{
		p.SKU, p.Title, p.Description, p.Category, money.Plain(p.PriceMinor, p.Currency), p.Currency,
		strconv.Itoa(p.Stock), string(p.Status), p.DeclaredColor, commission, strings.Join(urls, " | "),
	}
}
