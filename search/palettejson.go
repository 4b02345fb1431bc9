package search

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/warna/warna/imaging/colour"
)

// parsePalette reads the part of a stored palette (palette.Palette's JSON)
// that search uses. Building an index reads every image's palette, and
// encoding/json spent a quarter of a full load on it, mostly walking the
// family memberships search does not read; this scanner reads the shape
// the image job writes and skips the rest. Whatever it is not sure of
// (escapes, non-ASCII text, null, keys in another case, anything invalid)
// it leaves to encoding/json, so the result is always json.Unmarshal's
// (palettejson_test.go checks that, also by fuzzing).
func parsePalette(raw string) (paletteJSON, error) {
	var pal paletteJSON
	sc := jsonScanner{s: raw}
	if sc.palette(&pal) && sc.end() {
		return pal, nil
	}
	pal = paletteJSON{}
	err := json.Unmarshal([]byte(raw), &pal)
	return pal, err
}

// parseThumbs reads an image's thumbnail list ([{"size","key",…}]) the same
// way, for the first photo of every product.
func parseThumbs(raw string) ([]thumbJSON, error) {
	var thumbs []thumbJSON
	sc := jsonScanner{s: raw}
	ok := sc.array(func() bool {
		thumbs = append(thumbs, thumbJSON{})
		th := &thumbs[len(thumbs)-1]
		return sc.object(func(key string) bool {
			name, ok := known(key, "size", "key")
			switch {
			case !ok:
				return false
			case name == "size":
				th.Size, ok = sc.integer()
			case name == "key":
				th.Key, ok = sc.text()
			default:
				ok = sc.skip()
			}
			return ok
		})
	})
	if ok && sc.end() {
		if thumbs == nil {
			thumbs = []thumbJSON{}
		}
		return thumbs, nil
	}
	thumbs = nil
	err := json.Unmarshal([]byte(raw), &thumbs)
	return thumbs, err
}

// errUnsure makes the scanner hand the input to encoding/json.
var errUnsure = errors.New("not sure")

// jsonScanner reads JSON from s; its methods return false (or errUnsure)
// at the first thing they are not sure of.
type jsonScanner struct {
	s string
	i int
}

func (sc *jsonScanner) ws() {
	for sc.i < len(sc.s) {
		switch sc.s[sc.i] {
		case ' ', '\t', '\n', '\r':
			sc.i++
		default:
			return
		}
	}
}

func (sc *jsonScanner) peek() byte {
	sc.ws()
	if sc.i < len(sc.s) {
		return sc.s[sc.i]
	}
	return 0
}

func (sc *jsonScanner) eat(c byte) bool {
	if sc.peek() != c {
		return false
	}
	sc.i++
	return true
}

func (sc *jsonScanner) end() bool {
	sc.ws()
	return sc.i == len(sc.s)
}

// object calls field for each key; field reads the value.
func (sc *jsonScanner) object(field func(key string) bool) bool {
	if !sc.eat('{') {
		return false
	}
	if sc.eat('}') {
		return true
	}
	for {
		key, ok := sc.str(true)
		if !ok || !sc.eat(':') || !field(key) {
			return false
		}
		if sc.eat('}') {
			return true
		}
		if !sc.eat(',') {
			return false
		}
	}
}

// array calls elem for each element; elem reads it.
func (sc *jsonScanner) array(elem func() bool) bool {
	if !sc.eat('[') {
		return false
	}
	if sc.eat(']') {
		return true
	}
	for {
		if !elem() {
			return false
		}
		if sc.eat(']') {
			return true
		}
		if !sc.eat(',') {
			return false
		}
	}
}

// text reads a string value to keep: a copy, so that it does not hold the
// whole input in memory (an index keeps every swatch's name and hex).
func (sc *jsonScanner) text() (string, bool) {
	v, ok := sc.str(true)
	return strings.Clone(v), ok
}

// str reads a string without escapes; plain also refuses non-ASCII bytes
// (encoding/json replaces invalid UTF-8, which this does not copy).
func (sc *jsonScanner) str(plain bool) (string, bool) {
	if sc.peek() != '"' {
		return "", false
	}
	start := sc.i + 1
	for j := start; j < len(sc.s); j++ {
		switch c := sc.s[j]; {
		case c == '"':
			sc.i = j + 1
			return sc.s[start:j], true
		case c == '\\' || c < 0x20 || (plain && c >= 0x80):
			return "", false
		}
	}
	return "", false
}

// family reads a family name (keep).
func (sc *jsonScanner) family() (string, bool) {
	v, ok := sc.str(true)
	return keep(v), ok
}

// membership reads a family_p object. Most swatches belong wholly to one
// family: they share that family's one read-only map (wholly) instead of
// a map each, which a full load makes hundreds of thousands of.
func (sc *jsonScanner) membership() (colour.Membership, bool) {
	type share struct {
		family string
		p      float64
	}
	var buf [16]share // more keys than families: unsure
	n := 0
	ok := sc.object(func(key string) bool {
		p, ok := sc.number()
		if !ok || n == len(buf) {
			return false
		}
		buf[n] = share{keep(key), p}
		n++
		return true
	})
	if !ok {
		return nil, false
	}
	if n == 1 && buf[0].p == 1 {
		if m := wholly(colour.Family(buf[0].family)); m != nil {
			return m, true
		}
	}
	m := make(colour.Membership, n)
	for _, s := range buf[:n] {
		m[colour.Family(s.family)] = s.p
	}
	return m, true
}

// keep is a family name to keep: the family's own string, else a copy
// (never a slice of the stored palette, which it would keep in memory).
func keep(name string) string {
	if i := colour.FamilyIndex(colour.Family(name)); i >= 0 {
		return string(colour.Families[i])
	}
	return strings.Clone(name)
}

// whollyIn holds, for each family, the membership of a swatch that belongs
// wholly to it. The maps are shared: nothing may write to them.
var whollyIn = func() map[colour.Family]colour.Membership {
	out := make(map[colour.Family]colour.Membership, len(colour.Families))
	for _, f := range colour.Families {
		out[f] = colour.Membership{f: 1}
	}
	return out
}()

// wholly is the membership of a swatch wholly in f: a shared map for a
// family, a map of its own for a name that is not one (as palette.Swatch
// reads it).
func wholly(f colour.Family) colour.Membership {
	if m, ok := whollyIn[f]; ok {
		return m
	}
	return colour.Membership{f: 1}
}

// number reads a JSON number (strict grammar).
func (sc *jsonScanner) number() (float64, bool) {
	sc.ws()
	j := sc.i
	digits := func() int {
		k := j
		for j < len(sc.s) && sc.s[j] >= '0' && sc.s[j] <= '9' {
			j++
		}
		return j - k
	}
	if j < len(sc.s) && sc.s[j] == '-' {
		j++
	}
	if j < len(sc.s) && sc.s[j] == '0' {
		j++
	} else if digits() == 0 {
		return 0, false
	}
	if j < len(sc.s) && sc.s[j] == '.' {
		j++
		if digits() == 0 {
			return 0, false
		}
	}
	if j < len(sc.s) && (sc.s[j] == 'e' || sc.s[j] == 'E') {
		j++
		if j < len(sc.s) && (sc.s[j] == '+' || sc.s[j] == '-') {
			j++
		}
		if digits() == 0 {
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(sc.s[sc.i:j], 64)
	if err != nil {
		return 0, false
	}
	sc.i = j
	return f, true
}

// integer reads a JSON number that is a plain integer fitting an int.
func (sc *jsonScanner) integer() (int, bool) {
	sc.ws()
	j := sc.i
	if j < len(sc.s) && sc.s[j] == '-' {
		j++
	}
	start := j
	for j < len(sc.s) && sc.s[j] >= '0' && sc.s[j] <= '9' {
		j++
	}
	if j == start || (sc.s[start] == '0' && j > start+1) || (j < len(sc.s) && (sc.s[j] == '.' || sc.s[j] == 'e' || sc.s[j] == 'E')) {
		return 0, false
	}
	n, err := strconv.Atoi(sc.s[sc.i:j])
	if err != nil {
		return 0, false
	}
	sc.i = j
	return n, true
}

// skip reads over any value, checking it is valid JSON.
func (sc *jsonScanner) skip() bool {
	switch c := sc.peek(); {
	case c == '{':
		return sc.object(func(string) bool { return sc.skip() })
	case c == '[':
		return sc.array(sc.skip)
	case c == '"':
		_, ok := sc.str(false)
		return ok
	case c == 't':
		return sc.literal("true")
	case c == 'f':
		return sc.literal("false")
	case c == '-' || (c >= '0' && c <= '9'):
		_, ok := sc.number()
		return ok
	}
	return false // null included: it means something for the fields read
}

func (sc *jsonScanner) literal(word string) bool {
	if !strings.HasPrefix(sc.s[sc.i:], word) {
		return false
	}
	sc.i += len(word)
	return true
}

// known reports whether key is one of names; a key that matches one only
// ignoring case (which encoding/json accepts) makes the scanner unsure.
func known(key string, names ...string) (string, bool) {
	for _, n := range names {
		if key == n {
			return n, true
		}
		if strings.EqualFold(key, n) {
			return "", false
		}
	}
	return "", true
}

func (sc *jsonScanner) palette(pal *paletteJSON) bool {
	return sc.object(func(key string) bool {
		name, ok := known(key, "swatches")
		switch {
		case !ok:
			return false
		case name == "":
			return sc.skip()
		}
		pal.Swatches = make([]paletteSwatchJSON, 0, 6)
		return sc.array(func() bool {
			pal.Swatches = append(pal.Swatches, paletteSwatchJSON{})
			sw := &pal.Swatches[len(pal.Swatches)-1]
			if !sc.swatch(sw) {
				return false
			}
			if len(sw.FamilyP) == 0 && sw.Family != "" {
				sw.FamilyP = wholly(colour.Family(sw.Family))
			}
			return true
		})
	})
}

func (sc *jsonScanner) swatch(sw *paletteSwatchJSON) bool {
	return sc.object(func(key string) bool {
		name, ok := known(key, "hex", "lab", "share", "family", "family_p", "name")
		if !ok {
			return false
		}
		switch name {
		case "hex":
			sw.Hex, ok = sc.text()
		case "family":
			sw.Family, ok = sc.family()
		case "name":
			sw.Name, ok = sc.text()
		case "share":
			sw.Share, ok = sc.number()
		case "family_p":
			// An object of shares; the number of palettes before version 3
			// goes to encoding/json (palette.Swatch's rule).
			if sc.peek() != '{' {
				return false
			}
			sw.FamilyP, ok = sc.membership()
		case "lab":
			n := 0
			ok = sc.array(func() bool {
				f, ok := sc.number()
				if ok && n < 3 {
					sw.Lab[n] = f
				}
				n++
				return ok && n <= 3
			}) && n == 3
		default:
			ok = sc.skip()
		}
		return ok
	})
}
