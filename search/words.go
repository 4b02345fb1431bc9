package search

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/warna/warna/imaging/colour"
	"github.com/warna/warna/search/analysis"
)

// The colour words of q: "burgundy midi dress" asks for burgundy, and
// "burgundy, not black", "mug -black", "kemeja merah bukan hitam" or "tas
// tanpa warna coklat" leave colours out. A negation word (negationWords)
// or a minus sign right before a colour excludes it, and so does a colour
// joined to an excluded one by a conjunction ("no black or navy", "tanpa
// hitam dan putih"); a comma ends the exclusion. "X and Y", "X dan Y" ask
// for both. A minus sign before any other word leaves out the products
// with that word ("shirt -batik"). "warna" and "colour" next to a colour
// say nothing more and are dropped.

var negationWords = map[string]bool{
	"not": true, "no": true, "without": true, "except": true, "non": true,
	"bukan": true, "tanpa": true, "selain": true, "kecuali": true, "jangan": true,
}

var conjunctionWords = map[string]bool{
	"and": true, "or": true, "nor": true, "dan": true, "atau": true, "maupun": true, "serta": true,
	"&": true, "/": true, "+": true,
}

var colourFillers = map[string]bool{
	"warna": true, "berwarna": true, "color": true, "colour": true, "colors": true, "colours": true,
	"colored": true, "coloured": true,
}

// queryWords is q read for colours.
type queryWords struct {
	colours, not []Colour
	notText      []string
	rest         string
}

func parseWords(raw string) queryWords {
	var out queryWords
	drop := make([]bool, len(raw)) // bytes left out of the rest
	cut := func(from, to int) {
		for i := from; i < to; i++ {
			drop[i] = true
		}
	}
	spans := colour.FindColourTerms(raw)
	prevEnd, prevNegated := 0, false
	for i, sp := range spans {
		cut(sp.Start, sp.End)
		negated := false
		if sp.Start > 0 && raw[sp.Start-1] == '-' && (sp.Start == 1 || isSpaceByte(raw[sp.Start-2])) {
			negated = true // "-hitam"
			cut(sp.Start-1, sp.Start)
		} else {
			ws, we, w := wordBefore(raw, sp.Start, prevEnd)
			if colourFillers[w] { // "tanpa warna coklat"
				cut(ws, we)
				ws, we, w = wordBefore(raw, ws, prevEnd)
			}
			switch {
			case negationWords[w]:
				negated = true
				cut(ws, we)
			case i > 0 && prevNegated && onlyConjunctions(raw[prevEnd:sp.Start]):
				negated = true
				cut(prevEnd, sp.Start)
			}
		}
		if ws, we, w := wordAfter(raw, sp.End); colourFillers[w] && (i+1 == len(spans) || we <= spans[i+1].Start) {
			cut(ws, we) // "merah warna"
		}
		c := colourOf(sp.Term, sp.Term.Text)
		if negated {
			out.not = append(out.not, c)
		} else {
			out.colours = append(out.colours, c)
		}
		prevEnd, prevNegated = sp.End, negated
	}
	out.notText = excludedWords(raw, drop)
	var rest strings.Builder
	for i := 0; i < len(raw); i++ {
		if drop[i] {
			rest.WriteByte(' ')
		} else {
			rest.WriteByte(raw[i])
		}
	}
	out.rest = tidyText(rest.String())
	return out
}

// excludedWords finds "-word" outside the colours, marks it dropped and
// returns its analysed terms.
func excludedWords(raw string, drop []bool) []string {
	var out []string
	for i := 0; i < len(raw); i++ {
		if raw[i] != '-' || drop[i] || (i > 0 && !isSpaceByte(raw[i-1])) {
			continue
		}
		end := i + 1
		for end < len(raw) && !isSpaceByte(raw[end]) && !drop[end] {
			end++
		}
		if end == i+1 {
			continue
		}
		out = append(out, analysis.Analyse(raw[i+1:end])...)
		for j := i; j < end; j++ {
			drop[j] = true
		}
		i = end
	}
	return out
}

// wordBefore is the word ending right before pos (only spaces between),
// not reaching back before floor; "" when there is none.
func wordBefore(raw string, pos, floor int) (start, end int, word string) {
	end = pos
	for end > floor && isSpaceByte(raw[end-1]) {
		end--
	}
	start = end
	for start > floor {
		r, size := utf8.DecodeLastRuneInString(raw[:start])
		if !unicode.IsLetter(r) {
			break
		}
		start -= size
	}
	return start, end, strings.ToLower(raw[start:end])
}

// wordAfter is the word starting right after pos (only spaces between).
func wordAfter(raw string, pos int) (start, end int, word string) {
	start = pos
	for start < len(raw) && isSpaceByte(raw[start]) {
		start++
	}
	end = start
	for end < len(raw) {
		r, size := utf8.DecodeRuneInString(raw[end:])
		if !unicode.IsLetter(r) {
			break
		}
		end += size
	}
	return start, end, strings.ToLower(raw[start:end])
}

// onlyConjunctions reports whether the text between two colours joins them
// ("and", "atau", "/", "&"): something other than spaces and conjunctions,
// a comma included, ends an exclusion.
func onlyConjunctions(between string) bool {
	fields := strings.FieldsFunc(between, func(r rune) bool { return unicode.IsSpace(r) })
	for _, f := range fields {
		if !conjunctionWords[strings.ToLower(f)] {
			for _, r := range f {
				if r != '/' && r != '&' && r != '+' {
					return false
				}
			}
		}
	}
	return true
}

func isSpaceByte(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' }

// tidyText collapses whitespace and drops leftovers with no letter or digit
// ("burgundy/navy dress" leaves "dress", not "/ dress").
func tidyText(s string) string {
	fields := strings.Fields(s)
	kept := fields[:0]
	for _, f := range fields {
		if strings.IndexFunc(f, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0 {
			kept = append(kept, f)
		}
	}
	return strings.Join(kept, " ")
}
