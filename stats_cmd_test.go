package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/warna/warna/affiliates"
	"github.com/warna/warna/app"
	"github.com/warna/warna/catalog"
	"github.com/warna/warna/stats"
)

// TestStatsRebuildCommand: `warna stats rebuild` recomputes hours the
// scheduled refresh would not revisit, such as a click stored by hand in an
// hour long rolled up.
func TestStatsRebuildCommand(t *testing.T) {
	ctx := context.Background()
	settings, cfg := commandSettings(t, t.TempDir())
	db, err := app.OpenDatabase(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sqlDB, err := db.DB()
		if err == nil {
			err = sqlDB.Close()
		}
		if err != nil {
			t.Error(err)
		}
	})
	shop := catalog.Shop{OwnerID: 1, Slug: "rebuild", Name: "Rebuild", Currency: "USD", TimeZone: "UTC",
		DefaultCommissionBps: 1000, ReturnWindowDays: 14, AttributionWindowDays: 30}
	if err := db.Create(&shop).Error; err != nil {
		t.Fatal(err)
	}
	p := catalog.Product{ShopID: shop.ID, SKU: "R1", Title: "Tee", Category: "tops", PriceMinor: 1999, Currency: "USD", Stock: 5, Status: catalog.StatusActive}
	if err := db.Create(&p).Error; err != nil {
		t.Fatal(err)
	}
	aff, err := affiliates.NewService(db, affiliates.Options{Secret: "stats-rebuild-test-secret-0123456789", DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer aff.Close()
	if _, err := affiliates.NewInfluencers(db, aff, nil, nil, nil).EnsureInfluencer(ctx, affiliates.Account{ID: 2, Name: "Creator", Email: "c@example.com"}); err != nil {
		t.Fatal(err)
	}
	link, err := aff.CreateLink(ctx, 2, affiliates.LinkInput{Kind: affiliates.TargetProduct, ProductID: p.ID})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Now().UTC().Add(-30 * time.Hour)
	addClick := func(id string, valid bool) {
		t.Helper()
		c := affiliates.Click{ID: id, LinkID: link.ID, InfluencerID: link.InfluencerID, Visitor: id, At: at, Valid: valid}
		if !valid {
			c.Reason = "bot"
		}
		if err := db.Create(&c).Error; err != nil {
			t.Fatal(err)
		}
	}
	clicksOfShop := func() (raw, valid int64) {
		t.Helper()
		var sums struct{ Raw, Valid int64 }
		if err := db.Model(&stats.ShopHour{}).Select("COALESCE(SUM(clicks_raw), 0) AS raw, COALESCE(SUM(clicks_valid), 0) AS valid").
			Where("shop_id = ?", shop.ID).Scan(&sums).Error; err != nil {
			t.Fatal(err)
		}
		return sums.Raw, sums.Valid
	}
	rebuild := func() string {
		t.Helper()
		var stdout, stderr bytes.Buffer
		if err := run(ctx, append([]string{"stats", "rebuild"}, settings...), &stdout, &stderr); err != nil {
			t.Fatalf("stats rebuild: %v\n%s", err, stderr.String())
		}
		return stdout.String()
	}

	addClick("click-a", true)
	addClick("click-b", false)
	out := rebuild()
	if !strings.Contains(out, "dashboard figures rebuilt: ") || strings.Contains(out, "rebuilt: 0 hours") {
		t.Errorf("output %q, want the hours recomputed", out)
	}
	if raw, valid := clicksOfShop(); raw != 2 || valid != 1 {
		t.Errorf("after a rebuild the shop's hours count %d clicks, %d valid; want 2, 1", raw, valid)
	}

	addClick("click-c", true) // 30 hours back: outside the refresh's late-click margin
	if _, err := stats.NewService(db, nil, nil).Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if raw, _ := clicksOfShop(); raw != 2 {
		t.Fatalf("the scheduled refresh already counts the late click (%d clicks): this test shows nothing", raw)
	}
	rebuild()
	if raw, valid := clicksOfShop(); raw != 3 || valid != 2 {
		t.Errorf("after the second rebuild the shop's hours count %d clicks, %d valid; want 3, 2", raw, valid)
	}

	var stdout, stderr bytes.Buffer
	if err := run(ctx, []string{"stats"}, &stdout, &stderr); err != errUsage || !strings.Contains(stderr.String(), "warna stats rebuild") {
		t.Errorf("bare `warna stats`: %v, %q; want the usage", err, stderr.String())
	}
}
