package catalog

import (
	"context"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/warna/warna/fault"
	"github.com/warna/warna/money"
)

// DefaultAttributionWindowDays is how long a click earns credit unless the
// shop says otherwise.
const DefaultAttributionWindowDays = 30

// Shops creates and changes merchants' shops and finds them by owner or web
// address.
type Shops struct{ *base }

// ShopInput is what a merchant submits to create or change their shop.
type ShopInput struct {
	Name                  string
	Slug                  string
	Description           string
	Currency              string
	TimeZone              string
	DefaultCommissionBps  int
	ReturnWindowDays      int
	AttributionWindowDays int
}

// NewShopInput is what a new shop starts from: the merchant's name, a web
// address made from it, and the usual terms on Warna's Indonesian
// marketplace (rupiah, Jakarta time, 10 % commission, a 7-day return window).
func NewShopInput(name string) ShopInput {
	return ShopInput{Name: name, Slug: SuggestSlug(name), Currency: "IDR", TimeZone: "Asia/Jakarta",
		DefaultCommissionBps: 1000, ReturnWindowDays: 7, AttributionWindowDays: DefaultAttributionWindowDays}
}

// ShopInputOf is a shop as an input, for its settings form.
func ShopInputOf(shop Shop) ShopInput {
	return ShopInput{Name: shop.Name, Slug: shop.Slug, Description: shop.Description, Currency: shop.Currency,
		TimeZone: shop.TimeZone, DefaultCommissionBps: shop.DefaultCommissionBps, ReturnWindowDays: shop.ReturnWindowDays,
		AttributionWindowDays: shop.AttributionWindowDays}
}

// SuggestSlug makes a web address out of a name: "Batik Sari" → "batik-sari".
func SuggestSlug(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.Trim(b.String(), "-")
}

var slugPattern = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{1,58}[a-z0-9])$`)

// Normalise trims and lower-cases what should be.
func (in *ShopInput) Normalise() {
	in.Name = strings.TrimSpace(in.Name)
	in.Slug = strings.ToLower(strings.TrimSpace(in.Slug))
	in.Description = strings.TrimSpace(in.Description)
	in.Currency = strings.ToUpper(strings.TrimSpace(in.Currency))
	in.TimeZone = strings.TrimSpace(in.TimeZone)
}

// Validate checks the input and names the first field that is wrong.
func (in ShopInput) Validate() error {
	if in.Name == "" || utf8.RuneCountInString(in.Name) > 100 {
		return fault.FieldInvalidf("name", "enter the shop's name (up to 100 characters)")
	}
	if !slugPattern.MatchString(in.Slug) {
		return fault.FieldInvalidf("slug", "choose a web address of 3 to 60 lower-case letters, digits and dashes, like batik-sari")
	}
	if utf8.RuneCountInString(in.Description) > 2000 {
		return fault.FieldInvalidf("description", "keep the description under 2,000 characters")
	}
	if !money.ValidCurrency(in.Currency) {
		return fault.FieldInvalidf("currency", "choose one of the listed currencies")
	}
	if in.TimeZone == "" {
		return fault.FieldInvalidf("time_zone", "choose the shop's time zone, like Asia/Jakarta")
	}
	if _, err := time.LoadLocation(in.TimeZone); err != nil || in.TimeZone == "Local" {
		return fault.FieldInvalidf("time_zone", "%q is not a time zone; use a name like Asia/Jakarta", in.TimeZone)
	}
	if in.DefaultCommissionBps < 0 || in.DefaultCommissionBps > 9000 {
		return fault.FieldInvalidf("commission", "the commission must be between 0%% and 90%%")
	}
	if in.ReturnWindowDays < 0 || in.ReturnWindowDays > 365 {
		return fault.FieldInvalidf("return_window_days", "the return window must be 0 to 365 days")
	}
	if in.AttributionWindowDays < 1 || in.AttributionWindowDays > 365 {
		return fault.FieldInvalidf("attribution_window_days", "the attribution window must be 1 to 365 days")
	}
	return nil
}

// ParsePercentBps reads a percentage such as "10", "7.5" or "12,25" into basis
// points without floating point.
func ParsePercentBps(s string) (int, error) {
	s = strings.TrimSuffix(strings.TrimSpace(s), "%")
	s = strings.ReplaceAll(strings.TrimSpace(s), ",", ".")
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" && frac == "" || len(frac) > 2 {
		return 0, fault.Invalidf("%q is not a percentage; write it like 10 or 7.5", s)
	}
	frac += strings.Repeat("0", 2-len(frac))
	if whole == "" {
		whole = "0"
	}
	w, err1 := strconv.Atoi(whole)
	f, err2 := strconv.Atoi(frac)
	if err1 != nil || err2 != nil || w < 0 || w > 100 {
		return 0, fault.Invalidf("%q is not a percentage; write it like 10 or 7.5", s)
	}
	return w*100 + f, nil
}

// FormatPercentBps renders basis points as a percentage for forms: 750 → "7.5".
func FormatPercentBps(bps int) string {
	s := strconv.Itoa(bps / 100)
	if frac := bps % 100; frac != 0 {
		s += "." + strings.TrimRight(strconv.Itoa(100 + frac)[1:], "0")
	}
	return s
}

// CreateShop opens the merchant's shop. A merchant has one shop; a taken web
// address is a conflict.
func (s *Shops) CreateShop(ctx context.Context, ownerID int64, in ShopInput) (Shop, error) {
	in.Normalise()
	if in.AttributionWindowDays == 0 {
		in.AttributionWindowDays = DefaultAttributionWindowDays
	}
	if err := in.Validate(); err != nil {
		return Shop{}, err
	}
	shop := Shop{OwnerID: ownerID}
	in.applyTo(&shop)
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&Shop{}).Where("owner_id = ?", ownerID).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return fault.Conflictf("you already have a shop")
		}
		if err := slugFree(tx, in.Slug, 0); err != nil {
			return err
		}
		return tx.Create(&shop).Error
	})
	return shop, err
}

// UpdateShop changes the merchant's shop settings. The currency cannot change
// once the shop has products, whose prices are in it.
func (s *Shops) UpdateShop(ctx context.Context, ownerID int64, in ShopInput) (Shop, error) {
	in.Normalise()
	if err := in.Validate(); err != nil {
		return Shop{}, err
	}
	var shop Shop
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if shop, err = shopOf(tx, ownerID); err != nil {
			return err
		}
		if err := slugFree(tx, in.Slug, shop.ID); err != nil {
			return err
		}
		if in.Currency != shop.Currency {
			var n int64
			if err := tx.Model(&Product{}).Where("shop_id = ?", shop.ID).Count(&n).Error; err != nil {
				return err
			}
			if n > 0 {
				return fault.FieldInvalidf("currency", "the currency cannot change once the shop has products (prices are in %s)", shop.Currency)
			}
		}
		renamed := in.Name != shop.Name || in.Slug != shop.Slug
		in.applyTo(&shop)
		if err := tx.Save(&shop).Error; err != nil {
			return err
		}
		if renamed {
			// search documents carry the shop's name and slug
			return tx.Exec(`INSERT INTO catalog_changes (product_id, created_at) SELECT id, ? FROM products WHERE shop_id = ? ORDER BY id`,
				time.Now().UTC(), shop.ID).Error
		}
		return nil
	})
	return shop, err
}

func (in ShopInput) applyTo(shop *Shop) {
	shop.Name, shop.Slug, shop.Description = in.Name, in.Slug, in.Description
	shop.Currency, shop.TimeZone = in.Currency, in.TimeZone
	shop.DefaultCommissionBps = in.DefaultCommissionBps
	shop.ReturnWindowDays, shop.AttributionWindowDays = in.ReturnWindowDays, in.AttributionWindowDays
}

func slugFree(tx *gorm.DB, slug string, exceptShopID int64) error {
	var n int64
	if err := tx.Model(&Shop{}).Where("slug = ? AND id <> ?", slug, exceptShopID).Count(&n).Error; err != nil {
		return err
	}
	if n > 0 {
		return &fault.Error{Kind: fault.Conflict, Field: "slug", Message: "that web address is taken; choose another"}
	}
	return nil
}

// ShopOf returns the merchant's shop, or fault.NotFound when they have none yet.
func (s *Shops) ShopOf(ctx context.Context, ownerID int64) (Shop, error) {
	return shopOf(s.db.WithContext(ctx), ownerID)
}

func shopOf(tx *gorm.DB, ownerID int64) (Shop, error) {
	var shop Shop
	err := tx.Where("owner_id = ?", ownerID).Take(&shop).Error
	return shop, notFound(err, "you have no shop yet; create it first")
}

// ShopBySlug returns a shop by its web address, for shoppers and the CLI.
func (s *Shops) ShopBySlug(ctx context.Context, slug string) (Shop, error) {
	return shopBySlug(s.db.WithContext(ctx), slug)
}

func shopBySlug(db *gorm.DB, slug string) (Shop, error) {
	var shop Shop
	err := db.Where("slug = ?", strings.ToLower(slug)).Take(&shop).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Shop{}, fault.NotFoundf("there is no shop %q", slug)
	}
	return shop, err
}

// ShopSummary counts a shop's products by status.
type ShopSummary struct {
	Products   int64
	Active     int64
	Draft      int64
	Archived   int64
	OutOfStock int64
	Pending    int64 // images still being processed
}

// Summary counts the merchant's products for their dashboard.
func (s *Shops) Summary(ctx context.Context, ownerID int64) (ShopSummary, error) {
	db := s.db.WithContext(ctx)
	shop, err := shopOf(db, ownerID)
	if err != nil {
		return ShopSummary{}, err
	}
	var rows []struct {
		Status Status
		N      int64
	}
	if err := db.Model(&Product{}).Select("status, count(*) AS n").Where("shop_id = ?", shop.ID).Group("status").Scan(&rows).Error; err != nil {
		return ShopSummary{}, err
	}
	var sum ShopSummary
	for _, r := range rows {
		sum.Products += r.N
		switch r.Status {
		case StatusActive:
			sum.Active = r.N
		case StatusDraft:
			sum.Draft = r.N
		case StatusArchived:
			sum.Archived = r.N
		}
	}
	if err := db.Model(&Product{}).Where("shop_id = ? AND status = ? AND stock <= 0", shop.ID, StatusActive).Count(&sum.OutOfStock).Error; err != nil {
		return ShopSummary{}, err
	}
	err = db.Model(&Image{}).Joins("JOIN products ON products.id = images.product_id").
		Where("products.shop_id = ? AND images.status IN ?", shop.ID, []ImageStatus{ImagePending, ImageProcessing}).Count(&sum.Pending).Error
	return sum, err
}
