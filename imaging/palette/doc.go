// Package palette finds the colours of the product in a photo, not of its
// backdrop, and files the product under colour families.
//
//   - palette.go:   Extract, Palette and Swatch (their JSON is what catalog
//     stores, versioned by Version), Categorise.
//   - mask.go, backdrop.go: the foreground mask — a smooth backdrop field
//     fitted to the border (plain, tinted, gradient and vignetted studio
//     backdrops, soft shadows), alpha for cut-outs, centre weighting for busy
//     photos.
//   - kmeans.go:    the default engine, deterministic weighted k-means in Lab.
//   - prominent.go: the alternative engine around
//     github.com/EdlinOrg/prominentcolor.
//
// It works on a decoded image.Image; decoding untrusted bytes is package
// imaging's job (see its doc.go on why image.Decode must not be used).
package palette
