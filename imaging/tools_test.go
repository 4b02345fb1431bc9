package imaging

import (
	"bytes"
	"fmt"
	"image"
	"image/draw"
	"math"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/warna/warna/imaging/colour"
)

// run runs a tool and returns its standard output, failing the test with
// its standard error when it fails.
func run(t *testing.T, name string, args ...string) []byte {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	return stdout.Bytes()
}

// readNetpbm decodes the binary Netpbm files the reference tools write: PGM
// (P5), PPM (P6) and PAM (P7: grey, grey with alpha, RGB, RGB with alpha),
// 8-bit. The result is an *image.NRGBA.
func readNetpbm(data []byte) (*image.NRGBA, error) {
	magic, fields, rest, err := netpbmHeader(data)
	if err != nil {
		return nil, err
	}
	w, h, depth := fields["WIDTH"], fields["HEIGHT"], fields["DEPTH"]
	if fields["MAXVAL"] != 255 {
		return nil, fmt.Errorf("%s with maxval %d, want 255", magic, fields["MAXVAL"])
	}
	if depth < 1 || depth > 4 || len(rest) < w*h*depth {
		return nil, fmt.Errorf("%s of %d×%d×%d with %d bytes of samples", magic, w, h, depth, len(rest))
	}
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range w * h {
		s := rest[i*depth : (i+1)*depth]
		p := img.Pix[4*i : 4*i+4]
		switch depth {
		case 1:
			p[0], p[1], p[2], p[3] = s[0], s[0], s[0], 255
		case 2:
			p[0], p[1], p[2], p[3] = s[0], s[0], s[0], s[1]
		case 3:
			p[0], p[1], p[2], p[3] = s[0], s[1], s[2], 255
		default:
			copy(p, s)
		}
	}
	return img, nil
}

// netpbmHeader reads the header fields of a P5, P6 or P7 file into the
// names PAM uses, and returns the samples after it.
func netpbmHeader(data []byte) (string, map[string]int, []byte, error) {
	if len(data) < 3 {
		return "", nil, nil, fmt.Errorf("netpbm file of %d bytes", len(data))
	}
	magic := string(data[:2])
	fields := map[string]int{}
	switch magic {
	case "P7":
		end := bytes.Index(data, []byte("ENDHDR\n"))
		if end < 0 {
			return "", nil, nil, fmt.Errorf("PAM without ENDHDR")
		}
		for _, line := range strings.Split(string(data[3:end]), "\n") {
			if f := strings.Fields(line); len(f) == 2 && f[0] != "TUPLTYPE" {
				n, err := strconv.Atoi(f[1])
				if err != nil {
					return "", nil, nil, fmt.Errorf("PAM header %q", line)
				}
				fields[f[0]] = n
			}
		}
		return magic, fields, data[end+len("ENDHDR\n"):], nil
	case "P5", "P6":
		var nums []int
		pos := 2
		for len(nums) < 3 {
			for pos < len(data) && strings.ContainsRune(" \t\r\n", rune(data[pos])) {
				pos++
			}
			if pos < len(data) && data[pos] == '#' {
				for pos < len(data) && data[pos] != '\n' {
					pos++
				}
				continue
			}
			start := pos
			for pos < len(data) && data[pos] >= '0' && data[pos] <= '9' {
				pos++
			}
			n, err := strconv.Atoi(string(data[start:pos]))
			if err != nil {
				return "", nil, nil, fmt.Errorf("%s header: %v", magic, err)
			}
			nums = append(nums, n)
		}
		fields["WIDTH"], fields["HEIGHT"], fields["MAXVAL"] = nums[0], nums[1], nums[2]
		fields["DEPTH"] = 3
		if magic == "P5" {
			fields["DEPTH"] = 1
		}
		return magic, fields, data[pos+1:], nil
	}
	return "", nil, nil, fmt.Errorf("not a binary netpbm file (%q)", magic)
}

// onWhite returns img as opaque RGBA at the origin, transparency flattened
// onto white as the thumbnails are.
func onWhite(img image.Image) *image.RGBA {
	b := img.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	if opaque, ok := img.(interface{ Opaque() bool }); ok && opaque.Opaque() {
		draw.Draw(out, out.Rect, img, b.Min, draw.Src) // draw's fast paths
		return out
	}
	draw.Draw(out, out.Rect, image.White, image.Point{}, draw.Src)
	draw.Draw(out, out.Rect, img, b.Min, draw.Over)
	return out
}

// gridCells is the side of the grid over which pictures are compared.
const gridCells = 24

// gridDeltaE compares two pictures of the same size cell by cell over a
// 24 × 24 grid, each cell's colour the mean of its pixels in linear light,
// and returns the mean and the largest CIE76 ΔE.
func gridDeltaE(a, b *image.RGBA) (mean, worst float64) {
	la, lb := gridLab(a), gridLab(b)
	for i := range la {
		d := math.Sqrt(colour.DeltaE76Sq(la[i], lb[i]))
		mean += d
		worst = max(worst, d)
	}
	return mean / float64(len(la)), worst
}

func gridLab(m *image.RGBA) []colour.Lab {
	var linear [256]float64
	for i := range linear {
		linear[i] = colour.LinearFromSRGB(float64(i) / 255)
	}
	w, h := m.Rect.Dx(), m.Rect.Dy()
	out := make([]colour.Lab, 0, gridCells*gridCells)
	for gy := range gridCells {
		for gx := range gridCells {
			x0, y0 := gx*w/gridCells, gy*h/gridCells
			x1, y1 := max((gx+1)*w/gridCells, x0+1), max((gy+1)*h/gridCells, y0+1)
			var sum [3]float64
			for y := y0; y < y1; y++ {
				for x := x0; x < x1; x++ {
					p := m.Pix[m.PixOffset(x, y):]
					for c := range 3 {
						sum[c] += linear[p[c]]
					}
				}
			}
			n := float64((x1 - x0) * (y1 - y0))
			out = append(out, colour.LabFromLinear(sum[0]/n, sum[1]/n, sum[2]/n))
		}
	}
	return out
}
