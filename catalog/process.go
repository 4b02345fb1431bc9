package catalog

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"github.com/warna/warna/imaging"
	"github.com/warna/warna/media"
)

// ProcessImageWorker runs the image pipeline (imaging.Process) on a new
// original: thumbnails, palette, and the image marked ready.
type ProcessImageWorker struct {
	river.WorkerDefaults[ProcessImageArgs]
	Catalog *Service
}

// Work processes one image.
func (w *ProcessImageWorker) Work(ctx context.Context, job *river.Job[ProcessImageArgs]) error {
	return w.Catalog.ProcessImage(ctx, job.Args.ImageID)
}

// ProcessImage makes and stores the thumbnails and palette of an image and
// marks it ready. The pipeline is a pure function of the file, so an image it
// refuses is marked failed with the reason (retrying would not help); storage
// and database errors are returned so the job retries.
func (s *Service) ProcessImage(ctx context.Context, imageID int64) error {
	var img Image
	err := s.db.WithContext(ctx).Take(&img, imageID).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil // removed before it was processed
	}
	if err != nil {
		return err
	}
	r, err := s.media.Open(ctx, img.OriginalKey())
	if err != nil {
		return fmt.Errorf("process image %d: %w", imageID, err)
	}
	data, err := io.ReadAll(r)
	r.Close()
	if err != nil {
		return fmt.Errorf("process image %d: %w", imageID, err)
	}
	res, err := imaging.Process(data, imaging.ProcessOptions{Limits: s.limits, Palette: imaging.PaletteOptions{Engine: s.paletteEngine}})
	if err != nil {
		return s.finishImage(ctx, img, map[string]any{"status": ImageFailed, "error": truncate(err.Error(), 500)})
	}
	stored := make([]Thumb, 0, len(res.Thumbs))
	for _, t := range res.Thumbs {
		key := media.KeyOf(t.SHA256, "jpg")
		if err := s.media.Put(ctx, key, bytes.NewReader(t.JPEG)); err != nil {
			return fmt.Errorf("process image %d: %w", imageID, err)
		}
		stored = append(stored, Thumb{Size: t.Size, Width: t.Width, Height: t.Height, Key: key})
	}
	thumbJSON, err := jsonString(stored)
	if err != nil {
		return err
	}
	paletteJSON, err := jsonString(res.Palette)
	if err != nil {
		return err
	}
	now := s.now()
	return s.finishImage(ctx, img, map[string]any{
		"status": ImageReady, "error": "", "thumbs": thumbJSON, "width": res.Width, "height": res.Height,
		"palette": paletteJSON, "palette_engine": res.Palette.Engine, "palette_version": res.Palette.Version,
		"processed_at": &now,
	})
}

// finishImage records the outcome and tells search the product changed.
func (s *Service) finishImage(ctx context.Context, img Image, fields map[string]any) error {
	fields["updated_at"] = s.now()
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&Image{}).Where("id = ?", img.ID).Updates(fields)
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		return s.touch(tx, img.ProductID)
	})
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
