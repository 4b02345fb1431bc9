package orders

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"

	"gorm.io/gorm"

	"github.com/warna/warna/catalog"
	"github.com/warna/warna/fault"
)

// tokenLength is the length of a checkout's token: 128 random bits in hex.
const tokenLength = 32

func newToken() (string, error) {
	b := make([]byte, tokenLength/2)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("checkout token: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// PlacedOrder is an order as its shopper sees it: with its shop.
type PlacedOrder struct {
	Order
	Shop catalog.Shop
}

// CheckoutOrders lists the orders one checkout placed, by the token of its
// page, with their lines and shops; an unknown token is fault.NotFound.
func (s *Service) CheckoutOrders(ctx context.Context, token string) ([]PlacedOrder, error) {
	if len(token) != tokenLength {
		return nil, fault.NotFoundf("no such order")
	}
	db := s.db.WithContext(ctx)
	var found []Order
	err := db.Preload("Lines", func(tx *gorm.DB) *gorm.DB { return tx.Order("id") }).
		Where("token = ?", token).Order("id").Find(&found).Error
	if err != nil {
		return nil, fmt.Errorf("load orders: %w", err)
	}
	if len(found) == 0 {
		return nil, fault.NotFoundf("no such order")
	}
	shopIDs := make([]int64, len(found))
	for i, o := range found {
		shopIDs[i] = o.ShopID
	}
	shops, err := catalog.ShopsByIDTx(ctx, db, shopIDs)
	if err != nil {
		return nil, err
	}
	out := make([]PlacedOrder, len(found))
	for i, o := range found {
		out[i] = PlacedOrder{Order: o, Shop: shops[o.ShopID]}
	}
	return out, nil
}
