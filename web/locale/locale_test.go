package locale

import (
	"net/http/httptest"
	"testing"
	"time"
)

func TestNegotiate(t *testing.T) {
	cases := []struct {
		cookie, accept string
		want           Lang
	}{
		{"", "", Indonesian},
		{"", "en-US,en;q=0.9", English},
		{"", "fr-FR,fr;q=0.9", Indonesian}, // neither: the default
		{"", "de;q=0.9,en;q=0.5", English}, // the best of what is offered
		{"", "ms-MY", Indonesian},          // Malay alone reads Indonesian
		{"en", "id-ID", English},           // the remembered choice wins
		{"xx", "en", English},              // a broken cookie is ignored
	}
	for _, c := range cases {
		r := httptest.NewRequest("GET", "/", nil)
		if c.cookie != "" {
			r.Header.Set("Cookie", CookieName+"="+c.cookie)
		}
		if c.accept != "" {
			r.Header.Set("Accept-Language", c.accept)
		}
		if got := Negotiate(r, Indonesian); got != c.want {
			t.Errorf("cookie %q, Accept-Language %q: %s, want %s", c.cookie, c.accept, got, c.want)
		}
	}
}

func TestFormats(t *testing.T) {
	day := time.Date(2026, 12, 4, 14, 5, 0, 0, time.UTC)
	cases := []struct{ got, want string }{
		{Number(Indonesian, 1234567), "1.234.567"},
		{Number(English, -1234), "-1,234"},
		{Money(Indonesian, 150000, "IDR"), "Rp 150.000"},
		{Money(English, 150000, "IDR"), "Rp 150,000"},
		{Money(Indonesian, 123450, "USD"), "$1.234,50"},
		{Money(English, 123450, "USD"), "$1,234.50"},
		{Date(Indonesian, day), "4 Des 2026"},
		{DateTime(Indonesian, day), "4 Des 2026 14.05"},
		{DateTime(English, day), "4 Dec 2026 14:05"},
		{DateTimeZone(Indonesian, day.In(time.FixedZone("WIB", 7*3600))), "4 Des 2026 21.05 WIB"},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

func TestCatalog(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Text(Indonesian, "Cart", nil); got != "Keranjang" {
		t.Errorf("Cart in Indonesian = %q", got)
	}
	if got := c.Text(English, "Cart", nil); got != "Cart" {
		t.Errorf("Cart in English = %q", got)
	}
	if got := c.Text(Indonesian, "Not in the catalogue, {{.N}}", map[string]any{"N": 3}); got != "Not in the catalogue, 3" {
		t.Errorf("a missing text = %q, want its English", got)
	}
	if m := c.Missing(Indonesian); len(m) != 1 || m[0] != "Not in the catalogue, {{.N}}" {
		t.Errorf("Missing = %q", m)
	}
	if got := c.Plural(English, 1, "{{.Count}} product", "{{.Count}} products", nil); got != "1 product" {
		t.Errorf("one = %q", got)
	}
	if got := c.Plural(English, 1200, "{{.Count}} product", "{{.Count}} products", nil); got != "1,200 products" {
		t.Errorf("other = %q", got)
	}
	if _, err := parseMessages([]byte(`{"Other": "Lainnya", "{{.Count}} products": {"other": "{{.Count}} produk"}}`)); err != nil {
		t.Errorf("a text named like a plural form: %v", err)
	}
	if _, err := parseMessages([]byte(`{"x": 3}`)); err == nil {
		t.Error("a number as a translation was accepted")
	}
}
