package search

import (
	"maps"
	"slices"
	"testing"

	"github.com/warna/warna/catalog"
)

// withPalette gives a product one ready photo with this palette JSON.
func withPalette(p catalog.Product, palette string) catalog.Product {
	p.Images = []catalog.Image{{ID: 1, Status: catalog.ImageReady, Palette: palette}}
	return p
}

func TestDocumentFamilies(t *testing.T) {
	override := `["red"]`
	for _, tc := range []struct {
		name string
		p    catalog.Product
		want []string
	}{{
		name: "derived shares and a dominant family under the threshold",
		p:    catalog.Product{ColorFamilies: `{"blue":0.18,"green":0.16,"red":0.10}`, DominantFamily: "blue"},
		want: []string{"blue", "green"},
	}, {
		name: "a dominant family under the threshold still answers",
		p:    catalog.Product{ColorFamilies: `{"blue":0.14,"green":0.12}`, DominantFamily: "blue"},
		want: []string{"blue"},
	}, {
		name: "the merchant's override replaces the photos' families",
		p:    catalog.Product{ColorFamilies: `{"blue":0.9,"white":0.1}`, DominantFamily: "blue", FamilyOverride: &override},
		want: []string{"red"},
	}, {
		// an ivory swatch is partly white and partly beige; a grey-blue
		// backdrop remnant is 40 % gray, 60 % blue
		name: "soft membership from the palette",
		p: withPalette(catalog.Product{ColorFamilies: `{"white":0.8,"blue":0.2}`}, `{"swatches":[
			{"hex":"#f3ecd9","lab":[93.5,0.5,9],"share":0.8,"family":"white","family_p":{"white":0.6,"beige":0.4}},
			{"hex":"#8a94a3","lab":[61,-1,-8],"share":0.2,"family":"blue","family_p":{"blue":0.6,"gray":0.4}}]}`),
		want: []string{"beige", "white"},
	}, {
		name: "palettes stored before family_p belong wholly to their family",
		p: withPalette(catalog.Product{}, `{"swatches":[
			{"hex":"#cc1f1f","lab":[45,64,45],"share":0.7,"family":"red","family_p":0.93},
			{"hex":"#1e90ff","lab":[59,10,-63],"share":0.3,"family":"blue"}]}`),
		want: []string{"blue", "red"},
	}, {
		name: "multicolour is a flag, not a family",
		p: catalog.Product{ColorFamilies: `{"blue":0.3,"red":0.3,"yellow":0.2,"green":0.2}`,
			DominantFamily: "multicolour", Multicolour: true},
		want: []string{"blue", "green", "red", "yellow"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := BuildDocument(tc.p)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(d.Families, tc.want) {
				t.Errorf("families %v, want %v", d.Families, tc.want)
			}
			if tc.name == "soft membership from the palette" {
				want := map[string]float64{"white": 0.48, "beige": 0.32, "blue": 0.12, "gray": 0.08}
				if !maps.Equal(d.FamilyShare, want) {
					t.Errorf("family shares %v, want %v", d.FamilyShare, want)
				}
			}
		})
	}
}
