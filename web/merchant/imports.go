package merchant

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/warna/warna/catalog/bulk"
	"github.com/warna/warna/fault"
	"github.com/warna/warna/stats"
	"github.com/warna/warna/web/auth"
	"github.com/warna/warna/web/request"
	"github.com/warna/warna/web/site"
)

// Routes registers the catalogue imports and the CSV export.
func (s *Imports) Routes(merchant *echo.Group) {
	merchant.GET("/imports", s.importsPage)
	merchant.POST("/imports", s.startImport)
	merchant.GET("/imports/:id", s.importPage)
	merchant.GET("/export.csv", s.exportCSV)
}

type importsPageData struct {
	Imports []bulk.Import
	Import  *bulk.Import
	Rows    []importRow
	// Problem is why Import failed as a whole, in the reader's language.
	Problem string
	Locales []localeOption
}

// importRow is a row of an import's report with its reason in the
// reader's language.
type importRow struct {
	Line   int
	SKU    string
	Status string
	Reason string
}

func importRows(c echo.Context, rows []bulk.RowResult) []importRow {
	out := make([]importRow, 0, len(rows))
	for _, r := range rows {
		row := importRow{Line: r.Line, SKU: r.SKU, Status: string(r.Status)}
		if p := r.Problem(); p != nil {
			row.Reason = site.Message(c, p)
		}
		out = append(out, row)
	}
	return out
}

type localeOption struct{ Code, Name string }

// importLocales are the number formats an import may be read in, named in
// c's language.
func importLocales(c echo.Context) []localeOption {
	return []localeOption{
		{"", site.T(c, "Detect (refuse ambiguous numbers)")},
		{"id", site.T(c, "Indonesian: 1.234,50")},
		{"en", site.T(c, "English: 1,234.50")},
		{"de", site.T(c, "German: 1.234,50")},
		{"ms", site.T(c, "Malay: 1,234.50")},
		{"vi", site.T(c, "Vietnamese: 1.234,50")},
	}
}

func (s *Imports) renderImports(c echo.Context, status int, userID int64, form, errs map[string]string) error {
	list, err := s.deps.Bulk.Imports(c.Request().Context(), userID)
	if fault.Is(err, fault.NotFound) {
		return c.Redirect(http.StatusSeeOther, "/merchant/shop/new")
	}
	if err != nil {
		return err
	}
	if s.deps.Catalog != nil { // the page shows when each started in the shop's zone
		if shop, err := s.deps.Catalog.Shops.ShopOf(c.Request().Context(), userID); err == nil {
			zone := stats.LoadZone(shop.TimeZone)
			for i := range list {
				list[i].CreatedAt = list[i].CreatedAt.In(zone)
			}
		}
	}
	return s.deps.Views.Render(c, status, "import", site.Page{Title: site.T(c, "Import products"), Form: form, Errors: errs,
		Data: importsPageData{Imports: list, Locales: importLocales(c)}})
}

func (s *Imports) importsPage(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	return s.renderImports(c, http.StatusOK, user.ID, nil, nil)
}

func (s *Imports) startImport(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	locale := c.FormValue("locale")
	form := map[string]string{"locale": locale}
	imp, err := s.startImportFile(c, user.ID, locale)
	if err != nil {
		errs, status, ok := fieldErrors(c, err)
		if !ok {
			return err
		}
		if msg, onForm := errs["_form"]; onForm {
			delete(errs, "_form")
			errs["file"] = msg
		}
		return s.renderImports(c, status, user.ID, form, errs)
	}
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/merchant/imports/%d", imp.ID))
}

func (s *Imports) startImportFile(c echo.Context, userID int64, locale string) (bulk.Import, error) {
	fh, err := c.FormFile("file")
	if err != nil || (fh.Filename == "" && fh.Size == 0) {
		return bulk.Import{}, fault.FieldInvalidf("file", "choose a CSV or JSON Lines file exported from your marketplace")
	}
	f, err := fh.Open()
	if err != nil {
		return bulk.Import{}, err
	}
	defer f.Close()
	return s.deps.Bulk.StartImport(c.Request().Context(), userID, fh.Filename, f, locale)
}

func (s *Imports) importPage(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	id, err := request.ID(c, "id", "no such import")
	if err != nil {
		return err
	}
	imp, err := s.deps.Bulk.Import(c.Request().Context(), user.ID, id)
	if err != nil {
		return err
	}
	data := importsPageData{Import: &imp, Rows: importRows(c, imp.Rows())}
	if p := imp.Problem(); p != nil {
		data.Problem = site.Message(c, p)
	}
	return s.deps.Views.Render(c, http.StatusOK, "import", site.Page{Title: site.T(c, "Import of %s", imp.Filename), Data: data})
}

func (s *Imports) exportCSV(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	ctx := c.Request().Context()
	shop, err := s.deps.Catalog.Shops.ShopOf(ctx, user.ID)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s-products.csv"`, shop.Slug))
	h.Set("Cache-Control", "no-store")
	c.Response().WriteHeader(http.StatusOK)
	return s.deps.Bulk.ExportCSV(ctx, shop.ID, c.Response())
}
