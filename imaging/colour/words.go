package colour

import (
	"strings"
	"unicode"
)

// ParseColor reads a colour a person typed and returns its point: a hex
// code ("#1e90ff", "1e90ff", "#18f"), a fine name ("burgundy", "off-white",
// "tosca", "biru tua") or a family word in English or Indonesian ("grey",
// "merah"; its display colour). LookupColour says which kind it is. Letter
// case and extra spaces do not matter.
func ParseColor(s string) (Lab, error) {
	t, err := LookupColour(s)
	return t.Lab, err
}

func looksLikeHex(s string) bool {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "#") {
		return true
	}
	if len(s) != 6 {
		return false
	}
	_, _, _, err := ParseHexRGB(s)
	return err == nil
}

// notColourWords are single-word survey names that in product text almost
// always mean something else: materials (leather, denim, velvet, steel),
// places and nature (ocean, forest, grass, sky), food (tea, apple, banana)
// and words a shop would never mean as a colour. They still parse with
// ParseColor and still match inside longer names ("sky blue", "forest
// green"); only the bare word is skipped by ColorWords.
var notColourWords = map[string]bool{
	"dark": true, "pale": true, "royal": true, "marine": true, "blood": true,
	"leather": true, "denim": true, "velvet": true, "steel": true, "stone": true,
	"slate": true, "cement": true, "clay": true, "straw": true, "parchment": true,
	"putty": true, "manilla": true, "heather": true, "camo": true, "buff": true,
	"ocean": true, "sea": true, "sky": true, "forest": true, "grass": true,
	"earth": true, "mud": true, "dirt": true, "dust": true, "ice": true,
	"desert": true, "sandstone": true, "sandy": true, "twilight": true,
	"dusk": true, "midnight": true, "petrol": true, "leaf": true, "fern": true,
	"moss": true, "pine": true, "spruce": true, "algae": true, "lichen": true,
	"seaweed": true, "shamrock": true, "iris": true, "wisteria": true,
	"heliotrope": true, "carnation": true, "dandelion": true, "sunflower": true,
	"marigold": true, "canary": true, "hazel": true, "fawn": true, "tea": true,
	"apple": true, "banana": true, "pear": true, "kiwi": true, "melon": true,
	"watermelon": true, "grapefruit": true, "tomato": true, "strawberry": true,
	"blueberry": true, "mango": true, "avocado": true, "pumpkin": true,
	"pea": true, "asparagus": true, "celery": true, "maize": true,
	"butter": true, "custard": true, "squash": true, "rouge": true,
	"lipstick": true, "bruise": true, "bubblegum": true, "bland": true,
	"poo": true, "poop": true, "shit": true, "puke": true, "vomit": true,
	"snot": true, "booger": true, "diarrhea": true, "bile": true,
	"spearmint": true, "wintergreen": true, "swamp": true, "drab": true,
}

// notColourPhrases contain a colour word but name a thing, not a colour.
var notColourPhrases = map[string]bool{
	"red wine": true, "white wine": true, "rose wine": true, "wine glass": true,
	"wine glasses": true, "olive oil": true, "orange juice": true,
	"lemon juice": true, "lime juice": true, "ice cream": true,
	"sour cream": true, "cream cheese": true, "face cream": true,
	"hand cream": true, "eye cream": true, "body cream": true,
	"coffee table": true, "coffee maker": true, "coffee machine": true,
	"coffee beans": true, "coffee grinder": true, "mint condition": true,
	"rose water": true, "black friday": true, "white paper": true,
}

// colourToken is one word of free text with its byte span.
type colourToken struct {
	start, end int
	word       string // lower case, canonical spelling
}

// ColorWords finds colour words and phrases in free text (FindColourTerms)
// and returns their points, their canonical names in the order they appear,
// and the rest of the text: "burgundy midi dress" gives burgundy and "midi
// dress"; "off white linen shirt" and "off-white linen shirt" both give off
// white.
func ColorWords(text string) (colours []Lab, names []string, rest string) {
	var kept strings.Builder
	last := 0
	for _, span := range FindColourTerms(text) {
		kept.WriteString(text[last:span.Start])
		last = span.End
		colours, names = append(colours, span.Term.Lab), append(names, span.Term.Text)
	}
	kept.WriteString(text[last:])
	return colours, names, tidyRest(kept.String())
}

// colourTokens splits text into words (letters, digits, apostrophes, and a
// leading # for hex codes), keeping byte offsets.
func colourTokens(text string) []colourToken {
	var tokens []colourToken
	start := -1
	flush := func(end int) {
		if start >= 0 {
			tokens = append(tokens, colourToken{start, end, canonicalWord(strings.ToLower(text[start:end]))})
			start = -1
		}
	}
	for i, r := range text {
		switch {
		case isColourWordRune(r):
			if start < 0 {
				start = i
			}
		case r == '#' && start < 0:
			start = i
		default:
			flush(i)
		}
	}
	flush(len(text))
	return tokens
}

func onlySpaceBetween(text string, from, to int) bool {
	return from >= 0 && from <= to && strings.TrimSpace(text[from:to]) == ""
}

// tidyRest collapses whitespace and drops leftovers with no letter or digit
// ("burgundy/navy dress" leaves "dress", not "/ dress").
func tidyRest(s string) string {
	fields := strings.Fields(s)
	kept := fields[:0]
	for _, f := range fields {
		if strings.IndexFunc(f, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0 {
			kept = append(kept, f)
		}
	}
	return strings.Join(kept, " ")
}
