package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/warna/warna/web/auth"
)

// TestCSRFTokensAreBoundToTheSession: a token is good only for the session
// (or, before logging in, the browser) it was given to. A forged
// warna_csrf cookie with the same value in the header — the double-submit
// trick — and a token from the attacker's own session are refused.
func TestCSRFTokensAreBoundToTheSession(t *testing.T) {
	site := newTestSite(t, Config{}, Deps{})
	victim := site.browser()
	victim.signUp(auth.RoleMerchant, "victim@example.com")
	attacker := site.browser()
	attacker.signUp(auth.RoleMerchant, "attacker@example.com")

	createKey := func(b *browser, token string, cookies ...*http.Cookie) int {
		req := newRequest(t, http.MethodPost, site.srv.URL+"/merchant/api-keys", strings.NewReader(url.Values{"name": {"forged"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-CSRF-Token", token)
		for _, c := range cookies {
			req.AddCookie(c)
		}
		return b.do(req).Status
	}
	forged := "attacker-chosen-value-0123456789abcdef"
	if got := createKey(victim, forged, &http.Cookie{Name: "warna_csrf", Value: forged}); got != http.StatusForbidden {
		t.Errorf("double-submit with an attacker-chosen warna_csrf cookie: %d, want 403", got)
	}
	if got := createKey(victim, attacker.csrf("/merchant")); got != http.StatusForbidden {
		t.Errorf("the attacker's own session token on the victim's session: %d, want 403", got)
	}
	anonymous := site.browser().csrf("/login")
	if got := createKey(victim, anonymous); got != http.StatusForbidden {
		t.Errorf("a token of another, anonymous browser: %d, want 403", got)
	}
	if got := createKey(victim, victim.csrf("/merchant")); got != http.StatusCreated && got != http.StatusOK {
		t.Errorf("the victim's own token: %d, want the key made", got)
	}

	// Before logging in, a token is bound to the browser it was given to.
	stranger := site.browser()
	strangerToken := stranger.csrf("/login")
	fresh := site.browser()
	fresh.csrf("/login") // has its own binding cookie
	res := fresh.post("/login", url.Values{"_csrf": {strangerToken}, "email": {"victim@example.com"}, "password": {"correct horse battery"}})
	if res.Status != http.StatusForbidden {
		t.Errorf("log-in form with another browser's token: %d, want 403", res.Status)
	}
	// A cross-site form post is refused by its Origin even with a good token.
	req := newRequest(t, http.MethodPost, site.srv.URL+"/login", strings.NewReader(url.Values{"_csrf": {strangerToken}, "email": {"x@example.com"}, "password": {"whatever123"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	if got := stranger.do(req).Status; got != http.StatusForbidden {
		t.Errorf("log-in posted from another origin: %d, want 403", got)
	}
	// Tokens differ on every page (masked), and each one works.
	if a, b := victim.csrf("/merchant"), victim.csrf("/merchant"); a == b {
		t.Error("two pages carry the same token; tokens are masked afresh for each page")
	}
}

// TestCSRFCookieSecureUnderHTTPS: the cookie that binds forms before log-in
// is Secure when the site's BASE_URL is https, HttpOnly and SameSite=Lax.
func TestCSRFCookieSecureUnderHTTPS(t *testing.T) {
	for _, tt := range []struct {
		baseURL    string
		wantSecure bool
	}{{"https://warna.example", true}, {"http://localhost:8080", false}} {
		site := newTestSite(t, Config{BaseURL: tt.baseURL}, Deps{})
		res := site.browser().get("/login")
		var cookie *http.Cookie
		for _, c := range (&http.Response{Header: res.Header}).Cookies() {
			if c.Name == "warna_csrf" {
				cookie = c
			}
		}
		if cookie == nil {
			t.Fatalf("%s: GET /login set no warna_csrf cookie", tt.baseURL)
		}
		if cookie.Secure != tt.wantSecure || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode {
			t.Errorf("%s: warna_csrf Secure=%v HttpOnly=%v SameSite=%v, want Secure=%v, HttpOnly, Lax", tt.baseURL, cookie.Secure, cookie.HttpOnly, cookie.SameSite, tt.wantSecure)
		}
	}
}
