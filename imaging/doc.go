// Package imaging is Warna's pure image code: decoding with limits,
// colour management, thumbnails, and Process, the pipeline that also runs
// palette extraction (package imaging/palette) on the working image. Colour
// maths and naming live in imaging/colour. It imports no Warna package
// outside imaging and touches no database, network or global state.
//
// The parts and the files that own them:
//
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
