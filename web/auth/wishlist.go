package auth

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/warna/warna/fault"
)

// WishlistItem is a product a shopper saved, with the colour they picked
// or were looking at (a #rrggbb swatch, or empty). The product is the
// catalogue's: the item keeps only its id, and a product that is gone
// simply no longer shows.
type WishlistItem struct {
	ID        int64     `gorm:"primaryKey"`
	UserID    int64     `gorm:"not null;uniqueIndex:idx_wishlist_user_product,priority:1"`
	User      User      `gorm:"constraint:OnDelete:CASCADE" json:"-"`
	ProductID int64     `gorm:"not null;uniqueIndex:idx_wishlist_user_product,priority:2"`
	Colour    string    `gorm:"size:7;not null;default:''"`
	CreatedAt time.Time `gorm:"not null"`
}

func (WishlistItem) TableName() string { return "wishlist_items" }

// maxWishlist bounds a wishlist.
const maxWishlist = 200

var hexColour = regexp.MustCompile(`^#[0-9a-f]{6}$`)

// Wishlists keeps shoppers' saved products.
type Wishlists struct {
	db  *gorm.DB
	now func() time.Time
}

// NewWishlists returns the service over db; now is the clock (nil = time.Now).
func NewWishlists(db *gorm.DB, now func() time.Time) *Wishlists {
	if now == nil {
		now = time.Now
	}
	return &Wishlists{db: db, now: func() time.Time { return now().UTC() }}
}

// NormaliseColour reads a colour as pages send it ("#A1B2C3", "a1b2c3");
// anything else is no colour.
func NormaliseColour(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if s != "" && !strings.HasPrefix(s, "#") {
		s = "#" + s
	}
	if !hexColour.MatchString(s) {
		return ""
	}
	return s
}

// Save puts a product on the user's wishlist, or changes its colour when it
// is there already. The caller checks the product is on sale.
func (w *Wishlists) Save(ctx context.Context, userID, productID int64, colour string) error {
	if productID <= 0 {
		return fault.FieldInvalidf("product_id", "choose a product to save")
	}
	return w.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&WishlistItem{}).Where("user_id = ? AND product_id <> ?", userID, productID).Count(&n).Error; err != nil {
			return fmt.Errorf("save to wishlist: %w", err)
		}
		if n >= maxWishlist {
			return fault.Conflictf("your wishlist is full (%d products); remove one first", maxWishlist)
		}
		item := WishlistItem{UserID: userID, ProductID: productID, Colour: NormaliseColour(colour), CreatedAt: w.now()}
		err := tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "user_id"}, {Name: "product_id"}},
			DoUpdates: clause.AssignmentColumns([]string{"colour"}),
		}).Create(&item).Error
		if err != nil {
			return fmt.Errorf("save to wishlist: %w", err)
		}
		return nil
	})
}

// Remove takes a product off the user's wishlist; one not on it is no error.
func (w *Wishlists) Remove(ctx context.Context, userID, productID int64) error {
	if err := w.db.WithContext(ctx).Where("user_id = ? AND product_id = ?", userID, productID).Delete(&WishlistItem{}).Error; err != nil {
		return fmt.Errorf("remove from wishlist: %w", err)
	}
	return nil
}

// List is the user's wishlist, the latest saved first.
func (w *Wishlists) List(ctx context.Context, userID int64) ([]WishlistItem, error) {
	var items []WishlistItem
	err := w.db.WithContext(ctx).Where("user_id = ?", userID).Order("created_at DESC, id DESC").Limit(maxWishlist).Find(&items).Error
	if err != nil {
		return nil, fmt.Errorf("wishlist: %w", err)
	}
	return items, nil
}
