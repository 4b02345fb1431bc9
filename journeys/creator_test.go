package journeys

import (
	"context"
	"fmt"
	"image/color"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestCreatorTools is issue 18's creator journey: an influencer picks a
// product by a colour search, gets its link (the copy input, the share
// ways, the rate) and sets where they are paid, at desktop and phone width,
// in English and Indonesian. A merchant first lists a green shirt, whose
// photo gives it its colour.
func TestCreatorTools(t *testing.T) {
	requireChromium(t)
	browser := newBrowser(t)
	word := uniq("Pinus")
	productID := listGreenShirt(t, newUser(t, browser, "merchant"), word)

	in := newUser(t, browser, "influencer")
	email := uniq("creator") + "@example.com"
	in.open("/signup")
	in.do("fill the sign-up form", click(`input[name=role][value=influencer]`),
		fill(`#name`, "Citra Creator", `#email`, email, `#password`, password))
	in.submit("sign up", `form[action="/signup"] button[type=submit]`)
	in.logInAfterSignUp(t, email)

	// The search index follows the catalogue's change log: wait until the
	// shirt is found by its colour family.
	pick := "/influencer?find=" + word + "&family=green#pick"
	in.pollReload("the green shirt in the link picker", pick,
		fmt.Sprintf(`!!document.querySelector('.pick-result input[name=product_id][value="%s"]')`, productID), 60*time.Second)

	for i, run := range []struct {
		name, lang string
		width      int64
	}{
		{"desktop-en", "en", 1280}, {"phone-en", "en", 390}, {"desktop-id", "id", 1280}, {"phone-id", "id", 390},
	} {
		t.Run(run.name, func(t *testing.T) {
			in.t = t
			if run.width < 1000 {
				in.do("phone width", chromedp.EmulateViewport(run.width, 844, chromedp.EmulateMobile))
			} else {
				in.do("desktop width", chromedp.EmulateViewport(run.width, 900))
			}
			in.open("/language?to=" + run.lang + "&next=/influencer")
			creatorPicksAndShares(t, in, run.name, run.lang, word, productID, i == 0)
			creatorSetsPayout(t, in, run.name, run.lang, i)
		})
	}
	in.do("desktop width again", chromedp.EmulateViewport(1280, 900))
}

// listGreenShirt has a merchant open a shop and list an active green shirt
// titled with word, and returns its id once its photo is processed.
func listGreenShirt(t *testing.T, m *user, word string) string {
	t.Helper()
	email := uniq("greenshop") + "@example.com"
	m.open("/signup")
	m.do("fill the sign-up form", click(`input[name=role][value=merchant]`),
		fill(`#name`, "Gita Green", `#email`, email, `#password`, password))
	m.submit("sign up", `form[action="/signup"] button[type=submit]`)
	m.logInAfterSignUp(t, email)
	m.do("fill the shop form", waitVisible(`form[action="/merchant/shop/new"]`),
		fill(`#name`, "Green Threads", `#slug`, uniq("green-threads-"), `#currency`, "USD", `#time_zone`, "Asia/Jakarta",
			`#commission`, "10", `#description`, "Shirts in forest colours."))
	m.submit("open the shop", `form[action="/merchant/shop/new"] button[type=submit]`)
	m.open("/merchant/products/new")
	category := eval[string](m, "first category", `document.querySelector("#category").options[1].value`)
	photo := teePNG(t, "green-tee.png", color.NRGBA{30, 140, 60, 255}, color.NRGBA{20, 100, 40, 255})
	m.do("fill the product form", fill(`#title`, "Kemeja "+word, `#price`, "30.00", `#stock`, "5", `#category`, category,
		`#status`, "active", `#description`, "A green cotton shirt."),
		setUploadFiles(`form[action="/merchant/products"] #photos`, photo))
	m.submit("create the product", `form[action="/merchant/products"] button[type=submit]`)
	id := regexp.MustCompile(`^/merchant/products/(\d+)`).FindStringSubmatch(m.path())
	if id == nil {
		t.Fatalf("after creating the product the merchant is at %s", m.path())
	}
	m.pollReload("the photo processed", "/merchant/products/"+id[1],
		`document.querySelectorAll("#photos .photo-item .swatch").length > 0`, 60*time.Second)
	return id[1]
}

// creatorPicksAndShares searches by word and the green chip, gets the
// shirt's link and checks what the page offers to share it with.
func creatorPicksAndShares(t *testing.T, in *user, name, lang, word, productID string, first bool) {
	in.open("/influencer#pick")
	in.do("search by word and colour", fill(`#find`, word), click(`form#pick label.chip:has(input[value=green])`))
	if !eval[bool](in, "green chip ticked", `document.querySelector('form#pick input[name=family][value=green]').checked`) {
		t.Fatal("the green chip is not ticked after clicking it")
	}
	in.submit("search", `form#pick button[type=submit]`)
	result := fmt.Sprintf(`.pick-result:has(input[name=product_id][value="%s"])`, productID)
	mustContain(t, "the picked product", in.text(result), "Kemeja "+word, "Green Threads", map[string]string{"en": "You earn 10", "id": "Anda mendapat 10"}[lang])
	in.shot("creator-" + name + "-1-picker")

	in.submit("get the link", result+` button[type=submit]`)
	want := map[string][2]string{"en": {"Your link is ready", "You already have a link for this"}, "id": {"", "Anda sudah punya tautan untuk ini"}}[lang]
	flash := want[1]
	if first {
		flash = want[0]
	}
	mustContain(t, "the page after Get link", in.mainText(), flash)
	url := eval[string](in, "the link's address", `(document.querySelector("#made input.link-url") || {}).value || ""`)
	if !strings.Contains(url, "/r/") {
		t.Fatalf("no link address in the copy input: %q", url)
	}
	label := eval[string](in, "the copy input's label", `(() => { const i = document.querySelector("#made input.link-url");
		const l = document.querySelector('label[for="' + i.id + '"]'); return l ? l.textContent.trim() : ""; })()`)
	if label == "" {
		t.Error("the copy input has no label")
	}
	if !eval[bool](in, "copy button and share links", `(() => { const b = document.querySelector("#made button[data-copy]");
		const wa = document.querySelector('#made a[href^="https://wa.me/?text="]');
		return !!b && !b.hidden && !!wa && wa.href.includes(encodeURIComponent(document.querySelector("#made input.link-url").value)); })()`) {
		t.Error("no visible Copy button or no WhatsApp link carrying the address")
	}
	if got := in.copyLink(`#made button[data-copy]`, map[string]string{"en": "Copied", "id": "Tersalin"}[lang]); got != url {
		t.Errorf("Copy put %q on the clipboard, want the link %q", got, url)
	}
	mustContain(t, "share ways", in.text(`#made .share-ways`), url,
		map[string]string{"en": "For your Instagram bio", "id": "Untuk bio Instagram Anda"}[lang])
	in.shot("creator-" + name + "-2-link")
}

// creatorSetsPayout saves a payout account; the first time a 9-digit BCA
// number is refused next to its field first.
func creatorSetsPayout(t *testing.T, in *user, name, lang string, i int) {
	form := `form[action="/influencer/payout-account"]`
	in.open("/influencer?change=payout#payout")
	if i == 0 {
		in.do("a BCA number one digit short", waitVisible(form), fill(`#provider`, "bca", `#number`, "123456789", `#holder`, "Citra Creator"))
		ctx, cancel := context.WithTimeout(in.ctx, timeout)
		resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(form+` button[type=submit]`)))
		cancel()
		if err != nil || resp == nil || resp.Status != 422 {
			t.Fatalf("a 9-digit BCA number: %v, response %+v; want 422", err, resp)
		}
		mustContain(t, "the number's error", in.text(`#number-error`), "10", "9")
		in.shot("creator-" + name + "-3-payout-error")
	}
	accounts := []struct{ provider, number, masked string }{
		{"bca", "1234567890", "BCA •••• 7890"}, {"gopay", "0812 3456 7001", "GoPay •••• 7001"},
		{"mandiri", "1234567890123", "Bank Mandiri •••• 0123"}, {"dana", "+62 812 3456 7004", "DANA •••• 7004"},
	}
	a := accounts[i]
	in.do("fill the payout account", waitVisible(form), fill(`#provider`, a.provider, `#number`, a.number, `#holder`, "Citra Creator"))
	in.submit("save the payout account", form+` button[type=submit]`)
	mustContain(t, "the saved account", in.text(`#payout`), a.masked,
		map[string]string{"en": "Where we pay you", "id": "Ke mana kami membayar Anda"}[lang])
	if strings.Contains(in.text(`#payout`), strings.ReplaceAll(a.number, " ", "")) {
		t.Error("the full account number is shown")
	}
	in.shot("creator-" + name + "-4-payout")
}
