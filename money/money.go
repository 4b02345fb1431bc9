// Package money handles amounts as int64 minor units of an ISO 4217 currency.
// Nothing here uses floating point: prices are parsed, stored, multiplied by
// basis-point rates and printed as integers.
package money

import (
	"fmt"
	"strings"
)

// currencies lists the supported ISO 4217 codes with the number of decimal
// places of their minor unit.
var currencies = map[string]int{
	"USD": 2, "EUR": 2, "GBP": 2, "SGD": 2, "MYR": 2, "PHP": 2, "THB": 2, "AUD": 2,
	"IDR": 0, "JPY": 0, "KRW": 0, "VND": 0,
}

var symbols = map[string]string{"USD": "$", "EUR": "€", "GBP": "£", "IDR": "Rp ", "SGD": "S$", "MYR": "RM ", "JPY": "¥", "PHP": "₱", "THB": "฿", "AUD": "A$", "KRW": "₩", "VND": "₫"}

// ValidCurrency reports whether code is a supported ISO 4217 currency.
func ValidCurrency(code string) bool {
	_, ok := currencies[code]
	return ok
}

// Currencies lists the supported codes in a stable order.
func Currencies() []string {
	return []string{"IDR", "USD", "EUR", "GBP", "SGD", "MYR", "PHP", "THB", "AUD", "JPY", "KRW", "VND"}
}

// MinorDigits is the number of decimal places of a currency's minor unit.
func MinorDigits(code string) int {
	if d, ok := currencies[code]; ok {
		return d
	}
	return 2
}

// Format renders an amount for people, e.g. "$1,234.50" or "Rp 150.000":
// amounts without a minor unit grouped with full stops as Indonesian
// writes rupiah, others as English writes them.
func Format(minor int64, currency string) string {
	if MinorDigits(currency) == 0 {
		return FormatWith(minor, currency, ".", ",")
	}
	return FormatWith(minor, currency, ",", ".")
}

// FormatWith renders an amount with the given thousands and decimal marks
// (a language's: "Rp 1.234.567" in Indonesian, "Rp 1,234,567" in English).
func FormatWith(minor int64, currency, thousands, decimal string) string {
	digits := MinorDigits(currency)
	sign := ""
	if minor < 0 {
		sign = "-"
		minor = -minor
	}
	symbol, ok := symbols[currency]
	if !ok {
		symbol = currency + " "
	}
	if digits == 0 {
		return sign + symbol + group(fmt.Sprint(minor), thousands)
	}
	pow := pow10(digits)
	return fmt.Sprintf("%s%s%s%s%0*d", sign, symbol, group(fmt.Sprint(minor/pow), thousands), decimal, digits, minor%pow)
}

// Plain renders an amount as a plain decimal for CSV and forms: "1234.50".
func Plain(minor int64, currency string) string {
	digits := MinorDigits(currency)
	if digits == 0 {
		return fmt.Sprint(minor)
	}
	sign := ""
	if minor < 0 {
		sign = "-"
		minor = -minor
	}
	pow := pow10(digits)
	return fmt.Sprintf("%s%d.%0*d", sign, minor/pow, digits, minor%pow)
}

func pow10(n int) int64 {
	p := int64(1)
	for range n {
		p *= 10
	}
	return p
}

func group(digits, sep string) string {
	if len(digits) <= 3 {
		return digits
	}
	var b strings.Builder
	lead := len(digits) % 3
	if lead > 0 {
		b.WriteString(digits[:lead])
	}
	for i := lead; i < len(digits); i += 3 {
		if b.Len() > 0 {
			b.WriteString(sep)
		}
		b.WriteString(digits[i : i+3])
	}
	return b.String()
}
