package money

import (
	"testing"

	"github.com/warna/warna/fault"
)

// FuzzParse feeds arbitrary text to Parse in every currency and a few
// locales. Properties: no panic; a refusal is invalid input whose message
// names the field or value; an accepted amount is within the bound that
// keeps later arithmetic from overflowing, and reads back the same from
// Plain (in any locale that infers) and from Format (in the locale Format
// writes).
func FuzzParse(f *testing.F) {
	for _, s := range []string{"19.99", "1.234,50", "Rp 150.000", "-5", "$1,234.56", "€ 12,5", "1 234,50", "4503599627370497.99",
		"0.1", "1,234", "IDR 99.000", "(12.00)", "+3", "١٢٣", "1e5", "0x10", "12.3.4", ".5", "5.", "--1"} {
		f.Add(s, uint8(0), uint8(0))
		f.Add(s, uint8(1), uint8(2))
	}
	locales := []string{"", "en", "id", "de", "ms", "vi", "fr-FR", "en_US"}
	currencies := Currencies()
	f.Fuzz(func(t *testing.T, s string, currency, locale uint8) {
		cur, loc := currencies[int(currency)%len(currencies)], locales[int(locale)%len(locales)]
		minor, err := Parse(s, cur, loc)
		if err != nil {
			if !fault.Is(err, fault.Invalid) || fault.MessageOf(err) == "" {
				t.Fatalf("Parse(%q, %s, %q) refused with %v, want invalid input with a message", s, cur, loc, err)
			}
			return
		}
		if minor > maxMinor || minor < -maxMinor {
			t.Fatalf("Parse(%q, %s, %q) = %d, beyond ±%d", s, cur, loc, minor, maxMinor)
		}
		if back, err := Parse(Plain(minor, cur), cur, ""); err != nil || back != minor {
			t.Fatalf("Parse(%q, %s, %q) = %d, but its Plain %q reads back as %d, %v", s, cur, loc, minor, Plain(minor, cur), back, err)
		}
		formatLocale := "en"
		if MinorDigits(cur) == 0 {
			formatLocale = "id" // Format groups thousands with dots when there are no decimals
		}
		if back, err := Parse(Format(minor, cur), cur, formatLocale); err != nil || back != minor {
			t.Fatalf("Parse(%q, %s, %q) = %d, but its Format %q reads back as %d, %v", s, cur, loc, minor, Format(minor, cur), back, err)
		}
	})
}
