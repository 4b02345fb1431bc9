package affiliates

import (
	"context"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/warna/warna/fault"
	"github.com/warna/warna/orders"
)

// recordedEvents is an eventPublisher that keeps what it was given.
type recordedEvents struct {
	mu     sync.Mutex
	events []recordedEvent
}

type recordedEvent struct {
	shopID    int64
	eventType string
	data      any
}

var _ eventPublisher = (*recordedEvents)(nil)

func (r *recordedEvents) PublishTx(_ context.Context, tx *gorm.DB, shopID int64, eventType string, data any) error {
	if tx == nil {
		panic("published outside a transaction")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, recordedEvent{shopID, eventType, data})
	return nil
}

func TestApprovalsAndPayoutsArePublished(t *testing.T) {
	f := newFixture(t)
	events := &recordedEvents{}
	f.ledger = NewLedger(f.db, events, f.clock.Now, nil)
	link := f.link(LinkInput{Kind: TargetProduct, ProductID: f.products[0].ID})
	f.click(link, f.clock.Now(), true, "e1")
	o := f.checkout(f.ref("e1"), "b@example.com", orders.CartItem{ProductID: f.products[0].ID, Quantity: 2})
	if err := f.ledger.ApproveOrder(f.ctx, merchantID, o.ID); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(30 * 24 * time.Hour)
	if n, err := f.ledger.ApproveDue(f.ctx); err != nil || n != 0 {
		t.Fatalf("ApproveDue after the merchant approved: %d, %v; want 0", n, err)
	}
	p, err := f.ledger.CreatePayout(f.ctx, merchantID, influencerID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.ledger.CreatePayout(f.ctx, merchantID, influencerID); !fault.Is(err, fault.Conflict) {
		t.Fatalf("second payout: %v, want conflict", err)
	}
	if len(events.events) != 2 {
		t.Fatalf("events = %+v, want one approval and one payout (nothing for what was refused or done before)", events.events)
	}
	approved, ok := events.events[0].data.(CommissionApprovedEvent)
	if events.events[0].eventType != EventCommissionApproved || !ok || approved.Commission.OrderID != o.ID ||
		approved.Commission.AmountMinor != 2000 || approved.Commission.InfluencerID != influencerID || approved.Commission.Reason != "approved by merchant" {
		t.Errorf("approval event = %+v", events.events[0])
	}
	paid, ok := events.events[1].data.(PayoutPaidEvent)
	if events.events[1].eventType != EventPayoutPaid || !ok || paid.Payout.ID != p.ID || paid.Payout.AmountMinor != 2000 ||
		events.events[1].shopID != f.shop.ID || paid.Payout.PaidAt == "" {
		t.Errorf("payout event = %+v", events.events[1])
	}
}
