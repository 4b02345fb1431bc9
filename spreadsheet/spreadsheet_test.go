package spreadsheet

import (
	"bytes"
	"encoding/csv"
	"testing"
)

func TestNeutralise(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"Linen shirt", "Linen shirt"},
		{"=1+1", "'=1+1"},
		{"+1", "'+1"},
		{"-2+3", "'-2+3"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\t=1", "'\t=1"},
		{"\r=1", "'\r=1"},
		{"-", "'-"},
		{"-12", "-12"},
		{"-12.50", "-12.50"},
		{"-.5", "'-.5"},
		{"-1e5", "'-1e5"},
		{"12.50", "12.50"},
		{"'90s", "'90s"},
		{"'=x", "''=x"},
		{"''=x", "'''=x"},
		{"'", "'"},
		{"a=1", "a=1"},
	}
	for _, tt := range tests {
		if got := Neutralise(tt.in); got != tt.want {
			t.Errorf("Neutralise(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := Restore(Neutralise(tt.in)); got != tt.in {
			t.Errorf("Restore(Neutralise(%q)) = %q, want it back", tt.in, got)
		}
	}
	// Cells from other programs' files are left alone unless they are
	// exactly what Neutralise writes.
	for _, s := range []string{"'90s", "'", "''", "plain", "-5"} {
		if got := Restore(s); got != s {
			t.Errorf("Restore(%q) = %q, want it unchanged", s, got)
		}
	}
}

// FuzzNeutralise: Restore undoes Neutralise for any text, and no neutralised
// cell starts like a formula unless it is a plain number.
func FuzzNeutralise(f *testing.F) {
	for _, s := range []string{"", "=1", "'=1", "-12.5", "'90s", "\t", "''@"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := Neutralise(s)
		if Restore(n) != s {
			t.Fatalf("Restore(Neutralise(%q)) = %q", s, Restore(n))
		}
		if n != "" && n[0] != '\'' && needsQuote(n) {
			t.Fatalf("Neutralise(%q) = %q still starts like a formula", s, n)
		}
	})
}

func TestWriter(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	if err := w.Write([]string{"=cmd", "-10.00", "ok, \"quoted\""}); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0][0] != "'=cmd" || rows[0][1] != "-10.00" || rows[0][2] != `ok, "quoted"` {
		t.Errorf("written row = %q", rows)
	}
}
