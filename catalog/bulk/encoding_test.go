package bulk

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/warna/warna/catalog"
	"github.com/warna/warna/fault"
)

// sourceTitles reads the titles of a testdata source file (UTF-8) by SKU.
func sourceTitles(t *testing.T, name string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "encodings", name))
	if err != nil {
		t.Fatal(err)
	}
	titles := map[string]string{}
	for i, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if i == 0 {
			continue
		}
		cells := strings.FieldsFunc(line, func(r rune) bool { return r == ';' || r == ',' })
		titles[cells[0]] = cells[1]
	}
	return titles
}

// TestImportReadsTheEncodingsSpreadsheetsSave imports files that GNU iconv
// made from UTF-8 sources (testdata/encodings/README.md) and expects the
// products stored with the source's text, whichever the database (it runs
// on PostgreSQL too when TEST_DATABASE_URL is set, which refuses invalid
// UTF-8), and the encoding named in the report.
func TestImportReadsTheEncodingsSpreadsheetsSave(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, catalog.Options{}, Options{})
	tests := []struct {
		file, source, wantEncoding string
	}{
		{"source.csv", "source.csv", EncodingUTF8},
		{"utf-8-bom.csv", "source.csv", EncodingUTF8BOM},
		{"windows-1252.csv", "source.csv", EncodingWindows1252},
		{"latin-1.csv", "source-latin-1.csv", EncodingWindows1252},
		{"utf-16.csv", "source.csv", EncodingUTF16LE},
		{"utf-16be-bom.csv", "source.csv", EncodingUTF16BE},
		{"utf-16le.csv", "source.csv", EncodingUTF16LE},
		{"unicode-text.txt", "source.csv", EncodingUTF16LE},
	}
	for i, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			shop := e.shop(int64(10+i), fmt.Sprintf("enc-%d", i), "IDR")
			data, err := os.ReadFile(filepath.Join("testdata", "encodings", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			report, err := e.svc.ImportInto(ctx, shop.ID, bytes.NewReader(data), ImportOptions{Locale: "id"})
			if err != nil {
				t.Fatalf("import: %v", err)
			}
			if report.Encoding != tt.wantEncoding {
				t.Errorf("read as %q, want %q", report.Encoding, tt.wantEncoding)
			}
			want := sourceTitles(t, tt.source)
			if report.Created != len(want) || report.Failed != 0 {
				t.Fatalf("created %d, failed %d, want %d created: %+v", report.Created, report.Failed, len(want), report.Rows)
			}
			for sku, title := range want {
				p := e.product(shop.ID, sku)
				if p.Title != title || !utf8.ValidString(p.Description) {
					t.Errorf("%s stored as %q (description %q), want %q", sku, p.Title, p.Description, title)
				}
			}
		})
	}
}

func TestDecodeText(t *testing.T) {
	tests := []struct {
		name, in, want, wantEncoding string
	}{
		{"ascii", "sku,title\n", "sku,title\n", EncodingUTF8},
		{"utf-8", "sku,title\nA,Café\n", "sku,title\nA,Café\n", EncodingUTF8},
		{"utf-8 bom", "\xef\xbb\xbfsku\n", "sku\n", EncodingUTF8BOM},
		{"bom, then invalid bytes", "\xef\xbb\xbfCaf\xe9\n", "Caf\uFFFD\n", EncodingUTF8BOM},
		{"windows-1252 curly quotes and euro", "\x93Caf\xe9\x94 \x80 5", "“Café” € 5", EncodingWindows1252},
		{"latin-1", "Se\xf1or", "Señor", EncodingWindows1252},
		{"utf-16le bom", "\xff\xfeA\x00\xe9\x00", "Aé", EncodingUTF16LE},
		{"utf-16be bom", "\xfe\xff\x00A\x00\xe9", "Aé", EncodingUTF16BE},
		{"utf-16le bom, lone surrogate", "\xff\xfeA\x00\x00\xd8", "A\uFFFD", EncodingUTF16LE},
		{"utf-16le without bom", "s\x00k\x00u\x00,\x00t\x00\n\x00", "sku,t\n", EncodingUTF16LE},
		{"utf-16be without bom", "\x00s\x00k\x00u\x00,\x00t\x00\n", "sku,t\n", EncodingUTF16BE},
	}
	for _, tt := range tests {
		got, enc, err := decodeText([]byte(tt.in))
		if err != nil || string(got) != tt.want || enc != tt.wantEncoding {
			t.Errorf("%s: %q as %q (%v), want %q as %q", tt.name, got, enc, err, tt.want, tt.wantEncoding)
		}
	}
	if _, _, err := decodeText([]byte("PK\x03\x04\x14\x00\x06\x00")); !fault.Is(err, fault.Invalid) || !strings.Contains(fault.MessageOf(err), "save it as CSV") {
		t.Errorf("an xlsx file: %v, want refused with advice to save as CSV", err)
	}
}

func TestImportRefusesNULInACell(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, catalog.Options{}, Options{})
	shop := e.shop(1, "nul", "USD")
	report, err := e.svc.ImportInto(ctx, shop.ID, strings.NewReader("sku,title,price\nN-1,Bad\x00title,1.00\nN-2,Good,2.00\n"), ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rows := byLine(report)
	if rows[2].Status != catalog.RowFailed || !strings.Contains(rows[2].Reason, "NUL") {
		t.Errorf("line 2: %s %q, want failed naming the NUL character", rows[2].Status, rows[2].Reason)
	}
	if rows[3].Status != catalog.RowCreated {
		t.Errorf("line 3: %s %q, want created", rows[3].Status, rows[3].Reason)
	}
}

// TestBackgroundImportKeepsTheEncoding: an upload in UTF-16 (which has NUL
// bytes) is accepted as a text file and its import records what it was read
// as, for the page and the API to state.
func TestBackgroundImportKeepsTheEncoding(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, catalog.Options{}, Options{})
	e.shop(1, "background-enc", "IDR")
	for _, tt := range []struct{ file, want string }{{"unicode-text.txt", EncodingUTF16LE}, {"windows-1252.csv", EncodingWindows1252}} {
		data, err := os.ReadFile(filepath.Join("testdata", "encodings", tt.file))
		if err != nil {
			t.Fatal(err)
		}
		imp, err := e.svc.StartImport(ctx, 1, "export", bytes.NewReader(data), "id") // no extension: the format is sniffed
		if err != nil {
			t.Fatalf("%s: start: %v", tt.file, err)
		}
		if err := e.svc.RunImport(ctx, imp.ID); err != nil {
			t.Fatal(err)
		}
		if imp, err = e.svc.Import(ctx, 1, imp.ID); err != nil {
			t.Fatal(err)
		}
		if imp.Status != ImportDone || imp.Encoding != tt.want || imp.Failed != 0 || imp.Created+imp.Updated+imp.Unchanged != 3 {
			t.Errorf("%s: import %s, read as %q, %d failed; want done as %q with 3 rows", tt.file, imp.Status, imp.Encoding, imp.Failed, tt.want)
		}
	}
}
