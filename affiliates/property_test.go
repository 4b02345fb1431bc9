package affiliates

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/warna/warna/fault"
	"github.com/warna/warna/orders"
)

// modelLine is the test's own account of one order line's commission.
type modelLine struct {
	id, orderID       int64
	amount, unit      int64
	qty, refundedQty  int
	refunded          int64
	accrued, reversed int64
	approved          bool
	placed            time.Time
	accruedKnown      bool // the line earned commission (an attributed sale)
}

// model recomputes balances from the operations alone, without reading the
// ledger.
type model struct {
	lines          []*modelLine
	approvedUnpaid int64 // approve + clawback amounts not yet in a payout
	paid           int64
}

func roundHalfUp(a, b, c int64) int64 { return (2*a*b + c) / (2 * c) }

func (m *model) buckets() (pending, approved, paid int64) {
	for _, l := range m.lines {
		if !l.approved {
			pending += l.accrued - l.reversed
		}
	}
	return pending, m.approvedUnpaid, m.paid
}

func (m *model) approve(l *modelLine) {
	if l.approved || !l.accruedKnown {
		return
	}
	l.approved = true
	m.approvedUnpaid += l.accrued - l.reversed
}

func TestLedgerProperty(t *testing.T) {
	for seed := uint64(1); seed <= 4; seed++ {
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) { runLedgerProperty(t, seed, 70) })
	}
}

func runLedgerProperty(t *testing.T, seed uint64, steps int) {
	f := newFixture(t)
	rng := rand.New(rand.NewPCG(seed, seed*7919))
	link := f.link(LinkInput{Kind: TargetStorefront})
	m := &model{}
	clicks := 0
	for step := range steps {
		switch op := rng.IntN(10); {
		case op < 4: // a sale, attributed or not
			clicks++
			id := fmt.Sprintf("s%d-%d", seed, clicks)
			attributed := rng.IntN(4) != 0
			f.click(link, f.clock.Now(), attributed, id)
			var items []orders.CartItem
			for _, pi := range rng.Perm(len(f.products))[:1+rng.IntN(len(f.products))] {
				items = append(items, orders.CartItem{ProductID: f.products[pi].ID, Quantity: 1 + rng.IntN(3)})
			}
			o := f.checkout(f.ref(id), "buyer@example.com", items...)
			for _, l := range o.Lines {
				ml := &modelLine{id: l.ID, orderID: o.ID, amount: l.AmountMinor, unit: l.UnitMinor, qty: l.Quantity, placed: o.PlacedAt}
				if attributed {
					ml.accruedKnown = true
					ml.accrued = roundHalfUp(l.AmountMinor, 1000, 10000)
				}
				m.lines = append(m.lines, ml)
			}
		case op < 7 && len(m.lines) > 0: // a partial refund by amount or by quantity
			l := m.lines[rng.IntN(len(m.lines))]
			left := l.amount - l.refunded
			if left == 0 {
				continue
			}
			in := orders.RefundInput{LineID: l.id}
			if rng.IntN(2) == 0 && l.qty > l.refundedQty {
				in.Quantity = 1
				in.AmountMinor = min(l.unit, left)
			} else {
				in.AmountMinor = 1 + rng.Int64N(left)
			}
			if _, err := f.orders.Refund(f.ctx, merchantID, l.orderID, in); err != nil {
				t.Fatalf("step %d refund %+v: %v", step, in, err)
			}
			l.refunded += in.AmountMinor
			l.refundedQty += in.Quantity
			if l.accruedKnown {
				target := l.accrued
				if l.refunded < l.amount {
					target = roundHalfUp(l.accrued, l.refunded, l.amount)
				}
				if d := target - l.reversed; d > 0 {
					l.reversed += d
					if l.approved {
						m.approvedUnpaid -= d
					}
				}
			}
		case op < 8: // time passes and the approval job runs
			f.clock.Advance(time.Duration(1+rng.IntN(6)) * 24 * time.Hour)
			if _, err := f.ledger.ApproveDue(f.ctx); err != nil {
				t.Fatal(err)
			}
			cutoff := f.clock.Now().Add(-14 * 24 * time.Hour)
			for _, l := range m.lines {
				if l.accruedKnown && !l.approved && !l.placed.After(cutoff) {
					m.approve(l)
				}
			}
		case op < 9 && len(m.lines) > 0: // the merchant approves one order early
			l := m.lines[rng.IntN(len(m.lines))]
			if err := f.ledger.ApproveOrder(f.ctx, merchantID, l.orderID); err != nil {
				t.Fatal(err)
			}
			for _, o := range m.lines {
				if o.orderID == l.orderID && o.accruedKnown {
					m.approve(o)
				}
			}
		default: // a payout
			p, err := f.ledger.CreatePayout(f.ctx, merchantID, influencerID)
			if m.approvedUnpaid > 0 {
				if err != nil || p.AmountMinor != m.approvedUnpaid {
					t.Fatalf("step %d payout = %d, %v; model says %d", step, p.AmountMinor, err, m.approvedUnpaid)
				}
				m.paid += m.approvedUnpaid
				m.approvedUnpaid = 0
			} else if !fault.Is(err, fault.Conflict) {
				t.Fatalf("step %d payout with model balance %d: err = %v, want conflict", step, m.approvedUnpaid, err)
			}
		}
		pending, approved, paid := m.buckets()
		got := f.balance(0)
		if got.Pending != pending || got.Approved != approved || got.Paid != paid {
			t.Fatalf("step %d: ledger pending/approved/paid = %d/%d/%d, model %d/%d/%d",
				step, got.Pending, got.Approved, got.Paid, pending, approved, paid)
		}
		for _, l := range m.lines {
			if l.reversed > l.accrued {
				t.Fatalf("line %d reversed %d > accrued %d", l.id, l.reversed, l.accrued)
			}
		}
	}
}
