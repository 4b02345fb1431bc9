package catalog

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/warna/warna/fault"
	"github.com/warna/warna/money"
)

// Products creates, changes, lists and archives products, for their
// merchant and for shoppers, and applies bulk-import rows to them.
type Products struct {
	*base
	images *Images // photos of imported rows
}

// ProductInput is a whole product as a merchant submits it. The price is
// given either as text in the shop's currency (Price, as typed: "19.99") or
// as minor units (PriceMinor, as the API sends it).
type ProductInput struct {
	Title         string
	Description   string
	SKU           string
	Category      string
	Price         string
	PriceMinor    *int64
	Locale        string // number format of Price; empty = infer
	Stock         int
	Status        Status
	CommissionBps *int
	DeclaredColor string
}

// ProductPatch changes some fields of a product; nil fields stay as they are.
type ProductPatch struct {
	Title         *string
	Description   *string
	SKU           *string
	Category      *string
	Price         *string
	PriceMinor    *int64
	Stock         *int
	Status        *Status
	CommissionBps **int
	DeclaredColor *string
}

// MaxStock bounds stock counts to something a real shop might have.
const MaxStock = 1_000_000

// Normalise trims text fields.
func (in *ProductInput) Normalise() {
	in.Title = strings.TrimSpace(in.Title)
	in.Description = strings.TrimSpace(in.Description)
	in.SKU = strings.TrimSpace(in.SKU)
	if slug, ok := NormaliseCategory(in.Category); ok {
		in.Category = slug
	} else {
		in.Category = strings.TrimSpace(in.Category)
	}
	in.Price = strings.TrimSpace(in.Price)
	in.DeclaredColor = strings.ToLower(strings.TrimSpace(in.DeclaredColor))
	in.Status = Status(strings.ToLower(strings.TrimSpace(string(in.Status))))
	if in.Status == "" {
		in.Status = StatusDraft
	}
}

// validate checks every field except the price and names the first wrong one.
func (in ProductInput) validate() error {
	if in.Title == "" {
		return fault.FieldInvalidf("title", "enter a title")
	}
	if utf8.RuneCountInString(in.Title) > 200 {
		return fault.FieldInvalidf("title", "keep the title under 200 characters")
	}
	if utf8.RuneCountInString(in.Description) > 5000 {
		return fault.FieldInvalidf("description", "keep the description under 5,000 characters")
	}
	if err := validSKU(in.SKU); err != nil {
		return err
	}
	if !ValidCategory(in.Category) {
		return fault.FieldInvalidf("category", "choose a category")
	}
	if in.Stock < 0 || in.Stock > MaxStock {
		return fault.FieldInvalidf("stock", "stock must be a whole number from 0 to 1,000,000")
	}
	switch in.Status {
	case StatusDraft, StatusActive, StatusArchived:
	default:
		return fault.FieldInvalidf("status", "status must be draft, active or archived")
	}
	if in.CommissionBps != nil && (*in.CommissionBps < 0 || *in.CommissionBps > 9000) {
		return fault.FieldInvalidf("commission", "the commission must be between 0%% and 90%%")
	}
	if utf8.RuneCountInString(in.DeclaredColor) > 60 {
		return fault.FieldInvalidf("color", "keep the colour under 60 characters")
	}
	return nil
}

func validSKU(sku string) error {
	if sku == "" || utf8.RuneCountInString(sku) > 64 {
		return fault.FieldInvalidf("sku", "enter a SKU of up to 64 characters")
	}
	for _, r := range sku {
		if unicode.IsControl(r) {
			return fault.FieldInvalidf("sku", "the SKU contains a control character")
		}
	}
	return nil
}

// priceMinor resolves the input's price in currency.
func (in ProductInput) priceMinor(currency string) (int64, error) {
	var minor int64
	switch {
	case in.Price != "":
		var err error
		if minor, err = money.Parse(in.Price, currency, in.Locale); err != nil {
			// Pages show the message beside the price field, so in the
			// reader's language from money's own format, without the prefix.
			format, args := fault.FormatOf(err)
			return 0, &fault.Error{Kind: fault.Invalid, Field: "price", Message: "price: " + fault.MessageOf(err), Format: format, Args: args}
		}
	case in.PriceMinor != nil:
		minor = *in.PriceMinor
	default:
		return 0, fault.FieldInvalidf("price", "enter a price")
	}
	if minor <= 0 {
		return 0, fault.FieldInvalidf("price", "the price must be more than zero")
	}
	if minor > 1<<45 {
		return 0, fault.FieldInvalidf("price", "the price is too large")
	}
	return minor, nil
}

// build validates the input and fills p from it (keeping p's identity).
func (in ProductInput) build(p *Product, shop Shop) error {
	in.Normalise()
	if in.SKU == "" {
		in.SKU = p.SKU
		if in.SKU == "" {
			in.SKU = newSKU()
		}
	}
	if err := in.validate(); err != nil {
		return err
	}
	price, err := in.priceMinor(shop.Currency)
	if err != nil {
		return err
	}
	p.ShopID, p.SKU, p.Title, p.Description = shop.ID, in.SKU, in.Title, in.Description
	p.Category, p.PriceMinor, p.Currency, p.Stock = in.Category, price, shop.Currency, in.Stock
	p.Status, p.CommissionBps, p.DeclaredColor = in.Status, in.CommissionBps, in.DeclaredColor
	return nil
}

// InputOf is the product as a whole input, for forms and patches.
func InputOf(p Product) ProductInput {
	price := p.PriceMinor
	return ProductInput{
		Title: p.Title, Description: p.Description, SKU: p.SKU, Category: p.Category,
		PriceMinor: &price, Stock: p.Stock, Status: p.Status, CommissionBps: p.CommissionBps, DeclaredColor: p.DeclaredColor,
	}
}

// Apply returns in with the patch's fields laid over it.
func (pt ProductPatch) Apply(in ProductInput) ProductInput {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&in.Title, pt.Title)
	set(&in.Description, pt.Description)
	set(&in.SKU, pt.SKU)
	set(&in.Category, pt.Category)
	set(&in.DeclaredColor, pt.DeclaredColor)
	if pt.Price != nil {
		in.Price, in.PriceMinor = *pt.Price, nil
	}
	if pt.PriceMinor != nil {
		in.Price, in.PriceMinor = "", pt.PriceMinor
	}
	if pt.Stock != nil {
		in.Stock = *pt.Stock
	}
	if pt.Status != nil {
		in.Status = *pt.Status
	}
	if pt.CommissionBps != nil {
		in.CommissionBps = *pt.CommissionBps
	}
	return in
}

func newSKU() string {
	var b [5]byte
	_, _ = rand.Read(b[:])
	return "W-" + strings.ToUpper(hex.EncodeToString(b[:]))
}

// CreateProduct adds a product to the merchant's shop.
func (s *Products) CreateProduct(ctx context.Context, ownerID int64, in ProductInput) (Product, error) {
	var p Product
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		shop, err := shopOf(tx, ownerID)
		if err != nil {
			return err
		}
		if err := in.build(&p, shop); err != nil {
			return err
		}
		if err := skuFree(tx, shop.ID, p.SKU, 0); err != nil {
			return err
		}
		if err := tx.Omit("Shop", "Images").Create(&p).Error; err != nil {
			return err
		}
		return s.touch(tx, p.ID)
	})
	return p, err
}

// UpdateProduct replaces the editable fields of one of the merchant's products.
func (s *Products) UpdateProduct(ctx context.Context, ownerID, productID int64, in ProductInput) (Product, error) {
	return s.update(ctx, ownerID, productID, func(Product) ProductInput { return in })
}

// PatchProduct changes only the given fields of a product: the product is
// read and written in one transaction, so a change made meanwhile is not
// overwritten with what was read before it.
func (s *Products) PatchProduct(ctx context.Context, ownerID, productID int64, patch ProductPatch) (Product, error) {
	return s.update(ctx, ownerID, productID, func(p Product) ProductInput { return patch.Apply(InputOf(p)) })
}

// update writes the input made from the stored product, in one transaction.
func (s *Products) update(ctx context.Context, ownerID, productID int64, input func(Product) ProductInput) (Product, error) {
	var p Product
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		shop, err := shopOf(tx, ownerID)
		if err != nil {
			return err
		}
		// A no-op update takes the row's lock first (PostgreSQL; SQLite's
		// transactions are serialised anyway), so what is read below is
		// not changed by another writer before this one commits.
		if err := tx.Model(&Product{}).Where("id = ? AND shop_id = ?", productID, shop.ID).
			UpdateColumn("updated_at", gorm.Expr("updated_at")).Error; err != nil {
			return err
		}
		if p, err = productIn(tx, shop.ID, productID); err != nil {
			return err
		}
		if err := input(p).build(&p, shop); err != nil {
			return err
		}
		if err := skuFree(tx, shop.ID, p.SKU, p.ID); err != nil {
			return err
		}
		if err := tx.Omit("Shop", "Images").Save(&p).Error; err != nil {
			return err
		}
		if err := recategorise(tx, p.ID); err != nil { // the declared colour may have changed
			return err
		}
		return s.touch(tx, p.ID)
	})
	if err != nil {
		return Product{}, err
	}
	return s.Product(ctx, ownerID, productID)
}

// ArchiveProduct takes a product off sale; it stays in the merchant's list.
func (s *Products) ArchiveProduct(ctx context.Context, ownerID, productID int64) (Product, error) {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		shop, err := shopOf(tx, ownerID)
		if err != nil {
			return err
		}
		p, err := productIn(tx, shop.ID, productID)
		if err != nil {
			return err
		}
		if p.Status == StatusArchived {
			return nil
		}
		if err := tx.Model(&p).Updates(map[string]any{"status": StatusArchived, "updated_at": s.now()}).Error; err != nil {
			return err
		}
		return s.touch(tx, p.ID)
	})
	if err != nil {
		return Product{}, err
	}
	return s.Product(ctx, ownerID, productID)
}

func skuFree(tx *gorm.DB, shopID int64, sku string, exceptID int64) error {
	var n int64
	if err := tx.Model(&Product{}).Where("shop_id = ? AND sku = ? AND id <> ?", shopID, sku, exceptID).Count(&n).Error; err != nil {
		return err
	}
	if n > 0 {
		err := fault.Conflictf("another product in your shop has SKU %s", sku)
		err.Field = "sku"
		return err
	}
	return nil
}

// productIn loads a product of a shop; another shop's product is not found.
func productIn(tx *gorm.DB, shopID, productID int64) (Product, error) {
	var p Product
	err := tx.Where("id = ? AND shop_id = ?", productID, shopID).Take(&p).Error
	return p, notFound(err, "no such product")
}

func withImages(tx *gorm.DB) *gorm.DB {
	return tx.Preload("Images", func(db *gorm.DB) *gorm.DB { return db.Order("position, id") })
}

// Product returns one of the merchant's products with its images in order.
func (s *Products) Product(ctx context.Context, ownerID, productID int64) (Product, error) {
	db := s.db.WithContext(ctx)
	shop, err := shopOf(db, ownerID)
	if err != nil {
		if fault.Is(err, fault.NotFound) {
			return Product{}, fault.NotFoundf("no such product")
		}
		return Product{}, err
	}
	var p Product
	err = withImages(db).Preload("Shop").Where("id = ? AND shop_id = ?", productID, shop.ID).Take(&p).Error
	return p, notFound(err, "no such product")
}

// ProductFilter narrows a product list.
type ProductFilter struct {
	Status   Status
	Category string
	Query    string // words in the title or SKU
	Page     int    // from 1
	PerPage  int
	// Before, when set, lists the products older than this id instead of a
	// page: the list is newest (highest id) first, so walking it by the last
	// id seen neither skips nor repeats a product while others are added.
	Before int64
}

// ProductPage is one page of a product list.
type ProductPage struct {
	Items   []Product
	Total   int64 // products that match the filter, on every page
	Page    int
	PerPage int
	// More says that products older than the last item follow.
	More bool
}

// Pages is the number of pages.
func (p ProductPage) Pages() int {
	if p.PerPage == 0 {
		return 0
	}
	return int((p.Total + int64(p.PerPage) - 1) / int64(p.PerPage))
}

func (f *ProductFilter) normalise() error {
	if f.Page < 1 {
		f.Page = 1
	}
	if f.PerPage <= 0 {
		f.PerPage = 24
	}
	if f.PerPage > 100 {
		return fault.FieldInvalidf("per_page", "per_page can be at most 100")
	}
	switch f.Status {
	case "", StatusDraft, StatusActive, StatusArchived:
	default:
		return fault.FieldInvalidf("status", "status must be draft, active or archived")
	}
	if f.Category != "" && !ValidCategory(f.Category) {
		return fault.FieldInvalidf("category", "there is no category %q", f.Category)
	}
	f.Query = strings.TrimSpace(f.Query)
	return nil
}

func (f ProductFilter) apply(q *gorm.DB) *gorm.DB {
	if f.Status != "" {
		q = q.Where("products.status = ?", f.Status)
	}
	if f.Category != "" {
		q = q.Where("products.category = ?", f.Category)
	}
	if f.Query != "" {
		like := "%" + strings.ToLower(f.Query) + "%"
		q = q.Where("(LOWER(products.title) LIKE ? OR LOWER(products.sku) LIKE ?)", like, like)
	}
	return q
}

// Products lists the merchant's products, newest first.
func (s *Products) Products(ctx context.Context, ownerID int64, f ProductFilter) (ProductPage, error) {
	if err := f.normalise(); err != nil {
		return ProductPage{}, err
	}
	db := s.db.WithContext(ctx)
	shop, err := shopOf(db, ownerID)
	if err != nil {
		return ProductPage{}, err
	}
	return listProducts(db, f, func(q *gorm.DB) *gorm.DB { return q.Where("products.shop_id = ?", shop.ID) })
}

func listProducts(db *gorm.DB, f ProductFilter, scope func(*gorm.DB) *gorm.DB) (ProductPage, error) {
	page := ProductPage{Page: f.Page, PerPage: f.PerPage}
	base := func() *gorm.DB { return f.apply(scope(db.Model(&Product{}))) }
	if err := base().Count(&page.Total).Error; err != nil {
		return ProductPage{}, err
	}
	q := withImages(base()).Preload("Shop").Order("products.id DESC")
	if f.Before > 0 {
		q = q.Where("products.id < ?", f.Before)
	} else {
		q = q.Offset((f.Page - 1) * f.PerPage)
	}
	// One more than a page tells whether another follows.
	if err := q.Limit(f.PerPage + 1).Find(&page.Items).Error; err != nil {
		return ProductPage{}, err
	}
	if len(page.Items) > f.PerPage {
		page.Items, page.More = page.Items[:f.PerPage], true
	}
	return page, nil
}

// PublicFilter narrows what shoppers browse.
type PublicFilter struct {
	Category string
	ShopSlug string
	Page     int
	PerPage  int
	Before   int64 // as in ProductFilter
}

// visible limits a query to what shoppers may see: active and in stock.
func visible(q *gorm.DB) *gorm.DB {
	return q.Where("products.status = ? AND products.stock > 0", StatusActive)
}

// PublicProducts lists what shoppers may buy, newest first.
func (s *Products) PublicProducts(ctx context.Context, pf PublicFilter) (ProductPage, error) {
	f := ProductFilter{Category: pf.Category, Page: pf.Page, PerPage: pf.PerPage, Before: pf.Before}
	if err := f.normalise(); err != nil {
		return ProductPage{}, err
	}
	db := s.db.WithContext(ctx)
	var shopID int64
	if pf.ShopSlug != "" {
		shop, err := shopBySlug(db, pf.ShopSlug)
		if err != nil {
			return ProductPage{}, err
		}
		shopID = shop.ID
	}
	return listProducts(db, f, func(q *gorm.DB) *gorm.DB {
		q = visible(q)
		if shopID != 0 {
			q = q.Where("products.shop_id = ?", shopID)
		}
		return q
	})
}

// PublicProductsByID returns the products among ids that shoppers may see,
// with their images and shop, keyed by id; the others are left out.
func (s *Products) PublicProductsByID(ctx context.Context, ids []int64) (map[int64]Product, error) {
	out := make(map[int64]Product, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var items []Product
	err := visible(withImages(s.db.WithContext(ctx)).Preload("Shop").Model(&Product{})).
		Where("products.id IN ?", ids).Find(&items).Error
	for _, p := range items {
		out[p.ID] = p
	}
	return out, err
}

// PublicProduct returns a product a shopper may see; drafts, archived and
// sold-out products are not found.
func (s *Products) PublicProduct(ctx context.Context, productID int64) (Product, error) {
	var p Product
	err := visible(withImages(s.db.WithContext(ctx)).Preload("Shop").Model(&Product{})).
		Where("products.id = ?", productID).Take(&p).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Product{}, fault.NotFoundf("this product is not for sale")
	}
	return p, err
}
