package catalog

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"

	"gorm.io/gorm"

	"github.com/warna/warna/fault"
	"github.com/warna/warna/imaging"
	"github.com/warna/warna/media"
)

// MaxImagesPerProduct bounds the photos of one product.
const MaxImagesPerProduct = 12

// original is an image that passed intake checks and is ready to store.
type original struct {
	data      []byte
	sha256    string
	format    imaging.Format
	width     int
	height    int
	sourceURL string
}

// extension is the file extension originals of a format are stored with.
func extension(f imaging.Format) string {
	if f == imaging.JPEG {
		return "jpg"
	}
	return string(f)
}

func (o original) key() string { return media.KeyOf(o.sha256, extension(o.format)) }

// OriginalKey is the media key of the image's original file.
func (img Image) OriginalKey() string {
	return media.KeyOf(img.SHA256, extension(imaging.Format(img.Format)))
}

// Thumb is one stored thumbnail of an image.
type Thumb struct {
	Size   int    `json:"size"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
	Key    string `json:"key"`
}

// ThumbList returns the image's thumbnails, smallest first.
func (img Image) ThumbList() []Thumb {
	var thumbs []Thumb
	if json.Unmarshal([]byte(img.Thumbs), &thumbs) != nil {
		return nil
	}
	sort.Slice(thumbs, func(i, j int) bool { return thumbs[i].Size < thumbs[j].Size })
	return thumbs
}

// WebPList returns the image's WebP variants, smallest first (none until the
// low-priority job has made them).
func (img Image) WebPList() []Thumb {
	var thumbs []Thumb
	if json.Unmarshal([]byte(img.WebP), &thumbs) != nil {
		return nil
	}
	sort.Slice(thumbs, func(i, j int) bool { return thumbs[i].Size < thumbs[j].Size })
	return thumbs
}

func sha256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// Swatch is one colour of an image's palette, as pages show it.
type Swatch struct {
	Hex    string  `json:"hex"`
	Share  float64 `json:"share"`
	Family string  `json:"family"`
	Name   string  `json:"name"`
}

// Swatches returns the image's palette, largest share first (none until the
// image is processed).
func (img Image) Swatches() []Swatch {
	var pal struct {
		Swatches []Swatch `json:"swatches"`
	}
	if img.Palette == "" || json.Unmarshal([]byte(img.Palette), &pal) != nil {
		return nil
	}
	return pal.Swatches
}

// Images takes in product photos (checked, stored content-addressed, queued
// for processing in the transaction that records them), orders and removes
// them, and serves the stored files.
type Images struct {
	*base
	limits  imaging.Limits
	baseURL string
}

// Limits are the image limits uploads are checked against.
func (s *Images) Limits() imaging.Limits { return s.limits }

// IntakeError turns imaging's refusal of an upload (too large, too many
// pixels, not an image) into a 4xx error on the form field; other errors
// pass through.
func IntakeError(err error, field string) error {
	switch {
	case errors.Is(err, imaging.ErrTooLarge), errors.Is(err, imaging.ErrTooManyPixels):
		return &fault.Error{Kind: fault.TooLarge, Field: field, Message: err.Error()}
	case errors.Is(err, imaging.ErrNotImage):
		return fault.FieldInvalidf(field, "not an image: upload a JPEG, PNG, WebP or GIF")
	}
	return err
}

func mebibytes(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

// readOriginal reads an upload up to the byte limit and checks its type and
// pixel count from the header, before anything is decoded or stored.
func (s *Images) readOriginal(r io.Reader) (original, error) {
	data, err := io.ReadAll(io.LimitReader(r, s.limits.MaxBytes+1))
	if err != nil {
		return original{}, fmt.Errorf("read upload: %w", err)
	}
	if int64(len(data)) > s.limits.MaxBytes {
		return original{}, &fault.Error{Kind: fault.TooLarge, Field: "photos",
			Message: "the file is larger than the " + mebibytes(s.limits.MaxBytes) + " limit; upload a smaller photo"}
	}
	return s.checkOriginal(data)
}

func (s *Images) checkOriginal(data []byte) (original, error) {
	format, cfg, err := imaging.CheckHeader(data, s.limits)
	if err != nil {
		return original{}, IntakeError(err, "photos")
	}
	sum := sha256.Sum256(data)
	return original{data: data, sha256: hex.EncodeToString(sum[:]), format: format, width: cfg.Width, height: cfg.Height}, nil
}

// putOriginals stores files before the transaction that records them and
// returns the keys this call created, so a failed transaction can remove
// them again (files that were already there belong to other rows).
func (s *Images) putOriginals(ctx context.Context, originals []original) ([]original, error) {
	var created []original
	for _, o := range originals {
		exists, err := s.media.Exists(ctx, o.key())
		if err != nil {
			s.removeUnreferenced(ctx, created)
			return nil, err
		}
		if exists {
			continue
		}
		if err := s.media.Put(ctx, o.key(), bytes.NewReader(o.data)); err != nil {
			s.removeUnreferenced(ctx, created)
			return nil, err
		}
		created = append(created, o)
	}
	return created, nil
}

// removeUnreferenced deletes stored originals no image row refers to.
func (s *Images) removeUnreferenced(ctx context.Context, originals []original) {
	ctx = context.WithoutCancel(ctx)
	for _, o := range originals {
		var n int64
		if err := s.db.WithContext(ctx).Model(&Image{}).Where("sha256 = ?", o.sha256).Count(&n).Error; err != nil || n > 0 {
			continue
		}
		_ = s.media.Delete(ctx, o.key())
	}
}

// insertImage records an image in tx and enqueues its processing in the same
// transaction: the job exists if and only if the image does.
func (s *Images) insertImage(ctx context.Context, tx *gorm.DB, productID int64, position int, o original) (Image, error) {
	img := Image{
		ProductID: productID, Position: position, SHA256: o.sha256, Format: string(o.format),
		Width: o.width, Height: o.height, Bytes: int64(len(o.data)), Status: ImagePending,
		Thumbs: "[]", WebP: "[]", SourceURL: o.sourceURL,
	}
	if err := tx.Create(&img).Error; err != nil {
		return Image{}, err
	}
	if err := s.queue.EnqueueTx(ctx, tx, ProcessImageArgs{ImageID: img.ID}, nil); err != nil {
		return Image{}, err
	}
	return img, nil
}

func nextPosition(tx *gorm.DB, productID int64) (int, int64, error) {
	var row struct {
		N   int64
		Max *int
	}
	if err := tx.Model(&Image{}).Select("count(*) AS n, max(position) AS max").Where("product_id = ?", productID).Scan(&row).Error; err != nil {
		return 0, 0, err
	}
	if row.Max == nil {
		return 0, row.N, nil
	}
	return *row.Max + 1, row.N, nil
}

// AddImages checks, stores and records photos of one of the merchant's
// products. Either all are added or none: a refused file leaves no row and
// no stored file behind.
func (s *Images) AddImages(ctx context.Context, ownerID, productID int64, files []io.Reader) ([]Image, error) {
	if len(files) == 0 {
		return nil, fault.FieldInvalidf("photos", "choose one or more photos to upload")
	}
	db := s.db.WithContext(ctx)
	shop, err := shopOf(db, ownerID)
	if err != nil {
		return nil, fault.NotFoundf("no such product")
	}
	if _, err := productIn(db, shop.ID, productID); err != nil {
		return nil, err
	}
	originals := make([]original, 0, len(files))
	for i, f := range files {
		o, err := s.readOriginal(f)
		if err != nil {
			if len(files) > 1 {
				var fe *fault.Error
				if errors.As(err, &fe) {
					return nil, &fault.Error{Kind: fe.Kind, Field: fe.Field, Message: fmt.Sprintf("photo %d: %s", i+1, fe.Message), Err: fe.Err,
						Format: "photo %d: %s", Args: []any{i + 1, fe.Message}}
				}
			}
			return nil, err
		}
		originals = append(originals, o)
	}
	created, err := s.putOriginals(ctx, originals)
	if err != nil {
		return nil, err
	}
	var images []Image
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		images = images[:0]
		pos, count, err := nextPosition(tx, productID)
		if err != nil {
			return err
		}
		if count+int64(len(originals)) > MaxImagesPerProduct {
			return fault.FieldInvalidf("photos", "a product can have at most %d photos; it has %d", MaxImagesPerProduct, count)
		}
		for i, o := range originals {
			img, err := s.insertImage(ctx, tx, productID, pos+i, o)
			if err != nil {
				return err
			}
			images = append(images, img)
		}
		return s.touch(tx, productID)
	})
	if err != nil {
		s.removeUnreferenced(ctx, created)
		return nil, err
	}
	return images, nil
}

// AddImage is AddImages for one photo.
func (s *Images) AddImage(ctx context.Context, ownerID, productID int64, r io.Reader) (Image, error) {
	images, err := s.AddImages(ctx, ownerID, productID, []io.Reader{r})
	if err != nil {
		return Image{}, err
	}
	return images[0], nil
}

// imageOf loads an image of one of the merchant's products.
func imageOf(tx *gorm.DB, ownerID, productID, imageID int64) (Image, error) {
	shop, err := shopOf(tx, ownerID)
	if err != nil {
		return Image{}, fault.NotFoundf("no such photo")
	}
	if _, err := productIn(tx, shop.ID, productID); err != nil {
		return Image{}, err
	}
	var img Image
	err = tx.Where("id = ? AND product_id = ?", imageID, productID).Take(&img).Error
	return img, notFound(err, "no such photo")
}

// MoveImage moves a photo one place earlier (delta -1) or later (+1); the
// first photo is the one shown in lists.
func (s *Images) MoveImage(ctx context.Context, ownerID, productID, imageID int64, delta int) error {
	if delta != -1 && delta != 1 {
		return fault.FieldInvalidf("direction", "move a photo up or down one place")
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if _, err := imageOf(tx, ownerID, productID, imageID); err != nil {
			return err
		}
		var images []Image
		if err := tx.Where("product_id = ?", productID).Order("position, id").Find(&images).Error; err != nil {
			return err
		}
		at := -1
		for i, img := range images {
			if img.ID == imageID {
				at = i
			}
		}
		to := at + delta
		if to < 0 || to >= len(images) {
			return nil // already first or last
		}
		images[at], images[to] = images[to], images[at]
		if err := renumber(tx, images); err != nil {
			return err
		}
		if err := recategorise(tx, productID); err != nil {
			return err
		}
		return s.touch(tx, productID)
	})
}

// renumber gives images the positions 0, 1, 2… in slice order.
func renumber(tx *gorm.DB, images []Image) error {
	for i, img := range images {
		if img.Position == i {
			continue
		}
		if err := tx.Model(&Image{}).Where("id = ?", img.ID).Update("position", i).Error; err != nil {
			return err
		}
	}
	return nil
}

// RemoveImage deletes a photo; its files go too unless another image shares them.
func (s *Images) RemoveImage(ctx context.Context, ownerID, productID, imageID int64) error {
	var removed Image
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if removed, err = imageOf(tx, ownerID, productID, imageID); err != nil {
			return err
		}
		if err := deleteImages(tx, []Image{removed}); err != nil {
			return err
		}
		var rest []Image
		if err := tx.Where("product_id = ?", productID).Order("position, id").Find(&rest).Error; err != nil {
			return err
		}
		if err := renumber(tx, rest); err != nil {
			return err
		}
		if err := recategorise(tx, productID); err != nil {
			return err
		}
		return s.touch(tx, productID)
	})
	if err != nil {
		return err
	}
	s.removeFiles(ctx, []Image{removed})
	return nil
}

func deleteImages(tx *gorm.DB, images []Image) error {
	for _, img := range images {
		if err := tx.Delete(&Image{}, img.ID).Error; err != nil {
			return err
		}
	}
	return nil
}

// removeFiles deletes the stored files of removed images that no remaining
// image shares (the same original gives the same thumbnails).
func (s *Images) removeFiles(ctx context.Context, removed []Image) {
	ctx = context.WithoutCancel(ctx)
	for _, img := range removed {
		var n int64
		if err := s.db.WithContext(ctx).Model(&Image{}).Where("sha256 = ?", img.SHA256).Count(&n).Error; err != nil || n > 0 {
			continue
		}
		_ = s.media.Delete(ctx, img.OriginalKey())
		for _, t := range append(img.ThumbList(), img.WebPList()...) {
			_ = s.media.Delete(ctx, t.Key)
		}
	}
}
