// Package searchtest holds what every search backend's tests share: the
// contract suite (one generated catalogue, the same queries, the expected
// rankings) and a backend wrapper that fails on demand.
package searchtest

import (
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/warna/warna/catalog"
	"github.com/warna/warna/imaging/colour"
	"github.com/warna/warna/imaging/palette"
	"github.com/warna/warna/search"
)

// The catalogue's colours. ΔE00 between them (computed independently with
// go-colorful) decides which products a query reaches; with the default
// tolerance 12 a swatch counts up to ΔE 24:
//
//	red–crimson 7.9, crimson–burgundy 18.4, red–burgundy 25.9, red–orange 24.9,
//	red–brown 25.4, blue–sky 12.4, white–offwhite 11.0, offwhite–beige 11.0,
//	white–beige 18.8, green–teal 13.3, navy–black 18.9; XKCD "red" (#e50000)
//	is 6.1 from red, 13.9 from crimson, 20.3 from orange, 27.7 from brown.
const (
	red      = "#cc1f1f"
	crimson  = "#b0182a"
	burgundy = "#610023" // the XKCD survey's "burgundy"
	blue     = "#1e90ff"
	sky      = "#75bbfd"
	navy     = "#01153e" // the XKCD survey's "navy"
	white    = "#ffffff"
	offwhite = "#ffffe4" // the XKCD survey's "off white"
	beige    = "#e6daa6"
	black    = "#111111"
	gray     = "#929591"
	green    = "#2e8b57"
	teal     = "#029386"
	yellow   = "#ffd700"
	purple   = "#7e1e9c"
	pink     = "#ff69b4"
	brown    = "#653700"
)

var familyOf = map[string]string{
	red: "red", crimson: "red", burgundy: "red", blue: "blue", sky: "blue", navy: "blue",
	white: "white", offwhite: "white", beige: "beige", black: "black", gray: "gray",
	green: "green", teal: "teal", yellow: "yellow", purple: "purple", pink: "pink", brown: "brown",
}

type sw struct {
	hex   string
	share float64
}

type item struct {
	id       int64
	title    string
	category string
	shop     int64
	price    int64 // IDR
	pop      int64
	age      int // days before the catalogue's reference time
	palette  []sw
}

// Reference is the creation time the catalogue's ages count back from.
var Reference = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// keyItems are the products the expected rankings reason about.
var keyItems = []item{
	{1, "Red summer dress", "dress", 1, 250_000, 0, 10, []sw{{red, .9}, {white, .1}}},
	{2, "Red and white gingham blouse", "top", 1, 180_000, 0, 20, []sw{{red, .6}, {white, .4}}},
	{3, "Colour block windbreaker", "jacket", 2, 450_000, 0, 30, []sw{{blue, .7}, {red, .3}}},
	{4, "Crimson leather belt", "accessory", 2, 120_000, 0, 40, []sw{{crimson, .8}, {black, .2}}},
	{5, "Burgundy midi dress", "dress", 1, 390_000, 0, 5, []sw{{burgundy, .7}, {beige, .3}}},
	{6, "Burgundy velvet skirt", "skirt", 1, 310_000, 0, 6, []sw{{burgundy, .6}, {black, .4}}},
	{7, "Floral wrap dress", "dress", 2, 280_000, 0, 7, []sw{{white, .7}, {burgundy, .3}}},
	{8, "Crimson evening dress", "dress", 2, 990_000, 0, 8, []sw{{crimson, .9}, {white, .1}}},
	{10, "Blue linen shirt", "shirt", 1, 200_000, 0, 3, []sw{{blue, 1}}},
	{11, "Blue and white striped shirt", "shirt", 2, 220_000, 0, 4, []sw{{blue, .5}, {white, .5}}},
	{12, "Sky linen shirt", "shirt", 1, 210_000, 0, 2, []sw{{sky, .8}, {white, .2}}},
	{13, "Navy wool blazer", "jacket", 1, 800_000, 0, 1, []sw{{navy, .7}, {white, .3}}},
	{14, "Half and half rugby top", "top", 2, 260_000, 0, 50, []sw{{red, .5}, {blue, .5}}},
	{15, "Mostly red patchwork top", "top", 1, 240_000, 0, 51, []sw{{red, .7}, {blue, .3}}},
	{16, "White tee with small flags", "top", 2, 90_000, 0, 52, []sw{{white, .6}, {red, .2}, {blue, .2}}},
	{17, "Off-white linen trousers", "trousers", 1, 330_000, 0, 53, []sw{{offwhite, .85}, {brown, .15}}},
	{18, "Beige linen shorts", "trousers", 2, 230_000, 0, 54, []sw{{beige, .9}, {gray, .1}}},
	{30, "Canvas tote bag", "bag", 1, 150_000, 500, 60, []sw{{yellow, .8}, {brown, .2}}},
	{31, "Canvas tote bag large", "bag", 2, 175_000, 50, 2, []sw{{yellow, .6}, {gray, .4}}},
	{32, "Canvas tote bag mini", "bag", 1, 95_000, 5000, 30, []sw{{yellow, .9}, {green, .1}}},
	{33, "Canvas tote bag striped", "bag", 2, 160_000, 0, 1, []sw{{yellow, .5}, {teal, .5}}},
	// Indonesian listings: stems (rajutan, anyaman, berbordir), synonyms
	// (kemeja = shirt, celana = trousers, kaos kaki = socks, jilbab = hijab)
	{41, "Kemeja batik merah maroon", "kemeja", 1, 275_000, 0, 11, []sw{{burgundy, .8}, {beige, .2}}},
	{42, "Kemeja hitam polos", "kemeja", 2, 199_000, 0, 12, []sw{{black, .9}, {white, .1}}},
	{43, "Kaos kaki putih", "kaos kaki", 1, 35_000, 0, 13, []sw{{white, .9}, {gray, .1}}},
	{44, "Celana rajutan abu-abu", "celana", 2, 185_000, 0, 14, []sw{{gray, .85}, {black, .15}}},
	{45, "Tas anyaman coklat tua", "tas", 1, 210_000, 0, 15, []sw{{brown, .9}, {beige, .1}}},
	{46, "Gaun pesta ungu berbordir", "gaun", 2, 420_000, 0, 16, []sw{{purple, .8}, {white, .2}}},
	{47, "Jilbab segi empat hijau tosca", "jilbab", 1, 85_000, 0, 17, []sw{{teal, .9}, {white, .1}}},
}

// fillerColours never come within ΔE 24 of red, crimson, blue, sky, white,
// off-white, burgundy or XKCD red, so the fillers stay out of every colour
// query of the contract except the family, green and facet ones.
var fillerColours = []string{green, teal, purple, pink, brown, gray}

var fillerNouns = []string{"sneakers", "scarf", "cap", "mug", "wallet", "notebook", "socks", "umbrella"}

// fillers are 40 products (ids 101–140) that must not disturb the key
// rankings: no key words in their titles, no colour near a queried one.
func fillers() []item {
	out := make([]item, 0, 40)
	for i := range 40 {
		a := fillerColours[i%len(fillerColours)]
		b := fillerColours[(i/len(fillerColours)+i+1)%len(fillerColours)]
		if a == b {
			b = fillerColours[(i+2)%len(fillerColours)]
		}
		noun := fillerNouns[i%len(fillerNouns)]
		out = append(out, item{
			id: int64(101 + i), title: fmt.Sprintf("%s %s no. %d", titleWord(a), noun, i),
			category: noun, shop: int64(1 + i%2), price: int64(50_000 + 10_000*i), pop: int64(i),
			age: 100 + i, palette: []sw{{a, .65}, {b, .35}},
		})
	}
	return out
}

func titleWord(hex string) string {
	return map[string]string{green: "Forest", teal: "Lagoon", purple: "Plum", pink: "Rose", brown: "Cocoa", gray: "Ash"}[hex]
}

// Products is the contract catalogue as the catalogue stores it (with
// images, palettes and shops), 68 products.
func Products() []catalog.Product {
	shops := map[int64]catalog.Shop{
		1: {ID: 1, Slug: "batik-sari", Name: "Batik Sari", Currency: "IDR"},
		2: {ID: 2, Slug: "kopi-co", Name: "Kopi & Co", Currency: "IDR"},
	}
	var out []catalog.Product
	for _, it := range append(append([]item{}, keyItems...), fillers()...) {
		out = append(out, catalog.Product{
			ID: it.id, ShopID: it.shop, Shop: shops[it.shop], SKU: fmt.Sprintf("SKU-%d", it.id),
			Title: it.title, Description: "A lovely " + it.category + " from the contract catalogue.",
			Category: it.category, PriceMinor: it.price, Currency: "IDR", Stock: 5, Status: catalog.StatusActive,
			ColorFamilies: "{}", Popularity: it.pop, CreatedAt: Reference.AddDate(0, 0, -it.age),
			Images: []catalog.Image{{ID: it.id * 10, ProductID: it.id, Position: 0, Status: catalog.ImageReady,
				Palette: paletteJSON(it.palette), Thumbs: fmt.Sprintf(`[{"size":160,"key":"t%d-160.jpg"},{"size":400,"key":"t%d-400.jpg"}]`, it.id, it.id)}},
		})
	}
	return out
}

func paletteJSON(swatches []sw) string {
	p := palette.Palette{Engine: "test", Version: 1}
	for _, s := range swatches {
		lab, err := colour.LabFromHex(s.hex)
		if err != nil {
			panic(err)
		}
		p.Swatches = append(p.Swatches, palette.Swatch{
			Hex: s.hex, Lab: [3]float64{round2(lab.L), round2(lab.A), round2(lab.B)}, Share: s.share,
			Family: colour.Family(familyOf[s.hex]), FamilyP: colour.Membership{colour.Family(familyOf[s.hex]): 1}, Name: familyOf[s.hex],
		})
	}
	b, err := json.Marshal(p)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// round2 rounds as imaging stores palettes (Lab to 2 decimals), which also
// keeps the golden request bodies independent of float noise.
func round2(x float64) float64 { return math.Round(x*100) / 100 }

// Documents is the catalogue as search documents.
func Documents() []search.Document {
	var docs []search.Document
	for _, p := range Products() {
		d, err := search.BuildDocument(p)
		if err != nil {
			panic(err)
		}
		docs = append(docs, d)
	}
	return docs
}
