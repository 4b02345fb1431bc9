// Package colour is Warna's colour science: CIE L*a*b* (D65, L in 0..100)
// and the sRGB curves, CIEDE2000 and CIE76 differences, hex parsing, and
// the names people give colours.
//
//   - colour.go:     Lab, sRGB ↔ linear ↔ Lab, DeltaE00 in standard units
//     (go-colorful returns ΔE/100 with L in 0..1), OKLab for vector search.
//   - names.go:      the 13 families + multicolour and soft family
//     membership, named from the XKCD colour survey (CC0, embedded from
//     xkcd-colors.json).
//   - words.go:      ParseColor and ColorWords for what people type
//     ("#1e90ff", "burgundy", "off-white", "navy", family names).
//   - membership.go: the JSON form of a membership, largest share first.
//   - swatches.go:   a display swatch for each family.
//
// It imports no other Warna package and keeps no state but tables computed
// once.
package colour
