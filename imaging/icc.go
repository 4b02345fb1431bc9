package imaging

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"image"
	"image/color"
	"image/draw"
	"io"
	"math"

	"github.com/warna/warna/imaging/colour"
)

// ColourSpace names the colour space an original was encoded in, as read
// from its embedded ICC profile. Thumbnails and palettes are always sRGB.
type ColourSpace string

// The colour spaces Process reports.
const (
	// SRGB: no profile, or an sRGB one; the pixels are used as they are.
	SRGB ColourSpace = "srgb"
	// DisplayP3 (iPhones and other recent phones) is converted to sRGB.
	DisplayP3 ColourSpace = "display-p3"
	// AdobeRGB (1998), from cameras and photo editors, is converted to sRGB.
	AdobeRGB ColourSpace = "adobe-rgb"
	// OtherRGB is another RGB profile made of primaries and tone curves
	// (ProPhoto, Rec. 2020, a monitor's own profile), converted to sRGB
	// from the primaries and curves it declares.
	OtherRGB ColourSpace = "rgb-profile"
	// Unmanaged is a profile Warna cannot apply (grey, CMYK, table-based or
	// damaged): the pixels are read as if they were sRGB.
	Unmanaged ColourSpace = "unmanaged"
)

// colourProfile is what an image's embedded profile means for its pixels.
type colourProfile struct {
	space     ColourSpace
	transform *colourTransform // nil when the pixels are already sRGB, or taken as such
}

// identifyProfile reads an embedded ICC profile (nil when the file has none;
// empty when it has one that could not be extracted) for the decoded img. A
// profile is recognised by its primaries and tone curves, not by its
// description, so a P3 profile from any vendor is found.
func identifyProfile(icc []byte, img image.Image) colourProfile {
	if icc == nil {
		return colourProfile{space: SRGB}
	}
	switch img.(type) {
	case *image.Gray:
		// A grey image needs a grey profile; sRGB's grey axis is close to
		// every common one (gamma 2.2, dot gain).
		return colourProfile{space: Unmanaged}
	}
	p, ok := parseMatrixProfile(icc)
	if !ok {
		return colourProfile{space: Unmanaged}
	}
	space := OtherRGB
	switch {
	case matrixNear(p.toXYZ, srgbToXYZD50, 0.01):
		space = SRGB
	case matrixNear(p.toXYZ, displayP3ToXYZD50, 0.01):
		space = DisplayP3
	case matrixNear(p.toXYZ, adobeRGBToXYZD50, 0.01):
		space = AdobeRGB
	}
	t, ok := newColourTransform(p)
	if !ok {
		return colourProfile{space: Unmanaged}
	}
	if t.identity() {
		return colourProfile{space: space}
	}
	return colourProfile{space: space, transform: t}
}

// matrixProfile is an RGB profile of the matrix/TRC kind: three tone curves
// to linear light, then a 3 × 3 matrix to the D50 XYZ connection space.
type matrixProfile struct {
	curves [3]toneCurve
	toXYZ  mat3
}

// toneCurve maps an encoded sample in 0..1 to linear light in 0..1.
type toneCurve func(float64) float64

// parseMatrixProfile reads the colorant (rXYZ, gXYZ, bXYZ) and tone curve
// (rTRC, gTRC, bTRC) tags of an RGB display or input profile.
func parseMatrixProfile(icc []byte) (matrixProfile, bool) {
	var p matrixProfile
	if len(icc) < 132 || string(icc[16:20]) != "RGB " || string(icc[20:24]) != "XYZ " {
		return p, false
	}
	tags := map[string][]byte{}
	n := int(binary.BigEndian.Uint32(icc[128:]))
	if n > 1000 || 132+12*n > len(icc) {
		return p, false
	}
	for i := range n {
		e := icc[132+12*i:]
		off, size := int64(binary.BigEndian.Uint32(e[4:])), int64(binary.BigEndian.Uint32(e[8:]))
		if off+size > int64(len(icc)) || size < 8 {
			continue
		}
		tags[string(e[:4])] = icc[off : off+size]
	}
	for col, sig := range []string{"rXYZ", "gXYZ", "bXYZ"} {
		xyz, ok := readXYZ(tags[sig])
		if !ok {
			return p, false
		}
		for row := range 3 {
			p.toXYZ[row][col] = xyz[row]
		}
	}
	for i, sig := range []string{"rTRC", "gTRC", "bTRC"} {
		c, ok := readCurve(tags[sig])
		if !ok {
			return p, false
		}
		p.curves[i] = c
	}
	return p, true
}

func s15Fixed16(b []byte) float64 { return float64(int32(binary.BigEndian.Uint32(b))) / 65536 }

// readXYZ reads an XYZType tag.
func readXYZ(tag []byte) ([3]float64, bool) {
	if len(tag) < 20 || string(tag[:4]) != "XYZ " {
		return [3]float64{}, false
	}
	return [3]float64{s15Fixed16(tag[8:]), s15Fixed16(tag[12:]), s15Fixed16(tag[16:])}, true
}

// readCurve reads a curveType (identity, a gamma, or a table) or a
// parametricCurveType (the ICC's five function types) tag.
func readCurve(tag []byte) (toneCurve, bool) {
	if len(tag) < 12 {
		return nil, false
	}
	switch string(tag[:4]) {
	case "curv":
		n := int(binary.BigEndian.Uint32(tag[8:]))
		switch {
		case n == 0:
			return func(x float64) float64 { return x }, true
		case n == 1 && len(tag) >= 14:
			g := float64(binary.BigEndian.Uint16(tag[12:])) / 256
			return func(x float64) float64 { return math.Pow(x, g) }, g > 0
		case n >= 2 && len(tag) >= 12+2*n:
			table := make([]float64, n)
			for i := range table {
				table[i] = float64(binary.BigEndian.Uint16(tag[12+2*i:])) / 65535
			}
			return func(x float64) float64 {
				pos := x * float64(n-1)
				i := min(int(pos), n-2)
				f := pos - float64(i)
				return table[i]*(1-f) + table[i+1]*f
			}, true
		}
	case "para":
		kind := binary.BigEndian.Uint16(tag[8:])
		counts := []int{1, 3, 4, 5, 7}
		if int(kind) >= len(counts) || len(tag) < 12+4*counts[kind] {
			return nil, false
		}
		var v [7]float64 // g, a, b, c, d, e, f
		for i := range counts[kind] {
			v[i] = s15Fixed16(tag[12+4*i:])
		}
		g, a, b, c, d, e, f := v[0], v[1], v[2], v[3], v[4], v[5], v[6]
		pow := func(x float64) float64 { return math.Pow(max(x, 0), g) }
		switch kind {
		case 0:
			return func(x float64) float64 { return pow(x) }, true
		case 1:
			return func(x float64) float64 { return pow(a*x + b) }, a != 0
		case 2:
			return func(x float64) float64 { return pow(a*x+b) + c }, a != 0
		case 3:
			return func(x float64) float64 {
				if x >= d {
					return pow(a*x + b)
				}
				return c * x
			}, true
		default:
			return func(x float64) float64 {
				if x >= d {
					return pow(a*x+b) + e
				}
				return c*x + f
			}, true
		}
	}
	return nil, false
}

// mat3 is a 3 × 3 matrix, rows first.
type mat3 [3][3]float64

func (m mat3) mul(n mat3) mat3 {
	var out mat3
	for i := range 3 {
		for j := range 3 {
			for k := range 3 {
				out[i][j] += m[i][k] * n[k][j]
			}
		}
	}
	return out
}

func (m mat3) apply(v [3]float64) [3]float64 {
	var out [3]float64
	for i := range 3 {
		out[i] = m[i][0]*v[0] + m[i][1]*v[1] + m[i][2]*v[2]
	}
	return out
}

func (m mat3) inverse() (mat3, bool) {
	det := m[0][0]*(m[1][1]*m[2][2]-m[1][2]*m[2][1]) -
		m[0][1]*(m[1][0]*m[2][2]-m[1][2]*m[2][0]) +
		m[0][2]*(m[1][0]*m[2][1]-m[1][1]*m[2][0])
	if math.Abs(det) < 1e-9 {
		return mat3{}, false
	}
	var inv mat3
	for i := range 3 {
		for j := range 3 {
			// Cofactor of (j, i) over the determinant.
			a, b := (j+1)%3, (j+2)%3
			c, d := (i+1)%3, (i+2)%3
			inv[i][j] = (m[a][c]*m[b][d] - m[a][d]*m[b][c]) / det
		}
	}
	return inv, true
}

func matrixNear(a, b mat3, tol float64) bool {
	for i := range 3 {
		for j := range 3 {
			if math.Abs(a[i][j]-b[i][j]) > tol {
				return false
			}
		}
	}
	return true
}

// Chromaticities of the whites and primaries of the spaces Warna names, and
// the Bradford cone-response matrix used to adapt D65 to the D50 of the ICC
// connection space, as ICC profiles and lcms do.
var (
	whiteD65 = [3]float64{0.95047, 1, 1.08883}
	whiteD50 = [3]float64{0.96422, 1, 0.82521}
	bradford = mat3{{0.8951, 0.2664, -0.1614}, {-0.7502, 1.7135, 0.0367}, {0.0389, -0.0685, 1.0296}}

	srgbToXYZD50      = primariesToXYZD50([3][2]float64{{0.64, 0.33}, {0.30, 0.60}, {0.15, 0.06}})
	displayP3ToXYZD50 = primariesToXYZD50([3][2]float64{{0.680, 0.320}, {0.265, 0.690}, {0.150, 0.060}})
	adobeRGBToXYZD50  = primariesToXYZD50([3][2]float64{{0.64, 0.33}, {0.21, 0.71}, {0.15, 0.06}})
)

// primariesToXYZD50 is the matrix from linear RGB with the given primaries
// (x, y) and a D65 white to D50 XYZ, Bradford-adapted.
func primariesToXYZD50(xy [3][2]float64) mat3 {
	var m mat3
	for col, p := range xy {
		m[0][col], m[1][col], m[2][col] = p[0]/p[1], 1, (1-p[0]-p[1])/p[1]
	}
	inv, _ := m.inverse()
	s := inv.apply(whiteD65)
	for row := range 3 {
		for col := range 3 {
			m[row][col] *= s[col]
		}
	}
	return chromaticAdaptation(whiteD65, whiteD50).mul(m)
}

// chromaticAdaptation is the Bradford transform of XYZ from white src to
// white dst.
func chromaticAdaptation(src, dst [3]float64) mat3 {
	s, d := bradford.apply(src), bradford.apply(dst)
	scale := mat3{{d[0] / s[0], 0, 0}, {0, d[1] / s[1], 0}, {0, 0, d[2] / s[2]}}
	inv, _ := bradford.inverse()
	return inv.mul(scale).mul(bradford)
}

// colourTransform converts 8-bit samples of a matrix profile to sRGB:
// the profile's curves by table, its matrix composed with sRGB's inverse,
// then the sRGB curve by table.
type colourTransform struct {
	linear [3][256]float32 // 8-bit sample → linear light, per channel
	m      [9]float32      // profile linear RGB → linear sRGB, rows first
}

// srgbEncodeSteps is the size of the table that encodes linear light as
// 8-bit sRGB: 1/16384 of linear light is under 0.2 of an 8-bit level even
// where sRGB's curve is steepest.
const srgbEncodeSteps = 16384

// srgbEncode maps linear light (index / srgbEncodeSteps) to an 8-bit sRGB
// sample, rounded.
var srgbEncode = func() *[srgbEncodeSteps + 1]uint8 {
	var t [srgbEncodeSteps + 1]uint8
	for i := range t {
		t[i] = uint8(math.Round(255 * colour.SRGBFromLinear(float64(i)/srgbEncodeSteps)))
	}
	return &t
}()

func newColourTransform(p matrixProfile) (*colourTransform, bool) {
	fromXYZ, ok := srgbToXYZD50.inverse()
	if !ok {
		return nil, false
	}
	m := fromXYZ.mul(p.toXYZ)
	// The profile's white must land near sRGB's: a profile whose colorants
	// do not add up to a white is not one to trust with every pixel.
	white := m.apply([3]float64{1, 1, 1})
	for _, w := range white {
		if math.IsNaN(w) || w < 0.8 || w > 1.2 {
			return nil, false
		}
	}
	t := &colourTransform{}
	for i := range 3 {
		for j := range 3 {
			t.m[3*i+j] = float32(m[i][j])
		}
	}
	for c, curve := range p.curves {
		for v := range 256 {
			l := curve(float64(v) / 255)
			if math.IsNaN(l) {
				return nil, false
			}
			t.linear[c][v] = float32(min(max(l, 0), 1))
		}
	}
	return t, true
}

// identity reports whether t changes no 8-bit sample by more than a level
// (an sRGB profile, from any vendor).
func (t *colourTransform) identity() bool {
	for v := 0; v < 256; v += 5 {
		for c := range 3 {
			var in [3]uint8
			in[c] = uint8(v)
			r, g, b := t.rgb(in[0], in[1], in[2])
			out := [3]uint8{r, g, b}
			for i := range 3 {
				if math.Abs(float64(out[i])-float64(in[i])) > 1 {
					return false
				}
			}
		}
	}
	return true
}

// rgb converts one pixel.
func (t *colourTransform) rgb(r, g, b uint8) (uint8, uint8, uint8) {
	lr, lg, lb := t.linear[0][r], t.linear[1][g], t.linear[2][b]
	m := &t.m
	return encodeLinear(m[0]*lr + m[1]*lg + m[2]*lb),
		encodeLinear(m[3]*lr + m[4]*lg + m[5]*lb),
		encodeLinear(m[6]*lr + m[7]*lg + m[8]*lb)
}

// encodeLinear clips linear light to sRGB's gamut and encodes it.
func encodeLinear(l float32) uint8 {
	i := int(l*srgbEncodeSteps + 0.5)
	return srgbEncode[min(max(i, 0), srgbEncodeSteps)]
}

// pixels converts 4-byte pixels in place. With premultiplied set, colour
// is taken out of and put back into premultiplied form around the
// conversion.
func (t *colourTransform) pixels(pix []uint8, premultiplied bool) {
	for i := 0; i+3 < len(pix); i += 4 {
		p := pix[i : i+4 : i+4]
		a := uint32(p[3])
		if !premultiplied || a == 255 {
			p[0], p[1], p[2] = t.rgb(p[0], p[1], p[2])
			continue
		}
		if a == 0 {
			continue
		}
		un := func(c uint8) uint8 { return uint8(min((uint32(c)*255+a/2)/a, 255)) }
		r, g, b := t.rgb(un(p[0]), un(p[1]), un(p[2]))
		p[0], p[1], p[2] = uint8((uint32(r)*a+127)/255), uint8((uint32(g)*a+127)/255), uint8((uint32(b)*a+127)/255)
	}
}

// image returns img, one of the types normalize returns, converted to sRGB
// in a new image: *image.RGBA, or *image.NRGBA for transparency. A grey
// image is returned as it is.
func (t *colourTransform) image(img image.Image) image.Image {
	switch m := img.(type) {
	case *image.Gray:
		return m
	case *image.NRGBA:
		out := image.NewNRGBA(m.Rect)
		copy(out.Pix, m.Pix)
		t.pixels(out.Pix, false)
		return out
	}
	rgba := image.NewRGBA(img.Bounds())
	draw.Draw(rgba, rgba.Rect, img, img.Bounds().Min, draw.Src)
	t.pixels(rgba.Pix, false)
	return rgba
}

// picture returns p, a resized picture, converted to sRGB: YCbCr becomes
// RGBA; grey is returned as it is.
func (t *colourTransform) picture(p picture) picture {
	switch {
	case len(p.planes) == 3:
		y, cb, cr := p.planes[0], p.planes[1], p.planes[2]
		out := newPlane(y.w, y.h, 4)
		for row := range y.h {
			ys, cbs, crs := y.row(row), cb.row(row/p.subY), cr.row(row/p.subY)
			dst := out.row(row)
			for x, luma := range ys {
				r, g, b := color.YCbCrToRGB(luma, cbs[x/p.subX], crs[x/p.subX])
				dst[4*x], dst[4*x+1], dst[4*x+2], dst[4*x+3] = r, g, b, 255
			}
			t.pixels(dst, false)
		}
		return newPicture(1, 1, out)
	case p.planes[0].channels == 4:
		src := p.planes[0]
		out := newPlane(src.w, src.h, 4)
		for row := range src.h {
			copy(out.row(row), src.row(row))
			t.pixels(out.row(row), p.alpha)
		}
		q := newPicture(1, 1, out)
		q.alpha = p.alpha
		return q
	}
	return p
}

// pngICC returns the profile of a PNG's iCCP chunk: nil without one, empty
// when it cannot be inflated.
func pngICC(data []byte) []byte {
	pos := 8
	for pos+12 <= len(data) {
		n := int64(binary.BigEndian.Uint32(data[pos:]))
		kind := string(data[pos+4 : pos+8])
		if kind == "IDAT" || int64(pos)+12+n > int64(len(data)) {
			return nil
		}
		if kind == "iCCP" {
			body := data[pos+8 : pos+8+int(n)]
			name := bytes.IndexByte(body, 0)
			if name < 0 || name+2 > len(body) {
				return []byte{}
			}
			return inflateProfile(body[name+2:])
		}
		pos += 12 + int(n)
	}
	return nil
}

// maxProfileBytes bounds an inflated profile: real ones are under a few
// hundred KiB.
const maxProfileBytes = 4 << 20

func inflateProfile(compressed []byte) []byte {
	r, err := zlib.NewReader(bytes.NewReader(compressed))
	if err != nil {
		return []byte{}
	}
	defer r.Close()
	out, err := io.ReadAll(io.LimitReader(r, maxProfileBytes))
	if err != nil {
		return []byte{}
	}
	return out
}

// webpICC returns the profile of a WebP's ICCP chunk, or nil.
func webpICC(data []byte) []byte {
	pos := 12
	for pos+8 <= len(data) {
		n := int64(binary.LittleEndian.Uint32(data[pos+4:]))
		if int64(pos)+8+n > int64(len(data)) {
			return nil
		}
		if string(data[pos:pos+4]) == "ICCP" {
			return data[pos+8 : pos+8+int(n)]
		}
		pos += 8 + int(n) + int(n&1)
	}
	return nil
}
