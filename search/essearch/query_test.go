package essearch_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"testing"

	"github.com/warna/warna/search"
	"github.com/warna/warna/search/essearch"
	"github.com/warna/warna/search/searchtest"
)

// requestOf is the candidate request of a query string, as JSON.
func requestOf(t *testing.T, raw string) map[string]any {
	t.Helper()
	v, err := url.ParseQuery(raw)
	if err != nil {
		t.Fatal(err)
	}
	q, err := search.ParseQuery(v, "IDR")
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(essearch.CandidateRequest(q, 1000))
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestSortsArePushedIntoElasticsearch is finding 2: the window must hold
// the first products of the order asked for, not the best-scored ones
// (nor, for a browse, the lowest ids).
func TestSortsArePushedIntoElasticsearch(t *testing.T) {
	for _, c := range []struct{ raw, first string }{
		{"sort=price_asc&q=shirt", `{"price_minor":{"order":"asc"}}`},
		{"sort=price_desc&colors=%23cc1f1f", `{"price_minor":{"order":"desc"}}`},
		{"sort=newest", `{"created_at":{"order":"desc"}}`},
		{"sort=popular&q=shirt", `{"popularity":{"order":"desc"}}`},
		{"", `{"popularity":{"order":"desc"}}`},               // browse
		{"category=dress", `{"popularity":{"order":"desc"}}`}, // filters only
		{"q=shirt", `"_score"`},
	} {
		req := requestOf(t, c.raw)
		sort, _ := req["sort"].([]any)
		if len(sort) < 2 {
			t.Errorf("%q: sort %v", c.raw, req["sort"])
			continue
		}
		first, _ := json.Marshal(sort[0])
		last, _ := json.Marshal(sort[len(sort)-1])
		if string(first) != c.first || string(last) != `{"id":{"order":"asc"}}` {
			t.Errorf("%q: sort %s … %s, want %s … id", c.raw, first, last, c.first)
		}
	}
	// relevance adds popularity to the score
	req := requestOf(t, "q=shirt")
	if _, ok := req["query"].(map[string]any)["function_score"]; !ok {
		t.Errorf("relevance query %v, want popularity through function_score", req["query"])
	}
}

// TestKNNIsAShouldInsideTheBool is finding 4: top-level knn with a query
// is an OR — knn-only hits took candidate slots and counted in totals.
func TestKNNIsAShouldInsideTheBool(t *testing.T) {
	docs := searchtest.Documents()
	q := search.Query{Colours: []search.Colour{{Lab: docs[0].Palette[0].Lab(), Weight: 1}}, Tolerance: 12, Similar: &docs[0].Dominant}
	b, err := json.Marshal(essearch.CandidateRequest(q, 20000))
	if err != nil {
		t.Fatal(err)
	}
	var req struct {
		Knn   any `json:"knn"`
		Size  int `json:"size"`
		Query struct {
			Bool struct {
				Must   []any `json:"must"`
				Should []struct {
					Knn *struct {
						NumCandidates int `json:"num_candidates"`
					} `json:"knn"`
				} `json:"should"`
			} `json:"bool"`
		} `json:"query"`
	}
	if err := json.Unmarshal(b, &req); err != nil {
		t.Fatal(err)
	}
	if req.Knn != nil {
		t.Errorf("top-level knn %v, want none", req.Knn)
	}
	bq := req.Query.Bool
	if len(bq.Must) == 0 || len(bq.Should) != 1 || bq.Should[0].Knn == nil {
		t.Fatalf("bool %s, want the colour as must and knn as the should", b)
	}
	if bq.Should[0].Knn.NumCandidates > 10000 || req.Size > 10000 {
		t.Errorf("num_candidates %d, size %d: Elasticsearch refuses over 10,000", bq.Should[0].Knn.NumCandidates, req.Size)
	}
}

// TestColourClausesCoverTheCellsOnly is finding 3: one bounding box around
// the reachable cells took in far more than them (for red: L 0–80, a
// −10–140, b −30–140). The boxes sent must cover exactly the cells.
func TestColourClausesCoverTheCellsOnly(t *testing.T) {
	for _, raw := range []string{"colors=%23cc1f1f", "colors=%231e90ff&tol=20", "colors=%23f5f5dc", "q=burgundy"} {
		v, _ := url.ParseQuery(raw)
		q, err := search.ParseQuery(v, "IDR")
		if err != nil {
			t.Fatal(err)
		}
		var cells []search.Cell
		for i, c := range q.Colours {
			if !c.IsFamily() {
				cells = append(cells, q.ColourCells(i)...)
			}
		}
		if len(cells) == 0 {
			t.Fatalf("%q: no cells", raw)
		}
		b, err := json.Marshal(essearch.CandidateRequest(q, 1000))
		if err != nil {
			t.Fatal(err)
		}
		var body any
		if err := json.Unmarshal(b, &body); err != nil {
			t.Fatal(err)
		}
		volume := 0.0
		for _, box := range labBoxes(body) {
			volume += (box[1] - box[0]) * (box[3] - box[2]) * (box[5] - box[4])
		}
		want := float64(len(cells)) * search.CellSize * search.CellSize * search.CellSize
		if fmt.Sprintf("%.0f", volume) != fmt.Sprintf("%.0f", want) {
			t.Errorf("%q: boxes cover %.0f, want the %d cells' %.0f", raw, volume, len(cells), want)
		}
	}
}

// labBoxes finds every filter of palette.L, palette.a and palette.b
// ranges in a request body: [Lmin, Lmax, amin, amax, bmin, bmax].
func labBoxes(v any) [][6]float64 {
	var out [][6]float64
	switch x := v.(type) {
	case map[string]any:
		if f, ok := x["filter"].([]any); ok && len(f) == 3 {
			var box [6]float64
			found := 0
			for i, field := range []string{"palette.L", "palette.a", "palette.b"} {
				for _, c := range f {
					r, _ := c.(map[string]any)["range"].(map[string]any)
					if rr, ok := r[field].(map[string]any); ok {
						box[2*i], _ = rr["gte"].(float64)
						box[2*i+1], _ = rr["lte"].(float64)
						found++
					}
				}
			}
			if found == 3 {
				return [][6]float64{box}
			}
		}
		for _, e := range x {
			out = append(out, labBoxes(e)...)
		}
	case []any:
		for _, e := range x {
			out = append(out, labBoxes(e)...)
		}
	}
	return out
}

// TestLargerThanWindowOnTheFake runs the contract's check of a catalogue
// larger than the window on the strict fake, which sorts as asked (and
// runs no query): the first pages of every order must be the catalogue's.
func TestLargerThanWindowOnTheFake(t *testing.T) {
	searchtest.CheckLargerThanWindow(t, func(t *testing.T) search.Backend {
		return openOn(t, newStrictES(), fixedNow)
	})
}
