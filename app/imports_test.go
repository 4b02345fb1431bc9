package app

import (
	"os/exec"
	"strings"
	"testing"
)

// allowedImports is DESIGN.md §3: main → app → web → {affiliates, search} →
// catalog → imaging, plus leaf packages. A package may import the packages
// listed for it (and, transitively, nothing else of ours).
var allowedImports = map[string][]string{
	"":           {"app"},
	"app":        {"web", "web/auth", "stats", "affiliates", "orders", "search", "catalog", "imaging", "database", "fault", "jobs", "money", "media"},
	"web":        {"web/auth", "stats", "affiliates", "orders", "search", "catalog", "imaging", "fault", "money"},
	"web/auth":   {"database", "fault"},
	"stats":      {"affiliates", "orders", "catalog", "database", "fault", "jobs", "money"},
	"affiliates": {"orders", "catalog", "imaging", "database", "fault", "jobs", "money", "media", "outbound"},
	"orders":     {"catalog", "database", "fault", "jobs", "money", "outbound"},
	"search":     {"catalog", "imaging", "database", "fault", "money"},
	"catalog":    {"imaging", "database", "fault", "jobs", "money", "media", "outbound"},
	"imaging":    {},
	"database":   {},
	"fault":      {},
	"jobs":       {"database"},
	"money":      {"fault"},
	"media":      {"fault"},
	"outbound":   {},
	// Benchmark programs are entry points like main: they may drive any layer.
	"bench": {"app", "web", "web/auth", "stats", "affiliates", "orders", "search", "catalog", "imaging", "database", "fault", "jobs", "money", "media"},
	// The browser journeys drive the built binary over HTTP; they import none of ours.
	"journeys": {},
}

// TestImportDirection fails when a package imports against the design's
// direction — for example web touching the database package, or imaging
// importing any Warna package.
func TestImportDirection(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, "github.com/warna/warna/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const module = "github.com/warna/warna"
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg := strings.TrimPrefix(strings.TrimPrefix(fields[0], module), "/")
		owner := topLevel(pkg)
		allowed, ok := allowedImports[owner]
		if !ok {
			t.Errorf("package %s is not in the design's import map; add it to allowedImports with a reason", fields[0])
			continue
		}
		for _, imp := range fields[1:] {
			if !strings.HasPrefix(imp, module+"/") {
				continue
			}
			dep := topLevel(strings.TrimPrefix(imp, module+"/"))
			if dep == owner || contains(allowed, dep) || strings.HasPrefix(strings.TrimPrefix(imp, module+"/"), pkg+"/") {
				continue
			}
			t.Errorf("%s imports %s: against the direction in DESIGN.md §3", fields[0], imp)
		}
	}
}

// topLevel maps a package path to the unit the rule is about: web/auth is its
// own unit, sub-packages (catalog/x, database/dbtest, bench/…) belong to their
// parent.
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
