package embedded_test

import (
	"context"
	"errors"
	"testing"

	"github.com/warna/warna/search"
	"github.com/warna/warna/search/embedded"
	"github.com/warna/warna/search/searchtest"
)

// built returns an index filled by an empty Rebuild, as a follower leaves it
// on an empty catalogue.
func built(t *testing.T) search.Backend {
	t.Helper()
	idx := embedded.New()
	if err := idx.Rebuild(context.Background(), func(func([]search.Document) error) error { return nil }); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = idx.Close() })
	return idx
}

func TestContract(t *testing.T) { searchtest.RunContract(t, built) }

// TestAnswersOnlyOnceBuilt: before its first Rebuild the index says it is
// being built instead of answering "no results"; a failed Rebuild leaves the
// old contents answering; Close makes later calls fail.
func TestAnswersOnlyOnceBuilt(t *testing.T) {
	ctx := context.Background()
	idx := embedded.New()
	if _, err := idx.Candidates(ctx, search.Query{}, 10); !errors.Is(err, embedded.ErrNotBuilt) {
		t.Fatalf("query before the first build: %v, want ErrNotBuilt", err)
	}
	if err := idx.Ping(ctx); !errors.Is(err, embedded.ErrNotBuilt) {
		t.Fatalf("ping before the first build: %v, want ErrNotBuilt", err)
	}
	docs := searchtest.Documents()
	if err := idx.Rebuild(ctx, func(put func([]search.Document) error) error { return put(docs) }); err != nil {
		t.Fatal(err)
	}
	if got := idx.Len(); got != len(docs) {
		t.Fatalf("built %d documents, want %d", got, len(docs))
	}
	boom := errors.New("database went away")
	if err := idx.Rebuild(ctx, func(put func([]search.Document) error) error {
		if err := put(docs[:1]); err != nil {
			return err
		}
		return boom
	}); !errors.Is(err, boom) {
		t.Fatalf("failed rebuild: %v, want its error", err)
	}
	res, err := idx.Candidates(ctx, search.Query{}, 1000)
	if err != nil || res.Total != len(docs) {
		t.Fatalf("after a failed rebuild: %d candidates, %v; want the old %d", res.Total, err, len(docs))
	}
	if err := idx.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := idx.Candidates(ctx, search.Query{}, 10); err == nil {
		t.Error("query after Close answered")
	}
}
