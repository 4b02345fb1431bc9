// Package scaleout runs two `warna serve` processes on one PostgreSQL
// database and one S3 server (SeaweedFS), as a load balancer would, and
// checks what must hold across instances: a photo uploaded on one is
// processed once and searchable on the other; a shopper who follows a link
// on one and buys on the other is credited, once; a link switched off on
// one stops redirecting on the other within 2 s; the clicks of both are
// stored exactly once; and the photo job of a killed instance is finished
// by the other.
//
// It needs TEST_DATABASE_URL (it is skipped without) and the SeaweedFS
// binary in WARNA_WEED (.ci/seaweedfs builds it and prints its path; .ci/run
// sets it). Without the binary the test is skipped, except under CI=true,
// where it fails.
package scaleout

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"gorm.io/gorm"

	"github.com/warna/warna/affiliates"
	"github.com/warna/warna/app"
	"github.com/warna/warna/catalog"
	"github.com/warna/warna/database"
	"github.com/warna/warna/database/dbtest"
	"github.com/warna/warna/fault"
	"github.com/warna/warna/media"
	"github.com/warna/warna/orders"
	"github.com/warna/warna/web/auth"
)

const (
	secretKey = "scaleout-test-secret-key-0123456789abcdef"
	// rescueAfter is JOB_RESCUE_AFTER for both instances: small, so the
	// killed instance's job is taken over quickly.
	rescueAfter = 5 * time.Second
)

// world is the shared state the instances run on, and the seeded accounts.
type world struct {
	db          *gorm.DB
	a, b        *instance
	apiKey      string // the merchant's
	product     catalog.Product
	link        affiliates.Link
	influencer  int64
	infSession  string // the influencer's session token
	clicksLink  affiliates.Link
	s3          *s3Server
	bin, weed   string
	instanceEnv []string
	// uploadTargets are the products the load uploads photos to.
	uploadTargets []int64
	uploads       atomic.Int64
}

func TestTwoInstances(t *testing.T) {
	w := setUp(t)
	t.Run("photo on A is processed once and searchable on B", w.photoOnASearchableOnB)
	t.Run("link on B, purchase on A", w.followOnBBuyOnA)
	t.Run("link switched off on A stops on B", w.disableOnAStopsOnB)
	t.Run("clicks on both stored exactly once", w.clicksStoredOnce)
	t.Run("job of a killed instance finished by the other", w.killAWhileProcessing)
}

// setUp starts SeaweedFS and two instances on a scratch database, or skips
// the test (see the package comment).
func setUp(t *testing.T) *world {
	t.Helper()
	w := setUpS3(t)
	dbURL := dbtest.URL(t)
	w.seed(t, dbURL)
	w.instanceEnv = append(cleanEnv(), "DATABASE_URL="+dbURL, "SECRET_KEY="+secretKey, "TRUSTED_PROXIES=127.0.0.1",
		"MEDIA_URL=s3://"+s3Bucket+"?endpoint="+w.s3.endpoint+"&region=us-east-1&secure=false",
		"AWS_ACCESS_KEY_ID="+s3AccessKey, "AWS_SECRET_ACCESS_KEY="+s3SecretKey,
		"JOB_RESCUE_AFTER="+rescueAfter.String(), "LOG_LEVEL=info")
	w.a = startInstance(t, w.bin, "inst-a", w.instanceEnv)
	w.b = startInstance(t, w.bin, "inst-b", w.instanceEnv)
	return w
}

// setUpS3 starts SeaweedFS and builds the binary, or skips the test: the
// package runs in .ci/run's PostgreSQL pass, which builds SeaweedFS.
func setUpS3(t *testing.T) *world {
	t.Helper()
	if !dbtest.Postgres() {
		t.Skip("TEST_DATABASE_URL is not set: the instances share a PostgreSQL database")
	}
	weed := os.Getenv("WARNA_WEED")
	if weed == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("WARNA_WEED is not set: .ci/run builds SeaweedFS with .ci/seaweedfs and sets it")
		}
		t.Skip("WARNA_WEED is not set (run .ci/seaweedfs and set WARNA_WEED to the path it prints)")
	}
	if _, err := os.Stat(weed); err != nil {
		t.Fatalf("WARNA_WEED: %v", err)
	}
	w := &world{weed: weed}
	w.s3 = startSeaweedFS(t, weed)
	w.bin = buildWarna(t)
	return w
}

// seed makes the schema, a merchant with a shop, a product and an API key,
// and an influencer with two links.
func (w *world) seed(t *testing.T, dbURL string) {
	t.Helper()
	ctx := context.Background()
	db, err := app.OpenDatabase(ctx, app.Config{DataDir: t.TempDir(), DatabaseURL: dbURL})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = database.Close(db) })
	w.db = db
	accounts := auth.NewService(db, nil)
	merchant, err := accounts.SignUp(ctx, auth.SignUpInput{Email: "merchant@example.com", Name: "Toko Merah", Password: "a long enough password 1", Role: auth.RoleMerchant})
	if err != nil {
		t.Fatal(err)
	}
	if w.apiKey, _, err = accounts.CreateAPIKey(ctx, merchant, "scaleout"); err != nil {
		t.Fatal(err)
	}
	shop := catalog.Shop{OwnerID: merchant.ID, Slug: "toko-merah", Name: "Toko Merah", Currency: "USD", TimeZone: "UTC",
		DefaultCommissionBps: 1000, ReturnWindowDays: 14, AttributionWindowDays: 30}
	if err := db.Create(&shop).Error; err != nil {
		t.Fatal(err)
	}
	w.product = catalog.Product{ShopID: shop.ID, SKU: "SC-1", Title: "Scaleout linen shirt", Category: "tops", PriceMinor: 2500,
		Currency: "USD", Stock: 1_000_000, Status: catalog.StatusActive}
	if err := db.Create(&w.product).Error; err != nil {
		t.Fatal(err)
	}
	inf, err := accounts.SignUp(ctx, auth.SignUpInput{Email: "rina@example.com", Name: "Rina Styles", Password: "a long enough password 2", Role: auth.RoleInfluencer})
	if err != nil {
		t.Fatal(err)
	}
	w.influencer = inf.ID
	if w.infSession, err = accounts.OpenSession(ctx, inf.ID); err != nil {
		t.Fatal(err)
	}
	aff, err := affiliates.NewService(db, affiliates.Options{Secret: secretKey, DataDir: t.TempDir(), InstanceID: "seed"})
	if err != nil {
		t.Fatal(err)
	}
	defer aff.Close()
	if _, err := affiliates.NewInfluencers(db, aff, nil, nil, nil).EnsureInfluencer(ctx, affiliates.Account{ID: inf.ID, Name: inf.Name, Email: inf.Email}); err != nil {
		t.Fatal(err)
	}
	// Two links to the product under different campaigns: sharing the same
	// target twice answers with the first link, and the test that switches
	// w.link off must leave the click tests' link working.
	for l, campaign := range map[*affiliates.Link]string{&w.link: "", &w.clicksLink: "load"} {
		if *l, err = aff.CreateLink(ctx, inf.ID, affiliates.LinkInput{Kind: affiliates.TargetProduct, ProductID: w.product.ID, Campaign: campaign}); err != nil {
			t.Fatal(err)
		}
	}
	if w.link.ID == w.clicksLink.ID {
		t.Fatalf("the click tests' link is the shared link %d", w.link.ID)
	}
}

// upload sends a photo of the product to in's API and returns its image id.
func (w *world) upload(t *testing.T, in *instance, jpg []byte) int64 {
	t.Helper()
	id, err := w.tryUpload(in, jpg)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func (w *world) tryUpload(in *instance, jpg []byte) (int64, error) {
	return w.tryUploadTo(in, w.product.ID, jpg)
}

func (w *world) tryUploadTo(in *instance, productID int64, jpg []byte) (int64, error) {
	req, err := http.NewRequest(http.MethodPost, fmt.Sprintf("%s/api/v1/products/%d/images", in.base, productID), bytes.NewReader(jpg))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+w.apiKey)
	req.Header.Set("Content-Type", "image/jpeg")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	var body struct {
		Images []struct {
			ID int64 `json:"id"`
		} `json:"images"`
	}
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil || res.StatusCode != http.StatusCreated || len(body.Images) != 1 {
		return 0, fmt.Errorf("upload to %s: %d, %v, %+v", in.id, res.StatusCode, err, body)
	}
	return body.Images[0].ID, nil
}

// imageJobs returns the states and attempts of an image's processing jobs.
func (w *world) imageJobs(t *testing.T, imageID int64) (states []string, attempts []int) {
	t.Helper()
	rows, err := w.db.Raw("SELECT state, attempt FROM river_job WHERE kind = 'process_image' AND (args->>'image_id')::bigint = ?", imageID).Rows()
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		var a int
		if err := rows.Scan(&s, &a); err != nil {
			t.Fatal(err)
		}
		states, attempts = append(states, s), append(attempts, a)
	}
	return states, attempts
}

func (w *world) imageStatus(t *testing.T, imageID int64) string {
	t.Helper()
	var status string
	if err := w.db.Raw("SELECT status FROM images WHERE id = ?", imageID).Scan(&status).Error; err != nil {
		t.Fatal(err)
	}
	return status
}

func (w *world) photoOnASearchableOnB(t *testing.T) {
	start := time.Now()
	id := w.upload(t, w.a, photo(t, 1200, 900, 1))
	processed := waitFor(t, "photo processed", 60*time.Second, 50*time.Millisecond, func() (bool, error) {
		return w.imageStatus(t, id) == "ready", nil
	})
	searchURL := w.b.base + "/api/v1/search?q=" + url.QueryEscape("scaleout") + "&colors=red"
	searchable := waitFor(t, "red product found on B", 2*time.Second, 20*time.Millisecond, func() (bool, error) {
		res, err := http.Get(searchURL)
		if err != nil {
			return false, err
		}
		defer res.Body.Close()
		var body struct {
			Total int `json:"total"`
		}
		if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
			return false, err
		}
		return res.StatusCode == http.StatusOK && body.Total == 1, nil
	})
	// The image is ready when the job's transaction commits; River marks
	// the job completed just after.
	var states []string
	var attempts []int
	waitFor(t, "the photo's job marked completed", 10*time.Second, 20*time.Millisecond, func() (bool, error) {
		states, attempts = w.imageJobs(t, id)
		return len(states) != 1 || states[0] != "running", nil
	})
	if len(states) != 1 || states[0] != "completed" || attempts[0] != 1 {
		t.Errorf("the photo's jobs: states %v, attempts %v; want one, completed at its first attempt", states, attempts)
	}
	// The original and its thumbnails are in the bucket, and B serves them.
	var keys []string
	if err := w.db.Raw("SELECT sha256 || '.jpg' FROM images WHERE id = ?", id).Scan(&keys).Error; err != nil || len(keys) != 1 {
		t.Fatalf("image key: %v %v", keys, err)
	}
	res, err := http.Get(w.b.base + "/media/" + keys[0])
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Header.Get("Cache-Control"), "immutable") {
		t.Errorf("GET /media/%s on B: %d, Cache-Control %q; want 200, immutable", keys[0], res.StatusCode, res.Header.Get("Cache-Control"))
	}
	t.Logf("uploaded on A, processed in %v; searchable on B %v later (total %v)",
		processed.Round(time.Millisecond), searchable.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
}

func (w *world) followOnBBuyOnA(t *testing.T) {
	s := newShopper(t, "198.51.100.20")
	status, _, _ := s.do(http.MethodGet, w.b.base+"/r/"+w.link.Code, nil)
	if status != http.StatusFound {
		t.Fatalf("/r on B: %d", status)
	}
	clicked := time.Now()
	// Straight to A: the cart and checkout, within milliseconds of the click.
	token := s.csrf(w.a.base + affiliates.ProductPath(w.product.ID))
	if status, _, _ := s.do(http.MethodPost, w.a.base+"/cart/add", url.Values{"_csrf": {token}, "product_id": {strconv.FormatInt(w.product.ID, 10)}, "quantity": {"1"}}); status != http.StatusSeeOther {
		t.Fatalf("add to cart on A: %d", status)
	}
	token = s.csrf(w.a.base + "/checkout")
	status, body, _ := s.do(http.MethodPost, w.a.base+"/checkout", url.Values{"_csrf": {token}, "email": {"buyer@example.com"},
		"ship_name": {"Ana"}, "ship_address": {"Jl. Merdeka 1, Jakarta"}, "card": {"4242 4242 4242 4242"}})
	bought := time.Since(clicked)
	if status != http.StatusSeeOther { // to the order's page
		t.Fatalf("checkout on A: %d\n%s", status, body)
	}
	var o orders.Order
	if err := w.db.Where("email = ?", "buyer@example.com").Take(&o).Error; err != nil {
		t.Fatal(err)
	}
	if o.AttrOutcome != orders.OutcomeAttributed || o.AttrLinkID == nil || *o.AttrLinkID != w.link.ID {
		t.Fatalf("order %d: %s (%s), link %v; want attributed to link %d", o.ID, o.AttrOutcome, o.AttrReason, o.AttrLinkID, w.link.ID)
	}
	var accruals int64
	if err := w.db.Model(&affiliates.LedgerEntry{}).Where("order_id = ? AND kind = ?", o.ID, affiliates.EntryAccrue).Count(&accruals).Error; err != nil {
		t.Fatal(err)
	}
	if accruals != 1 {
		t.Errorf("commission accruals for the order = %d, want 1", accruals)
	}
	t.Logf("followed on B, bought on A %v after the click (cart, checkout); attributed to click %v, %d accrual",
		bought.Round(time.Millisecond), ptrString(o.AttrClickID), accruals)
}

func ptrString(p *string) string {
	if p == nil {
		return "<nil>"
	}
	return *p
}

func (w *world) disableOnAStopsOnB(t *testing.T) {
	s := newShopper(t, "198.51.100.30")
	if status, _, _ := s.do(http.MethodGet, w.b.base+"/r/"+w.link.Code, nil); status != http.StatusFound {
		t.Fatalf("/r on B before: %d", status) // and now cached on B
	}
	inf := newShopper(t, "198.51.100.31")
	u, err := url.Parse(w.a.base)
	if err != nil {
		t.Fatal(err)
	}
	inf.client.Jar.SetCookies(u, []*http.Cookie{{Name: auth.CookieName, Value: w.infSession, Path: "/"}})
	token := inf.csrf(w.a.base + "/influencer")
	status, body, _ := inf.do(http.MethodPost, fmt.Sprintf("%s/influencer/links/%d/disable", w.a.base, w.link.ID), url.Values{"_csrf": {token}})
	if status != http.StatusSeeOther {
		t.Fatalf("switch the link off on A: %d\n%s", status, body)
	}
	took := waitFor(t, "B answers link not found", 2*time.Second, 10*time.Millisecond, func() (bool, error) {
		status, _, _ := s.do(http.MethodGet, w.b.base+"/r/"+w.link.Code, nil)
		return status == http.StatusNotFound, nil
	})
	t.Logf("switched off on A; B answered 404 %v later", took.Round(time.Millisecond))
}

func (w *world) clicksStoredOnce(t *testing.T) {
	const perInstance = 150
	var (
		mu   sync.Mutex
		ids  = map[string]string{} // click id → instance
		wg   sync.WaitGroup
		errs = make(chan error, 8)
	)
	start := time.Now()
	for n, in := range []*instance{w.a, w.b} {
		for c := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
				for i := range perInstance / 4 {
					req, err := http.NewRequest(http.MethodGet, in.base+"/r/"+w.clicksLink.Code, nil)
					if err != nil {
						errs <- err
						return
					}
					req.Header.Set("User-Agent", browserUA)
					req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.%d.%d.%d", n, c, i))
					res, err := client.Do(req)
					if err != nil {
						errs <- err
						return
					}
					res.Body.Close()
					id := clickIDOf(res)
					if res.StatusCode != http.StatusFound || id == "" {
						errs <- fmt.Errorf("%s: %d, click %q", in.id, res.StatusCode, id)
						return
					}
					mu.Lock()
					ids[id] = in.id
					mu.Unlock()
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	answered := time.Since(start)
	var stored, distinct int64
	took := waitFor(t, "every answered click stored", 60*time.Second, 50*time.Millisecond, func() (bool, error) {
		err := w.db.Model(&affiliates.Click{}).Where("link_id = ?", w.clicksLink.ID).Count(&stored).Error
		return stored >= int64(len(ids)), err
	})
	if err := w.db.Model(&affiliates.Click{}).Where("link_id = ?", w.clicksLink.ID).Distinct("id").Count(&distinct).Error; err != nil {
		t.Fatal(err)
	}
	var missing int
	for id := range ids {
		var n int64
		if err := w.db.Model(&affiliates.Click{}).Where("id = ?", id).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			missing++
		}
	}
	if stored != int64(len(ids)) || distinct != stored || missing != 0 {
		t.Errorf("answered %d clicks; stored %d rows, %d distinct, %d answered ones not stored exactly once", len(ids), stored, distinct, missing)
	}
	for _, in := range []*instance{w.a, w.b} {
		// Each instance's log lives in its own DATA_DIR, named with its id.
		all, err := filepath.Glob(filepath.Join(in.data, "clicklog", "clicks-*.log"))
		if err != nil {
			t.Fatal(err)
		}
		own, err := filepath.Glob(filepath.Join(in.data, "clicklog", "clicks-"+in.id+"-*.log"))
		if err != nil {
			t.Fatal(err)
		}
		if len(own) == 0 || len(own) != len(all) {
			t.Errorf("%s's click log segments %v; want at least one, all named clicks-%s-N.log", in.id, all, in.id)
		}
	}
	t.Logf("%d redirects answered on two instances in %v; all stored exactly once %v later", len(ids), answered.Round(time.Millisecond), took.Round(time.Millisecond))
}

// clickIDOf returns the click id in a redirect's attribution cookie.
func clickIDOf(res *http.Response) string {
	for _, c := range res.Cookies() {
		if c.Name == affiliates.RefCookie {
			msg, _, _ := strings.Cut(c.Value, ".")
			entry, _, _ := strings.Cut(msg, "~")
			id, _, _ := strings.Cut(entry, ":")
			return id
		}
	}
	return ""
}

func (w *world) killAWhileProcessing(t *testing.T) {
	// Photos large enough that processing one takes a moment (some 0.5 s);
	// uploaded on A until one of A's workers is caught within 100 ms of
	// starting one, so that the kill lands while it runs.
	var ids []int64
	var running int64
	caught := false
	products := w.seedProducts(t, 5) // a product takes at most 12 photos
	for round := 0; round < len(products) && !caught; round++ {
		for i := range 4 {
			id, err := w.tryUploadTo(w.a, products[round], photo(t, 2400, 1800, uint64(100+round*10+i)))
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		deadline := time.Now().Add(15 * time.Second)
		for time.Now().Before(deadline) {
			err := w.db.Raw(`SELECT id FROM river_job WHERE kind = 'process_image' AND state = 'running'
AND attempted_by[array_length(attempted_by, 1)] = ? AND attempted_at > now() - interval '100 milliseconds'
ORDER BY id LIMIT 1`, w.a.id).Scan(&running).Error
			if err != nil {
				t.Fatal(err)
			}
			if running != 0 {
				caught = true
				break
			}
			var pending int64
			if err := w.db.Raw("SELECT count(*) FROM river_job WHERE kind = 'process_image' AND state IN ('available', 'running', 'retryable')").Scan(&pending).Error; err != nil {
				t.Fatal(err)
			}
			if pending == 0 {
				break // all done before A was caught at it: upload more
			}
			time.Sleep(5 * time.Millisecond) // polling the job table
		}
	}
	if !caught {
		t.Fatal("no photo job was seen running on A in 5 rounds")
	}
	w.a.kill(t)
	t.Logf("killed A (kill -9) while it ran job %d", running)
	took := waitFor(t, "B finishes the killed instance's job", rescueAfter+75*time.Second, 100*time.Millisecond, func() (bool, error) {
		var state string
		err := w.db.Raw("SELECT state FROM river_job WHERE id = ?", running).Scan(&state).Error
		return state == "completed", err
	})
	var lastBy string
	if err := w.db.Raw("SELECT attempted_by[array_length(attempted_by, 1)] FROM river_job WHERE id = ?", running).Scan(&lastBy).Error; err != nil {
		t.Fatal(err)
	}
	if lastBy != w.b.id {
		t.Errorf("job %d finished by %q, want %q", running, lastBy, w.b.id)
	}
	for _, id := range ids {
		if s := w.imageStatus(t, id); s != "ready" {
			waitFor(t, fmt.Sprintf("photo %d ready", id), 30*time.Second, 100*time.Millisecond, func() (bool, error) {
				return w.imageStatus(t, id) == "ready", nil
			})
		}
	}
	t.Logf("B finished the killed instance's job %v after the kill (JOB_RESCUE_AFTER %v, River's rescuer runs every 30 s)",
		took.Round(time.Millisecond), rescueAfter)
}

// TestMediaMigrate copies a local media folder into the bucket with `warna
// media migrate`, twice: the second run copies nothing. A file whose
// content does not match its name is reported and not copied.
func TestMediaMigrate(t *testing.T) {
	w := setUpS3(t)
	dir := t.TempDir()
	var keys []string
	for i := range 3 {
		data := photo(t, 64, 48, uint64(900+i))
		key := media.Key(data, "jpg")
		keys = append(keys, key)
		path := filepath.Join(dir, key[:2], key[2:4], key)
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o640); err != nil {
			t.Fatal(err)
		}
	}
	env := append(cleanEnv(), "DATA_DIR="+t.TempDir(),
		"MEDIA_URL=s3://"+s3Bucket+"?endpoint="+w.s3.endpoint+"&region=us-east-1&secure=false",
		"AWS_ACCESS_KEY_ID="+s3AccessKey, "AWS_SECRET_ACCESS_KEY="+s3SecretKey)
	run := func() (string, error) {
		cmd := exec.Command(w.bin, "media", "migrate", "--from", dir)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := run()
	if err != nil || !strings.Contains(out, "3 copied") {
		t.Fatalf("first run: %v\n%s", err, out)
	}
	for _, key := range keys {
		if _, err := w.s3.client.StatObject(context.Background(), s3Bucket, key, minio.StatObjectOptions{}); err != nil {
			t.Errorf("%s not in the bucket: %v", key, err)
		}
	}
	out, err = run()
	if err != nil || !strings.Contains(out, "0 copied") || !strings.Contains(out, "3 already there") {
		t.Fatalf("second run: %v\n%s", err, out)
	}
	// A file whose content is not what its name says.
	bad := media.Key([]byte("something else"), "jpg")
	if err := os.WriteFile(filepath.Join(dir, bad), []byte("not that"), 0o640); err != nil {
		t.Fatal(err)
	}
	out, err = run()
	if err == nil || !strings.Contains(out, "1 failed") || !strings.Contains(out, bad) {
		t.Fatalf("run with a corrupt file: %v, want exit 1 naming %s\n%s", err, bad, out)
	}
	if _, err := w.s3.client.StatObject(context.Background(), s3Bucket, bad, minio.StatObjectOptions{}); err == nil {
		t.Errorf("the corrupt file %s was copied", bad)
	}
	t.Logf("migrate output:\n%s", out)
}

// TestS3Store checks media.S3 on the real S3 server: a round trip, a key
// that is not its content's hash refused, a missing key not found.
func TestS3Store(t *testing.T) {
	w := setUpS3(t)
	ctx := context.Background()
	store, err := media.NewS3(ctx, media.S3Config{Bucket: s3Bucket, Endpoint: w.s3.endpoint, Region: "us-east-1",
		AccessKey: s3AccessKey, SecretKey: s3SecretKey})
	if err != nil {
		t.Fatal(err)
	}
	data := photo(t, 32, 24, 77)
	key := media.Key(data, "jpg")
	if ok, err := store.Exists(ctx, key); err != nil || ok {
		t.Fatalf("Exists before Put = %v, %v", ok, err)
	}
	if err := store.Put(ctx, key, bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	// Put is content-addressed: the same key again is a no-op, and a
	// reader that is not seekable is spooled.
	if err := store.Put(ctx, key, strings.NewReader(string(data))); err != nil {
		t.Fatal(err)
	}
	r, err := store.Open(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(r)
	r.Close()
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("Open read %d bytes, %v; want the %d put", len(got), err, len(data))
	}
	info, err := w.s3.client.StatObject(ctx, s3Bucket, key, minio.StatObjectOptions{})
	if err != nil || info.UserMetadata["Sha256"] == "" || info.ContentType != "image/jpeg" {
		t.Errorf("object metadata %v, content type %q, %v; want its SHA-256 and image/jpeg", info.UserMetadata, info.ContentType, err)
	}
	wrong := media.Key([]byte("other"), "jpg")
	if err := store.Put(ctx, wrong, bytes.NewReader(data)); !fault.Is(err, fault.Invalid) {
		t.Errorf("Put under another content's key: %v, want invalid", err)
	}
	if _, err := store.Open(ctx, wrong); !fault.Is(err, fault.NotFound) || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open of a missing key: %v, want not found", err)
	}
	if err := store.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	if ok, err := store.Exists(ctx, key); err != nil || ok {
		t.Errorf("Exists after Delete = %v, %v", ok, err)
	}
	if err := store.Delete(ctx, key); err != nil {
		t.Errorf("Delete of a missing key: %v", err)
	}
}
