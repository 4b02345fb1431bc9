package colour

import (
	"fmt"
	"math"
	"strings"
)

// Lab is a colour in CIE L*a*b* under the D65 white point, the space the
// palette, the naming and colour search all measure in. L runs from 0 (black)
// to 100 (white); a and b are roughly -128..127.
type Lab struct{ L, A, B float64 }

// The D65 reference white in XYZ, taken as the image of sRGB white under the
// conversion matrix so that every gray has a = b = 0 exactly. (go-colorful
// uses the rounded 0.95047, 1, 1.08883, which leaves white at b = -0.01.)
const (
	d65X = 0.41239079926595948 + 0.35758433938387796 + 0.18048078840183429
	d65Y = 0.21263900587151036 + 0.71516867876775593 + 0.072192315360733715
	d65Z = 0.019330818715591851 + 0.11919477979462599 + 0.95053215224966058
)

// srgbLinear maps an 8-bit sRGB channel to linear light. It is computed once
// and never written again.
var srgbLinear = func() (table [256]float64) {
	for i := range table {
		table[i] = LinearFromSRGB(float64(i) / 255)
	}
	return table
}()

func LinearFromSRGB(v float64) float64 {
	if v <= 0.04045 {
		return v / 12.92
	}
	return math.Pow((v+0.055)/1.055, 2.4)
}

// SRGBFromLinear encodes linear light in [0, 1] with the sRGB curve.
func SRGBFromLinear(v float64) float64 {
	if v <= 0.0031308 {
		return 12.92 * v
	}
	return 1.055*math.Pow(v, 1/2.4) - 0.055
}

// LabFromRGB converts an 8-bit sRGB colour to Lab.
func LabFromRGB(r, g, b uint8) Lab {
	return LabFromLinear(srgbLinear[r], srgbLinear[g], srgbLinear[b])
}

// labFromLinear converts linear-light sRGB (0..1) to Lab.
func LabFromLinear(r, g, b float64) Lab {
	x := (0.41239079926595948*r + 0.35758433938387796*g + 0.18048078840183429*b) / d65X
	y := (0.21263900587151036*r + 0.71516867876775593*g + 0.072192315360733715*b) / d65Y
	z := (0.019330818715591851*r + 0.11919477979462599*g + 0.95053215224966058*b) / d65Z
	fx, fy, fz := labF(x), labF(y), labF(z)
	return Lab{L: 116*fy - 16, A: 500 * (fx - fy), B: 200 * (fy - fz)}
}

const labEpsilon = 216.0 / 24389.0 // (6/29)^3

func labF(t float64) float64 {
	if t > labEpsilon {
		return cubeRoot(t)
	}
	return t*(24389.0/27.0/116.0) + 4.0/29.0
}

// cubeRoot is math.Cbrt for the positive, finite t of labF, about twice as
// fast: a bit-level first guess within a few percent, then two Halley steps
// (cubic convergence), which leave a relative error near 1e-14.
func cubeRoot(t float64) float64 {
	y := math.Float64frombits(math.Float64bits(t)/3 + 0x2a9f7893782da1ce)
	y3 := y * y * y
	y *= (y3 + 2*t) / (2*y3 + t)
	y3 = y * y * y
	return y * (y3 + 2*t) / (2*y3 + t)
}

func labFInverse(t float64) float64 {
	if t > 6.0/29.0 {
		return t * t * t
	}
	return 3 * (6.0 / 29.0) * (6.0 / 29.0) * (t - 4.0/29.0)
}

// linearRGB converts c back to linear-light sRGB, without clamping, so
// colours outside the sRGB gamut give values outside 0..1.
func (c Lab) LinearRGB() (r, g, b float64) {
	fy := (c.L + 16) / 116
	x := d65X * labFInverse(fy+c.A/500)
	y := d65Y * labFInverse(fy)
	z := d65Z * labFInverse(fy-c.B/200)
	r = 3.2409699419045214*x - 1.5373831775700935*y - 0.49861076029300328*z
	g = -0.96924363628087983*x + 1.8759675015077207*y + 0.041555057407175613*z
	b = 0.055630079696993609*x - 0.20397695888897657*y + 1.0569715142428786*z
	return r, g, b
}

// RGB converts c to 8-bit sRGB, clamping each channel to the gamut.
func (c Lab) RGB() (r, g, b uint8) {
	lr, lg, lb := c.LinearRGB()
	return SRGBByte(lr), SRGBByte(lg), SRGBByte(lb)
}

// SRGBByte encodes linear light as an 8-bit sRGB channel, clamped to [0, 1].
func SRGBByte(linear float64) uint8 {
	v := SRGBFromLinear(math.Max(0, math.Min(1, linear)))
	return uint8(math.Round(v * 255))
}

// Hex formats c as "#rrggbb", clamped to the sRGB gamut.
func (c Lab) Hex() string {
	r, g, b := c.RGB()
	return fmt.Sprintf("#%02x%02x%02x", r, g, b)
}

// Chroma is the distance of c from the neutral axis, sqrt(a²+b²).
func (c Lab) Chroma() float64 { return math.Sqrt(c.A*c.A + c.B*c.B) }

// LabFromHex parses "#1e90ff", "1e90ff" or the short form "#18f", in any
// letter case.
func LabFromHex(s string) (Lab, error) {
	r, g, b, err := ParseHexRGB(s)
	if err != nil {
		return Lab{}, err
	}
	return LabFromRGB(r, g, b), nil
}

// ParseHexRGB reads "#rrggbb" or "rrggbb" into its 8-bit channels.
func ParseHexRGB(s string) (r, g, b uint8, err error) {
	digits := strings.TrimPrefix(strings.TrimSpace(s), "#")
	var v [6]uint8
	switch len(digits) {
	case 6:
		for i := range 6 {
			if v[i], err = hexDigit(digits[i]); err != nil {
				break
			}
		}
	case 3:
		for i := range 3 {
			if v[2*i], err = hexDigit(digits[i]); err != nil {
				break
			}
			v[2*i+1] = v[2*i]
		}
	default:
		err = fmt.Errorf("want 6 hex digits")
	}
	if err != nil {
		return 0, 0, 0, fmt.Errorf("hex colour %q (use a form like \"#1e90ff\"): %w", s, err)
	}
	return v[0]<<4 | v[1], v[2]<<4 | v[3], v[4]<<4 | v[5], nil
}

func hexDigit(c byte) (uint8, error) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', nil
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, nil
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, nil
	}
	return 0, fmt.Errorf("%q is not a hex digit", c)
}

// OKLab converts c to Björn Ottosson's OKLab (L 0..1), whose Euclidean
// distances suit the dense_vector kNN in colour search.
func (c Lab) OKLab() [3]float64 {
	r, g, b := c.LinearRGB()
	l := math.Cbrt(0.4122214708*r + 0.5363325363*g + 0.0514459929*b)
	m := math.Cbrt(0.2119034982*r + 0.6806995451*g + 0.1073969566*b)
	s := math.Cbrt(0.0883024619*r + 0.2817188376*g + 0.6299787005*b)
	return [3]float64{
		0.2104542553*l + 0.7936177850*m - 0.0040720468*s,
		1.9779984951*l - 2.4285922050*m + 0.4505937099*s,
		0.0259040371*l + 0.7827717662*m - 0.8086757660*s,
	}
}

// DeltaE00 is the CIEDE2000 colour difference between a and b in standard
// units: about 1 is a just-noticeable difference, 100 is black versus white.
// (go-colorful's DistanceCIEDE2000 gives the same value divided by 100.)
func DeltaE00(a, b Lab) float64 { return DeltaE00Weighted(a, b, 1) }

// DeltaE00Weighted is CIEDE2000 with lightness weight kL; kL = 2 is the textile
// setting that forgives lightness differences, such as shading on a fabric,
// twice as much as chroma and hue differences.
func DeltaE00Weighted(p, q Lab, kL float64) float64 {
	const pow25to7 = 6103515625.0 // 25^7
	cMean := (math.Sqrt(p.A*p.A+p.B*p.B) + math.Sqrt(q.A*q.A+q.B*q.B)) / 2
	cMean7 := pow7(cMean)
	g := 0.5 * (1 - math.Sqrt(cMean7/(cMean7+pow25to7)))
	ap1, ap2 := (1+g)*p.A, (1+g)*q.A
	cp1 := math.Sqrt(ap1*ap1 + p.B*p.B)
	cp2 := math.Sqrt(ap2*ap2 + q.B*q.B)
	dL := q.L - p.L
	dC := cp2 - cp1
	dH, hMean, cosH, sinH := hueTerms(ap1, p.B, cp1, ap2, q.B, cp2)

	lMean := (p.L+q.L)/2 - 50
	cpMean := (cp1 + cp2) / 2
	cpMean7 := pow7(cpMean)
	sL := 1 + 0.015*lMean*lMean/math.Sqrt(20+lMean*lMean)
	sC := 1 + 0.045*cpMean
	sH := 1 + 0.015*cpMean*hueWeight(cosH, sinH)
	// The rotation term is for blue hues (h̄′ near 275°). Below 113° its
	// Gaussian is under e⁻⁴¹ and the term, relative to the other terms,
	// under 10⁻¹⁸, which cannot change a float64 sum: the arctangent,
	// exponential and sine it costs are skipped for a third of the hue
	// circle (a colour search computes ΔE00 for every swatch it considers).
	var rT float64
	if sinH < 0 || cosH <= -0.4 {
		if hMean < 0 {
			hMean = hueDegrees(sinH, cosH)
		}
		dTheta := 30 * math.Exp(-sqr((hMean-275)/25))
		rT = -2 * math.Sqrt(cpMean7/(cpMean7+pow25to7)) * math.Sin(dTheta*math.Pi/90)
	}

	tL, tC, tH := dL/(kL*sL), dC/sC, dH/sH
	return math.Sqrt(tL*tL + tC*tC + tH*tH + rT*tC*tH)
}

// hueTerms are CIEDE2000's ΔH′ and mean hue h̄′ (in degrees, with its
// cosine and sine; the degrees are −1, left for the caller to derive from
// the cosine and sine when it needs them, when they come from the vectors)
// of two colours given as (a′, b, C′). For two chromatic
// colours that are not exactly opposite they come from the unit hue vectors
// u1, u2 alone: 2 sin(Δh′/2) = |u1 − u2| (the chord), so ΔH′ =
// √(C′1C′2)·|u1 − u2| with the sign of the hue turn (the cross product), and
// h̄′ is the direction of u1 + u2, which is the textbook's mean along the
// shorter arc. That takes one arctangent where the angles take two, a sine
// and a sine-cosine pair (ΔE00 runs for every swatch a colour search
// considers); the textbook way remains for the other cases, where its
// conventions decide.
func hueTerms(a1, b1, c1, a2, b2, c2 float64) (dH, hMean, cosH, sinH float64) {
	cross, dot := a1*b2-b1*a2, a1*a2+b1*b2
	if c1*c2 == 0 || (cross == 0 && dot < 0) {
		dH, hMean = hueTermsByAngle(a1, b1, a2, b2, c1*c2)
		sinH, cosH = math.Sincos(hMean * math.Pi / 180)
		return dH, hMean, cosH, sinH
	}
	u1a, u1b, u2a, u2b := a1/c1, b1/c1, a2/c2, b2/c2
	da, db := u1a-u2a, u1b-u2b
	dH = math.Sqrt(c1*c2) * math.Sqrt(da*da+db*db)
	if cross < 0 {
		dH = -dH
	}
	ua, ub := u1a+u2a, u1b+u2b
	n := math.Sqrt(ua*ua + ub*ub)
	return dH, -1, ua / n, ub / n // h̄′ in degrees only when needed
}

// hueTermsByAngle is the textbook computation of ΔH′ and h̄′ from the hue
// angles, with its conventions for achromatic and opposite colours.
func hueTermsByAngle(a1, b1, a2, b2, cProduct float64) (dH, hMean float64) {
	hp1, hp2 := hueDegrees(b1, a1), hueDegrees(b2, a2)
	hMean = hp1 + hp2
	if cProduct == 0 {
		return 0, hMean
	}
	dh := hp2 - hp1
	switch {
	case dh > 180:
		dh -= 360
	case dh < -180:
		dh += 360
	}
	switch {
	case math.Abs(hp1-hp2) <= 180:
		hMean /= 2
	case hMean < 360:
		hMean = (hMean + 360) / 2
	default:
		hMean = (hMean - 360) / 2
	}
	return 2 * math.Sqrt(cProduct) * math.Sin(dh*math.Pi/360), hMean
}

// hueWeight is CIEDE2000's T(h̄′) from the cosine and sine of h̄′, the other
// three cosines derived by the multiple-angle formulas.
func hueWeight(c1, s1 float64) float64 {
	const (
		cos30, sin30 = 0.8660254037844387, 0.5
		cos6, sin6   = 0.9945218953682733, 0.10452846326765347
		cos63, sin63 = 0.45399049973954675, 0.8910065241883679
	)
	c2, s2 := 2*c1*c1-1, 2*s1*c1
	c3, s3 := c1*c2-s1*s2, s1*c2+c1*s2
	c4, s4 := 2*c2*c2-1, 2*s2*c2
	return 1 - 0.17*(c1*cos30+s1*sin30) +
		0.24*c2 +
		0.32*(c3*cos6-s3*sin6) -
		0.20*(c4*cos63+s4*sin63)
}

func hueDegrees(b, a float64) float64 {
	if a == 0 && b == 0 {
		return 0
	}
	h := math.Atan2(b, a) * 180 / math.Pi
	if h < 0 {
		h += 360
	}
	return h
}

func pow7(x float64) float64 {
	x2 := x * x
	return x2 * x2 * x2 * x
}

func sqr(x float64) float64 { return x * x }

// DeltaE76Sq is the squared Euclidean distance in Lab, the metric k-means
// minimises.
func DeltaE76Sq(p, q Lab) float64 {
	dl, da, db := p.L-q.L, p.A-q.A, p.B-q.B
	return dl*dl + da*da + db*db
}

// LinearFromSRGB8 is the linear light of an 8-bit sRGB channel, read from a
// table computed once.
func LinearFromSRGB8(v uint8) float64 { return srgbLinear[v] }
