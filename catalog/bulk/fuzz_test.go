package bulk

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/warna/warna/fault"
)

// FuzzReadRecords feeds arbitrary bytes to the import file reader, as CSV,
// as JSON Lines and with the format guessed. Properties: no panic; a file
// refused as a whole is refused as invalid input with a message (never an
// error "on our side"); a file read says its encoding, and every row it
// gives has a line number, later than the row before, and only valid UTF-8
// without NUL in its cells (what PostgreSQL stores), or else a reason.
func FuzzReadRecords(f *testing.F) {
	seeds, err := filepath.Glob(filepath.Join("testdata", "encodings", "*.*"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range seeds {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, uint8(0))
	}
	for _, s := range []string{
		"sku,title,price\nA-1,Shirt,10.00\n",
		"Nama Produk;SKU Induk;Harga\nKemeja;K-1;Rp 150.000\n",
		"sku,title\n\"A-1,never closed\nA-2,x\n",
		"sku,title\nA\"1,stray\n",
		"sku,title\nA-1,\"quoted\" after\n",
		"sku,title,image\nA-1,'=1+1,http://x/1.png | http://x/2.png\n",
		"{\"seller_sku\":\"J-1\",\"price\":12.5,\"images\":[\"a\",\"b\"]}\nnot json\n",
		"\xff\xfes\x00k\x00u\x00\n\x00",
		"PK\x03\x04",
	} {
		f.Add([]byte(s), uint8(0))
		f.Add([]byte(s), uint8(1))
	}
	formats := []string{"", "csv", "jsonl"}
	f.Fuzz(func(t *testing.T, data []byte, format uint8) {
		records, enc, err := readRecords(bytes.NewReader(data), formats[int(format)%len(formats)])
		if err != nil {
			if !fault.Is(err, fault.Invalid) || fault.MessageOf(err) == "" {
				t.Fatalf("refused with %v (kind %s), want invalid input with a message", err, fault.KindOf(err))
			}
			return
		}
		if enc == "" {
			t.Fatal("read without naming the encoding")
		}
		last := 0
		for _, r := range records {
			if r.line <= last {
				t.Fatalf("row on line %d after a row on line %d", r.line, last)
			}
			last = r.line
			if r.err != nil {
				if fault.MessageOf(r.err) == "" {
					t.Fatalf("line %d failed without a reason", r.line)
				}
				continue
			}
			cells := append([]string(nil), r.images...)
			for _, v := range r.values {
				cells = append(cells, v)
			}
			for _, c := range cells {
				if !utf8.ValidString(c) || strings.ContainsRune(c, 0) {
					t.Fatalf("line %d has a cell PostgreSQL would refuse: %q", r.line, c)
				}
			}
		}
	})
}
