package colour

import "testing"

// TestSwatchesBelongToTheirFamily: each family's display colour is named as
// that family by the same classifier that names product colours, so a chip
// never shows a colour the search would file elsewhere.
func TestSwatchesBelongToTheirFamily(t *testing.T) {
	for _, f := range Families {
		hex := f.Swatch()
		if hex == "" {
			t.Errorf("family %s has no swatch", f)
			continue
		}
		lab, err := LabFromHex(hex)
		if err != nil {
			t.Fatalf("swatch of %s: %v", f, err)
		}
		if got, _, name := Name(lab); got != f {
			t.Errorf("swatch %s of %s is named %s (%q)", hex, f, got, name)
		}
	}
	if Multicolour.Swatch() != "" || Family("plaid").Swatch() != "" {
		t.Error("a swatch for something that is not one family")
	}
}
