package catalog

import (
	"strings"
	"unicode"
)

// Category is one aisle of the catalogue.
type Category struct {
	Slug string
	Name string
}

// Categories are the aisles products are filed under, in display order.
var Categories = []Category{
	{"tops", "Tops & shirts"},
	{"dresses", "Dresses"},
	{"bottoms", "Trousers & skirts"},
	{"outerwear", "Jackets & outerwear"},
	{"shoes", "Shoes"},
	{"bags", "Bags"},
	{"accessories", "Accessories"},
	{"home", "Home & kitchen"},
	{"beauty", "Beauty"},
	{"other", "Other"},
}

// categoryWords map words seen in marketplace category paths (English and
// Indonesian) to our categories. Longer paths are read from the most
// specific segment backwards.
var categoryWords = map[string]string{
	"tops": "tops", "top": "tops", "shirt": "tops", "shirts": "tops", "tshirt": "tops", "tshirts": "tops",
	"tee": "tops", "blouse": "tops", "blouses": "tops", "atasan": "tops", "kemeja": "tops", "kaos": "tops", "blus": "tops",
	"dress": "dresses", "dresses": "dresses", "gaun": "dresses", "gamis": "dresses",
	"bottoms": "bottoms", "trousers": "bottoms", "pants": "bottoms", "jeans": "bottoms", "skirt": "bottoms",
	"skirts": "bottoms", "shorts": "bottoms", "celana": "bottoms", "rok": "bottoms", "bawahan": "bottoms",
	"outerwear": "outerwear", "jacket": "outerwear", "jackets": "outerwear", "coat": "outerwear", "coats": "outerwear",
	"hoodie": "outerwear", "jaket": "outerwear", "cardigan": "outerwear", "outer": "outerwear",
	"shoes": "shoes", "shoe": "shoes", "sneakers": "shoes", "sandals": "shoes", "heels": "shoes", "boots": "shoes",
	"sepatu": "shoes", "sandal": "shoes", "footwear": "shoes",
	"bags": "bags", "bag": "bags", "handbag": "bags", "handbags": "bags", "backpack": "bags", "tote": "bags",
	"tas": "bags", "ransel": "bags", "dompet": "bags", "wallet": "bags",
	"accessories": "accessories", "accessory": "accessories", "aksesoris": "accessories", "jewellery": "accessories",
	"jewelry": "accessories", "hat": "accessories", "hats": "accessories", "scarf": "accessories", "topi": "accessories",
	"syal": "accessories", "belt": "accessories", "watch": "accessories", "jam": "accessories", "hijab": "accessories",
	"home": "home", "kitchen": "home", "mug": "home", "mugs": "home", "cup": "home", "gelas": "home",
	"dapur": "home", "rumah": "home", "homeware": "home", "decor": "home", "dekorasi": "home", "cushion": "home",
	"beauty": "beauty", "makeup": "beauty", "skincare": "beauty", "kecantikan": "beauty", "lipstick": "beauty",
	"other": "other", "others": "other", "lainnya": "other", "lain": "other",
}

// CategoryName is the display name of a category slug.
func CategoryName(slug string) string {
	for _, c := range Categories {
		if c.Slug == slug {
			return c.Name
		}
	}
	return ""
}

// ValidCategory reports whether slug is one of Categories.
func ValidCategory(slug string) bool { return CategoryName(slug) != "" }

// NormaliseCategory files free text such as "Women > Atasan > Kemeja" or
// "Dresses" under a category slug; ok is false when nothing matched.
func NormaliseCategory(text string) (slug string, ok bool) {
	text = strings.ToLower(strings.TrimSpace(text))
	if ValidCategory(text) {
		return text, true
	}
	segments := strings.FieldsFunc(text, func(r rune) bool { return r == '>' || r == '/' || r == '|' || r == ',' })
	for i := len(segments) - 1; i >= 0; i-- {
		words := strings.FieldsFunc(segments[i], func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
		for j := len(words) - 1; j >= 0; j-- {
			if slug, ok := categoryWords[words[j]]; ok {
				return slug, true
			}
		}
	}
	return "", false
}
