package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/warna/warna/app"
	"github.com/warna/warna/database/dbtest"
)

// commandSettings are the command-line settings of a test's data directory
// (and scratch PostgreSQL database when TEST_DATABASE_URL is set), as flags
// and as the configuration they make.
func commandSettings(t *testing.T, dataDir string) ([]string, app.Config) {
	t.Helper()
	settings := []string{"-data-dir", dataDir}
	if url := dbtest.URL(t); url != "" {
		settings = append(settings, "-database-url", url)
	}
	cfg, err := app.LoadConfig(flag.NewFlagSet("test", flag.ContinueOnError), settings, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	return settings, cfg
}

// TestImportAndExportCommands runs `warna import` and `warna export` as a
// user would, against a data directory with the demo shops.
func TestImportAndExportCommands(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	settings, cfg := commandSettings(t, dir)
	a, err := app.New(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if err := a.SeedDemo(ctx, io.Discard); err != nil {
		t.Fatal(err)
	}
	a.Close()

	var file strings.Builder
	file.WriteString("Nama Produk,SKU Induk,Harga,Stok,Kategori\n")
	for i := 1; i <= 300; i++ {
		fmt.Fprintf(&file, "Kaos %d,K-%03d,\"Rp %d.000\",%d,Atasan\n", i, i, 50+i, i%9)
	}
	file.WriteString("Kaos rusak,K-999,lima puluh,1,Atasan\n")
	path := filepath.Join(dir, "tokopedia.csv")
	if err := os.WriteFile(path, []byte(file.String()), 0o600); err != nil {
		t.Fatal(err)
	}

	var stdout, stderr bytes.Buffer
	err = run(ctx, append([]string{"import", path, "--shop", "batik-sari", "--locale", "id"}, settings...), &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "1 of 301 rows failed") {
		t.Errorf("import with a bad row: %v, want an error counting the failed row", err)
	}
	if !strings.Contains(stdout.String(), "line 302\tK-999\tfailed\tbad price") || !strings.Contains(stdout.String(), "300 created, 0 updated, 0 unchanged, 1 failed") {
		t.Errorf("import report:\n%s", stdout.String())
	}
	if !strings.Contains(stderr.String(), "importing rows") {
		t.Errorf("no progress bar on stderr: %q", stderr.String())
	}

	stdout.Reset()
	exported := filepath.Join(dir, "export.csv")
	if err := run(ctx, append([]string{"export", "--shop", "batik-sari", "-o", exported}, settings...), &stdout, &stderr); err != nil {
		t.Fatalf("export: %v", err)
	}
	data, err := os.ReadFile(exported)
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(string(data), "\n"); lines != 1+300+24 {
		t.Errorf("export has %d lines, want header + 300 imported + 24 demo products", lines)
	}
	stdout.Reset()
	if err := run(ctx, append([]string{"import", exported, "--shop", "batik-sari"}, settings...), &stdout, &stderr); err != nil {
		t.Fatalf("re-import of the export: %v\n%s", err, stdout.String())
	}
	if !strings.Contains(stdout.String(), "0 created, 0 updated, 324 unchanged, 0 failed") {
		t.Errorf("re-import of the export: %s", stdout.String())
	}
	// A Windows-1252 file made by iconv is read as such, and says so; a
	// file with an unclosed quote names the line to fix.
	stdout.Reset()
	legacy := filepath.Join("catalog", "bulk", "testdata", "encodings", "windows-1252.csv")
	if err := run(ctx, append([]string{"import", legacy, "--shop", "batik-sari", "--locale", "id"}, settings...), &stdout, &stderr); err != nil {
		t.Fatalf("import of a Windows-1252 file: %v\n%s", err, stdout.String())
	}
	if !strings.Contains(stdout.String(), "read as Windows-1252\n") || !strings.Contains(stdout.String(), "3 created, 0 updated, 0 unchanged, 0 failed") {
		t.Errorf("import of a Windows-1252 file:\n%s", stdout.String())
	}
	stdout.Reset()
	broken := filepath.Join(dir, "broken.csv")
	if err := os.WriteFile(broken, []byte("sku,title,price\n\"B-1,Shirt,1.00\nB-2,Hat,2.00\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	err = run(ctx, append([]string{"import", broken, "--shop", "batik-sari"}, settings...), &stdout, &stderr)
	if err == nil || !strings.Contains(stdout.String(), "line 2\t\tfailed\ta quoted cell that starts on line 2 is never closed") {
		t.Errorf("import of a file with an unclosed quote: %v\n%s", err, stdout.String())
	}
	if err := run(ctx, append([]string{"import", path}, settings...), &stdout, &stderr); err != errUsage {
		t.Errorf("import without --shop: %v, want a usage error", err)
	}
}
