package account

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/warna/warna/web/locale"
)

// TestEveryMessageIsTranslated reads the messages of the account pages and
// of web/auth (site.T formats, fault formats) and fails on one the
// Indonesian catalogue lacks: a page scan cannot see them.
func TestEveryMessageIsTranslated(t *testing.T) {
	cat, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	texts := map[string]bool{}
	for _, dir := range []string{".", "../auth"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		messageFormats(t, files, texts)
	}
	if !texts["that email and password do not match an account"] || !texts["Choose a new Warna password"] {
		t.Fatalf("the scan found %d texts, not the known ones: it reads the code wrong", len(texts))
	}
	var missing []string
	for text := range texts {
		if !cat.Has(locale.Indonesian, text) {
			missing = append(missing, text)
		}
	}
	slices.Sort(missing)
	for _, m := range missing {
		t.Errorf("no Indonesian for %q", m)
	}
}

// formatArg is which argument of a call is the message's format.
var formatArg = map[string]int{
	"site.T": 1, "fault.Invalidf": 0, "fault.FieldInvalidf": 1, "fault.NotFoundf": 0, "fault.Conflictf": 0,
	"fault.Forbiddenf": 0, "fault.Unauthorizedf": 0, "bad": 0, "rateLimited": 0,
}

// messageFormats adds the constant formats of the calls in files.
func messageFormats(t *testing.T, files []string, out map[string]bool) {
	t.Helper()
	fset := token.NewFileSet()
	var parsed []*ast.File
	consts := map[string]string{}
	for _, name := range files {
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		parsed = append(parsed, f)
		for _, d := range f.Decls {
			if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.CONST {
				for _, spec := range g.Specs {
					v := spec.(*ast.ValueSpec)
					for i, n := range v.Names {
						if i < len(v.Values) {
							if s, ok := stringOf(v.Values[i], consts); ok {
								consts[n.Name] = s
							}
						}
					}
				}
			}
		}
	}
	for _, f := range parsed {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			name := ""
			switch fn := call.Fun.(type) {
			case *ast.Ident:
				name = fn.Name
			case *ast.SelectorExpr:
				if x, ok := fn.X.(*ast.Ident); ok {
					name = x.Name + "." + fn.Sel.Name
				}
			}
			if i, ok := formatArg[name]; ok && i < len(call.Args) {
				if s, ok := stringOf(call.Args[i], consts); ok && s != "%s" {
					out[s] = true
				}
			}
			return true
		})
	}
}

// stringOf is the value of a constant string expression: literals, known
// constants and their sums.
func stringOf(e ast.Expr, consts map[string]string) (string, bool) {
	switch v := e.(type) {
	case *ast.BasicLit:
		if v.Kind == token.STRING {
			s, err := strconv.Unquote(v.Value)
			return s, err == nil
		}
	case *ast.Ident:
		s, ok := consts[v.Name]
		return s, ok
	case *ast.BinaryExpr:
		if v.Op == token.ADD {
			a, ok1 := stringOf(v.X, consts)
			b, ok2 := stringOf(v.Y, consts)
			return a + b, ok1 && ok2
		}
	case *ast.ParenExpr:
		return stringOf(v.X, consts)
	}
	return "", false
}
