package journeys

import (
	"fmt"
	"image/color"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The sale the journeys make: one red tee at 25.00 with the shop's 10%
// commission, so the influencer earns 2.50. The shop also lists two shirts
// with Indonesian titles, a red one and a black one, which a shopper finds
// by searching in Indonesian.
const (
	redShirtTitle   = "Kemeja batik merah"
	blackShirtTitle = "Kemeja hitam polos"
	productTitle    = "Red journey tee"
	price           = "25.00"
	commission      = "2.50"
	password        = "correct horse battery"
)

// TestJourneys runs the four journeys of issue 7 in order; each builds on the
// one before (the product, the link, the order).
func TestJourneys(t *testing.T) {
	requireChromium(t)
	browser := newBrowser(t)
	merchant := newUser(t, browser, "merchant")
	influencer := newUser(t, browser, "influencer")
	shopper := newUser(t, browser, "shopper")
	s := &story{shopSlug: uniq("journey-tees-"), handleName: "Ayu Journey", shopperEmail: uniq("shopper") + "@example.com"}

	steps := []struct {
		name string
		run  func(*testing.T)
	}{
		{"1-merchant-lists-a-product", func(t *testing.T) { s.merchantListsProduct(t, merchant) }},
		{"2-influencer-makes-a-link", func(t *testing.T) { s.influencerMakesLink(t, influencer) }},
		{"3-shopper-follows-searches-buys", func(t *testing.T) { s.shopperBuys(t, shopper) }},
		{"4-sale-commission-earnings", func(t *testing.T) { s.saleIsSeen(t, merchant, influencer) }},
	}
	for _, step := range steps {
		start := time.Now()
		ok := t.Run(step.name, func(t *testing.T) {
			merchant.t, influencer.t, shopper.t = t, t, t
			step.run(t)
		})
		t.Logf("%s: %s", step.name, time.Since(start).Round(time.Millisecond))
		if !ok {
			t.FailNow()
		}
	}
}

// story is what the journeys learn from each other.
type story struct {
	shopSlug     string
	handleName   string
	shopperEmail string
	productID    string
	handle       string
	linkCode     string
	orderID      string
}

// Journey 1: a merchant signs up, opens a shop, creates a product with a
// photo, activates it with stock, and sees thumbnails and swatches appear.
func (s *story) merchantListsProduct(t *testing.T, m *user) {
	email := uniq("merchant") + "@example.com"
	m.open("/signup")
	m.do("fill the sign-up form",
		click(`input[name=role][value=merchant]`),
		fill(`#name`, "Mira Merchant", `#email`, email, `#password`, password))
	m.submit("sign up", `form[action="/signup"] button[type=submit]`)
	m.logInAfterSignUp(t, email)
	m.do("the new-shop form", waitVisible(`form[action="/merchant/shop/new"]`))
	m.shot("01-merchant-new-shop")

	m.do("fill the shop form",
		fill(`#name`, "Journey Tees", `#slug`, s.shopSlug, `#currency`, "USD", `#time_zone`, "Asia/Jakarta",
			`#commission`, "10", `#description`, "Plain tees in strong colours."))
	m.submit("open the shop", `form[action="/merchant/shop/new"] button[type=submit]`)
	if p := m.path(); !strings.HasPrefix(p, "/merchant") || strings.HasPrefix(p, "/merchant/shop/new") {
		t.Fatalf("after opening the shop the merchant is at %s, want the merchant area", p)
	}

	photo := redTeePNG(t)
	m.open("/merchant/products/new")
	firstCategory := eval[string](m, "first category", `document.querySelector("#category").options[1].value`)
	m.do("fill the product form with a photo",
		fill(`#title`, productTitle, `#price`, price, `#stock`, "0", `#category`, firstCategory, `#status`, "draft",
			`#color`, "red", `#description`, "A heavy cotton tee, dyed red."),
		setUploadFiles(`form[action="/merchant/products"] #photos`, photo),
	)
	m.shot("02-merchant-new-product")
	m.submit("create the product", `form[action="/merchant/products"] button[type=submit]`)
	id := regexp.MustCompile(`^/merchant/products/(\d+)`).FindStringSubmatch(m.path())
	if id == nil {
		t.Fatalf("after creating the product the merchant is at %s, want /merchant/products/ID", m.path())
	}
	s.productID = id[1]
	if got := m.text(`h1`); !strings.Contains(got, productTitle) || !strings.Contains(strings.ToLower(got), "draft") {
		t.Fatalf("edit page heading %q, want the title and the draft badge", got)
	}

	editForm := fmt.Sprintf(`form[action="/merchant/products/%s"]`, s.productID)
	m.do("set active with stock", fill(editForm+` #status`, "active", editForm+` #stock`, "7"))
	m.submit("save the product", editForm+` button[type=submit]`)
	if got := strings.ToLower(m.text(`h1 .badge`)); got != "active" {
		t.Fatalf("status badge after activating: %q, want active", got)
	}

	// The photo is processed by a job in the server: reload until the
	// thumbnail (an <img> with a srcset) and its colour swatches show.
	edit := "/merchant/products/" + s.productID
	m.pollReload("thumbnail and swatches on the edit page", edit,
		`!!document.querySelector("#photos .photo-item img[srcset]") && document.querySelectorAll("#photos .photo-item .swatch").length > 0`,
		60*time.Second)
	if got := strings.ToLower(m.text(`#photos .photo-item .badge`)); got != "ready" {
		t.Fatalf("photo status badge reads %q, want ready", got)
	}
	reds := eval[int](m, "red swatches", `[...document.querySelectorAll("#photos .photo-item .swatch")].filter(e => {
		const [r, g, b] = getComputedStyle(e).backgroundColor.match(/\d+/g).map(Number);
		return r > 150 && g < 90 && b < 90;
	}).length`)
	if reds == 0 {
		t.Fatal("no red swatch among the photo's colours")
	}
	m.imagesLoaded(`#photos img`)
	m.shot("03-merchant-photo-processed")

	m.open("/products/" + s.productID)
	if got := m.text(`.product-info h1`); got != productTitle {
		t.Fatalf("product page title %q, want %q", got, productTitle)
	}
	palette := m.text(`.palette`)
	mustContain(t, "product page palette", palette, "Colours in the photo", "%")
	srcset := eval[string](m, "gallery srcset", `(document.querySelector(".gallery-item.main img") || {}).srcset || ""`)
	if strings.Count(srcset, "w") < 2 {
		t.Fatalf("main photo srcset %q, want several thumbnail widths", srcset)
	}
	m.imagesLoaded(`.gallery img`)
	m.shot("04-product-page")

	// Two shirts with Indonesian titles, listed active at once.
	for _, shirt := range []struct {
		title, photo string
	}{
		{redShirtTitle, teePNG(t, "kemeja-merah.png", color.NRGBA{200, 22, 38, 255}, color.NRGBA{150, 14, 28, 255})},
		{blackShirtTitle, teePNG(t, "kemeja-hitam.png", color.NRGBA{24, 24, 26, 255}, color.NRGBA{48, 48, 50, 255})},
	} {
		m.open("/merchant/products/new")
		m.do("fill the product form for "+shirt.title,
			fill(`#title`, shirt.title, `#price`, "30.00", `#stock`, "4", `#category`, firstCategory, `#status`, "active",
				`#description`, "Kemeja lengan pendek, katun."),
			setUploadFiles(`form[action="/merchant/products"] #photos`, shirt.photo),
		)
		m.submit("create "+shirt.title, `form[action="/merchant/products"] button[type=submit]`)
		if !regexp.MustCompile(`^/merchant/products/\d+`).MatchString(m.path()) {
			t.Fatalf("after creating %s the merchant is at %s", shirt.title, m.path())
		}
	}
}

// logInAfterSignUp logs in from the page sign-up leads to: signing up never
// logs in (that would tell a stranger whether the email was free), it says
// the account is ready.
func (u *user) logInAfterSignUp(t *testing.T, email string) {
	t.Helper()
	mustContain(t, "the page after signing up", u.mainText(), "Your account is ready")
	u.do("fill the log-in form", fill(`#email`, email, `#password`, password))
	u.submit("log in", `form[action="/login"] button[type=submit]`)
}

// Journey 2: an influencer signs up, makes a tracked link to the product from
// its page and opens their storefront.
func (s *story) influencerMakesLink(t *testing.T, in *user) {
	email := uniq("influencer") + "@example.com"
	in.open("/signup")
	in.do("fill the sign-up form",
		click(`input[name=role][value=influencer]`),
		fill(`#name`, s.handleName, `#email`, email, `#password`, password))
	in.submit("sign up", `form[action="/signup"] button[type=submit]`)
	in.logInAfterSignUp(t, email)
	in.do("the influencer area", waitVisible(`section#links`))
	href := eval[string](in, "storefront link", `document.querySelector('main a[href^="/@"]').getAttribute("href")`)
	s.handle = strings.TrimPrefix(href, "/@")
	if s.handle == "" {
		t.Fatal("the influencer area shows no storefront link")
	}

	in.open("/products/" + s.productID)
	in.do("the make-link form", waitVisible(`form.affiliate-link`), fill(`#aff-campaign`, "journey"))
	in.submit("make a link from the product page", `form.affiliate-link button[type=submit]`)
	code := eval[string](in, "the new link's code", fmt.Sprintf(`(() => {
		for (const row of document.querySelectorAll("#links tbody tr")) {
			if (row.querySelector('a[href="/products/%s"]')) {
				const m = row.querySelector("code").textContent.match(/\/r\/([A-Za-z0-9_-]+)/);
				if (m) return m[1];
			}
		}
		return "";
	})()`, s.productID))
	if code == "" {
		t.Fatalf("no /r/ link to product %s in the links table:\n%s", s.productID, in.text(`#links`))
	}
	s.linkCode = code
	mustContain(t, "links table", in.text(`#links table`), productTitle, "journey", "/r/"+code)
	in.shot("05-influencer-link-made")

	// The storefront editor: a bio, a collection, the product in it.
	in.open("/influencer")
	in.do("fill the bio", fill(`#profile #bio`, "Bold colours, every day."))
	in.submit("save the profile", `#profile button[type=submit]`)
	in.do("choose a profile photo", setUploadFiles(`#avatar input[type=file]`, portraitPNG(t)))
	in.submit("upload the profile photo", `#avatar button[type=submit]`)
	in.do("name a collection", fill(`form[action="/influencer/collections"] #title`, "Red picks"))
	in.submit("create the collection", `form[action="/influencer/collections"] button[type=submit]`)
	items := `#storefront form[action$="/items"]`
	in.do("pick the product", waitVisible(items), fill(items+` input[name=product_id]`, s.productID))
	in.submit("add it to the collection", items+` button[type=submit]`)

	in.open("/@" + s.handle)
	in.imagesLoaded(`main img`)
	mustContain(t, "storefront", in.text(`main`), s.handleName, "Bold colours, every day.", "Red picks", productTitle)
	// The pick shows the product's photo and swatches and leads through the
	// influencer's tracked link.
	pick := eval[bool](in, "storefront pick", `(() => {
	  const card = document.querySelector('main .product-card');
	  return !!card && !!card.querySelector('a[href^="/r/"] img') && card.querySelectorAll('.swatch').length > 0
	    && !!document.querySelector('.storefront img.avatar');
	})()`)
	if !pick {
		t.Error("the storefront has no profile photo, or its card has no photo, swatches or tracked link")
	}
	in.shot("06-influencer-storefront")
}

// Journey 3: a shopper follows the link, searches by the red swatch, finds the
// product and buys it.
func (s *story) shopperBuys(t *testing.T, sh *user) {
	sh.open("/r/" + s.linkCode)
	if got, want := sh.path(), "/products/"+s.productID; got != want && !strings.HasPrefix(got, want+"?") {
		t.Fatalf("the link landed on %s, want %s", got, want)
	}
	if sh.cookie("warna_ref") == "" {
		t.Fatal("following the link set no attribution cookie")
	}
	if got := sh.text(`.product-info h1`); got != productTitle {
		t.Fatalf("landing page title %q", got)
	}
	sh.imagesLoaded(`.gallery img`)
	sh.shot("07-shopper-landing")

	sh.open("/search")
	sh.do("pick the red swatch", waitVisible(`label.chip[title="red"]`), click(`label.chip[title="red"]`))
	if !eval[bool](sh, "red is checked", `document.querySelector('input[name=colors][value=red]').checked`) {
		t.Fatal("clicking the red swatch did not check it")
	}
	sh.do("rule out black", click(`label.chip[title="not black"]`))
	if !eval[bool](sh, "not black is checked", `document.querySelector('input[name=not][value=black]').checked`) {
		t.Fatal("clicking the not-black swatch did not check it")
	}
	sh.shot("08-search-picker")
	sh.submit("search", `.search-bar button`)
	if p := sh.path(); !strings.Contains(p, "colors=red") || !strings.Contains(p, "not=black") {
		t.Fatalf("search URL %s does not carry colors=red and not=black", p)
	}
	// The search index follows the catalogue through the change log; reload the
	// same query until the product is in it.
	results := sh.path()
	card := fmt.Sprintf(`.results a[href="/products/%s"]`, s.productID)
	sh.pollReload("the product in the red results", results, fmt.Sprintf(`!!document.querySelector(%q)`, card), 30*time.Second)
	mustContain(t, "results", sh.text(`.results`), productTitle)
	sh.imagesLoaded(`.results img`)
	sh.shot("09-search-results")

	// In Indonesian: a red shirt, not black. The shirts' photos are processed
	// and indexed by the server: reload until the red one shows.
	sh.open("/search")
	sh.do("type an Indonesian search", fill(`#q`, "kemeja merah bukan hitam"))
	sh.submit("search in Indonesian", `.search-bar button`)
	indonesian := sh.path()
	sh.pollReload("the red shirt in the Indonesian results", indonesian,
		fmt.Sprintf(`[...document.querySelectorAll(".results .product-card h3")].some(h => h.innerText.trim() === %q)`, redShirtTitle), 60*time.Second)
	titles := eval[[]string](sh, "result titles", `[...document.querySelectorAll(".results .product-card h3")].map(h => h.innerText.trim())`)
	if len(titles) != 1 || titles[0] != redShirtTitle {
		t.Fatalf("kemeja merah bukan hitam found %q, want only %q (no black product, no tee)", titles, redShirtTitle)
	}
	mustContain(t, "Indonesian results", sh.text(`.results`), "not", "black") // the English page names the family in English
	sh.shot("09b-search-indonesian")

	// Back to the red results, to buy the merchant's product.
	sh.open(results)
	sh.submit("open the result", card)
	sh.submit("add to cart", `form.add-to-cart button[type=submit]`)
	mustContain(t, "cart", sh.text(`main table`), productTitle, price)
	sh.shot("10-cart")

	sh.submit("check out", `main a[href="/checkout"]`)
	sh.do("fill the checkout form",
		fill(`#email`, s.shopperEmail, `#ship_name`, "Sari Shopper", `#ship_address`, "Jl. Merdeka 1\nBandung 40111", `#card`, "4242 4242 4242 4242"),
	)
	sh.shot("11-checkout")
	sh.submit("pay", `form[action="/checkout"] button[type=submit]`)
	// Paying answers with a redirect to the order's page (post/redirect/get).
	if got := sh.text(`main h1`); got != "Your order" {
		t.Fatalf("after paying the page says %q:\n%s", got, sh.text(`main`))
	}
	mustContain(t, "confirmation", sh.text(`main`), "Thank you", price, "Placed, waiting to ship")
	heading := sh.text(`main h2`)
	m := regexp.MustCompile(`Order #(\d+)`).FindStringSubmatch(heading)
	if m == nil {
		t.Fatalf("confirmation %q names no order", heading)
	}
	s.orderID = m[1]
	sh.shot("12-order-confirmation")
}

// Journey 4: the merchant sees the sale with its attribution receipt and the
// commission on the dashboard; the influencer sees the pending earnings.
func (s *story) saleIsSeen(t *testing.T, m, in *user) {
	m.open("/merchant/orders")
	row := fmt.Sprintf(`(() => { const a = document.querySelector('main a[href="/merchant/orders/%s"]'); return a ? a.closest("tr").innerText : ""; })()`, s.orderID)
	text := eval[string](m, "order row", row)
	mustContain(t, "merchant's order row", text, "#"+s.orderID, s.shopperEmail, price, "attributed", "click", "after the click")
	m.shot("13-merchant-orders")

	m.open("/merchant/orders/" + s.orderID)
	mustContain(t, "merchant's order page", m.text(`main`), "Attribution receipt", "attributed", "click at", "window 30 days", "influencer #")
	m.shot("14-merchant-order-receipt")

	// The dashboard reads daily roll-ups kept by a job: reload until the sale
	// is in them.
	m.pollReload("the sale on the merchant dashboard", "/merchant/dashboard",
		fmt.Sprintf(`document.querySelector('section[aria-labelledby="kpi-comm-h"]').innerText.includes(%q)`, commission), 30*time.Second)
	mustContain(t, "merchant KPIs", m.text(`section[aria-labelledby="kpi-sales-h"]`), price)
	mustContain(t, "top influencers and approval queue", m.text(`main`), "Top influencers", "@"+s.handle, "Approval queue", "#"+s.orderID)
	charts := eval[int](m, "charts", `document.querySelectorAll("svg.chart").length`)
	if charts < 2 {
		t.Fatalf("merchant dashboard draws %d charts, want sales and clicks", charts)
	}
	m.shot("15-merchant-dashboard")

	in.pollReload("pending earnings on the influencer dashboard", "/influencer/dashboard",
		`[...document.querySelectorAll(".balances tfoot")].some(e => e.textContent.includes("Total pending"))`, 30*time.Second)
	mustContain(t, "pending earnings", in.text(`.balances`), "Pending earnings unlock", "Total pending", commission)
	in.shot("16-influencer-dashboard")

	in.open("/influencer")
	mustContain(t, "influencer earnings", in.text(`#earnings`), commission)

	// The merchant points order events at their own system: the signing
	// secret is shown once, the address stays, and it can be removed. The
	// host is an address, since a name is looked up when saved and the
	// journeys must not need DNS (a public one: private ones are refused).
	const hook = "https://93.184.215.14/warna-events"
	m.open("/merchant/api-keys")
	m.do("fill the webhook address", fill(`#webhook-url`, hook))
	m.submit("save the webhook", `#webhook form[action="/merchant/webhook"] button[type=submit]`)
	mustContain(t, "webhook section", m.text(`#webhook`), "Your signing secret", "Sending to "+hook, "since")
	if secret := m.text(`#webhook code.secret`); len(secret) < 20 {
		t.Fatalf("signing secret %q, want a long random secret", secret)
	}
	m.shot("17-merchant-webhook")
	m.open("/merchant/api-keys")
	if strings.Contains(m.text(`#webhook`), "Your signing secret") {
		t.Fatal("the signing secret is shown again after a reload")
	}
	m.submit("remove the webhook", `#webhook form[action="/merchant/webhook/remove"] button`)
	mustContain(t, "after removing the webhook", m.text(`main`), "Webhook removed")
	if strings.Contains(m.text(`#webhook`), "Sending to") {
		t.Fatal("the removed webhook is still shown as sending")
	}
}
