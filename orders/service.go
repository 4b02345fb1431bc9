package orders

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/warna/warna/catalog"
)

// Referral is what a new order carries about the tracked link that led to
// it: the attribution cookie of an on-site checkout, or the click id or link
// code a merchant reports with an off-site sale.
type Referral struct {
	Cookie   string
	ClickID  string
	LinkCode string
}

// Commissions is the affiliate side of a sale, done inside the transaction
// that stores the order or its refund, after Prepare before a new order's
// (package affiliates implements it).
type Commissions interface {
	// Prepare runs before the transaction of a new order, which Attribute
	// then reads in: it makes sure what ref names (clicks recorded moments
	// ago) can be read there. It fails only when ctx ends.
	Prepare(ctx context.Context, ref Referral) error
	// Attribute fills in the new order's attribution receipt (the Attr
	// fields) before it is stored.
	Attribute(ctx context.Context, tx *gorm.DB, shop catalog.Shop, order *Order, ref Referral) error
	// Accrue earns commission on the lines of a stored order whose outcome
	// is OutcomeAttributed.
	Accrue(ctx context.Context, tx *gorm.DB, shop catalog.Shop, order *Order) error
	// Reverse takes back a line's commission in proportion once
	// refundedMinor of it has been refunded in all.
	Reverse(ctx context.Context, tx *gorm.DB, line OrderLine, refundedMinor int64) error
}

// Service places orders (checkout and the conversion API), refunds them and
// lists them for merchants and influencers.
type Service struct {
	db          *gorm.DB
	now         func() time.Time
	commissions Commissions
	webhooks    *Webhooks
}

// NewService builds the order service. commissions credits sales and
// webhooks tells shops about them; now is the clock (nil: time.Now).
func NewService(db *gorm.DB, commissions Commissions, webhooks *Webhooks, now func() time.Time) *Service {
	return &Service{db: db, now: utcClock(now), commissions: commissions, webhooks: webhooks}
}

// utcClock returns now in UTC, time.Now when now is nil.
func utcClock(now func() time.Time) func() time.Time {
	if now == nil {
		now = time.Now
	}
	return func() time.Time { return now().UTC() }
}

func ptr[T any](v T) *T { return &v }
