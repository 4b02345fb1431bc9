package affiliates

import (
	"strconv"
	"strings"
)

// CartCookie holds a shopper's cart: product ids and quantities, signed so
// that it cannot be edited by hand into something the shop never offered.
const CartCookie = "warna_cart"

// maxCartItems bounds a cart (and its cookie).
const maxCartItems = 30

// EncodeCart turns a cart into a signed cookie value.
func (s *Service) EncodeCart(items []CartItem) string {
	parts := make([]string, 0, len(items))
	for _, it := range items {
		if len(parts) == maxCartItems {
			break
		}
		parts = append(parts, strconv.FormatInt(it.ProductID, 10)+":"+strconv.Itoa(it.Quantity))
	}
	return s.signed("cart", strings.Join(parts, "-"))
}

// DecodeCart reads a cart cookie value; a tampered or malformed one is an
// empty cart.
func (s *Service) DecodeCart(v string) []CartItem {
	msg, ok := s.verify("cart", v)
	if !ok || msg == "" {
		return nil
	}
	var items []CartItem
	for _, part := range strings.Split(msg, "-") {
		id, qty, ok := strings.Cut(part, ":")
		if !ok {
			return nil
		}
		pid, err1 := strconv.ParseInt(id, 10, 64)
		n, err2 := strconv.Atoi(qty)
		if err1 != nil || err2 != nil || pid <= 0 || n < 1 || n > maxLineQuantity {
			return nil
		}
		items = append(items, CartItem{ProductID: pid, Quantity: n})
	}
	if len(items) > maxCartItems {
		return nil
	}
	return items
}

// RemoveFromCart returns the cart without a product.
func RemoveFromCart(items []CartItem, productID int64) []CartItem {
	out := items[:0:0]
	for _, it := range items {
		if it.ProductID != productID {
			out = append(out, it)
		}
	}
	return out
}
