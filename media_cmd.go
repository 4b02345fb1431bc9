package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/warna/warna/app"
)

// mediaCommand runs `warna media migrate [--from DIR]`: the local media
// folder (DATA_DIR/media) copied into the bucket MEDIA_URL names, with a
// progress bar on stderr. It can be stopped and run again: what is already
// in the bucket with the right hash is skipped, and every copied object is
// read back and checked against its content hash.
func mediaCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "migrate" {
		fmt.Fprintln(stderr, "warna: usage: warna media migrate [--from DIR] (with MEDIA_URL set to the bucket)")
		return errUsage
	}
	fs := flag.NewFlagSet("media migrate", flag.ContinueOnError)
	from := fs.String("from", "", "the local media folder to copy (default DATA_DIR/media)")
	cfg, err := loadConfig("media migrate [--from DIR]", fs, args[1:], stderr)
	if err != nil {
		return err
	}
	bar := newProgressBar(stderr, "copying media")
	rep, err := app.MigrateMedia(ctx, cfg, *from, bar.report)
	bar.finish()
	fmt.Fprintf(stderr, "%d copied (%d bytes), %d already there, %d failed\n", rep.Copied, rep.Bytes, rep.Skipped, len(rep.Failed))
	if err != nil {
		return fmt.Errorf("media migrate: %w", err)
	}
	if len(rep.Failed) > 0 {
		fmt.Fprintln(stdout, strings.Join(rep.Failed, "\n"))
		return errors.New("some files were not copied (see above); run the command again to retry them")
	}
	return nil
}
