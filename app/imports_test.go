package app

import (
	"os/exec"
	"strings"
	"testing"
)

// allowedImports is DESIGN.md §3: main → app → web → stats → {affiliates,
// search} → orders → catalog → imaging, plus leaf packages (affiliates may
// use orders: it credits their sales). A package may import the packages
// listed for it (and, transitively, nothing else of ours).
var allowedImports = map[string][]string{
	"":           {"app"},
	"app":        {"web", "web/auth", "web/locale", "stats", "affiliates", "search", "orders", "catalog", "imaging", "database", "fault", "jobs", "money", "media", "outbound", "idempotency", "mail"},
	"web":        {"web/auth", "stats", "affiliates", "search", "orders", "catalog", "imaging", "fault", "money", "spreadsheet", "idempotency", "mail"},
	"web/auth":   {"database", "fault"},
	"stats":      {"affiliates", "search", "orders", "catalog", "imaging", "database", "fault", "jobs", "money"},
	"affiliates": {"orders", "catalog", "imaging", "database", "fault", "jobs", "money", "media", "outbound"},
	"search":     {"orders", "catalog", "imaging", "database", "fault", "jobs", "money"},
	"orders":     {"catalog", "imaging", "database", "fault", "jobs", "money", "media", "outbound"},
	"catalog":    {"imaging", "database", "fault", "jobs", "money", "media", "outbound", "spreadsheet"},
	"imaging":    {},
	"database":   {},
	"fault":      {},
	"jobs":       {"database"},
	"money":      {"fault"},
	"media":      {"fault"},
	"outbound":   {},
	// CSV for spreadsheets (formula neutralising), for every CSV export.
	"spreadsheet": {},
	// idempotency remembers the answers to requests sent with an
	// Idempotency-Key (its own table).
	"idempotency": {"database", "fault"},
	// mail sends the site's mail (SMTP, or .eml files in DATA_DIR/mail).
	"mail": {},
	// Benchmark programs are entry points like main: they may drive any layer.
	"bench": {"app", "web", "web/auth", "stats", "affiliates", "search", "orders", "catalog", "imaging", "database", "fault", "jobs", "money", "media", "outbound"},
	// The browser journeys drive the built binary over HTTP; they import none of ours.
	"journeys": {},
	// The multi-instance test drives two built binaries over HTTP; its
	// (test-only) files seed the database through the domain packages.
	"scaleout": {},
	// The example API client uses the standard library only.
	"examples": {},
	// Test helpers for tests that run the built binary as a process
	// (internal/proctest); they import none of ours.
	"internal": {},
}

// innerImports orders the packages inside imaging: colour (Lab, ΔE, names)
// stands alone, palette builds on it, and imaging's pipeline uses both. Inside
// web, the server (package web) mounts the page packages by audience (shop,
// account, merchant, creator); they share web/site (the Page, the templates,
// flash messages) and web/locale (the languages), and never import web or
// one another. Inside affiliates,
// the click log stands alone (affiliates records its clicks through it).
// Inside search, text analysis stands alone (both backends use it), and
// indexing (the change-log follower, rebuilds, cursors) is the only part
// that reads the database: search itself ranks and parses queries.
var innerImports = map[string][]string{
	"imaging/colour":      {},
	"imaging/palette":     {"imaging/colour"},
	"imaging/imagingtest": {},
	"web/site":            {"web/auth", "web/locale", "catalog", "fault", "money"},
	"web/locale":          {"money"},
	"web/shop":            pageImports,
	"web/merchant":        pageImports,
	"web/creator":         pageImports,
	"web/account":         pageImports,
	"affiliates/clicklog": {"database"},
	"search/analysis":     {},
	"search/indexing":     {"search", "catalog", "database"},
}

// pageImports are what web's page packages may use: the site's shared
// parts, the request helpers, and the domain packages web may use.
var pageImports = []string{"web/site", "web/auth", "web/locale", "web/request", "stats", "affiliates", "search", "orders",
	"catalog", "catalog/bulk", "imaging/colour", "fault", "money", "spreadsheet", "mail"}

// forbiddenImports are outside packages a unit must not use directly: web
// reaches the database and search only through the domain packages (only
// web/auth stores sessions itself).
var forbiddenImports = map[string][]string{
	"web": {"gorm.io/", "github.com/glebarez/", "github.com/jackc/", "github.com/elastic/go-elasticsearch/"},
}

// TestImportDirection fails when a package imports against the design's
// direction — for example web touching the database package or gorm, or
// imaging importing any Warna package.
func TestImportDirection(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, "github.com/warna/warna/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const module = "github.com/warna/warna"
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg := strings.TrimPrefix(strings.TrimPrefix(fields[0], module), "/")
		if _, ok := allowedImports[topLevel(pkg)]; !ok {
			t.Errorf("package %s is not in the design's import map; add it to allowedImports with a reason", fields[0])
			continue
		}
		for _, imp := range fields[1:] {
			if violates(pkg, imp) {
				t.Errorf("%s imports %s: against the direction in DESIGN.md §3 (see allowedImports and forbiddenImports)", fields[0], imp)
			}
		}
	}
}

// topLevel maps a package path to the unit the rule is about: web/auth is its
// own unit, sub-packages (catalog/bulk, database/dbtest, bench/…) belong to
// their parent.
func topLevel(pkg string) string {
	if pkg == "web/auth" || strings.HasPrefix(pkg, "web/auth/") {
		return "web/auth"
	}
	if i := strings.Index(pkg, "/"); i >= 0 {
		return pkg[:i]
	}
	return pkg
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestImportRulesCatchViolations runs the checks on made-up go list lines,
// so a rule that can never fire does not pass silently.
func TestImportRulesCatchViolations(t *testing.T) {
	for _, tt := range []struct {
		pkg, imp string
		bad      bool
	}{
		{"web", "gorm.io/gorm", true},
		{"web", "github.com/elastic/go-elasticsearch/v8/typedapi", true},
		{"web/auth", "gorm.io/gorm", false},
		{"web", "github.com/warna/warna/database", true},
		{"orders", "github.com/warna/warna/affiliates", true},
		{"affiliates", "github.com/warna/warna/orders", false},
		{"catalog", "github.com/warna/warna/orders", true},
		{"stats", "github.com/warna/warna/affiliates", false},
		{"affiliates", "github.com/warna/warna/stats", true},
		{"imaging", "github.com/warna/warna/fault", true},
		{"imaging", "github.com/warna/warna/imaging/palette", false},
		{"imaging/palette", "github.com/warna/warna/imaging/colour", false},
		{"imaging/colour", "github.com/warna/warna/imaging/palette", true},
		{"imaging/palette", "github.com/warna/warna/imaging", true},
		{"web/shop", "github.com/warna/warna/web", true},
		{"web/shop", "github.com/warna/warna/web/merchant", true},
		{"web/merchant", "github.com/warna/warna/web/site", false},
		{"web/site", "github.com/warna/warna/web/shop", true},
		{"affiliates/clicklog", "github.com/warna/warna/affiliates", true},
		{"affiliates", "github.com/warna/warna/affiliates/clicklog", false},
		{"search", "github.com/warna/warna/imaging/colour", false},
		{"catalog", "github.com/warna/warna/catalog/bulk", false},
		{"", "github.com/warna/warna/app", false},
		{"", "github.com/warna/warna/web", true},
	} {
		if got := violates(tt.pkg, tt.imp); got != tt.bad {
			t.Errorf("%s importing %s: violation %v, want %v", tt.pkg, tt.imp, got, tt.bad)
		}
	}
}

// violates is the rule TestImportDirection applies to one import of pkg: a
// Warna package outside the unit's allowed list (its own sub-packages aside),
// or a forbidden outside package.
func violates(pkg, imp string) bool {
	const module = "github.com/warna/warna/"
	owner := topLevel(pkg)
	if pkg != "" && strings.HasPrefix(imp, module+pkg+"/") {
		return false
	}
	if !strings.HasPrefix(imp, module) {
		for _, prefix := range forbiddenImports[owner] {
			if strings.HasPrefix(imp, prefix) {
				return true
			}
		}
		return false
	}
	if inner, ok := innerImports[pkg]; ok && strings.HasPrefix(imp, module) {
		return !contains(inner, strings.TrimPrefix(imp, module))
	}
	dep := topLevel(strings.TrimPrefix(imp, module))
	return dep != owner && !contains(allowedImports[owner], dep)
}
