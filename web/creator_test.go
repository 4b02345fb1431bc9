package web

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/warna/warna/affiliates"
	"github.com/warna/warna/orders"
	"github.com/warna/warna/search"
	"github.com/warna/warna/search/embedded"
)

// newCreatorSite is an affSite whose search index holds its three products,
// the second one green (by the merchant's choice of family) and earning its
// own 12.5 %.
func newCreatorSite(t *testing.T) (*affSite, *browser) {
	t.Helper()
	idx := embedded.New()
	t.Cleanup(func() { _ = idx.Close() })
	s := newAffSiteSearch(t, Config{BaseURL: "http://warna.test"}, orders.WebhookOptions{Resolver: exampleResolver{}},
		search.NewService(idx, search.Options{Currency: "IDR"}))
	green, bps := `["green"]`, 1250
	s.products[1].Title, s.products[1].FamilyOverride, s.products[1].CommissionBps = "Kemeja Hutan", &green, &bps
	if err := s.db.Save(&s.products[1]).Error; err != nil {
		t.Fatal(err)
	}
	var docs []search.Document
	for _, p := range s.products {
		p.Shop = s.shop
		d, err := search.BuildDocument(p)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, d)
	}
	if err := idx.Rebuild(context.Background(), func(put func([]search.Document) error) error { return put(docs) }); err != nil {
		t.Fatal(err)
	}
	b := s.browser()
	b.logIn("rina@example.com", "correct horse battery")
	return s, b
}

func TestLinkPickerFindsByColourAndReusesLinks(t *testing.T) {
	s, b := newCreatorSite(t)
	green := strconv.FormatInt(s.products[1].ID, 10)
	for _, query := range []string{"find=green", "family=green", "find=hijau"} {
		page := b.get("/influencer?" + query)
		if page.Status != http.StatusOK {
			t.Fatalf("%s: status %d: %.300s", query, page.Status, page.Body)
		}
		body := html.UnescapeString(page.Body)
		for _, want := range []string{"Kemeja Hutan", `name="product_id" value="` + green + `"`, "You earn 12.50% of each sale.", "Batik Sari", "Get link"} {
			if !strings.Contains(body, want) {
				t.Errorf("%s: the picker lacks %q", query, want)
			}
		}
		if strings.Contains(body, "Batik 0") {
			t.Errorf("%s: the picker lists a product that is not green", query)
		}
	}

	get := url.Values{"kind": {"product"}, "product_id": {green}}
	first := b.submit("/influencer", "/influencer/links", get)
	if first.Status != http.StatusSeeOther || !strings.HasPrefix(first.Location, "/influencer?link=") {
		t.Fatalf("get link: %d to %q", first.Status, first.Location)
	}
	made := b.get(first.Location)
	if !strings.Contains(made.Body, "Your link is ready") || !strings.Contains(made.Body, `id="made"`) {
		t.Errorf("first link: no ready message or link panel: %.500s", made.Body)
	}
	second := b.submit("/influencer", "/influencer/links", get)
	if second.Location != first.Location {
		t.Errorf("second get link goes to %q, want the same link's %q", second.Location, first.Location)
	}
	again := b.get(second.Location)
	if !strings.Contains(again.Body, "You already have a link for this; here it is.") {
		t.Errorf("second get link: no re-use message")
	}
	links, err := s.aff.LinksOf(context.Background(), s.infl.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(links) != 1 {
		t.Fatalf("got %d links, want 1", len(links))
	}
	full := "http://warna.test/r/" + links[0].Code
	body := html.UnescapeString(again.Body)
	for _, want := range []string{`id="made-` + strconv.FormatInt(links[0].ID, 10) + `"`, `value="` + full + `" readonly`, "data-copy=",
		"https://wa.me/?text=", url.QueryEscape(full), "For your Instagram bio", "For TikTok", "You earn 12.50% of each sale."} {
		if !strings.Contains(body, want) {
			t.Errorf("the new link's panel lacks %q", want)
		}
	}
}

func TestPayoutAccountForm(t *testing.T) {
	s, b := newCreatorSite(t)
	page := b.get("/influencer")
	if !strings.Contains(page.Body, "Where we pay you") || !strings.Contains(page.Body, `<optgroup label="E-wallets">`) {
		t.Fatalf("no payout form: %.300s", page.Body)
	}
	bad := b.submit("/influencer", "/influencer/payout-account", url.Values{"provider": {"bca"}, "number": {"123456789"}, "holder": {"Rina"}})
	if bad.Status != http.StatusUnprocessableEntity {
		t.Fatalf("9-digit BCA: status %d, want 422", bad.Status)
	}
	reason := "A BCA account number has 10 digits; this has 9"
	at := strings.Index(bad.Body, `id="number-error"`)
	if at < 0 || !strings.Contains(bad.Body[at:min(len(bad.Body), at+300)], reason) {
		t.Errorf("the reason %q is not next to the number field: %.2000s", reason, bad.Body)
	}
	if !strings.Contains(bad.Body, `value="123456789"`) {
		t.Error("the refused number is not kept in the form")
	}
	if _, ok, _ := s.influencers.PayoutAccountOf(context.Background(), s.infl.ID); ok {
		t.Error("a refused account was saved")
	}
	ok := b.submit("/influencer", "/influencer/payout-account", url.Values{"provider": {"bca"}, "number": {"123 456 6789"}, "holder": {"Rina Wulandari"}})
	if ok.Status != http.StatusSeeOther {
		t.Fatalf("save: %d %.300s", ok.Status, ok.Body)
	}
	page = b.get("/influencer")
	if !strings.Contains(page.Body, "BCA •••• 6789") || strings.Contains(page.Body, "1234566789") || !strings.Contains(page.Body, "?change=payout") {
		t.Errorf("saved account not shown masked with a change link: %.300s", page.Body)
	}
}

func TestPayoutHistoryShowsWhereItWent(t *testing.T) {
	s := newDashSite(t)
	ctx := context.Background()
	if _, err := s.influencers.SetPayoutAccount(ctx, s.infl[0].ID, affiliates.PayoutAccountInput{Provider: "gopay", Number: "081234567890", Holder: "Rina"}); err != nil {
		t.Fatal(err)
	}
	merchant := s.shops[0].OwnerID
	if err := s.ledger.ApproveOrder(ctx, merchant, s.order[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ledger.CreatePayout(ctx, merchant, s.infl[0].ID); err != nil {
		t.Fatal(err)
	}
	for who, page := range map[string]string{
		"rina_jkt@example.com": "/influencer/dashboard",
		"jkt@example.com":      "/merchant/dashboard",
	} {
		res := s.login(t, who).get(page)
		if res.Status != http.StatusOK || !strings.Contains(res.Body, "Paid to") || !strings.Contains(res.Body, "GoPay •••• 7890") {
			t.Errorf("%s: %d, no paid-to column with GoPay •••• 7890", page, res.Status)
		}
	}
}
