// Package orders owns sales: the shopper's cart and checkout (the payment is
// simulated), the orders merchants report through the conversion API,
// refunds, and the signed webhooks that tell a shop about its orders.
//
// Who a sale is credited to, and the commission it earns, is the affiliates
// package's business: an order's service calls it through Commissions inside
// the transaction that stores the order or its refund, so a sale and its
// commission are written together or not at all.
package orders

import (
	"time"

	"gorm.io/gorm"

	"github.com/warna/warna/database"
)

// OrderSource says where an order was placed.
type OrderSource string

// Order sources.
const (
	SourceCheckout OrderSource = "checkout"
	SourceAPI      OrderSource = "api"
)

// Attribution outcomes recorded on the order's receipt (see Commissions).
const (
	OutcomeAttributed   = "attributed"
	OutcomeNone         = "none"
	OutcomeSelfReferral = "self_referral"
)

// Order is a sale in one shop, in the shop's currency.
type Order struct {
	ID          int64       `gorm:"primaryKey"`
	ShopID      int64       `gorm:"not null;index;uniqueIndex:idx_orders_shop_external,priority:1"`
	ExternalID  *string     `gorm:"size:100;uniqueIndex:idx_orders_shop_external,priority:2"`
	Source      OrderSource `gorm:"size:16;not null"`
	Email       string      `gorm:"size:254;not null;default:''"`
	BuyerUserID *int64
	ShipName    string    `gorm:"size:100;not null;default:''"`
	ShipAddress string    `gorm:"size:500;not null;default:''"`
	Currency    string    `gorm:"size:3;not null"`
	TotalMinor  int64     `gorm:"not null"`
	PlacedAt    time.Time `gorm:"not null;index"`
	// Held stops automatic approval of the order's commission.
	Held bool `gorm:"not null;default:false"`
	// Attribution receipt: which click (if any) the sale was credited to, and why.
	AttrOutcome      string `gorm:"size:20;not null"`
	AttrReason       string `gorm:"size:200;not null;default:''"`
	AttrRule         string `gorm:"size:40;not null"`
	AttrClickID      *string
	AttrLinkID       *int64 `gorm:"index"`
	AttrInfluencerID *int64 `gorm:"index"`
	AttrClickAt      *time.Time
	AttrAgeSeconds   *int64
	AttrWindowDays   int         `gorm:"not null"`
	Lines            []OrderLine `gorm:"constraint:OnDelete:CASCADE"`
	// Token is the unguessable key of the shopper's page of the checkout
	// that placed the order (shared by the orders of one checkout, one per
	// shop); empty for API orders.
	Token string `gorm:"size:32;not null;default:'';index"`
	// Fulfilment: the merchant marks an order shipped (with a tracking
	// number) and then delivered. The return window, and so the approval of
	// the commission, runs from DeliveredAt (see DueForApproval).
	ShippedAt      *time.Time
	TrackingNumber string `gorm:"size:100;not null;default:''"`
	Carrier        string `gorm:"size:60;not null;default:''"`
	DeliveredAt    *time.Time
	CreatedAt      time.Time
	// UpdatedAt moves with every refund, hold, shipment and delivery.
	UpdatedAt time.Time
}

// OrderLine is one product (or, from the API, one described item) in an order.
type OrderLine struct {
	ID            int64  `gorm:"primaryKey"`
	OrderID       int64  `gorm:"not null;index"`
	ProductID     *int64 `gorm:"index"`
	Title         string `gorm:"size:200;not null"`
	UnitMinor     int64  `gorm:"not null"`
	Quantity      int    `gorm:"not null"`
	AmountMinor   int64  `gorm:"not null"`
	RefundedMinor int64  `gorm:"not null;default:0"`
	RefundedQty   int    `gorm:"not null;default:0"`
}

// Refund records money returned on one order line.
type Refund struct {
	ID          int64 `gorm:"primaryKey"`
	OrderID     int64 `gorm:"not null;index"`
	LineID      int64 `gorm:"not null;index"`
	AmountMinor int64 `gorm:"not null"`
	Quantity    int   `gorm:"not null"`
	CreatedAt   time.Time
}

// Migrations creates the order tables. Until package orders existed they
// were made by affiliates' 0300 and 0302, so on a database that has those
// the tables are there already and this changes nothing.
func Migrations() []database.Migration {
	return []database.Migration{{
		ID: "0500_orders",
		Up: func(tx *gorm.DB) error {
			for _, model := range []any{&Order{}, &OrderLine{}, &Refund{}, &Webhook{}} {
				if tx.Migrator().HasTable(model) {
					continue
				}
				if err := tx.AutoMigrate(model); err != nil {
					return err
				}
			}
			return nil
		},
	}, {
		// Orders gained updated_at for the API; until now an order's last
		// change was its creation.
		ID: "0661_orders_updated_at",
		Up: func(tx *gorm.DB) error {
			if !tx.Migrator().HasColumn(&Order{}, "UpdatedAt") {
				if err := tx.Migrator().AddColumn(&Order{}, "UpdatedAt"); err != nil {
					return err
				}
			}
			return tx.Exec("UPDATE orders SET updated_at = created_at WHERE updated_at IS NULL").Error
		},
	}, {
		// The webhook delivery log.
		ID: "0662_webhook_deliveries",
		Up: func(tx *gorm.DB) error { return tx.AutoMigrate(&Delivery{}, &DeliveryAttempt{}) },
	}, {
		// A checkout's orders (one per shop) share the token of the
		// shopper's page that shows them; older orders have none.
		ID: "0680_orders_checkout_token",
		Up: func(tx *gorm.DB) error {
			if !tx.Migrator().HasColumn(&Order{}, "Token") {
				if err := tx.Migrator().AddColumn(&Order{}, "Token"); err != nil {
					return err
				}
			}
			if tx.Migrator().HasIndex(&Order{}, "Token") {
				return nil
			}
			return tx.Migrator().CreateIndex(&Order{}, "Token")
		},
	}, {
		// Orders gained shipping and delivery, and the return window now
		// starts at delivery. Orders placed before have no delivery date:
		// they count as shipped and delivered when they were placed, so
		// their commissions come due exactly when they did before.
		ID: "0681_orders_fulfilment",
		Up: func(tx *gorm.DB) error {
			for _, field := range []string{"ShippedAt", "TrackingNumber", "Carrier", "DeliveredAt"} {
				if tx.Migrator().HasColumn(&Order{}, field) {
					continue
				}
				if err := tx.Migrator().AddColumn(&Order{}, field); err != nil {
					return err
				}
			}
			return tx.Exec("UPDATE orders SET shipped_at = placed_at, delivered_at = placed_at WHERE delivered_at IS NULL").Error
		},
	}}
}
