package merchant

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/warna/warna/catalog"
	"github.com/warna/warna/fault"
	"github.com/warna/warna/money"
	"github.com/warna/warna/web/auth"
	"github.com/warna/warna/web/locale"
	"github.com/warna/warna/web/request"
	"github.com/warna/warna/web/site"
)

// Routes registers the product forms and their photos.
func (s *Products) Routes(merchant *echo.Group) {
	merchant.GET("/products/new", s.newProductForm)
	merchant.POST("/products", s.createProduct)
	merchant.GET("/products/:id", s.editProductForm)
	merchant.POST("/products/:id", s.updateProduct)
	merchant.POST("/products/:id/archive", s.archiveProduct)
	merchant.POST("/products/:id/photos", s.uploadPhotos)
	merchant.GET("/products/:id/photos.json", s.photoStatus)
	merchant.POST("/products/:id/photos/:image/move", s.movePhoto)
	merchant.POST("/products/:id/photos/:image/remove", s.removePhoto)
	merchant.POST("/products/:id/photos/:image/retry", s.retryPhoto)
	merchant.POST("/products/:id/families", s.setFamilies)
}

// productFormPage is the data of the product form.
type productFormPage struct {
	New        bool
	Product    site.ProductView
	Shop       catalog.Shop
	Categories []catalog.Category
	Statuses   []catalog.Status
	MaxPhotos  int
	MaxBytes   string
	Colours    colourPanel
	// Busy is true while a photo is pending or processing: the page
	// refreshes itself so thumbnails and swatches appear as they are made.
	Busy bool
}

// colourPanel is a product's colour categorisation as the merchant sees it.
type colourPanel struct {
	Families    []catalog.FamilyShare
	Dominant    string
	Multicolour bool
	Mismatch    bool
	Declared    string
	Override    []string
	Choices     []familyChoice
}

// familyChoice is one checkbox of the override form.
type familyChoice struct {
	Family  string
	Checked bool
}

// editPage is the form page of an existing product.
func editPage(p catalog.Product) productFormPage {
	page := productFormPage{Product: site.NewProductView(p), Shop: p.Shop}
	panel := colourPanel{
		Families: p.FamilyShares(), Dominant: p.DominantFamily, Multicolour: p.Multicolour,
		Mismatch: p.ColorMismatch, Declared: p.DeclaredColor, Override: p.OverrideFamilies(),
	}
	for _, f := range catalog.FamilyNames() {
		panel.Choices = append(panel.Choices, familyChoice{Family: f, Checked: slices.Contains(panel.Override, f)})
	}
	page.Colours = panel
	for _, img := range p.Images {
		if img.Status == catalog.ImagePending || img.Status == catalog.ImageProcessing {
			page.Busy = true
		}
	}
	return page
}

var productFields = []string{"title", "sku", "description", "category", "price", "stock", "status", "commission", "color"}

func productForm(p catalog.Product) map[string]string {
	form := map[string]string{
		"title": p.Title, "sku": p.SKU, "description": p.Description, "category": p.Category,
		"price": money.Plain(p.PriceMinor, p.Currency), "stock": strconv.Itoa(p.Stock), "status": string(p.Status), "color": p.DeclaredColor,
	}
	if p.CommissionBps != nil {
		form["commission"] = catalog.FormatPercentBps(*p.CommissionBps)
	}
	return form
}

// bindProduct reads the product form.
func bindProduct(c echo.Context) (catalog.ProductInput, map[string]string, error) {
	form := map[string]string{}
	for _, f := range productFields {
		form[f] = c.FormValue(f)
	}
	in := catalog.ProductInput{
		Title: form["title"], SKU: form["sku"], Description: form["description"], Category: form["category"],
		Price: form["price"], Status: catalog.Status(form["status"]), DeclaredColor: form["color"],
	}
	stock := strings.TrimSpace(form["stock"])
	if stock == "" {
		stock = "0"
	}
	n, err := strconv.Atoi(stock)
	if err != nil {
		return in, form, fault.FieldInvalidf("stock", "stock must be a whole number")
	}
	in.Stock = n
	if v := strings.TrimSpace(form["commission"]); v != "" {
		bps, err := catalog.ParsePercentBps(v)
		if err != nil {
			return in, form, fault.WithField(err, "commission")
		}
		in.CommissionBps = &bps
	}
	return in, form, nil
}

func (s *Products) renderProductForm(c echo.Context, status int, data productFormPage, form, errs map[string]string) error {
	title := site.T(c, "New product")
	if !data.New {
		title = site.T(c, "Edit %s", data.Product.Title)
	}
	data.Categories = catalog.Categories
	data.Statuses = []catalog.Status{catalog.StatusDraft, catalog.StatusActive, catalog.StatusArchived}
	data.MaxPhotos = catalog.MaxImagesPerProduct
	data.MaxBytes = locale.Number(site.Language(c), s.deps.Catalog.Images.Limits().MaxBytes>>20) + " MB"
	return s.deps.Views.Render(c, status, "product_form", site.Page{Title: title, Form: form, Errors: errs, Data: data})
}

func (s *Products) newProductForm(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	shop, err := s.deps.Catalog.Shops.ShopOf(c.Request().Context(), user.ID)
	if fault.Is(err, fault.NotFound) {
		return c.Redirect(http.StatusSeeOther, "/merchant/shop/new")
	}
	if err != nil {
		return err
	}
	form := map[string]string{"status": string(catalog.StatusActive), "stock": "1", "category": ""}
	return s.renderProductForm(c, http.StatusOK, productFormPage{New: true, Shop: shop}, form, nil)
}

func (s *Products) createProduct(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	ctx := c.Request().Context()
	shop, err := s.deps.Catalog.Shops.ShopOf(ctx, user.ID)
	if err != nil {
		return err
	}
	in, form, err := bindProduct(c)
	var p catalog.Product
	if err == nil {
		p, err = s.deps.Catalog.Products.CreateProduct(ctx, user.ID, in)
	}
	if err != nil {
		errs, status, ok := fieldErrors(c, err)
		if !ok {
			return err
		}
		return s.renderProductForm(c, status, productFormPage{New: true, Shop: shop}, form, errs)
	}
	if err := s.addPhotos(c, user.ID, p.ID); err != nil {
		// The product exists; show its edit page with the photo problem.
		return s.photoProblem(c, user.ID, p.ID, err)
	}
	site.SetFlash(c, site.T(c, "Product created."))
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/merchant/products/%d", p.ID))
}

func (s *Products) editProductForm(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	id, err := request.ID(c, "id", "no such product")
	if err != nil {
		return err
	}
	p, err := s.deps.Catalog.Products.Product(c.Request().Context(), user.ID, id)
	if err != nil {
		return err
	}
	return s.renderProductForm(c, http.StatusOK, editPage(p), productForm(p), nil)
}

func (s *Products) updateProduct(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	ctx := c.Request().Context()
	id, err := request.ID(c, "id", "no such product")
	if err != nil {
		return err
	}
	current, err := s.deps.Catalog.Products.Product(ctx, user.ID, id)
	if err != nil {
		return err
	}
	in, form, err := bindProduct(c)
	if err == nil {
		_, err = s.deps.Catalog.Products.UpdateProduct(ctx, user.ID, id, in)
	}
	if err != nil {
		errs, status, ok := fieldErrors(c, err)
		if !ok {
			return err
		}
		return s.renderProductForm(c, status, editPage(current), form, errs)
	}
	site.SetFlash(c, site.T(c, "Changes saved."))
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/merchant/products/%d", id))
}

func (s *Products) archiveProduct(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	id, err := request.ID(c, "id", "no such product")
	if err != nil {
		return err
	}
	if _, err := s.deps.Catalog.Products.ArchiveProduct(c.Request().Context(), user.ID, id); err != nil {
		return err
	}
	site.SetFlash(c, site.T(c, "The product is archived; shoppers no longer see it."))
	return c.Redirect(http.StatusSeeOther, "/merchant")
}

// addPhotos stores the photos posted with a form, if any.
func (s *Products) addPhotos(c echo.Context, userID, productID int64) error {
	files, closeAll, err := request.Files(c, "photos")
	defer closeAll()
	if err != nil || len(files) == 0 {
		return err
	}
	_, err = s.deps.Catalog.Images.AddImages(c.Request().Context(), userID, productID, files)
	return err
}

// photoProblem re-renders the edit page with a photo error next to the upload.
func (s *Products) photoProblem(c echo.Context, userID, productID int64, err error) error {
	errs, status, ok := fieldErrors(c, err)
	if !ok {
		return err
	}
	p, perr := s.deps.Catalog.Products.Product(c.Request().Context(), userID, productID)
	if perr != nil {
		return perr
	}
	if msg, onForm := errs["_form"]; onForm {
		delete(errs, "_form")
		errs["photos"] = msg
	}
	return s.renderProductForm(c, status, editPage(p), productForm(p), errs)
}

func (s *Products) uploadPhotos(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	id, err := request.ID(c, "id", "no such product")
	if err != nil {
		return err
	}
	// Ownership first, so another merchant learns nothing from the upload.
	if _, err := s.deps.Catalog.Products.Product(c.Request().Context(), user.ID, id); err != nil {
		return err
	}
	files, closeAll, err := request.Files(c, "photos")
	defer closeAll()
	if err == nil && len(files) == 0 {
		err = fault.FieldInvalidf("photos", "choose one or more photos to upload")
	}
	if err == nil {
		_, err = s.deps.Catalog.Images.AddImages(c.Request().Context(), user.ID, id, files)
	}
	if err != nil {
		return s.photoProblem(c, user.ID, id, err)
	}
	site.SetFlash(c, site.T(c, "%d photo(s) added; thumbnails appear in a moment.", len(files)))
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/merchant/products/%d#photos", id))
}

// photoState is one photo in GET /merchant/products/:id/photos.json, which
// the product page polls while a photo is being prepared.
type photoState struct {
	ID         int64  `json:"id"`
	Status     string `json:"status"`
	StatusText string `json:"status_text"`
	Thumb      string `json:"thumb,omitempty"`
	SrcSet     string `json:"srcset,omitempty"`
	// Error says in the reader's language that the photo failed; Detail
	// is what went wrong, as the pipeline recorded it (for support).
	Error  string `json:"error,omitempty"`
	Detail string `json:"detail,omitempty"`
}

// photoStatus answers the state of a product's photos, in order: the
// owner's only (another shop's product is not found).
func (s *Products) photoStatus(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	id, err := request.ID(c, "id", "no such product")
	if err != nil {
		return err
	}
	p, err := s.deps.Catalog.Products.Product(c.Request().Context(), user.ID, id)
	if err != nil {
		return err
	}
	out := make([]photoState, 0, len(p.Images))
	for _, img := range p.Images {
		v := site.NewImageView(img)
		st := photoState{ID: v.ID, Status: v.Status, StatusText: photoStatusText(c, v.Status), Thumb: v.Src, SrcSet: v.SrcSet}
		if v.Error != "" {
			st.Error, st.Detail = site.T(c, "This photo could not be prepared. Choose Retry, or upload it again or another photo."), v.Error
		}
		out = append(out, st)
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, out)
}

// photoStatusText is a photo's status as the badge says it (the
// "photo-status" template's words).
func photoStatusText(c echo.Context, status string) string {
	switch catalog.ImageStatus(status) {
	case catalog.ImagePending:
		return site.T(c, "waiting")
	case catalog.ImageProcessing:
		return site.T(c, "processing")
	case catalog.ImageReady:
		return site.T(c, "ready")
	case catalog.ImageFailed:
		return site.T(c, "failed")
	}
	return status
}

func (s *Products) movePhoto(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	id, imageID, err := photoPath(c)
	if err != nil {
		return err
	}
	delta := 1
	if c.FormValue("direction") == "up" {
		delta = -1
	}
	if err := s.deps.Catalog.Images.MoveImage(c.Request().Context(), user.ID, id, imageID, delta); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/merchant/products/%d#photos", id))
}

// photoPath reads the product and photo ids of /merchant/products/:id/photos/:image/….
func photoPath(c echo.Context) (productID, imageID int64, err error) {
	if productID, err = request.ID(c, "id", "no such product"); err != nil {
		return 0, 0, err
	}
	imageID, err = request.ID(c, "image", "no such photo")
	return productID, imageID, err
}

func (s *Products) removePhoto(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	id, imageID, err := photoPath(c)
	if err != nil {
		return err
	}
	if err := s.deps.Catalog.Images.RemoveImage(c.Request().Context(), user.ID, id, imageID); err != nil {
		return err
	}
	site.SetFlash(c, site.T(c, "Photo removed."))
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/merchant/products/%d#photos", id))
}

// retryPhoto sends a failed photo back through the pipeline.
func (s *Products) retryPhoto(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	id, imageID, err := photoPath(c)
	if err != nil {
		return err
	}
	if err := s.deps.Catalog.Pipeline.RetryImage(c.Request().Context(), user.ID, id, imageID); err != nil {
		return err
	}
	site.SetFlash(c, site.T(c, "The photo is queued again; this page refreshes until it is processed."))
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/merchant/products/%d#photos", id))
}

// setFamilies saves the merchant's colour families (or clears them, so the
// families found in the photos apply again).
func (s *Products) setFamilies(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	id, err := request.ID(c, "id", "no such product")
	if err != nil {
		return err
	}
	form, err := c.FormParams()
	if err != nil {
		return err
	}
	families := form["families"]
	if c.FormValue("clear") != "" {
		families = nil
	}
	if err := s.deps.Catalog.Products.SetFamilyOverride(c.Request().Context(), user.ID, id, families); err != nil {
		return err
	}
	if len(families) == 0 {
		site.SetFlash(c, site.T(c, "Colour families reset to the ones found in the photos."))
	} else {
		site.SetFlash(c, site.T(c, "Colour families saved; they stay when photos are reprocessed."))
	}
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/merchant/products/%d#colours", id))
}
