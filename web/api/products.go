package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/warna/warna/catalog"
	"github.com/warna/warna/fault"
	"github.com/warna/warna/money"
	"github.com/warna/warna/web/auth"
)

func (s *Server) productAPIRoutes(api *echo.Group) {
	merchant := api.Group("/products", auth.RequireRole(auth.RoleMerchant))
	merchant.GET("", s.apiListProducts)
	merchant.POST("", s.apiCreateProduct)
	merchant.GET("/:id", s.apiGetProduct)
	merchant.PATCH("/:id", s.apiUpdateProduct)
	merchant.POST("/:id/archive", s.apiArchiveProduct)
	merchant.DELETE("/:id", s.apiArchiveProduct)
	merchant.POST("/:id/images", s.apiUploadImage)
	merchant.PUT("/:id/families", s.apiSetFamilies)

	api.GET("/catalog/products", s.apiPublicProducts)
	api.GET("/catalog/products/:id", s.apiPublicProduct)
}

// productJSON is a product in the API. CommissionBps is only shown to the
// merchant who owns it.
type productJSON struct {
	ID            int64       `json:"id"`
	SKU           string      `json:"sku"`
	Title         string      `json:"title"`
	Description   string      `json:"description"`
	Category      string      `json:"category"`
	PriceMinor    int64       `json:"price_minor"`
	Price         string      `json:"price"`
	Currency      string      `json:"currency"`
	Stock         int         `json:"stock"`
	Status        string      `json:"status"`
	CommissionBps *int        `json:"commission_bps,omitempty"`
	Color         string      `json:"color,omitempty"`
	Shop          shopRefJSON `json:"shop"`
	URL           string      `json:"url"`
	Images        []imageJSON `json:"images"`
	Colours       coloursJSON `json:"colours"`
	CreatedAt     time.Time   `json:"created_at"`
	UpdatedAt     time.Time   `json:"updated_at"`
}

// coloursJSON is the product's colour categorisation: the families found in
// its photos with their shares, the merchant's override when set (it is what
// search and filters use), and, for the owner, whether the declared colour
// disagrees with the photos.
type coloursJSON struct {
	Families    map[string]float64 `json:"families"`
	Dominant    string             `json:"dominant,omitempty"`
	Multicolour bool               `json:"multicolour"`
	Override    []string           `json:"override,omitempty"`
	Mismatch    *bool              `json:"declared_colour_mismatch,omitempty"`
}

type shopRefJSON struct {
	Slug string `json:"slug"`
	Name string `json:"name"`
}

type imageJSON struct {
	ID       int64            `json:"id"`
	Position int              `json:"position"`
	Status   string           `json:"status"`
	Width    int              `json:"width"`
	Height   int              `json:"height"`
	Thumbs   []thumbJSON      `json:"thumbs"`
	Palette  []catalog.Swatch `json:"palette,omitempty"`
	Error    string           `json:"error,omitempty"`
}

type thumbJSON struct {
	Size   int    `json:"size"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
	URL    string `json:"url"`
}

func (s *Server) productJSON(p catalog.Product, owner bool) productJSON {
	out := productJSON{
		ID: p.ID, SKU: p.SKU, Title: p.Title, Description: p.Description, Category: p.Category,
		PriceMinor: p.PriceMinor, Price: money.Plain(p.PriceMinor, p.Currency), Currency: p.Currency,
		Stock: p.Stock, Status: string(p.Status), Color: p.DeclaredColor,
		Shop: shopRefJSON{Slug: p.Shop.Slug, Name: p.Shop.Name}, URL: s.cfg.BaseURL + "/products/" + strconv.FormatInt(p.ID, 10),
		Images: []imageJSON{}, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt,
	}
	out.Colours = coloursJSON{Families: map[string]float64{}, Dominant: p.DominantFamily, Multicolour: p.Multicolour, Override: p.OverrideFamilies()}
	for _, f := range p.FamilyShares() {
		out.Colours.Families[f.Family] = f.Share
	}
	if owner {
		out.CommissionBps = p.CommissionBps
		mismatch := p.ColorMismatch
		out.Colours.Mismatch = &mismatch
	}
	for _, img := range p.Images {
		out.Images = append(out.Images, s.imageJSON(img))
	}
	return out
}

func (s *Server) imageJSON(img catalog.Image) imageJSON {
	out := imageJSON{ID: img.ID, Position: img.Position, Status: string(img.Status), Width: img.Width, Height: img.Height,
		Thumbs: []thumbJSON{}, Palette: img.Swatches(), Error: img.Error}
	for _, t := range img.ThumbList() {
		out.Thumbs = append(out.Thumbs, thumbJSON{Size: t.Size, Width: t.Width, Height: t.Height, URL: s.cfg.BaseURL + "/media/" + t.Key})
	}
	return out
}

type productListJSON struct {
	Items   []productJSON `json:"items"`
	Page    int           `json:"page"`
	PerPage int           `json:"per_page"`
	Total   int64         `json:"total"`
}

func (s *Server) productListJSON(page catalog.ProductPage, owner bool) productListJSON {
	out := productListJSON{Items: make([]productJSON, 0, len(page.Items)), Page: page.Page, PerPage: page.PerPage, Total: page.Total}
	for _, p := range page.Items {
		out.Items = append(out.Items, s.productJSON(p, owner))
	}
	return out
}

func perPageParam(c echo.Context) (int, error) {
	v := c.QueryParam("per_page")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, fault.FieldInvalidf("per_page", "per_page must be a whole number from 1 to 100")
	}
	return n, nil
}

func (s *Server) apiListProducts(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	perPage, err := perPageParam(c)
	if err != nil {
		return err
	}
	page, err := s.deps.Catalog.Products.Products(c.Request().Context(), user.ID, catalog.ProductFilter{
		Status: catalog.Status(c.QueryParam("status")), Category: c.QueryParam("category"), Query: c.QueryParam("q"),
		Page: pageParam(c), PerPage: perPage,
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.productListJSON(page, true))
}

// productRequest is the body of create and update calls. Absent fields are
// nil; for updates they stay as they are. The price may be sent as minor
// units (price_minor: 1999) or as text in the shop's currency (price: "19.99").
type productRequest struct {
	Title         *string         `json:"title"`
	Description   *string         `json:"description"`
	SKU           *string         `json:"sku"`
	Category      *string         `json:"category"`
	Price         *string         `json:"price"`
	PriceMinor    *int64          `json:"price_minor"`
	Stock         *int            `json:"stock"`
	Status        *catalog.Status `json:"status"`
	CommissionBps json.RawMessage `json:"commission_bps"`
	Color         *string         `json:"color"`
}

// bindJSON decodes a request body strictly: unknown fields are an error
// naming the field, so typos do not pass silently.
func bindJSON(c echo.Context, v any) error {
	body, err := io.ReadAll(io.LimitReader(c.Request().Body, 1<<20))
	if err != nil {
		return fault.Invalidf("the request body could not be read")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return fault.FieldInvalidf(typeErr.Field, "%s has the wrong type (%s)", typeErr.Field, typeErr.Value)
		}
		if field, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			field = strings.Trim(field, `"`)
			return fault.FieldInvalidf(field, "unknown field %q", field)
		}
		return fault.Invalidf("the request body is not valid JSON: %v", err)
	}
	return nil
}

func (r productRequest) patch() (catalog.ProductPatch, error) {
	pt := catalog.ProductPatch{
		Title: r.Title, Description: r.Description, SKU: r.SKU, Category: r.Category,
		Price: r.Price, PriceMinor: r.PriceMinor, Stock: r.Stock, Status: r.Status, DeclaredColor: r.Color,
	}
	if r.Price != nil && r.PriceMinor != nil {
		return pt, fault.FieldInvalidf("price", "send price or price_minor, not both")
	}
	if len(r.CommissionBps) > 0 {
		var bps *int
		if string(r.CommissionBps) != "null" {
			var n int
			if err := json.Unmarshal(r.CommissionBps, &n); err != nil {
				return pt, fault.FieldInvalidf("commission_bps", "commission_bps must be whole basis points (1000 = 10%%) or null")
			}
			bps = &n
		}
		pt.CommissionBps = &bps
	}
	return pt, nil
}

func (s *Server) apiCreateProduct(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	var req productRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	patch, err := req.patch()
	if err != nil {
		return err
	}
	in := patch.Apply(catalog.ProductInput{Status: catalog.StatusDraft})
	ctx := c.Request().Context()
	p, err := s.deps.Catalog.Products.CreateProduct(ctx, user.ID, in)
	if err != nil {
		return err
	}
	if p, err = s.deps.Catalog.Products.Product(ctx, user.ID, p.ID); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/products/"+strconv.FormatInt(p.ID, 10))
	return c.JSON(http.StatusCreated, s.productJSON(p, true))
}

func (s *Server) apiGetProduct(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	id, err := idParam(c, "id", "no such product")
	if err != nil {
		return err
	}
	p, err := s.deps.Catalog.Products.Product(c.Request().Context(), user.ID, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.productJSON(p, true))
}

func (s *Server) apiUpdateProduct(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	id, err := idParam(c, "id", "no such product")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if _, err := s.deps.Catalog.Products.Product(ctx, user.ID, id); err != nil {
		return err
	}
	var req productRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	patch, err := req.patch()
	if err != nil {
		return err
	}
	p, err := s.deps.Catalog.Products.PatchProduct(ctx, user.ID, id, patch)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.productJSON(p, true))
}

// apiSetFamilies sets the merchant's colour families of a product from
// {"families": ["red", "white"]}; an empty list clears the override so the
// families found in the photos apply again.
func (s *Server) apiSetFamilies(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	id, err := idParam(c, "id", "no such product")
	if err != nil {
		return err
	}
	var req struct {
		Families *[]string `json:"families"`
	}
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	if req.Families == nil {
		return fault.FieldInvalidf("families", `send {"families": ["red", "white"]}, or an empty list to use the families found in the photos`)
	}
	ctx := c.Request().Context()
	if err := s.deps.Catalog.Products.SetFamilyOverride(ctx, user.ID, id, *req.Families); err != nil {
		return err
	}
	p, err := s.deps.Catalog.Products.Product(ctx, user.ID, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.productJSON(p, true))
}

func (s *Server) apiArchiveProduct(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	id, err := idParam(c, "id", "no such product")
	if err != nil {
		return err
	}
	p, err := s.deps.Catalog.Products.ArchiveProduct(c.Request().Context(), user.ID, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.productJSON(p, true))
}

// apiUploadImage accepts one or more files as multipart ("file" or "photos")
// or a single image as the raw body.
func (s *Server) apiUploadImage(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	id, err := idParam(c, "id", "no such product")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if _, err := s.deps.Catalog.Products.Product(ctx, user.ID, id); err != nil {
		return err
	}
	files, closeAll, err := uploadedFiles(c, "file", "photos")
	defer closeAll()
	if err != nil {
		return err
	}
	if len(files) == 0 && !strings.HasPrefix(c.Request().Header.Get(echo.HeaderContentType), echo.MIMEMultipartForm) {
		files = []io.Reader{c.Request().Body}
	}
	if len(files) == 0 {
		return fault.FieldInvalidf("file", "send the image as a multipart field named file, or as the request body")
	}
	images, err := s.deps.Catalog.Images.AddImages(ctx, user.ID, id, files)
	if err != nil {
		return err
	}
	out := make([]imageJSON, 0, len(images))
	for _, img := range images {
		out = append(out, s.imageJSON(img))
	}
	return c.JSON(http.StatusCreated, map[string]any{"images": out})
}

func (s *Server) apiPublicProducts(c echo.Context) error {
	perPage, err := perPageParam(c)
	if err != nil {
		return err
	}
	page, err := s.deps.Catalog.Products.PublicProducts(c.Request().Context(), catalog.PublicFilter{
		Category: c.QueryParam("category"), ShopSlug: c.QueryParam("shop"), Page: pageParam(c), PerPage: perPage,
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.productListJSON(page, false))
}

func (s *Server) apiPublicProduct(c echo.Context) error {
	id, err := idParam(c, "id", "no such product")
	if err != nil {
		return err
	}
	p, err := s.deps.Catalog.Products.PublicProduct(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.productJSON(p, false))
}
