package search

import (
	"errors"

	"github.com/warna/warna/fault"
	"github.com/warna/warna/imaging"
	"github.com/warna/warna/imaging/colour"
	"github.com/warna/warna/imaging/palette"
)

// lookSwatches bounds how many colours of a photo become the query.
const (
	lookSwatches = 4
	lookMinShare = 0.08
)

// LookColours turns a photo into colour clauses ("shop this look"): its
// palette's largest swatches, weighted by their shares.
func LookColours(photo []byte) ([]Colour, error) {
	img, _, err := imaging.Decode(photo, imaging.DefaultLimits)
	if errors.Is(err, imaging.ErrTooLarge) {
		return nil, fault.TooLargef("%s", err.Error())
	}
	if err != nil {
		// imaging's refusals are written for people: what is wrong and what to do.
		return nil, fault.FieldInvalidf("photo", "this photo could not be read: %s", err.Error())
	}
	pal, err := palette.Extract(img, palette.Options{})
	if err != nil {
		return nil, fault.FieldInvalidf("photo", "no colours were found in this photo")
	}
	var out []Colour
	for _, s := range pal.Swatches {
		if len(out) == lookSwatches || (s.Share < lookMinShare && len(out) > 0) {
			break
		}
		lab := colour.Lab{L: s.Lab[0], A: s.Lab[1], B: s.Lab[2]}
		out = append(out, Colour{Lab: lab, Weight: s.Share, Label: s.Hex})
	}
	normaliseWeights(out)
	return out, nil
}
