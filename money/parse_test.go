package money

import (
	"strings"
	"testing"

	"github.com/warna/warna/fault"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in, currency, locale string
		want                 int64
	}{
		{"19.99", "USD", "", 1999},
		{"19.99", "USD", "en", 1999},
		{"$19.99", "USD", "", 1999},
		{"19.99 USD", "USD", "", 1999},
		{"19", "USD", "", 1900},
		{"19.9", "USD", "", 1990},
		{"0.05", "USD", "", 5},
		{"1,234.50", "USD", "", 123450},
		{"1,234,567.89", "USD", "en", 123456789},
		{"1.234,50", "EUR", "de", 123450},
		{"1.234,50", "EUR", "id", 123450},
		{"1.234,50", "EUR", "de-DE", 123450},
		{"1.234,50", "EUR", "", 123450},
		{"1 234,50", "EUR", "fr", 123450},
		{"€ 12,00", "EUR", "de", 1200},
		{"Rp 150.000", "IDR", "", 150000},
		{"Rp 150.000", "IDR", "id", 150000},
		{"Rp150.000", "IDR", "", 150000},
		{"Rp. 1.250.000", "IDR", "id", 1250000},
		{"IDR 150000", "IDR", "", 150000},
		{"150000", "IDR", "", 150000},
		{"1.500.000", "IDR", "", 1500000},
		{"-5.00", "USD", "", -500},
		{"¥1,200", "JPY", "", 1200},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in, tt.currency, tt.locale)
		if err != nil {
			t.Errorf("Parse(%q, %s, %q): %v", tt.in, tt.currency, tt.locale, err)
			continue
		}
		if got != tt.want {
			t.Errorf("Parse(%q, %s, %q) = %d, want %d", tt.in, tt.currency, tt.locale, got, tt.want)
		}
	}
}

func TestParseRejectsClearly(t *testing.T) {
	tests := []struct {
		in, currency, locale string
		wantInMessage        string
	}{
		{"1,234", "USD", "", "ambiguous"},
		{"1.234", "USD", "", "ambiguous"},
		{"19.999", "USD", "en", "more decimal places"},
		{"150.000", "IDR", "en", "ambiguous"},
		{"12.50", "IDR", "", "more decimal places"},
		{"abc", "USD", "", "not an amount"},
		{"", "USD", "", "enter an amount"},
		{"€19.99", "USD", "", "not an amount"},
		{"1.2.3,4,5", "EUR", "de", "decimal separator"},
		{"12,34.5", "USD", "en", "thousands separator"},
		{"19.99", "XYZ", "", "unknown currency"},
		{"19.99", "USD", "klingon", "unknown locale"},
		{"99999999999999999999", "USD", "", "too large"},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in, tt.currency, tt.locale)
		if err == nil {
			t.Errorf("Parse(%q, %s, %q) = %d, want an error", tt.in, tt.currency, tt.locale, got)
			continue
		}
		if !fault.Is(err, fault.Invalid) {
			t.Errorf("Parse(%q): error kind %s, want invalid", tt.in, fault.KindOf(err))
		}
		msg := fault.MessageOf(err)
		if !strings.Contains(msg, tt.wantInMessage) {
			t.Errorf("Parse(%q) message %q, want it to mention %q", tt.in, msg, tt.wantInMessage)
		}
		if tt.in != "" && tt.wantInMessage != "unknown currency" && tt.wantInMessage != "unknown locale" && !strings.Contains(msg, tt.in) {
			t.Errorf("Parse(%q) message %q does not name the value", tt.in, msg)
		}
	}
}

func TestParseRoundTripsPlain(t *testing.T) {
	for _, currency := range Currencies() {
		for _, minor := range []int64{0, 1, 99, 100, 123456, 1999999} {
			got, err := Parse(Plain(minor, currency), currency, "")
			if err != nil || got != minor {
				t.Errorf("Parse(Plain(%d, %s)=%q) = %d, %v", minor, currency, Plain(minor, currency), got, err)
			}
		}
	}
}
