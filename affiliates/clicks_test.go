package affiliates

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/warna/warna/catalog"
	"github.com/warna/warna/fault"
)

const browserUA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36"

func TestFollowOnlyToSitePaths(t *testing.T) {
	f := newFixture(t)
	product := f.link(LinkInput{Kind: TargetProduct, ProductID: f.products[0].ID, Campaign: "summer-26"})
	store := f.link(LinkInput{Kind: TargetStorefront})
	disabled := f.link(LinkInput{Kind: TargetStorefront})
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
	other := f.link(LinkInput{Kind: TargetStorefront})
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

// failSwitch makes every gorm create, query and raw statement fail while
// on, like a database that has gone away.
func failSwitch(t *testing.T, db *gorm.DB) *atomic.Bool {
	t.Helper()
	var down atomic.Bool
	fail := func(tx *gorm.DB) {
		if down.Load() {
			_ = tx.AddError(errors.New("connection refused (simulated outage)"))
		}
	}
	if err := db.Callback().Create().Before("gorm:create").Register("test:outage_create", fail); err != nil {
		t.Fatal(err)
	}
	if err := db.Callback().Query().Before("gorm:query").Register("test:outage_query", fail); err != nil {
		t.Fatal(err)
	}
	if err := db.Callback().Raw().Before("gorm:raw").Register("test:outage_raw", fail); err != nil {
		t.Fatal(err)
	}
	return &down
}

func TestClickDurabilityThroughOutage(t *testing.T) {
	f := newFixture(t)
	_ = f.svc.Close() // replace the fixture's recorder with a small-buffer one
	down := failSwitch(t, f.db)
	dir := t.TempDir()
	rec, err := NewRecorder(f.db, dir, RecorderOptions{FlushEvery: 5 * time.Millisecond, BatchSize: 50, Buffer: 64, MaxBackoff: 40 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := rec.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	const producers, perProducer = 4, 600
	var wg sync.WaitGroup
	var sent atomic.Int64
	for p := range producers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perProducer {
				rec.Record(Click{ID: fmt.Sprintf("p%d-%04d", p, i), LinkID: 1, InfluencerID: influencerID,
					Visitor: fmt.Sprintf("v%d-%d", p, i), At: f.clock.Now(), UserAgent: browserUA})
				sent.Add(1)
				if i%50 == 0 {
					time.Sleep(2 * time.Millisecond)
				}
			}
		}()
	}
	time.Sleep(10 * time.Millisecond)
	down.Store(true) // the database goes away mid-load
	time.Sleep(150 * time.Millisecond)
	down.Store(false)
	wg.Wait()
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	st := rec.Stats()
	if st.Failures == 0 || st.Spilled == 0 {
		t.Errorf("stats %+v: the test did not exercise failures and spilling", st)
	}
	var rows, distinct int64
	f.db.Model(&Click{}).Count(&rows)
	f.db.Model(&Click{}).Distinct("id").Count(&distinct)
	if rows != sent.Load() || distinct != sent.Load() {
		t.Fatalf("stored %d rows (%d distinct) of %d sent", rows, distinct, sent.Load())
	}
}

func TestClicksSpilledAtShutdownReplayOnStart(t *testing.T) {
	f := newFixture(t)
	_ = f.svc.Close()
	down := failSwitch(t, f.db)
	dir := t.TempDir()
	opts := RecorderOptions{FlushEvery: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond}
	rec, _ := NewRecorder(f.db, dir, opts)
	if err := rec.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	down.Store(true)
	for i := range 300 {
		rec.Record(Click{ID: fmt.Sprintf("s%03d", i), LinkID: 1, InfluencerID: influencerID, Visitor: "v", At: f.clock.Now(), UserAgent: browserUA})
	}
	time.Sleep(50 * time.Millisecond)
	if err := rec.Close(); err != nil { // the database is still down: everything goes to the spill file
		t.Fatal(err)
	}
	var n int64
	down.Store(false)
	f.db.Model(&Click{}).Count(&n)
	if n != 0 {
		t.Fatalf("%d clicks stored during the outage", n)
	}
	rec2, _ := NewRecorder(f.db, dir, opts)
	if err := rec2.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := rec2.Close(); err != nil {
		t.Fatal(err)
	}
	f.db.Model(&Click{}).Count(&n)
	if n != 300 {
		t.Fatalf("after replay %d clicks stored, want 300", n)
	}
	valid := 0
	for _, c := range storedClicks(t, f.db) {
		if c.Valid {
			valid++
		}
	}
	if valid != 1 {
		t.Errorf("%d valid clicks, want 1 (the rest repeat the same visitor and link)", valid)
	}
}
