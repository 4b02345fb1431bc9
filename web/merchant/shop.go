package merchant

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/warna/warna/catalog"
	"github.com/warna/warna/fault"
	"github.com/warna/warna/money"
	"github.com/warna/warna/web/auth"
	"github.com/warna/warna/web/request"
	"github.com/warna/warna/web/site"
)

// ShopRoutes registers the shop's creation and settings.
func (s *Shop) ShopRoutes(merchant *echo.Group) {
	merchant.GET("/shop/new", s.newShopForm)
	merchant.POST("/shop/new", s.createShop)
	merchant.GET("/shop", s.shopSettings)
	merchant.POST("/shop", s.updateShop)
}

// merchantHomePage is the merchant's dashboard: shop summary and products.
type merchantHomePage struct {
	Shop       catalog.Shop
	Summary    catalog.ShopSummary
	Products   []site.ProductView
	Pager      site.Pager
	Status     string
	Query      string
	Categories []catalog.Category
}

// Home is the product list of the merchant's shop; a merchant
// without a shop is sent to create one.
func (s *Shop) Home(c echo.Context) error {
	if s.deps.Catalog == nil {
		return s.deps.Views.Render(c, http.StatusOK, "merchant", site.Page{Title: site.T(c, "Merchant area")})
	}
	user, _ := auth.CurrentUser(c)
	ctx := c.Request().Context()
	shop, err := s.deps.Catalog.Shops.ShopOf(ctx, user.ID)
	if fault.Is(err, fault.NotFound) {
		return c.Redirect(http.StatusSeeOther, "/merchant/shop/new")
	}
	if err != nil {
		return err
	}
	filter := catalog.ProductFilter{Status: catalog.Status(c.QueryParam("status")), Query: c.QueryParam("q"), Page: request.Page(c), PerPage: 25}
	page, err := s.deps.Catalog.Products.Products(ctx, user.ID, filter)
	if err != nil {
		return err
	}
	summary, err := s.deps.Catalog.Shops.Summary(ctx, user.ID)
	if err != nil {
		return err
	}
	return s.deps.Views.Render(c, http.StatusOK, "merchant", site.Page{Title: shop.Name, Data: merchantHomePage{
		Shop: shop, Summary: summary, Products: site.ProductViews(page.Items), Pager: site.NewPager(c, page),
		Status: string(filter.Status), Query: filter.Query, Categories: catalog.Categories,
	}})
}

// shopFormPage is the data of the shop form (create and settings).
type shopFormPage struct {
	New        bool
	Currencies []string
	TimeZones  []string
}

// commonTimeZones are offered in the form; any IANA name is accepted.
var commonTimeZones = []string{
	"Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura", "Asia/Singapore", "Asia/Kuala_Lumpur", "Asia/Bangkok",
	"Asia/Manila", "Asia/Ho_Chi_Minh", "Asia/Tokyo", "Asia/Seoul", "Australia/Sydney", "Europe/London",
	"Europe/Berlin", "America/New_York", "America/Los_Angeles", "UTC",
}

func shopForm(in catalog.ShopInput) map[string]string {
	return map[string]string{
		"name": in.Name, "slug": in.Slug, "description": in.Description, "currency": in.Currency,
		"time_zone": in.TimeZone, "commission": catalog.FormatPercentBps(in.DefaultCommissionBps),
		"return_window_days":      strconv.Itoa(in.ReturnWindowDays),
		"attribution_window_days": strconv.Itoa(in.AttributionWindowDays),
	}
}

func (s *Shop) renderShopForm(c echo.Context, status int, isNew bool, form map[string]string, errs map[string]string) error {
	title := site.T(c, "Shop settings")
	if isNew {
		title = site.T(c, "Create your shop")
	}
	return s.deps.Views.Render(c, status, "shop_settings", site.Page{Title: title, Form: form, Errors: errs,
		Data: shopFormPage{New: isNew, Currencies: money.Currencies(), TimeZones: commonTimeZones}})
}

func (s *Shop) newShopForm(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	if _, err := s.deps.Catalog.Shops.ShopOf(c.Request().Context(), user.ID); err == nil {
		return c.Redirect(http.StatusSeeOther, "/merchant/shop")
	}
	return s.renderShopForm(c, http.StatusOK, true, shopForm(catalog.NewShopInput(user.Name)), nil)
}

// bindShop reads the shop form; a number that does not parse names its field.
func bindShop(c echo.Context) (catalog.ShopInput, map[string]string, error) {
	form := map[string]string{}
	for _, f := range []string{"name", "slug", "description", "currency", "time_zone", "commission", "return_window_days", "attribution_window_days"} {
		form[f] = c.FormValue(f)
	}
	in := catalog.ShopInput{Name: form["name"], Slug: form["slug"], Description: form["description"], Currency: form["currency"], TimeZone: form["time_zone"]}
	var err error
	if in.DefaultCommissionBps, err = catalog.ParsePercentBps(form["commission"]); err != nil {
		return in, form, fault.WithField(err, "commission")
	}
	if in.ReturnWindowDays, err = formInt(form, "return_window_days", site.T(c, "the return window")); err != nil {
		return in, form, err
	}
	if in.AttributionWindowDays, err = formInt(form, "attribution_window_days", site.T(c, "the attribution window")); err != nil {
		return in, form, err
	}
	return in, form, nil
}

func formInt(form map[string]string, field, what string) (int, error) {
	v := strings.TrimSpace(form[field])
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fault.FieldInvalidf(field, "%s must be a whole number", what)
	}
	return n, nil
}

// fieldErrors turns a user mistake into the per-field messages of a form;
// ok is false for errors that are not the user's to fix.
func fieldErrors(c echo.Context, err error) (map[string]string, int, bool) {
	kind := fault.KindOf(err)
	switch kind {
	case fault.Invalid, fault.Conflict, fault.TooLarge:
	default:
		return nil, 0, false
	}
	field := fault.FieldOf(err)
	if field == "" {
		field = "_form"
	}
	status := site.StatusOf(kind)
	if kind == fault.Invalid {
		status = http.StatusUnprocessableEntity
	}
	return map[string]string{field: site.Message(c, err)}, status, true
}

func (s *Shop) createShop(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	in, form, err := bindShop(c)
	if err == nil {
		_, err = s.deps.Catalog.Shops.CreateShop(c.Request().Context(), user.ID, in)
	}
	if err != nil {
		errs, status, ok := fieldErrors(c, err)
		if !ok {
			return err
		}
		return s.renderShopForm(c, status, true, form, errs)
	}
	site.SetFlash(c, site.T(c, "Your shop is open. Add your first product!"))
	return c.Redirect(http.StatusSeeOther, "/merchant")
}

func (s *Shop) shopSettings(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	shop, err := s.deps.Catalog.Shops.ShopOf(c.Request().Context(), user.ID)
	if fault.Is(err, fault.NotFound) {
		return c.Redirect(http.StatusSeeOther, "/merchant/shop/new")
	}
	if err != nil {
		return err
	}
	return s.renderShopForm(c, http.StatusOK, false, shopForm(catalog.ShopInputOf(shop)), nil)
}

func (s *Shop) updateShop(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	in, form, err := bindShop(c)
	if err == nil {
		_, err = s.deps.Catalog.Shops.UpdateShop(c.Request().Context(), user.ID, in)
	}
	if err != nil {
		errs, status, ok := fieldErrors(c, err)
		if !ok {
			return err
		}
		return s.renderShopForm(c, status, false, form, errs)
	}
	site.SetFlash(c, site.T(c, "Shop settings saved."))
	return c.Redirect(http.StatusSeeOther, "/merchant/shop")
}
