// Package embedded is the default search backend: a bleve index on disk in
// DATA_DIR/search plus an in-memory copy of every document for the scorer.
//
// Layout: DATA_DIR/search/CURRENT names the live index directory
// (index-<unix nanos>); Rebuild writes a new directory, points CURRENT at it
// with an atomic rename and then drops the old one.
//
// bleve is the durable index: every document is indexed (text, keywords,
// price, Lab grid cell terms) and stored, and Open loads the stored
// documents back. Queries are answered from memory (memindex.go): posting
// lists from grid cells and text terms to documents, then exact filters.
// The first version asked bleve (one query with the text, the filters and a
// disjunction of the cells within reach); on 100,000 generated products that
// took 300 ms (p50) to 940 ms (p95) for one colour, because a colour matches
// most of a catalogue and bleve has to score every match, and fetching all
// text matches from bleve alone cost 60–130 ms. In memory a one-colour
// query over 100,000 products costs about 50 ms of CPU split over the cores
// and text + colour about 6–20 ms (bench/search.sh), for about 1 KB per
// product; Open reads the stored documents back (about 10 s for 100,000).
// Because it sees every match, this backend is exact: it returns all
// candidates, so totals and facets are exact too.
package embedded

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/mapping"

	"github.com/warna/warna/search"
)

// Index is the embedded backend.
type Index struct {
	dir string

	mu   sync.RWMutex
	idx  bleve.Index
	path string
	mem  *memIndex
}

var _ search.Backend = (*Index)(nil)

// Open opens (or creates) the index under dir.
func Open(dir string) (*Index, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("search index directory: %w", err)
	}
	x := &Index{dir: dir}
	name, err := os.ReadFile(filepath.Join(dir, "CURRENT"))
	switch {
	case errors.Is(err, os.ErrNotExist):
		idx, path, err := x.create()
		if err != nil {
			return nil, err
		}
		if err := x.point(path); err != nil {
			_ = idx.Close()
			return nil, err
		}
		x.idx, x.path, x.mem = idx, path, newMemIndex()
		return x, nil
	case err != nil:
		return nil, fmt.Errorf("read search index pointer: %w", err)
	}
	path := filepath.Join(dir, strings.TrimSpace(string(name)))
	idx, err := bleve.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open search index %s (delete %s and run `warna reindex` to rebuild it): %w", path, dir, err)
	}
	mem, err := loadDocs(idx)
	if err != nil {
		_ = idx.Close()
		return nil, err
	}
	x.idx, x.path, x.mem = idx, path, mem
	return x, nil
}

func (x *Index) create() (bleve.Index, string, error) {
	path := filepath.Join(x.dir, fmt.Sprintf("index-%d", time.Now().UnixNano()))
	idx, err := bleve.New(path, indexMapping())
	if err != nil {
		return nil, "", fmt.Errorf("create search index: %w", err)
	}
	return idx, path, nil
}

// point makes path the live index for the next Open, atomically.
func (x *Index) point(path string) error {
	tmp := filepath.Join(x.dir, "CURRENT.tmp")
	if err := os.WriteFile(tmp, []byte(filepath.Base(path)+"\n"), 0o640); err != nil {
		return fmt.Errorf("write search index pointer: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(x.dir, "CURRENT")); err != nil {
		return fmt.Errorf("write search index pointer: %w", err)
	}
	return nil
}

func indexMapping() mapping.IndexMapping {
	text := func() *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer, f.Store, f.IncludeInAll, f.IncludeTermVectors = en.AnalyzerName, false, false, false
		return f
	}
	kw := func() *mapping.FieldMapping {
		f := bleve.NewKeywordFieldMapping()
		f.Analyzer, f.Store, f.IncludeInAll, f.IncludeTermVectors = keyword.Name, false, false, false
		return f
	}
	num := func() *mapping.FieldMapping {
		f := bleve.NewNumericFieldMapping()
		f.Store, f.IncludeInAll = false, false
		return f
	}
	source := bleve.NewTextFieldMapping()
	source.Index, source.Store, source.IncludeInAll, source.DocValues = false, true, false, false

	doc := bleve.NewDocumentStaticMapping()
	doc.AddFieldMappingsAt("title", text())
	doc.AddFieldMappingsAt("body", text())
	for _, f := range []string{"category", "shop_slug", "families", "currency", "cells"} {
		doc.AddFieldMappingsAt(f, kw())
	}
	doc.AddFieldMappingsAt("price_minor", num())
	doc.AddFieldMappingsAt("in_stock", bleve.NewBooleanFieldMapping())
	doc.AddFieldMappingsAt("_source", source)

	m := bleve.NewIndexMapping()
	m.DefaultMapping = doc
	m.DefaultAnalyzer = en.AnalyzerName
	m.StoreDynamic, m.IndexDynamic, m.DocValuesDynamic = false, false, false
	return m
}

// record is what bleve indexes for a document.
type record struct {
	Title      string   `json:"title"`
	Body       string   `json:"body"`
	Category   string   `json:"category"`
	ShopSlug   string   `json:"shop_slug"`
	Families   []string `json:"families"`
	Currency   string   `json:"currency"`
	Cells      []string `json:"cells"`
	PriceMinor float64  `json:"price_minor"`
	InStock    bool     `json:"in_stock"`
	Source     string   `json:"_source"`
}

func recordOf(d search.Document) (record, error) {
	src, err := json.Marshal(d)
	if err != nil {
		return record{}, err
	}
	return record{
		Title: d.Title, Body: d.Description + " " + d.Category, Category: strings.ToLower(d.Category),
		ShopSlug: d.ShopSlug, Families: d.Families, Currency: d.Currency, Cells: search.SwatchTerms(d.Palette),
		PriceMinor: float64(d.PriceMinor), InStock: d.InStock, Source: string(src),
	}, nil
}

// loadDocs reads every stored document, in pages ordered by id.
func loadDocs(idx bleve.Index) (*memIndex, error) {
	mem := newMemIndex()
	var after []string
	for {
		req := bleve.NewSearchRequestOptions(bleve.NewMatchAllQuery(), 2000, 0, false)
		req.Fields = []string{"_source"}
		req.SortBy([]string{"_id"})
		if after != nil {
			req.SetSearchAfter(after)
		}
		res, err := idx.Search(req)
		if err != nil {
			return nil, fmt.Errorf("load search documents: %w", err)
		}
		if len(res.Hits) == 0 {
			return mem, nil
		}
		for _, h := range res.Hits {
			src, _ := h.Fields["_source"].(string)
			d := new(search.Document)
			if err := json.Unmarshal([]byte(src), d); err != nil {
				return nil, fmt.Errorf("search document %s: %w", h.ID, err)
			}
			mem.put(d)
		}
		after = []string{res.Hits[len(res.Hits)-1].ID}
	}
}

func docID(id int64) string { return strconv.FormatInt(id, 10) }

// Upsert implements search.Backend.
func (x *Index) Upsert(ctx context.Context, docs []search.Document) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if err := write(x.idx, docs); err != nil {
		return err
	}
	for _, d := range docs {
		x.mem.put(&d)
	}
	return nil
}

func write(idx bleve.Index, docs []search.Document) error {
	b := idx.NewBatch()
	for _, d := range docs {
		r, err := recordOf(d)
		if err != nil {
			return fmt.Errorf("product %d: %w", d.ID, err)
		}
		if err := b.Index(docID(d.ID), r); err != nil {
			return fmt.Errorf("product %d: %w", d.ID, err)
		}
	}
	if err := idx.Batch(b); err != nil {
		return fmt.Errorf("write search index: %w", err)
	}
	return nil
}

// Delete implements search.Backend.
func (x *Index) Delete(ctx context.Context, ids []int64) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	b := x.idx.NewBatch()
	for _, id := range ids {
		b.Delete(docID(id))
	}
	if err := x.idx.Batch(b); err != nil {
		return fmt.Errorf("write search index: %w", err)
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
	if x.idx == nil {
		return errors.New("search index is closed")
	}
	_, err := x.idx.DocCount()
	return err
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
	if x.idx == nil {
		return search.Candidates{}, errors.New("search index is closed")
	}
	docs := x.mem.candidates(q)
	return search.Candidates{Docs: docs, Total: len(docs)}, nil
}

// Rebuild implements search.Backend: a new index directory is filled while
// the old one keeps answering, then swapped in.
func (x *Index) Rebuild(ctx context.Context, fill func(put func([]search.Document) error) error) error {
	idx, path, err := x.create()
	if err != nil {
		return err
	}
	mem := newMemIndex()
	err = fill(func(batch []search.Document) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := write(idx, batch); err != nil {
			return err
		}
		for _, d := range batch {
			mem.put(&d)
		}
		return nil
	})
	if err == nil {
		err = x.point(path)
	}
	if err != nil {
		_ = idx.Close()
		_ = os.RemoveAll(path)
		return err
	}
	x.mu.Lock()
	old, oldPath := x.idx, x.path
	x.idx, x.path, x.mem = idx, path, mem
	x.mu.Unlock()
	if old != nil {
		_ = old.Close()
		_ = os.RemoveAll(oldPath)
	}
	return nil
}

// Close implements search.Backend.
func (x *Index) Close() error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.idx == nil {
		return nil
	}
	err := x.idx.Close()
	x.idx = nil
	return err
}
