package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/warna/warna/app"
)

// colours runs `warna colors FILE|HEX…`: one JSON line per argument, in
// order. An argument that is neither a readable image nor a colour prints
// {"input","error"} and makes the exit code 1 once all are printed.
func colours(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("colors", flag.ContinueOnError)
	cfg, err := loadConfig("colors FILE|COLOUR…", fs, args, stderr)
	if err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "warna: usage: warna colors FILE|HEX|NAME…")
		return errUsage
	}
	enc := json.NewEncoder(stdout)
	failed := 0
	for _, in := range fs.Args() {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		v, err := app.DescribeColours(in, cfg.PaletteEngine)
		if err != nil {
			failed++
			v = map[string]string{"input": in, "error": err.Error()}
		}
		if err := enc.Encode(v); err != nil {
			return err
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d arguments failed (see above)", failed, fs.NArg())
	}
	return nil
}

// thumbs runs `warna thumbs --out DIR [--webp] FILE…`: the image pipeline on
// each file, runtime.NumCPU() files at a time, with a progress bar on stderr
// and one JSON line per file (in order) on stdout.
func thumbs(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("thumbs", flag.ContinueOnError)
	out := fs.String("out", "", "directory to write thumbnails and palettes into (created if missing)")
	webp := fs.Bool("webp", false, "also write WebP variants of the thumbnails (slower)")
	cfg, err := loadConfig("thumbs --out DIR [--webp] FILE…", fs, args, stderr)
	if err != nil {
		return err
	}
	files := fs.Args()
	if *out == "" || len(files) == 0 {
		fmt.Fprintln(stderr, "warna: usage: warna thumbs --out DIR [--webp] FILE…")
		return errUsage
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	bar := progressbar.NewOptions(len(files), progressbar.OptionSetWriter(stderr), progressbar.OptionSetDescription("processing photos"),
		progressbar.OptionShowCount(), progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish())
	type result struct {
		files app.ThumbFiles
		err   error
	}
	results := make([]result, len(files))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.NumCPU(), len(files)) {
		wg.Go(func() {
			for i := range next {
				r, err := app.MakeThumbFiles(files[i], *out, *webp, cfg.PaletteEngine)
				results[i] = result{r, err}
				_ = bar.Add(1)
			}
		})
	}
feed:
	for i := range files {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	_ = bar.Finish()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	enc := json.NewEncoder(stdout)
	failed := 0
	for i, r := range results {
		var v any = r.files
		if r.err != nil {
			failed++
			v = map[string]string{"input": files[i], "error": r.err.Error()}
		}
		if err := enc.Encode(v); err != nil {
			return err
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d files failed (see above)", failed, len(files))
	}
	return nil
}

// reprocess runs `warna reprocess [--all]`: ready images whose palette came
// from another engine (PALETTE_ENGINE) or an older extractor version (with
// --all, every ready or failed image) are queued again, and the workers of
// `warna serve` make their thumbnails and palette anew.
func reprocess(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("reprocess", flag.ContinueOnError)
	all := fs.Bool("all", false, "queue every ready or failed image, not only outdated ones")
	cfg, err := loadConfig("reprocess [--all]", fs, args, stderr)
	if err != nil {
		return err
	}
	a, err := app.New(ctx, cfg, slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		return err
	}
	defer a.Close()
	bar := newProgressBar(stderr, "queueing images")
	n, err := a.ReprocessImages(ctx, *all, bar.report)
	bar.finish()
	fmt.Fprintf(stdout, "%d image(s) queued for reprocessing\n", n)
	return err
}
