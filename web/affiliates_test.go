package web

import (
	"context"
	"encoding/json"
	"image/color"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/warna/warna/affiliates/clicklog"
	"github.com/warna/warna/media"

	"gorm.io/gorm"

	"github.com/warna/warna/affiliates"
	"github.com/warna/warna/catalog"
	"github.com/warna/warna/database/dbtest"
	"github.com/warna/warna/idempotency"
	"github.com/warna/warna/orders"
	"github.com/warna/warna/search"
	"github.com/warna/warna/web/auth"
	"github.com/warna/warna/web/locale"
)

const browserUA = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15"

// affSite is a test site with the affiliate service over one database that
// also holds a shop with products and an influencer with links.
type affSite struct {
	*testSite
	db *gorm.DB
	*sales
	merchant auth.User
	shop     catalog.Shop
	products []catalog.Product
	infl     auth.User
}

func newAffSite(t *testing.T) *affSite {
	t.Helper()
	return newAffSiteConfig(t, Config{BaseURL: "http://warna.test"})
}

func newAffSiteConfig(t *testing.T, cfg Config) *affSite {
	t.Helper()
	return newAffSiteHooks(t, cfg, orders.WebhookOptions{Resolver: exampleResolver{}})
}

// newAffSiteHooks is newAffSiteConfig with the webhooks' options.
func newAffSiteHooks(t *testing.T, cfg Config, hooks orders.WebhookOptions) *affSite {
	t.Helper()
	return newAffSiteSearch(t, cfg, hooks, nil)
}

// newAffSiteSearch is newAffSiteHooks with a search service (nil for none).
func newAffSiteSearch(t *testing.T, cfg Config, hooks orders.WebhookOptions, srch *search.Service) *affSite {
	t.Helper()
	db := dbtest.Open(t, salesMigrations()...)
	store, err := media.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	sales := newSalesHooks(t, db, clicklog.Options{FlushEvery: 5 * time.Millisecond}, store, hooks)
	authSvc := auth.NewService(db, nil)
	cat := catalog.New(db, store, nil, catalog.Options{}) // these tests upload no product photos: no queue
	site := &affSite{testSite: newTestSite(t, cfg, sales.deps(Deps{Auth: authSvc, Catalog: cat, Search: srch, Idempotency: idempotency.New(db, idempotency.Options{})})), db: db, sales: sales}
	site.merchant, err = authSvc.SignUp(ctx, auth.SignUpInput{Email: "shop@example.com", Name: "Batik Sari", Password: "correct horse battery", Role: auth.RoleMerchant})
	if err != nil {
		t.Fatal(err)
	}
	site.infl, err = authSvc.SignUp(ctx, auth.SignUpInput{Email: "rina@example.com", Name: "Rina", Password: "correct horse battery", Role: auth.RoleInfluencer})
	if err != nil {
		t.Fatal(err)
	}
	site.shop = catalog.Shop{OwnerID: site.merchant.ID, Slug: "batik", Name: "Batik Sari", Currency: "IDR", TimeZone: "Asia/Jakarta",
		DefaultCommissionBps: 1000, ReturnWindowDays: 14, AttributionWindowDays: 7}
	if err := db.Create(&site.shop).Error; err != nil {
		t.Fatal(err)
	}
	for i, price := range []int64{150_000, 99_000, 45_000} {
		p := catalog.Product{ShopID: site.shop.ID, SKU: "SKU" + strconv.Itoa(i), Title: "Batik " + strconv.Itoa(i), Category: "tops",
			PriceMinor: price, Currency: "IDR", Stock: 5, Status: catalog.StatusActive}
		if err := db.Create(&p).Error; err != nil {
			t.Fatal(err)
		}
		site.products = append(site.products, p)
	}
	if _, err := sales.influencers.EnsureInfluencer(ctx, affiliates.Account{ID: site.infl.ID, Name: site.infl.Name, Email: site.infl.Email}); err != nil {
		t.Fatal(err)
	}
	return site
}

func (s *affSite) link(t *testing.T, in affiliates.LinkInput) affiliates.Link {
	t.Helper()
	l, err := s.aff.CreateLink(context.Background(), s.infl.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func (b *browser) getUA(path string) response {
	b.t.Helper()
	req := newRequest(b.t, http.MethodGet, b.site.srv.URL+path, nil)
	req.Header.Set("User-Agent", browserUA)
	return b.do(req)
}

func TestRedirectNeverLeavesTheSite(t *testing.T) {
	s := newAffSite(t)
	good := s.link(t, affiliates.LinkInput{Kind: affiliates.TargetProduct, ProductID: s.products[0].ID, Campaign: "ig"})
	off := s.link(t, affiliates.LinkInput{Kind: affiliates.TargetStorefront})
	if err := s.aff.SetLinkDisabled(context.Background(), s.infl.ID, off.ID, true); err != nil {
		t.Fatal(err)
	}
	gone := s.link(t, affiliates.LinkInput{Kind: affiliates.TargetProduct, ProductID: s.products[2].ID})
	s.db.Delete(&catalog.Product{}, s.products[2].ID)

	b := s.browser()
	for _, path := range []string{
		"/r//evil.com", "/r/%2F%2Fevil.com", "/r/%5Cevil.com", "/r/%5C%5Cevil.com", "/r/http:%2F%2Fevil.com",
		"/r/https%3A%2F%2Fevil.com", "/r/..%2F..%2Fevil.com", "/r/" + good.Code + "%2F%2Fevil.com",
		"/r/" + good.Code + "/https://evil.com", "/r/%0d%0aLocation:%20https://evil.com", "/r/javascript:alert(1)",
		"/r/" + off.Code, "/r/" + gone.Code, "/r/nosuchcode", "/r/" + good.Code + "?url=https://evil.com&next=//evil.com",
		"/r/%2F%2Fevil.com/", "/r//evil.com/", "//evil.com/", "/r/" + good.Code + "/", "/r/%09/evil.com",
	} {
		res := b.getUA(path)
		loc := res.Location
		if res.Status >= 300 && res.Status < 400 {
			// Wherever a browser would go next must be this site; a tracked
			// redirect (302) must go to a page a link can name.
			base, err := url.Parse(s.srv.URL + "/r/x")
			if err != nil {
				t.Fatal(err)
			}
			next, err := base.Parse(loc)
			if err != nil || next.Host != base.Host || next.Scheme != base.Scheme {
				t.Errorf("GET %s → %d Location %q: leaves the site", path, res.Status, loc)
			}
			if res.Status == http.StatusFound && (!affiliates.SitePath(loc) || !(strings.HasPrefix(loc, "/products/") || strings.HasPrefix(loc, "/@"))) {
				t.Errorf("GET %s → 302 Location %q: not a link target", path, loc)
			}
			continue
		}
		if res.Status != http.StatusNotFound {
			t.Errorf("GET %s → %d, want 404 or an on-site redirect", path, res.Status)
		}
		if res.Status == http.StatusNotFound && !strings.Contains(res.Body, "lead anywhere") && strings.HasPrefix(path, "/r/") && !strings.Contains(path, "//") {
			t.Errorf("GET %s: 404 page is not the friendly link page", path)
		}
		// The redirect skips the page security headers; its 404 page must not.
		if csp := res.Header.Get("Content-Security-Policy"); res.Status == http.StatusNotFound && (csp == "" || res.Header.Get("X-Frame-Options") != "DENY") {
			t.Errorf("GET %s: 404 page without security headers (CSP %q)", path, csp)
		}
	}
	res := s.browser().getUA("/r/" + good.Code)
	want := "/products/" + strconv.FormatInt(s.products[0].ID, 10) + "?utm_campaign=ig&utm_medium=influencer&utm_source=warna"
	if res.Status != http.StatusFound || res.Location != want {
		t.Fatalf("GET /r/%s → %d %q, want 302 %q", good.Code, res.Status, res.Location, want)
	}
	if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", cc)
	}
	var ref *http.Cookie
	for _, c := range (&http.Response{Header: res.Header}).Cookies() {
		if c.Name == affiliates.RefCookie {
			ref = c
		}
	}
	if ref == nil {
		t.Fatal("no attribution cookie")
	}
	if !ref.HttpOnly || ref.SameSite != http.SameSiteLaxMode || ref.Path != "/" || ref.MaxAge != 7*24*3600 || ref.Secure {
		t.Errorf("cookie = HttpOnly %v SameSite %v Path %q MaxAge %d Secure %v; want true Lax / 604800 false (http site)",
			ref.HttpOnly, ref.SameSite, ref.Path, ref.MaxAge, ref.Secure)
	}
	if ids := s.aff.RefClickIDs(ref.Value); len(ids) != 1 {
		t.Errorf("cookie value %q does not verify to one click id", ref.Value)
	}
}

func TestClicksOverTheRateLimitStillRedirect(t *testing.T) {
	s := newAffSiteConfig(t, Config{BaseURL: "http://warna.test", ClickRate: 0.001, ClickBurst: 3})
	link := s.link(t, affiliates.LinkInput{Kind: affiliates.TargetProduct, ProductID: s.products[0].ID})
	want := "/products/" + strconv.FormatInt(s.products[0].ID, 10)
	b := s.browser()
	for i := range 5 {
		res := b.getUA("/r/" + link.Code)
		if res.Status != http.StatusFound || !strings.HasPrefix(res.Location, want) {
			t.Fatalf("click %d: %d %q, want a 302 to %s", i+1, res.Status, res.Location, want)
		}
		if cookie := strings.Contains(res.Header.Get("Set-Cookie"), affiliates.RefCookie); cookie != (i < 3) {
			t.Errorf("click %d: attribution cookie set %v, want %v (burst 3)", i+1, cookie, i < 3)
		}
	}
	if got := b.getUA("/r/nosuchcode"); got.Status != http.StatusNotFound {
		t.Errorf("unknown code over the limit: %d, want 404", got.Status)
	}
	if err := s.aff.Clicks().Close(); err != nil { // flushes
		t.Fatal(err)
	}
	var stored int64
	if err := s.db.Model(&affiliates.Click{}).Where("link_id = ?", link.ID).Count(&stored).Error; err != nil {
		t.Fatal(err)
	}
	if stored != 3 {
		t.Errorf("%d clicks stored, want the 3 within the limit", stored)
	}
	m := b.get("/metrics")
	if !strings.Contains(m.Body, "warna_clicks_rate_limited_total 2") {
		t.Errorf("metrics do not count the 2 unrecorded redirects")
	}
	// The redirect is answered before the HTTP metrics' middleware; it
	// times itself: the 5 redirects and the unknown code.
	if !strings.Contains(m.Body, "warna_redirect_duration_seconds_count 6") {
		t.Errorf("metrics do not time the 6 redirects:\n%s", m.Body)
	}
}

func TestCheckoutThroughTrackedLink(t *testing.T) {
	s := newAffSite(t)
	link := s.link(t, affiliates.LinkInput{Kind: affiliates.TargetProduct, ProductID: s.products[0].ID})
	b := s.browser()
	b.english() // the messages checked are the English ones
	if res := b.getUA("/r/" + link.Code); res.Status != http.StatusFound {
		t.Fatalf("follow: %d", res.Status)
	}
	s.waitClicks(t, link.ID, 1)
	for _, p := range s.products[:2] {
		res := b.submit("/login", "/cart/add", url.Values{"product_id": {strconv.FormatInt(p.ID, 10)}, "quantity": {"2"}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("add to cart: %d", res.Status)
		}
	}
	if cart := b.get("/cart"); !strings.Contains(cart.Body, "Batik 0") || !strings.Contains(cart.Body, "Batik 1") {
		t.Fatalf("cart page misses products: %.500s", cart.Body)
	}
	form := url.Values{"email": {"buyer@example.com"}, "ship_name": {"Ana"}, "ship_address": {"Jl. Merdeka 1"}, "card": {"4000 0000 0000 0002"}}
	if res := b.submit("/checkout", "/checkout", form); res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "declined") {
		t.Fatalf("declined card: %d %.300s", res.Status, res.Body)
	}
	var n int64
	if err := s.db.Model(&orders.Order{}).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("%d orders after a declined payment", n)
	}
	form.Set("card", "4242 4242 4242 4242")
	res := b.submit("/checkout", "/checkout", form)
	if res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Location, "/orders/") {
		t.Fatalf("checkout: %d to %q, want a 303 to the order's page", res.Status, res.Location)
	}
	placed, err := s.orders.OrdersOfShop(context.Background(), s.merchant.ID, 10)
	if err != nil || len(placed) != 1 {
		t.Fatalf("orders = %d, %v", len(placed), err)
	}
	o := placed[0]
	if o.AttrOutcome != orders.OutcomeAttributed || o.AttrLinkID == nil || *o.AttrLinkID != link.ID || o.TotalMinor != 2*150_000+2*99_000 {
		t.Errorf("order = outcome %q link %v total %d", o.AttrOutcome, o.AttrLinkID, o.TotalMinor)
	}
	var stock int
	if err := s.db.Model(&catalog.Product{}).Select("stock").Where("id = ?", s.products[0].ID).Scan(&stock).Error; err != nil {
		t.Fatal(err)
	}
	if stock != 3 {
		t.Errorf("stock = %d, want 3", stock)
	}
}

func TestConversionAPI(t *testing.T) {
	s := newAffSite(t)
	ctx := context.Background()
	key, _, err := s.auth.CreateAPIKey(ctx, s.merchant, "sync")
	if err != nil {
		t.Fatal(err)
	}
	link := s.link(t, affiliates.LinkInput{Kind: affiliates.TargetProduct, ProductID: s.products[1].ID})
	call := func(path, body string) (int, map[string]any) {
		t.Helper()
		req := newRequest(t, http.MethodPost, s.srv.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out map[string]any
		if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
			t.Fatalf("%s: %d with a body that is not JSON: %v", path, res.StatusCode, err)
		}
		return res.StatusCode, out
	}
	body := `{"order_id":"TKP-1001","email":"x@example.com","link_code":"` + link.Code + `","lines":[
		{"sku":"SKU1","unit_price_minor":99000,"quantity":1},{"title":"Ongkir","unit_price_minor":10000,"quantity":1},{"product_id":` +
		strconv.FormatInt(s.products[0].ID, 10) + `,"unit_price_minor":150000,"quantity":1}]}`
	st1, o1 := call("/api/v1/conversions", body)
	st2, o2 := call("/api/v1/conversions", body)
	if st1 != http.StatusCreated || st2 != http.StatusOK || o1["id"] != o2["id"] {
		t.Fatalf("first %d id %v, second %d id %v; want 201 then 200 with the same order", st1, o1["id"], st2, o2["id"])
	}
	var accr int64
	if err := s.db.Model(&affiliates.LedgerEntry{}).Where("kind = ?", affiliates.EntryAccrue).Count(&accr).Error; err != nil {
		t.Fatal(err)
	}
	if accr != 3 {
		t.Errorf("accrue entries = %d, want 3 (one per line, once)", accr)
	}
	if st, bad := call("/api/v1/conversions", `{"order_id":"","lines":[]}`); st != http.StatusBadRequest || bad["error"] == nil {
		t.Errorf("bad input: %d %v", st, bad)
	}
	lines := o1["lines"].([]any)
	lineID := int64(lines[0].(map[string]any)["id"].(float64))
	orderID := strconv.FormatInt(int64(o1["id"].(float64)), 10)
	st, refunded := call("/api/v1/orders/"+orderID+"/refunds", `{"line_id":`+strconv.FormatInt(lineID, 10)+`,"amount_minor":49500}`)
	if st != http.StatusCreated || refunded["lines"].([]any)[0].(map[string]any)["refunded_minor"].(float64) != 49500 {
		t.Fatalf("refund: %d %v", st, refunded)
	}
	bs, err := s.ledger.Balances(ctx, s.infl.ID, 0)
	if err != nil || len(bs) != 1 || bs[0].Pending != 9900+1000+15000-4950 {
		t.Errorf("balances = %+v, %v; want pending %d", bs, err, 9900+1000+15000-4950)
	}
	if st, _ := call("/api/v1/orders/99999/refunds", `{"line_id":1,"quantity":1}`); st != http.StatusNotFound {
		t.Errorf("refund of an unknown order: %d, want 404", st)
	}
	req := newRequest(t, http.MethodPut, s.srv.URL+"/api/v1/webhook", strings.NewReader(`{"url":"https://shop.example/hooks"}`))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var hook map[string]string
	if err := json.NewDecoder(res.Body).Decode(&hook); err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(hook["secret"], "whsec_") {
		t.Errorf("set webhook: %d %v", res.StatusCode, hook)
	}
}

func TestInfluencerPagesAndQR(t *testing.T) {
	s := newAffSite(t)
	b := s.browser()
	res := b.submit("/login", "/login", url.Values{"email": {"rina@example.com"}, "password": {"correct horse battery"}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("login: %d", res.Status)
	}
	res = b.submit("/influencer", "/influencer/links", url.Values{"kind": {"product"}, "product_id": {strconv.FormatInt(s.products[0].ID, 10)}, "campaign": {"tiktok"}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("make link: %d %.200s", res.Status, res.Body)
	}
	res = b.submit("/influencer", "/influencer/collections", url.Values{"title": {"Summer"}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("collection: %d", res.Status)
	}
	page := b.get("/influencer")
	if page.Status != http.StatusOK || !strings.Contains(page.Body, "http://warna.test/r/") || !strings.Contains(page.Body, "10.00%") {
		t.Fatalf("dashboard: %d %.800s", page.Status, page.Body)
	}
	links, err := s.aff.LinksOf(context.Background(), s.infl.ID)
	if err != nil || len(links) != 1 {
		t.Fatalf("links = %v, %v", links, err)
	}
	qr := b.get("/influencer/links/" + strconv.FormatInt(links[0].ID, 10) + "/qr.png")
	if qr.Status != http.StatusOK || qr.Header.Get("Content-Type") != "image/png" || !strings.HasPrefix(qr.Body, "\x89PNG") {
		t.Errorf("QR: %d %s", qr.Status, qr.Header.Get("Content-Type"))
	}
	// Another influencer cannot read this link's QR code.
	other := s.browser()
	other.signUp(auth.RoleInfluencer, "dimas@example.com")
	if res := other.get("/influencer/links/" + strconv.FormatInt(links[0].ID, 10) + "/qr.png"); res.Status != http.StatusNotFound {
		t.Errorf("other influencer QR: %d, want 404", res.Status)
	}
	inf, err := s.influencers.EnsureInfluencer(context.Background(), affiliates.Account{ID: s.infl.ID})
	if err != nil {
		t.Fatal(err)
	}
	if sf := b.get("/@" + inf.Handle); sf.Status != http.StatusOK || !strings.Contains(sf.Body, "Summer") || !strings.Contains(sf.Body, `<div class="avatar" aria-hidden="true">R</div>`) {
		t.Errorf("storefront before a profile photo: %d, want the collection and the initials avatar", sf.Status)
	}

	// A profile photo: a file that is not an image is refused with the
	// reason; a photo replaces the initials on the storefront.
	csrf := b.csrf("/influencer")
	res = b.postMultipart("/influencer/avatar", url.Values{"_csrf": {csrf}}, []upload{{"avatar", "notes.txt", []byte("not a photo at all")}})
	if page := b.get("/influencer"); res.Status != http.StatusSeeOther || !strings.Contains(page.Body, "Not an image: upload a JPEG, PNG, WebP or GIF") {
		t.Errorf("non-image profile photo: %d, and the area does not say why", res.Status)
	}
	res = b.postMultipart("/influencer/avatar", url.Values{"_csrf": {csrf}}, []upload{{"avatar", "me.png", pngPhoto(t, 300, 200, color.RGBA{30, 90, 200, 255})}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("profile photo: %d %.300s", res.Status, res.Body)
	}
	if inf, err = s.influencers.InfluencerByHandle(context.Background(), inf.Handle); err != nil {
		t.Fatal(err)
	}
	if sf := b.get("/@" + inf.Handle); inf.AvatarKey == "" || !strings.Contains(sf.Body, `<img class="avatar" src="/media/`+inf.AvatarKey+`"`) {
		t.Errorf("storefront after the profile photo (key %q) does not show it", inf.AvatarKey)
	}
	if img := b.get(inf.AvatarURL()); img.Status != http.StatusOK || img.Header.Get("Content-Type") != "image/jpeg" {
		t.Errorf("GET %s: %d %q, want the JPEG", inf.AvatarURL(), img.Status, img.Header.Get("Content-Type"))
	}
}

func TestMerchantOrdersRefundApprovePayout(t *testing.T) {
	s := newAffSite(t)
	ctx := context.Background()
	link := s.link(t, affiliates.LinkInput{Kind: affiliates.TargetStorefront})
	shopper := s.browser()
	if res := shopper.getUA("/r/" + link.Code); res.Status != http.StatusFound {
		t.Fatalf("follow: %d", res.Status)
	}
	s.waitClicks(t, link.ID, 1)
	for _, p := range s.products[:2] {
		if res := shopper.submit("/login", "/cart/add", url.Values{"product_id": {strconv.FormatInt(p.ID, 10)}, "quantity": {"1"}}); res.Status != http.StatusSeeOther {
			t.Fatalf("add to cart: %d", res.Status)
		}
	}
	if res := shopper.submit("/checkout", "/checkout", url.Values{"email": {"b@example.com"}, "ship_name": {"B"}, "ship_address": {"Jl. 2"}, "card": {"4242424242424242"}}); res.Status != http.StatusSeeOther {
		t.Fatalf("checkout: %d", res.Status)
	}
	placed, err := s.orders.OrdersOfShop(ctx, s.merchant.ID, 1)
	if err != nil || len(placed) != 1 {
		t.Fatalf("orders of the shop: %d, %v", len(placed), err)
	}
	o := placed[0]
	id := strconv.FormatInt(o.ID, 10)

	m := s.browser()
	m.english() // the messages checked are the English ones
	if res := m.submit("/login", "/login", url.Values{"email": {"shop@example.com"}, "password": {"correct horse battery"}}); res.Status != http.StatusSeeOther {
		t.Fatalf("merchant login: %d", res.Status)
	}
	if page := m.get("/merchant/orders"); page.Status != http.StatusOK || !strings.Contains(page.Body, "attributed") {
		t.Fatalf("orders page: %d %.300s", page.Status, page.Body)
	}
	page := m.get("/merchant/orders/" + id)
	if page.Status != http.StatusOK || !strings.Contains(page.Body, affiliates.RuleVersion) || !strings.Contains(page.Body, "window 7 days") {
		t.Fatalf("order page: %d %.500s", page.Status, page.Body)
	}
	// A refund amount the form cannot read is refused with the reason and
	// changes nothing; one written as the merchant would ("Rp 15.000") lands.
	first := strconv.FormatInt(o.Lines[0].ID, 10)
	m.submit("/merchant/orders/"+id, "/merchant/orders/"+id+"/refund", url.Values{"line_id": {first}, "amount": {"lots"}})
	if page := m.get("/merchant/orders/" + id); !strings.Contains(page.Body, "is not an amount to refund: write it in IDR") {
		t.Errorf("bad refund amount: no reason shown: %.400s", page.Body)
	}
	if got := s.order(t, o.ID); got.Lines[0].RefundedMinor != 0 {
		t.Fatalf("a refused refund changed the line: refunded %d", got.Lines[0].RefundedMinor)
	}
	if res := m.submit("/merchant/orders/"+id, "/merchant/orders/"+id+"/refund", url.Values{"line_id": {first}, "amount": {"Rp 15.000"}}); res.Status != http.StatusSeeOther {
		t.Fatalf("refund by amount: %d", res.Status)
	}
	if got := s.order(t, o.ID); got.Lines[0].RefundedMinor != 15_000 {
		t.Fatalf("refund by amount: line refunded %d, want 15000", got.Lines[0].RefundedMinor)
	}
	res := m.submit("/merchant/orders/"+id, "/merchant/orders/"+id+"/refund", url.Values{"line_id": {strconv.FormatInt(o.Lines[1].ID, 10)}, "quantity": {"1"}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("refund line: %d", res.Status)
	}
	if res := m.submit("/merchant/orders/"+id, "/merchant/orders/"+id+"/approve", url.Values{}); res.Status != http.StatusSeeOther {
		t.Fatalf("approve: %d", res.Status)
	}
	page = m.get("/merchant/commissions")
	if page.Status != http.StatusOK || !strings.Contains(page.Body, "Pay ") {
		t.Fatalf("commissions page: %d %.500s", page.Status, page.Body)
	}
	res = m.submit("/merchant/commissions", "/merchant/payouts", url.Values{"influencer_id": {strconv.FormatInt(s.infl.ID, 10)}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("payout: %d", res.Status)
	}
	bs, err := s.ledger.Balances(ctx, s.infl.ID, s.shop.ID)
	// 150000 × 10% = 15000 earned less 1500 for the 15000 refunded from it;
	// the refunded 99000 line's 9900 was reversed.
	if err != nil || len(bs) != 1 || bs[0].Paid != 13_500 || bs[0].Approved != 0 || bs[0].Pending != 0 || bs[0].Reversed != 11_400 {
		t.Fatalf("balance after payout = %+v, %v", bs, err)
	}
	// A second payout has nothing to pay: the merchant sees why.
	res = m.submit("/merchant/commissions", "/merchant/payouts", url.Values{"influencer_id": {strconv.FormatInt(s.infl.ID, 10)}})
	if res.Status != http.StatusSeeOther || !strings.Contains(m.get("/merchant/commissions").Body, `<div class="alert" role="alert">Nothing to pay`) {
		t.Errorf("second payout: %d", res.Status)
	}
	// The influencer sees the order with its receipt and the paid earnings.
	inf := s.browser()
	inf.submit("/login", "/login", url.Values{"email": {"rina@example.com"}, "password": {"correct horse battery"}})
	dash := inf.get("/influencer")
	if !strings.Contains(dash.Body, "#"+id) || !strings.Contains(dash.Body, affiliates.RuleVersion) {
		t.Errorf("influencer dashboard misses the order receipt: %.300s", dash.Body)
	}
}

func TestConversionAPIRateLimited(t *testing.T) {
	// A small budget that refills slowly, so the limit is reached however
	// slowly the calls go (under -race every call is checked against the API
	// description).
	s := newAffSiteConfig(t, Config{BaseURL: "http://warna.test", OrderRate: 0.5, OrderBurst: 20})
	key, _, err := s.auth.CreateAPIKey(context.Background(), s.merchant, "loop")
	if err != nil {
		t.Fatal(err)
	}
	limited := 0
	for range 30 {
		req := newRequest(t, http.MethodPost, s.srv.URL+"/api/v1/conversions", strings.NewReader(`{}`))
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode == http.StatusTooManyRequests {
			limited++
			if res.Header.Get("Retry-After") == "" {
				t.Error("429 without Retry-After")
			}
		}
	}
	if limited == 0 {
		t.Error("30 rapid calls were never limited by a burst of 20")
	}
}

func TestMerchantManagesTheWebhook(t *testing.T) {
	s := newAffSite(t)
	m := s.browser()
	if res := m.submit("/login", "/login", url.Values{"email": {"shop@example.com"}, "password": {"correct horse battery"}}); res.Status != http.StatusSeeOther {
		t.Fatalf("merchant login: %d", res.Status)
	}
	// A bad address is refused with the reason and stores nothing.
	m.submit("/merchant/api-keys", "/merchant/webhook", url.Values{"url": {"ftp://example.com/hook"}})
	if page := m.get("/merchant/api-keys"); !strings.Contains(page.Body, "Give an http:// or https:// URL") {
		t.Errorf("bad webhook address: the reason is not shown")
	}
	if _, found, err := s.webhooks.WebhookOf(context.Background(), s.merchant.ID); found || err != nil {
		t.Fatalf("a refused address was stored (found %v, %v)", found, err)
	}
	// So is one on a private network, saying why.
	for raw, want := range map[string]string{
		"http://127.0.0.1:9000/hook":    "127.0.0.1 is a loopback address, not a public internet address",
		"https://erp.internal/warna":    "erp.internal is at 10.20.30.40, a private address",
		"http://169.254.169.254/latest": "169.254.169.254 is a link-local address",
	} {
		m.submit("/merchant/api-keys", "/merchant/webhook", url.Values{"url": {raw}})
		if page := m.get("/merchant/api-keys"); !strings.Contains(page.Body, want) {
			t.Errorf("webhook %s: the page does not say %q", raw, want)
		}
	}
	if _, found, _ := s.webhooks.WebhookOf(context.Background(), s.merchant.ID); found {
		t.Fatal("a webhook on a private address was stored")
	}
	// A good one shows its signing secret once.
	res := m.submit("/merchant/api-keys", "/merchant/webhook", url.Values{"url": {"https://shop.example.com/warna"}})
	hook, found, err := s.webhooks.WebhookOf(context.Background(), s.merchant.ID)
	if res.Status != http.StatusOK || !found || err != nil || !strings.Contains(res.Body, hook.Secret) {
		t.Fatalf("set webhook: %d, found %v (%v); the secret is not on the page", res.Status, found, err)
	}
	page := m.get("/merchant/api-keys")
	if strings.Contains(page.Body, hook.Secret) || !strings.Contains(page.Body, "Sending to <code>https://shop.example.com/warna</code>") {
		t.Errorf("the page later shows the secret, or not the address")
	}
	jakarta, err := time.LoadLocation("Asia/Jakarta")
	if err != nil {
		t.Fatal(err)
	}
	if since := locale.DateTimeZone(locale.English, hook.UpdatedAt.In(jakarta)); !strings.Contains(page.Body, "since "+since) {
		t.Errorf("the page does not give the webhook's time in the shop's zone (%s)", since)
	}
	if res := m.submit("/merchant/api-keys", "/merchant/webhook/remove", url.Values{}); res.Status != http.StatusSeeOther {
		t.Fatalf("remove webhook: %d", res.Status)
	}
	if _, found, err := s.webhooks.WebhookOf(context.Background(), s.merchant.ID); err != nil || found {
		t.Error("the webhook is still there after removing it")
	}
	// Influencers cannot reach it.
	inf := s.browser()
	if res := inf.submit("/login", "/login", url.Values{"email": {"rina@example.com"}, "password": {"correct horse battery"}}); res.Status != http.StatusSeeOther {
		t.Fatalf("influencer login: %d", res.Status)
	}
	if res := inf.submit("/influencer", "/merchant/webhook", url.Values{"url": {"https://evil.example.com"}}); res.Status != http.StatusForbidden {
		t.Errorf("influencer setting a webhook: %d, want 403", res.Status)
	}
}

// TestStorefrontColourFilter: a storefront offers its picks' colour families
// as filters, filters by one, says so when none match, and refuses a colour
// that is not a family.
func TestStorefrontColourFilter(t *testing.T) {
	s := newAffSite(t)
	ctx := context.Background()
	families := []struct{ shares, dominant string }{
		{`{"red":0.8,"white":0.2}`, "red"}, {`{"blue":1}`, "blue"}, {`{"red":0.55,"blue":0.45}`, "red"},
	}
	for i, f := range families {
		if err := s.db.Model(&catalog.Product{}).Where("id = ?", s.products[i].ID).
			Updates(map[string]any{"color_families": f.shares, "dominant_family": f.dominant}).Error; err != nil {
			t.Fatal(err)
		}
	}
	summer, err := s.influencers.CreateCollection(ctx, s.infl.ID, "Summer")
	if err != nil {
		t.Fatal(err)
	}
	denim, err := s.influencers.CreateCollection(ctx, s.infl.ID, "Denim")
	if err != nil {
		t.Fatal(err)
	}
	for _, pick := range []struct{ col, product int64 }{{summer.ID, s.products[0].ID}, {summer.ID, s.products[2].ID}, {denim.ID, s.products[1].ID}} {
		if err := s.influencers.AddToCollection(ctx, s.infl.ID, pick.col, pick.product); err != nil {
			t.Fatal(err)
		}
	}
	inf, err := s.influencers.EnsureInfluencer(ctx, affiliates.Account{ID: s.infl.ID})
	if err != nil {
		t.Fatal(err)
	}
	b := s.browser()
	page := "/@" + inf.Handle

	all := b.get(page)
	for _, want := range []string{"Batik 0", "Batik 1", "Batik 2", "All colours", "?family=red", "red <span class=\"muted\">(2)</span>",
		"blue <span class=\"muted\">(2)</span>", "white <span class=\"muted\">(1)</span>"} {
		if all.Status != http.StatusOK || !strings.Contains(all.Body, want) {
			t.Fatalf("storefront: %d, missing %q", all.Status, want)
		}
	}
	red := b.get(page + "?family=red")
	if red.Status != http.StatusOK || !strings.Contains(red.Body, "Batik 0") || !strings.Contains(red.Body, "Batik 2") ||
		strings.Contains(red.Body, "Batik 1") || strings.Contains(red.Body, "Denim") {
		t.Errorf("red picks: %d; want Batik 0 and 2 only, and no empty Denim shelf", red.Status)
	}
	if !strings.Contains(red.Body, `class="chip active" aria-current="true"><span class="swatch sm" style="background:`) {
		t.Error("the red filter is not marked as the current one")
	}
	teal := b.get(page + "?family=teal")
	if teal.Status != http.StatusOK || !strings.Contains(teal.Body, "No teal picks here.") || strings.Contains(teal.Body, "Batik") {
		t.Errorf("teal picks: %d, want the empty state and no cards", teal.Status)
	}
	bad := b.get(page + "?family=burgundy-ish")
	if bad.Status != http.StatusBadRequest && bad.Status != http.StatusUnprocessableEntity || !strings.Contains(bad.Body, "&#34;burgundy-ish&#34; is not a colour family; use one of") {
		t.Errorf("unknown colour: %d, want a 4xx naming the problem:\n%s", bad.Status, bad.Body)
	}
	one := b.get(page + "/c/" + strconv.FormatInt(denim.ID, 10) + "?family=blue")
	if one.Status != http.StatusOK || !strings.Contains(one.Body, "Batik 1") || strings.Contains(one.Body, "Batik 2") {
		t.Errorf("one collection filtered by blue: %d, want only its own blue pick", one.Status)
	}
}

// waitClicks waits until n clicks of the link are stored. The click recorder
// stores them in the background and announces nothing, so the table is
// polled, with a deadline.
func (s *affSite) waitClicks(t *testing.T, linkID int64, n int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var stored int64
		if err := s.db.Model(&affiliates.Click{}).Where("link_id = ?", linkID).Count(&stored).Error; err != nil {
			t.Fatal(err)
		}
		if stored >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d clicks stored after 10 s", stored, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// order loads one of the merchant's orders.
func (s *affSite) order(t *testing.T, id int64) orders.Order {
	t.Helper()
	o, err := s.orders.OrderForMerchant(context.Background(), s.merchant.ID, id)
	if err != nil {
		t.Fatal(err)
	}
	return o
}
