package locale

import (
	"strconv"
	"time"

	"github.com/warna/warna/money"
)

// separators are the thousands and decimal marks of l: 1.234.567,5 in
// Indonesian, 1,234,567.5 in English.
func separators(l Lang) (thousands, decimal string) {
	if l == English {
		return ",", "."
	}
	return ".", ","
}

// Number writes n with l's thousands separator.
func Number(l Lang, n int64) string {
	sep, _ := separators(l)
	sign := ""
	if n < 0 {
		sign, n = "-", -n
	}
	digits := strconv.FormatInt(n, 10)
	var out []byte
	for i := range len(digits) {
		if i > 0 && (len(digits)-i)%3 == 0 {
			out = append(out, sep...)
		}
		out = append(out, digits[i])
	}
	return sign + string(out)
}

var months = map[Lang][12]string{
	Indonesian: {"Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"},
	English:    {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"},
}

// Date writes t as "4 Des 2026" (Indonesian) or "4 Dec 2026" (English).
func Date(l Lang, t time.Time) string {
	m, ok := months[l]
	if !ok {
		m = months[English]
	}
	return strconv.Itoa(t.Day()) + " " + m[t.Month()-1] + " " + strconv.Itoa(t.Year())
}

// DateTime writes t as Date does followed by the 24-hour time, "4 Des 2026
// 14.05" in Indonesian (a full stop between hours and minutes, as PUEBI
// writes time) and "4 Dec 2026 14:05" in English.
func DateTime(l Lang, t time.Time) string {
	sep := ":"
	if l == Indonesian {
		sep = "."
	}
	return Date(l, t) + " " + t.Format("15") + sep + t.Format("04")
}

// Money writes an amount with l's marks: "Rp 150.000" and "US$" amounts
// as "$1.234,50" in Indonesian, "Rp 150,000" and "$1,234.50" in English.
func Money(l Lang, minor int64, currency string) string {
	thousands, decimal := separators(l)
	return money.FormatWith(minor, currency, thousands, decimal)
}

// DateTimeZone writes t as DateTime does, in t's own location, labelled
// with the zone's abbreviation: "4 Des 2026 21.05 WIB" for a time in
// Asia/Jakarta. Merchant pages put times in the shop's zone and say which.
func DateTimeZone(l Lang, t time.Time) string { return DateTime(l, t) + " " + t.Format("MST") }

// Jakarta is Western Indonesian Time (WIB, UTC+7, without daylight saving
// since 1964): the zone of times that belong to no shop.
var Jakarta = time.FixedZone("WIB", 7*3600)
