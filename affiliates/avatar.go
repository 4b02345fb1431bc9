package affiliates

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"io"

	"gorm.io/gorm"

	"github.com/warna/warna/catalog"
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
// decoded; a refused upload or a failed write changes nothing. The photo it
// replaces is removed unless another profile shows the same file.
func (s *Influencers) SetAvatar(ctx context.Context, influencerID int64, r io.Reader) (Influencer, error) {
	if s.media == nil {
		return Influencer{}, &fault.Error{Kind: fault.Unavailable, Message: "profile photos are not available on this server"}
	}
	var inf Influencer
	if err := s.db.WithContext(ctx).Where("user_id = ?", influencerID).Take(&inf).Error; errors.Is(err, gorm.ErrRecordNotFound) {
		return Influencer{}, fault.NotFoundf("no influencer profile")
	} else if err != nil {
		return Influencer{}, err
	}
	data, err := io.ReadAll(io.LimitReader(r, avatarMaxBytes+1))
	if err != nil {
		return Influencer{}, fmt.Errorf("read profile photo: %w", err)
	}
	if len(data) == 0 {
		return Influencer{}, fault.FieldInvalidf("avatar", "choose a photo to upload")
	}
	img, _, err := imaging.Decode(data, avatarLimits)
	if err != nil {
		return Influencer{}, catalog.IntakeError(err, "avatar")
	}
	thumbs, err := imaging.Thumbnails(centreSquare(img), imaging.ThumbOptions{Sizes: []int{avatarSize}})
	if err != nil {
		return Influencer{}, fmt.Errorf("profile photo: %w", err)
	}
	key := media.KeyOf(thumbs[0].SHA256, "jpg")
	existed, err := s.media.Exists(ctx, key)
	if err != nil {
		return Influencer{}, fmt.Errorf("store profile photo: %w", err)
	}
	if err := s.media.Put(ctx, key, bytes.NewReader(thumbs[0].JPEG)); err != nil {
		return Influencer{}, fmt.Errorf("store profile photo: %w", err)
	}
	old := inf.AvatarKey
	inf.AvatarKey, inf.UpdatedAt = key, s.now()
	err = s.db.WithContext(ctx).Model(&Influencer{}).Where("user_id = ?", influencerID).
		Updates(map[string]any{"avatar_key": key, "updated_at": inf.UpdatedAt}).Error
	if err != nil {
		if !existed {
			_ = s.media.Delete(context.WithoutCancel(ctx), key)
		}
		return Influencer{}, fmt.Errorf("save profile photo: %w", err)
	}
	if old != "" && old != key {
		s.removeUnusedAvatar(ctx, old)
	}
	return inf, nil
}

// removeUnusedAvatar deletes a replaced profile photo's file unless another
// profile shows it. A failure only leaves a file behind, so it is logged.
func (s *Influencers) removeUnusedAvatar(ctx context.Context, key string) {
	var users int64
	err := s.db.WithContext(ctx).Model(&Influencer{}).Where("avatar_key = ?", key).Count(&users).Error
	if err == nil && users == 0 {
		err = s.media.Delete(context.WithoutCancel(ctx), key)
	}
	if err != nil {
		s.logger.Warn("removing a replaced profile photo failed", "key", key, "err", err)
	}
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
