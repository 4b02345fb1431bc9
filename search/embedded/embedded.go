// Package embedded is the default search backend: every document in memory,
// with posting lists from Lab grid cells and text terms to documents
// (memindex.go), answered without leaving the process.
//
// It keeps nothing on disk. The database is the truth: indexing.Follower
// builds the index from it at start (Rebuild) and then applies the
// catalogue's change log, so each process on a database keeps its own
// complete index and nothing is locked between processes. A full build
// reads about 100,000 products a second per core from SQLite
// (bench/startup.sh measures it).
//
// Queries are answered from memory: a one-colour query over 100,000
// products costs about 50 ms of CPU split over the cores and text + colour
// about 6–20 ms (bench/search.sh), for about 1 KB per product. (The first
// version asked a bleve index on disk: 300–940 ms for one colour, because a
// colour matches most of a catalogue and bleve scored every match; later
// bleve only stored the documents, which made start-up slower than reading
// the database and locked DATA_DIR against the command-line tools.) Because
// it sees every match, this backend is exact: it returns all candidates, so
// totals and facets are exact too.
package embedded

import (
	"context"
	"errors"
	"sync"

	"github.com/warna/warna/search"
)

// ErrNotBuilt is what a query gets before the first Rebuild has filled the
// index.
var ErrNotBuilt = errors.New("the search index is still being built from the database")

// errClosed is what a query gets after Close.
var errClosed = errors.New("search index is closed")

// Index is the embedded backend. It answers queries once Rebuild has filled
// it (indexing.Follower does at start).
type Index struct {
	mu     sync.RWMutex
	mem    *memIndex
	built  bool
	closed bool
}

var _ search.Backend = (*Index)(nil)

// New returns an empty index that answers ErrNotBuilt until its first
// Rebuild.
func New() *Index { return &Index{mem: newMemIndex()} }

func (x *Index) usable() error {
	switch {
	case x.closed:
		return errClosed
	case !x.built:
		return ErrNotBuilt
	}
	return nil
}

// Upsert implements search.Backend.
func (x *Index) Upsert(ctx context.Context, docs []search.Document) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.closed {
		return errClosed
	}
	for i := range docs {
		d := docs[i]
		x.mem.put(&d)
	}
	return nil
}

// Delete implements search.Backend.
func (x *Index) Delete(ctx context.Context, ids []int64) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.closed {
		return errClosed
	}
	for _, id := range ids {
		x.mem.remove(id)
	}
	return nil
}

// Get implements search.Backend.
func (x *Index) Get(ctx context.Context, id int64) (search.Document, bool, error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if err := x.usable(); err != nil {
		return search.Document{}, false, err
	}
	d, ok := x.mem.get(id)
	if !ok {
		return search.Document{}, false, nil
	}
	return *d, true, nil
}

// Ping implements search.Backend.
func (x *Index) Ping(ctx context.Context) error {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.usable()
}

// Len is the number of indexed documents.
func (x *Index) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.mem.slot)
}

// Candidates implements search.Backend. It returns every match (window
// does not apply: the scorer's cost per candidate is small next to a
// round trip to a cluster).
func (x *Index) Candidates(ctx context.Context, q search.Query, window int) (search.Candidates, error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if err := x.usable(); err != nil {
		return search.Candidates{}, err
	}
	docs := x.mem.candidates(q)
	return search.Candidates{Docs: docs, Total: len(docs)}, nil
}

// Rebuild implements search.Backend: a new index is filled while the old
// one keeps answering, then swapped in.
func (x *Index) Rebuild(ctx context.Context, fill func(put func([]search.Document) error) error) error {
	mem := newMemIndex()
	err := fill(func(batch []search.Document) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		mem.putAll(batch)
		return nil
	})
	if err != nil {
		return err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.closed {
		return errClosed
	}
	x.mem, x.built = mem, true
	return nil
}

// Close implements search.Backend: the memory is released and later calls
// fail.
func (x *Index) Close() error {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.closed, x.mem = true, newMemIndex()
	return nil
}
