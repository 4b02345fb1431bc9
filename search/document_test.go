package search

import (
	"slices"
	"testing"

	"github.com/warna/warna/catalog"
)

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
		})
	}
}
