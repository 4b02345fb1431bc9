package app

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/warna/warna/database"
	"github.com/warna/warna/database/dbtest"
)

// startApp runs a real App as `warna serve` does, on a free loopback port,
// and stops it when the test ends.
func startApp(t *testing.T) (string, *App) {
	t.Helper()
	return startAppWith(t)
}

// startAppWith is startApp with extra command-line settings.
func startAppWith(t *testing.T, args ...string) (string, *App) {
	t.Helper()
	cfg, err := LoadConfig(newFlagSet(), append([]string{"-data-dir", t.TempDir(), "-database-url", dbtest.URL(t)}, args...), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg.BaseURL = "http://" + l.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	a, err := New(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("new app: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, l) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("app did not shut down within 30 s")
		}
		if err := a.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return cfg.BaseURL, a
}

func TestAppServesSignUpAndShutsDownCleanly(t *testing.T) {
	base, a := startApp(t)
	jar := newJar()
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	res, err := client.Get(base + "/signup")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	token := regexp.MustCompile(`name="_csrf" value="([^"]+)"`).FindStringSubmatch(string(body))
	if token == nil {
		t.Fatalf("sign-up page has no CSRF token: %.300s", body)
	}
	form := url.Values{"_csrf": {token[1]}, "role": {"merchant"}, "name": {"Ana"}, "email": {"ana@example.com"}, "password": {"a long password"}}
	res, err = client.PostForm(base+"/signup", form)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-up: %d, want 303", res.StatusCode)
	}
	// Without SMTP_URL, the confirmation mail is a file in DATA_DIR/mail.
	if mails, _ := filepath.Glob(filepath.Join(a.cfg.DataDir, "mail", "*.eml")); len(mails) != 1 {
		t.Errorf("mail files after sign-up: %v, want one in DATA_DIR/mail", mails)
	}
	res, err = client.Get(base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	body, err = io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), `"database":"ok"`) {
		t.Errorf("/readyz: %d %s", res.StatusCode, body)
	}
	pending, err := database.Pending(context.Background(), a.db, Migrations())
	if err != nil || len(pending) != 0 {
		t.Errorf("pending migrations after start = %v (%v), want none", pending, err)
	}
}

func TestMigrationsAreIdempotentOnTheConfiguredDatabase(t *testing.T) {
	cfg := Config{DataDir: t.TempDir(), DatabaseURL: dbtest.URL(t)}
	for i := range 2 {
		db, err := OpenDatabase(context.Background(), cfg)
		if err != nil {
			t.Fatalf("open #%d: %v", i+1, err)
		}
		if err := database.Close(db); err != nil {
			t.Fatal(err)
		}
	}
}

// TestMetricsOnTheirOwnAddress: with METRICS_ADDR set, the metrics are served
// there and not on the site's address.
func TestMetricsOnTheirOwnAddress(t *testing.T) {
	free, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	metricsAddr := free.Addr().String()
	free.Close()
	base, _ := startAppWith(t, "-metrics-addr", metricsAddr)
	// Serve opens METRICS_ADDR in its goroutine, which announces nothing:
	// wait (bounded) until it accepts connections.
	poll := time.NewTicker(20 * time.Millisecond)
	defer poll.Stop()
	for deadline := time.Now().Add(10 * time.Second); ; <-poll.C {
		conn, err := net.DialTimeout("tcp", metricsAddr, time.Second)
		if err == nil {
			conn.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("METRICS_ADDR %s not listening after 10 s: %v", metricsAddr, err)
		}
	}
	get := func(u string) int {
		res, err := http.Get(u)
		if err != nil {
			t.Fatalf("GET %s: %v", u, err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode == http.StatusOK && !strings.Contains(string(body), "go_goroutines") {
			t.Errorf("GET %s: 200 without the metrics", u)
		}
		return res.StatusCode
	}
	if got := get("http://" + metricsAddr + "/metrics"); got != http.StatusOK {
		t.Errorf("metrics on METRICS_ADDR: %d, want 200", got)
	}
	if got := get(base + "/metrics"); got != http.StatusNotFound {
		t.Errorf("metrics on the site's address with METRICS_ADDR set: %d, want 404", got)
	}
}
