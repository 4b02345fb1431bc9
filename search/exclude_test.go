package search

import (
	"net/url"
	"slices"
	"testing"
)

// TestExcludingFamiliesIsTheScorersRule: the families stored for a backend
// to leave out before scoring (ExcludingFamilies) are exactly those whose
// "not" makes the scorer drop the product, at the threshold and either
// side of it.
func TestExcludingFamiliesIsTheScorersRule(t *testing.T) {
	for _, share := range []float64{0, 0.05, 0.0999, 0.10, 0.1001, 0.5, 1} {
		d := &Document{ID: 1, Title: "dress", Families: []string{"red"},
			FamilyShare: map[string]float64{"red": 1 - share, "black": share}}
		if share == 0 {
			delete(d.FamilyShare, "black")
		}
		q, err := ParseQuery(url.Values{"q": {"dress not black"}}, "IDR")
		if err != nil {
			t.Fatal(err)
		}
		_, matches := Rank(q, []*Document{d}, 0, 10)
		stored := slices.Contains(ExcludingFamilies(d), "black")
		if dropped := len(matches) == 0; stored != dropped {
			t.Errorf("black %.4f: excluding_families has black = %v, the scorer drops it = %v", share, stored, dropped)
		}
	}
}
