package web

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestTextContrastAA checks the stylesheet's text colours against WCAG 2.1
// AA (4.5:1 for text): every rule that sets both a text colour and a solid
// background is checked against that background; a rule that sets only a
// text colour is checked against the page's two canvases (--bg and
// --card), which is where such text sits.
func TestTextContrastAA(t *testing.T) {
	raw, err := staticFS.ReadFile("static/app.css")
	if err != nil {
		t.Fatal(err)
	}
	css := regexp.MustCompile(`(?s)/\*.*?\*/`).ReplaceAllString(string(raw), "")
	vars := map[string]string{}
	for _, m := range regexp.MustCompile(`--([a-z-]+):\s*(#[0-9a-fA-F]{3,6})\b`).FindAllStringSubmatch(css, -1) {
		vars[m[1]] = m[2]
	}
	resolve := func(v string) (string, bool) {
		v = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "!important"))
		if m := regexp.MustCompile(`^var\(--([a-z-]+)\)$`).FindStringSubmatch(v); m != nil {
			v = vars[m[1]]
		}
		if regexp.MustCompile(`^#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?$`).MatchString(v) {
			return v, true
		}
		return "", false
	}
	canvases := []string{vars["bg"], vars["card"]}
	if canvases[0] == "" || canvases[1] == "" {
		t.Fatalf("no --bg or --card in :root (%v)", vars)
	}
	type rule struct{ selector, decls, fg, bg string }
	var rules []rule
	classBg := map[string]string{} // ".btn" → the background its own rule gives
	for _, m := range regexp.MustCompile(`([^{}]+)\{([^{}]*)\}`).FindAllStringSubmatch(css, -1) {
		r := rule{selector: strings.TrimSpace(m[1]), decls: m[2]}
		for _, d := range strings.Split(r.decls, ";") {
			prop, val, ok := strings.Cut(d, ":")
			if !ok {
				continue
			}
			switch strings.TrimSpace(prop) {
			case "color":
				r.fg, _ = resolve(val)
			case "background", "background-color":
				r.bg, _ = resolve(val)
			}
		}
		if r.bg != "" && regexp.MustCompile(`^\.[a-z-]+$`).MatchString(r.selector) {
			classBg[r.selector] = r.bg
		}
		rules = append(rules, r)
	}
	checked := 0
	for _, r := range rules {
		selector, fg, bg := r.selector, r.fg, r.bg
		if fg == "" || strings.HasPrefix(selector, "@") {
			continue
		}
		if bg == "" && strings.Contains(r.decls, "background") {
			continue // a gradient or translucent background: not a solid colour to check
		}
		if bg == "" {
			// a variant of a component (".main-nav a.btn") sits on the
			// component's own background
			for _, class := range regexp.MustCompile(`\.[a-z-]+`).FindAllString(selector, -1) {
				if b, ok := classBg[class]; ok {
					bg = b
				}
			}
		}
		against := canvases
		if bg != "" {
			against = []string{bg}
		}
		for _, b := range against {
			checked++
			if r := contrast(fg, b); r < 4.5 {
				t.Errorf("%s: text %s on %s has contrast %.2f:1, under AA's 4.5:1", selector, fg, b, r)
			}
		}
	}
	if checked < 20 {
		t.Fatalf("checked only %d pairs: the stylesheet was not read as expected", checked)
	}
}

func contrast(a, b string) float64 {
	la, lb := luminance(a), luminance(b)
	return (math.Max(la, lb) + 0.05) / (math.Min(la, lb) + 0.05)
}

func luminance(hex string) float64 {
	h := strings.TrimPrefix(hex, "#")
	if len(h) == 3 {
		h = fmt.Sprintf("%c%c%c%c%c%c", h[0], h[0], h[1], h[1], h[2], h[2])
	}
	var rgb [3]float64
	for i := range rgb {
		v, _ := strconv.ParseUint(h[2*i:2*i+2], 16, 8)
		c := float64(v) / 255
		if c <= 0.03928 {
			rgb[i] = c / 12.92
		} else {
			rgb[i] = math.Pow((c+0.055)/1.055, 2.4)
		}
	}
	return 0.2126*rgb[0] + 0.7152*rgb[1] + 0.0722*rgb[2]
}
