package api

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/warna/warna/catalog/bulk"
	"github.com/warna/warna/fault"
	"github.com/warna/warna/web/auth"
	"github.com/warna/warna/web/request"
)

func (a *importsAPI) importRoutes(api *echo.Group) {
	merchant := api.Group("/imports", auth.RequireRole(auth.RoleMerchant))
	merchant.GET("", a.apiListImports)
	merchant.POST("", a.apiStartImport)
	merchant.GET("/:id", a.apiGetImport)
}

// Import is a bulk import in the API: where it is, what the file was read
// as, the totals, the reason it failed as a whole (Error) and, once done,
// the report row by row (failures first).
type Import struct {
	ID         int64            `json:"id"`
	Filename   string           `json:"filename"`
	Format     string           `json:"format"`
	Locale     string           `json:"locale,omitempty"`
	Status     string           `json:"status"`
	Encoding   string           `json:"encoding,omitempty"`
	Total      int              `json:"total"`
	Done       int              `json:"done"`
	Created    int              `json:"created"`
	Updated    int              `json:"updated"`
	Unchanged  int              `json:"unchanged"`
	Failed     int              `json:"failed"`
	Error      string           `json:"error,omitempty"`
	CreatedAt  time.Time        `json:"created_at"`
	StartedAt  *time.Time       `json:"started_at,omitempty"`
	FinishedAt *time.Time       `json:"finished_at,omitempty"`
	Rows       []bulk.RowResult `json:"rows,omitempty"`
	URL        string           `json:"url"`
}

func (a *importsAPI) importOf(imp bulk.Import, rows bool) Import {
	out := Import{ID: imp.ID, Filename: imp.Filename, Format: imp.Format, Locale: imp.Locale, Status: string(imp.Status),
		Encoding: imp.Encoding, Total: imp.Total, Done: imp.Done, Created: imp.Created, Updated: imp.Updated,
		Unchanged: imp.Unchanged, Failed: imp.Failed, Error: imp.Error, CreatedAt: imp.CreatedAt,
		StartedAt: imp.StartedAt, FinishedAt: imp.FinishedAt, URL: fmt.Sprintf("%s/api/v1/imports/%d", a.baseURL, imp.ID)}
	if rows {
		out.Rows = imp.Rows()
	}
	return out
}

// apiStartImport takes a marketplace export as a multipart field named file
// (with an optional locale field) or as the request body (?filename=&locale=)
// and queues its import; the answer's url shows its progress and report.
func (a *importsAPI) apiStartImport(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	files, closeAll, err := request.Files(c, "file")
	defer closeAll()
	if err != nil {
		return err
	}
	filename, locale := c.QueryParam("filename"), c.FormValue("locale")
	body := c.Request().Body
	switch {
	case len(files) == 1:
		fh, _ := c.FormFile("file")
		filename = fh.Filename
		imp, err := a.deps.Bulk.StartImport(c.Request().Context(), user.ID, filename, files[0], locale)
		return a.started(c, imp, err)
	case len(files) > 1:
		return fault.FieldInvalidf("file", "send one file per import")
	case strings.HasPrefix(c.Request().Header.Get(echo.HeaderContentType), echo.MIMEMultipartForm):
		return fault.FieldInvalidf("file", "send the export as a multipart field named file, or as the request body")
	}
	if filename == "" {
		filename = "import"
	}
	imp, err := a.deps.Bulk.StartImport(c.Request().Context(), user.ID, filename, body, locale)
	return a.started(c, imp, err)
}

func (a *importsAPI) started(c echo.Context, imp bulk.Import, err error) error {
	if err != nil {
		return err
	}
	out := a.importOf(imp, false)
	c.Response().Header().Set(echo.HeaderLocation, out.URL)
	return c.JSON(http.StatusAccepted, out)
}

func (a *importsAPI) apiGetImport(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	id, err := request.ID(c, "id", "no such import")
	if err != nil {
		return err
	}
	imp, err := a.deps.Bulk.Import(c.Request().Context(), user.ID, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, a.importOf(imp, true))
}

func (a *importsAPI) apiListImports(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	list, err := a.deps.Bulk.Imports(c.Request().Context(), user.ID)
	if err != nil {
		return err
	}
	out := make([]Import, 0, len(list))
	for _, imp := range list {
		out = append(out, a.importOf(imp, false))
	}
	return c.JSON(http.StatusOK, map[string]any{"imports": out})
}
