package app

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/warna/warna/affiliates"
	"github.com/warna/warna/affiliates/clicklog"
	"github.com/warna/warna/catalog"
	"github.com/warna/warna/fault"
	"github.com/warna/warna/orders"
)

// demoHistoryDays is how far back the demo's activity goes: long enough for
// every range of the dashboards, and for payouts and refunds to have
// happened, the first time anyone opens them.
const demoHistoryDays = 90

// demoLink is one demo influencer's link and the products a click on it
// can end in an order of.
type demoLink struct {
	link     affiliates.Link
	products []catalog.Product
}

// demoEvent is something that happened on the demo's past timeline; the
// events run in time order, each with the services' clocks set to it.
type demoEvent struct {
	at  time.Time
	run func(ctx context.Context, now time.Time) error
}

// seedDemoHistory gives the demo links 90 days of past activity through
// the domain services, with their clocks set to each moment: clicks (a
// slow rise, busier weekends, one in ten a repeat or a bot), orders from
// about one valid click in thirty (reported through the conversion API,
// so delivered when placed), one order in twelve refunded two days later,
// commissions approved when each shop's return window has passed, and
// payouts at the start of each month. The dashboards then show trends the
// first time they are opened. It is deterministic (a fixed seed).
func (a *App) seedDemoHistory(ctx context.Context, links []demoLink) (orderCount int, err error) {
	if len(links) == 0 {
		return 0, nil
	}
	rng := rand.New(rand.NewPCG(2026, 12))
	today := a.now().UTC().Truncate(24 * time.Hour)
	start := today.AddDate(0, 0, -demoHistoryDays)
	var clicks []clicklog.Click
	var events []demoEvent
	owners := map[int64]int64{} // shop → merchant
	for _, l := range links {
		for _, p := range l.products {
			if _, ok := owners[p.ShopID]; !ok {
				shop, err := catalog.ShopTx(ctx, a.db, p.ShopID)
				if err != nil {
					return 0, err
				}
				owners[p.ShopID] = shop.OwnerID
			}
		}
	}
	for day := range demoHistoryDays {
		date := start.AddDate(0, 0, day)
		for li, l := range links {
			mean := 4 + 10*float64(day)/demoHistoryDays // a slow rise
			if wd := date.Weekday(); wd == time.Saturday || wd == time.Sunday {
				mean *= 1.5
			}
			n := int(math.Round(mean * (0.6 + 0.8*rng.Float64())))
			for range n {
				at := date.Add(time.Duration(rng.IntN(16*3600)) * time.Second) // 07:00–23:00 in Jakarta
				c := clicklog.Click{ID: clicklog.NewIDAt(at), LinkID: l.link.ID, InfluencerID: l.link.InfluencerID,
					Visitor: fmt.Sprintf("%032x", rng.Uint64()), At: at, Valid: true}
				switch r := rng.IntN(10); {
				case r == 0:
					c.Valid, c.Reason = false, "repeat"
				case r == 1 && rng.IntN(2) == 0:
					c.Valid, c.Reason = false, "bot"
				}
				clicks = append(clicks, c)
				if !c.Valid || rng.IntN(30) != 0 {
					continue
				}
				p := l.products[rng.IntN(len(l.products))]
				placed := at.Add(time.Duration(5+rng.IntN(120)) * time.Minute)
				if !placed.Before(today) {
					continue
				}
				merchant, click := owners[p.ShopID], c.ID
				qty := 1 + rng.IntN(3)/2
				refund := rng.IntN(12) == 0
				orderID := fmt.Sprintf("H-%d-%d-%d", day, li, len(clicks))
				email := fmt.Sprintf("pembeli%d@example.com", rng.IntN(400))
				events = append(events, demoEvent{at: placed, run: func(ctx context.Context, now time.Time) error {
					svc := a.demoOrders(now)
					order, _, err := svc.RecordConversion(ctx, merchant, orders.ConversionInput{OrderID: orderID, Email: email,
						ClickID: click, PlacedAt: &placed, Lines: []orders.ConversionLine{{ProductID: p.ID, UnitPriceMinor: p.PriceMinor, Quantity: qty}}})
					if err != nil {
						return err
					}
					orderCount++
					if !refund {
						return nil
					}
					back := placed.Add(48 * time.Hour)
					if !back.Before(today) {
						return nil
					}
					events = append(events, demoEvent{at: back, run: func(ctx context.Context, now time.Time) error {
						_, err := a.demoOrders(now).RefundOrder(ctx, merchant, order.ID)
						return err
					}})
					return nil
				}})
			}
		}
		// At the end of each day the approval job runs; on the first of a
		// month every shop pays what it owes.
		end := date.Add(24*time.Hour - time.Minute)
		events = append(events, demoEvent{at: end, run: func(ctx context.Context, now time.Time) error {
			_, err := affiliates.NewLedger(a.db, a.webhooks, func() time.Time { return now }, a.logger).ApproveDue(ctx)
			return err
		}})
		if date.Day() == 1 {
			events = append(events, demoEvent{at: date.Add(10 * time.Hour), run: func(ctx context.Context, now time.Time) error {
				return a.demoPayouts(ctx, now, links, owners)
			}})
		}
	}
	if _, err := clicklog.Import(ctx, a.db, clicks); err != nil {
		return 0, err
	}
	// Refunds are added while events run: keep taking the earliest.
	for len(events) > 0 {
		i := 0
		for j := range events {
			if events[j].at.Before(events[i].at) {
				i = j
			}
		}
		e := events[i]
		events = slices.Delete(events, i, i+1)
		if err := e.run(ctx, e.at); err != nil {
			return orderCount, fmt.Errorf("demo history at %s: %w", e.at.Format(time.DateTime), err)
		}
	}
	if _, err := a.stats.Rebuild(ctx, nil); err != nil {
		return orderCount, err
	}
	return orderCount, nil
}

// demoOrders is the orders service with its clock (and attribution's) at now.
func (a *App) demoOrders(now time.Time) *orders.Service {
	clock := func() time.Time { return now }
	return orders.NewService(a.db, affiliates.NewAttribution(a.affiliates, clock), a.webhooks, clock)
}

// demoPayouts pays each demo influencer what each shop owes them at now.
func (a *App) demoPayouts(ctx context.Context, now time.Time, links []demoLink, owners map[int64]int64) error {
	ledger := affiliates.NewLedger(a.db, a.webhooks, func() time.Time { return now }, a.logger)
	paid := map[[2]int64]bool{}
	for _, l := range links {
		for shop, merchant := range owners {
			key := [2]int64{shop, l.link.InfluencerID}
			if paid[key] {
				continue
			}
			paid[key] = true
			if _, err := ledger.CreatePayout(ctx, merchant, l.link.InfluencerID); err != nil && !fault.Is(err, fault.Conflict) {
				return err
			}
		}
	}
	return nil
}
