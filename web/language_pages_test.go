package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/warna/warna/affiliates"
	"github.com/warna/warna/affiliates/clicklog"
	"github.com/warna/warna/catalog"
	"github.com/warna/warna/catalog/bulk"
	"github.com/warna/warna/database"
	"github.com/warna/warna/database/dbtest"
	"github.com/warna/warna/idempotency"
	"github.com/warna/warna/jobs"
	"github.com/warna/warna/media"
	"github.com/warna/warna/orders"
	"github.com/warna/warna/search"
	"github.com/warna/warna/search/embedded"
	"github.com/warna/warna/search/searchtest"
	"github.com/warna/warna/stats"
	"github.com/warna/warna/web/auth"
	"github.com/warna/warna/web/locale"
)

// TestPagesInBothLanguages opens the public, merchant and influencer pages
// once in Indonesian and once in English, over a shop with products, an
// influencer with a link and an order credited to it: each answers in the
// language asked for, and no text the Indonesian pages asked for is
// missing from the catalogue.
func TestPagesInBothLanguages(t *testing.T) {
	site, products := newLanguageSite(t)
	public := []string{"/", "/catalogue", "/catalogue/tops", "/search?colors=red", "/search?q=kemeja+merah&not=black", "/search/look",
		fmt.Sprintf("/products/%d", products[0].ID), "/shops/batik", "/@rina", "/api/docs"}
	merchantPages := []string{"/merchant", fmt.Sprintf("/merchant/products/%d", products[0].ID), fmt.Sprintf("/products/%d", products[1].ID),
		"/merchant/products/new", "/merchant/shop", "/merchant/dashboard", "/merchant/api-keys", "/merchant/imports",
		"/merchant/webhook/deliveries", "/merchant/commissions"}
	influencerPages := []string{"/influencer", "/influencer/dashboard"}
	notFound := []string{"/no-such-page", "/r/nosuchcode", "/products/999999"}
	for _, l := range locale.All {
		visitor := site.browser()
		m := site.browser()
		m.logIn("shop@example.com", "correct horse battery")
		i := site.browser()
		i.logIn("rina@example.com", "correct horse battery")
		check := func(b *browser, path string, want int) {
			req := newRequest(t, http.MethodGet, site.srv.URL+path, nil)
			req.Header.Set("Accept-Language", string(l))
			res := b.do(req)
			if res.Status != want || !strings.Contains(res.Body, `<html lang="`+string(l)+`">`) {
				t.Errorf("%s in %s: %d, want %d and <html lang=%q>; %.300s", path, l, res.Status, want, l, res.Body)
			}
		}
		for _, p := range public {
			check(visitor, p, http.StatusOK)
		}
		for _, p := range merchantPages {
			check(m, p, http.StatusOK)
		}
		for _, p := range influencerPages {
			check(i, p, http.StatusOK)
		}
		for _, p := range notFound {
			check(visitor, p, http.StatusNotFound)
		}
	}
	if missing := site.server.views.Catalog.Missing(locale.Indonesian); len(missing) > 0 {
		t.Errorf("%d texts the Indonesian pages asked for are not in the catalogue:\n%s", len(missing), strings.Join(missing, "\n"))
	}
}

// TestExportHeadersInTheReadersLanguage: a dashboard's CSV export names
// its columns in the language of the request; English keeps the API's
// column names.
func TestExportHeadersInTheReadersLanguage(t *testing.T) {
	s := newDashSite(t)
	b := s.login(t, "jkt@example.com")
	for lang, want := range map[locale.Lang]string{locale.English: "order_id,external_id,placed_at", locale.Indonesian: "id_pesanan,id_eksternal,waktu_pesan"} {
		req := newRequest(t, http.MethodGet, s.srv.URL+"/merchant/dashboard/export/orders.csv?range=30d", nil)
		req.Header.Set("Accept-Language", string(lang))
		if res := b.do(req); res.Status != http.StatusOK || !strings.HasPrefix(strings.TrimPrefix(res.Body, "\ufeff"), want) {
			t.Errorf("orders.csv in %s: %d, want a header starting %q; %.200s", lang, res.Status, want, res.Body)
		}
	}
}

// newLanguageSite is a site with a shop (an active and a draft product),
// an influencer with a storefront and a link, an order credited to it, and
// a webhook; its default language is Indonesian.
func newLanguageSite(t *testing.T) (*testSite, []catalog.Product) {
	t.Helper()
	ctx := context.Background()
	var migrations []database.Migration
	for _, m := range [][]database.Migration{auth.Migrations(), jobs.Migrations(), catalog.Migrations(), bulk.Migrations(),
		orders.Migrations(), affiliates.Migrations(), stats.Migrations(), idempotency.Migrations()} {
		migrations = append(migrations, m...)
	}
	db := dbtest.Open(t, migrations...)
	store, err := media.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	queue, err := jobs.New(db, jobs.NewWorkers(), jobs.Options{}) // not started: the pages only list
	if err != nil {
		t.Fatal(err)
	}
	idx := embedded.New()
	t.Cleanup(func() { _ = idx.Close() })
	if err := idx.Rebuild(ctx, func(put func([]search.Document) error) error { return put(searchtest.Documents()) }); err != nil {
		t.Fatal(err)
	}
	sales := newSales(t, db, clicklog.Options{FlushEvery: time.Hour}, store)
	authSvc := auth.NewService(db, nil)
	cat := catalog.New(db, store, queue, catalog.Options{})
	st := stats.NewService(db, nil, nil)
	site := newTestSite(t, Config{BaseURL: "http://warna.test", Language: locale.Indonesian}, sales.deps(Deps{Auth: authSvc, Catalog: cat,
		Bulk: bulk.NewService(db, store, queue, cat, bulk.Options{}), Stats: st, Idempotency: idempotency.New(db, idempotency.Options{}),
		Search: search.NewService(idx, search.Options{Currency: "IDR"})}))

	merchant, err := authSvc.SignUp(ctx, auth.SignUpInput{Email: "shop@example.com", Name: "Batik Sari", Password: "correct horse battery", Role: auth.RoleMerchant})
	if err != nil {
		t.Fatal(err)
	}
	shop := catalog.Shop{OwnerID: merchant.ID, Slug: "batik", Name: "Batik Sari", Currency: "IDR", TimeZone: "Asia/Jakarta",
		DefaultCommissionBps: 1000, ReturnWindowDays: 14, AttributionWindowDays: 7}
	if err := db.Create(&shop).Error; err != nil {
		t.Fatal(err)
	}
	var products []catalog.Product
	for i, status := range []catalog.Status{catalog.StatusActive, catalog.StatusDraft} {
		p := catalog.Product{ShopID: shop.ID, SKU: fmt.Sprintf("SKU%d", i), Title: fmt.Sprintf("Batik %d", i), Category: "tops",
			PriceMinor: 150_000, Currency: "IDR", Stock: 5 - 5*i, Status: status, DeclaredColor: "merah"}
		if err := db.Create(&p).Error; err != nil {
			t.Fatal(err)
		}
		products = append(products, p)
	}
	infl, err := authSvc.SignUp(ctx, auth.SignUpInput{Email: "rina@example.com", Name: "Rina", Password: "correct horse battery", Role: auth.RoleInfluencer})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sales.influencers.EnsureInfluencer(ctx, affiliates.Account{ID: infl.ID, Name: infl.Name, Email: infl.Email}); err != nil {
		t.Fatal(err)
	}
	if err := sales.influencers.UpdateProfile(ctx, infl.ID, affiliates.ProfileInput{Handle: "rina"}); err != nil {
		t.Fatal(err)
	}
	link, err := sales.aff.CreateLink(ctx, infl.ID, affiliates.LinkInput{Kind: affiliates.TargetProduct, ProductID: products[0].ID})
	if err != nil {
		t.Fatal(err)
	}
	placed := time.Now().Add(-26 * time.Hour)
	if _, _, err := sales.orders.RecordConversion(ctx, merchant.ID, orders.ConversionInput{OrderID: "ext-1", PlacedAt: &placed, LinkCode: link.Code,
		Lines: []orders.ConversionLine{{ProductID: products[0].ID, UnitPriceMinor: 150_000, Quantity: 2}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := sales.webhooks.SetWebhook(ctx, merchant.ID, "https://shop.example.com/warna"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	return site, products
}
