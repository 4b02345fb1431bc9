package web

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/warna/warna/catalog/bulk"
	"github.com/warna/warna/fault"
	"github.com/warna/warna/web/auth"
	"github.com/warna/warna/web/request"
)

func (s *Server) importRoutes(merchant *echo.Group) {
	merchant.GET("/imports", s.importsPage)
	merchant.POST("/imports", s.startImport)
	merchant.GET("/imports/:id", s.importPage)
	merchant.GET("/export.csv", s.exportCSV)
}

type importsPageData struct {
	Imports []bulk.Import
	Import  *bulk.Import
	Rows    []bulk.RowResult
	Locales []localeOption
}

type localeOption struct{ Code, Name string }

var importLocales = []localeOption{
	{"", "Detect (refuse ambiguous numbers)"},
	{"id", "Indonesian: 1.234,50"},
	{"en", "English: 1,234.50"},
	{"de", "German: 1.234,50"},
	{"ms", "Malay: 1,234.50"},
	{"vi", "Vietnamese: 1.234,50"},
}

func (s *Server) renderImports(c echo.Context, status int, userID int64, form, errs map[string]string) error {
	list, err := s.deps.Bulk.Imports(c.Request().Context(), userID)
	if fault.Is(err, fault.NotFound) {
		return c.Redirect(http.StatusSeeOther, "/merchant/shop/new")
	}
	if err != nil {
		return err
	}
	return s.render(c, status, "import", Page{Title: "Import products", Form: form, Errors: errs,
		Data: importsPageData{Imports: list, Locales: importLocales}})
}

func (s *Server) importsPage(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	return s.renderImports(c, http.StatusOK, user.ID, nil, nil)
}

func (s *Server) startImport(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	locale := c.FormValue("locale")
	form := map[string]string{"locale": locale}
	imp, err := s.startImportFile(c, user.ID, locale)
	if err != nil {
		errs, status, ok := fieldErrors(err)
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

func (s *Server) startImportFile(c echo.Context, userID int64, locale string) (bulk.Import, error) {
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

func (s *Server) importPage(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	id, err := request.ID(c, "id", "no such import")
	if err != nil {
		return err
	}
	imp, err := s.deps.Bulk.Import(c.Request().Context(), user.ID, id)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "import", Page{Title: "Import " + imp.Filename, Data: importsPageData{Import: &imp, Rows: imp.Rows()}})
}

func (s *Server) exportCSV(c echo.Context) error {
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
