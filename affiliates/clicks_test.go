package affiliates

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/warna/warna/affiliates/clicklog"
	"github.com/warna/warna/catalog"
	"github.com/warna/warna/fault"
	"github.com/warna/warna/orders"
)

const browserUA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36"

func TestFollowOnlyToSitePaths(t *testing.T) {
	f := newFixture(t)
	product := f.link(LinkInput{Kind: TargetProduct, ProductID: f.products[0].ID, Campaign: "summer-26"})
	store := f.link(LinkInput{Kind: TargetStorefront})
	disabled := f.link(LinkInput{Kind: TargetStorefront, Campaign: "old"})
	if err := f.svc.SetLinkDisabled(f.ctx, influencerID, disabled.ID, true); err != nil {
		t.Fatal(err)
	}
	gone := f.addProduct(f.shop, "GONE", 100, nil)
	goneLink := f.link(LinkInput{Kind: TargetProduct, ProductID: gone.ID})
	if err := f.db.Delete(&catalog.Product{}, gone.ID).Error; err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{"//evil.com", "%2F%2Fevil.com", "\\evil.com", "/\\evil.com", "http://evil.com", "https:evil.com",
		"javascript:alert(1)", "", "abc", "zzzzzzzz", product.Code + "/..", product.Code + "?next=//evil.com", disabled.Code, goneLink.Code,
		strings.Repeat("a", 40), "évil", "\x00"} {
		_, err := f.svc.Follow(f.ctx, FollowInput{Code: code, IP: "10.0.0.1", UserAgent: browserUA})
		if !fault.Is(err, fault.NotFound) {
			t.Errorf("Follow(%q): err = %v, want not found", code, err)
		}
	}
	got, err := f.svc.Follow(f.ctx, FollowInput{Code: product.Code, IP: "10.0.0.1", UserAgent: browserUA})
	if err != nil {
		t.Fatal(err)
	}
	want := ProductPath(f.products[0].ID) + "?utm_campaign=summer-26&utm_medium=influencer&utm_source=warna"
	if got.Location != want || got.MaxAge != 7*24*time.Hour {
		t.Errorf("product link → %q max-age %v, want %q 168h", got.Location, got.MaxAge, want)
	}
	got, err = f.svc.Follow(f.ctx, FollowInput{Code: store.Code, IP: "10.0.0.1", UserAgent: browserUA, PrevRef: got.Ref})
	if err != nil {
		t.Fatal(err)
	}
	if got.Location != "/@"+f.influencer.Handle || got.MaxAge != DefaultAttributionDays*24*time.Hour {
		t.Errorf("storefront link → %q max-age %v", got.Location, got.MaxAge)
	}
	if ids := f.svc.RefClickIDs(got.Ref); len(ids) != 2 || ids[0] != got.ClickID {
		t.Errorf("cookie carries %v, want the new click first and the previous one", ids)
	}
	if ids := f.svc.RefClickIDs(strings.Replace(got.Ref, got.ClickID, strings.Repeat("0", 32), 1)); ids != nil {
		t.Errorf("forged cookie accepted: %v", ids)
	}
}

// FuzzSitePath checks that whatever SitePath accepts stays on the site when a
// browser resolves it against the site's URL.
func FuzzSitePath(f *testing.F) {
	for _, s := range []string{"/products/1", "//evil.com", "/\\evil.com", "/%2F%2Fevil", "/@rina?utm_campaign=x", "http://x", "/\t/evil", "\\\\evil"} {
		f.Add(s)
	}
	base, _ := url.Parse("https://warna.example/r/abc")
	f.Fuzz(func(t *testing.T, p string) {
		if !SitePath(p) {
			return
		}
		u, err := base.Parse(p)
		if err != nil || u.Host != "warna.example" || u.Scheme != "https" {
			t.Fatalf("SitePath(%q) accepted a path that resolves to %v", p, u)
		}
	})
}

func storedClicks(t *testing.T, db *gorm.DB) []Click {
	t.Helper()
	var cs []Click
	if err := db.Order("at, id").Find(&cs).Error; err != nil {
		t.Fatal(err)
	}
	return cs
}

func TestBotAndRepeatClicksInvalid(t *testing.T) {
	f := newFixture(t)
	link := f.link(LinkInput{Kind: TargetStorefront})
	other := f.link(LinkInput{Kind: TargetStorefront, Campaign: "bio"})
	follow := func(l Link, ip, ua string) {
		t.Helper()
		if _, err := f.svc.Follow(f.ctx, FollowInput{Code: l.Code, IP: ip, UserAgent: ua}); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(time.Second) // keeps the stored order obvious
	}
	follow(link, "1.1.1.1", browserUA)       // valid
	follow(link, "1.1.1.1", browserUA)       // repeat
	follow(other, "1.1.1.1", browserUA)      // valid: another link
	follow(link, "2.2.2.2", browserUA)       // valid: another visitor
	follow(link, "3.3.3.3", "Googlebot/2.1") // bot
	follow(link, "3.3.3.4", "")              // bot: no user agent
	f.clock.Advance(59 * time.Minute)
	follow(link, "1.1.1.1", browserUA) // repeat, still within the hour of the valid one
	f.clock.Advance(2 * time.Minute)
	follow(link, "1.1.1.1", browserUA) // valid again: 61 minutes after the last valid click
	if err := f.svc.Close(); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range storedClicks(t, f.db) {
		if c.Valid {
			got = append(got, "valid")
		} else {
			got = append(got, c.Reason)
		}
		if strings.Contains(c.Visitor, "1.1.1.1") || len(c.Visitor) != 32 {
			t.Errorf("visitor %q is not an opaque hash", c.Visitor)
		}
	}
	want := "valid repeat valid valid bot bot repeat valid"
	if strings.Join(got, " ") != want {
		t.Errorf("clicks = %v, want %v", got, want)
	}
	// The visitor id changes with the day.
	day1 := f.svc.Visitor("1.1.1.1", browserUA, f.clock.Now())
	if day2 := f.svc.Visitor("1.1.1.1", browserUA, f.clock.Now().Add(24*time.Hour)); day1 == day2 {
		t.Error("visitor id did not rotate with the day")
	}
}

func TestRepeatDetectedAcrossRestartFromDatabase(t *testing.T) {
	f := newFixture(t)
	link := f.link(LinkInput{Kind: TargetStorefront})
	at := f.clock.Now()
	v := f.svc.Visitor("9.9.9.9", browserUA, at)
	if err := f.db.Create(&Click{ID: "earlier", LinkID: link.ID, InfluencerID: influencerID, Visitor: v, At: at.Add(-10 * time.Minute), Valid: true}).Error; err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Follow(f.ctx, FollowInput{Code: link.Code, IP: "9.9.9.9", UserAgent: browserUA}); err != nil {
		t.Fatal(err)
	}
	_ = f.svc.Close()
	cs := storedClicks(t, f.db)
	if len(cs) != 2 || cs[1].Valid || cs[1].Reason != "repeat" {
		t.Fatalf("clicks = %+v, want the new one marked repeat from the stored click", cs)
	}
	if !cs[1].At.Equal(at) || cs[1].Visitor != v {
		t.Errorf("stored click at %v visitor %q, want %v %q", cs[1].At, cs[1].Visitor, at, v)
	}
}

func TestAttributionWhileClicksWaitInLog(t *testing.T) {
	// FlushEvery of an hour: clicks stay in the log unless an order needs them.
	f := newFixtureWith(t, clicklog.Options{FlushEvery: time.Hour})
	link := f.link(LinkInput{Kind: TargetProduct, ProductID: f.products[0].ID})
	follow, err := f.svc.Follow(f.ctx, FollowInput{Code: link.Code, IP: "5.5.5.5", UserAgent: browserUA})
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(30 * time.Second)
	if lag := f.svc.ClickLag(); lag != 30*time.Second {
		t.Errorf("lag = %v, want 30s (the click waits in the log)", lag)
	}
	if n := f.count(&Click{}); n != 0 {
		t.Fatalf("%d clicks stored, want the click still in the log", n)
	}
	o := f.checkout(follow.Ref, "shopper@example.com", orders.CartItem{ProductID: f.products[0].ID, Quantity: 1})
	if o.AttrOutcome != orders.OutcomeAttributed || o.AttrClickID == nil || *o.AttrClickID != follow.ClickID {
		t.Errorf("checkout: outcome %q click %v, want attributed to %s", o.AttrOutcome, o.AttrClickID, follow.ClickID)
	}
	if lag := f.svc.ClickLag(); lag != 0 {
		t.Errorf("lag after the checkout = %v, want 0", lag)
	}

	// The conversion API with a click id.
	apiFollow, err := f.svc.Follow(f.ctx, FollowInput{Code: link.Code, IP: "6.6.6.6", UserAgent: browserUA})
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Minute)
	o, _, err = f.orders.RecordConversion(f.ctx, merchantID, orders.ConversionInput{OrderID: "EXT-1", ClickID: apiFollow.ClickID,
		Lines: []orders.ConversionLine{{ProductID: f.products[0].ID, UnitPriceMinor: 10_000, Quantity: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	if o.AttrOutcome != orders.OutcomeAttributed || o.AttrClickID == nil || *o.AttrClickID != apiFollow.ClickID {
		t.Errorf("conversion: outcome %q click %v, want attributed to %s", o.AttrOutcome, o.AttrClickID, apiFollow.ClickID)
	}

	// A repeat judged while the click it repeats is still in the log.
	var ref string
	for range 2 {
		got, err := f.svc.Follow(f.ctx, FollowInput{Code: link.Code, IP: "8.8.8.8", UserAgent: browserUA})
		if err != nil {
			t.Fatal(err)
		}
		ref = got.Ref // the cookie of the second click only: it names no valid click
		f.clock.Advance(time.Minute)
	}
	o = f.checkout(ref, "shopper2@example.com", orders.CartItem{ProductID: f.products[0].ID, Quantity: 1})
	if o.AttrOutcome != orders.OutcomeNone {
		t.Errorf("checkout through a repeat click only: outcome %q, want none (a repeat does not count)", o.AttrOutcome)
	}
	var repeats int64
	if err := f.db.Model(&Click{}).Where("reason = ?", "repeat").Count(&repeats).Error; err != nil {
		t.Fatal(err)
	}
	if repeats != 1 {
		t.Errorf("%d repeat clicks stored, want 1", repeats)
	}
}

func TestFollowWithoutLogSetsNoCookie(t *testing.T) {
	f := newFixture(t)
	link := f.link(LinkInput{Kind: TargetStorefront})
	if err := f.svc.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := f.svc.Follow(f.ctx, FollowInput{Code: link.Code, IP: "7.7.7.7", UserAgent: browserUA})
	if err != nil {
		t.Fatal(err)
	}
	if got.Location != "/@"+f.influencer.Handle || got.Ref != "" || got.ClickID != "" {
		t.Errorf("follow with the log closed = %+v, want the storefront without a cookie", got)
	}
	if st := f.svc.Clicks().Stats(); st.AppendFailures != 1 {
		t.Errorf("append failures = %d, want 1", st.AppendFailures)
	}
}
