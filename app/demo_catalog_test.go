package app

import (
	"bytes"
	"context"
	"image"
	_ "image/jpeg"
	_ "image/png"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/warna/warna/catalog"
	"github.com/warna/warna/database/dbtest"
	"github.com/warna/warna/jobs/jobstest"
	"github.com/warna/warna/web/auth"
)

func TestDemoCatalogueCoversEveryFamily(t *testing.T) {
	families := map[string]int{}
	busy := 0
	for _, items := range demoProducts {
		for _, it := range items {
			families[it.colour.family]++
			if it.bg.busy() {
				busy++
			}
		}
	}
	if len(families) != 13 {
		t.Errorf("demo colours cover %d families (%v), want all 13", len(families), families)
	}
	if busy < 8 {
		t.Errorf("%d demo photos on busy backgrounds, want at least 8", busy)
	}
}

func TestDemoPhotoIsTheDeclaredColour(t *testing.T) {
	data, err := drawDemoPhoto(shapeShirt, "#C62828", bgWhite, 1)
	if err != nil {
		t.Fatal(err)
	}
	img, format, err := image.Decode(bytes.NewReader(data))
	if err != nil || format != "png" || img.Bounds().Dx() != demoPhotoSize {
		t.Fatalf("decode: %v %s %v", err, format, img.Bounds())
	}
	r, g, b, _ := img.At(demoPhotoSize/2, demoPhotoSize/2).RGBA()
	if r>>8 != 0xC6 || g>>8 != 0x28 || b>>8 != 0x28 {
		t.Errorf("centre pixel = %02x%02x%02x, want c62828", r>>8, g>>8, b>>8)
	}
	if r, g, b, _ := img.At(5, 5).RGBA(); r>>8 != 255 || g>>8 != 255 || b>>8 != 255 {
		t.Errorf("corner pixel is not the white backdrop")
	}
	busy, err := drawDemoPhoto(shapeMug, "#00838F", bgConfetti, 3)
	if err != nil {
		t.Fatal(err)
	}
	if _, format, err := image.Decode(bytes.NewReader(busy)); err != nil || format != "jpeg" {
		t.Errorf("busy photo: %v %s, want a JPEG", err, format)
	}
}

// TestSeedDemoFillsTheCatalogueOnce seeds as `warna serve --demo` does
// (before serving), twice, then lets the running workers process the photos.
func TestSeedDemoFillsTheCatalogueOnce(t *testing.T) {
	cfg, err := LoadConfig(newFlagSet(), []string{"-data-dir", t.TempDir(), "-database-url", dbtest.URL(t)}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	a, err := New(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := a.SeedDemo(ctx, io.Discard); err != nil {
			t.Fatalf("seed demo: %v", err)
		}
	}
	var unconfirmed, shoppers int64
	if err := a.db.Model(&auth.User{}).Where("email_verified_at IS NULL").Count(&unconfirmed).Error; err != nil {
		t.Fatal(err)
	}
	if err := a.db.Model(&auth.User{}).Where("role = ?", auth.RoleShopper).Count(&shoppers).Error; err != nil {
		t.Fatal(err)
	}
	if unconfirmed != 0 || shoppers != 1 {
		t.Errorf("demo accounts: %d unconfirmed, %d shoppers; want none unconfirmed (.test addresses get no mail) and one shopper", unconfirmed, shoppers)
	}
	var products, images int64
	if err := a.db.Model(&catalog.Product{}).Where("status = ?", catalog.StatusActive).Count(&products).Error; err != nil {
		t.Fatal(err)
	}
	if err := a.db.Model(&catalog.Image{}).Count(&images).Error; err != nil {
		t.Fatal(err)
	}
	if products != 40 || images != 40 {
		t.Fatalf("after seeding twice: %d products, %d images; want 40 and 40", products, images)
	}
	// The history behind the dashboards: months of clicks and orders, some
	// refunded, commissions paid out, made once.
	var history struct {
		Clicks, Orders, Refunds, Payouts int64
		FirstOrder                       string
	}
	err = a.db.Raw(`SELECT (SELECT COUNT(*) FROM clicks) AS clicks, (SELECT COUNT(*) FROM orders) AS orders,
		(SELECT COUNT(*) FROM refunds) AS refunds, (SELECT COUNT(*) FROM payouts) AS payouts,
		(SELECT MIN(placed_at) FROM orders) AS first_order`).Scan(&history).Error
	if err != nil {
		t.Fatal(err)
	}
	first, err := time.Parse("2006-01-02T15:04:05", strings.Replace(history.FirstOrder[:min(19, len(history.FirstOrder))], " ", "T", 1))
	if err != nil {
		t.Fatalf("first order placed at %q: %v", history.FirstOrder, err)
	}
	if history.Clicks < 2000 || history.Orders < 100 || history.Refunds == 0 || history.Payouts < 4 || time.Since(first) < 80*24*time.Hour {
		t.Errorf("demo history: %+v; want thousands of clicks, over 100 orders from about 90 days ago, refunds and monthly payouts", history)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + l.Addr().String()
	events, stop := a.queue.Finished()
	defer stop()
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, l) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		if err := a.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	// The running workers process the photos. Under the race detector, with
	// other packages' tests sharing two cores, 40 photos take a while: the
	// test fails when the queue stops making progress, not at a fixed time.
	jobstest.Completed(t, events, catalog.ProcessImageArgs{}.Kind(), int(images), 60*time.Second)
	var pending int64
	if err := a.db.Model(&catalog.Image{}).Where("status <> ?", catalog.ImageReady).Count(&pending).Error; err != nil {
		t.Fatal(err)
	}
	if pending > 0 {
		t.Fatalf("%d demo photos not ready after their processing jobs completed", pending)
	}
	res, err := http.Get(base + "/catalogue")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK || strings.Count(string(body), "srcset=") < 20 {
		t.Errorf("catalogue: %d with %d srcset images, want a page of processed photos", res.StatusCode, strings.Count(string(body), "srcset="))
	}
}
