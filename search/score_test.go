package search_test

import (
	"net/url"
	"runtime"
	"slices"
	"testing"

	"github.com/warna/warna/search"
	"github.com/warna/warna/search/searchtest"
)

// TestRankSameOnOneOrManyCPUs checks that scoring split across CPUs (from
// a few thousand candidates) ranks exactly as scoring on one.
func TestRankSameOnOneOrManyCPUs(t *testing.T) {
	base := searchtest.Documents()
	var docs []*search.Document
	for copyN := range 80 {
		for _, d := range base {
			d.ID += int64(copyN) * 1000
			docs = append(docs, &d)
		}
	}
	v, _ := url.ParseQuery("colors=%23cc1f1f,%231e90ff&not=white&q=top")
	q, err := search.ParseQuery(v, "IDR")
	if err != nil {
		t.Fatal(err)
	}
	rank := func(procs int) ([]int64, int) {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		page, matches := search.Rank(q, docs, 10, 50)
		var ids []int64
		for _, h := range page {
			ids = append(ids, h.Doc.ID)
		}
		return ids, len(matches)
	}
	one, n1 := rank(1)
	many, n2 := rank(4)
	if !slices.Equal(one, many) || n1 != n2 || len(one) != 50 {
		t.Errorf("one CPU: %d matches, page %v\nfour: %d matches, page %v", n1, one, n2, many)
	}
}
