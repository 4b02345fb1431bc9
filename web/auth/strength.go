package auth

import (
	_ "embed"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/warna/warna/fault"
)

// Password length limits, in characters.
const (
	MinPasswordLength = 10
	MaxPasswordLength = 200
)

// commonPasswordsText lists common passwords, lower case, one a line: the
// 30,000 most common of Mark Burnett's ten million (as zxcvbn 4.4.2 ships
// them, MIT, Dropbox) and SecLists' 150 most common Indonesian passwords
// (MIT, Daniel Miessler), those of four characters or more. Sources and
// licences: common-passwords.NOTICE.
//
//go:embed common-passwords.txt
var commonPasswordsText string

// commonPasswords is the list as a set, built on first use.
var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	set := make(map[string]struct{}, 30100)
	for _, p := range strings.Split(commonPasswordsText, "\n") {
		if p != "" {
			set[p] = struct{}{}
		}
	}
	return set
})

const passwordAdvice = "; try three or four words that have nothing to do with each other, like “kopi lampu sepeda hujan”"

// passwordProblem says why password is too easy to guess for the account
// of email and name (a fault on the password field, its format the
// catalogue's key), or returns nil when it is fine. It refuses what
// guessing tools try first (NIST SP 800-63B §5.1.1.2): lists of common
// passwords, also with digits or symbols around them and letters written
// as digits (P@ssw0rd1), repeats, keyboard and alphabet sequences, and the
// account's own email or name.
func passwordProblem(password, email, name string) error {
	bad := func(format string, args ...any) error { return fault.FieldInvalidf("password", format, args...) }
	n := utf8.RuneCountInString(password)
	switch {
	case n < MinPasswordLength:
		return bad("choose a password of at least %d characters", MinPasswordLength)
	case n > MaxPasswordLength:
		return bad("choose a password of at most %d characters", MaxPasswordLength)
	case strings.TrimSpace(password) == "":
		return bad("a password of only spaces is the first thing anyone tries" + passwordAdvice)
	}
	lower := strings.ToLower(password)
	if unit, ok := repeatedUnit(lower); ok {
		return bad("the password repeats %q over and over"+passwordAdvice, unit)
	}
	if d := distinctRunes(lower); d < 4 {
		return bad("the password uses only %d different characters"+passwordAdvice, d)
	}
	if inSequence(lower) {
		return bad("the password is a sequence of letters, digits or neighbouring keys" + passwordAdvice)
	}
	if personal(lower, email, name) {
		return bad("the password contains your name or email address, which others know" + passwordAdvice)
	}
	if commonCore(lower) {
		return bad("this is a common password, or one with digits or symbols added, that guessing tools try first" + passwordAdvice)
	}
	return nil
}

// repeatedUnit finds a unit of at most half the password that the whole
// password repeats ("aaaa…", "abcabcab…").
func repeatedUnit(s string) (string, bool) {
	r := []rune(s)
	for u := 1; u <= len(r)/2; u++ {
		repeats := true
		for i := u; i < len(r) && repeats; i++ {
			repeats = r[i] == r[i-u]
		}
		if repeats {
			return string(r[:u]), true
		}
	}
	return "", false
}

func distinctRunes(s string) int {
	seen := map[rune]bool{}
	for _, r := range s {
		seen[r] = true
	}
	return len(seen)
}

// sequences are runs people type as passwords: the alphabet, digits and
// rows and columns of a QWERTY keyboard; each is also tried backwards.
var sequences = []string{
	"abcdefghijklmnopqrstuvwxyz",
	"01234567890",
	"`1234567890-=",
	"qwertyuiop[]\\",
	"asdfghjkl;'",
	"zxcvbnm,./",
	"qwertyuiopasdfghjklzxcvbnm",
	"1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik,9ol.0p;/",
	"qazwsxedcrfvtgbyhnujmikolp",
}

func inSequence(s string) bool {
	for _, seq := range sequences {
		if strings.Contains(seq, s) || strings.Contains(reverse(seq), s) {
			return true
		}
	}
	return false
}

func reverse(s string) string {
	r := []rune(s)
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
	return string(r)
}

// compact keeps the letters and digits of s, lower case.
func compact(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return unicode.ToLower(r)
		}
		return -1
	}, s)
}

// personal reports whether the password contains the account's email (or
// the part before the @) or its name, ignoring case and punctuation.
func personal(password, email, name string) bool {
	p := compact(password)
	local, _, _ := strings.Cut(email, "@")
	for _, known := range []string{compact(email), compact(local), compact(name)} {
		if utf8.RuneCountInString(known) >= 4 && strings.Contains(p, known) {
			return true
		}
	}
	return false
}

// leet maps digits and symbols people write for letters back to them.
var leet = strings.NewReplacer("@", "a", "4", "a", "0", "o", "1", "i", "!", "i", "3", "e", "5", "s", "$", "s", "7", "t", "+", "t")

// commonCore reports whether the password is a common one, with or without
// digits and symbols before or after it, and with or without letters
// written as digits.
func commonCore(s string) bool {
	common := commonPasswords()
	isCommon := func(core string) bool {
		if utf8.RuneCountInString(core) < 4 {
			return false
		}
		_, plain := common[core]
		_, leetspeak := common[leet.Replace(core)]
		return plain || leetspeak
	}
	// The core may start anywhere in the run of non-letters at the start
	// and end anywhere in the run at the end.
	first := strings.IndexFunc(s, unicode.IsLetter)
	if first < 0 {
		return isCommon(s)
	}
	last := strings.LastIndexFunc(s, unicode.IsLetter)
	_, lastSize := utf8.DecodeRuneInString(s[last:])
	for a := 0; a <= first; a++ {
		for b := len(s); b >= last+lastSize; b-- {
			if isCommon(s[a:b]) {
				return true
			}
		}
	}
	return false
}
