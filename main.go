// Command warna runs the Warna marketplace: `warna serve` starts it with an
// embedded SQLite database and search index in ./data, and the other
// sub-commands do operator work on the same configuration.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/warna/warna/app"
)

// Set at build time: go build -ldflags "-X main.version=v1.2.3 -X main.commit=abc123".
var (
	version = "dev"
	commit  = ""
)

// errUsage marks a mistake in the command line (exit code 2).
var errUsage = errors.New("usage")

const usage = `warna — a social-commerce marketplace that shops by colour

Usage:
  warna serve [--demo] [settings]   run the marketplace (default 127.0.0.1:8080, data in ./data)
  warna migrate [settings]          create or update the database schema
  warna reindex [settings]          rebuild the search index from the database and swap it in
  warna import FILE --shop SLUG     import a marketplace export (CSV or JSON Lines), upserting by SKU
         [--locale id] [--allow-private-urls]
  warna export --shop SLUG [-o F]   export a shop's catalogue as CSV
  warna colors FILE|HEX|NAME…       colours of images and named colours, as JSON Lines
  warna thumbs --out DIR [--webp] FILE…  thumbnails and palette JSON of image files
  warna reprocess [--all]           queue images whose palette engine or version is outdated
  warna stats rebuild [settings]    recompute the dashboards' hourly figures from orders, clicks and ledger
  warna version                     print the version

Settings come from the environment (ADDR, DATA_DIR, DATABASE_URL, ELASTICSEARCH_URL,
BASE_URL, SECRET_KEY, TRUSTED_PROXIES, LOG_FORMAT, LOG_LEVEL, WORKERS) or flags
(run "warna serve -h" for the list).
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	switch {
	case err == nil:
	case errors.Is(err, errUsage):
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "warna:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return serve(ctx, rest, stdout, stderr)
	case "migrate":
		return migrate(ctx, rest, stdout, stderr)
	case "import":
		return importCatalog(ctx, rest, stdout, stderr)
	case "export":
		return exportCatalog(ctx, rest, stdout, stderr)
	case "reindex":
		return reindex(ctx, rest, stdout, stderr)
	case "colors", "colours":
		return colours(ctx, rest, stdout, stderr)
	case "thumbs":
		return thumbs(ctx, rest, stdout, stderr)
	case "reprocess":
		return reprocess(ctx, rest, stdout, stderr)
	case "stats":
		return rebuildStats(ctx, rest, stdout, stderr)
	case "version", "--version", "-v":
		fmt.Fprintf(stdout, "warna %s %s\n", version, buildCommit())
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprintf(stderr, "warna: unknown command %q\n\n%s", cmd, usage)
		return errUsage
	}
}

// loadConfig parses settings for a sub-command, printing help or one clear
// error line on failure.
func loadConfig(name string, fs *flag.FlagSet, args []string, stderr io.Writer) (app.Config, error) {
	cfg, err := app.LoadConfig(fs, args, os.Getenv)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintf(stderr, "Usage: warna %s [flags]\n", name)
		app.Usage(stderr, fs)
		return cfg, errUsage
	}
	if err != nil {
		fmt.Fprintln(stderr, "warna:", err)
		return cfg, errUsage
	}
	cfg.Version, cfg.Commit = version, buildCommit()
	return cfg, nil
}

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	demo := fs.Bool("demo", false, "create demo merchants, influencers and products (once)")
	cfg, err := loadConfig("serve", fs, args, stderr)
	if err != nil {
		return err
	}
	cfg.Demo = *demo
	logger := app.NewLogger(cfg, stderr)
	a, err := app.New(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer a.Close()
	if cfg.Demo {
		if err := a.SeedDemo(ctx, stdout); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "Warna is starting on %s (data in %s)\n", cfg.BaseURL, cfg.DataDir)
	return a.Run(ctx)
}

func migrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	cfg, err := loadConfig("migrate", fs, args, stderr)
	if err != nil {
		return err
	}
	db, err := app.OpenDatabase(ctx, cfg)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, "database schema is up to date")
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// reindex rebuilds the search index with a progress bar; searches keep
// using the old index until the new one is swapped in.
func reindex(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("reindex", flag.ContinueOnError)
	cfg, err := loadConfig("reindex", fs, args, stderr)
	if err != nil {
		return err
	}
	bar := newProgressBar(stderr, "indexing products")
	n, err := app.Reindex(ctx, cfg, bar.report)
	bar.finish()
	if err != nil {
		return fmt.Errorf("reindex: %w", err)
	}
	fmt.Fprintf(stdout, "search index rebuilt: %d products visible to shoppers\n", n)
	return nil
}

// rebuildStats (warna stats rebuild) recomputes every hour of the dashboard roll-ups, for when
// they are suspected wrong (say, after facts were corrected by hand in the
// database); the scheduled refresh only revisits hours it knows changed.
func rebuildStats(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "rebuild" {
		fmt.Fprintf(stderr, "Usage: warna stats rebuild [settings]\n\n%s", usage)
		return errUsage
	}
	fs := flag.NewFlagSet("stats rebuild", flag.ContinueOnError)
	cfg, err := loadConfig("stats rebuild", fs, args[1:], stderr)
	if err != nil {
		return err
	}
	bar := newProgressBar(stderr, "recomputing hours")
	start := time.Now()
	res, err := app.RebuildStats(ctx, cfg, bar.report)
	bar.finish()
	if err != nil {
		return fmt.Errorf("stats rebuild: %w", err)
	}
	fmt.Fprintf(stdout, "dashboard figures rebuilt: %d hours recomputed in %s\n", res.Hours, time.Since(start).Round(time.Millisecond))
	return nil
}

// buildCommit is the -ldflags commit, or the VCS revision Go embedded.
func buildCommit() string {
	if commit != "" {
		return commit
	}
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" {
				return s.Value
			}
		}
	}
	return "unknown"
}
