package colour

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestParseColor(t *testing.T) {
	tests := []struct {
		in      string
		want    string // hex
		wantErr bool
	}{
		{"#1e90ff", "#1e90ff", false},
		{"1e90ff", "#1e90ff", false},
		{"Burgundy", "#7c1c34", false}, // a seller's word: the colour shops mean
		{"plum", "#580f41", false},     // a survey name
		{"off-white", "#ffffe4", false},
		{"off white", "#ffffe4", false},
		{"Navy Blue", "#1f2a48", false},
		{"navy", "#1f2a48", false},
		{"  gray ", "#8c8c8c", false}, // a family word: the family's display colour
		{"grey", "#8c8c8c", false},
		{"light gray", "#d8dcd6", false},
		{"red", "#d62d2d", false},
		{"Merah", "#d62d2d", false},
		{"abu-abu", "#8c8c8c", false},
		{"biru tua", "#1a3a7a", false},
		{"robin’s egg", "#6dedfd", false},
		{"blurple-ish", "", true},
		{"", "", true},
		{"multicolour", "", true},
		{"#12345", "", true},
	}
	for _, tc := range tests {
		got, err := ParseColor(tc.in)
		if (err != nil) != tc.wantErr {
			t.Errorf("ParseColor(%q) error = %v, wantErr %v", tc.in, err, tc.wantErr)
			continue
		}
		if err != nil {
			if !strings.Contains(err.Error(), "#1e90ff") {
				t.Errorf("ParseColor(%q) error %q gives no example", tc.in, err)
			}
			if !strings.HasPrefix(tc.in, "#") && !errors.Is(err, ErrUnknownColour) {
				t.Errorf("ParseColor(%q) error %v does not wrap ErrUnknownColour", tc.in, err)
			}
			continue
		}
		if got.Hex() != tc.want {
			t.Errorf("ParseColor(%q) = %s, want %s", tc.in, got.Hex(), tc.want)
		}
	}
}

func TestColorWords(t *testing.T) {
	tests := []struct {
		text      string
		wantNames []string
		wantRest  string
	}{
		{"burgundy midi dress", []string{"burgundy"}, "midi dress"},
		{"off white linen shirt", []string{"off white"}, "linen shirt"},
		{"Off-White linen shirt", []string{"off white"}, "linen shirt"},
		{"navy blue chinos", []string{"navy"}, "chinos"},
		{"navy chinos", []string{"navy"}, "chinos"},
		{"blue jeans", []string{"blue"}, "jeans"},
		{"light blue jeans", []string{"light blue"}, "jeans"},
		{"orange scarf", []string{"orange"}, "scarf"},
		{"rose and mint blouse", []string{"rose", "mint"}, "and blouse"},
		{"burgundy/navy striped tee", []string{"burgundy", "navy"}, "striped tee"},
		{"burgundy red dress", []string{"burgundy"}, "dress"},
		{"leather jacket", nil, "leather jacket"},
		{"denim jacket", nil, "denim jacket"},
		{"light jacket", nil, "light jacket"},
		{"dark wash jeans", nil, "dark wash jeans"},
		{"red wine glass", nil, "red wine glass"},
		{"olive oil dispenser in olive", []string{"olive"}, "olive oil dispenser in"},
		{"sky blue cap", []string{"sky blue"}, "cap"},
		{"wine velvet blazer", []string{"wine"}, "velvet blazer"},
		{"coffee mug #1e90ff", []string{"coffee", "#1e90ff"}, "mug"},
		{"grey hoodie", []string{"grey"}, "hoodie"},
		{"", nil, ""},
	}
	for _, tc := range tests {
		colours, names, rest := ColorWords(tc.text)
		if !slices.Equal(names, tc.wantNames) || rest != tc.wantRest {
			t.Errorf("ColorWords(%q) = %q, rest %q; want %q, rest %q", tc.text, names, rest, tc.wantNames, tc.wantRest)
		}
		if len(colours) != len(names) {
			t.Errorf("ColorWords(%q): %d colours for %d names", tc.text, len(colours), len(names))
		}
		for i, name := range names {
			want, err := ParseColor(name)
			if err != nil || DeltaE00(want, colours[i]) > 1e-9 {
				t.Errorf("ColorWords(%q) colour %d = %v, want ParseColor(%q) = %v", tc.text, i, colours[i], name, want)
			}
		}
	}
}

func BenchmarkName(b *testing.B) {
	lab := Lab{45, 30, -20}
	for b.Loop() {
		Name(lab)
	}
}
