package web

import (
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/warna/warna/database/dbtest"
	"github.com/warna/warna/web/auth"
	"github.com/warna/warna/web/locale"
)

// english is the configuration of tests that read the pages' English
// messages: a visitor who asks for no language reads English.
var english = Config{Language: locale.English}

func TestSignUpLogOutLogIn(t *testing.T) {
	site := newTestSite(t, Config{}, Deps{})
	b := site.browser()
	b.signUp(auth.RoleMerchant, "Merchant@Example.com")

	if got := b.get("/merchant"); got.Status != http.StatusOK {
		t.Fatalf("GET /merchant after sign-up: status %d, want 200", got.Status)
	}
	if got := b.submit("/merchant", "/logout", url.Values{}); got.Status != http.StatusSeeOther {
		t.Fatalf("log out: status %d, want 303", got.Status)
	}
	if got := b.get("/merchant"); got.Status != http.StatusSeeOther || !strings.HasPrefix(got.Location, "/login") {
		t.Fatalf("GET /merchant after log-out: status %d location %q, want a redirect to /login", got.Status, got.Location)
	}
	res := b.submit("/login", "/login", url.Values{"email": {"merchant@example.com"}, "password": {"correct horse battery"}})
	if res.Status != http.StatusSeeOther || res.Location != "/merchant" {
		t.Fatalf("log in: status %d location %q, want 303 to /merchant", res.Status, res.Location)
	}
	if got := b.get("/merchant"); got.Status != http.StatusOK {
		t.Fatalf("GET /merchant after log-in: status %d, want 200", got.Status)
	}
}

func TestSessionCookieAttributes(t *testing.T) {
	site := newTestSite(t, Config{}, Deps{})
	b := site.browser()
	b.submit("/signup", "/signup", url.Values{
		"role": {"influencer"}, "name": {"Ina"}, "email": {"ina@example.com"}, "password": {"correct horse battery"},
	})
	res := b.submit("/login", "/login", url.Values{"email": {"ina@example.com"}, "password": {"correct horse battery"}})
	var session *http.Cookie
	for _, c := range (&http.Response{Header: res.Header}).Cookies() {
		if c.Name == auth.CookieName {
			session = c
		}
	}
	if session == nil {
		t.Fatal("log-in set no session cookie")
	}
	if !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Secure {
		t.Errorf("session cookie HttpOnly=%v SameSite=%v Secure=%v, want HttpOnly, Lax, not Secure over plain HTTP", session.HttpOnly, session.SameSite, session.Secure)
	}
	if res.Location != "/influencer" {
		t.Errorf("influencer lands on %q, want /influencer", res.Location)
	}
}

func TestLogInRejectsWrongPassword(t *testing.T) {
	site := newTestSite(t, english, Deps{})
	site.browser().signUp(auth.RoleMerchant, "m@example.com")
	b := site.browser()
	res := b.submit("/login", "/login", url.Values{"email": {"m@example.com"}, "password": {"wrong password!!"}})
	if res.Status != http.StatusUnauthorized {
		t.Fatalf("wrong password: status %d, want 401", res.Status)
	}
	if !strings.Contains(res.Body, "do not match an account") {
		t.Errorf("wrong password page does not explain the failure: %.400s", res.Body)
	}
	if got := b.get("/merchant"); got.Status != http.StatusSeeOther {
		t.Errorf("after a failed log-in /merchant answered %d, want a redirect to log in", got.Status)
	}
}

// TestSignUpDoesNotRevealAccounts: signing up with an email that already
// has an account gets exactly the answer a new email gets (no session for
// either: both are sent to log in, with the same note), and changes
// nothing; the account's owner learns from that note that their password is
// unchanged.
func TestSignUpDoesNotRevealAccounts(t *testing.T) {
	db := dbtest.Open(t, auth.Migrations()...)
	svc := auth.NewService(db, nil)
	site := newTestSite(t, english, Deps{Auth: svc})
	site.browser().signUp(auth.RoleMerchant, "taken@example.com")

	attempt := func(email string) (response, string) {
		b := site.browser()
		res := b.submit("/signup", "/signup", url.Values{
			"role": {"influencer"}, "name": {"Someone"}, "email": {email}, "password": {"another good password"},
		})
		return res, b.get(res.Location).Body
	}
	taken, takenPage := attempt("TAKEN@example.com")
	fresh, freshPage := attempt("fresh@example.com")
	if taken.Status != http.StatusSeeOther || taken.Status != fresh.Status || taken.Location != fresh.Location || taken.Body != fresh.Body {
		t.Errorf("taken email: %d → %q, new email: %d → %q; want the same answer", taken.Status, taken.Location, fresh.Status, fresh.Location)
	}
	if cookieNames(taken) != cookieNames(fresh) {
		t.Errorf("cookies set: taken email %q, new email %q; want the same", cookieNames(taken), cookieNames(fresh))
	}
	note := "If this email already had an account, nothing has changed"
	for _, page := range []string{takenPage, freshPage} {
		if !strings.Contains(page, note) {
			t.Errorf("the log-in page after sign-up lacks the note for the owner of an existing account: %.2000s", page)
		}
	}
	var users []auth.User
	if err := db.Order("id").Find(&users).Error; err != nil {
		t.Fatal(err)
	}
	if len(users) != 2 || users[0].Role != auth.RoleMerchant || users[0].Name != "Test merchant" {
		t.Errorf("users after signing up with a taken email = %+v, want the first one unchanged and the new one", users)
	}
	// The owner's password still works, the stranger's does not.
	site.browser().logIn("taken@example.com", "correct horse battery")
	res := site.browser().submit("/login", "/login", url.Values{"email": {"taken@example.com"}, "password": {"another good password"}})
	if res.Status != http.StatusUnauthorized {
		t.Errorf("log in with the second sign-up's password: %d, want 401", res.Status)
	}
}

// cookieNames lists the names of the cookies a response sets.
func cookieNames(res response) string {
	var names []string
	for _, c := range (&http.Response{Header: res.Header}).Cookies() {
		names = append(names, c.Name)
	}
	return strings.Join(names, ",")
}

func TestSignUpValidation(t *testing.T) {
	site := newTestSite(t, english, Deps{})
	tests := []struct {
		name   string
		fields url.Values
		want   string
	}{
		{"bad email", url.Values{"role": {"merchant"}, "name": {"A"}, "email": {"not-an-email"}, "password": {"long enough pw"}}, "valid email"},
		{"short password", url.Values{"role": {"merchant"}, "name": {"A"}, "email": {"a@example.com"}, "password": {"short"}}, "at least 10"},
		{"repeated letter", url.Values{"role": {"merchant"}, "name": {"A"}, "email": {"a@example.com"}, "password": {"aaaaaaaaaa"}}, "repeats &#34;a&#34; over and over"},
		{"common password", url.Values{"role": {"merchant"}, "name": {"A"}, "email": {"a@example.com"}, "password": {"password12"}}, "common password"},
		{"only spaces", url.Values{"role": {"merchant"}, "name": {"A"}, "email": {"a@example.com"}, "password": {"            "}}, "only spaces"},
		{"no role", url.Values{"role": {"admin"}, "name": {"A"}, "email": {"a@example.com"}, "password": {"long enough pw"}}, "merchant or an influencer"},
		{"no name", url.Values{"role": {"merchant"}, "name": {" "}, "email": {"a@example.com"}, "password": {"long enough pw"}}, "Enter your name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := site.browser().submit("/signup", "/signup", tt.fields)
			if res.Status != http.StatusUnprocessableEntity {
				t.Errorf("status %d, want 422", res.Status)
			}
			if !strings.Contains(res.Body, tt.want) {
				t.Errorf("page lacks %q", tt.want)
			}
		})
	}
}

func TestCSRFRejection(t *testing.T) {
	db := dbtest.Open(t, auth.Migrations()...)
	site := newTestSite(t, Config{}, Deps{Auth: auth.NewService(db, nil)})
	b := site.browser()
	b.csrf("/signup") // has the CSRF cookie, but the form below omits the token
	res := b.post("/signup", url.Values{"role": {"merchant"}, "name": {"A"}, "email": {"a@example.com"}, "password": {"long enough pw"}})
	if res.Status != http.StatusForbidden {
		t.Fatalf("sign-up without CSRF token: status %d, want 403", res.Status)
	}
	res = b.post("/signup", url.Values{"_csrf": {"forged"}, "role": {"merchant"}, "name": {"A"}, "email": {"a@example.com"}, "password": {"long enough pw"}})
	if res.Status != http.StatusForbidden {
		t.Fatalf("sign-up with a forged CSRF token: status %d, want 403", res.Status)
	}
	var n int64
	if err := db.Model(&auth.User{}).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("users after rejected forms = %d, want 0", n)
	}
}

func TestRolesOnRoutes(t *testing.T) {
	site := newTestSite(t, Config{}, Deps{})
	influencer := site.browser()
	influencer.signUp(auth.RoleInfluencer, "inf@example.com")
	merchant := site.browser()
	merchant.signUp(auth.RoleMerchant, "mer@example.com")

	tests := []struct {
		who  *browser
		path string
		want int
	}{
		{influencer, "/merchant", http.StatusForbidden},
		{influencer, "/merchant/api-keys", http.StatusForbidden},
		{merchant, "/influencer", http.StatusForbidden},
		{merchant, "/merchant/api-keys", http.StatusOK},
		{site.browser(), "/api/v1/me", http.StatusUnauthorized},
	}
	for _, tt := range tests {
		if got := tt.who.get(tt.path); got.Status != tt.want {
			t.Errorf("GET %s: status %d, want %d", tt.path, got.Status, tt.want)
		}
	}
}

func TestAPIKeyAuthenticatesMachineCalls(t *testing.T) {
	site := newTestSite(t, Config{}, Deps{})
	b := site.browser()
	b.signUp(auth.RoleMerchant, "keys@example.com")
	res := b.submit("/merchant/api-keys", "/merchant/api-keys", url.Values{"name": {"sync"}})
	key := regexpFind(t, `wk_[a-z0-9]+_[A-Z0-9]+`, res.Body)

	call := func(k string) int {
		req := newRequest(t, http.MethodGet, site.srv.URL+"/api/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+k)
		return site.browser().do(req).Status
	}
	if got := call(key); got != http.StatusOK {
		t.Fatalf("GET /api/v1/me with the new key: %d, want 200", got)
	}
	if got := call(key + "x"); got != http.StatusUnauthorized {
		t.Errorf("GET /api/v1/me with a wrong key: %d, want 401", got)
	}
	if strings.Count(b.get("/merchant/api-keys").Body, key) != 0 {
		t.Error("the key is shown again after creation; it must be shown once")
	}
}

func TestLoginRateLimitIgnoresForgedForwardedFor(t *testing.T) {
	site := newTestSite(t, Config{LoginRate: 0.001, LoginBurst: 3}, Deps{})
	b := site.browser()
	token := b.csrf("/login")
	statuses := make([]int, 0, 6)
	for i := range 6 {
		req := newRequest(t, http.MethodPost, site.srv.URL+"/login",
			strings.NewReader(url.Values{"_csrf": {token}, "email": {"x@example.com"}, "password": {"whatever123"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		// A client trying to look like a new visitor on every attempt.
		req.Header.Set("X-Forwarded-For", "203.0.113."+string(rune('1'+i)))
		req.Header.Set("X-Real-IP", "198.51.100."+string(rune('1'+i)))
		statuses = append(statuses, b.do(req).Status)
	}
	for i, s := range statuses[:3] {
		if s != http.StatusUnauthorized {
			t.Errorf("attempt %d: status %d, want 401 (within the burst)", i+1, s)
		}
	}
	for i, s := range statuses[3:] {
		if s != http.StatusTooManyRequests {
			t.Errorf("attempt %d: status %d, want 429 despite a new X-Forwarded-For", i+4, s)
		}
	}
}

func TestTrustedProxyForwardedFor(t *testing.T) {
	_, loopback, err := net.ParseCIDR("127.0.0.0/8")
	if err != nil {
		t.Fatal(err)
	}
	site := newTestSite(t, Config{LoginRate: 0.001, LoginBurst: 1, TrustedProxies: []*net.IPNet{loopback}}, Deps{})
	b := site.browser()
	token := b.csrf("/login")
	attempt := func(ip string) int {
		req := newRequest(t, http.MethodPost, site.srv.URL+"/login",
			strings.NewReader(url.Values{"_csrf": {token}, "email": {"x@example.com"}, "password": {"whatever123"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", ip)
		return b.do(req).Status
	}
	// Behind a trusted proxy, each real client has its own allowance.
	if got := attempt("203.0.113.1"); got != http.StatusUnauthorized {
		t.Errorf("first client: %d, want 401", got)
	}
	if got := attempt("203.0.113.2"); got != http.StatusUnauthorized {
		t.Errorf("second client: %d, want 401", got)
	}
	if got := attempt("203.0.113.1"); got != http.StatusTooManyRequests {
		t.Errorf("first client again: %d, want 429", got)
	}
}

func regexpFind(t *testing.T, pattern, s string) string {
	t.Helper()
	m := regexp.MustCompile(pattern).FindString(s)
	if m == "" {
		t.Fatalf("no match for %s in %.400s", pattern, s)
	}
	return m
}
