package orders

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"gorm.io/gorm"

	"github.com/warna/warna/catalog"
	"github.com/warna/warna/fault"
)

// CartCookie holds a shopper's cart: product ids and quantities, signed so
// that it cannot be edited by hand into something the shop never offered.
const CartCookie = "warna_cart"

// maxCartItems bounds a cart (and its cookie).
const maxCartItems = 30

// CartItem is one product and quantity in a shopper's cart.
type CartItem struct {
	ProductID int64
	Quantity  int
}

// maxLineQuantity bounds the quantity of one line.
const maxLineQuantity = 99

// Carts prices shoppers' carts and keeps them in a signed cookie.
type Carts struct {
	db     *gorm.DB
	secret []byte
}

// NewCarts builds the cart service; secret signs the cookies (SECRET_KEY).
func NewCarts(db *gorm.DB, secret string) *Carts {
	return &Carts{db: db, secret: []byte(secret)}
}

// EncodeCart turns a cart into a signed cookie value.
func (c *Carts) EncodeCart(items []CartItem) string {
	parts := make([]string, 0, len(items))
	for _, it := range items {
		if len(parts) == maxCartItems {
			break
		}
		parts = append(parts, strconv.FormatInt(it.ProductID, 10)+":"+strconv.Itoa(it.Quantity))
	}
	msg := strings.Join(parts, "-")
	return msg + "." + c.sign(msg)
}

// DecodeCart reads a cart cookie value; a tampered or malformed one is an
// empty cart.
func (c *Carts) DecodeCart(v string) []CartItem {
	i := strings.LastIndexByte(v, '.')
	if i <= 0 || !hmac.Equal([]byte(v[i+1:]), []byte(c.sign(v[:i]))) {
		return nil
	}
	var items []CartItem
	for _, part := range strings.Split(v[:i], "-") {
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

// sign is the first 128 bits, in hex, of HMAC-SHA256 under the secret of
// the purpose "cart" and msg, so that a value signed for another use (the
// attribution cookie) is worthless here.
func (c *Carts) sign(msg string) string {
	m := hmac.New(sha256.New, c.secret)
	m.Write([]byte("cart\x00"))
	m.Write([]byte(msg))
	return hex.EncodeToString(m.Sum(nil)[:16])
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

// SetQuantity returns the cart with a product's quantity set to qty; 0
// removes it. A product not in the cart is left out.
func SetQuantity(items []CartItem, productID int64, qty int) ([]CartItem, error) {
	if qty < 0 || qty > maxLineQuantity {
		return items, fault.FieldInvalidf("quantity", "choose a quantity between 1 and %d", maxLineQuantity)
	}
	if qty == 0 {
		return RemoveFromCart(items, productID), nil
	}
	out := make([]CartItem, 0, len(items))
	for _, it := range items {
		if it.ProductID == productID {
			it.Quantity = qty
		}
		out = append(out, it)
	}
	return out, nil
}

// CartLine is a cart item with its product.
type CartLine struct {
	Product     catalog.Product
	Quantity    int
	AmountMinor int64
}

// ShopCart is the part of a cart from one shop: it becomes one order at
// checkout, in the shop's currency and on its terms.
type ShopCart struct {
	Shop       catalog.Shop
	Lines      []CartLine
	TotalMinor int64
}

// Total is what a cart costs in one currency.
type Total struct {
	Currency string
	Minor    int64
}

// CartView is a priced cart: its products grouped by shop, in the order
// they were first added, and the totals by currency (one, unless the cart
// holds shops that sell in different currencies).
type CartView struct {
	Shops  []ShopCart
	Totals []Total
	// Items counts the units in the cart.
	Items int
}

// Empty reports whether the cart holds nothing.
func (v CartView) Empty() bool { return len(v.Shops) == 0 }

// Cart prices a cart.
func (c *Carts) Cart(ctx context.Context, items []CartItem) (CartView, error) {
	if len(items) == 0 {
		return CartView{}, nil
	}
	return cartView(ctx, c.db, items)
}

// AddToCart returns the cart with qty more of a product. A cart may hold
// products of several shops; checkout places one order per shop.
func (c *Carts) AddToCart(ctx context.Context, items []CartItem, productID int64, qty int) ([]CartItem, error) {
	if qty < 1 || qty > maxLineQuantity {
		return items, fault.FieldInvalidf("quantity", "choose a quantity between 1 and %d", maxLineQuantity)
	}
	p, err := catalog.ProductTx(ctx, c.db, productID)
	if fault.Is(err, fault.NotFound) || (err == nil && p.Status != catalog.StatusActive) {
		return items, fault.NotFoundf("that product is not for sale")
	} else if err != nil {
		return items, err
	}
	out := make([]CartItem, 0, len(items)+1)
	added := false
	for _, it := range items {
		if it.ProductID == productID {
			it.Quantity = min(it.Quantity+qty, maxLineQuantity)
			added = true
		}
		out = append(out, it)
	}
	if !added {
		if len(items) >= maxCartItems {
			return items, fault.Conflictf("your cart holds %d products, the most it can; check out or remove one first", maxCartItems)
		}
		out = append(out, CartItem{ProductID: productID, Quantity: qty})
	}
	return out, nil
}

func cartView(ctx context.Context, tx *gorm.DB, items []CartItem) (CartView, error) {
	var view CartView
	ids := make([]int64, 0, len(items))
	for _, it := range items {
		ids = append(ids, it.ProductID)
	}
	byID, err := catalog.ProductsByIDTx(ctx, tx, ids)
	if err != nil {
		return view, fmt.Errorf("load cart products: %w", err)
	}
	shopIDs := make([]int64, 0, len(items))
	for _, it := range items {
		p, ok := byID[it.ProductID]
		if !ok || p.Status != catalog.StatusActive {
			return view, fault.Conflictf("a product in your cart is no longer for sale; remove it and try again")
		}
		shopIDs = append(shopIDs, p.ShopID)
	}
	shops, err := catalog.ShopsByIDTx(ctx, tx, shopIDs)
	if err != nil {
		return view, fmt.Errorf("load shops: %w", err)
	}
	index := map[int64]int{} // shop id → position in view.Shops
	for _, it := range items {
		p := byID[it.ProductID]
		i, ok := index[p.ShopID]
		if !ok {
			i, index[p.ShopID] = len(view.Shops), len(view.Shops)
			view.Shops = append(view.Shops, ShopCart{Shop: shops[p.ShopID]})
		}
		sc := &view.Shops[i]
		if p.Currency != sc.Shop.Currency {
			return view, fault.Conflictf("%q is priced in %s but the shop sells in %s", p.Title, p.Currency, sc.Shop.Currency)
		}
		amount := p.PriceMinor * int64(it.Quantity)
		sc.Lines = append(sc.Lines, CartLine{Product: p, Quantity: it.Quantity, AmountMinor: amount})
		sc.TotalMinor += amount
		view.Items += it.Quantity
	}
	for _, sc := range view.Shops {
		view.Totals = addTotal(view.Totals, sc.Shop.Currency, sc.TotalMinor)
	}
	return view, nil
}

func addTotal(totals []Total, currency string, minor int64) []Total {
	for i := range totals {
		if totals[i].Currency == currency {
			totals[i].Minor += minor
			return totals
		}
	}
	return append(totals, Total{Currency: currency, Minor: minor})
}
