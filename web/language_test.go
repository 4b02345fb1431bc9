package web

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"net/http"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"text/template/parse"

	"github.com/warna/warna/catalog"
	"github.com/warna/warna/fault"
	"github.com/warna/warna/imaging/colour"
	"github.com/warna/warna/web/locale"
	"github.com/warna/warna/web/site"
)

// TestEveryPageTextIsTranslated reads every {{t}} and {{tn}} of every page,
// partial and the layout and fails on a text the Indonesian catalogue
// lacks, so a page cannot ship half in English.
func TestEveryPageTextIsTranslated(t *testing.T) {
	cat, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	views, err := newViews(cat)
	if err != nil {
		t.Fatal(err)
	}
	texts := map[string]bool{}
	for _, tmpl := range views.Templates(locale.Indonesian) {
		for _, tt := range tmpl.Templates() {
			if tt.Tree != nil {
				templateTexts(tt.Tree.Root, texts)
			}
		}
	}
	if !texts["Search by colour"] {
		t.Fatalf("the scan found %d texts, not the layout's %q: it reads the templates wrong", len(texts), "Search by colour")
	}
	var missing []string
	for text := range texts {
		if !cat.Has(locale.Indonesian, text) {
			missing = append(missing, text)
		} else if got, want := fields(cat, text); got != want {
			t.Errorf("%q: the Indonesian fills %s, the English %s", text, got, want)
		}
	}
	slices.Sort(missing)
	if len(missing) > 0 {
		t.Errorf("%d page texts have no Indonesian in web/locale/messages/id.json:\n%s", len(missing), strings.Join(missing, "\n"))
	}
}

var fieldPattern = regexp.MustCompile(`\{\{\.\w+\}\}`)

// fields lists the {{.Field}}s the Indonesian of text fills, sorted,
// beside the English's: a translation that drops or renames one shows a
// blank. Each field is filled with its own name to see it come out.
func fields(cat *locale.Catalog, text string) (string, string) {
	english := fieldPattern.FindAllString(text, -1)
	data := map[string]any{}
	for _, f := range english {
		data[strings.TrimSuffix(strings.TrimPrefix(f, "{{."), "}}")] = f
	}
	translated := fieldPattern.FindAllString(cat.Text(locale.Indonesian, text, data), -1)
	slices.Sort(english)
	slices.Sort(translated)
	return strings.Join(translated, " "), strings.Join(english, " ")
}

// templateTexts collects the string arguments of t and tn (the English
// texts, and for tn both forms) under node.
func templateTexts(node parse.Node, out map[string]bool) {
	switch n := node.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, c := range n.Nodes {
			templateTexts(c, out)
		}
	case *parse.ActionNode:
		templateTexts(n.Pipe, out)
	case *parse.PipeNode:
		if n == nil {
			return
		}
		for _, c := range n.Cmds {
			templateTexts(c, out)
		}
	case *parse.CommandNode:
		if len(n.Args) > 0 {
			if id, ok := n.Args[0].(*parse.IdentifierNode); ok && (id.Ident == "t" || id.Ident == "tn" || id.Ident == "tHTML") {
				texts := n.Args[1:]
				if id.Ident == "tn" && len(texts) > 0 {
					texts = texts[1:] // the count
				}
				for i, a := range texts {
					if s, ok := a.(*parse.StringNode); ok && (id.Ident != "tn" && i == 0 || id.Ident == "tn" && i < 2) {
						out[s.Text] = true
					}
				}
			}
		}
		for _, a := range n.Args {
			templateTexts(a, out)
		}
	case *parse.IfNode:
		templateTexts(n.Pipe, out)
		templateTexts(n.List, out)
		templateTexts(n.ElseList, out)
	case *parse.RangeNode:
		templateTexts(n.Pipe, out)
		templateTexts(n.List, out)
		templateTexts(n.ElseList, out)
	case *parse.WithNode:
		templateTexts(n.Pipe, out)
		templateTexts(n.List, out)
		templateTexts(n.ElseList, out)
	case *parse.TemplateNode:
		templateTexts(n.Pipe, out)
	}
}

// TestLanguageChoice: Accept-Language picks the language, the switcher's
// choice is remembered over it, and the page says which it is in.
func TestLanguageChoice(t *testing.T) {
	site := newTestSite(t, Config{Language: locale.Indonesian}, Deps{})
	get := func(b *browser, accept string) string {
		req := newRequest(t, http.MethodGet, site.srv.URL+"/login", nil)
		if accept != "" {
			req.Header.Set("Accept-Language", accept)
		}
		res := b.do(req)
		if !strings.Contains(res.Header.Get("Vary"), "Accept-Language") {
			t.Errorf("Vary = %q, want Accept-Language in it", res.Header.Get("Vary"))
		}
		return res.Body
	}
	b := site.browser()
	if page := get(b, ""); !strings.Contains(page, `<html lang="id">`) || !strings.Contains(page, ">Masuk</a>") {
		t.Errorf("no Accept-Language: want the Indonesian default")
	}
	if page := get(b, "en-GB,en;q=0.9"); !strings.Contains(page, `<html lang="en">`) || !strings.Contains(page, ">Log in</a>") {
		t.Errorf("Accept-Language en-GB: want English")
	}
	res := b.get("/language?to=id&next=/login")
	if res.Status != http.StatusSeeOther || res.Location != "/login" {
		t.Fatalf("switch: %d to %q", res.Status, res.Location)
	}
	if page := get(b, "en-GB,en;q=0.9"); !strings.Contains(page, `<html lang="id">`) {
		t.Errorf("after choosing Indonesian, an English browser still got English")
	}
	if res := b.get("/language?to=id&next=//evil.example/"); res.Location != "/" {
		t.Errorf("next=//evil.example/ went to %q, want /", res.Location)
	}
	if res := b.get("/language?to=fr"); res.Status != http.StatusBadRequest {
		t.Errorf("to=fr: status %d, want 400", res.Status)
	}
}

// messageCalls are the calls whose literal argument is a message a user
// reads, by package and function, and which argument: the domain errors
// (fault), the handlers' site.T and the helpers that pass a literal on
// to fault with "%s".
var messageCalls = map[string]map[string]int{
	"fault": {"Invalidf": 0, "FieldInvalidf": 1, "NotFoundf": 0, "Conflictf": 0, "Forbiddenf": 0,
		"Unauthorizedf": 0, "TooLargef": 0, "Unavailablef": 1},
	"site":    {"T": 1},
	"request": {"ID": 2},
}

// TestEveryMessageIsTranslated reads every non-test Go file of the module
// and fails on a message the Indonesian catalogue lacks: the literal
// formats of the fault constructors, of site.T and of the helpers that
// pass a literal on; the Message of a fault.Error written out; and the
// texts that reach pages as data (categories, colour families).
func TestEveryMessageIsTranslated(t *testing.T) {
	cat, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	texts := map[string]string{} // text → where
	fset := token.NewFileSet()
	err = filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != ".." && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		file, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		goMessages(fset, file, texts)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(texts) < 200 {
		t.Fatalf("the scan found %d messages: it reads the code wrong", len(texts))
	}
	texts[fault.MessageOf(errors.New("not a domain error"))] = "fault's generic message"
	for _, c := range catalog.Categories {
		texts[c.Name] = "catalog.Categories"
	}
	for _, f := range append(slices.Clone(colour.Families), colour.Multicolour) {
		texts[site.FamilyWord(string(f))] = "colour.Families"
	}
	var missing, verbs []string
	for text, where := range texts {
		if !cat.Has(locale.Indonesian, text) {
			missing = append(missing, fmt.Sprintf("%s\t%q", where, text))
			continue
		}
		if got, want := fmtVerbs(cat.Text(locale.Indonesian, text, nil)), fmtVerbs(text); got != want {
			verbs = append(verbs, fmt.Sprintf("%q: verbs %s in Indonesian, %s in English", text, got, want))
		}
	}
	slices.Sort(missing)
	slices.Sort(verbs)
	if len(missing) > 0 {
		t.Errorf("%d messages have no Indonesian in web/locale/messages:\n%s", len(missing), strings.Join(missing, "\n"))
	}
	if len(verbs) > 0 {
		t.Errorf("%d translations change the verbs of their format:\n%s", len(verbs), strings.Join(verbs, "\n"))
	}
}

// goMessages adds the user-facing message literals of file to texts.
func goMessages(fset *token.FileSet, file *ast.File, texts map[string]string) {
	ast.Inspect(file, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			pkg, name := calledName(n.Fun)
			if pkg == "" && file.Name.Name == "site" {
				pkg = "site" // site.T called inside package site
			}
			if i, ok := messageCalls[pkg][name]; ok && i < len(n.Args) {
				addLiteral(fset, n.Args[i], texts)
			}
			if pkg == "" && name == "notFound" && file.Name.Name == "catalog" && len(n.Args) == 2 {
				addLiteral(fset, n.Args[1], texts) // catalog's notFound(err, msg)
			}
		case *ast.CompositeLit: // &fault.Error{…, Message: "…"} or {…, Format: "…"}
			if pkg, name := calledName(n.Type); pkg == "fault" && name == "Error" {
				for _, e := range n.Elts {
					if kv, ok := e.(*ast.KeyValueExpr); ok {
						if key, ok := kv.Key.(*ast.Ident); ok && (key.Name == "Message" || key.Name == "Format") {
							addLiteral(fset, kv.Value, texts)
						}
					}
				}
			}
		}
		return true
	})
}

// calledName splits pkg.Name (or a bare Name) of an expression.
func calledName(e ast.Expr) (pkg, name string) {
	switch f := e.(type) {
	case *ast.SelectorExpr:
		if x, ok := f.X.(*ast.Ident); ok {
			return x.Name, f.Sel.Name
		}
	case *ast.Ident:
		return "", f.Name
	}
	return "", ""
}

// addLiteral adds e to texts when it is a string literal, other than a
// bare "%s" (a message made elsewhere passed on whole).
func addLiteral(fset *token.FileSet, e ast.Expr, texts map[string]string) {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return
	}
	s, err := strconv.Unquote(lit.Value)
	if err != nil || s == "%s" || s == "" {
		return
	}
	pos := fset.Position(lit.Pos())
	texts[s] = fmt.Sprintf("%s:%d", strings.TrimPrefix(pos.Filename, "../"), pos.Line)
}

var verbPattern = regexp.MustCompile(`%(\[\d+\])?[-+# 0]*\d*(\.\d+)?[a-zA-Z%]`)

// fmtVerbs lists a format's verbs, sorted, their argument indexes left
// out: a translation may reorder them but not change them.
func fmtVerbs(format string) string {
	var out []string
	for _, v := range verbPattern.FindAllString(format, -1) {
		if i := strings.Index(v, "]"); i >= 0 {
			v = "%" + v[i+1:]
		}
		out = append(out, v)
	}
	slices.Sort(out)
	return strings.Join(out, " ")
}
