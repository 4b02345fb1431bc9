package main

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writePhoto writes a w×h PNG: a square of c on white.
func writePhoto(t *testing.T, path string, w, h int, c color.RGBA) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			if x > w/4 && x < 3*w/4 && y > h/4 && y < 3*h/4 {
				img.Set(x, y, c)
			} else {
				img.Set(x, y, color.White)
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestColorsCommand(t *testing.T) {
	dir := t.TempDir()
	photo := filepath.Join(dir, "red.png")
	writePhoto(t, photo, 300, 200, color.RGBA{200, 20, 30, 255})
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"colors", photo, "#1e90ff", "burgundy", "merah", "biru tua", "tosca", "abu-abu", "not-a-colour"}, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "1 of 8") {
		t.Errorf("colors with a bad argument: %v, want an error counting it", err)
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if len(lines) != 8 {
		t.Fatalf("got %d lines, want 8:\n%s", len(lines), stdout.String())
	}
	var img struct {
		Input   string
		Palette []struct {
			Hex     string
			Share   float64
			Family  string
			FamilyP map[string]float64 `json:"family_p"`
			Name    string
		}
		Families map[string]float64
		Dominant string
	}
	if err := json.Unmarshal([]byte(lines[0]), &img); err != nil {
		t.Fatal(err)
	}
	sum := 0.0
	for _, s := range img.Palette {
		sum += s.Share
	}
	if img.Input != photo || len(img.Palette) == 0 || img.Palette[0].Family != "red" || img.Palette[0].Name == "" ||
		!strings.HasPrefix(img.Palette[0].Hex, "#") || img.Dominant != "red" || img.Families["red"] < 0.9 || sum < 0.999 || sum > 1.001 {
		t.Errorf("image line = %+v, want a red palette summing to 1", img)
	}
	if p := img.Palette[0].FamilyP; p["red"] < 0.5 || membershipSum(p) != 1 {
		t.Errorf("first swatch family_p = %v, want mostly red, summing to 1", p)
	}
	want := []struct{ input, kind, term, family, hex string }{
		{"#1e90ff", "hex", "#1e90ff", "blue", "#1e90ff"},
		{"burgundy", "name", "burgundy", "red", ""},
		{"merah", "family", "merah", "red", "#d62d2d"},
		{"biru tua", "name", "biru tua", "blue", ""},
		{"tosca", "name", "tosca", "teal", ""},
		{"abu-abu", "family", "abu abu", "gray", "#8c8c8c"},
	}
	for i, w := range want {
		var got map[string]any
		if err := json.Unmarshal([]byte(lines[i+1]), &got); err != nil {
			t.Fatal(err)
		}
		if got["input"] != w.input || got["kind"] != w.kind || got["term"] != w.term || got["family"] != w.family ||
			(w.hex != "" && got["hex"] != w.hex) || got["name"] == "" || (w.kind == "name") != (got["tolerance"] != nil) {
			t.Errorf("line %d = %v, want %+v", i+2, got, w)
		}
		if p, ok := got["family_p"].(map[string]any); !ok || p[w.family] == nil {
			t.Errorf("line %d family_p = %v, want an object of family shares including %s", i+2, got["family_p"], w.family)
		}
	}
	var bad map[string]any
	if err := json.Unmarshal([]byte(lines[7]), &bad); err != nil || bad["input"] != "not-a-colour" || bad["error"] == nil {
		t.Errorf("bad line = %s, want input and error", lines[7])
	}
	if err := run(context.Background(), []string{"colors", "navy blue"}, &stdout, &stderr); err != nil {
		t.Errorf("colors of a good colour: %v", err)
	}
}

// membershipSum adds up family shares, rounded to the 3 decimals they are
// written with.
func membershipSum(p map[string]float64) float64 {
	sum := 0.0
	for _, v := range p {
		sum += v
	}
	return math.Round(sum*1000) / 1000
}

func TestThumbsCommand(t *testing.T) {
	dir := t.TempDir()
	var files []string
	for i, c := range []color.RGBA{{200, 20, 30, 255}, {20, 160, 40, 255}, {30, 60, 200, 255}} {
		path := filepath.Join(dir, string(rune('a'+i))+".png")
		writePhoto(t, path, 1000, 750, c)
		files = append(files, path)
	}
	out := filepath.Join(dir, "out")
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), append([]string{"thumbs", "--out", out, "--webp"}, files...), &stdout, &stderr); err != nil {
		t.Fatalf("thumbs: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "processing photos") {
		t.Errorf("no progress bar on stderr: %q", stderr.String())
	}
	for _, name := range []string{"a", "b", "c"} {
		for _, size := range []struct {
			file string
			w, h int
		}{{"-160.jpg", 160, 120}, {"-400.jpg", 400, 300}, {"-800.jpg", 800, 600}} {
			f, err := os.Open(filepath.Join(out, name+size.file))
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := jpeg.DecodeConfig(f)
			f.Close()
			if err != nil || cfg.Width != size.w || cfg.Height != size.h {
				t.Errorf("%s%s: %dx%d (%v), want %dx%d", name, size.file, cfg.Width, cfg.Height, err, size.w, size.h)
			}
			webp, err := os.ReadFile(filepath.Join(out, name+strings.TrimSuffix(size.file, ".jpg")+".webp"))
			if err != nil || len(webp) < 12 || string(webp[8:12]) != "WEBP" {
				t.Errorf("%s WebP variant of %s missing or not WebP: %v", name, size.file, err)
			}
		}
		var pal struct {
			Engine   string
			Swatches []struct{ Family string }
		}
		data, err := os.ReadFile(filepath.Join(out, name+".palette.json"))
		if err != nil || json.Unmarshal(data, &pal) != nil || pal.Engine == "" || len(pal.Swatches) == 0 {
			t.Errorf("%s.palette.json: %v %s", name, err, data)
		}
	}
	if got := strings.Count(stdout.String(), "\n"); got != 3 {
		t.Errorf("stdout lines = %d, want one per file", got)
	}
	// A file that is not an image fails, the others still land.
	junk := filepath.Join(dir, "junk.png")
	_ = os.WriteFile(junk, []byte("hello"), 0o600)
	stdout.Reset()
	err := run(context.Background(), []string{"thumbs", "--out", out, files[0], junk}, &stdout, &stderr)
	if err == nil || !strings.Contains(stdout.String(), `"error"`) {
		t.Errorf("thumbs with a junk file: %v\n%s", err, stdout.String())
	}
}

func TestReprocessCommand(t *testing.T) {
	settings, _ := commandSettings(t, t.TempDir())
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), append([]string{"reprocess", "--all"}, settings...), &stdout, &stderr); err != nil {
		t.Fatalf("reprocess: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), "0 image(s) queued") {
		t.Errorf("reprocess of an empty catalogue: %q", stdout.String())
	}
}
