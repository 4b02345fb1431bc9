package web

import (
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/warna/warna/catalog"
	"github.com/warna/warna/catalog/bulk"
	"github.com/warna/warna/database/dbtest"
	"github.com/warna/warna/orders"
	"github.com/warna/warna/search"
	"github.com/warna/warna/web/api/apitest"
	"github.com/warna/warna/web/auth"
)

var echoParam = regexp.MustCompile(`:([a-zA-Z_]+)`)

// TestEveryAPIRouteIsDescribed fails when /api/v1 has a route the OpenAPI
// description lacks, or the description an operation the server does not
// route. It compares echo's registered routes with the description.
func TestEveryAPIRouteIsDescribed(t *testing.T) {
	db := dbtest.Open(t, auth.Migrations()...)
	// Every service the API mounts routes for; none is called here.
	s, err := New(Config{}, Deps{Auth: auth.NewService(db, nil), Catalog: &catalog.Catalog{}, Bulk: &bulk.Service{}, Orders: &orders.Service{},
		Webhooks: &orders.Webhooks{}, Search: &search.Service{}})
	if err != nil {
		t.Fatal(err)
	}
	routed := map[apitest.Operation]bool{}
	for _, r := range s.echo.Routes() {
		if !strings.HasPrefix(r.Path, apitest.Prefix+"/") || !isHTTPMethod(r.Method) {
			continue
		}
		routed[apitest.Operation{Method: r.Method, Path: echoParam.ReplaceAllString(r.Path, "{$1}")}] = true
	}
	v, err := apitest.Load()
	if err != nil {
		t.Fatal(err)
	}
	described := map[apitest.Operation]bool{}
	for _, op := range v.Operations() {
		described[op] = true
		if !routed[op] {
			t.Errorf("the description has %s %s, which the server does not route", op.Method, op.Path)
		}
	}
	var missing []string
	for op := range routed {
		if !described[op] {
			missing = append(missing, op.Method+" "+op.Path)
		}
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Errorf("%s is routed but not in the API description (web/api/openapi)", m)
	}
	if len(routed) == 0 {
		t.Fatal("no /api/v1 routes found")
	}
	t.Logf("%d operations routed and described", len(routed))
}

func isHTTPMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodHead, http.MethodOptions:
		return true
	}
	return false
}

// TestAPIReferencePage: /api/docs shows every operation and event of the
// description with the site's own page, loading nothing from elsewhere, and
// /api/v1/openapi.json serves the description with an ETag.
func TestAPIReferencePage(t *testing.T) {
	site := newTestSite(t, Config{}, Deps{})
	b := site.browser()
	page := b.get("/api/docs")
	if page.Status != http.StatusOK || !strings.HasPrefix(page.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /api/docs: %d %s", page.Status, page.Header.Get("Content-Type"))
	}
	v, err := apitest.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range v.Operations() {
		path := strings.TrimPrefix(op.Path, apitest.Prefix)
		if !strings.Contains(page.Body, "<code>"+path+"</code>") {
			t.Errorf("the reference page lacks %s %s", op.Method, path)
		}
	}
	for name := range v.Doc.Webhooks {
		if !strings.Contains(page.Body, "<code>"+name+" event</code>") {
			t.Errorf("the reference page lacks the %s event", name)
		}
	}
	for _, want := range []string{"X-Warna-Signature", "hmac.New(sha256.New", "Idempotency-Key", "RateLimit-Remaining", "Sunset", `id="schema-Product"`} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("the reference page does not mention %q", want)
		}
	}
	if m := regexp.MustCompile(`(?i)(src|href)="(https?:)?//`).FindString(page.Body); m != "" {
		t.Errorf("the reference page loads something from elsewhere: %s", m)
	}
	if strings.Contains(page.Body, "&lt;code&gt;") {
		t.Error("the reference page shows escaped markup")
	}

	desc := b.get("/api/v1/openapi.json")
	tag := desc.Header.Get("ETag")
	if desc.Status != http.StatusOK || !strings.Contains(desc.Body, `"openapi": "3.1.0"`) || tag == "" {
		t.Fatalf("GET /api/v1/openapi.json: %d, ETag %q, %.100s", desc.Status, tag, desc.Body)
	}
	req := newRequest(t, http.MethodGet, site.srv.URL+"/api/v1/openapi.json", nil)
	req.Header.Set("If-None-Match", tag)
	if again := b.do(req); again.Status != http.StatusNotModified || again.Body != "" {
		t.Errorf("with If-None-Match: %d %q, want 304 without a body", again.Status, again.Body)
	}
}
