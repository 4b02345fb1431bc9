package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"
)

// CSRFCookieName binds the forms of a browser that is not logged in.
const CSRFCookieName = "warna_csrf"

// CSRFContextKey is where CSRF puts the token for the page's forms.
const CSRFContextKey = "csrf"

// CSRFError is a request refused for a missing or wrong CSRF token, or for
// coming from another site.
type CSRFError struct{ Reason string }

func (e *CSRFError) Error() string { return "csrf: " + e.Reason }

// CSRFConfig configures CSRF.
type CSRFConfig struct {
	// Secret keys the tokens (the server's SECRET_KEY): the same on every
	// instance, so a form made by one is accepted by another.
	Secret []byte
	// Secure says whether cookies must be Secure (https).
	Secure func(echo.Context) bool
	// Origins are the origins ("https://warna.example") besides the
	// request's own host that may post forms (the public BASE_URL).
	Origins []string
	// Skipper leaves requests out (API-key calls carry no cookies).
	Skipper func(echo.Context) bool
}

// CSRF is synchroniser-token middleware whose tokens are bound to the
// session: a token is HMAC-SHA256(secret, session token), so it is good
// only for the session it was given to and needs no storage. Before
// logging in, the binding is a random id in the CSRFCookieName cookie,
// made on first visit: an attacker can get a token for their own id, but
// not for the victim's, and a cookie they plant with a value of their
// choosing is worth nothing without the secret. Unsafe requests must send
// the token (X-CSRF-Token header or _csrf form field) and, when the browser
// says where the request comes from (Origin), come from this site.
//
// Each page gets the token masked with fresh random bytes, so it differs
// from page to page and a compressed page does not leak it (BREACH).
// Must run after Identify.
func CSRF(cfg CSRFConfig) echo.MiddlewareFunc {
	mac := hmac.New(sha256.New, cfg.Secret)
	mac.Write([]byte("warna csrf key"))
	key := mac.Sum(nil)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if cfg.Skipper != nil && cfg.Skipper(c) {
				return next(c)
			}
			binding := csrfBinding(c, cfg.Secure(c))
			want := tokenMAC(key, binding)
			switch c.Request().Method {
			case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
			default:
				if !sameOrigin(c, cfg.Origins) {
					return &CSRFError{Reason: "cross-origin request"}
				}
				got := c.Request().Header.Get("X-CSRF-Token")
				if got == "" {
					got = c.FormValue("_csrf")
				}
				if !validToken(got, want) {
					return &CSRFError{Reason: "token missing or not for this session"}
				}
			}
			c.Set(CSRFContextKey, maskToken(want))
			return next(c)
		}
	}
}

// csrfBinding is what tokens of this request are bound to: the session of
// a logged-in user, else the browser's id cookie (made now when missing).
func csrfBinding(c echo.Context, secure bool) string {
	if _, ok := CurrentUser(c); ok && !ViaAPIKey(c) {
		if token := SessionToken(c); token != "" {
			return "session:" + token
		}
	}
	if cookie, err := c.Cookie(CSRFCookieName); err == nil && len(cookie.Value) >= 16 && len(cookie.Value) <= 128 {
		return "browser:" + cookie.Value
	}
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	id := base64.RawURLEncoding.EncodeToString(b)
	c.SetCookie(&http.Cookie{Name: CSRFCookieName, Value: id, Path: "/", MaxAge: 7 * 24 * 3600,
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
	return "browser:" + id
}

func tokenMAC(key []byte, binding string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(binding))
	return m.Sum(nil)
}

// maskToken returns base64url(mask || mac XOR mask) with a fresh mask.
func maskToken(mac []byte) string {
	out := make([]byte, 2*len(mac))
	_, _ = rand.Read(out[:len(mac)])
	for i := range mac {
		out[len(mac)+i] = mac[i] ^ out[i]
	}
	return base64.RawURLEncoding.EncodeToString(out)
}

func validToken(token string, want []byte) bool {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(raw) != 2*len(want) {
		return false
	}
	got := make([]byte, len(want))
	for i := range got {
		got[i] = raw[len(want)+i] ^ raw[i]
	}
	return subtle.ConstantTimeCompare(got, want) == 1
}

// sameOrigin accepts a request whose Origin header, when the browser sends
// one, names this site: the host it was sent to or one of origins.
func sameOrigin(c echo.Context, origins []string) bool {
	origin := c.Request().Header.Get(echo.HeaderOrigin)
	if origin == "" {
		return true // not sent by older browsers and by non-browser clients
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	if strings.EqualFold(u.Host, c.Request().Host) {
		return true
	}
	for _, o := range origins {
		if strings.EqualFold(strings.TrimRight(o, "/"), strings.TrimRight(origin, "/")) {
			return true
		}
	}
	return false
}
