// Package bulk imports a shop's catalogue from the files marketplaces
// export (CSV or JSON Lines; Shopee, Tokopedia, Lazada and TikTok Shop
// column names, in Indonesian or English), in the background with a report
// row by row, and exports it as CSV that imports back unchanged. Each row is
// applied by catalog.Products.Import.
package bulk

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"

	"github.com/warna/warna/catalog"
	"github.com/warna/warna/fault"
	"github.com/warna/warna/money"
	"github.com/warna/warna/spreadsheet"
)

// ImportOptions control a bulk import.
type ImportOptions struct {
	// Format is "csv" or "jsonl"; empty means guess from the content.
	Format string
	// Locale is the number format of prices and stock ("en", "id", "de");
	// empty infers it per value and rejects ambiguous ones.
	Locale string
	// AllowPrivateURLs lets image URLs point at private and loopback
	// addresses (an operator's own file server); off for merchants.
	AllowPrivateURLs bool
	// Progress, when set, is called after each row with rows done and total.
	Progress func(done, total int)
}

// RowResult reports one row of an import.
type RowResult struct {
	Line   int               `json:"line"`
	SKU    string            `json:"sku"`
	Status catalog.RowStatus `json:"status"`
	// Reason is why the row failed, in English (the API's language).
	Reason string `json:"reason,omitempty"`
	// problem is the domain error Reason was made of; it is stored with
	// the report so that a page can say it in its reader's language.
	problem *fault.Error
}

// failed marks the row failed because of err.
func (r *RowResult) failed(err error) {
	r.Status, r.Reason = catalog.RowFailed, fault.MessageOf(err)
	format, args := fault.FormatOf(err)
	r.problem = &fault.Error{Kind: fault.KindOf(err), Message: r.Reason, Format: format, Args: args}
}

// Problem is why the row failed as a domain error (its message's format
// and arguments, for translation); nil for a row that did not fail.
func (r RowResult) Problem() error {
	if r.Reason == "" {
		return nil
	}
	if r.problem == nil { // stored before formats were kept
		return &fault.Error{Kind: fault.Invalid, Message: r.Reason}
	}
	return r.problem
}

// ImportReport is the outcome of an import, row by row.
type ImportReport struct {
	// Encoding is the text encoding the file was read in (EncodingUTF8…).
	Encoding  string      `json:"encoding"`
	Rows      []RowResult `json:"rows"`
	Created   int         `json:"created"`
	Updated   int         `json:"updated"`
	Unchanged int         `json:"unchanged"`
	Failed    int         `json:"failed"`
}

func (r *ImportReport) add(row RowResult) {
	r.Rows = append(r.Rows, row)
	switch row.Status {
	case catalog.RowCreated:
		r.Created++
	case catalog.RowUpdated:
		r.Updated++
	case catalog.RowUnchanged:
		r.Unchanged++
	default:
		r.Failed++
	}
}

// field is a product attribute an import column maps to.
type field string

const (
	fieldTitle       field = "title"
	fieldSKU         field = "sku"
	fieldPrice       field = "price"
	fieldStock       field = "stock"
	fieldCategory    field = "category"
	fieldImage       field = "image"
	fieldDescription field = "description"
	fieldStatus      field = "status"
	fieldColour      field = "colour"
	fieldCurrency    field = "currency"
	fieldCommission  field = "commission"
)

// columnAliases maps normalised header names (lower case, letters and digits
// only) from Shopee, Tokopedia, Lazada and TikTok Shop exports to fields.
var columnAliases = map[string]field{
	"title": fieldTitle, "productname": fieldTitle, "namaproduk": fieldTitle, "name": fieldTitle, "nama": fieldTitle,
	"producttitle": fieldTitle, "itemname": fieldTitle, "judulproduk": fieldTitle, "productnameen": fieldTitle,
	"sku": fieldSKU, "parentsku": fieldSKU, "sellersku": fieldSKU, "skuinduk": fieldSKU, "skuproduk": fieldSKU,
	"productsku": fieldSKU, "skunumber": fieldSKU, "kodeproduk": fieldSKU,
	"price": fieldPrice, "harga": fieldPrice, "hargaproduk": fieldPrice, "hargajual": fieldPrice, "sellingprice": fieldPrice,
	"retailprice": fieldPrice, "originalprice": fieldPrice, "pricerp": fieldPrice, "hargarp": fieldPrice, "priceidr": fieldPrice,
	"stock": fieldStock, "stok": fieldStock, "quantity": fieldStock, "qty": fieldStock, "jumlahstok": fieldStock,
	"stokproduk": fieldStock, "availablestock": fieldStock, "inventory": fieldStock, "sellablestock": fieldStock,
	"category": fieldCategory, "kategori": fieldCategory, "categoryname": fieldCategory, "categorypath": fieldCategory,
	"primarycategory": fieldCategory, "kategoriproduk": fieldCategory,
	"image": fieldImage, "images": fieldImage, "imageurl": fieldImage, "imageurls": fieldImage, "fotosampul": fieldImage,
	"fotoproduk": fieldImage, "gambar": fieldImage, "mainimage": fieldImage, "productimage": fieldImage,
	"coverimage": fieldImage, "photo": fieldImage, "photos": fieldImage, "foto": fieldImage, "gambarproduk": fieldImage,
	"description": fieldDescription, "deskripsi": fieldDescription, "deskripsiproduk": fieldDescription,
	"productdescription": fieldDescription, "desc": fieldDescription,
	"status": fieldStatus, "productstatus": fieldStatus, "statusproduk": fieldStatus,
	"colour": fieldColour, "color": fieldColour, "warna": fieldColour, "colourfamily": fieldColour, "colorfamily": fieldColour,
	"currency": fieldCurrency, "matauang": fieldCurrency,
	"commission": fieldCommission, "commissionpercent": fieldCommission, "komisi": fieldCommission, "commissionrate": fieldCommission,
}

// columnField maps one header to a field; image columns may be numbered
// ("Foto Produk 2", "Image URL 3").
func columnField(header string) (field, bool) {
	var b strings.Builder
	for _, r := range strings.ToLower(header) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	name := b.String()
	if f, ok := columnAliases[name]; ok {
		return f, true
	}
	if f, ok := columnAliases[strings.TrimRightFunc(name, unicode.IsDigit)]; ok && f == fieldImage {
		return f, true
	}
	return "", false
}

// record is one row of the file, by field, with the line it started on.
type record struct {
	line   int
	values map[field]string
	images []string
	has    map[field]bool
	err    error
}

func (r record) present(f field) bool { return r.has[f] }

// readRecords reads a CSV or JSON Lines file into records, returning the
// text encoding it was read in (see decodeText).
func readRecords(r io.Reader, format string) ([]record, string, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, "", fmt.Errorf("read import file: %w", err)
	}
	text, enc, err := decodeText(data)
	if err != nil {
		return nil, "", err
	}
	if format == "" {
		format = "csv"
		if trimmed := bytes.TrimSpace(text); len(trimmed) > 0 && trimmed[0] == '{' {
			format = "jsonl"
		}
	}
	var records []record
	switch format {
	case "csv":
		records, err = readCSV(text)
	case "jsonl", "json", "ndjson":
		records, err = readJSONLines(text)
	default:
		return nil, "", fault.FieldInvalidf("format", "unknown file format %q: use csv or jsonl", format)
	}
	return records, enc, err
}

func readCSV(text []byte) ([]record, error) {
	cr := csv.NewReader(bytes.NewReader(text))
	cr.FieldsPerRecord = -1
	cr.Comma = sniffDelimiter(text)
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, fault.Invalidf("the file is empty")
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return nil, fault.Invalidf("the header line is not valid CSV: %s", fault.MessageOf(csvProblem(pe, text, 1)))
	}
	if err != nil {
		return nil, fmt.Errorf("read csv: %w", err)
	}
	columns := make([]field, len(header))
	hasSKU := false
	for i, h := range header {
		f, _ := columnField(h)
		columns[i] = f
		hasSKU = hasSKU || f == fieldSKU
	}
	if !hasSKU {
		return nil, fault.Invalidf("the file has no SKU column (looked for SKU, Parent SKU, seller_sku, SKU Induk); each product needs one so a second import updates it instead of adding a copy")
	}
	var records []record
	// pos is the reader's byte offset in text and posLine its line, kept
	// up to date so that explaining an error reads only its own record.
	pos, posLine := 0, 1
	for {
		next := int(cr.InputOffset())
		posLine += bytes.Count(text[pos:next], []byte("\n"))
		pos = next
		cells, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			records = append(records, record{line: pe.StartLine, err: csvProblem(pe, text[pos:], posLine)})
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read csv: %w", err)
		}
		if blank(cells) {
			continue
		}
		line, _ := cr.FieldPos(0) // only after a successful Read: it panics on a record with no fields
		rec := record{line: line, values: map[field]string{}, has: map[field]bool{}}
		for i, cell := range cells {
			if i >= len(columns) || columns[i] == "" {
				continue
			}
			rec.set(columns[i], spreadsheet.Restore(cell)) // our exports neutralise formulas
		}
		records = append(records, rec)
	}
	return records, nil
}

// csvProblem explains a CSV syntax error in the merchant's terms: what is
// wrong on which line, and what to change. rest is the file from the start
// of line restLine on, at or before the record in error.
func csvProblem(pe *csv.ParseError, rest []byte, restLine int) error {
	switch {
	case errors.Is(pe.Err, csv.ErrQuote) && !quoteAt(rest, pe.Line-restLine+1, pe.Column):
		// The reader ran out of file inside a quoted cell.
		lines := fmt.Sprintf("lines %d to %d", pe.StartLine, pe.Line)
		if pe.Line == pe.StartLine {
			lines = fmt.Sprintf("line %d", pe.Line)
		}
		return fault.Invalidf("a quoted cell that starts on line %d is never closed (a \" is missing), so %s could not be read; close the quote and import the file again",
			pe.StartLine, lines)
	case errors.Is(pe.Err, csv.ErrQuote):
		return fault.Invalidf("a quoted cell on line %d has text after its closing quote (column %d); inside a quoted cell write a quote as \"\"", pe.Line, pe.Column)
	case errors.Is(pe.Err, csv.ErrBareQuote):
		return fault.Invalidf("a stray quote (\") in an unquoted cell on line %d, column %d; put the whole cell in quotes and write the quote as \"\"", pe.Line, pe.Column)
	}
	return fault.Invalidf("line %d is not valid CSV: %v", pe.Line, pe.Err)
}

// quoteAt reports whether the byte at a 1-based line and column of text is
// a quote. A CSV reader reports a quote followed by text at the quote, and
// the end of the file inside a quoted cell past the end of the last line.
func quoteAt(text []byte, line, column int) bool {
	for range line - 1 {
		i := bytes.IndexByte(text, '\n')
		if i < 0 {
			return false
		}
		text = text[i+1:]
	}
	return column >= 1 && column <= len(text) && text[column-1] == '"'
}

func (r *record) set(f field, value string) {
	if strings.ContainsRune(value, 0) && r.err == nil {
		r.err = fault.Invalidf("the %s cell contains a NUL character, which is not text; save the file again as CSV (UTF-8) from your spreadsheet program", f)
	}
	value = strings.TrimSpace(value)
	r.has[f] = true
	if f == fieldImage {
		r.images = append(r.images, splitURLs(value)...)
		return
	}
	if r.values[f] == "" {
		r.values[f] = value
	}
}

// splitURLs splits a cell that may hold several image URLs.
func splitURLs(cell string) []string {
	return strings.FieldsFunc(cell, func(r rune) bool { return unicode.IsSpace(r) || r == '|' || r == ';' })
}

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// sniffDelimiter picks the CSV delimiter from the header line: spreadsheets
// in comma-decimal locales write semicolons.
func sniffDelimiter(head []byte) rune {
	line, _, _ := bytes.Cut(head, []byte("\n"))
	best, bestN := ',', bytes.Count(line, []byte(","))
	for _, d := range []rune{';', '\t'} {
		if n := bytes.Count(line, []byte(string(d))); n > bestN {
			best, bestN = d, n
		}
	}
	return best
}

func readJSONLines(data []byte) ([]record, error) {
	var records []record
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for line := 1; sc.Scan(); line++ {
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		rec := record{line: line, values: map[field]string{}, has: map[field]bool{}}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(text, &obj); err != nil {
			rec.err = fault.Invalidf("not a JSON object: %v", err)
			records = append(records, rec)
			continue
		}
		for key, raw := range obj {
			f, ok := columnField(key)
			if !ok {
				continue
			}
			for _, v := range jsonValues(raw) {
				rec.set(f, v)
			}
		}
		records = append(records, rec)
	}
	if err := sc.Err(); err != nil {
		return nil, fault.Invalidf("the file could not be read as JSON Lines: %v", err)
	}
	return records, nil
}

// jsonValues turns a JSON value into text cells: strings as they are,
// numbers by their literal digits (never through float64), arrays element by
// element.
func jsonValues(raw json.RawMessage) []string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return []string{""}
	}
	switch raw[0] {
	case '"':
		var s string
		_ = json.Unmarshal(raw, &s)
		return []string{s}
	case '[':
		var items []json.RawMessage
		if json.Unmarshal(raw, &items) != nil {
			return nil
		}
		var out []string
		for _, it := range items {
			out = append(out, jsonValues(it)...)
		}
		return out
	}
	return []string{string(raw)}
}

// parseCount reads a whole number such as "12" or "1.000" (stock).
func parseCount(s string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == '.' || r == ',' || r == ' ' || r == '\'' })
	for i, p := range parts {
		for _, r := range p {
			if r < '0' || r > '9' {
				return 0, fault.FieldInvalidf("stock", "stock %q is not a whole number", s)
			}
		}
		if len(parts) > 1 && (i > 0 && len(p) != 3 || i == 0 && len(p) > 3) {
			return 0, fault.FieldInvalidf("stock", "stock %q is not a whole number", s)
		}
	}
	n := 0
	for _, r := range strings.Join(parts, "") {
		n = n*10 + int(r-'0')
		if n > catalog.MaxStock {
			return 0, fault.FieldInvalidf("stock", "stock %q is more than %d", s, catalog.MaxStock)
		}
	}
	return n, nil
}

// statusWords maps marketplace status words to product statuses.
var statusWords = map[string]catalog.Status{
	"active": catalog.StatusActive, "aktif": catalog.StatusActive, "live": catalog.StatusActive, "published": catalog.StatusActive, "normal": catalog.StatusActive,
	"1": catalog.StatusActive, "true": catalog.StatusActive, "yes": catalog.StatusActive, "ya": catalog.StatusActive, "listed": catalog.StatusActive,
	"draft": catalog.StatusDraft, "inactive": catalog.StatusDraft, "nonaktif": catalog.StatusDraft, "tidakaktif": catalog.StatusDraft, "unlisted": catalog.StatusDraft,
	"0": catalog.StatusDraft, "false": catalog.StatusDraft, "no": catalog.StatusDraft, "tidak": catalog.StatusDraft, "delisted": catalog.StatusDraft, "arsip": catalog.StatusArchived,
	"archived": catalog.StatusArchived, "deleted": catalog.StatusArchived, "dihapus": catalog.StatusArchived,
}

func parseStatus(s string) (catalog.Status, error) {
	key := strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return unicode.ToLower(r)
		}
		return -1
	}, s)
	if st, ok := statusWords[key]; ok {
		return st, nil
	}
	return "", fault.FieldInvalidf("status", "status %q is not one of active, draft or archived", s)
}

// patchOf turns a record into the change it asks for, parsing prices in the
// shop's currency and locale.
func patchOf(rec record, shop catalog.Shop, locale string) (catalog.ProductPatch, error) {
	var pt catalog.ProductPatch
	text := func(f field) *string {
		if !rec.present(f) {
			return nil
		}
		v := rec.values[f]
		return &v
	}
	pt.Title, pt.Description, pt.DeclaredColor = text(fieldTitle), text(fieldDescription), text(fieldColour)
	if pt.Title != nil && *pt.Title == "" {
		return pt, fault.FieldInvalidf("title", "the title is missing")
	}
	if cur := rec.values[fieldCurrency]; cur != "" && !strings.EqualFold(cur, shop.Currency) {
		return pt, fault.FieldInvalidf("currency", "the price is in %s but the shop sells in %s", strings.ToUpper(cur), shop.Currency)
	}
	if rec.present(fieldPrice) {
		v := rec.values[fieldPrice]
		if v == "" {
			return pt, fault.FieldInvalidf("price", "the price is missing")
		}
		minor, err := money.Parse(v, shop.Currency, locale)
		if err != nil {
			return pt, fault.FieldInvalidf("price", "bad price: %s", fault.MessageOf(err))
		}
		pt.PriceMinor = &minor
	}
	if rec.present(fieldStock) {
		n, err := parseCount(rec.values[fieldStock])
		if err != nil {
			return pt, err
		}
		pt.Stock = &n
	}
	if v := rec.values[fieldCategory]; v != "" {
		slug, ok := catalog.NormaliseCategory(v)
		if !ok {
			slug = "other"
		}
		pt.Category = &slug
	}
	if v := rec.values[fieldStatus]; v != "" {
		st, err := parseStatus(v)
		if err != nil {
			return pt, err
		}
		pt.Status = &st
	}
	if rec.present(fieldCommission) {
		var bps *int
		if v := rec.values[fieldCommission]; v != "" {
			n, err := catalog.ParsePercentBps(v)
			if err != nil {
				return pt, fault.FieldInvalidf("commission", "bad commission: %s", fault.MessageOf(err))
			}
			bps = &n
		}
		pt.CommissionBps = &bps
	}
	return pt, nil
}
