package colour

import (
	"cmp"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"unicode"
)

// Family is one of the 13 colour families shoppers filter by, or Multicolour
// for a product with no main colour.
type Family string

// The colour families, in the order of Families.
const (
	Black       Family = "black"
	White       Family = "white"
	Gray        Family = "gray"
	Red         Family = "red"
	Orange      Family = "orange"
	Yellow      Family = "yellow"
	Green       Family = "green"
	Teal        Family = "teal"
	Blue        Family = "blue"
	Purple      Family = "purple"
	Pink        Family = "pink"
	Brown       Family = "brown"
	Beige       Family = "beige"
	Multicolour Family = "multicolour"
)

// Families lists the 13 single-colour families (not Multicolour) in display
// order. Treat it as read-only.
var Families = []Family{Black, White, Gray, Red, Orange, Yellow, Green, Teal, Blue, Purple, Pink, Brown, Beige}

// ErrUnknownColour is wrapped by ParseColor when the input is neither a hex
// code nor a colour name.
var ErrUnknownColour = errors.New("unknown colour")

// The XKCD colour survey (Randall Munroe, 2010): 949 colour names with the
// sRGB values people gave them, released into the public domain (CC0).
// This copy is the one packaged in the npm package color-name-lists 3.33.2.
//
//go:embed xkcd-colors.json
var xkcdColorsJSON []byte

// headFamilies maps the head noun of a survey name (its last word) to a
// family when the noun is not a family name itself. Names whose head noun is
// missing here ("dark", "pale") still give fine names but do not vote on
// families. Judgement calls, for shoppers more than for painters:
// burgundy, maroon, wine and brick are red; navy, denim and periwinkle are
// blue; tan, khaki, sand, cream and ivory are beige while camel, taupe,
// umber, sienna and chocolate are brown; rust, coral, peach
// and terracotta are orange; magenta, fuchsia, salmon and mauve are pink;
// lavender, lilac, plum, indigo and violet are purple; turquoise, aqua, cyan
// and petrol are teal; olive, lime, mint and sage are green; mustard, gold
// and ochre are yellow; charcoal, silver, slate and steel are gray.
var headFamilies = map[string]Family{
	"black": Black, "white": White, "grey": Gray, "gray": Gray, "red": Red,
	"orange": Orange, "yellow": Yellow, "green": Green, "teal": Teal,
	"blue": Blue, "purple": Purple, "pink": Pink, "brown": Brown, "beige": Beige,

	// red
	"burgundy": Red, "maroon": Red, "wine": Red, "blood": Red, "carmine": Red,
	"claret": Red, "ruby": Red, "velvet": Red, "merlot": Red, "tomato": Red,
	"cherry": Red, "berry": Red, "rouge": Red, "watermelon": Red,
	"strawberry": Red, "cranberry": Red, "vermillion": Red, "bordeaux": Red,
	"raspberry": Red, "scarlet": Red, "brick": Red, "crimson": Red,
	"reddish": Red, "lipstick": Red, "grapefruit": Red, "orangered": Red,
	// orange
	"peach": Orange, "coral": Orange, "butterscotch": Orange, "squash": Orange,
	"orangeish": Orange, "orangish": Orange, "terracota": Orange,
	"terracotta": Orange, "cotta": Orange, "mango": Orange, "melon": Orange,
	"amber": Orange, "apricot": Orange, "tangerine": Orange, "pumpkin": Orange,
	"rust": Orange,
	// yellow
	"gold": Yellow, "golden": Yellow, "mustard": Yellow, "ochre": Yellow,
	"ocher": Yellow, "ocre": Yellow, "cheese": Yellow, "custard": Yellow,
	"manilla": Yellow, "straw": Yellow, "canary": Yellow, "rod": Yellow,
	"dandelion": Yellow, "saffron": Yellow, "butter": Yellow,
	"sunflower": Yellow, "banana": Yellow, "maize": Yellow, "marigold": Yellow,
	"lemon": Yellow, "yellowish": Yellow, "goldenrod": Yellow,
	// green
	"lime": Green, "olive": Green, "seafoam": Green, "sage": Green,
	"mint": Green, "drab": Green, "apple": Green, "tea": Green, "spruce": Green,
	"booger": Green, "darkgreen": Green, "lichen": Green, "swamp": Green,
	"camo": Green, "fern": Green, "wintergreen": Green, "algae": Green,
	"leaf": Green, "viridian": Green, "bile": Green, "spearmint": Green,
	"yellowgreen": Green, "shamrock": Green, "lightgreen": Green, "kiwi": Green,
	"seaweed": Green, "pear": Green, "pea": Green, "asparagus": Green,
	"snot": Green, "celadon": Green, "celery": Green, "pine": Green,
	"pistachio": Green, "soup": Green, "forest": Green, "avocado": Green,
	"evergreen": Green, "jade": Green, "emerald": Green, "grass": Green,
	"moss": Green, "vomit": Green, "greenish": Green, "puke": Green,
	"chartreuse": Green,
	// teal
	"turquoise": Teal, "aqua": Teal, "cyan": Teal, "aquamarine": Teal,
	"topaz": Teal, "greenblue": Teal, "bluegreen": Teal, "petrol": Teal,
	"tealish": Teal, "sea": Teal, "ocean": Teal,
	// blue
	"navy": Blue, "marine": Blue, "periwinkle": Blue, "perrywinkle": Blue,
	"azul": Blue, "sapphire": Blue, "ice": Blue, "darkblue": Blue,
	"twilight": Blue, "royal": Blue, "greyblue": Blue, "dusk": Blue,
	"egg": Blue, "blueberry": Blue, "lightblue": Blue, "midnight": Blue,
	"bluish": Blue, "ultramarine": Blue, "denim": Blue, "sky": Blue,
	"cornflower": Blue, "cobalt": Blue, "azure": Blue, "cerulean": Blue,
	// purple
	"violet": Purple, "lavender": Purple, "lavendar": Purple, "lilac": Purple,
	"liliac": Purple, "plum": Purple, "indigo": Purple, "eggplant": Purple,
	"aubergine": Purple, "purply": Purple, "purpley": Purple,
	"purpleish": Purple, "purplish": Purple, "burple": Purple, "urple": Purple,
	"blurple": Purple, "bruise": Purple, "wisteria": Purple, "heather": Purple,
	"heliotrope": Purple, "iris": Purple, "amethyst": Purple, "mulberry": Purple,
	"barney": Purple, "orchid": Purple, "grape": Purple,
	// pink
	"rose": Pink, "magenta": Pink, "fuchsia": Pink, "salmon": Pink,
	"mauve": Pink, "pinky": Pink, "rosa": Pink, "carnation": Pink,
	"bubblegum": Pink, "blush": Pink, "cerise": Pink, "pinkish": Pink,
	// brown
	"sienna": Brown, "siena": Brown, "umber": Brown, "taupe": Brown,
	"toupe": Brown, "chocolate": Brown, "poo": Brown, "poop": Brown,
	"cinnamon": Brown, "cocoa": Brown, "leather": Brown, "hazel": Brown,
	"diarrhea": Brown, "chestnut": Brown, "earth": Brown, "caramel": Brown,
	"auburn": Brown, "copper": Brown, "adobe": Brown, "camel": Brown,
	"sepia": Brown, "coffee": Brown, "mocha": Brown, "russet": Brown,
	"bronze": Brown, "shit": Brown, "dirt": Brown, "mahogany": Brown,
	"mud": Brown, "brownish": Brown, "clay": Brown, "puce": Brown,
	// beige
	"tan": Beige, "khaki": Beige, "cream": Beige, "creme": Beige,
	"ivory": Beige, "eggshell": Beige, "shell": Beige, "sand": Beige,
	"sandy": Beige, "sandstone": Beige, "dust": Beige, "bland": Beige,
	"desert": Beige, "parchment": Beige, "mushroom": Beige, "putty": Beige,
	"buff": Beige, "fawn": Beige, "stone": Beige, "wheat": Beige, "ecru": Beige,
	// gray
	"charcoal": Gray, "silver": Gray, "slate": Gray, "steel": Gray,
	"gunmetal": Gray, "cement": Gray, "bluegrey": Gray, "greyish": Gray,
}

// prototype is one survey colour.
type prototype struct {
	name   string
	lab    Lab
	family Family // "" when the head noun maps to no family
}

// colourNames is the survey, parsed once from the embedded file and never
// changed afterwards.
type colourNames struct {
	prototypes  []prototype
	byName      map[string]int // normalised name → index of its first prototype
	byLightness []int          // prototype indexes ordered by L
	maxWords    int            // words in the longest normalised name
}

var surveyNames = sync.OnceValue(func() *colourNames {
	names, err := parseSurvey(xkcdColorsJSON)
	if err != nil {
		panic(fmt.Sprintf("imaging: embedded xkcd-colors.json: %v", err))
	}
	return names
})

func parseSurvey(data []byte) (*colourNames, error) {
	var entries []struct{ Name, Hex string }
	if err := json.Unmarshal(data, &entries); err != nil {
		return nil, fmt.Errorf("decode survey: %w", err)
	}
	names := &colourNames{byName: make(map[string]int, len(entries))}
	for i, e := range entries {
		lab, err := LabFromHex(e.Hex)
		if err != nil {
			return nil, fmt.Errorf("survey entry %d %q: %w", i, e.Name, err)
		}
		names.prototypes = append(names.prototypes, prototype{name: e.Name, lab: lab, family: headFamily(e.Name)})
		words := NameWords(e.Name)
		key := strings.Join(words, " ")
		if _, dup := names.byName[key]; !dup {
			names.byName[key] = i
		}
		names.maxWords = max(names.maxWords, len(words))
		names.byLightness = append(names.byLightness, i)
	}
	slices.SortStableFunc(names.byLightness, func(i, j int) int {
		return cmp.Compare(names.prototypes[i].lab.L, names.prototypes[j].lab.L)
	})
	return names, nil
}

// headFamily maps a survey name to the family of its head noun, the last
// word ("navy blue" → blue, "burgundy" → red), except that blue-green and
// green-blue in any spelling are teal.
func headFamily(name string) Family {
	words := NameWords(name)
	n := len(words)
	switch {
	case n == 0:
		return ""
	case n >= 2 && (words[n-2] == "blue" && words[n-1] == "green" || words[n-2] == "green" && words[n-1] == "blue"):
		return Teal
	}
	return headFamilies[words[n-1]]
}

// NameWords splits a colour name into lower-case words, treating
// hyphens, slashes and spaces alike ("off-white" = "off white") and spelling
// gray as the survey does (grey).
func NameWords(s string) []string {
	words := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !isColourWordRune(r) })
	for i, w := range words {
		words[i] = canonicalWord(w)
	}
	return words
}

func isColourWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'' || r == '’'
}

func canonicalWord(w string) string {
	w = strings.ReplaceAll(w, "’", "'")
	if w == "gray" {
		return "grey"
	}
	return w
}

// Naming parameters, chosen by coordinate search on the tuning half of the
// independent naming evaluation (names_eval_test.go: color-name-list labelled
// by head noun) for agreement of the hard family, under the constraint that
// leave-one-out on the survey stays ≥ 0.85; the softness widths then as wide
// as improved the tuning half's Brier score without costing agreement.
//
// A colour is neutral to the degree its chroma is under the neutral limit:
// neutralChroma, plus darkChromaBonus per L unit under blackLightness (the eye
// sees less colour in the dark) and lightChromaBonus per L unit over
// lightChromaFrom (off-whites and ivories are whites to people even with a
// visible tint). The degree ramps from 1 to 0 over ±neutralSoftness chroma
// units around the limit. Its neutral part is black, gray or white by
// lightness, ramping over ±lightnessSoftness around blackLightness and
// whiteLightness. The chromatic part is the weighted vote of the
// familyNeighbours nearest chromatic survey colours (neutral survey colours
// do not vote: the gate alone decides neutrality, so a dusty blue is not
// out-voted into gray by the survey's many blue-greys). Brown and beige
// differ mostly in lightness, so their combined vote is split by lightness
// around beigeLightness (±beigeSoftness); light, muted warm colours the
// survey calls orange or yellow (sand, light peach, ecru) are beige to
// shops.
const (
	neutralChroma     = 6.0
	neutralSoftness   = 6.0
	darkChromaBonus   = 0.5
	lightChromaBonus  = 1.3
	lightChromaFrom   = 90.0
	blackLightness    = 25.0
	whiteLightness    = 85.0
	lightnessSoftness = 8.0
	familyNeighbours  = 35
	beigeLightness    = 65.0
	beigeSoftness     = 12.0
	beigeChroma       = 20.0
)

// Membership is a colour's soft membership of the families: the share of
// each family it belongs to (an ivory can be 0.6 white and 0.4 beige). In a
// palette the shares sum to 1, are rounded to 3 decimals and families under
// minMembership are left out. In JSON it is an object from family to share,
// largest first.
type Membership map[Family]float64

// MinMembership is the smallest share of a family a Membership keeps.
const MinMembership = 0.05

// Name names c: its family (the one it belongs to most, see
// FamilyMembership), the membership of that family and the nearest survey
// name.
func Name(c Lab) (family Family, familyP float64, name string) {
	family, m, name := Describe(c)
	return family, m[family], name
}

// FamilyMembership is c's soft family membership: a chroma/lightness gate
// for the neutral families, a CIEDE2000 k-nearest-neighbour vote over the
// survey colours for the others, rounded as in a palette.
func FamilyMembership(c Lab) Membership {
	_, m, _ := Describe(c)
	return m
}

// Describe is Name and FamilyMembership in one search of the survey.
func Describe(c Lab) (Family, Membership, string) {
	raw, nearest := surveyNames().classify(c, -1)
	return Families[argmaxFamily(raw)], roundMembership(raw), surveyNames().prototypes[nearest].name
}

// softStep is 0 at v = -width, 1 at v = +width and linear in between.
func softStep(v, width float64) float64 { return min(1, max(0, 0.5+v/(2*width))) }

// neutralDegree is how neutral c is (1 = fully), from the chroma gate.
func neutralDegree(c Lab) float64 {
	limit := neutralChroma + darkChromaBonus*max(0, blackLightness-c.L) + lightChromaBonus*max(0, c.L-lightChromaFrom)
	return softStep(limit-c.Chroma(), neutralSoftness)
}

// addNeutral adds degree n of neutral membership, split into black, gray
// and white by lightness.
func addNeutral(m *[13]float64, c Lab, n float64) {
	white, black := softStep(c.L-whiteLightness, lightnessSoftness), softStep(blackLightness-c.L, lightnessSoftness)
	m[FamilyIndex(White)] += n * white
	m[FamilyIndex(Black)] += n * black
	m[FamilyIndex(Gray)] += n * (1 - white - black)
}

// argmaxFamily is the index of the largest membership, the earliest in
// Families on ties.
func argmaxFamily(m [13]float64) int {
	best := 0
	for i := range m {
		if m[i] > m[best] {
			best = i
		}
	}
	return best
}

// roundMembership keeps the families with at least minMembership, scales
// them to sum 1 and rounds to 3 decimals by largest remainder (ties to the
// earlier family), so the rounded shares sum to exactly 1.
func roundMembership(m [13]float64) Membership {
	const units = 1000
	total := 0.0
	for _, v := range m {
		if v >= MinMembership {
			total += v
		}
	}
	var counts [13]int
	var rest [13]float64
	sum := 0
	for i, v := range m {
		if v >= MinMembership {
			exact := v / total * units
			counts[i] = int(math.Floor(exact))
			rest[i] = exact - float64(counts[i])
			sum += counts[i]
		}
	}
	for ; sum < units; sum++ {
		best := -1
		for i, r := range rest {
			if m[i] >= MinMembership && (best < 0 || r > rest[best]) {
				best = i
			}
		}
		counts[best]++
		rest[best] = -1
	}
	out := Membership{}
	for i, n := range counts {
		if n > 0 {
			out[Families[i]] = float64(n) / units
		}
	}
	return out
}

// neighbour is a survey colour at a CIEDE2000 distance.
type neighbour struct {
	index int
	dist  float64
}

// closer orders neighbours by distance, then by survey order, so results
// never depend on the order they were visited in.
func (nb neighbour) closer(other neighbour) bool {
	return nb.dist < other.dist || nb.dist == other.dist && nb.index < other.index
}

// maxSL is the largest CIEDE2000 lightness weight S_L (at L̄ = 0 or 100), so
// |ΔL|/maxSL bounds ΔE00 from below for every pair.
var maxSL = 1 + 0.015*2500/math.Sqrt(20+2500)

// isVoter reports whether a survey colour votes on chromatic families.
func (p *prototype) isVoter() bool {
	return p.family != "" && p.family != Black && p.family != White && p.family != Gray
}

// classify finds the raw family membership of c and its nearest survey
// colour, leaving out prototype skip (for leave-one-out evaluation; -1
// leaves out none). It walks the survey outwards in lightness from c and
// stops once the lightness difference alone rules out everything further
// away.
func (n *colourNames) classify(c Lab, skip int) ([13]float64, int) {
	var m [13]float64
	neutral := neutralDegree(c)
	addNeutral(&m, c, neutral)
	var voters [familyNeighbours]neighbour
	found := 0
	nearest := neighbour{index: -1, dist: math.Inf(1)}
	bound := func() float64 {
		if found < familyNeighbours {
			return math.Inf(1)
		}
		return max(nearest.dist, voters[found-1].dist)
	}
	visit := func(i int) {
		p := &n.prototypes[i]
		lb := DeltaE00LowerBound(c, p.lab)
		if i == skip || lb > nearest.dist && (!p.isVoter() || found == familyNeighbours && lb > voters[found-1].dist) {
			return // can be neither the nearest name nor a voter
		}
		nb := neighbour{i, DeltaE00(c, p.lab)}
		if nb.closer(nearest) {
			nearest = nb
		}
		if p.isVoter() {
			found = insertNeighbour(voters[:], found, nb)
		}
	}
	start, _ := slices.BinarySearchFunc(n.byLightness, c.L, func(i int, l float64) int {
		return cmp.Compare(n.prototypes[i].lab.L, l)
	})
	up, down := start, start-1
	for up < len(n.byLightness) || down >= 0 {
		if up < len(n.byLightness) {
			if i := n.byLightness[up]; (n.prototypes[i].lab.L-c.L)/maxSL <= bound() {
				visit(i)
				up++
			} else {
				up = len(n.byLightness)
			}
		}
		if down >= 0 {
			if i := n.byLightness[down]; (c.L-n.prototypes[i].lab.L)/maxSL <= bound() {
				visit(i)
				down--
			} else {
				down = -1
			}
		}
	}
	if neutral < 1 {
		vote := n.vote(c, voters[:found])
		for i, v := range vote {
			m[i] += (1 - neutral) * v
		}
	}
	return m, nearest.index
}

// insertNeighbour keeps list[:found] ordered by closer with at most
// len(list) entries, and returns the new length.
func insertNeighbour(list []neighbour, found int, nb neighbour) int {
	if found == len(list) {
		if !nb.closer(list[found-1]) {
			return found
		}
		found--
	}
	i := found
	for i > 0 && nb.closer(list[i-1]) {
		list[i] = list[i-1]
		i--
	}
	list[i] = nb
	return found + 1
}

// vote weighs each neighbour by 1/(1+ΔE00^1.5) and returns each
// family's share of the weight, with brown and beige re-split by lightness
// and the beige zone's orange and yellow moved to beige.
func (n *colourNames) vote(c Lab, neighbours []neighbour) [13]float64 {
	var weights [13]float64
	total := 0.0
	for _, nb := range neighbours {
		w := 1 / (1 + nb.dist*math.Sqrt(nb.dist))
		weights[FamilyIndex(n.prototypes[nb.index].family)] += w
		total += w
	}
	if total == 0 {
		return weights
	}
	brown, beige := FamilyIndex(Brown), FamilyIndex(Beige)
	light := softStep(c.L-beigeLightness, beigeSoftness)
	earth := weights[brown] + weights[beige]
	weights[brown], weights[beige] = earth*(1-light), earth*light
	if isBeigeZone(c) {
		for _, f := range []int{FamilyIndex(Orange), FamilyIndex(Yellow)} {
			weights[beige] += weights[f] * light
			weights[f] *= 1 - light
		}
	}
	for i := range weights {
		weights[i] /= total
	}
	return weights
}

// isBeigeZone reports muted warm colours (sand, light peach, ecru): the
// survey files them under orange or yellow, shops under beige once they are
// light.
func isBeigeZone(c Lab) bool {
	hue := hueDegrees(c.B, c.A)
	return c.Chroma() <= beigeChroma && hue >= 45 && hue <= 105
}

func FamilyIndex(f Family) int {
	for i, g := range Families {
		if g == f {
			return i
		}
	}
	return -1
}

// DeltaE00LowerBound is a cheap lower bound of DeltaE00(p, q): the lightness
// term alone, since the other terms cannot make the total smaller.
func DeltaE00LowerBound(p, q Lab) float64 {
	lMean := (p.L+q.L)/2 - 50
	sL := 1 + 0.015*lMean*lMean/math.Sqrt(20+lMean*lMean)
	return math.Abs(p.L-q.L) / sL
}
