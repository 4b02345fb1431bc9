package analysis

import "unicode"

// Porter stemmer (M. F. Porter, "An algorithm for suffix stripping", 1980),
// as Martin Porter's own C reference implementation runs it, so that the
// stems are those of the blevesearch/go-porterstemmer package this replaced:
//
//   - words of one or two letters are left alone;
//   - a suffix only matches when at least one letter stands before it
//     ("ies" loses its "s" in step 1a, it does not become "i");
//   - step 2 turns "-bli" into "-ble" (not "-abli" into "-able") and "-logi"
//     into "-log", the two departures the reference code marks.
//
// Letters other than a, e, i, o, u and y count as consonants, so words with
// digits or non-English letters are stemmed by the same rules.
// porter_test.go checks it against the reference vocabulary and output.

// porterStem returns the Porter stem of a word (lower-cased first).
func porterStem(word string) string {
	w := porterWord(word)
	for i, r := range w {
		w[i] = unicode.ToLower(r)
	}
	if len(w) <= 2 {
		return string(w)
	}
	w = porterStep1a(w)
	w = porterStep1b(w)
	w = porterStep1c(w)
	w = porterRules(w, porterStep2, 0)
	w = porterRules(w, porterStep3, 0)
	w = porterRules(w, porterStep4, 1)
	w = porterStep5(w)
	return string(w)
}

// porterWord is a word being stemmed; the steps shorten it or rewrite its
// end in place.
type porterWord []rune

// consonant reports whether w[i] is a consonant: not a vowel, and a y only
// when it follows a vowel (or starts the word).
func (w porterWord) consonant(i int) bool {
	switch w[i] {
	case 'a', 'e', 'i', 'o', 'u':
		return false
	case 'y':
		return i == 0 || !w.consonant(i-1)
	}
	return true
}

// measure is m in the form [C](VC)^m[V] of w: how many vowel-consonant
// sequences it has.
func (w porterWord) measure() int {
	m, i := 0, 0
	for i < len(w) && w.consonant(i) {
		i++
	}
	for i < len(w) {
		for i < len(w) && !w.consonant(i) {
			i++
		}
		if i == len(w) {
			break
		}
		for i < len(w) && w.consonant(i) {
			i++
		}
		m++
	}
	return m
}

func (w porterWord) hasVowel() bool {
	for i := range w {
		if !w.consonant(i) {
			return true
		}
	}
	return false
}

// endsWith reports whether w ends with suffix (ASCII) and has a letter
// before it.
func (w porterWord) endsWith(suffix string) bool {
	if len(w) <= len(suffix) {
		return false
	}
	tail := w[len(w)-len(suffix):]
	for i := 0; i < len(suffix); i++ {
		if tail[i] != rune(suffix[i]) {
			return false
		}
	}
	return true
}

// doubleConsonant: w ends with two equal consonants (*d).
func (w porterWord) doubleConsonant() bool {
	n := len(w)
	return n >= 2 && w[n-1] == w[n-2] && w.consonant(n-1)
}

// shortSyllable: w ends consonant-vowel-consonant and the last is not w, x
// or y (*o).
func (w porterWord) shortSyllable() bool {
	n := len(w)
	if n < 3 || !w.consonant(n-3) || w.consonant(n-2) || !w.consonant(n-1) {
		return false
	}
	last := w[n-1]
	return last != 'w' && last != 'x' && last != 'y'
}

// replace swaps the last n letters of w for with (ASCII), reusing w's
// array: what followed w in it is not needed any more.
func (w porterWord) replace(n int, with string) porterWord {
	w = w[:len(w)-n]
	for i := 0; i < len(with); i++ {
		w = append(w, rune(with[i]))
	}
	return w
}

// porterStep1a: plurals.
func porterStep1a(w porterWord) porterWord {
	switch {
	case w.endsWith("sses"), w.endsWith("ies"):
		return w[:len(w)-2]
	case w.endsWith("ss"):
		return w
	case w.endsWith("s"):
		return w[:len(w)-1]
	}
	return w
}

// porterStep1b: -eed, -ed, -ing.
func porterStep1b(w porterWord) porterWord {
	if w.endsWith("eed") {
		if w[:len(w)-3].measure() > 0 {
			return w[:len(w)-1]
		}
		return w
	}
	var stem porterWord
	switch {
	case w.endsWith("ed"):
		stem = w[:len(w)-2]
	case w.endsWith("ing"):
		stem = w[:len(w)-3]
	default:
		return w
	}
	if !stem.hasVowel() {
		return w
	}
	switch last := stem[len(stem)-1]; {
	case stem.endsWith("at"), stem.endsWith("bl"), stem.endsWith("iz"):
		return stem.replace(0, "e")
	case stem.doubleConsonant() && last != 'l' && last != 's' && last != 'z':
		return stem[:len(stem)-1]
	case stem.measure() == 1 && stem.shortSyllable():
		return stem.replace(0, "e")
	}
	return stem
}

// porterStep1c: a final y becomes i when a vowel stands before it.
func porterStep1c(w porterWord) porterWord {
	if n := len(w); n >= 2 && w[n-1] == 'y' && w[:n-1].hasVowel() {
		w[n-1] = 'i'
	}
	return w
}

// porterRule replaces a suffix (ASCII) when the measure of what stands
// before it is above the step's minimum.
type porterRule struct{ suffix, with string }

var porterStep2 = []porterRule{
	{"ational", "ate"}, {"tional", "tion"}, {"enci", "ence"}, {"anci", "ance"}, {"izer", "ize"},
	{"bli", "ble"}, {"alli", "al"}, {"entli", "ent"}, {"eli", "e"}, {"ousli", "ous"},
	{"ization", "ize"}, {"ation", "ate"}, {"ator", "ate"}, {"alism", "al"}, {"iveness", "ive"},
	{"fulness", "ful"}, {"ousness", "ous"}, {"aliti", "al"}, {"iviti", "ive"}, {"biliti", "ble"},
	{"logi", "log"},
}

var porterStep3 = []porterRule{
	{"icate", "ic"}, {"ative", ""}, {"alize", "al"}, {"iciti", "ic"}, {"ical", "ic"}, {"ful", ""}, {"ness", ""},
}

// porterStep4 drops the suffix when m > 1; "ion" only after s or t.
var porterStep4 = []porterRule{
	{"al", ""}, {"ance", ""}, {"ence", ""}, {"er", ""}, {"ic", ""}, {"able", ""}, {"ible", ""}, {"ant", ""},
	{"ement", ""}, {"ment", ""}, {"ent", ""}, {"ion", ""}, {"ou", ""}, {"ism", ""}, {"ate", ""}, {"iti", ""},
	{"ous", ""}, {"ive", ""}, {"ize", ""},
}

// porterRules applies the first rule whose suffix w ends with, if the
// measure before it exceeds minMeasure; later rules are not tried even when
// that condition fails.
func porterRules(w porterWord, rules []porterRule, minMeasure int) porterWord {
	for _, r := range rules {
		if !w.endsWith(r.suffix) {
			continue
		}
		stem := w[:len(w)-len(r.suffix)]
		if stem.measure() <= minMeasure {
			return w
		}
		if last := stem[len(stem)-1]; r.suffix == "ion" && last != 's' && last != 't' {
			return w
		}
		return w.replace(len(r.suffix), r.with)
	}
	return w
}

// porterStep5: a final e goes when m > 1, or when m = 1 and no short
// syllable stands before it; a final ll becomes l when m > 1.
func porterStep5(w porterWord) porterWord {
	if n := len(w); w[n-1] == 'e' {
		stem := w[:n-1]
		if m := stem.measure(); m > 1 || (m == 1 && !stem.shortSyllable()) {
			w = stem
		}
	}
	if n := len(w); n > 2 && w[n-1] == 'l' && w[n-2] == 'l' && w[:n-1].measure() > 1 {
		w = w[:n-1]
	}
	return w
}
