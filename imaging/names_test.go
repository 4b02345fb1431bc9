package imaging

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
)

// TestNamingLeaveOneOut names every survey colour whose head noun has a
// family by all the others (neutral gate, then the vote without itself) and
// compares with the family of its head noun.
func TestNamingLeaveOneOut(t *testing.T) {
	names := surveyNames()
	total, correct := 0, 0
	confusion := map[string]int{}
	for i, p := range names.prototypes {
		if p.family == "" {
			continue
		}
		m, _ := names.classify(p.lab, i)
		got := Families[argmaxFamily(m)]
		total++
		if got == p.family {
			correct++
		} else {
			confusion[fmt.Sprintf("%s→%s", p.family, got)]++
		}
	}
	accuracy := float64(correct) / float64(total)
	t.Logf("leave-one-out family accuracy over %d of %d survey colours: %.3f", total, len(names.prototypes), accuracy)
	t.Logf("most common confusions (truth→named): %s", topCounts(confusion, 8))
	if accuracy < 0.85 {
		t.Errorf("leave-one-out accuracy = %.3f, want ≥ 0.85", accuracy)
	}
	if total < 900 {
		t.Errorf("only %d survey colours have a family, want ≥ 900 (is headFamilies missing nouns?)", total)
	}
}

func topCounts(counts map[string]int, n int) string {
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if counts[a] != counts[b] {
			return counts[b] - counts[a]
		}
		return strings.Compare(a, b)
	})
	var parts []string
	for _, k := range keys[:min(n, len(keys))] {
		parts = append(parts, fmt.Sprintf("%s %d", k, counts[k]))
	}
	return strings.Join(parts, ", ")
}

// TestClassifyMatchesBruteForce checks that walking the survey outwards in
// lightness and pruning finds exactly what a full scan finds.
func TestClassifyMatchesBruteForce(t *testing.T) {
	names := surveyNames()
	for i := 0; i < 1<<24; i += 12289 {
		c := LabFromRGB(uint8(i>>16), uint8(i>>8), uint8(i))
		m, nearest := names.classify(c, -1)
		var all []neighbour
		for j, proto := range names.prototypes {
			all = append(all, neighbour{j, DeltaE00(c, proto.lab)})
		}
		slices.SortFunc(all, func(a, b neighbour) int {
			if a.closer(b) {
				return -1
			}
			return 1
		})
		var voters []neighbour
		for _, nb := range all {
			if names.prototypes[nb.index].isVoter() && len(voters) < familyNeighbours {
				voters = append(voters, nb)
			}
		}
		var want [13]float64
		neutral := neutralDegree(c)
		addNeutral(&want, c, neutral)
		if neutral < 1 {
			for k, v := range names.vote(c, voters) {
				want[k] += (1 - neutral) * v
			}
		}
		if nearest != all[0].index || m != want {
			t.Fatalf("classify(%v) = %v %q, full scan %v %q", c, m, names.prototypes[nearest].name, want, names.prototypes[all[0].index].name)
		}
	}
}

func TestHeadFamily(t *testing.T) {
	tests := []struct {
		name string
		want Family
	}{
		{"navy blue", Blue},
		{"burgundy", Red},
		{"off white", White},
		{"light grey", Gray},
		{"blue/green", Teal},
		{"dark green blue", Teal},
		{"yellow/green", Green},
		{"robin's egg blue", Blue},
		{"dark", ""},
	}
	for _, tc := range tests {
		if got := headFamily(tc.name); got != tc.want {
			t.Errorf("headFamily(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
}

// exemplarColours are typical product colours, one row per family, with the
// family a shopper would file them under: saturated, dark, light and muted
// ones. The synthetic evaluation draws its truth from here, so Name must
// agree on every one.
var exemplarColours = map[Family][]string{
	Black:  {"#0d0d0d", "#141414", "#1b1b1d", "#101418", "#2a2a2c"},
	White:  {"#ffffff", "#f7f7f7", "#f3f3f0", "#fafaf7", "#f8f4ec", "#f4f6f8"},
	Gray:   {"#808080", "#9a9a9a", "#5e5e60", "#b9b9b9", "#45484a", "#74777a", "#c4c4c0"},
	Red:    {"#c8102e", "#e32636", "#b22222", "#8b0000", "#800020", "#d0312d", "#a23b3b", "#5e1010", "#e05a4f"},
	Orange: {"#ff7f00", "#f28c28", "#e66a1f", "#ff8c42", "#d9611e", "#f0a56b", "#c9662c"},
	Yellow: {"#ffd700", "#f4e04d", "#ffeb3b", "#e8c31a", "#fada5e", "#c8a82a"},
	Green:  {"#228b22", "#4caf50", "#556b2f", "#2e7d32", "#6b8e23", "#32cd32", "#1f4d2b", "#8fbc8f", "#9acd32", "#6b7f4a"},
	Teal:   {"#008080", "#00827f", "#009688", "#20b2aa", "#00a3a3", "#0f5e5e", "#2f6f73"},
	Blue:   {"#1e90ff", "#0047ab", "#1f3a93", "#000080", "#4169e1", "#6ca0dc", "#15254d", "#a9c4e8", "#4a6a8a"},
	Purple: {"#800080", "#663399", "#9370db", "#5b2c83", "#b57edc", "#3d1f5c", "#c8a2d8", "#6d4c7d"},
	Pink:   {"#ff69b4", "#ffc0cb", "#e75480", "#f4a6c1", "#ff1493", "#f8bbd0", "#b5657a"},
	Brown:  {"#8b4513", "#654321", "#a0522d", "#7b3f00", "#5c4033", "#3e2414", "#9c6b43", "#6f4e37"},
	Beige:  {"#d8c3a5", "#e1c699", "#d2b48c", "#c8b08a", "#e8d8b8", "#efe2c8", "#cdb891"},
}

func TestNameExemplars(t *testing.T) {
	for _, family := range Families {
		for _, hex := range exemplarColours[family] {
			lab, err := LabFromHex(hex)
			if err != nil {
				t.Fatal(err)
			}
			got, p, name := Name(lab)
			if got != family || p < 0.55 {
				t.Errorf("Name(%s) = %s (p %.2f, %q), want %s with p ≥ 0.55", hex, got, p, name, family)
			}
		}
	}
}

func TestName(t *testing.T) {
	tests := []struct {
		hex        string
		wantFamily Family
		wantName   string
	}{
		{"#000000", Black, "black"},
		{"#ffffff", White, "white"},
		{"#929591", Gray, "grey"},
		{"#e50000", Red, "red"},
		{"#01153e", Blue, "navy"},
		{"#6e1005", Brown, "reddy brown"},
		{"#029386", Teal, "teal"},
		{"#e6daa6", Beige, "beige"},
		{"#653700", Brown, "brown"},
		{"#ff81c0", Pink, "pink"},
	}
	for _, tc := range tests {
		lab, _ := LabFromHex(tc.hex)
		family, p, name := Name(lab)
		if family != tc.wantFamily || name != tc.wantName {
			t.Errorf("Name(%s) = %s, %.2f, %q; want %s, %q", tc.hex, family, p, name, tc.wantFamily, tc.wantName)
		}
		if p < 0.5 || p > 1 || math.IsNaN(p) {
			t.Errorf("Name(%s) family_p = %v, want in [0.5, 1] for a clear colour", tc.hex, p)
		}
	}
}

func TestNeutralGate(t *testing.T) {
	tests := []struct {
		lab  Lab
		want Family // "" = not neutral
	}{
		{Lab{5, 0, 0}, Black},
		{Lab{10, 3, -8}, Black}, // very dark: more chroma allowed
		{Lab{50, 1, 1}, Gray},
		{Lab{95, 0, 2}, White},
		{Lab{93, 1, 9}, White}, // an off-white: light tints are still white
		{Lab{50, 14, 0}, ""},
		{Lab{15, 5, -30}, ""},  // navy
		{Lab{94, 2, 24}, ""},   // cream
		{Lab{60, -4, -11}, ""}, // a dusty blue, not gray
	}
	for _, tc := range tests {
		m := FamilyMembership(tc.lab)
		family, p, _ := Name(tc.lab)
		neutral := m[Black] + m[White] + m[Gray]
		switch {
		case tc.want == "" && (neutral >= 0.5 || family == Black || family == White || family == Gray):
			t.Errorf("%v: membership %v, family %s; want mostly chromatic", tc.lab, m, family)
		case tc.want != "" && (family != tc.want || p < 0.5):
			t.Errorf("%v: family %s (p %.3f, membership %v), want %s with p ≥ 0.5", tc.lab, family, p, m, tc.want)
		}
	}
}

// TestFamilyMembership checks the soft membership's shape: shares of at
// least minMembership, 3 decimals, summing to exactly 1, the hard family the
// largest; and that ambiguous colours really are shared.
func TestFamilyMembership(t *testing.T) {
	for i := 0; i < 1<<24; i += 40961 {
		c := LabFromRGB(uint8(i>>16), uint8(i>>8), uint8(i))
		m := FamilyMembership(c)
		family, p, _ := Name(c)
		units := 0
		for f, share := range m {
			units += int(math.Round(share * 1000))
			if share < minMembership-1e-9 || math.Abs(share*1000-math.Round(share*1000)) > 1e-6 || share > m[family] {
				t.Fatalf("%s: membership %v (family %s) has share %v for %s", c.Hex(), m, family, share, f)
			}
		}
		if units != 1000 || m[family] != p {
			t.Fatalf("%s: membership %v sums to %d/1000 or misses family %s p %v", c.Hex(), m, units, family, p)
		}
	}
	tests := []struct {
		lab  Lab
		want []Family // families that must each hold ≥ 0.2
	}{
		{Lab{91.6, 0.7, 11.6}, []Family{White, Beige}}, // "Ancient Ivory" #f1e6d1
		{Lab{60, -1, -6.5}, []Family{Blue, Gray}},      // a greyish blue
		{Lab{24, 0.5, -1.5}, []Family{Black, Gray}},    // charcoal
		{Lab{45, 58, 42}, []Family{Red}},
	}
	for _, tc := range tests {
		m := FamilyMembership(tc.lab)
		for _, f := range tc.want {
			if m[f] < 0.2 {
				t.Errorf("FamilyMembership(%v %s) = %v, want %s ≥ 0.2", tc.lab, tc.lab.Hex(), m, f)
			}
		}
	}
}

func TestParseColor(t *testing.T) {
	tests := []struct {
		in      string
		want    string // hex
		wantErr bool
	}{
		{"#1e90ff", "#1e90ff", false},
		{"1e90ff", "#1e90ff", false},
		{"Burgundy", "#610023", false},
		{"off-white", "#ffffe4", false},
		{"off white", "#ffffe4", false},
		{"Navy Blue", "#001146", false},
		{"navy", "#01153e", false},
		{"  gray ", "#929591", false},
		{"grey", "#929591", false},
		{"light gray", "#d8dcd6", false},
		{"red", "#e50000", false},
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
		{"navy blue chinos", []string{"navy blue"}, "chinos"},
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
