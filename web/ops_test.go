package web

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHealthReadyMetricsVersion(t *testing.T) {
	// What pgx says when the database is down: user, database, host and
	// address, none of which a visitor may see.
	dbDown := errors.New("failed to connect to `user=warna database=shop`: 10.0.3.7:5432 (db.internal): dial error: dial tcp 10.0.3.7:5432: connect: connection refused")
	var failing bool
	site := newTestSite(t, Config{Version: "v1.2.3", Commit: "abc123"}, Deps{Ready: []ReadyCheck{{
		Name: "database",
		Check: func(context.Context) error {
			if failing {
				return dbDown
			}
			return nil
		},
	}}})
	b := site.browser()

	if got := b.get("/healthz"); got.Status != http.StatusOK || !strings.Contains(got.Body, `"ok"`) {
		t.Errorf("/healthz: %d %s", got.Status, got.Body)
	}
	if got := b.get("/readyz"); got.Status != http.StatusOK || !strings.Contains(got.Body, `"database":"ok"`) {
		t.Errorf("/readyz healthy: %d %s", got.Status, got.Body)
	}
	failing = true
	if got := b.get("/readyz"); got.Status != http.StatusServiceUnavailable || !strings.Contains(got.Body, `"database":"unavailable"`) {
		t.Errorf("/readyz with the database down: %d %s, want 503 naming the failed check", got.Status, got.Body)
	} else {
		for _, secret := range []string{"warna", "shop", "10.0.3.7", "db.internal", "5432", "refused"} {
			if strings.Contains(got.Body, secret) {
				t.Errorf("/readyz shows %q from the driver's error: %s", secret, got.Body)
			}
		}
	}
	if got := b.get("/version"); !strings.Contains(got.Body, `"version":"v1.2.3"`) || !strings.Contains(got.Body, `"commit":"abc123"`) {
		t.Errorf("/version: %s", got.Body)
	}
	b.get("/login")
	metrics := b.get("/metrics")
	if metrics.Status != http.StatusOK {
		t.Fatalf("/metrics: status %d", metrics.Status)
	}
	for _, want := range []string{"warna_http_request_duration_seconds_bucket", `url="/login"`} {
		if !strings.Contains(metrics.Body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func TestErrorsRenderByAudience(t *testing.T) {
	site := newTestSite(t, Config{}, Deps{})
	b := site.browser()
	page := b.get("/no-such-page")
	if page.Status != http.StatusNotFound || !strings.Contains(page.Body, "Page not found") || !strings.Contains(page.Header.Get("Content-Type"), "text/html") {
		t.Errorf("HTML 404: %d %s %.200s", page.Status, page.Header.Get("Content-Type"), page.Body)
	}
	api := b.get("/api/v1/no-such-thing")
	if api.Status != http.StatusNotFound || !strings.Contains(api.Body, `{"error":{"code":"not_found","message":`) {
		t.Errorf("API 404: %d %s", api.Status, api.Body)
	}
	for _, h := range []string{"X-Content-Type-Options", "X-Frame-Options", "Content-Security-Policy", "X-Request-Id"} {
		if page.Header.Get(h) == "" {
			t.Errorf("response lacks security/ops header %s", h)
		}
	}
}

// TestMetricsProtectedOrElsewhere: with a token set, /metrics answers only
// to it; when served on its own address, the site does not serve it.
func TestMetricsProtectedOrElsewhere(t *testing.T) {
	site := newTestSite(t, Config{MetricsToken: "scrape-secret-0123"}, Deps{})
	scrape := func(srv string, token string) response {
		req := newRequest(t, http.MethodGet, srv+"/metrics", nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		return site.browser().do(req)
	}
	if got := scrape(site.srv.URL, ""); got.Status != http.StatusUnauthorized || strings.Contains(got.Body, "warna_") {
		t.Errorf("/metrics without the token: %d, want 401 and no figures", got.Status)
	}
	if got := scrape(site.srv.URL, "wrong-token"); got.Status != http.StatusUnauthorized {
		t.Errorf("/metrics with a wrong token: %d, want 401", got.Status)
	}
	if got := scrape(site.srv.URL, "scrape-secret-0123"); got.Status != http.StatusOK || !strings.Contains(got.Body, "warna_") {
		t.Errorf("/metrics with the token: %d, want 200 with figures", got.Status)
	}

	s, err := New(Config{MetricsElsewhere: true}, Deps{Auth: site.auth})
	if err != nil {
		t.Fatal(err)
	}
	main := httptest.NewServer(s.Handler())
	t.Cleanup(main.Close)
	metrics := httptest.NewServer(s.MetricsHandler())
	t.Cleanup(metrics.Close)
	if got := scrape(main.URL, ""); got.Status != http.StatusNotFound {
		t.Errorf("/metrics on the site when it has its own address: %d, want 404", got.Status)
	}
	if got := scrape(metrics.URL, ""); got.Status != http.StatusOK || !strings.Contains(got.Body, "warna_") {
		t.Errorf("/metrics on its own address: %d", got.Status)
	}
}
