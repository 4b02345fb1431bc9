package web

import (
	"bufio"
	"context"
	"image/color"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/warna/warna/affiliates"
	"github.com/warna/warna/affiliates/clicklog"
	"github.com/warna/warna/catalog"
	"github.com/warna/warna/database"
	"github.com/warna/warna/database/dbtest"
	"github.com/warna/warna/idempotency"
	"github.com/warna/warna/jobs"
	"github.com/warna/warna/media"
	"github.com/warna/warna/orders"
	"github.com/warna/warna/web/auth"
)

// TestExampleClient builds examples/client (standard library only) and runs
// it against a test server: it creates a product with a photo, records a
// sale with an Idempotency-Key (and its retry), and verifies the signature
// of the order.created event, which the test delivers as the job queue's
// worker would once the sale is recorded.
func TestExampleClient(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("the go tool is needed to build the example client")
		}
		t.Skip("no go tool to build the example client")
	}
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", "../examples/client").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	if deps := strings.Fields(string(out)); len(deps) != 1 || deps[0] != "github.com/warna/warna/examples/client" {
		t.Errorf("the example client imports more than the standard library: %v", deps)
	}
	bin := filepath.Join(t.TempDir(), "client")
	if out, err := exec.Command("go", "build", "-o", bin, "../examples/client").CombinedOutput(); err != nil {
		t.Fatalf("build the example client: %v\n%s", err, out)
	}

	var all []database.Migration
	for _, m := range [][]database.Migration{auth.Migrations(), jobs.Migrations(), catalog.Migrations(), orders.Migrations(),
		affiliates.Migrations(), idempotency.Migrations()} {
		all = append(all, m...)
	}
	db := dbtest.Open(t, all...)
	workers := jobs.NewWorkers()
	queue, err := jobs.New(db, workers, jobs.Options{}) // not started: the photo stays pending
	if err != nil {
		t.Fatal(err)
	}
	store, err := media.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cat := catalog.New(db, store, queue, catalog.Options{})
	catalog.AddWorkers(workers, cat)
	// The example's webhook receiver runs on loopback.
	sales := newSalesHooks(t, db, clicklog.Options{}, store, orders.WebhookOptions{AllowPrivateURLs: true})
	site := &affSite{testSite: newTestSite(t, Config{}, sales.deps(Deps{Auth: auth.NewService(db, nil), Catalog: cat,
		Idempotency: idempotency.New(db, idempotency.Options{})})), db: db, sales: sales}
	shops := &catalogSite{testSite: site.testSite, db: db, catalog: cat, store: store}
	b := shops.merchant(t, "pos@example.com", "pos-shop")
	key := shops.apiKey(t, b)
	photo := filepath.Join(t.TempDir(), "linen-shirt.png")
	if err := os.WriteFile(photo, pngPhoto(t, 120, 90, color.RGBA{R: 180, G: 40, B: 60, A: 255}), 0o600); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-url", site.srv.URL, "-key", key, "-photo", photo, "-order-id", "POS-1001", "-wait", "20s")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var lines []string
	scanner := bufio.NewScanner(stdout)
	for scanner.Scan() {
		line := scanner.Text()
		lines = append(lines, line)
		if strings.HasPrefix(line, "retry:") {
			// The sale is stored and its event queued: send it.
			site.deliverQueued(t, 0)
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("the example client failed: %v\nstdout:\n%s\nstderr:\n%s", err, strings.Join(lines, "\n"), stderr.String())
	}
	got := strings.Join(lines, "\n")
	for _, want := range []string{"product: ", "photo: ", "(pending)", "sale: POS-1001 recorded as order ", "(201)", "replayed true",
		"webhook: order.created evt_", "signature verified"} {
		if !strings.Contains(got, want) {
			t.Errorf("the client's output lacks %q:\n%s", want, got)
		}
	}
	var products, images, ordersN int64
	for _, c := range []struct {
		model any
		n     *int64
	}{{&catalog.Product{}, &products}, {&catalog.Image{}, &images}, {&orders.Order{}, &ordersN}} {
		if err := db.Model(c.model).Count(c.n).Error; err != nil {
			t.Fatal(err)
		}
	}
	if products != 1 || images != 1 || ordersN != 1 {
		t.Errorf("after the example: %d products, %d photos, %d orders; want one of each", products, images, ordersN)
	}
}
