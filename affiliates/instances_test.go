package affiliates

import (
	"testing"
	"time"

	"github.com/warna/warna/fault"
	"github.com/warna/warna/orders"
)

// otherInstance is a second Service on the fixture's database, as another
// `warna serve` behind the same load balancer would be: its own click log,
// the same secret. Its click loader is not started, so its clicks stay in
// its log, as they do for a moment on a real instance.
func (f *fixture) otherInstance() *Service {
	f.t.Helper()
	svc, err := NewService(f.db, Options{Secret: testSecret, DataDir: f.t.TempDir(), InstanceID: "b", Now: f.clock.Now})
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { _ = svc.Close() })
	return svc
}

func TestOrderOnOneInstanceCreditsAClickStillInAnotherInstancesLog(t *testing.T) {
	f := newFixture(t)
	link := f.link(LinkInput{Kind: TargetProduct, ProductID: f.products[0].ID})
	other := f.otherInstance()
	follow, err := other.Follow(f.ctx, FollowInput{Code: link.Code, IP: "203.0.113.9", UserAgent: "Mozilla/5.0 (X11; Linux x86_64)"})
	if err != nil {
		t.Fatal(err)
	}
	if n := f.count(&Click{}); n != 0 {
		t.Fatalf("clicks stored before the order = %d; the test needs the click still in the other log", n)
	}
	f.clock.Advance(100 * time.Millisecond)
	o := f.checkout(follow.Ref, "buyer@example.com", orders.CartItem{ProductID: f.products[0].ID, Quantity: 1})
	if o.AttrOutcome != orders.OutcomeAttributed || o.AttrClickID == nil || *o.AttrClickID != follow.ClickID {
		t.Fatalf("order attribution = %s (%s), click %v; want attributed to %s", o.AttrOutcome, o.AttrReason, o.AttrClickID, follow.ClickID)
	}
	if got := len(f.entries(EntryAccrue)); got != 1 {
		t.Errorf("accrual entries = %d, want 1", got)
	}
}

func TestBotClickInAnotherLogIsNotCredited(t *testing.T) {
	f := newFixture(t)
	link := f.link(LinkInput{Kind: TargetProduct, ProductID: f.products[0].ID})
	follow, err := f.otherInstance().Follow(f.ctx, FollowInput{Code: link.Code, IP: "203.0.113.9", UserAgent: "curl/8.0"})
	if err != nil {
		t.Fatal(err)
	}
	o := f.checkout(follow.Ref, "buyer@example.com", orders.CartItem{ProductID: f.products[0].ID, Quantity: 1})
	if o.AttrOutcome == orders.OutcomeAttributed {
		t.Fatalf("a bot's unstored click was credited: %+v", o.AttrClickID)
	}
}

func TestLinkSwitchedOffOnOneInstanceStopsRedirectingOnAnother(t *testing.T) {
	f := newFixture(t)
	link := f.link(LinkInput{Kind: TargetProduct, ProductID: f.products[0].ID})
	other := f.otherInstance()
	if err := other.Start(f.ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := other.Destination(f.ctx, link.Code); err != nil {
		t.Fatalf("before: %v", err) // now cached on the other instance
	}
	start := time.Now()
	if err := f.svc.SetLinkDisabled(f.ctx, influencerID, link.ID, true); err != nil {
		t.Fatal(err)
	}
	for {
		_, err := other.Destination(f.ctx, link.Code)
		if fault.Is(err, fault.NotFound) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if time.Since(start) > 2*time.Second {
			t.Fatal("the other instance still redirects 2 s after the link was switched off")
		}
		time.Sleep(20 * time.Millisecond) // polling the condition with a deadline
	}
	t.Logf("switched off on the other instance after %v", time.Since(start).Round(time.Millisecond))
	if err := f.svc.SetLinkDisabled(f.ctx, influencerID, link.ID, false); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if _, err := other.Destination(f.ctx, link.Code); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the other instance does not redirect 2 s after the link was switched back on")
		}
	}
}
