// Package imaging is Warna's pure image code: decoding with limits, thumbnails,
// palette extraction, colour naming and CIELAB maths. It imports no other
// Warna package and touches no database, network or global state.
//
// The parts and the files that own them:
//
//   - colour.go:   Lab (CIE L*a*b*, D65, L in 0..100), hex parsing, DeltaE00 in
//     standard units (go-colorful returns ΔE/100 with L in 0..1; we rescale),
//     OKLab for vector search.
//   - names.go:    the 13 families + multicolour, naming by the XKCD colour survey
//     (CC0, embedded from xkcd-colors.json), ParseColor for user input
//     ("#1e90ff", "1e90ff", "burgundy", "off-white", "navy", family names).
//   - palette.go, mask.go, backdrop.go, kmeans.go, prominent.go: ExtractPalette,
//     the foreground mask (a smooth backdrop field fitted to the border) and
//     its two engines (deterministic weighted k-means in Lab; a wrapper around
//     github.com/EdlinOrg/prominentcolor).
//   - decode.go, exif.go, jpegfile.go, jpegsplit.go: Sniff, limits and
//     refusals before decoding, the choice of JPEG decoder from the file's
//     markers (jpegn only where TestDecodeMatchesLibjpeg proves it right),
//     progressive JPEGs with restart markers split per component for
//     image/jpeg, EXIF orientation.
//   - icc.go:      embedded ICC profiles (JPEG, PNG, WebP) recognised by their
//     primaries and curves and converted to sRGB.
//   - resize.go, thumbnails.go: box pre-shrink + proper filter, JPEG thumbnails.
//   - webp.go:     EncodeWebP for the low-priority WebP variants (pure Go).
//   - process.go:  Process, the whole pipeline for one original image.
//
// Decode only through Decode or CheckHeader. Importing jpegn registers it as a
// "jpeg" decoder in the standard image registry, and its DecodeConfig panics on
// some malformed input (found by FuzzExtractPalette), so image.Decode and
// image.DecodeConfig must not be called on untrusted bytes anywhere in a
// binary that links this package; Decode guards jpegn with recover.
package imaging
