package web

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
)

func TestHealthReadyMetricsVersion(t *testing.T) {
	dbDown := errors.New("connection refused")
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
	if got := b.get("/readyz"); got.Status != http.StatusServiceUnavailable || !strings.Contains(got.Body, "connection refused") {
		t.Errorf("/readyz with the database down: %d %s, want 503 naming the failure", got.Status, got.Body)
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

func TestSafeNextRefusesOffsiteRedirects(t *testing.T) {
	for _, next := range []string{"//evil.example", "https://evil.example", "/\\evil.example", "evil", "javascript:alert(1)"} {
		if got := safeNext(next); got != "" {
			t.Errorf("safeNext(%q) = %q, want empty", next, got)
		}
	}
	if got := safeNext("/merchant/products?page=2"); got != "/merchant/products?page=2" {
		t.Errorf("safeNext kept local path as %q", got)
	}
}
