package affiliates

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"strings"
	"testing"

	"github.com/warna/warna/fault"
	"github.com/warna/warna/media"
)

func TestSetAvatarStoresACentredSquare(t *testing.T) {
	f := newFixture(t)
	store, err := media.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	f.influencers.media = store

	// A landscape photo: red left third, green centre, blue right third.
	src := image.NewRGBA(image.Rect(0, 0, 900, 300))
	for y := range 300 {
		for x := range 900 {
			c := color.RGBA{0, 200, 0, 255}
			if x < 300 {
				c = color.RGBA{220, 0, 0, 255}
			} else if x >= 600 {
				c = color.RGBA{0, 0, 220, 255}
			}
			src.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, src, &jpeg.Options{Quality: 92}); err != nil {
		t.Fatal(err)
	}
	inf, err := f.influencers.SetAvatar(f.ctx, influencerID, &buf)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(inf.AvatarKey, ".jpg") || inf.AvatarURL() != "/media/"+inf.AvatarKey {
		t.Fatalf("avatar key %q url %q", inf.AvatarKey, inf.AvatarURL())
	}
	rc, err := store.Open(f.ctx, inf.AvatarKey)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	got, err := jpeg.Decode(rc)
	if err != nil {
		t.Fatal(err)
	}
	if b := got.Bounds(); b.Dx() != 256 || b.Dy() != 256 {
		t.Fatalf("avatar is %v, want 256 × 256", b)
	}
	// Only the green centre is kept.
	for _, p := range []image.Point{{5, 5}, {128, 128}, {250, 250}} {
		r, g, b, _ := got.At(p.X, p.Y).RGBA()
		if g>>8 < 150 || r>>8 > 60 || b>>8 > 60 {
			t.Errorf("pixel %v = %d,%d,%d, want the green centre", p, r>>8, g>>8, b>>8)
		}
	}

	// A file that is not an image is refused with the reason and changes
	// nothing.
	_, err = f.influencers.SetAvatar(f.ctx, influencerID, strings.NewReader("hello, this is not an image"))
	if !fault.Is(err, fault.Invalid) {
		t.Errorf("garbage upload: %v, want an invalid-input error", err)
	}
	still, err := f.influencers.InfluencerByHandle(f.ctx, inf.Handle)
	if err != nil || still.AvatarKey != inf.AvatarKey {
		t.Errorf("after a refused upload the avatar is %q (%v), want %q", still.AvatarKey, err, inf.AvatarKey)
	}

	// A new photo replaces the old one, whose file goes (no one else shows it).
	buf.Reset()
	if err := jpeg.Encode(&buf, image.NewGray(image.Rect(0, 0, 50, 80)), nil); err != nil {
		t.Fatal(err)
	}
	next, err := f.influencers.SetAvatar(f.ctx, influencerID, &buf)
	if err != nil || next.AvatarKey == inf.AvatarKey {
		t.Fatalf("replacing the photo: key %q (%v)", next.AvatarKey, err)
	}
	for key, want := range map[string]bool{inf.AvatarKey: false, next.AvatarKey: true} {
		if got, err := store.Exists(f.ctx, key); err != nil || got != want {
			t.Errorf("file %s exists %v (%v), want %v", key, got, err, want)
		}
	}

	// No profile: nothing is stored.
	if _, err := f.influencers.SetAvatar(f.ctx, 999_999, strings.NewReader("x")); !fault.Is(err, fault.NotFound) {
		t.Errorf("photo for a missing profile: %v, want not found", err)
	}
}
