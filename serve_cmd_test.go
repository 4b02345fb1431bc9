package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/warna/warna/app"
	"github.com/warna/warna/catalog"
	"github.com/warna/warna/database"
	"github.com/warna/warna/internal/proctest"
)

// The tests in this file run the real binary, as an operator does: two
// `warna serve` processes on one DATA_DIR (or one PostgreSQL database) and
// the command-line tools beside them.

var built struct {
	once sync.Once
	path string
	err  error
}

// warnaBinary builds the binary once for the package's tests (go build,
// the code path of `go run .`).
func warnaBinary(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		dir, err := os.MkdirTemp("", "warna-bin-")
		if err != nil {
			built.err = err
			return
		}
		built.path, built.err = proctest.Build(".", dir)
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.path
}

// commandEnv is the environment of a child process: the test's, without
// settings that would point it elsewhere than its flags say.
func commandEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "ADDR", "DATA_DIR", "DATABASE_URL", "ELASTICSEARCH_URL", "BASE_URL", "SECRET_KEY":
			continue
		}
		env = append(env, kv)
	}
	return append(env, "LOG_FORMAT=text")
}

// server is a running `warna serve` process.
type server struct {
	url    string
	logs   *proctest.Output
	cmd    *exec.Cmd
	exited chan error
}

// startServer starts `warna serve` with settings on a free loopback port and
// waits for /readyz (the search index built from the database). It is
// stopped with SIGTERM, and must exit 0, when the test ends.
func startServer(t *testing.T, bin string, settings []string) *server {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	s := &server{url: "http://" + addr, logs: &proctest.Output{}, exited: make(chan error, 1)}
	s.cmd = exec.Command(bin, append([]string{"serve", "-addr", addr}, settings...)...)
	s.cmd.Env = commandEnv()
	s.cmd.Stdout, s.cmd.Stderr = s.logs, s.logs
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.exited <- s.cmd.Wait() }()
	t.Cleanup(func() {
		if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Errorf("signal server: %v", err)
		}
		select {
		case err := <-s.exited:
			if err != nil {
				t.Errorf("server on %s exited with %v after SIGTERM\n%s", addr, err, s.logs)
			}
		case <-time.After(30 * time.Second):
			_ = s.cmd.Process.Kill()
			t.Errorf("server on %s still running 30 s after SIGTERM", addr)
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := http.Get(s.url + "/readyz")
		if err == nil {
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return s
			}
		}
		select {
		case err := <-s.exited:
			t.Fatalf("server exited before it was ready: %v\n%s", err, s.logs)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("server on %s not ready within 60 s\n%s", addr, s.logs)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// titles searches the server for q and returns the titles found.
func (s *server) titles(t *testing.T, q string) []string {
	t.Helper()
	res, err := http.Get(s.url + "/api/v1/search?q=" + url.QueryEscape(q))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body struct {
		Hits []struct {
			Title string `json:"title"`
		} `json:"hits"`
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("search %q: status %d", q, res.StatusCode)
	}
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, h := range body.Hits {
		out = append(out, h.Title)
	}
	return out
}

// waitFound polls every server's search for q until one hit has the title,
// failing if that takes longer than within (nothing announces that another
// process's index took a change).
func waitFound(t *testing.T, servers []*server, q, title string, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for i, s := range servers {
		for !containsString(s.titles(t, q), title) {
			if time.Since(start) > within {
				t.Fatalf("server %d does not find %q for %q within %v; it finds %v\n%s", i+1, title, q, within, s.titles(t, q), s.logs)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return time.Since(start)
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// warna runs a command-line tool to its end (at most a minute).
func warna(t *testing.T, bin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = commandEnv()
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("warna %s did not finish within a minute", strings.Join(args, " "))
	}
	return out.String(), errOut.String(), err
}

// newShop creates the schema and a shop in the test's database.
func newShop(t *testing.T, cfg app.Config) *gorm.DB {
	t.Helper()
	ctx := context.Background()
	db, err := app.OpenDatabase(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = database.Close(db) })
	cat := catalog.New(db, nil, nil, catalog.Options{})
	if _, err := cat.Shops.CreateShop(ctx, 1, catalog.ShopInput{Name: "Batik Sari", Slug: "batik-sari", Currency: "IDR",
		TimeZone: "Asia/Jakarta", DefaultCommissionBps: 1000, ReturnWindowDays: 7}); err != nil {
		t.Fatal(err)
	}
	return db
}

// TestCommandsWhileServing runs `warna import`, `export` and `reindex`
// against the DATA_DIR (or database) of two running servers: none waits
// for a lock, and both servers' searches show the change within 2 s.
func TestCommandsWhileServing(t *testing.T) {
	bin := warnaBinary(t)
	dir := t.TempDir()
	settings, cfg := commandSettings(t, dir)
	db := newShop(t, cfg)
	servers := []*server{startServer(t, bin, settings), startServer(t, bin, settings)}

	file := filepath.Join(dir, "import.csv")
	csv := "Nama Produk,SKU Induk,Harga,Stok,Kategori\nKebaya Zamrud,Z-1,\"Rp 350.000\",4,Atasan\nSelendang Pelangi,Z-2,\"Rp 90.000\",2,Aksesoris\n"
	if err := os.WriteFile(file, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, err := warna(t, bin, append([]string{"import", file, "--shop", "batik-sari", "--locale", "id"}, settings...)...)
	if err != nil || !strings.Contains(stdout, "2 created") {
		t.Fatalf("import while serving: %v\n%s%s", err, stdout, stderr)
	}
	took := waitFound(t, servers, "zamrud", "Kebaya Zamrud", 2*time.Second)
	t.Logf("both servers find the imported product %v after the import ended", took.Round(time.Millisecond))

	exported := filepath.Join(dir, "export.csv")
	if _, stderr, err := warna(t, bin, append([]string{"export", "--shop", "batik-sari", "-o", exported}, settings...)...); err != nil {
		t.Fatalf("export while serving: %v\n%s", err, stderr)
	}
	data, err := os.ReadFile(exported)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "Z-1") || !strings.Contains(string(data), "Kebaya Zamrud") {
		t.Errorf("export while serving lacks the imported product:\n%s", data)
	}

	// An edit by hand in the database bypasses the change log: only a
	// reindex shows it.
	if err := db.Model(&catalog.Product{}).Where("sku = ?", "Z-1").Update("title", "Kebaya Safir").Error; err != nil {
		t.Fatal(err)
	}
	if got := servers[0].titles(t, "safir"); len(got) != 0 {
		t.Fatalf("a hand edit reached the index without a reindex (%v): the test proves nothing", got)
	}
	stdout, stderr, err = warna(t, bin, append([]string{"reindex"}, settings...)...)
	if err != nil || !strings.Contains(stdout, "rebuild requested") {
		t.Fatalf("reindex while serving: %v\n%s%s", err, stdout, stderr)
	}
	took = waitFound(t, servers, "safir", "Kebaya Safir", 2*time.Second)
	t.Logf("both servers show the hand edit %v after the reindex ended", took.Round(time.Millisecond))
	for i, s := range servers {
		if !strings.Contains(s.logs.String(), "reason=\"warna reindex\"") {
			t.Errorf("server %d did not log its rebuild for warna reindex:\n%s", i+1, s.logs)
		}
	}
}

// TestCommandUnderAHeldLockFailsNamingItOrStopsOnSIGTERM: while another
// process holds the database's write lock, `warna import` gives up after
// database.LockTimeout with an error naming the holder, and SIGTERM stops
// it within the command's grace period without writing anything.
func TestCommandUnderAHeldLockFailsNamingItOrStopsOnSIGTERM(t *testing.T) {
	bin := warnaBinary(t)
	dir := t.TempDir()
	settings, cfg := commandSettings(t, dir)
	db := newShop(t, cfg)
	file := filepath.Join(dir, "import.csv")
	if err := os.WriteFile(file, []byte("Nama Produk,SKU Induk,Harga,Stok,Kategori\nKebaya Zamrud,Z-1,\"Rp 350.000\",4,Atasan\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	args := append([]string{"import", file, "--shop", "batik-sari", "--locale", "id"}, settings...)

	// Hold the lock an import needs: SQLite's write lock (transactions
	// begin IMMEDIATE), or on PostgreSQL the products table.
	tx := db.Begin()
	if tx.Error != nil {
		t.Fatal(tx.Error)
	}
	defer tx.Rollback()
	if database.DialectOf(db) == database.Postgres {
		if err := tx.Exec("LOCK TABLE products IN EXCLUSIVE MODE").Error; err != nil {
			t.Fatal(err)
		}
	}

	start := time.Now()
	_, stderr, err := warna(t, bin, args...)
	waited := time.Since(start)
	if err == nil {
		t.Fatal("import succeeded while the lock was held")
	}
	t.Logf("import under a held lock, after %v: %s", waited.Round(time.Millisecond), stderr)
	wantHolder := fmt.Sprintf("pid %d", os.Getpid())
	if database.DialectOf(db) == database.Postgres {
		wantHolder = "LOCK TABLE products"
	}
	// SQLite's busy handler adds up the sleeps it planned, not the time
	// that passed, so it may give up a little before LockTimeout (9.94 s
	// was seen under -race).
	if !strings.Contains(stderr, wantHolder) || waited < database.LockTimeout-time.Second || waited > database.LockTimeout+20*time.Second {
		t.Errorf("import under a held lock failed after %v with:\n%s\nwant after about %v, naming %q", waited, stderr, database.LockTimeout, wantHolder)
	}

	cmd := exec.Command(bin, args...)
	cmd.Env = commandEnv()
	var errOut proctest.Output
	cmd.Stderr = &errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	waitBlocked(t, db, cmd.Process.Pid, exited)
	signalled := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 1 {
			t.Errorf("import after SIGTERM exited with %v, want status 1", err)
		}
		if took := time.Since(signalled); took > commandGrace+3*time.Second {
			t.Errorf("import took %v to stop after SIGTERM, want at most its %v grace", took, commandGrace)
		}
		if !strings.Contains(errOut.String(), "signal") {
			t.Errorf("import stopped by SIGTERM says:\n%s", errOut.String())
		}
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("import still running 30 s after SIGTERM")
	}
	if err := tx.Rollback().Error; err != nil {
		t.Fatal(err)
	}
	var n int64
	if err := db.Model(&catalog.Product{}).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d products written by imports that did not finish", n)
	}
}

// waitBlocked waits until the process pid waits for the database: on
// PostgreSQL its session shows a lock wait; on SQLite it has the database
// file open (it then blocks on its first write within milliseconds).
func waitBlocked(t *testing.T, db *gorm.DB, pid int, exited <-chan error) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case err := <-exited:
			t.Fatalf("import exited before it reached the lock: %v", err)
		default:
		}
		if blocked(t, db, pid) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("import did not reach the database within 30 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func blocked(t *testing.T, db *gorm.DB, pid int) bool {
	t.Helper()
	if database.DialectOf(db) == database.Postgres {
		var n int64
		if err := db.Raw(`SELECT count(*) FROM pg_stat_activity WHERE application_name = 'warna import' AND wait_event_type = 'Lock'`).Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		return n > 0
	}
	fds, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/fd")
	if err != nil {
		t.Skipf("needs /proc to see the import open the database: %v", err)
	}
	for _, fd := range fds {
		if target, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/fd/" + fd.Name()); err == nil && strings.HasSuffix(target, "warna.db-wal") {
			return true
		}
	}
	return false
}
