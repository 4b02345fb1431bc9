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
	"strings"
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
  warna media migrate [--from DIR]  copy the local media folder into the bucket MEDIA_URL names
  warna version                     print the version

Settings come from the environment (ADDR, DATA_DIR, DATABASE_URL, ELASTICSEARCH_URL,
ELASTICSEARCH_API_KEY, ELASTICSEARCH_CA_FILE, BASE_URL, SECRET_KEY, TRUSTED_PROXIES, LOG_FORMAT, LOG_LEVEL, WORKERS,
INSTANCE_ID, MEDIA_URL, JOB_RESCUE_AFTER) or flags
(run "warna serve -h" for the list).
`

// Grace periods after SIGINT or SIGTERM: a command that has not returned
// by then is ended (its open database transaction rolls back). serve needs
// longer: it finishes requests in flight and stops its workers.
const (
	commandGrace = 5 * time.Second
	serveGrace   = 60 * time.Second
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	returned := make(chan struct{})
	go stopAfterGrace(ctx, stop, returned, os.Args[1:])
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	signalled := ctx.Err() != nil
	close(returned)
	stop()
	switch {
	case err == nil:
	case errors.Is(err, errUsage):
		os.Exit(2)
	case signalled:
		fmt.Fprintln(os.Stderr, "warna: stopped by a signal before finishing:", err)
		os.Exit(1)
	default:
		fmt.Fprintln(os.Stderr, "warna:", err)
		os.Exit(1)
	}
}

// stopAfterGrace waits for a signal (ctx ends) and then gives the command
// its grace period to return; a second signal, or the end of the grace
// period, ends the process at once. A lock wait inside the database driver
// does not notice the signal, so this is what makes every command stop.
func stopAfterGrace(ctx context.Context, stop context.CancelFunc, returned <-chan struct{}, args []string) {
	select {
	case <-returned:
		return
	case <-ctx.Done():
	}
	stop() // from now on a second signal has its default effect: exit
	grace := commandGrace
	if len(args) > 0 && args[0] == "serve" {
		grace = serveGrace
	}
	select {
	case <-returned:
	case <-time.After(grace):
		fmt.Fprintf(os.Stderr, "warna: still busy %s after the signal; stopping now (unfinished database work is rolled back)\n", grace)
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
	case "media":
		return mediaCommand(ctx, rest, stdout, stderr)
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
	cfg.Version, cfg.Commit, cfg.Command = version, buildCommit(), commandName(name)
	return cfg, nil
}

// commandName is the sub-command in a usage line ("import FILE --shop SLUG"
// is "import", "stats rebuild" stays whole).
func commandName(usage string) string {
	var words []string
	for _, w := range strings.Fields(usage) {
		if strings.HasPrefix(w, "-") || strings.HasPrefix(w, "[") || strings.ToUpper(w) == w {
			break
		}
		words = append(words, w)
	}
	return strings.Join(words, " ")
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
		return app.ExplainLockTimeout(ctx, cfg, err)
	}
	fmt.Fprintln(stdout, "database schema is up to date")
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// reindex rebuilds the search index from the database; searches keep using
// the old index until the new one is swapped in. Elasticsearch is rebuilt
// here with a progress bar; the embedded index lives in each server's
// memory, so the servers are asked to rebuild theirs.
func reindex(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("reindex", flag.ContinueOnError)
	cfg, err := loadConfig("reindex", fs, args, stderr)
	if err != nil {
		return err
	}
	bar := newProgressBar(stderr, "indexing products")
	res, err := app.Reindex(ctx, cfg, bar.report)
	bar.finish()
	if err != nil {
		return fmt.Errorf("reindex: %w", err)
	}
	if res.Requested {
		fmt.Fprintln(stdout, "search rebuild requested: every running `warna serve` on this database rebuilds its index from the database within a few seconds (a server that starts later builds it at start)")
		return nil
	}
	fmt.Fprintf(stdout, "search index rebuilt: %d products visible to shoppers\n", res.Indexed)
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
