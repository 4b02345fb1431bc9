package web

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// TestPagesAreLabelled renders a representative set of pages as each role
// and fails on a control without an accessible name, a button or link
// with nothing to read, and a colour swatch that screen readers meet with
// neither a name nor aria-hidden.
func TestPagesAreLabelled(t *testing.T) {
	site, products := newLanguageSite(t)
	visitor, m, i := site.browser(), site.browser(), site.browser()
	m.logIn("shop@example.com", "correct horse battery")
	i.logIn("rina@example.com", "correct horse battery")
	if res := visitor.submit("/login", "/cart/add", url.Values{"product_id": {strconv.FormatInt(products[0].ID, 10)}, "quantity": {"1"}}); res.Status != http.StatusSeeOther {
		t.Fatalf("add to cart: %d", res.Status)
	}
	product := strconv.FormatInt(products[0].ID, 10)
	pages := []struct {
		who  *browser
		path string
	}{
		{visitor, "/"}, {visitor, "/catalogue"}, {visitor, "/search?q=dress&colors=red&not=black"}, {visitor, "/search?q=kemeja"},
		{visitor, "/products/" + product}, {visitor, "/shops/batik"}, {visitor, "/@rina"}, {visitor, "/login"}, {visitor, "/signup"},
		{visitor, "/cart"},
		{m, "/merchant/products/new"}, {m, "/merchant/products/" + product}, {m, "/merchant/orders"}, {m, "/merchant/dashboard"},
		{m, "/merchant/api-keys"}, {m, "/merchant"},
		{i, "/influencer"}, {i, "/influencer/dashboard"},
	}
	for _, p := range pages {
		res := p.who.get(p.path)
		if res.Status != http.StatusOK {
			t.Errorf("%s: %d", p.path, res.Status)
			continue
		}
		for _, problem := range a11yProblems(t, res.Body) {
			t.Errorf("%s: %s", p.path, problem)
		}
	}
}

// TestA11yProblemsFindsTheRules checks the checker itself on small pieces.
func TestA11yProblemsFindsTheRules(t *testing.T) {
	cases := []struct {
		html string
		bad  bool
	}{
		{`<input name="q">`, true},
		{`<label for="q">Search</label><input id="q" name="q">`, false},
		{`<label>Search <input name="q"></label>`, false},
		{`<input name="q" aria-label="Search">`, false},
		{`<span id="l">Search</span><select aria-labelledby="l"></select>`, false},
		{`<input type="hidden" name="x"><input type="submit">`, false},
		{`<textarea></textarea>`, true},
		{`<button></button>`, true},
		{`<button aria-label="Close">×</button><button>Save</button>`, false},
		{`<a href="/x"><span class="swatch" aria-hidden="true"></span></a>`, true},
		{`<a href="/x"><img src="a.png" alt="Red dress"></a>`, false},
		{`<span class="swatch"></span>`, true},
		{`<span class="swatch sm" role="img" aria-label="red"></span>`, false},
		{`<span class="swatch" aria-label="red"></span>`, true},
		{`<span class="swatch" aria-hidden="true"></span>`, false},
		{`<p aria-hidden="true"><span class="swatch"></span></p>`, false},
	}
	for _, c := range cases {
		if got := len(a11yProblems(t, c.html)) > 0; got != c.bad {
			t.Errorf("%s: problems %v, want %v", c.html, a11yProblems(t, c.html), c.bad)
		}
	}
}

// a11yProblems lists what the page's markup lacks for a screen reader.
func a11yProblems(t *testing.T, page string) []string {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	labelFor, ids := map[string]bool{}, map[string]*html.Node{}
	walk(doc, func(n *html.Node) {
		if id := attr(n, "id"); id != "" {
			ids[id] = n
		}
		if n.DataAtom == atom.Label && attr(n, "for") != "" && accessibleText(n) != "" {
			labelFor[attr(n, "for")] = true
		}
	})
	named := func(n *html.Node) bool {
		if strings.TrimSpace(attr(n, "aria-label")) != "" {
			return true
		}
		for _, id := range strings.Fields(attr(n, "aria-labelledby")) {
			if l, ok := ids[id]; ok && accessibleText(l) != "" {
				return true
			}
		}
		return false
	}
	var problems []string
	walk(doc, func(n *html.Node) {
		switch n.DataAtom {
		case atom.Input, atom.Select, atom.Textarea:
			switch strings.ToLower(attr(n, "type")) {
			case "hidden", "submit", "button", "reset", "image":
				return
			}
			if named(n) || (attr(n, "id") != "" && labelFor[attr(n, "id")]) || (ancestor(n, atom.Label) != nil && accessibleText(ancestor(n, atom.Label)) != "") {
				return
			}
			problems = append(problems, "a control without a label: "+outer(n))
		case atom.Button, atom.A:
			if (n.DataAtom == atom.A && attr(n, "href") == "") || (hidden(n) && attr(n, "tabindex") == "-1") {
				return // not a link, or a duplicate kept from screen readers and the keyboard
			}
			if !named(n) && accessibleText(n) == "" {
				problems = append(problems, "nothing to read in "+outer(n))
			}
		}
		if n.Type == html.ElementNode && hasClass(n, "swatch") {
			labelled := attr(n, "role") == "img" && named(n)
			if !labelled && !hidden(n) && accessibleText(n) == "" {
				problems = append(problems, `a swatch with no name (role="img" aria-label) and not aria-hidden: `+outer(n))
			}
		}
	})
	return problems
}

func walk(n *html.Node, visit func(*html.Node)) {
	if n.Type == html.ElementNode {
		visit(n)
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c, visit)
	}
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasClass(n *html.Node, class string) bool {
	return strings.Contains(" "+attr(n, "class")+" ", " "+class+" ")
}

func ancestor(n *html.Node, a atom.Atom) *html.Node {
	for p := n.Parent; p != nil; p = p.Parent {
		if p.DataAtom == a {
			return p
		}
	}
	return nil
}

// hidden reports whether n or an ancestor is aria-hidden.
func hidden(n *html.Node) bool {
	for ; n != nil; n = n.Parent {
		if n.Type == html.ElementNode && attr(n, "aria-hidden") == "true" {
			return true
		}
	}
	return false
}

// accessibleText is what a screen reader reads inside n: its text, the alt
// of its images and the names of its role="img" parts, leaving out what is
// aria-hidden.
func accessibleText(n *html.Node) string {
	var b strings.Builder
	var visit func(*html.Node)
	visit = func(n *html.Node) {
		switch {
		case n.Type == html.TextNode:
			b.WriteString(n.Data)
		case n.Type == html.ElementNode && attr(n, "aria-hidden") == "true":
			return
		case n.DataAtom == atom.Img:
			b.WriteString(attr(n, "alt"))
		case n.Type == html.ElementNode && (attr(n, "role") == "img" || n.DataAtom == atom.Svg) && attr(n, "aria-label") != "":
			b.WriteString(attr(n, "aria-label"))
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			visit(c)
		}
	}
	visit(n)
	return strings.TrimSpace(b.String())
}

// outer is the start of n's markup, to name it in a failure.
func outer(n *html.Node) string {
	var b bytes.Buffer
	if err := html.Render(&b, n); err != nil {
		return fmt.Sprint(err)
	}
	s := b.String()
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
