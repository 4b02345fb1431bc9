package search_test

import (
	"context"
	"testing"

	"github.com/warna/warna/search"
	"github.com/warna/warna/search/searchtest"
)

// overflowing answers every document as a candidate and says many more
// matched, as a shared backend does past its window.
type overflowing struct {
	search.Backend
	docs  []search.Document
	total int
}

func (o overflowing) Candidates(ctx context.Context, q search.Query, window int) (search.Candidates, error) {
	out := search.Candidates{Total: o.total}
	for i := range o.docs {
		out.Docs = append(out.Docs, &o.docs[i])
	}
	return out, nil
}

// TestPagesStopAtTheWindow is finding 2: past the scorer's window the
// pages came back empty while the next-page link (Pages) promised more.
func TestPagesStopAtTheWindow(t *testing.T) {
	docs := searchtest.Documents()
	svc := search.NewService(overflowing{docs: docs, total: 5000}, search.Options{Window: len(docs)})
	res, err := svc.Search(context.Background(), search.Query{PerPage: 10})
	if err != nil {
		t.Fatal(err)
	}
	if res.Approximate || res.Total != 5000 {
		t.Fatalf("total %d approximate %v, want exactly 5000: without colours the backend's count is the answer", res.Total, res.Approximate)
	}
	if res.Reachable() != len(docs) {
		t.Errorf("Reachable() = %d, want the %d ranked matches, which the page says are all it shows", res.Reachable(), len(docs))
	}
	want := (len(docs) + 9) / 10
	if got := res.Pages(); got != want {
		t.Errorf("Pages() = %d, want %d: the pages of the %d ranked matches", got, want, len(docs))
	}
	last, err := svc.Search(context.Background(), search.Query{PerPage: 10, Page: want})
	if err != nil {
		t.Fatal(err)
	}
	if len(last.Hits) == 0 || last.Pages() != want {
		t.Errorf("last page: %d hits, %d pages; want hits and no page after it", len(last.Hits), last.Pages())
	}
}

// windowSeen records the window the service asks for.
type windowSeen struct {
	search.Backend
	window int
}

func (w *windowSeen) Candidates(ctx context.Context, q search.Query, window int) (search.Candidates, error) {
	w.window = window
	return search.Candidates{}, nil
}

// TestWindowIsCapped is finding 10: a window over 10,000 broke
// Elasticsearch's size and kNN.
func TestWindowIsCapped(t *testing.T) {
	b := &windowSeen{}
	if _, err := search.NewService(b, search.Options{Window: 50000}).Search(context.Background(), search.Query{}); err != nil {
		t.Fatal(err)
	}
	if b.window != search.MaxWindow {
		t.Errorf("window %d, want %d", b.window, search.MaxWindow)
	}
}
