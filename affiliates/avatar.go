package affiliates

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"io"

	"gorm.io/gorm"

	"github.com/warna/warna/fault"
	"github.com/warna/warna/imaging"
	"github.com/warna/warna/media"
)

// Avatar limits: a profile photo is small on every page, so the upload is
// kept to a few megabytes and stored as one square JPEG.
const (
	avatarMaxBytes = 8 << 20
	avatarSize     = 256
)

var avatarLimits = imaging.Limits{MaxBytes: avatarMaxBytes, MaxPixels: 40_000_000}

// SetAvatar makes the influencer's profile photo from an uploaded image: the
// centre square, at most 256 px, stored as JPEG under its content hash. The
// upload is checked (type, bytes, pixels from the header) before it is
// decoded; a refused upload changes nothing.
func (s *Service) SetAvatar(ctx context.Context, influencerID int64, r io.Reader) (Influencer, error) {
	if s.media == nil {
		return Influencer{}, &fault.Error{Kind: fault.Unavailable, Message: "profile photos are not available on this server"}
	}
	data, err := io.ReadAll(io.LimitReader(r, avatarMaxBytes+1))
	if err != nil {
		return Influencer{}, fmt.Errorf("read profile photo: %w", err)
	}
	if len(data) == 0 {
		return Influencer{}, fault.FieldInvalidf("avatar", "choose a photo to upload")
	}
	img, _, err := imaging.Decode(data, avatarLimits)
	switch {
	case errors.Is(err, imaging.ErrTooLarge), errors.Is(err, imaging.ErrTooManyPixels):
		return Influencer{}, &fault.Error{Kind: fault.TooLarge, Field: "avatar", Message: err.Error()}
	case errors.Is(err, imaging.ErrNotImage):
		return Influencer{}, &fault.Error{Kind: fault.Invalid, Field: "avatar", Message: err.Error()}
	case err != nil:
		return Influencer{}, fmt.Errorf("decode profile photo: %w", err)
	}
	thumbs, err := imaging.Thumbnails(centreSquare(img), imaging.ThumbOptions{Sizes: []int{avatarSize}})
	if err != nil {
		return Influencer{}, fmt.Errorf("profile photo: %w", err)
	}
	key := media.KeyOf(thumbs[0].SHA256, "jpg")
	if err := s.media.Put(ctx, key, bytes.NewReader(thumbs[0].JPEG)); err != nil {
		return Influencer{}, fmt.Errorf("store profile photo: %w", err)
	}
	var inf Influencer
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&Influencer{}).Where("user_id = ?", influencerID).
			Updates(map[string]any{"avatar_key": key, "updated_at": s.now()})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return fault.NotFoundf("no influencer profile")
		}
		return tx.Where("user_id = ?", influencerID).Take(&inf).Error
	})
	return inf, err
}

// centreSquare crops img to its largest centred square.
func centreSquare(img image.Image) image.Image {
	b := img.Bounds()
	side := min(b.Dx(), b.Dy())
	x0 := b.Min.X + (b.Dx()-side)/2
	y0 := b.Min.Y + (b.Dy()-side)/2
	sub, ok := img.(interface {
		SubImage(image.Rectangle) image.Image
	})
	if !ok {
		return img
	}
	return sub.SubImage(image.Rect(x0, y0, x0+side, y0+side))
}

// AvatarURL is the path of the profile photo, or "" for the initials avatar.
func (i Influencer) AvatarURL() string {
	if i.AvatarKey == "" {
		return ""
	}
	return "/media/" + i.AvatarKey
}
