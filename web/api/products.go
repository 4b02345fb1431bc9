package api

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/warna/warna/catalog"
	"github.com/warna/warna/fault"
	"github.com/warna/warna/money"
	"github.com/warna/warna/web/auth"
	"github.com/warna/warna/web/request"
)

func (a *productsAPI) productRoutes(api *echo.Group) {
	merchant := api.Group("/products", auth.RequireRole(auth.RoleMerchant))
	merchant.GET("", a.apiListProducts)
	merchant.POST("", a.apiCreateProduct, a.idempotent)
	merchant.GET("/:id", a.apiGetProduct)
	merchant.PATCH("/:id", a.apiUpdateProduct)
	merchant.POST("/:id/archive", a.apiArchiveProduct)
	merchant.DELETE("/:id", a.apiArchiveProduct)
	merchant.POST("/:id/images", a.apiUploadImage, a.idempotent)
	merchant.PUT("/:id/families", a.apiSetFamilies)

	api.GET("/catalog/products", a.apiPublicProducts)
	api.GET("/catalog/products/:id", a.apiPublicProduct)
}

// Product is a product in the API. CommissionBps is only shown to the
// merchant who owns it.
type Product struct {
	ID            int64   `json:"id"`
	SKU           string  `json:"sku"`
	Title         string  `json:"title"`
	Description   string  `json:"description"`
	Category      string  `json:"category"`
	PriceMinor    int64   `json:"price_minor"`
	Price         string  `json:"price"`
	Currency      string  `json:"currency"`
	Stock         int     `json:"stock"`
	Status        string  `json:"status"`
	CommissionBps *int    `json:"commission_bps,omitempty"`
	Color         string  `json:"color,omitempty"`
	Shop          ShopRef `json:"shop"`
	URL           string  `json:"url"`
	Images        []Image `json:"images"`
	Colours       Colours `json:"colours"`
	CreatedAt     string  `json:"created_at"`
	UpdatedAt     string  `json:"updated_at"`
}

// Colours is the product's colour categorisation: the families found in
// its photos with their shares, the merchant's override when set (it is what
// search and filters use), and, for the owner, whether the declared colour
// disagrees with the photos.
type Colours struct {
	Families    map[string]float64 `json:"families"`
	Dominant    string             `json:"dominant,omitempty"`
	Multicolour bool               `json:"multicolour"`
	Override    []string           `json:"override,omitempty"`
	Mismatch    *bool              `json:"declared_colour_mismatch,omitempty"`
}

// ShopRef names the shop a product belongs to.
type ShopRef struct {
	Slug string `json:"slug"`
	Name string `json:"name"`
}

// Image is a product photo: its state in the pipeline, thumbnails and palette.
type Image struct {
	ID       int64            `json:"id"`
	Position int              `json:"position"`
	Status   string           `json:"status"`
	Width    int              `json:"width"`
	Height   int              `json:"height"`
	Thumbs   []Thumb          `json:"thumbs"`
	Palette  []catalog.Swatch `json:"palette,omitempty"`
	Error    string           `json:"error,omitempty"`
	// CreatedAt is when the photo was uploaded.
	CreatedAt string `json:"created_at"`
}

// Thumb is one thumbnail of a photo.
type Thumb struct {
	Size   int    `json:"size"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
	URL    string `json:"url"`
}

func (a *productsAPI) product(p catalog.Product, owner bool) Product {
	out := Product{
		ID: p.ID, SKU: p.SKU, Title: p.Title, Description: p.Description, Category: p.Category,
		PriceMinor: p.PriceMinor, Price: money.Plain(p.PriceMinor, p.Currency), Currency: p.Currency,
		Stock: p.Stock, Status: string(p.Status), Color: p.DeclaredColor,
		Shop: ShopRef{Slug: p.Shop.Slug, Name: p.Shop.Name}, URL: a.baseURL + "/products/" + strconv.FormatInt(p.ID, 10),
		Images: []Image{}, CreatedAt: timestamp(p.CreatedAt), UpdatedAt: timestamp(p.UpdatedAt),
	}
	out.Colours = Colours{Families: map[string]float64{}, Dominant: p.DominantFamily, Multicolour: p.Multicolour, Override: p.OverrideFamilies()}
	for _, f := range p.FamilyShares() {
		out.Colours.Families[f.Family] = f.Share
	}
	if owner {
		out.CommissionBps = p.CommissionBps
		mismatch := p.ColorMismatch
		out.Colours.Mismatch = &mismatch
	}
	for _, img := range p.Images {
		out.Images = append(out.Images, a.image(img))
	}
	return out
}

func (a *productsAPI) image(img catalog.Image) Image {
	out := Image{ID: img.ID, Position: img.Position, Status: string(img.Status), Width: img.Width, Height: img.Height,
		Thumbs: []Thumb{}, Palette: img.Swatches(), Error: img.Error, CreatedAt: timestamp(img.CreatedAt)}
	for _, t := range img.ThumbList() {
		out.Thumbs = append(out.Thumbs, Thumb{Size: t.Size, Width: t.Width, Height: t.Height, URL: a.baseURL + "/media/" + t.Key})
	}
	return out
}

// ProductList is one page of products. Page is 0 when the list was asked
// for by cursor.
type ProductList struct {
	Items      []Product `json:"items"`
	Page       int       `json:"page"`
	PerPage    int       `json:"per_page"`
	Total      int64     `json:"total"`
	NextCursor string    `json:"next_cursor,omitempty"`
	Next       string    `json:"next,omitempty"`
}

func (a *productsAPI) productList(c echo.Context, page catalog.ProductPage, byCursor, owner bool) ProductList {
	out := ProductList{Items: make([]Product, 0, len(page.Items)), Page: page.Page, PerPage: page.PerPage, Total: page.Total}
	if byCursor {
		out.Page = 0
	}
	for _, p := range page.Items {
		out.Items = append(out.Items, a.product(p, owner))
	}
	if n := len(page.Items); n > 0 {
		out.NextCursor, out.Next = a.cursorNext(c, page.Items[n-1].ID, page.More)
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

func (a *productsAPI) apiListProducts(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	perPage, err := perPageParam(c)
	if err != nil {
		return err
	}
	before, err := cursorParam(c)
	if err != nil {
		return err
	}
	page, err := a.deps.Catalog.Products.Products(c.Request().Context(), user.ID, catalog.ProductFilter{
		Status: catalog.Status(c.QueryParam("status")), Category: c.QueryParam("category"), Query: c.QueryParam("q"),
		Page: request.Page(c), PerPage: perPage, Before: before,
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, a.productList(c, page, before > 0, true))
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

func (a *productsAPI) apiCreateProduct(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	var req productRequest
	if err := request.JSON(c, &req); err != nil {
		return err
	}
	patch, err := req.patch()
	if err != nil {
		return err
	}
	in := patch.Apply(catalog.ProductInput{Status: catalog.StatusDraft})
	ctx := c.Request().Context()
	p, err := a.deps.Catalog.Products.CreateProduct(ctx, user.ID, in)
	if err != nil {
		return err
	}
	if p, err = a.deps.Catalog.Products.Product(ctx, user.ID, p.ID); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/products/"+strconv.FormatInt(p.ID, 10))
	return c.JSON(http.StatusCreated, a.product(p, true))
}

func (a *productsAPI) apiGetProduct(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	id, err := request.ID(c, "id", "no such product")
	if err != nil {
		return err
	}
	p, err := a.deps.Catalog.Products.Product(c.Request().Context(), user.ID, id)
	if err != nil {
		return err
	}
	return jsonWithETag(c, a.product(p, true))
}

func (a *productsAPI) apiUpdateProduct(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	id, err := request.ID(c, "id", "no such product")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if _, err := a.deps.Catalog.Products.Product(ctx, user.ID, id); err != nil {
		return err
	}
	var req productRequest
	if err := request.JSON(c, &req); err != nil {
		return err
	}
	patch, err := req.patch()
	if err != nil {
		return err
	}
	p, err := a.deps.Catalog.Products.PatchProduct(ctx, user.ID, id, patch)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, a.product(p, true))
}

// apiSetFamilies sets the merchant's colour families of a product from
// {"families": ["red", "white"]}; an empty list clears the override so the
// families found in the photos apply again.
func (a *productsAPI) apiSetFamilies(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	id, err := request.ID(c, "id", "no such product")
	if err != nil {
		return err
	}
	var req struct {
		Families *[]string `json:"families"`
	}
	if err := request.JSON(c, &req); err != nil {
		return err
	}
	if req.Families == nil {
		return fault.FieldInvalidf("families", `send {"families": ["red", "white"]}, or an empty list to use the families found in the photos`)
	}
	ctx := c.Request().Context()
	if err := a.deps.Catalog.Products.SetFamilyOverride(ctx, user.ID, id, *req.Families); err != nil {
		return err
	}
	p, err := a.deps.Catalog.Products.Product(ctx, user.ID, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, a.product(p, true))
}

func (a *productsAPI) apiArchiveProduct(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	id, err := request.ID(c, "id", "no such product")
	if err != nil {
		return err
	}
	p, err := a.deps.Catalog.Products.ArchiveProduct(c.Request().Context(), user.ID, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, a.product(p, true))
}

// apiUploadImage accepts one or more files as multipart ("file" or "photos")
// or a single image as the raw body.
func (a *productsAPI) apiUploadImage(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	id, err := request.ID(c, "id", "no such product")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if _, err := a.deps.Catalog.Products.Product(ctx, user.ID, id); err != nil {
		return err
	}
	files, closeAll, err := request.Files(c, "file", "photos")
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
	images, err := a.deps.Catalog.Images.AddImages(ctx, user.ID, id, files)
	if err != nil {
		return err
	}
	out := make([]Image, 0, len(images))
	for _, img := range images {
		out = append(out, a.image(img))
	}
	return c.JSON(http.StatusCreated, map[string]any{"images": out})
}

func (a *productsAPI) apiPublicProducts(c echo.Context) error {
	perPage, err := perPageParam(c)
	if err != nil {
		return err
	}
	before, err := cursorParam(c)
	if err != nil {
		return err
	}
	page, err := a.deps.Catalog.Products.PublicProducts(c.Request().Context(), catalog.PublicFilter{
		Category: c.QueryParam("category"), ShopSlug: c.QueryParam("shop"), Page: request.Page(c), PerPage: perPage, Before: before,
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, a.productList(c, page, before > 0, false))
}

func (a *productsAPI) apiPublicProduct(c echo.Context) error {
	id, err := request.ID(c, "id", "no such product")
	if err != nil {
		return err
	}
	p, err := a.deps.Catalog.Products.PublicProduct(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return jsonWithETag(c, a.product(p, false))
}
