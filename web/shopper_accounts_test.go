package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/warna/warna/affiliates/clicklog"
	"github.com/warna/warna/catalog"
	"github.com/warna/warna/database/dbtest"
	"github.com/warna/warna/mail"
	"github.com/warna/warna/media"
	"github.com/warna/warna/orders"
	"github.com/warna/warna/web/auth"
	"github.com/warna/warna/web/locale"
	"github.com/warna/warna/web/site"
)

// accountSite is a test site with the mailed links, the shopper's pages and
// a shop of three products over one database. Mail goes to a folder, as it
// does without SMTP_URL; the links' clock is the test's.
type accountSite struct {
	*testSite
	db       *gorm.DB
	mailDir  string
	products []catalog.Product
	shop     catalog.Shop

	mu     sync.Mutex
	offset time.Duration
}

func newAccountSite(t *testing.T, outbox mail.Outbox) *accountSite {
	t.Helper()
	db := dbtest.Open(t, salesMigrations()...)
	store, err := media.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s := &accountSite{db: db, mailDir: filepath.Join(t.TempDir(), "mail")}
	if outbox == nil {
		outbox = &mail.Folder{Dir: s.mailDir}
	}
	clock := func() time.Time {
		s.mu.Lock()
		defer s.mu.Unlock()
		return time.Now().Add(s.offset)
	}
	sales := newSales(t, db, clicklog.Options{FlushEvery: 5 * time.Millisecond}, store)
	deps := sales.deps(Deps{Auth: auth.NewService(db, nil), Catalog: catalog.New(db, store, nil, catalog.Options{}),
		Recovery: auth.NewRecovery(db, clock), Mail: outbox, Wishlists: auth.NewWishlists(db, nil), History: orders.NewHistory(db)})
	s.testSite = newTestSite(t, Config{Language: locale.English}, deps)

	merchant, err := deps.Auth.SignUp(context.Background(), auth.SignUpInput{Email: "shop@example.com", Name: "Batik Sari", Password: "correct horse battery", Role: auth.RoleMerchant})
	if err != nil {
		t.Fatal(err)
	}
	s.shop = catalog.Shop{OwnerID: merchant.ID, Slug: "batik", Name: "Batik Sari", Currency: "IDR", TimeZone: "Asia/Jakarta",
		DefaultCommissionBps: 1000, ReturnWindowDays: 14, AttributionWindowDays: 7}
	if err := db.Create(&s.shop).Error; err != nil {
		t.Fatal(err)
	}
	for i, price := range []int64{150_000, 99_000, 45_000} {
		p := catalog.Product{ShopID: s.shop.ID, SKU: "SKU" + strconv.Itoa(i), Title: "Batik " + strconv.Itoa(i), Category: "tops",
			PriceMinor: price, Currency: "IDR", Stock: 5, Status: catalog.StatusActive}
		if err := db.Create(&p).Error; err != nil {
			t.Fatal(err)
		}
		s.products = append(s.products, p)
	}
	return s
}

// later moves the links' clock on.
func (s *accountSite) later(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.offset += d
}

// mails are the messages written to the folder, oldest first.
func (s *accountSite) mails(t *testing.T) []sentMail {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(s.mailDir, "*.eml"))
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(files)
	out := make([]sentMail, 0, len(files))
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, parseMail(t, string(raw)))
	}
	return out
}

// lastMail is the newest message, which must be to to.
func (s *accountSite) lastMail(t *testing.T, to string) sentMail {
	t.Helper()
	all := s.mails(t)
	if len(all) == 0 {
		t.Fatalf("no mail in %s", s.mailDir)
	}
	m := all[len(all)-1]
	if m.To != to {
		t.Fatalf("the last mail is to %q, want %q", m.To, to)
	}
	return m
}

type sentMail struct {
	To, Subject, Body string
	// Link is the first link of the body, made local to the test server
	// (path and query), as a reader's click would open it.
	Link string
}

var mailLink = regexp.MustCompile(`https?://\S+`)

func parseMail(t *testing.T, raw string) sentMail {
	t.Helper()
	head, body, ok := strings.Cut(raw, "\r\n\r\n")
	if !ok {
		t.Fatalf("a mail without a body: %q", raw)
	}
	m := sentMail{Body: body}
	for _, line := range strings.Split(head, "\r\n") {
		if v, ok := strings.CutPrefix(line, "To: "); ok {
			m.To = v
		}
		if v, ok := strings.CutPrefix(line, "Subject: "); ok {
			m.Subject = v
		}
	}
	if l := mailLink.FindString(body); l != "" {
		u, err := url.Parse(l)
		if err != nil {
			t.Fatalf("link %q: %v", l, err)
		}
		m.Link = u.RequestURI()
	}
	return m
}

// signUpShopper signs a shopper up through the form, returns the
// confirmation link mailed to them, and logs the browser in.
func (s *accountSite) signUpShopper(t *testing.T, b *browser, email string) string {
	t.Helper()
	before := len(s.mails(t))
	b.signUp(auth.RoleShopper, email)
	all := s.mails(t)
	if len(all) != before+1 {
		t.Fatalf("mails after signing up: %d, want %d", len(all), before+1)
	}
	m := all[len(all)-1]
	if m.To != email || !strings.HasPrefix(m.Link, "/verify?token=") {
		t.Fatalf("sign-up mail to %q with link %q, want a /verify link to %s", m.To, m.Link, email)
	}
	return m.Link
}

func (s *accountSite) user(t *testing.T, email string) auth.User {
	t.Helper()
	var u auth.User
	if err := s.db.Where("email = ?", email).Take(&u).Error; err != nil {
		t.Fatal(err)
	}
	return u
}

func TestPasswordResetThroughTheMailFolder(t *testing.T) {
	s := newAccountSite(t, nil)
	b := s.browser()
	s.signUpShopper(t, b, "ana@example.com")
	other := s.browser() // a session elsewhere, which the reset ends
	other.logIn("ana@example.com", "correct horse battery")

	// The same answer for an address with an account and one without;
	// only the first gets mail.
	before := len(s.mails(t))
	known := s.browser().submit("/password/forgot", "/password/forgot", url.Values{"email": {"Ana@Example.com"}})
	unknown := s.browser().submit("/password/forgot", "/password/forgot", url.Values{"email": {"nobody@example.com"}})
	if known.Status != http.StatusSeeOther || known.Status != unknown.Status || known.Location != unknown.Location {
		t.Errorf("forgot: known %d → %q, unknown %d → %q; want the same 303", known.Status, known.Location, unknown.Status, unknown.Location)
	}
	if n := len(s.mails(t)); n != before+1 {
		t.Fatalf("mails after two requests: %d new, want 1 (none for the unknown address)", n-before)
	}
	reset := s.lastMail(t, "ana@example.com")
	if !strings.HasPrefix(reset.Link, "/password/reset?token=") || reset.Subject != "Choose a new Warna password" {
		t.Fatalf("reset mail %q with link %q", reset.Subject, reset.Link)
	}
	form := b.get(reset.Link)
	if form.Status != http.StatusOK || !strings.Contains(form.Body, `name="token"`) || form.Header.Get("Referrer-Policy") != "same-origin" {
		t.Fatalf("the mailed link: %d, Referrer-Policy %q; %.300s", form.Status, form.Header.Get("Referrer-Policy"), form.Body)
	}
	token := strings.TrimPrefix(reset.Link, "/password/reset?token=")
	if res := b.submit(reset.Link, "/password/reset", url.Values{"token": {token}, "password": {"short"}}); res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "at least 10") {
		t.Errorf("a short password: %d, want 422 with sign-up's rule", res.Status)
	}
	res := b.submit(reset.Link, "/password/reset", url.Values{"token": {token}, "password": {"new horse battery"}})
	if res.Status != http.StatusSeeOther || res.Location != "/account" {
		t.Fatalf("reset: %d → %q, want 303 to /account; %.300s", res.Status, res.Location, res.Body)
	}
	if got := b.get("/account"); got.Status != http.StatusOK {
		t.Errorf("after the reset, the browser is not logged in: %d", got.Status)
	}
	if got := other.get("/account"); got.Status != http.StatusSeeOther {
		t.Errorf("the other session after the reset: %d, want ended (a redirect to log in)", got.Status)
	}
	if !s.user(t, "ana@example.com").Verified() {
		t.Error("resetting through the mailed link did not confirm the address")
	}
	s.browser().logIn("ana@example.com", "new horse battery")

	// Single use; wrong tokens; expiry after an hour.
	if again := s.browser().get(reset.Link); again.Status != http.StatusBadRequest || !strings.Contains(again.Body, "does not work any more") {
		t.Errorf("the used link: %d, want 400 saying so", again.Status)
	}
	if again := s.browser().submit("/password/forgot", "/password/reset", url.Values{"token": {token}, "password": {"third horse battery"}}); again.Status != http.StatusBadRequest {
		t.Errorf("posting the used token: %d, want 400", again.Status)
	}
	for _, wrong := range []string{"", "WRONG", token[:len(token)-2]} {
		if res := s.browser().get("/password/reset?token=" + wrong); res.Status != http.StatusBadRequest {
			t.Errorf("token %q: %d, want 400", wrong, res.Status)
		}
	}
	s.browser().submit("/password/forgot", "/password/forgot", url.Values{"email": {"ana@example.com"}})
	stale := s.lastMail(t, "ana@example.com")
	s.later(time.Hour + time.Minute)
	if res := s.browser().get(stale.Link); res.Status != http.StatusBadRequest {
		t.Errorf("a link an hour old: %d, want 400", res.Status)
	}
}

// TestMailIsInTheRequestsLanguage: a reset asked for in Indonesian is
// mailed in Indonesian.
func TestMailIsInTheRequestsLanguage(t *testing.T) {
	s := newAccountSite(t, nil)
	s.signUpShopper(t, s.browser(), "ana@example.com")
	b := s.browser()
	token := b.csrf("/password/forgot")
	req := newRequest(t, http.MethodPost, s.srv.URL+"/password/forgot", strings.NewReader(url.Values{"_csrf": {token}, "email": {"ana@example.com"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept-Language", "id-ID,id;q=0.9")
	if res := b.do(req); res.Status != http.StatusSeeOther {
		t.Fatalf("forgot: %d", res.Status)
	}
	m := s.lastMail(t, "ana@example.com")
	if !strings.Contains(m.Body, "Buka tautan ini dalam satu jam") || m.Subject != "Pilih kata sandi Warna yang baru" {
		t.Errorf("an Indonesian request's mail: %q\n%s", m.Subject, m.Body)
	}
}

func TestResetRequestsAreLimitedPerAddress(t *testing.T) {
	s := newAccountSite(t, nil)
	statuses := make([]int, 0, 4)
	for range 4 { // a new browser each time: the limit is the address's
		statuses = append(statuses, s.browser().submit("/password/forgot", "/password/forgot", url.Values{"email": {"nobody@example.com"}}).Status)
	}
	if want := []int{303, 303, 303, 429}; !slices.Equal(statuses, want) {
		t.Errorf("four requests for one address: %v, want %v", statuses, want)
	}
}

func TestEmailVerification(t *testing.T) {
	s := newAccountSite(t, nil)
	b := s.browser()
	first := s.signUpShopper(t, b, "ana@example.com")
	page := b.get("/account")
	if !strings.Contains(page.Body, "Please confirm your email address") || !strings.Contains(page.Body, `action="/verify/resend"`) {
		t.Fatalf("no banner with \"send again\" before confirming: %.2000s", page.Body)
	}
	if res := b.submit("/account", "/verify/resend", url.Values{"next": {"/account"}}); res.Status != http.StatusSeeOther || res.Location != "/account" {
		t.Fatalf("send again: %d → %q", res.Status, res.Location)
	}
	again := s.lastMail(t, "ana@example.com")
	if again.Link == first || !strings.HasPrefix(again.Link, "/verify?token=") {
		t.Fatalf("send again mailed %q, want a new /verify link", again.Link)
	}
	res := b.get(again.Link)
	if res.Status != http.StatusSeeOther || res.Location != "/account" {
		t.Fatalf("the link: %d → %q", res.Status, res.Location)
	}
	if page := b.get("/account"); strings.Contains(page.Body, "Please confirm your email address") || !strings.Contains(page.Body, "is confirmed as your email address") {
		t.Errorf("after confirming: the banner stays or no thanks: %.2000s", page.Body)
	}
	if !s.user(t, "ana@example.com").Verified() {
		t.Error("the account is not flagged verified")
	}
	if res := b.get(again.Link); res.Status != http.StatusSeeOther || !strings.Contains(b.get(res.Location).Body, "does not work any more") {
		t.Errorf("the link a second time: %d, want a redirect that says it does not work", res.Status)
	}
}

// placeOrder stores an order as checkout does (the orders service's
// checkout is the cart's business; the history only reads orders).
func (s *accountSite) placeOrder(t *testing.T, email string, lines map[int]int) orders.Order {
	t.Helper()
	o := orders.Order{ShopID: s.shop.ID, Source: orders.SourceCheckout, Email: email, Currency: "IDR", PlacedAt: time.Now(),
		AttrOutcome: orders.OutcomeNone, AttrRule: "test", AttrWindowDays: 7}
	for i := range s.products {
		qty, ok := lines[i]
		if !ok {
			continue
		}
		p := s.products[i]
		o.Lines = append(o.Lines, orders.OrderLine{ProductID: &p.ID, Title: p.Title, UnitMinor: p.PriceMinor, Quantity: qty, AmountMinor: p.PriceMinor * int64(qty)})
		o.TotalMinor += p.PriceMinor * int64(qty)
	}
	if err := s.db.Create(&o).Error; err != nil {
		t.Fatal(err)
	}
	return o
}

func TestShopperOrderHistoryAndReorder(t *testing.T) {
	s := newAccountSite(t, nil)
	mine := s.placeOrder(t, "ana@example.com", map[int]int{0: 2, 1: 1})
	theirs := s.placeOrder(t, "budi@example.com", map[int]int{2: 1})
	b := s.browser()
	link := s.signUpShopper(t, b, "ana@example.com")
	orderCell := func(o orders.Order) string {
		return `data-label="Order number">#` + strconv.FormatInt(o.ID, 10) + "</td>"
	}

	if page := b.get("/account"); strings.Contains(page.Body, orderCell(mine)) {
		t.Error("orders show before the address is confirmed: anyone could sign up with another's email")
	}
	if res := b.submit("/account", "/account/orders/"+strconv.FormatInt(mine.ID, 10)+"/reorder", url.Values{}); res.Location != "/account" {
		t.Errorf("re-order before confirming: → %q, want back to /account", res.Location)
	}
	b.get(link)
	page := b.get("/account")
	if !strings.Contains(page.Body, orderCell(mine)) || !strings.Contains(page.Body, "2 × Batik 0") || !strings.Contains(page.Body, "Order placed") {
		t.Errorf("history lacks the shopper's order with its lines and status: %.3000s", page.Body)
	}
	if strings.Contains(page.Body, orderCell(theirs)) {
		t.Error("history shows another shopper's order")
	}
	if res := b.submit("/account", "/account/orders/"+strconv.FormatInt(theirs.ID, 10)+"/reorder", url.Values{}); res.Location != "/account" {
		t.Errorf("re-ordering another's order: → %q, want refused back to /account", res.Location)
	}
	res := b.submit("/account", "/account/orders/"+strconv.FormatInt(mine.ID, 10)+"/reorder", url.Values{})
	if res.Status != http.StatusSeeOther || res.Location != "/cart" {
		t.Fatalf("re-order: %d → %q, want 303 to /cart", res.Status, res.Location)
	}
	cart := b.get("/cart").Body
	if !strings.Contains(cart, "Batik 0") || !strings.Contains(cart, "Batik 1") || strings.Contains(cart, "Batik 2") {
		t.Errorf("the cart after re-order: %.3000s", cart)
	}
}

func TestWishlistSaveAndRemove(t *testing.T) {
	s := newAccountSite(t, nil)
	b := s.browser()
	s.signUpShopper(t, b, "ana@example.com")
	p := s.products[1]
	id := strconv.FormatInt(p.ID, 10)
	photo := catalog.Image{ProductID: p.ID, SHA256: strings.Repeat("a", 64), Format: "jpeg", Width: 800, Height: 800, Bytes: 1,
		Status: catalog.ImageReady, Thumbs: `[{"size":400,"width":400,"height":400,"key":"batik1-400.jpg"}]`}
	if err := s.db.Create(&photo).Error; err != nil {
		t.Fatal(err)
	}
	res := b.submit("/account", "/account/wishlist", url.Values{"product_id": {id}, "colour": {"#A1B2C3"}, "next": {"/products/" + id}})
	if res.Status != http.StatusSeeOther || res.Location != "/products/"+id {
		t.Fatalf("save: %d → %q, want back to the product", res.Status, res.Location)
	}
	page := b.get("/account").Body
	if !strings.Contains(page, `href="/products/`+id+`"`) || !strings.Contains(page, "Batik 1") || !strings.Contains(page, "#a1b2c3") ||
		!strings.Contains(page, `<img src="/media/batik1-400.jpg"`) {
		t.Errorf("the wishlist lacks the product with its photo and colour: %.3000s", page)
	}
	if res := b.submit("/account", "/account/wishlist", url.Values{"product_id": {"999999"}}); res.Status != http.StatusSeeOther {
		t.Errorf("saving a product that does not exist: %d, want a redirect with the message", res.Status)
	}
	merchant := s.browser()
	merchant.logIn("shop@example.com", "correct horse battery")
	if res := merchant.submit("/merchant", "/account/wishlist", url.Values{"product_id": {id}}); res.Status != http.StatusForbidden {
		t.Errorf("a merchant saving to a wishlist: %d, want 403", res.Status)
	}
	if res := b.submit("/account", "/account/wishlist/remove", url.Values{"product_id": {id}}); res.Status != http.StatusSeeOther {
		t.Fatalf("remove: %d", res.Status)
	}
	if page := b.get("/account").Body; strings.Contains(page, `href="/products/`+id+`"`) {
		t.Errorf("the product is still on the wishlist after removing it")
	}
}

// failingOutbox is a mail server that is down.
type failingOutbox struct{}

func (failingOutbox) Send(context.Context, mail.Message) error {
	return errors.New("connection refused")
}

func TestFailedMailSaysSoAndOffersToSendAgain(t *testing.T) {
	s := newAccountSite(t, failingOutbox{})
	b := s.browser()
	b.signUp(auth.RoleShopper, "ana@example.com") // the account is made although its mail failed
	if page := b.get("/account"); !strings.Contains(page.Body, "Please confirm your email address") {
		t.Errorf("no banner to send the confirmation again")
	}
	res := s.browser().submit("/password/forgot", "/password/forgot", url.Values{"email": {"ana@example.com"}})
	if res.Status != http.StatusServiceUnavailable || !strings.Contains(res.Body, "could not send the email") || !strings.Contains(res.Body, "Send again") {
		t.Errorf("forgot with the mail server down: %d, want 503 saying so with \"Send again\"; %.2000s", res.Status, res.Body)
	}
}

// TestCheckoutSignupForm: the page the order confirmation links to offers
// a shopper account for the email just used.
func TestCheckoutSignupForm(t *testing.T) {
	s := newAccountSite(t, nil)
	page := s.browser().get("/signup/checkout?email=" + url.QueryEscape("ana@example.com"))
	if page.Status != http.StatusOK || !strings.Contains(page.Body, `value="ana@example.com"`) || !strings.Contains(page.Body, `name="role" value="shopper"`) ||
		!strings.Contains(page.Body, "choose a password") {
		t.Errorf("checkout sign-up: %d %.2000s", page.Status, page.Body)
	}
}

// TestWishlistSaveFormPartial renders the form product pages include
// (wishlist-save): a shopper picks one of the photo's colours, a visitor
// is asked to log in, others see nothing.
func TestWishlistSaveFormPartial(t *testing.T) {
	cat, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	views, err := newViews(cat)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := views.Templates(locale.English)["product"]
	swatches := []catalog.Swatch{{Hex: "#a1b2c3", Name: "steel blue"}, {Hex: "#102030"}}
	render := func(user *auth.User) string {
		var b strings.Builder
		page := site.Page{User: user, CSRF: "tok", Path: "/products/7"}
		if err := tmpl.ExecuteTemplate(&b, "wishlist-save", map[string]any{"ID": int64(7), "Swatches": swatches, "Page": page}); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	form := render(&auth.User{Role: auth.RoleShopper})
	for _, want := range []string{`action="/account/wishlist"`, `name="product_id" value="7"`, `value="#a1b2c3" checked`, "steel blue", `value="tok"`, `name="next" value="/products/7"`} {
		if !strings.Contains(form, want) {
			t.Errorf("the shopper's form lacks %s: %s", want, form)
		}
	}
	if got := render(nil); !strings.Contains(got, `href="/login?next=%2fproducts%2f7"`) {
		t.Errorf("a visitor is not asked to log in: %s", got)
	}
	if got := strings.TrimSpace(render(&auth.User{Role: auth.RoleMerchant})); got != "" {
		t.Errorf("a merchant sees %q, want nothing", got)
	}
}

// TestSignUpsCannotFloodAnInbox: signing up again and again with a taken
// address mails its owner at most three times an hour, and every answer
// stays the one a new address gets.
func TestSignUpsCannotFloodAnInbox(t *testing.T) {
	s := newAccountSite(t, nil)
	s.signUpShopper(t, s.browser(), "ana@example.com")
	before := len(s.mails(t))
	for i := range 5 {
		res := s.browser().submit("/signup", "/signup", url.Values{"role": {"shopper"}, "name": {"X"}, "email": {"ana@example.com"}, "password": {"another good password"}})
		if res.Status != http.StatusSeeOther || res.Location != "/login" {
			t.Fatalf("sign-up %d with the taken address: %d → %q", i+1, res.Status, res.Location)
		}
	}
	if n := len(s.mails(t)) - before; n != 3 {
		t.Errorf("mails to the owner after five sign-ups with their address: %d, want 3", n)
	}
	if m := s.lastMail(t, "ana@example.com"); !strings.Contains(m.Body, "nothing has changed") || !strings.Contains(m.Body, "/password/forgot?email=ana%40example.com") {
		t.Errorf("the owner's mail: %s", m.Body)
	}
}
