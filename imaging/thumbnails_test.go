package imaging

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"testing"

	xdraw "golang.org/x/image/draw"
)

func decodeThumb(t *testing.T, th Thumb) image.Image {
	t.Helper()
	img, err := jpeg.Decode(bytes.NewReader(th.JPEG))
	if err != nil {
		t.Fatalf("%d px thumbnail: %v", th.Size, err)
	}
	if got := img.Bounds().Size(); got != image.Pt(th.Width, th.Height) {
		t.Fatalf("%d px thumbnail decodes to %v, Thumb says %d×%d", th.Size, got, th.Width, th.Height)
	}
	return img
}

// psnr compares two images of the same size over R, G and B, in dB.
func psnr(t *testing.T, a, b image.Image) float64 {
	t.Helper()
	if a.Bounds().Size() != b.Bounds().Size() {
		t.Fatalf("sizes differ: %v and %v", a.Bounds().Size(), b.Bounds().Size())
	}
	ra, rb := toRGBA(a), toRGBA(b)
	var sum float64
	for i := range ra.Pix {
		if i%4 != 3 {
			d := float64(ra.Pix[i]) - float64(rb.Pix[i])
			sum += d * d
		}
	}
	return 10 * math.Log10(255*255/(sum/float64(len(ra.Pix)/4*3)))
}

func decodeTestdata(t *testing.T, name string) image.Image {
	t.Helper()
	img, _, err := Decode(readTestdata(t, name), DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestThumbnailsOfPhoto(t *testing.T) {
	src := decodeTestdata(t, "kite.jpg") // 480 × 300
	thumbs, err := Thumbnails(src, ThumbOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ size, w, h int }{{480, 480, 300}, {400, 400, 250}, {160, 160, 100}}
	if len(thumbs) != len(want) {
		t.Fatalf("got %d thumbnails, want %d (800 is not upscaled, it becomes the original size)", len(thumbs), len(want))
	}
	for i, th := range thumbs {
		if th.Size != want[i].size || th.Width != want[i].w || th.Height != want[i].h {
			t.Errorf("thumb %d = %d px %d×%d, want %d px %d×%d", i, th.Size, th.Width, th.Height, want[i].size, want[i].w, want[i].h)
		}
		sum := sha256.Sum256(th.JPEG)
		if th.SHA256 != hex.EncodeToString(sum[:]) {
			t.Errorf("thumb %d: SHA256 does not match its JPEG", i)
		}
		img := decodeThumb(t, th)
		// Against a high-quality resize of the same original (Catmull-Rom,
		// which has no aliasing at these scales): any shift of luma or
		// chroma, or a wrong colour conversion, costs many dB.
		ref := image.NewRGBA(image.Rect(0, 0, th.Width, th.Height))
		xdraw.CatmullRom.Scale(ref, ref.Rect, src, src.Bounds(), xdraw.Src, nil)
		if got := psnr(t, img, ref); got < 32 {
			t.Errorf("%d px: PSNR %.1f dB against a Catmull-Rom resize, want ≥ 32", th.Size, got)
		}
	}
}

func TestThumbnailsNeverUpscale(t *testing.T) {
	src := image.NewRGBA(image.Rect(0, 0, 100, 60))
	thumbs, err := Thumbnails(src, ThumbOptions{Sizes: []int{160, 400, 800}})
	if err != nil {
		t.Fatal(err)
	}
	if len(thumbs) != 1 || thumbs[0].Width != 100 || thumbs[0].Height != 60 || thumbs[0].Size != 100 {
		t.Fatalf("thumbs = %+v, want one 100×60", thumbs)
	}
}

func TestThumbnailsRejectBadOptions(t *testing.T) {
	src := image.NewRGBA(image.Rect(0, 0, 100, 60))
	for _, sizes := range [][]int{{0}, {160, -1}} {
		if _, err := Thumbnails(src, ThumbOptions{Sizes: sizes}); err == nil {
			t.Errorf("sizes %v: no error", sizes)
		}
	}
	if _, err := Thumbnails(image.NewRGBA(image.Rect(0, 0, 0, 0)), ThumbOptions{}); err == nil {
		t.Error("empty image: no error")
	}
}

func TestThumbnailsFlattenTransparencyOnWhite(t *testing.T) {
	src := image.NewNRGBA(image.Rect(0, 0, 320, 200))
	for y := range 200 {
		for x := range 320 {
			c := color.NRGBA{200, 30, 40, 255}
			if x < 160 {
				c = color.NRGBA{0, 0, 0, 0} // transparent black must not darken anything
			}
			src.SetNRGBA(x, y, c)
		}
	}
	thumbs, err := Thumbnails(src, ThumbOptions{Sizes: []int{160}})
	if err != nil {
		t.Fatal(err)
	}
	img := decodeThumb(t, thumbs[0])
	if c := color.RGBAModel.Convert(img.At(20, 50)).(color.RGBA); c.R < 250 || c.G < 250 || c.B < 250 {
		t.Errorf("transparent area = %v, want white", c)
	}
	if c := color.RGBAModel.Convert(img.At(140, 50)).(color.RGBA); !near(c, 200, 30, 40) {
		t.Errorf("opaque area = %v, want about {200 30 40}", c)
	}
	// Next to the edge the product colour is mixed with white, not black.
	if c := color.RGBAModel.Convert(img.At(80, 50)).(color.RGBA); c.R < 190 {
		t.Errorf("edge = %v, want red mixed with white", c)
	}
}

func TestThumbnailsOfGreyStayGrey(t *testing.T) {
	src := patternImage(300, 200, func(x, y int) uint8 { return uint8(x) })
	thumbs, err := Thumbnails(src, ThumbOptions{Sizes: []int{160}})
	if err != nil {
		t.Fatal(err)
	}
	if img := decodeThumb(t, thumbs[0]); !isType[*image.Gray](img) {
		t.Errorf("grey source gave a %T thumbnail, want a greyscale JPEG", img)
	}
}

// TestThumbnailsOrientation turns thumbnails upright after resizing, on the
// planar YCbCr path (a decoded JPEG) and the RGBA path.
func TestThumbnailsOrientation(t *testing.T) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, quadrants(), &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	ycbcr, err := jpeg.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	for _, src := range []image.Image{ycbcr, quadrants()} {
		for _, tt := range orientationCases {
			set, err := resizeThumbs(pictureOf(src), int(tt.orientation), nil, ThumbOptions{Sizes: []int{40}})
			if err != nil {
				t.Fatal(err)
			}
			thumbs, err := set.encode()
			if err != nil {
				t.Fatal(err)
			}
			t.Run(tt.name, func(t *testing.T) {
				checkOrientation(t, decodeThumb(t, thumbs[0]), tt.wide, tt.red, tt.green)
			})
		}
	}
}
