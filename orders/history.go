package orders

import (
	"context"
	"errors"
	"strings"

	"gorm.io/gorm"

	"github.com/warna/warna/fault"
)

// History reads a shopper's orders: those placed with their email. The
// caller has made sure the shopper owns the address (a verified account).
type History struct{ db *gorm.DB }

// NewHistory returns the reader over db.
func NewHistory(db *gorm.DB) *History { return &History{db: db} }

// OfEmail lists the latest orders placed with email, with their lines.
func (h *History) OfEmail(ctx context.Context, email string, limit int) ([]Order, error) {
	var orders []Order
	err := h.db.WithContext(ctx).Preload("Lines", func(tx *gorm.DB) *gorm.DB { return tx.Order("id") }).
		Where("email = ?", normaliseEmail(email)).Order("placed_at DESC, id DESC").Limit(limit).Find(&orders).Error
	return orders, err
}

// OneOfEmail loads one order placed with email; another's is fault.NotFound.
func (h *History) OneOfEmail(ctx context.Context, email string, orderID int64) (Order, error) {
	var o Order
	err := h.db.WithContext(ctx).Preload("Lines", func(tx *gorm.DB) *gorm.DB { return tx.Order("id") }).
		Where("id = ? AND email = ?", orderID, normaliseEmail(email)).Take(&o).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return o, fault.NotFoundf("no such order")
	}
	return o, err
}

func normaliseEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }
