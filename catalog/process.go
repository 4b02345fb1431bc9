package catalog

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"image/jpeg"
	"io"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"github.com/warna/warna/fault"
	"github.com/warna/warna/imaging"
	"github.com/warna/warna/imaging/palette"
	"github.com/warna/warna/jobs"
	"github.com/warna/warna/media"
)

// Pipeline turns stored originals into thumbnails, WebP variants and
// palettes (the processing jobs), and sends photos back through it.
type Pipeline struct {
	*base
	limits        imaging.Limits
	paletteEngine string
	// outcomes counts processed images by outcome (ready, failed, reused).
	outcomes *prometheus.CounterVec
}

// Collectors are the pipeline's metrics, for the app's registry.
func (s *Pipeline) Collectors() []prometheus.Collector { return []prometheus.Collector{s.outcomes} }

// ProcessImageWorker runs the image pipeline (imaging.Process) on a new
// original: thumbnails, palette, and the image marked ready.
//
// Media and database errors return, so River retries with backoff (the
// queue's MaxAttempts, 5); after the last attempt the image is marked failed
// with the reason. A file the pipeline refuses is failed at once and the job
// cancelled: retrying would not change the answer.
type ProcessImageWorker struct {
	river.WorkerDefaults[ProcessImageArgs]
	Pipeline *Pipeline
}

// Work processes one image.
func (w *ProcessImageWorker) Work(ctx context.Context, job *river.Job[ProcessImageArgs]) error {
	err := w.Pipeline.processImage(ctx, job.Args.ImageID)
	var refused *refusedError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &refused):
		return river.JobCancel(err)
	case job.Attempt >= job.MaxAttempts:
		msg := fmt.Sprintf("gave up after %d attempts: %v", job.Attempt, err)
		if ferr := w.Pipeline.finishImage(context.WithoutCancel(ctx), job.Args.ImageID, map[string]any{"status": ImageFailed, "error": truncate(msg, 500)}); ferr != nil {
			return errors.Join(err, ferr)
		}
		w.Pipeline.outcomes.WithLabelValues("failed").Inc()
	}
	return err
}

// refusedError is a file the pipeline refused; the image is already failed.
type refusedError struct{ err error }

func (e *refusedError) Error() string { return e.err.Error() }
func (e *refusedError) Unwrap() error { return e.err }

// ProcessImage makes and stores the thumbnails and palette of an image and
// marks it ready. The pipeline is a pure function of the file, so an image it
// refuses is marked failed with the reason (retrying would not help); storage
// and database errors are returned so the job retries.
//
// It is idempotent: an image already ready with the current engine and
// extractor version is left alone. Work is computed once and kept: when
// another image with the same SHA-256 is ready with the current engine and
// version, its thumbnails, WebP variants and palette are reused.
func (s *Pipeline) ProcessImage(ctx context.Context, imageID int64) error {
	err := s.processImage(ctx, imageID)
	var refused *refusedError
	if errors.As(err, &refused) {
		return nil
	}
	return err
}

// Engine is the palette engine in use.
func (s *Pipeline) Engine() string { return cmp.Or(s.paletteEngine, palette.DefaultEngine) }

func (s *Pipeline) current(img Image) bool {
	return img.PaletteEngine == s.Engine() && img.PaletteVersion == palette.Version
}

func (s *Pipeline) processImage(ctx context.Context, imageID int64) error {
	var img Image
	err := s.db.WithContext(ctx).Take(&img, imageID).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil // removed before it was processed
	}
	if err != nil {
		return err
	}
	if img.Status == ImageReady && s.current(img) {
		return nil // a retried or duplicate job
	}
	if err := s.db.WithContext(ctx).Model(&Image{}).Where("id = ? AND status <> ?", img.ID, ImageReady).
		Update("status", ImageProcessing).Error; err != nil {
		return err
	}
	if done, err := s.reuse(ctx, img); done || err != nil {
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
	res, err := imaging.Process(data, imaging.ProcessOptions{Limits: s.limits, Palette: palette.Options{Engine: s.paletteEngine}})
	if err != nil {
		if ferr := s.finishImage(ctx, img.ID, map[string]any{"status": ImageFailed, "error": truncate(err.Error(), 500)}); ferr != nil {
			return ferr
		}
		s.outcomes.WithLabelValues("failed").Inc()
		return &refusedError{err}
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
	err = s.finishImage(ctx, img.ID, map[string]any{
		"status": ImageReady, "error": "", "thumbs": thumbJSON, "webp": "[]", "width": res.Width, "height": res.Height,
		"palette": paletteJSON, "palette_engine": res.Palette.Engine, "palette_version": res.Palette.Version,
		"processed_at": &now,
	})
	if err == nil {
		s.outcomes.WithLabelValues("ready").Inc()
	}
	return err
}

// reuse copies the results of another ready image with the same file and
// the current engine and version; done reports whether there was one.
func (s *Pipeline) reuse(ctx context.Context, img Image) (done bool, err error) {
	var donor Image
	err = s.db.WithContext(ctx).
		Where("sha256 = ? AND id <> ? AND status = ? AND palette_engine = ? AND palette_version = ?",
			img.SHA256, img.ID, ImageReady, s.Engine(), palette.Version).
		Order("id").Take(&donor).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	for _, t := range donor.ThumbList() {
		if ok, err := s.media.Exists(ctx, t.Key); err != nil || !ok {
			return false, err // files gone: run the pipeline again
		}
	}
	now := s.now()
	err = s.finishImage(ctx, img.ID, map[string]any{
		"status": ImageReady, "error": "", "thumbs": donor.Thumbs, "webp": donor.WebP, "width": donor.Width, "height": donor.Height,
		"palette": donor.Palette, "palette_engine": donor.PaletteEngine, "palette_version": donor.PaletteVersion,
		"processed_at": &now,
	})
	if err != nil {
		return false, err
	}
	s.outcomes.WithLabelValues("reused").Inc()
	return true, nil
}

// finishImage records the outcome, recomputes the product's colours, asks
// for WebP variants once the JPEGs are stored, and tells search the product
// changed, all in one transaction.
func (s *Pipeline) finishImage(ctx context.Context, imageID int64, fields map[string]any) error {
	fields["updated_at"] = s.now()
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var img Image
		err := tx.Select("id", "product_id").Take(&img, imageID).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := tx.Model(&Image{}).Where("id = ?", img.ID).Updates(fields).Error; err != nil {
			return err
		}
		if fields["status"] == ImageReady && (fields["webp"] == "[]" || fields["webp"] == "") {
			if err := s.queue.EnqueueTx(ctx, tx, MakeWebPArgs{ImageID: img.ID}, &river.InsertOpts{Queue: jobs.QueueLow, Priority: 4}); err != nil {
				return err
			}
		}
		if err := recategorise(tx, img.ProductID); err != nil {
			return err
		}
		return s.touch(tx, img.ProductID)
	})
}

// MakeWebPWorker encodes WebP variants of an image's thumbnails, on the low
// priority queue: pure-Go WebP encoding is several times slower than JPEG.
type MakeWebPWorker struct {
	river.WorkerDefaults[MakeWebPArgs]
	Pipeline *Pipeline
}

// Work makes the WebP variants of one image. While photos wait for their
// JPEGs and palette it steps aside (snoozes, which costs no attempt), so the
// slow WebP encoding never holds up what merchants are watching.
func (w *MakeWebPWorker) Work(ctx context.Context, job *river.Job[MakeWebPArgs]) error {
	var waiting int64
	if err := w.Pipeline.db.WithContext(ctx).Table("river_job").
		Where("kind = ? AND state IN ?", ProcessImageArgs{}.Kind(), []string{"available", "running"}).
		Count(&waiting).Error; err != nil {
		return err
	}
	if waiting > 0 {
		return river.JobSnooze(webpBackoff)
	}
	return w.Pipeline.MakeWebP(ctx, job.Args.ImageID)
}

// webpBackoff is how long a WebP job waits while photos are being processed.
const webpBackoff = 2 * time.Second

// WebPQuality is the quality WebP variants are encoded at.
const WebPQuality = 80

// MakeWebP encodes a WebP variant of each JPEG thumbnail of a ready image
// (from the stored thumbnail, the same size) and records them in Image.WebP.
// It does nothing for an image that is not ready or already has them.
func (s *Pipeline) MakeWebP(ctx context.Context, imageID int64) error {
	var img Image
	err := s.db.WithContext(ctx).Take(&img, imageID).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if img.Status != ImageReady || len(img.WebPList()) > 0 {
		return nil
	}
	var variants []Thumb
	for _, t := range img.ThumbList() {
		r, err := s.media.Open(ctx, t.Key)
		if err != nil {
			return fmt.Errorf("webp of image %d: %w", imageID, err)
		}
		pic, err := jpeg.Decode(r)
		r.Close()
		if err != nil {
			return river.JobCancel(fmt.Errorf("webp of image %d: thumbnail %s: %w", imageID, t.Key, err))
		}
		data, err := imaging.EncodeWebP(pic, WebPQuality)
		if err != nil {
			return river.JobCancel(fmt.Errorf("webp of image %d: %w", imageID, err))
		}
		key := media.KeyOf(sha256Hex(data), "webp")
		if err := s.media.Put(ctx, key, bytes.NewReader(data)); err != nil {
			return fmt.Errorf("webp of image %d: %w", imageID, err)
		}
		variants = append(variants, Thumb{Size: t.Size, Width: t.Width, Height: t.Height, Key: key})
	}
	webpJSON, err := jsonString(variants)
	if err != nil {
		return err
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&Image{}).Where("id = ? AND thumbs = ?", img.ID, img.Thumbs).
			Updates(map[string]any{"webp": webpJSON, "updated_at": s.now()})
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error // reprocessed meanwhile: its own job follows
		}
		return s.touch(tx, img.ProductID)
	})
}

// RetryImage sends a photo of one of the merchant's products back through
// the pipeline: status pending and a new job, in one transaction.
func (s *Pipeline) RetryImage(ctx context.Context, ownerID, productID, imageID int64) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		img, err := imageOf(tx, ownerID, productID, imageID)
		if err != nil {
			return err
		}
		if img.Status != ImageFailed {
			return fault.Conflictf("only a failed photo can be retried; this one is %s", img.Status)
		}
		if err := s.requeue(ctx, tx, img.ID); err != nil {
			return err
		}
		return s.touch(tx, productID)
	})
}

func (s *Pipeline) requeue(ctx context.Context, tx *gorm.DB, imageID int64) error {
	if err := tx.Model(&Image{}).Where("id = ?", imageID).
		Updates(map[string]any{"status": ImagePending, "error": "", "updated_at": s.now()}).Error; err != nil {
		return err
	}
	return s.queue.EnqueueTx(ctx, tx, ProcessImageArgs{ImageID: imageID}, nil)
}

// Reprocess enqueues the ready images whose palette was made by another
// engine or an older extractor version (with all, every ready or failed
// image), each set back to pending. progress, if not nil, is called after
// each image.
func (s *Pipeline) Reprocess(ctx context.Context, all bool, progress func(done, total int)) (int, error) {
	q := s.db.WithContext(ctx).Model(&Image{})
	if all {
		q = q.Where("status IN ?", []ImageStatus{ImageReady, ImageFailed})
	} else {
		q = q.Where("status = ? AND (palette_engine <> ? OR palette_version <> ?)", ImageReady, s.Engine(), palette.Version)
	}
	var ids []int64
	if err := q.Order("id").Pluck("id", &ids).Error; err != nil {
		return 0, err
	}
	for i, id := range ids {
		err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			if err := s.requeue(ctx, tx, id); err != nil {
				return err
			}
			// Back to the pipeline, so reuse by hash cannot pick a stale copy.
			return tx.Model(&Image{}).Where("id = ?", id).Updates(map[string]any{"palette_version": 0}).Error
		})
		if err != nil {
			return i, err
		}
		if progress != nil {
			progress(i+1, len(ids))
		}
	}
	return len(ids), nil
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
