package journeys

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// view is a language and a window width a person uses the site in.
type view struct {
	lang  lang
	width int64
}

func (v view) String() string { return fmt.Sprintf("%s-%d", v.lang, v.width) }

// shopOf is a shop the order journeys buy from: its merchant, still logged
// in, and its one product.
type shopOf struct {
	merchant  *user
	name      string
	productID string
	title     string
	price     int64 // rupiah
}

// TestOrderJourneys runs the journeys of issue 18 about orders, in both
// languages at a phone's and a laptop's width: a shopper buys from two shops
// in one cart as a guest, saves their details from the orders page (signs
// up), confirms the address from the mail, sees both orders in the account,
// and later resets the password from the mail folder; a merchant ships one
// of the orders with a tracking number and delivers it, and the shopper's
// orders page says so. Each run puts the shopper and the merchant in the
// other language and width, so the four runs cover every combination for
// both.
func TestOrderJourneys(t *testing.T) {
	requireChromium(t)
	browser := newBrowser(t)
	start := time.Now()
	shops := []*shopOf{
		{name: "Toko Merah", title: "Kaos merah tebal", price: 150000},
		{name: "Toko Biru", title: "Topi biru denim", price: 89000},
	}
	for i, s := range shops { // the merchants stay logged in for every run
		s.merchant = newUser(t, browser, fmt.Sprintf("merchant %d", i+1))
	}
	ok := t.Run("0-two-merchants-open-shops", func(t *testing.T) {
		for _, s := range shops {
			s.merchant.t = t
			s.open(t)
		}
	})
	t.Logf("two shops open: %s", time.Since(start).Round(time.Millisecond))
	if !ok {
		t.FailNow()
	}
	runs := []struct{ shopper, merchant view }{
		{view{indonesian, phoneWidth}, view{english, desktopWidth}},
		{view{english, desktopWidth}, view{indonesian, phoneWidth}},
		{view{english, phoneWidth}, view{indonesian, desktopWidth}},
		{view{indonesian, desktopWidth}, view{english, phoneWidth}},
	}
	for i, r := range runs {
		name := fmt.Sprintf("%d-shopper-%s-merchant-%s", i+1, r.shopper, r.merchant)
		start := time.Now()
		ok := t.Run(name, func(t *testing.T) {
			if shops[0].productID == "" {
				t.Fatal("no shops to buy from: a -run pattern must keep 0-two-merchants-open-shops")
			}
			j := &orderJourney{t: t, shops: shops, prefix: fmt.Sprintf("orders-%d-", i+1),
				email: uniq(fmt.Sprintf("pembeli%d-", i+1)) + "@example.com"}
			j.shopper = newUser(t, browser, "shopper "+r.shopper.String())
			j.shopper.setView(r.shopper.lang, r.shopper.width)
			m := shops[0].merchant
			m.t = t
			m.setView(r.merchant.lang, r.merchant.width)
			j.buyFromTwoShops()
			j.saveDetails()
			j.merchantShipsAndDelivers()
			j.shopperSeesDelivered()
			j.resetPassword()
		})
		t.Logf("%s: %s", name, time.Since(start).Round(time.Millisecond))
		if !ok {
			t.FailNow()
		}
	}
}

// open signs the merchant up and opens the shop (in rupiah) with its
// product, active with stock for every run.
func (s *shopOf) open(t *testing.T) {
	m := s.merchant
	email := uniq("pedagang") + "@example.com"
	m.open("/signup")
	m.do("fill the sign-up form",
		click(`input[name=role][value=merchant]`),
		fill(`#name`, "Pemilik "+s.name, `#email`, email, `#password`, password))
	m.submit("sign up", `form[action="/signup"] button[type=submit]`)
	m.logInAfterSignUp(t, email)
	m.do("fill the shop form",
		fill(`#name`, s.name, `#slug`, uniq(strings.ToLower(strings.ReplaceAll(s.name, " ", "-"))+"-"), `#currency`, "IDR",
			`#time_zone`, "Asia/Jakarta", `#commission`, "10", `#description`, "Toko untuk perjalanan pesanan."))
	m.submit("open the shop", `form[action="/merchant/shop/new"] button[type=submit]`)

	m.open("/merchant/products/new")
	category := eval[string](m, "first category", `document.querySelector("#category").options[1].value`)
	m.do("fill the product form",
		fill(`#title`, s.title, `#price`, fmt.Sprint(s.price), `#stock`, "20", `#category`, category, `#status`, "active",
			`#description`, "Dibuat untuk perjalanan pesanan."))
	m.submit("create the product", `form[action="/merchant/products"] button[type=submit]`)
	id := regexp.MustCompile(`^/merchant/products/(\d+)`).FindStringSubmatch(m.path())
	if id == nil {
		t.Fatalf("after creating %s the merchant is at %s, want /merchant/products/ID", s.title, m.path())
	}
	s.productID = id[1]
}

// orderJourney is one run: its shopper, and what the steps learn.
type orderJourney struct {
	t       *testing.T
	shops   []*shopOf
	shopper *user
	prefix  string // of the screenshots' names
	email   string
	// ordersPath is the orders page checkout led to; orderIDs are the
	// orders on it, one per shop, in the order of shops.
	ordersPath string
	orderIDs   []string
	tracking   string
	password   string
}

// shot saves u's page as orders-RUN-LANG-WIDTH-name.png, and fails the
// test (going on) if the page does not fit the window's width.
func (j *orderJourney) shot(u *user, name string) {
	u.t.Helper()
	u.shot(fmt.Sprintf("%s%s-%d-%s", j.prefix, u.lang, u.width, name))
	if over := u.overflow(); over != "" {
		u.t.Errorf("%s: %s scrolls sideways at %d px: %s", u.name, u.path(), u.width, over)
	}
}

// buyFromTwoShops: a guest puts a product of each shop in the cart, pays
// once, and lands on the page of the two orders.
func (j *orderJourney) buyFromTwoShops() {
	t, sh := j.t, j.shopper
	var total int64
	for _, s := range j.shops {
		sh.open("/products/" + s.productID)
		if got := sh.text(`.product-info h1`); got != s.title {
			t.Fatalf("product page title %q, want %q", got, s.title)
		}
		sh.submit("add "+s.title+" to the cart", `form.add-to-cart button[type=submit]`)
		total += s.price
	}
	if p := sh.path(); p != "/cart" {
		t.Fatalf("after adding to the cart the shopper is at %s, want /cart", p)
	}
	main := sh.text(`main`)
	mustContain(t, "cart", main, sh.tr("Your cart"),
		sh.tr("Products from {{.N}} shops: each shop sends its own order, all paid together.", "N", 2))
	for _, s := range j.shops {
		mustContain(t, "cart", main, s.name, s.title, sh.tr("Subtotal from {{.Shop}}", "Shop", s.name), sh.rupiah(s.price))
	}
	mustContain(t, "cart total", sh.text(`.cart-total`), sh.tr("Total"), sh.rupiah(total))
	j.shot(sh, "01-cart-two-shops")

	sh.submit("check out", `main a[href="/checkout"]`)
	mustContain(t, "checkout", sh.text(`main`), sh.tr("Checkout"),
		sh.tr("{{.Shop}}: {{.Amount}}, one order", "Shop", j.shops[0].name, "Amount", sh.rupiah(j.shops[0].price)),
		sh.tr("{{.Shop}}: {{.Amount}}, one order", "Shop", j.shops[1].name, "Amount", sh.rupiah(j.shops[1].price)))
	sh.do("fill the checkout form",
		fill(`#email`, j.email, `#ship_name`, "Sari Pembeli", `#ship_address`, "Jl. Merdeka 1\nBandung 40111", `#card`, "4242 4242 4242 4242"))
	mustContain(t, "pay button", sh.text(`form[action="/checkout"] button[type=submit]`), sh.tr("Pay"), sh.rupiah(total))
	j.shot(sh, "02-checkout")
	sh.submit("pay", `form[action="/checkout"] button[type=submit]`)

	// Post/redirect/get: the orders page has its own address.
	j.ordersPath = sh.path()
	if !strings.HasPrefix(j.ordersPath, "/orders/") {
		t.Fatalf("after paying the shopper is at %s, want /orders/TOKEN", j.ordersPath)
	}
	if got := sh.text(`main h1`); got != sh.tr("Your order") {
		t.Fatalf("orders page heading %q, want %q", got, sh.tr("Your order"))
	}
	mustContain(t, "flash", sh.text(`.flash`), sh.tr("Thank you! Your order is placed."))
	j.orderIDs = j.placedOrders(sh.tr("Placed, waiting to ship"), sh.tr("Placed, waiting to ship"))
	j.shot(sh, "03-orders-placed")
}

// placedOrders reads the orders page: one order per shop, in the order of
// j.shops, each with the status given; it returns their numbers.
func (j *orderJourney) placedOrders(status ...string) []string {
	t, sh := j.t, j.shopper
	type placed struct{ Heading, Badge, Text string }
	got := eval[[]placed](sh, "the placed orders", `[...document.querySelectorAll("main article.placed-order")].map(a => ({
		Heading: a.querySelector("h2").innerText.trim(), Badge: a.querySelector(".badge").innerText.trim(), Text: a.innerText}))`)
	if len(got) != len(j.shops) {
		t.Fatalf("the orders page shows %d orders, want one per shop (%d):\n%s", len(got), len(j.shops), sh.mainText())
	}
	heads := eval[[]string](sh, "the order tables' column headers", `[...document.querySelectorAll("main article.placed-order:first-of-type thead th")].map(th => th.innerText.trim())`)
	if want := []string{sh.tr("Product"), sh.tr("Quantity"), sh.tr("Amount")}; !slices.EqualFunc(heads, want, strings.EqualFold) {
		t.Fatalf("order table headers %q, want %q", heads, want)
	}
	if heads[1] == heads[2] {
		t.Fatalf("the order table names two columns %q: a reader cannot tell quantity from amount", heads[1])
	}
	var ids []string
	for i, s := range j.shops {
		m := regexp.MustCompile(`#(\d+)`).FindStringSubmatch(got[i].Heading)
		if m == nil {
			t.Fatalf("order heading %q names no order number", got[i].Heading)
		}
		if want := sh.tr("Order #{{.ID}} from {{.Shop}}", "ID", m[1], "Shop", s.name); got[i].Heading != want {
			t.Fatalf("order heading %q, want %q", got[i].Heading, want)
		}
		if !strings.EqualFold(got[i].Badge, status[i]) {
			t.Fatalf("order #%s from %s reads %q, want %q", m[1], s.name, got[i].Badge, status[i])
		}
		mustContain(t, "order #"+m[1], got[i].Text, s.title, sh.rupiah(s.price))
		ids = append(ids, m[1])
	}
	return ids
}

// saveDetails: from the orders page the guest signs up as a shopper, logs
// in, confirms the address with the mailed link and sees both orders in the
// account.
func (j *orderJourney) saveDetails() {
	t, sh := j.t, j.shopper
	link := `main a[href^="/signup/checkout"]`
	if got := sh.text(link); got != sh.tr("Save your details: choose a password") {
		t.Fatalf("the orders page's sign-up link reads %q", got)
	}
	sh.submit("save your details", link)
	if got := sh.text(`main h1`); got != sh.tr("Save your details: choose a password") {
		t.Fatalf("sign-up at checkout heading %q", got)
	}
	if got := eval[string](sh, "the email field", `document.querySelector("#email").value`); got != j.email {
		t.Fatalf("the sign-up form holds %q, want the checkout's email %s", got, j.email)
	}
	if eval[bool](sh, "role choice", `!!document.querySelector("input[name=role][type=radio]")`) {
		t.Fatal("the sign-up from checkout asks for a role; a shopper is a shopper")
	}
	j.password = password
	sh.do("choose a name and password", fill(`#name`, "Sari Pembeli", `#password`, j.password))
	j.shot(sh, "04-signup-at-checkout")
	sh.submit("save my details", `form[action="/signup"] button[type=submit]`)
	mustContain(t, "after signing up", sh.text(`.flash`), sh.trf("We sent an email to %s.", j.email))
	sh.do("log in", fill(`#email`, j.email, `#password`, j.password))
	sh.submit("log in", `form[action="/login"] button[type=submit]`)
	if p := sh.path(); p != "/account" {
		t.Fatalf("the shopper logged in to %s, want /account", p)
	}
	mustContain(t, "account before confirming", sh.text(`main`), sh.tr("My account"),
		sh.tr("Your orders show in your account once it is confirmed."))
	j.shot(sh, "05-account-unconfirmed")

	sh.open(mailedLink(t, j.email, "/verify"))
	if p := sh.path(); p != "/account" {
		t.Fatalf("the confirmation link led to %s, want /account", p)
	}
	mustContain(t, "after confirming", sh.text(`.flash`), sh.trf("Thank you: %s is confirmed as your email address.", j.email))
	j.accountLists(sh.tr("Order placed"), sh.tr("Order placed"))
	j.shot(sh, "06-account-orders")
}

// accountLists checks the account's order history: both orders, each with
// its shop's product, amount and the status given.
func (j *orderJourney) accountLists(status ...string) {
	t, sh := j.t, j.shopper
	for i, id := range j.orderIDs {
		row := eval[string](sh, "order row "+id, fmt.Sprintf(`(() => {
			const td = [...document.querySelectorAll("main table tbody td:first-child")].find(td => td.innerText.trim() === "#%s");
			return td ? td.closest("tr").innerText : "";
		})()`, id))
		if row == "" {
			t.Fatalf("the account lists no order #%s:\n%s", id, sh.mainText())
		}
		mustContain(t, "account's order #"+id, row, j.shops[i].title, sh.rupiah(j.shops[i].price), status[i])
		// The status is what a shopper opens the page for: it must be on
		// screen without scrolling sideways, at every width.
		past := eval[float64](sh, "order status position "+id, fmt.Sprintf(`(() => {
			const td = [...document.querySelectorAll("main table tbody td:first-child")].find(td => td.innerText.trim() === "#%s");
			return td.closest("tr").children[4].getBoundingClientRect().right - document.documentElement.clientWidth;
		})()`, id))
		if past > 0 {
			t.Errorf("order #%s: its status ends %.0f px past the right edge of a %d px window", id, past, sh.width)
		}
	}
}

// merchantShipsAndDelivers: the first shop's merchant ships its order with a
// tracking number, then delivers it.
func (j *orderJourney) merchantShipsAndDelivers() {
	t, m := j.t, j.shops[0].merchant
	id := j.orderIDs[0]
	m.open("/merchant/orders")
	mustContain(t, "merchant's orders", m.text(fmt.Sprintf(`main a[href="/merchant/orders/%s"]`, id)), "#"+id)
	m.submit("open order #"+id, fmt.Sprintf(`main a[href="/merchant/orders/%s"]`, id))
	if got := m.text(`main h1 .badge`); !strings.EqualFold(got, m.tr("Placed, waiting to ship")) {
		t.Fatalf("order #%s status %q before shipping", id, got)
	}
	mustContain(t, "order before shipping", m.text(`main`), m.tr("Not shipped yet."), j.email,
		m.tr("The {{.Days}}-day return window runs from delivery: until the order is delivered, its commission is not approved automatically.", "Days", 7))

	j.tracking = uniq("JNE")
	ship := fmt.Sprintf(`form[action="/merchant/orders/%s/ship"]`, id)
	m.do("fill the tracking number", fill(ship+` #tracking_number`, j.tracking, ship+` #carrier`, "JNE"))
	j.shot(m, "07-merchant-order-to-ship")
	m.submit("mark shipped", ship+` button`)
	mustContain(t, "after shipping", m.text(`.flash`), m.tr("Order marked shipped."))
	if got := m.text(`main h1 .badge`); !strings.EqualFold(got, m.tr("Shipped")) {
		t.Fatalf("order #%s status %q after shipping", id, got)
	}
	mustContain(t, "shipping after shipping", m.text(`main ul`), m.tr("Tracking number"), j.tracking, "JNE")
	j.shot(m, "08-merchant-order-shipped")

	m.submit("mark delivered", fmt.Sprintf(`form[action="/merchant/orders/%s/deliver"] button`, id))
	mustContain(t, "after delivering", m.text(`.flash`), m.tr("Order marked delivered; the return window starts today."))
	if got := m.text(`main h1 .badge`); !strings.EqualFold(got, m.tr("Delivered")) {
		t.Fatalf("order #%s status %q after delivering", id, got)
	}
	if eval[bool](m, "ship and deliver forms", fmt.Sprintf(`!!document.querySelector('form[action$="/orders/%s/ship"], form[action$="/orders/%s/deliver"]')`, id, id)) {
		t.Fatal("the delivered order still offers to ship or deliver it")
	}
	j.shot(m, "09-merchant-order-delivered")
}

// shopperSeesDelivered: the orders page and the account say the first
// order is delivered, with its tracking number; the other shop's waits.
func (j *orderJourney) shopperSeesDelivered() {
	t, sh := j.t, j.shopper
	sh.open(j.ordersPath)
	j.placedOrders(sh.tr("Delivered"), sh.tr("Placed, waiting to ship"))
	first := sh.text(`main article.placed-order`)
	mustContain(t, "the delivered order", first, sh.tr("Tracking number"), j.tracking,
		strings.SplitN(sh.tr("Shipped {{.When}}"), "{{", 2)[0], strings.SplitN(sh.tr("Delivered {{.When}}"), "{{", 2)[0])
	j.shot(sh, "10-orders-delivered")

	sh.open("/account")
	j.accountLists(sh.tr("Delivered"), sh.tr("Order placed"))
}

// resetPassword: logged out, the shopper asks for a reset link, opens it
// from the mail folder, sets a new password (which logs in), and later logs
// in with the new password, not the old one.
func (j *orderJourney) resetPassword() {
	t, sh := j.t, j.shopper
	sh.submit("log out", `form[action="/logout"] button`)
	sh.open("/login")
	sh.submit("forgot the password", `main a[href^="/password/forgot"]`)
	if got := sh.text(`main h1`); got != sh.tr("Forgot your password?") {
		t.Fatalf("forgot-password heading %q", got)
	}
	sh.do("fill the email", fill(`#email`, j.email))
	sh.submit("email me a link", `form[action="/password/forgot"] button[type=submit]`)
	mustContain(t, "after asking for a link", sh.text(`.flash`),
		sh.trf("If %s has a Warna account, we sent it a link to choose a new password. It works for an hour.", j.email))

	sh.open(mailedLink(t, j.email, "/password/reset"))
	if got := sh.text(`main h1`); got != sh.tr("Choose a new password") {
		t.Fatalf("reset page heading %q:\n%s", got, sh.mainText())
	}
	old := j.password
	j.password = "violet harbour lantern"
	sh.do("choose the new password", fill(`#password`, j.password))
	j.shot(sh, "11-reset-password")
	sh.submit("set the new password", `form[action="/password/reset"] button[type=submit]`)
	if p := sh.path(); p != "/account" {
		t.Fatalf("after the reset the shopper is at %s, want /account", p)
	}
	mustContain(t, "after the reset", sh.text(`.flash`),
		sh.tr("Your new password is set and you are logged in. Every other session of your account has ended."))

	sh.submit("log out", `form[action="/logout"] button`)
	sh.open("/login")
	sh.do("log in with the old password", fill(`#email`, j.email, `#password`, old))
	sh.submitRefused("log in with the old password", `form[action="/login"] button[type=submit]`)
	mustContain(t, "the old password refused", sh.text(`main`), sh.tr("that email and password do not match an account"))
	sh.do("log in with the new password", fill(`#email`, j.email, `#password`, j.password))
	sh.submit("log in", `form[action="/login"] button[type=submit]`)
	if p := sh.path(); p != "/account" {
		t.Fatalf("the new password logged in to %s, want /account", p)
	}
	j.accountLists(sh.tr("Delivered"), sh.tr("Order placed"))
	j.shot(sh, "12-logged-in-with-new-password")
}
