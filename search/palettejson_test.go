package search

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/warna/warna/imaging/colour"
	"github.com/warna/warna/imaging/palette"
)

// paletteSamples are stored palettes as the image job writes them (from
// imaging's own encoder, with named swatches and memberships), an older
// version's shape, and inputs the scanner must leave to encoding/json.
func paletteSamples(t testing.TB) []string {
	rng := rand.New(rand.NewPCG(1, 2))
	var out []string
	for range 200 {
		p := palette.Palette{Engine: "warna", Version: 3, BgUncertain: rng.IntN(5) == 0}
		for range rng.IntN(7) {
			lab := colour.Lab{L: rng.Float64() * 100, A: rng.Float64()*160 - 80, B: rng.Float64()*160 - 80}
			family, _, name := colour.Name(lab)
			p.Swatches = append(p.Swatches, palette.Swatch{Hex: lab.Hex(), Lab: [3]float64{lab.L, lab.A, lab.B},
				Share: rng.Float64(), Family: family, FamilyP: colour.FamilyMembership(lab), Name: name})
		}
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, string(b))
	}
	return append(out,
		`{"engine":"prominent","version":1,"swatches":[{"hex":"#cc1f1f","lab":[43.2,62.1,44.9],"share":0.7,"family":"red","family_p":0.93,"name":"red"}]}`,
		`{"swatches":[]}`, `{}`, ` { "swatches" : [ { "share" : 1e-3 , "lab" : [ -0 , 1.5E+2 , 3 ] } ] } `,
		`{"Swatches":[{"hex":"#ffffff"}]}`, `{"swatches":[{"HEX":"#ffffff"}]}`, `{"swatches":null}`, `{"swatches":[{"hex":null}]}`,
		`{"swatches":[{"name":"caf\u00e9"}]}`, `{"swatches":[{"name":"café"}]}`, `{"swatches":[{"name":"a\"b"}]}`,
		`{"swatches":[{"lab":[1,2]}]}`, `{"swatches":[{"lab":[1,2,3,4]}]}`, `{"swatches":[{"share":"0.5"}]}`,
		`{"swatches":[{"share":01}]}`, `{"swatches":[{"share":1.}]}`, `{"swatches":[{"share":.5}]}`, `{"swatches":[{"share":-}]}`,
		`{"swatches":[{"family_p":{"red":0.5,"pink":0.5}}]}`, `{"swatches":[{"x":[true,false,null,{"y":"z"}]}]}`,
		`{"swatches":[{"hex":"#000000"}],"swatches":[{"hex":"#ffffff"}]}`, `{"swatches":[{"hex":"#000000"},]}`,
		`{"swatches":[{"hex":"#000000"}]} x`, `[]`, `null`, ``, `{`, `{"swatches":[{"hex":"#00`, `{"a":tru}`,
		"{\"swatches\":[{\"name\":\"\x01\"}]}", "{\"swatches\":[{\"name\":\"\xff\"}]}", `{"swatches":[{"share":1e400}]}`,
	)
}

// TestParsePaletteMatchesEncodingJSON: the fast scanner gives exactly what
// json.Unmarshal gives, value and error alike.
func TestParsePaletteMatchesEncodingJSON(t *testing.T) {
	for _, raw := range paletteSamples(t) {
		checkParsePalette(t, raw)
	}
}

func FuzzParsePalette(f *testing.F) {
	for _, raw := range paletteSamples(f) {
		f.Add(raw)
	}
	f.Fuzz(checkParsePalette)
}

func checkParsePalette(t *testing.T, raw string) {
	t.Helper()
	var want paletteJSON
	wantErr := json.Unmarshal([]byte(raw), &want)
	got, err := parsePalette(raw)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("%q: error %v, encoding/json says %v", raw, err, wantErr)
	}
	if err == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("%q:\n got %+v\nwant %+v", raw, got, want)
	}
}

// TestParseThumbsMatchesEncodingJSON: likewise for thumbnail lists.
func TestParseThumbsMatchesEncodingJSON(t *testing.T) {
	for _, raw := range thumbSamples {
		checkParseThumbs(t, raw)
	}
}

var thumbSamples = []string{
	`[{"size":160,"width":160,"height":120,"key":"thumbs/ab-160.jpg"},{"size":400,"width":400,"height":300,"key":"thumbs/ab-400.jpg"}]`,
	`[]`, ` [ ] `, `null`, ``, `[{}]`, `[{"size":-1}]`, `[{"size":1.5}]`, `[{"size":1e2}]`, `[{"size":01}]`, `[{"size":"160"}]`,
	`[{"size":99999999999999999999}]`, `[{"SIZE":160}]`, `[{"key":"a\u00e9"}]`, `[{"key":"é"}]`, `[{"key":null}]`, `[{"key":"x"},]`,
	`[{"size":160,"key":"a"}] x`, `{"size":160}`, `[{"size":160,"key":"a","size":400}]`,
}

func FuzzParseThumbs(f *testing.F) {
	for _, raw := range thumbSamples {
		f.Add(raw)
	}
	f.Fuzz(checkParseThumbs)
}

func checkParseThumbs(t *testing.T, raw string) {
	t.Helper()
	var want []thumbJSON
	wantErr := json.Unmarshal([]byte(raw), &want)
	got, err := parseThumbs(raw)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("%q: error %v, encoding/json says %v", raw, err, wantErr)
	}
	if err == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("%q:\n got %#v\nwant %#v", raw, got, want)
	}
}
