package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/warna/warna/media"
)

// openMedia opens the media store: the bucket MEDIA_URL names, or files in
// DATA_DIR/media.
func (a *App) openMedia(ctx context.Context) error {
	if a.cfg.MediaURL == "" {
		local, err := media.NewLocal(filepath.Join(a.cfg.DataDir, "media"))
		if err != nil {
			return err
		}
		a.media = local
		return nil
	}
	bucket, err := openBucket(ctx, a.cfg)
	if err != nil {
		return err
	}
	a.media, a.bucket = bucket, bucket
	return nil
}

func openBucket(ctx context.Context, cfg Config) (*media.S3, error) {
	s3cfg, err := media.ParseS3URL(cfg.MediaURL, os.Getenv)
	if err != nil {
		return nil, fmt.Errorf("invalid MEDIA_URL: %w", err)
	}
	return media.NewS3(ctx, s3cfg)
}

// pingMedia is /readyz's check of the media store: the bucket answers (files
// on disk need no check).
func (a *App) pingMedia(ctx context.Context) error {
	if a.bucket == nil {
		return nil
	}
	return a.bucket.Ping(ctx)
}

// MigrateMedia copies the media folder of DATA_DIR (or dir, when not empty)
// into the bucket MEDIA_URL names: `warna media migrate`. It needs no
// database and may run while servers do.
func MigrateMedia(ctx context.Context, cfg Config, dir string, progress func(done, total int)) (media.MigrateReport, error) {
	if cfg.MediaURL == "" {
		return media.MigrateReport{}, fmt.Errorf("set MEDIA_URL to the bucket to copy the media into")
	}
	if dir == "" {
		dir = filepath.Join(cfg.DataDir, "media")
	}
	if _, err := os.Stat(dir); err != nil {
		return media.MigrateReport{}, fmt.Errorf("media folder: %w", err)
	}
	src, err := media.NewLocal(dir)
	if err != nil {
		return media.MigrateReport{}, err
	}
	dst, err := openBucket(ctx, cfg)
	if err != nil {
		return media.MigrateReport{}, err
	}
	return media.Migrate(ctx, src, dst, progress)
}
