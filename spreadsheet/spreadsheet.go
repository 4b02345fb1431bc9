// Package spreadsheet writes CSV that spreadsheet programs open without
// running any cell as a formula, and reads such cells back as they were.
//
// Excel, LibreOffice and Google Sheets evaluate a cell that starts with =,
// +, - or @ (and some a leading tab or carriage return) as a formula, which
// can run commands or send the sheet's data elsewhere ("CSV injection").
// Every CSV Warna lets people download goes through Writer, which puts an
// apostrophe before such a cell (OWASP's advice): spreadsheets show it as
// text, apostrophe included, instead of running it, and Restore takes the
// apostrophe off when the file is imported again, so an export imports back
// unchanged. Plain numbers ("-12.50") are left alone:
// a spreadsheet reads them as numbers, never as formulas, and money columns
// stay numeric.
package spreadsheet

import (
	"encoding/csv"
	"io"
	"strings"
)

// formulaStarts are the first characters that make a spreadsheet evaluate
// a cell (OWASP's CSV injection list).
const formulaStarts = "=+-@\t\r"

// needsQuote reports whether s, once any leading apostrophes are set aside,
// starts like a formula and is not a plain number. Setting the apostrophes
// aside makes Neutralise and Restore exact inverses: "'=x" gets a second
// apostrophe and loses it again, while "'90s" is left alone both ways.
func needsQuote(s string) bool {
	s = strings.TrimLeft(s, "'")
	return s != "" && strings.ContainsRune(formulaStarts, rune(s[0])) && !plainNumber(s)
}

// plainNumber reports whether s is an optionally negative decimal number
// such as "-12" or "-0.50".
func plainNumber(s string) bool {
	s = strings.TrimPrefix(s, "-")
	whole, frac, hasPoint := strings.Cut(s, ".")
	return digits(whole) && (!hasPoint || digits(frac))
}

func digits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Neutralise returns the cell text a spreadsheet shows as s without
// evaluating it: s itself, or s behind an apostrophe when it starts like a
// formula.
func Neutralise(s string) string {
	if needsQuote(s) {
		return "'" + s
	}
	return s
}

// Restore undoes Neutralise on a cell read from a CSV file: it takes off the
// apostrophe Neutralise added and leaves every other cell as it is.
func Restore(s string) string {
	if strings.HasPrefix(s, "'") && needsQuote(s[1:]) {
		return s[1:]
	}
	return s
}

// Writer writes CSV rows with every cell neutralised.
type Writer struct {
	csv *csv.Writer
	row []string
}

// NewWriter returns a Writer on w.
func NewWriter(w io.Writer) *Writer { return &Writer{csv: csv.NewWriter(w)} }

// Write writes one row.
func (w *Writer) Write(cells []string) error {
	w.row = w.row[:0]
	for _, c := range cells {
		w.row = append(w.row, Neutralise(c))
	}
	return w.csv.Write(w.row)
}

// Flush writes any buffered rows to the underlying writer.
func (w *Writer) Flush() { w.csv.Flush() }

// Error reports any error from a previous Write or Flush.
func (w *Writer) Error() error { return w.csv.Error() }
