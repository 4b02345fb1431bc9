// Command startupbench measures how long the embedded search index takes to
// build from the database at start, as `warna serve` builds it: a database
// with -n generated products (two photos each on average, with stored
// palettes and thumbnails, as the image job leaves them) is made once and
// kept in -dir, then indexing.Follower's first round loads every product into
// a fresh embedded index. It prints the time, products per second, the Go
// heap the index holds and the load average, and exits non-zero when the
// build takes more than -budget per 100,000 products.
//
// -database-url points it at PostgreSQL instead (the products are made
// there once; drop the database to start again).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/warna/warna/search/indexing"

	"gorm.io/gorm"

	"github.com/warna/warna/catalog"
	"github.com/warna/warna/database"
	"github.com/warna/warna/imaging/colour"
	"github.com/warna/warna/imaging/palette"
	"github.com/warna/warna/jobs"
	"github.com/warna/warna/search/embedded"
)

func main() {
	n := flag.Int("n", 100_000, "products")
	dir := flag.String("dir", filepath.Join(os.TempDir(), "warna-startupbench"), "where the SQLite database is made and kept (one per -n)")
	url := flag.String("database-url", "", "a postgres:// database to use instead of SQLite")
	budget := flag.Duration("budget", 5*time.Second, "allowed build time per 100,000 products")
	runs := flag.Int("runs", 1, "builds to time (the best is compared with the budget)")
	profile := flag.String("cpuprofile", "", "write a CPU profile of the builds to this file")
	flag.Parse()
	if err := withProfile(*profile, func() error { return run(*n, *dir, *url, *budget, *runs) }); err != nil {
		fmt.Fprintln(os.Stderr, "startupbench:", err)
		os.Exit(1)
	}
}

func withProfile(path string, fn func() error) error {
	if path == "" {
		return fn()
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := pprof.StartCPUProfile(f); err != nil {
		return err
	}
	defer pprof.StopCPUProfile()
	return fn()
}

func run(n int, dir, url string, budget time.Duration, runs int) error {
	ctx := context.Background()
	opts := database.Options{URL: url, DataDir: filepath.Join(dir, strconv.Itoa(n))}
	db, err := database.Open(ctx, opts)
	if err != nil {
		return err
	}
	defer database.Close(db)
	migrations := append(append(jobs.Migrations(), catalog.Migrations()...), indexing.Migrations()...)
	if err := database.Migrate(ctx, db, migrations); err != nil {
		return err
	}
	if err := fill(ctx, db, n); err != nil {
		return err
	}
	fmt.Printf("load average before: %s (%d cores, GOMAXPROCS %d)\n", loadAverage(), runtime.NumCPU(), runtime.GOMAXPROCS(0))
	best := time.Duration(0)
	for i := range runs {
		idx := embedded.New()
		follower := indexing.NewFollower(db, idx, indexing.FollowerOptions{})
		runtime.GC()
		cpu0 := processCPU()
		start := time.Now()
		if _, err := follower.Step(ctx); err != nil {
			return err
		}
		took := time.Since(start)
		cpu := processCPU() - cpu0
		runtime.GC()
		var mem runtime.MemStats
		runtime.ReadMemStats(&mem)
		fmt.Printf("build %d: %d products in %s (%.0f products/s, %.1f s CPU), heap %d MB, load average after: %s\n",
			i+1, idx.Len(), took.Round(time.Millisecond), float64(idx.Len())/took.Seconds(), cpu.Seconds(), mem.HeapAlloc>>20, loadAverage())
		if best == 0 || took < best {
			best = took
		}
		if err := idx.Close(); err != nil {
			return err
		}
	}
	allowed := time.Duration(float64(budget) * float64(n) / 100_000)
	fmt.Printf("best %s; budget %s (%s per 100,000 products)\n", best.Round(time.Millisecond), allowed, budget)
	if best > allowed {
		return fmt.Errorf("start-up took %s, over the budget of %s", best.Round(time.Millisecond), allowed)
	}
	return nil
}

// fill adds products until the database has n, in batches of a few
// thousand per transaction.
func fill(ctx context.Context, db *gorm.DB, n int) error {
	var have int64
	if err := db.Model(&catalog.Product{}).Count(&have).Error; err != nil {
		return err
	}
	if int(have) >= n {
		fmt.Printf("using the %d products already in the database\n", have)
		return nil
	}
	shops, err := ensureShops(db)
	if err != nil {
		return err
	}
	fmt.Printf("making %d products (once) …\n", n-int(have))
	start := time.Now()
	rng := rand.New(rand.NewPCG(7, uint64(have)))
	palettes, err := palettePool(rand.New(rand.NewPCG(3, 5)), 4096)
	if err != nil {
		return err
	}
	const batch = 2000
	for done := int(have); done < n; done += batch {
		k := min(batch, n-done)
		products := make([]catalog.Product, k)
		for i := range products {
			products[i] = product(rng, shops[rng.IntN(len(shops))], done+i)
		}
		err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			if err := tx.CreateInBatches(products, 500).Error; err != nil {
				return err
			}
			var images []catalog.Image
			for _, p := range products {
				for pos := range 1 + rng.IntN(3) {
					images = append(images, image(p.ID, pos, palettes[rng.IntN(len(palettes))]))
				}
			}
			return tx.CreateInBatches(images, 500).Error
		})
		if err != nil {
			return err
		}
		if (done/batch)%50 == 0 {
			fmt.Printf("  %d of %d (%s)\n", done+k, n, time.Since(start).Round(time.Second))
		}
	}
	fmt.Printf("made in %s\n", time.Since(start).Round(time.Second))
	return nil
}

func ensureShops(db *gorm.DB) ([]catalog.Shop, error) {
	var shops []catalog.Shop
	if err := db.Find(&shops).Error; err != nil || len(shops) > 0 {
		return shops, err
	}
	for i := range 20 {
		shops = append(shops, catalog.Shop{OwnerID: int64(i + 1), Slug: fmt.Sprintf("shop-%d", i+1), Name: fmt.Sprintf("Shop %d", i+1),
			Currency: "IDR", TimeZone: "Asia/Jakarta", DefaultCommissionBps: 1000, ReturnWindowDays: 7, AttributionWindowDays: 7})
	}
	return shops, db.Create(&shops).Error
}

var (
	nouns      = []string{"dress", "shirt", "blouse", "skirt", "trousers", "jacket", "scarf", "bag", "sneakers", "sandals", "hat", "sweater", "kaftan", "sarong", "tote", "cushion", "vase", "mug"}
	materials  = []string{"linen", "cotton", "silk", "batik", "wool", "denim", "leather", "rattan", "ceramic", "velvet"}
	adjectives = []string{"midi", "maxi", "oversized", "classic", "striped", "floral", "woven", "handmade", "slim", "relaxed"}
	categories = []string{"dress", "top", "bottom", "outerwear", "accessory", "shoes", "home"}
)

func product(rng *rand.Rand, shop catalog.Shop, i int) catalog.Product {
	title := adjectives[rng.IntN(len(adjectives))] + " " + materials[rng.IntN(len(materials))] + " " + nouns[rng.IntN(len(nouns))]
	now := time.Now().UTC()
	return catalog.Product{
		ShopID: shop.ID, SKU: fmt.Sprintf("SKU-%07d", i), Title: strings.ToUpper(title[:1]) + title[1:],
		Description: "A " + title + " made by hand in small batches; washes well and keeps its colour.",
		Category:    categories[rng.IntN(len(categories))], PriceMinor: int64(50_000 + rng.IntN(2_000_000)), Currency: "IDR",
		Stock: rng.IntN(20), Status: catalog.StatusActive, ColorFamilies: "{}", Popularity: int64(rng.IntN(1000)),
		CreatedAt: now, UpdatedAt: now,
	}
}

func image(productID int64, pos int, palette string) catalog.Image {
	now := time.Now().UTC()
	key := fmt.Sprintf("%064x", productID*8+int64(pos))
	thumbs := fmt.Sprintf(`[{"size":160,"width":160,"height":160,"key":"thumbs/%s-160.jpg"},{"size":400,"width":400,"height":400,"key":"thumbs/%s-400.jpg"},{"size":800,"width":800,"height":800,"key":"thumbs/%s-800.jpg"}]`, key, key, key)
	return catalog.Image{ProductID: productID, Position: pos, SHA256: key, Format: "jpeg", Width: 1200, Height: 1200, Bytes: 250_000,
		Status: catalog.ImageReady, Thumbs: thumbs, Palette: palette, PaletteEngine: "warna", PaletteVersion: 3, ProcessedAt: &now, CreatedAt: now, UpdatedAt: now}
}

// palettePool makes palettes as the image job stores them: two to six
// named swatches with their family memberships.
func palettePool(rng *rand.Rand, size int) ([]string, error) {
	out := make([]string, size)
	for i := range out {
		k := 2 + rng.IntN(5)
		p := palette.Palette{Engine: "warna", Version: 3}
		left := 1.0
		for j := range k {
			lab := colour.Lab{L: 10 + rng.Float64()*85, A: rng.Float64()*120 - 60, B: rng.Float64()*120 - 60}
			share := left
			if j < k-1 {
				share = left * (0.3 + rng.Float64()*0.5)
			}
			left -= share
			family, _, name := colour.Name(lab)
			p.Swatches = append(p.Swatches, palette.Swatch{Hex: lab.Hex(), Lab: [3]float64{lab.L, lab.A, lab.B}, Share: share,
				Family: family, FamilyP: colour.FamilyMembership(lab), Name: name})
		}
		b, err := json.Marshal(p)
		if err != nil {
			return nil, err
		}
		out[i] = string(b)
	}
	return out, nil
}

// processCPU is the CPU time the process has used (user + system).
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}
