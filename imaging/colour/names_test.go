package colour

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
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
// ones, read from testdata/exemplars.json. The synthetic evaluation in
// package imaging draws its truth from the same file, so Name must agree on
// every one.
func exemplarColours(t testing.TB) map[Family][]string {
	t.Helper()
	data, err := os.ReadFile("testdata/exemplars.json")
	if err != nil {
		t.Fatal(err)
	}
	var rows map[Family][]string
	if err := json.Unmarshal(data, &rows); err != nil {
		t.Fatalf("testdata/exemplars.json: %v", err)
	}
	return rows
}

func TestNameExemplars(t *testing.T) {
	exemplars := exemplarColours(t)
	for _, family := range Families {
		for _, hex := range exemplars[family] {
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
			if share < MinMembership-1e-9 || math.Abs(share*1000-math.Round(share*1000)) > 1e-6 || share > m[family] {
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
