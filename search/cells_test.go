package search

import (
	"math/rand/v2"
	"testing"

	"github.com/warna/warna/imaging/colour"
)

// TestCellsCoverMatches checks that candidate generation misses nothing the
// scorer would count: every colour within MatchRadius of a query colour lies
// in one of the query's cells.
func TestCellsCoverMatches(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	randomColour := func() colour.Lab {
		return colour.LabFromRGB(uint8(rng.IntN(256)), uint8(rng.IntN(256)), uint8(rng.IntN(256)))
	}
	for _, tol := range []float64{4, 12, 25} {
		radius := MatchRadius(tol)
		for range 80 {
			q := randomColour()
			cells := map[Cell]bool{}
			for _, c := range CellsWithin(q, radius) {
				cells[c] = true
			}
			for range 3000 {
				c := randomColour()
				if colour.DeltaE00(q, c) < radius && !cells[CellOf(c)] {
					t.Fatalf("tol %g: %s is ΔE %.2f from query %s but its cell %v is not searched",
						tol, c.Hex(), colour.DeltaE00(q, c), q.Hex(), CellOf(c))
				}
			}
		}
	}
}

func BenchmarkCellsWithin(b *testing.B) {
	red, _ := colour.LabFromHex("#cc1f1f")
	for b.Loop() {
		CellsWithin(red, MatchRadius(DefaultTolerance))
	}
	b.ReportMetric(float64(len(CellsWithin(red, MatchRadius(DefaultTolerance)))), "cells")
}

// TestBeyondByLightnessIsALowerBound checks the shortcut never skips a
// swatch that is within reach.
func TestBeyondByLightnessIsALowerBound(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 200_000 {
		a := colour.LabFromRGB(uint8(rng.IntN(256)), uint8(rng.IntN(256)), uint8(rng.IntN(256)))
		b := colour.LabFromRGB(uint8(rng.IntN(256)), uint8(rng.IntN(256)), uint8(rng.IntN(256)))
		radius := 2 + rng.Float64()*78
		if beyondByLightness(a, b, radius) && colour.DeltaE00(a, b) < radius {
			t.Fatalf("%s and %s: ΔE00 %.2f < %.2f but skipped by lightness", a.Hex(), b.Hex(), colour.DeltaE00(a, b), radius)
		}
	}
}
