// Package journeys drives the real Warna server through real Chromium: the
// four journeys of issue 7 (merchant, influencer, shopper, and the merchant
// and influencer seeing the sale) and issue 18's order journeys (a shopper
// buys from two shops, signs up from the orders page and resets the password
// from the mail folder; a merchant ships and delivers), in Indonesian and
// English at a phone's and a laptop's width, each saving screenshots under
// artifacts/journeys/ at the repository root.
//
// TestMain builds the binary once with `go build` from the repository root —
// the same compile-and-run code path as the README's `go run . serve --demo`
// — and starts `warna serve` with its settings from the environment (ADDR on
// a free loopback port, DATA_DIR in a temporary directory), exactly as an
// operator would. It runs without --demo: the journeys create every account,
// shop, product, link and order themselves, so every assertion is about data
// the browser made, not about seed data that could hide a broken form. At the
// end the server gets SIGTERM and must exit 0 (graceful shutdown).
package journeys

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

var (
	// chromePath is the Chromium binary, empty when none is installed.
	chromePath string
	// baseURL is the running server, empty when it was not started.
	baseURL string
	// repoRoot is the repository root; screenshots go under its artifacts/.
	repoRoot string
	// dataDir is the server's DATA_DIR: with no SMTP_URL set, the mails it
	// sends are files in its mail/ folder, which the journeys read.
	dataDir string
)

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	chromePath = findChromium()
	root, err := filepath.Abs("..")
	if err != nil {
		fmt.Fprintln(os.Stderr, "journeys:", err)
		return 1
	}
	repoRoot = root
	if chromePath == "" {
		// The tests themselves fail (CI) or skip (elsewhere) with the reason.
		return m.Run()
	}
	tmp, err := os.MkdirTemp("", "warna-journeys-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "journeys:", err)
		return 1
	}
	defer os.RemoveAll(tmp)
	// Screenshots of an earlier run must not pass for this one's (whichever
	// tests run: each file's journeys save their own).
	old, _ := filepath.Glob(filepath.Join(repoRoot, "artifacts", "journeys", "*.png"))
	for _, f := range old {
		if err := os.Remove(f); err != nil {
			fmt.Fprintln(os.Stderr, "journeys:", err)
			return 1
		}
	}

	// go build from the repository root: the same code path as `go run .`.
	bin := filepath.Join(tmp, "warna")
	build := exec.Command(goTool(), "build", "-o", bin, ".")
	build.Dir = repoRoot
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "journeys: go build: %v\n%s", err, out)
		return 1
	}

	addr, err := freeAddr()
	if err != nil {
		fmt.Fprintln(os.Stderr, "journeys:", err)
		return 1
	}
	logs := &lockedWriter{w: new(bytes.Buffer)}
	srv := exec.Command(bin, "serve")
	srv.Dir = tmp
	dataDir = filepath.Join(tmp, "data")
	// The browser's users are different people on different networks: each
	// sends its own address in X-Forwarded-For (newUser), which the server
	// believes from loopback, so that the per-address limit on log-in and
	// sign-up attempts counts each person's, as it would in production.
	srv.Env = append(cleanEnv(), "ADDR="+addr, "DATA_DIR="+dataDir, "TRUSTED_PROXIES=127.0.0.1")
	srv.Stdout, srv.Stderr = logs, logs
	if err := srv.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "journeys: start server:", err)
		return 1
	}
	exited := make(chan error, 1)
	go func() { exited <- srv.Wait() }()
	baseURL = "http://" + addr
	if err := waitReady(baseURL+"/readyz", 60*time.Second, exited); err != nil {
		_ = srv.Process.Kill()
		fmt.Fprintf(os.Stderr, "journeys: server not ready: %v\n--- server log ---\n%s", err, logs.String())
		return 1
	}

	code := m.Run()

	// Graceful shutdown: SIGTERM to the server's own pid, exit status 0.
	_ = srv.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-exited:
		if err != nil {
			fmt.Fprintf(os.Stderr, "journeys: server did not exit 0 after SIGTERM: %v\n", err)
			code = 1
		}
	case <-time.After(30 * time.Second):
		_ = srv.Process.Kill()
		fmt.Fprintln(os.Stderr, "journeys: server still running 30 s after SIGTERM")
		code = 1
	}
	if code != 0 {
		fmt.Fprintf(os.Stderr, "--- server log ---\n%s", tail(logs.String(), 200))
	}
	return code
}

// findChromium returns Debian's chromium (or another Chromium/Chrome on PATH).
func findChromium() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// requireChromium fails the test on CI (which must install it) and skips it
// elsewhere, saying how to install it.
func requireChromium(t *testing.T) {
	t.Helper()
	if chromePath != "" {
		return
	}
	const how = "Chromium is not installed; install it with `sudo apt-get install chromium` (or run .ci/install-browser), or set CHROMIUM to its path"
	if os.Getenv("CI") != "" {
		t.Fatal(how + " — CI must have it")
	}
	t.Skip(how)
}

func goTool() string {
	p := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(p); err == nil {
		return p
	}
	return "go"
}

// cleanEnv is the test's environment without the server's own settings, so a
// developer's DATABASE_URL or ELASTICSEARCH_URL cannot point the journeys at
// a real database: the server runs on its embedded defaults.
func cleanEnv() []string {
	drop := map[string]bool{"ADDR": true, "DATA_DIR": true, "DATABASE_URL": true, "ELASTICSEARCH_URL": true,
		"BASE_URL": true, "SECRET_KEY": true, "TRUSTED_PROXIES": true, "SMTP_URL": true}
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if !drop[k] {
			env = append(env, kv)
		}
	}
	return env
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func waitReady(url string, within time.Duration, exited <-chan error) error {
	deadline := time.Now().Add(within)
	client := &http.Client{Timeout: 2 * time.Second}
	var last error
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			return fmt.Errorf("server exited: %v", err)
		default:
		}
		resp, err := client.Get(url)
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = fmt.Errorf("%s: %d %s", url, resp.StatusCode, body)
		} else {
			last = err
		}
		time.Sleep(200 * time.Millisecond)
	}
	if last == nil {
		last = errors.New("timed out")
	}
	return last
}

func tail(s string, lines int) string {
	parts := strings.Split(s, "\n")
	if len(parts) > lines {
		parts = parts[len(parts)-lines:]
	}
	return strings.Join(parts, "\n")
}
