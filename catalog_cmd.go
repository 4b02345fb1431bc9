package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/warna/warna/app"
)

// importCatalog runs `warna import FILE --shop SLUG`: the file's rows are
// upserted by SKU with a progress bar on stderr and a report of the rows
// that failed on stdout. Failed rows make the exit code 1; the others land.
func importCatalog(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	shop := fs.String("shop", "", "web address (slug) of the shop to import into")
	locale := fs.String("locale", "", "number format of prices: en (1,234.50), id or de (1.234,50); empty detects and refuses ambiguous numbers")
	format := fs.String("format", "", "csv or jsonl; empty guesses from the file")
	allowPrivate := fs.Bool("allow-private-urls", false, "let image URLs point at private and loopback addresses")
	file, args := leadingArg(args)
	cfg, err := loadConfig("import FILE --shop SLUG", fs, args, stderr)
	if err != nil {
		return err
	}
	if file == "" {
		file = fs.Arg(0)
	}
	if file == "" || *shop == "" {
		fmt.Fprintln(stderr, "warna: usage: warna import FILE --shop SLUG [--locale id] [--allow-private-urls]")
		return errUsage
	}
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	a, err := app.New(ctx, cfg, slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		return err
	}
	defer a.Close()
	bar := newProgressBar(stderr, "importing rows")
	report, err := a.ImportCatalog(ctx, *shop, f, app.CatalogImportOptions{
		Format: *format, Locale: *locale, AllowPrivateURLs: *allowPrivate,
		Progress: bar.report,
	})
	bar.finish()
	if err != nil {
		return fmt.Errorf("import %s: %w", file, err)
	}
	fmt.Fprintf(stdout, "read as %s\n", report.Encoding)
	for _, row := range report.Rows {
		if row.Reason != "" {
			fmt.Fprintf(stdout, "line %d\t%s\t%s\t%s\n", row.Line, row.SKU, row.Status, row.Reason)
		}
	}
	fmt.Fprintf(stdout, "%d created, %d updated, %d unchanged, %d failed\n", report.Created, report.Updated, report.Unchanged, report.Failed)
	if report.Failed > 0 {
		return fmt.Errorf("%d of %d rows failed (see above)", report.Failed, len(report.Rows))
	}
	return nil
}

// exportCatalog runs `warna export --shop SLUG`: the catalogue as CSV on
// stdout (or -o FILE), in the format import reads back.
func exportCatalog(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	shop := fs.String("shop", "", "web address (slug) of the shop to export")
	out := fs.String("o", "", "write to this file instead of standard output")
	cfg, err := loadConfig("export --shop SLUG", fs, args, stderr)
	if err != nil {
		return err
	}
	if *shop == "" {
		fmt.Fprintln(stderr, "warna: usage: warna export --shop SLUG [-o FILE]")
		return errUsage
	}
	a, err := app.New(ctx, cfg, slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		return err
	}
	defer a.Close()
	if *out == "" {
		return a.ExportCatalog(ctx, *shop, stdout)
	}
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	if err := a.ExportCatalog(ctx, *shop, f); err != nil {
		f.Close()
		return fmt.Errorf("export: %w", err)
	}
	return f.Close()
}

// leadingArg takes a positional argument written before the flags
// ("warna import FILE --shop x"), which the flag package would stop at.
func leadingArg(args []string) (string, []string) {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		return args[0], args[1:]
	}
	return "", args
}
