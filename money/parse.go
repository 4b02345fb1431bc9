package money

import (
	"strings"
	"unicode"

	"github.com/warna/warna/fault"
)

// maxMinor keeps parsed amounts far from int64 overflow when they are later
// multiplied by quantities and basis-point rates.
const maxMinor = int64(1) << 50

// commaDecimal lists the locales (primary language subtags) that write the
// decimal separator as a comma and group thousands with a dot or a space.
var commaDecimal = map[string]bool{
	"id": true, "de": true, "fr": true, "es": true, "it": true, "nl": true, "pt": true,
	"vi": true, "tr": true, "ru": true, "pl": true, "da": true, "sv": true, "nb": true,
	"fi": true, "cs": true, "ro": true, "el": true,
}

// dotDecimal lists the locales that write the decimal separator as a dot.
var dotDecimal = map[string]bool{
	"en": true, "ms": true, "th": true, "ja": true, "ko": true, "zh": true, "tl": true,
	"fil": true, "hi": true,
}

// ValidLocale reports whether Parse knows the number format of locale
// ("id", "de-DE", "en_US"); the empty locale is valid and means "infer".
func ValidLocale(locale string) bool {
	_, err := separators(locale)
	return err == nil
}

// separators returns the decimal separator of a locale, or 0 to infer it.
func separators(locale string) (rune, error) {
	if locale == "" {
		return 0, nil
	}
	lang := strings.ToLower(locale)
	if i := strings.IndexAny(lang, "-_"); i > 0 {
		lang = lang[:i]
	}
	switch {
	case commaDecimal[lang]:
		return ',', nil
	case dotDecimal[lang]:
		return '.', nil
	}
	return 0, fault.FieldInvalidf("locale", "unknown locale %q: use a language code such as en, id or de", locale)
}

// Parse reads an amount written by a person or a marketplace export, such as
// "19.99", "1.234,50" or "Rp 150.000", into minor units of currency. No
// floating point is involved. locale ("en", "id", "de", …) says which of "."
// and "," is the decimal separator; with an empty locale it is inferred, and
// input that could mean two amounts ("1,234" in USD) is rejected with a
// message naming the value. A currency symbol or code around the number is
// accepted when it matches currency.
func Parse(s, currency, locale string) (int64, error) {
	if !ValidCurrency(currency) {
		return 0, fault.Invalidf("unknown currency %q", currency)
	}
	decimal, err := separators(locale)
	if err != nil {
		return 0, err
	}
	text, negative, err := stripAmount(s, currency)
	if err != nil {
		return 0, err
	}
	whole, frac, err := splitNumber(s, text, decimal, MinorDigits(currency))
	if err != nil {
		return 0, err
	}
	digits := MinorDigits(currency)
	if len(frac) > digits {
		extra := frac[digits:]
		if strings.Trim(extra, "0") != "" {
			return 0, fault.Invalidf("%q has more decimal places than %s allows (%d)", s, currency, digits)
		}
		frac = frac[:digits]
	}
	frac += strings.Repeat("0", digits-len(frac))
	var minor int64
	for _, r := range whole + frac {
		minor = minor*10 + int64(r-'0')
		if minor > maxMinor {
			return 0, fault.Invalidf("%q is too large an amount", s)
		}
	}
	if negative {
		minor = -minor
	}
	return minor, nil
}

// stripAmount trims spaces, a sign and a currency symbol or code from s.
func stripAmount(s, currency string) (string, bool, error) {
	text := strings.TrimSpace(s)
	if text == "" {
		return "", false, fault.Invalidf("enter an amount")
	}
	negative := false
	if strings.HasPrefix(text, "-") {
		negative, text = true, strings.TrimSpace(text[1:])
	}
	for _, mark := range currencyMarks(currency) {
		if len(text) >= len(mark) && strings.EqualFold(text[:len(mark)], mark) {
			text = strings.TrimSpace(strings.TrimPrefix(text[len(mark):], "."))
			break
		}
		if len(text) >= len(mark) && strings.EqualFold(text[len(text)-len(mark):], mark) {
			text = strings.TrimSpace(text[:len(text)-len(mark)])
			break
		}
	}
	if !negative && strings.HasPrefix(text, "-") {
		negative, text = true, strings.TrimSpace(text[1:])
	}
	if text == "" {
		return "", false, fault.Invalidf("%q has no number in it", s)
	}
	return text, negative, nil
}

// currencyMarks are the ways an amount in currency may be labelled, longest
// first so "Rp." wins over "Rp".
func currencyMarks(currency string) []string {
	marks := []string{currency}
	if sym := strings.TrimSpace(symbols[currency]); sym != "" {
		marks = append(marks, sym)
	}
	if currency == "USD" || currency == "AUD" || currency == "SGD" {
		marks = append(marks, "$")
	}
	return marks
}

// splitNumber separates text into whole and fraction digits. decimal is the
// locale's decimal separator, or 0 to infer it.
func splitNumber(original, text string, decimal rune, minorDigits int) (string, string, error) {
	var clean strings.Builder
	for _, r := range text {
		switch {
		case r >= '0' && r <= '9', r == '.', r == ',':
			clean.WriteRune(r)
		case r == ' ' || r == '\u00a0' || r == '\u202f' || r == '\'':
			clean.WriteRune(' ') // grouping in some locales
		default:
			if unicode.IsSymbol(r) {
				return "", "", fault.Invalidf("%q is not an amount in this currency: remove %q or use the shop's currency", original, string(r))
			}
			return "", "", fault.Invalidf("%q is not an amount: write it in digits, like 19.99", original)
		}
	}
	num := clean.String()
	if decimal == 0 {
		var err error
		if decimal, err = inferDecimal(original, num, minorDigits); err != nil {
			return "", "", err
		}
	}
	group := ','
	if decimal == ',' {
		group = '.'
	}
	whole, frac := num, ""
	if i := strings.LastIndex(num, string(decimal)); i >= 0 {
		whole, frac = num[:i], num[i+1:]
		if strings.ContainsRune(whole, decimal) {
			return "", "", fault.Invalidf("%q has more than one decimal separator %q", original, string(decimal))
		}
		if frac == "" || strings.ContainsAny(frac, ",. ") {
			return "", "", fault.Invalidf("%q is not an amount: put digits after the decimal separator %q", original, string(decimal))
		}
	}
	whole, err := ungroup(original, whole, group)
	if err != nil {
		return "", "", err
	}
	if minorDigits == 0 && len(frac) == 3 {
		return "", "", fault.Invalidf("%q is ambiguous: a currency without cents does not use %q as a decimal separator; declare a locale such as id", original, string(decimal))
	}
	return whole, frac, nil
}

// inferDecimal guesses the decimal separator when no locale is declared, and
// refuses when two readings are possible.
func inferDecimal(original, num string, minorDigits int) (rune, error) {
	dot, comma := strings.LastIndex(num, "."), strings.LastIndex(num, ",")
	switch {
	case dot >= 0 && comma >= 0:
		if dot > comma {
			return '.', nil
		}
		return ',', nil
	case dot < 0 && comma < 0:
		return '.', nil
	}
	sep, at := '.', dot
	other := ','
	if comma >= 0 {
		sep, at, other = ',', comma, '.'
	}
	if strings.Count(num, string(sep)) > 1 {
		return other, nil // "1.234.567": repeated, so grouping
	}
	if len(num)-at-1 == 3 && strings.Trim(num[:at], " ") != "0" {
		if minorDigits == 0 {
			return other, nil // no cents: "150.000" groups thousands
		}
		return 0, fault.Invalidf("%q is ambiguous: it could mean %s or %s; declare a locale (en or id) or write it without a thousands separator",
			original, strings.Replace(num, string(sep), "", 1), strings.Replace(num, string(sep), ".", 1))
	}
	return sep, nil
}

// ungroup removes thousands separators from the whole part after checking
// they sit every three digits.
func ungroup(original, whole string, group rune) (string, error) {
	if whole == "" {
		return "0", nil
	}
	parts := strings.FieldsFunc(whole, func(r rune) bool { return r == group || r == ' ' })
	if len(parts) == 0 {
		return "", fault.Invalidf("%q is not an amount", original)
	}
	for i, p := range parts {
		if strings.ContainsAny(p, ".,") {
			return "", fault.Invalidf("%q mixes separators in a way that is not a number", original)
		}
		if len(parts) > 1 && ((i == 0 && len(p) > 3) || (i > 0 && len(p) != 3)) {
			return "", fault.Invalidf("%q has a thousands separator in the wrong place", original)
		}
	}
	if strings.HasSuffix(whole, string(group)) || strings.HasPrefix(whole, string(group)) {
		return "", fault.Invalidf("%q has a thousands separator in the wrong place", original)
	}
	return strings.Join(parts, ""), nil
}
