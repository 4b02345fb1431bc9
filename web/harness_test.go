package web

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"github.com/warna/warna/affiliates"
	"github.com/warna/warna/affiliates/clicklog"
	"github.com/warna/warna/catalog"
	"github.com/warna/warna/database"
	"github.com/warna/warna/database/dbtest"
	"github.com/warna/warna/idempotency"
	"github.com/warna/warna/media"
	"github.com/warna/warna/orders"
	"github.com/warna/warna/stats"
	"github.com/warna/warna/web/api/apitest"
	"github.com/warna/warna/web/auth"
	"github.com/warna/warna/web/locale"
)

// testSite is a real Warna web server over a real database, reached over
// real HTTP. Tests that need more services add them to deps before start.
type testSite struct {
	t      *testing.T
	srv    *httptest.Server
	auth   *auth.Service
	server *Server
}

func newTestSite(t *testing.T, cfg Config, deps Deps) *testSite {
	t.Helper()
	if cfg.Language == "" { // tests read the English texts unless they ask for another
		cfg.Language = locale.English
	}
	if deps.Auth == nil {
		db := dbtest.Open(t, auth.Migrations()...)
		deps.Auth = auth.NewService(db, nil)
	}
	s, err := New(cfg, deps)
	if err != nil {
		t.Fatalf("build server: %v", err)
	}
	// Every /api/v1 call of every test is checked against the API description.
	srv := httptest.NewServer(apitest.Handler(t, s.Handler()))
	t.Cleanup(srv.Close)
	return &testSite{t: t, srv: srv, auth: deps.Auth, server: s}
}

// browser is an HTTP client with its own cookie jar that does not follow
// redirects, so tests can assert on them.
type browser struct {
	t    *testing.T
	site *testSite
	c    *http.Client
}

func (s *testSite) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: s.t, site: s, c: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

type response struct {
	Status   int
	Body     string
	Header   http.Header
	Location string
}

func (b *browser) do(req *http.Request) response {
	b.t.Helper()
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return response{Status: res.StatusCode, Body: string(body), Header: res.Header, Location: res.Header.Get("Location")}
}

func (b *browser) get(path string) response {
	b.t.Helper()
	req := newRequest(b.t, http.MethodGet, b.site.srv.URL+path, nil)
	return b.do(req)
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// csrf loads a page and returns the CSRF token in its forms.
func (b *browser) csrf(path string) string {
	b.t.Helper()
	page := b.get(path)
	m := csrfField.FindStringSubmatch(page.Body)
	if m == nil {
		b.t.Fatalf("GET %s: no CSRF token in the page (status %d)", path, page.Status)
	}
	return m[1]
}

// submit posts a form the way a browser does after loading formPath.
func (b *browser) submit(formPath, action string, fields url.Values) response {
	b.t.Helper()
	if fields.Get("_csrf") == "" {
		fields.Set("_csrf", b.csrf(formPath))
	}
	return b.post(action, fields)
}

// post sends a form as is (with or without a CSRF token).
func (b *browser) post(action string, fields url.Values) response {
	b.t.Helper()
	req := newRequest(b.t, http.MethodPost, b.site.srv.URL+action, strings.NewReader(fields.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// signUp creates an account through the form and logs the browser in with
// it, as a new user does after signing up.
func (b *browser) signUp(role auth.Role, email string) {
	b.t.Helper()
	res := b.submit("/signup", "/signup", url.Values{
		"role": {string(role)}, "name": {"Test " + string(role)}, "email": {email}, "password": {"correct horse battery"},
	})
	if res.Status != http.StatusSeeOther || res.Location != "/login" {
		b.t.Fatalf("sign up %s: status %d to %q, want 303 to /login; body: %.300s", email, res.Status, res.Location, res.Body)
	}
	b.logIn(email, "correct horse battery")
}

// sales are the link, profile, ledger, cart, order and webhook services over
// one database, wired as app wires them.
type sales struct {
	aff         *affiliates.Service
	influencers *affiliates.Influencers
	ledger      *affiliates.Ledger
	carts       *orders.Carts
	orders      *orders.Service
	webhooks    *orders.Webhooks
	queue       *jobQueue
}

const testSecret = "web-test-secret-0123456789abcdef"

// salesMigrations are the schema steps of accounts, the catalogue, orders,
// affiliates and the dashboards, in app's order.
func salesMigrations() []database.Migration {
	var all []database.Migration
	for _, m := range [][]database.Migration{auth.Migrations(), catalog.Migrations(), orders.Migrations(),
		affiliates.Migrations(), stats.Migrations(), idempotency.Migrations()} {
		all = append(all, m...)
	}
	return all
}

// newSales builds the services; the click recorder runs until the test ends.
// Webhooks must be on public addresses (exampleResolver's names).
func newSales(t *testing.T, db *gorm.DB, clicks clicklog.Options, store media.Store) *sales {
	t.Helper()
	return newSalesHooks(t, db, clicks, store, orders.WebhookOptions{Resolver: exampleResolver{}})
}

// newSalesHooks is newSales with the webhooks' options, for tests whose
// receiver is an httptest server on loopback.
func newSalesHooks(t *testing.T, db *gorm.DB, clicks clicklog.Options, store media.Store, hooks orders.WebhookOptions) *sales {
	t.Helper()
	aff, err := affiliates.NewService(db, affiliates.Options{Secret: testSecret, DataDir: t.TempDir(), Clicks: clicks})
	if err != nil {
		t.Fatal(err)
	}
	if err := aff.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := aff.Close(); err != nil {
			t.Error(err)
		}
	})
	s := &sales{aff: aff, queue: &jobQueue{}}
	s.influencers = affiliates.NewInfluencers(db, aff, store, nil, nil)
	s.carts = orders.NewCarts(db, testSecret)
	s.webhooks = orders.NewWebhooks(db, s.queue, hooks)
	s.ledger = affiliates.NewLedger(db, s.webhooks, nil, nil)
	s.orders = orders.NewService(db, affiliates.NewAttribution(aff, nil), s.webhooks, nil)
	return s
}

// deps adds the services to d.
func (s *sales) deps(d Deps) Deps {
	d.Affiliates, d.Influencers, d.Ledger, d.Carts, d.Orders, d.Webhooks = s.aff, s.influencers, s.ledger, s.carts, s.orders, s.webhooks
	return d
}

// jobQueue records the jobs enqueued, as the real queue would inside the
// transaction; the tests deliver nothing.
type jobQueue struct {
	mu   sync.Mutex
	jobs []river.JobArgs
}

func (q *jobQueue) EnqueueTx(_ context.Context, tx *gorm.DB, args river.JobArgs, _ *river.InsertOpts) error {
	if tx == nil {
		return errors.New("enqueued outside a transaction")
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	q.jobs = append(q.jobs, args)
	return nil
}

// newRequest builds a client request; a malformed one fails the test.
func newRequest(t testing.TB, method, url string, body io.Reader) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// logIn logs the browser in through the form.
func (b *browser) logIn(email, password string) {
	b.t.Helper()
	res := b.submit("/login", "/login", url.Values{"email": {email}, "password": {password}})
	if res.Status != http.StatusSeeOther {
		b.t.Fatalf("log in %s: status %d, want 303; body: %.300s", email, res.Status, res.Body)
	}
}

// exampleResolver stands in for DNS (which tests must not need): names under
// .example and example.com are at a public address, names under .internal
// at a private one, and nothing else exists.
type exampleResolver struct{}

func (exampleResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	switch {
	case strings.HasSuffix(host, ".example") || strings.HasSuffix(host, "example.com"):
		return []netip.Addr{netip.MustParseAddr("93.184.215.14")}, nil
	case strings.HasSuffix(host, ".internal"):
		return []netip.Addr{netip.MustParseAddr("10.20.30.40")}, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}
