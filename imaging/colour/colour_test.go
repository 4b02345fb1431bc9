package colour

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	colorful "github.com/lucasb-eyer/go-colorful"
)

// sharmaPairs is the CIEDE2000 test data of Sharma, Wu and Dalal (2005),
// "The CIEDE2000 color-difference formula: implementation notes,
// supplementary test data, and mathematical observations".
var sharmaPairs = []struct {
	a, b Lab
	want float64
}{
	{Lab{50, 2.6772, -79.7751}, Lab{50, 0, -82.7485}, 2.0425},
	{Lab{50, 3.1571, -77.2803}, Lab{50, 0, -82.7485}, 2.8615},
	{Lab{50, 2.8361, -74.0200}, Lab{50, 0, -82.7485}, 3.4412},
	{Lab{50, -1.3802, -84.2814}, Lab{50, 0, -82.7485}, 1.0000},
	{Lab{50, -1.1848, -84.8006}, Lab{50, 0, -82.7485}, 1.0000},
	{Lab{50, -0.9009, -85.5211}, Lab{50, 0, -82.7485}, 1.0000},
	{Lab{50, 0, 0}, Lab{50, -1, 2}, 2.3669},
	{Lab{50, -1, 2}, Lab{50, 0, 0}, 2.3669},
	{Lab{50, 2.4900, -0.0010}, Lab{50, -2.4900, 0.0009}, 7.1792},
	{Lab{50, 2.4900, -0.0010}, Lab{50, -2.4900, 0.0010}, 7.1792},
	{Lab{50, 2.4900, -0.0010}, Lab{50, -2.4900, 0.0011}, 7.2195},
	{Lab{50, 2.4900, -0.0010}, Lab{50, -2.4900, 0.0012}, 7.2195},
	{Lab{50, -0.0010, 2.4900}, Lab{50, 0.0009, -2.4900}, 4.8045},
	{Lab{50, -0.0010, 2.4900}, Lab{50, 0.0010, -2.4900}, 4.8045},
	{Lab{50, -0.0010, 2.4900}, Lab{50, 0.0011, -2.4900}, 4.7461},
	{Lab{50, 2.5, 0}, Lab{50, 0, -2.5}, 4.3065},
	{Lab{50, 2.5, 0}, Lab{73, 25, -18}, 27.1492},
	{Lab{50, 2.5, 0}, Lab{61, -5, 29}, 22.8977},
	{Lab{50, 2.5, 0}, Lab{56, -27, -3}, 31.9030},
	{Lab{50, 2.5, 0}, Lab{58, 24, 15}, 19.4535},
	{Lab{50, 2.5, 0}, Lab{50, 3.1736, 0.5854}, 1.0000},
	{Lab{50, 2.5, 0}, Lab{50, 3.2972, 0}, 1.0000},
	{Lab{50, 2.5, 0}, Lab{50, 1.8634, 0.5757}, 1.0000},
	{Lab{50, 2.5, 0}, Lab{50, 3.2592, 0.3350}, 1.0000},
	{Lab{60.2574, -34.0099, 36.2677}, Lab{60.4626, -34.1751, 39.4387}, 1.2644},
	{Lab{63.0109, -31.0961, -5.8663}, Lab{62.8187, -29.7946, -4.0864}, 1.2630},
	{Lab{61.2901, 3.7196, -5.3901}, Lab{61.4292, 2.2480, -4.9620}, 1.8731},
	{Lab{35.0831, -44.1164, 3.7933}, Lab{35.0232, -40.0716, 1.5901}, 1.8645},
	{Lab{22.7233, 20.0904, -46.6940}, Lab{23.0331, 14.9730, -42.5619}, 2.0373},
	{Lab{36.4612, 47.8580, 18.3852}, Lab{36.2715, 50.5065, 21.2231}, 1.4146},
	{Lab{90.8027, -2.0831, 1.4410}, Lab{91.1528, -1.6435, 0.0447}, 1.4441},
	{Lab{90.9257, -0.5406, -0.9208}, Lab{88.6381, -0.8985, -0.7239}, 1.5381},
	{Lab{6.7747, -0.2908, -2.4247}, Lab{5.8714, -0.0985, -2.2286}, 0.6377},
	{Lab{2.0776, 0.0795, -1.1350}, Lab{0.9033, -0.0636, -0.5514}, 0.9082},
}

func TestDeltaE00Sharma(t *testing.T) {
	for i, tc := range sharmaPairs {
		if got := DeltaE00(tc.a, tc.b); math.Abs(got-tc.want) > 5e-5 {
			t.Errorf("pair %d: DeltaE00(%v, %v) = %.4f, want %.4f", i+1, tc.a, tc.b, got, tc.want)
		}
		if got, back := DeltaE00(tc.a, tc.b), DeltaE00(tc.b, tc.a); math.Abs(got-back) > 1e-9 {
			t.Errorf("pair %d: not symmetric: %.6f vs %.6f", i+1, got, back)
		}
	}
}

// TestDeltaE00MatchesGoColorful checks our conversion and formula against
// go-colorful, which works in ΔE/100 with L in 0..1 and a white point
// rounded differently (hence the 0.03 tolerance).
func TestDeltaE00MatchesGoColorful(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		r1, g1, b1 := uint8(rng.IntN(256)), uint8(rng.IntN(256)), uint8(rng.IntN(256))
		r2, g2, b2 := uint8(rng.IntN(256)), uint8(rng.IntN(256)), uint8(rng.IntN(256))
		c1 := colorful.Color{R: float64(r1) / 255, G: float64(g1) / 255, B: float64(b1) / 255}
		c2 := colorful.Color{R: float64(r2) / 255, G: float64(g2) / 255, B: float64(b2) / 255}
		want := 100 * c1.DistanceCIEDE2000(c2)
		got := DeltaE00(LabFromRGB(r1, g1, b1), LabFromRGB(r2, g2, b2))
		if math.Abs(got-want) > 0.03 {
			t.Fatalf("DeltaE00(rgb %d,%d,%d; %d,%d,%d) = %.6f, go-colorful says %.6f", r1, g1, b1, r2, g2, b2, got, want)
		}
		l, a, b := c1.Lab()
		if lab := LabFromRGB(r1, g1, b1); math.Abs(lab.L-100*l) > 0.01 || math.Abs(lab.A-100*a) > 0.03 || math.Abs(lab.B-100*b) > 0.03 {
			t.Fatalf("LabFromRGB(%d,%d,%d) = %v, go-colorful says %.4f %.4f %.4f", r1, g1, b1, lab, 100*l, 100*a, 100*b)
		}
	}
}

func TestDeltaE00TextileWeightForgivesLightness(t *testing.T) {
	dark, light := Lab{40, 50, 30}, Lab{50, 50, 30}
	if got, plain := DeltaE00Weighted(dark, light, 2), DeltaE00(dark, light); math.Abs(got-plain/2) > 1e-9 {
		t.Errorf("deltaE00(kL=2) = %.4f, want half of %.4f for a pure lightness difference", got, plain)
	}
}

func TestHexRoundTrip(t *testing.T) {
	for v := 0; v < 1<<24; v += 997 {
		r, g, b := uint8(v>>16), uint8(v>>8), uint8(v)
		lab := LabFromRGB(r, g, b)
		want := strings.ToLower(colorful.Color{R: float64(r) / 255, G: float64(g) / 255, B: float64(b) / 255}.Hex())
		if got := lab.Hex(); got != want {
			t.Fatalf("LabFromRGB(%d,%d,%d).Hex() = %s, want %s", r, g, b, got, want)
		}
		back, err := LabFromHex(want)
		if err != nil || back != lab {
			t.Fatalf("LabFromHex(%s) = %v, %v; want %v", want, back, err, lab)
		}
	}
}

func TestLabFromHex(t *testing.T) {
	tests := []struct {
		in      string
		want    string // Hex() of the result
		wantErr bool
	}{
		{"#1e90ff", "#1e90ff", false},
		{"1E90FF", "#1e90ff", false},
		{" #1e90Ff ", "#1e90ff", false},
		{"#18f", "#1188ff", false},
		{"#1e90f", "", true},
		{"#1e90fg", "", true},
		{"", "", true},
		{"blue", "", true},
	}
	for _, tc := range tests {
		got, err := LabFromHex(tc.in)
		if (err != nil) != tc.wantErr {
			t.Errorf("LabFromHex(%q) error = %v, wantErr %v", tc.in, err, tc.wantErr)
			continue
		}
		if err == nil && got.Hex() != tc.want {
			t.Errorf("LabFromHex(%q).Hex() = %s, want %s", tc.in, got.Hex(), tc.want)
		}
		if err != nil && !strings.Contains(err.Error(), "#1e90ff") {
			t.Errorf("LabFromHex(%q) error %q gives no example", tc.in, err)
		}
	}
}

func TestLabKnownValues(t *testing.T) {
	tests := []struct {
		hex  string
		want Lab
	}{
		{"#ffffff", Lab{100, 0, 0}},
		{"#000000", Lab{0, 0, 0}},
		{"#ff0000", Lab{53.2408, 80.0925, 67.2032}},
		{"#0000ff", Lab{32.2970, 79.1875, -107.8602}},
		{"#808080", Lab{53.5850, 0, 0}},
	}
	for _, tc := range tests {
		got, err := LabFromHex(tc.hex)
		if err != nil {
			t.Fatal(err)
		}
		if DeltaE00(got, tc.want) > 0.01 || math.Abs(got.L-tc.want.L) > 0.01 {
			t.Errorf("LabFromHex(%s) = %.4f, want %.4f", tc.hex, got, tc.want)
		}
	}
}

func TestHexClampsOutOfGamut(t *testing.T) {
	tests := []struct {
		lab  Lab
		want string
	}{
		{Lab{120, 0, 0}, "#ffffff"},
		{Lab{-5, 0, 0}, "#000000"},
		{Lab{50, 150, 0}, "#ff00"}, // prefix: red clamps to ff, green to 00
	}
	for _, tc := range tests {
		if got := tc.lab.Hex(); !strings.HasPrefix(got, tc.want) || len(got) != 7 {
			t.Errorf("%v.Hex() = %s, want prefix %s", tc.lab, got, tc.want)
		}
	}
}

func TestOKLab(t *testing.T) {
	// Reference values from Björn Ottosson's OKLab post.
	tests := []struct {
		hex  string
		want [3]float64
	}{
		{"#ffffff", [3]float64{1, 0, 0}},
		{"#ff0000", [3]float64{0.6279554, 0.2248631, 0.1258463}},
		{"#00ff00", [3]float64{0.8664396, -0.2338876, 0.1794985}},
		{"#0000ff", [3]float64{0.4520137, -0.0324570, -0.3115281}},
	}
	for _, tc := range tests {
		lab, _ := LabFromHex(tc.hex)
		got := lab.OKLab()
		for i := range got {
			if math.Abs(got[i]-tc.want[i]) > 2e-4 {
				t.Errorf("OKLab(%s) = %.6f, want %.6f", tc.hex, got, tc.want)
				break
			}
		}
	}
}

func TestCubeRootMatchesMathCbrt(t *testing.T) {
	for x := labEpsilon; x < 1.2; x *= 1.0003 {
		if got, want := cubeRoot(x), math.Cbrt(x); math.Abs(got-want) > 1e-13*want {
			t.Fatalf("cubeRoot(%v) = %v, want %v", x, got, want)
		}
	}
}

func BenchmarkDeltaE00(b *testing.B) {
	p, q := Lab{50, 20, -30}, Lab{55, 25, -20}
	sum := 0.0
	for b.Loop() {
		sum += DeltaE00(p, q)
	}
	_ = sum
}

// TestHueTermsMatchTheAngles checks the vector form of ΔH′ and h̄′ against
// the textbook computation from hue angles on random colour pairs, near
// pairs and pairs almost opposite in hue.
func TestHueTermsMatchTheAngles(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 8))
	for i := range 100_000 {
		a1, b1 := rng.Float64()*260-130, rng.Float64()*260-130
		a2, b2 := rng.Float64()*260-130, rng.Float64()*260-130
		switch i % 3 {
		case 1: // a near colour
			a2, b2 = a1+rng.Float64()*2-1, b1+rng.Float64()*2-1
		case 2: // almost the opposite hue
			a2, b2 = -a1*rng.Float64()+rng.Float64()*1e-3, -b1*rng.Float64()
		}
		c1, c2 := math.Hypot(a1, b1), math.Hypot(a2, b2)
		dH, hMean, cosH, sinH := hueTerms(a1, b1, c1, a2, b2, c2)
		if hMean < 0 { // left to the caller
			hMean = hueDegrees(sinH, cosH)
		}
		wantDH, wantMean := hueTermsByAngle(a1, b1, a2, b2, c1*c2)
		meanGap := math.Abs(hMean - wantMean)
		meanGap = math.Min(meanGap, 360-meanGap)
		if math.Abs(dH-wantDH) > 1e-9*(1+c1+c2) || meanGap > 1e-6 ||
			math.Abs(cosH-math.Cos(wantMean*math.Pi/180)) > 1e-8 || math.Abs(sinH-math.Sin(wantMean*math.Pi/180)) > 1e-8 {
			t.Fatalf("(%g, %g) and (%g, %g): ΔH′ %g, h̄′ %g; the angles give %g, %g", a1, b1, a2, b2, dH, hMean, wantDH, wantMean)
		}
	}
}
