// Package essearch is the Elasticsearch 8 search backend, written with the
// go-elasticsearch typed API.
//
// Documents live in a versioned index (warna-products-v<MappingVersion>-<unix
// seconds>) behind the alias warna-products (DefaultAlias); searches and writes go through
// the alias. Rebuild fills a new index and moves the alias with one
// update-aliases request (remove + add), so searches see the old index until
// the new one is complete.
package essearch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/elastic/go-elasticsearch/v8"
	"github.com/elastic/go-elasticsearch/v8/typedapi/indices/create"
	"github.com/elastic/go-elasticsearch/v8/typedapi/indices/updatealiases"
	"github.com/elastic/go-elasticsearch/v8/typedapi/types"
	"github.com/elastic/go-elasticsearch/v8/typedapi/types/enums/densevectorsimilarity"
	"github.com/elastic/go-elasticsearch/v8/typedapi/types/enums/dynamicmapping"
	"github.com/elastic/go-elasticsearch/v8/typedapi/types/enums/refresh"

	"github.com/warna/warna/search"
)

// DefaultAlias is the name searches and writes use.
const DefaultAlias = "warna-products"

// MappingVersion changes whenever Mapping changes; a new version needs
// `warna reindex`.
const MappingVersion = 1

// Options configure the backend.
type Options struct {
	URL string
	// Transport replaces the HTTP transport (tests use a fake).
	Transport http.RoundTripper
	// Now names new indices; defaults to time.Now.
	Now func() time.Time
	// Alias defaults to DefaultAlias (tests on a shared cluster use their own).
	Alias string
}

// Index is the Elasticsearch backend.
type Index struct {
	es    *elasticsearch.TypedClient
	now   func() time.Time
	alias string
}

var _ search.Backend = (*Index)(nil)

// Open connects and makes sure the alias points at an index, creating the
// first one when the cluster has none.
func Open(ctx context.Context, opts Options) (*Index, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Alias == "" {
		opts.Alias = DefaultAlias
	}
	es, err := elasticsearch.NewTypedClient(elasticsearch.Config{Addresses: []string{opts.URL}, Transport: opts.Transport})
	if err != nil {
		return nil, fmt.Errorf("elasticsearch client: %w", err)
	}
	x := &Index{es: es, now: opts.Now, alias: opts.Alias}
	exists, err := es.Indices.ExistsAlias(x.alias).Do(ctx)
	if err != nil {
		return nil, fmt.Errorf("elasticsearch at %s: %w", opts.URL, err)
	}
	if exists {
		return x, nil
	}
	name, err := x.createIndex(ctx)
	if err != nil {
		return nil, err
	}
	if err := x.swapAlias(ctx, nil, name); err != nil {
		return nil, err
	}
	return x, nil
}

func (x *Index) createIndex(ctx context.Context) (string, error) {
	name := fmt.Sprintf("%s-v%d-%d", x.alias, MappingVersion, x.now().Unix())
	_, err := x.es.Indices.Create(name).Request(&create.Request{Mappings: Mapping(), Settings: settings()}).Do(ctx)
	if err != nil {
		return "", fmt.Errorf("create index %s: %w", name, err)
	}
	return name, nil
}

func settings() *types.IndexSettings {
	shards, replicas := "1", "1"
	return &types.IndexSettings{NumberOfShards: &shards, NumberOfReplicas: &replicas}
}

// Mapping is the explicit mapping of a product document.
func Mapping() *types.TypeMapping {
	english := "english"
	kw := func() types.Property { return types.NewKeywordProperty() }
	text := func() types.Property { p := types.NewTextProperty(); p.Analyzer = &english; return p }
	float := func() types.Property { return types.NewFloatNumberProperty() }
	notIndexed := func() types.Property {
		p := types.NewKeywordProperty()
		f := false
		p.Index, p.DocValues = &f, &f
		return p
	}
	dims, yes := 3, true
	l2 := densevectorsimilarity.L2norm
	dominant := types.NewDenseVectorProperty()
	dominant.Dims, dominant.Index, dominant.Similarity = &dims, &yes, &l2
	palette := types.NewNestedProperty()
	palette.Properties = map[string]types.Property{
		"L": float(), "a": float(), "b": float(), "share": float(),
		"family": kw(), "name": kw(), "hex": notIndexed(),
	}
	dynamic := dynamicmapping.Strict
	return &types.TypeMapping{
		Dynamic: &dynamic,
		Properties: map[string]types.Property{
			"id": types.NewLongNumberProperty(), "title": text(), "description": text(), "body": text(),
			"category": kw(), "shop_id": types.NewLongNumberProperty(), "shop_slug": kw(), "shop_name": notIndexed(),
			"price_minor": types.NewLongNumberProperty(), "currency": kw(), "in_stock": types.NewBooleanProperty(),
			"popularity": types.NewLongNumberProperty(), "created_at": types.NewDateProperty(),
			"families": kw(), "family_share": types.NewRankFeaturesProperty(), "multicolour": types.NewBooleanProperty(),
			"palette": palette, "dominant": dominant, "thumb": notIndexed(),
		},
	}
}

// source is the stored document: search.Document plus the body field that
// the text query searches (description and category, as in the embedded
// backend).
type source struct {
	search.Document
	Body string `json:"body"`
}

// Upsert implements search.Backend with one bulk request.
func (x *Index) Upsert(ctx context.Context, docs []search.Document) error {
	return x.bulk(ctx, x.alias, docs, nil, refresh.Waitfor)
}

// Delete implements search.Backend.
func (x *Index) Delete(ctx context.Context, ids []int64) error {
	return x.bulk(ctx, x.alias, nil, ids, refresh.Waitfor)
}

func (x *Index) bulk(ctx context.Context, index string, docs []search.Document, deletes []int64, r refresh.Refresh) error {
	if len(docs) == 0 && len(deletes) == 0 {
		return nil
	}
	req := x.es.Bulk().Index(index).Refresh(r)
	for _, d := range docs {
		id := strconv.FormatInt(d.ID, 10)
		if err := req.IndexOp(types.IndexOperation{Id_: &id}, source{Document: d, Body: d.Description + " " + d.Category}); err != nil {
			return fmt.Errorf("bulk product %d: %w", d.ID, err)
		}
	}
	for _, pid := range deletes {
		id := strconv.FormatInt(pid, 10)
		if err := req.DeleteOp(types.DeleteOperation{Id_: &id}); err != nil {
			return fmt.Errorf("bulk delete %d: %w", pid, err)
		}
	}
	res, err := req.Do(ctx)
	if err != nil {
		return fmt.Errorf("bulk: %w", err)
	}
	if !res.Errors {
		return nil
	}
	for _, item := range res.Items {
		for op, r := range item {
			if r.Error != nil && !(op.String() == "delete" && r.Status == http.StatusNotFound) {
				reason := ""
				if r.Error.Reason != nil {
					reason = *r.Error.Reason
				}
				return fmt.Errorf("bulk %s %v: %s: %s", op, r.Id_, r.Error.Type, reason)
			}
		}
	}
	return nil
}

// Get implements search.Backend.
func (x *Index) Get(ctx context.Context, id int64) (search.Document, bool, error) {
	res, err := x.es.Get(x.alias, strconv.FormatInt(id, 10)).Do(ctx)
	if err != nil {
		var e *types.ElasticsearchError
		if errors.As(err, &e) && e.Status == http.StatusNotFound {
			return search.Document{}, false, nil
		}
		return search.Document{}, false, fmt.Errorf("get product %d: %w", id, err)
	}
	if !res.Found {
		return search.Document{}, false, nil
	}
	var d search.Document
	if err := json.Unmarshal(res.Source_, &d); err != nil {
		return search.Document{}, false, fmt.Errorf("product %d source: %w", id, err)
	}
	return d, true, nil
}

// Ping implements search.Backend.
func (x *Index) Ping(ctx context.Context) error {
	ok, err := x.es.Ping().Do(ctx)
	if err != nil {
		return err
	}
	if !ok {
		return errors.New("elasticsearch did not answer the ping")
	}
	return nil
}

// Close implements search.Backend; the HTTP client needs no closing.
func (x *Index) Close() error { return nil }

// Rebuild implements search.Backend: a new index, bulk-filled, then one
// atomic alias swap; the old index is deleted afterwards.
func (x *Index) Rebuild(ctx context.Context, fill func(put func([]search.Document) error) error) error {
	name, err := x.createIndex(ctx)
	if err != nil {
		return err
	}
	err = fill(func(docs []search.Document) error { return x.bulk(ctx, name, docs, nil, refresh.False) })
	if err == nil {
		_, err = x.es.Indices.Refresh().Index(name).Do(ctx)
	}
	var old []string
	if err == nil {
		old, err = x.aliasIndices(ctx)
	}
	if err == nil {
		err = x.swapAlias(ctx, old, name)
	}
	if err != nil {
		_, _ = x.es.Indices.Delete(name).Do(context.WithoutCancel(ctx))
		return err
	}
	for _, o := range old {
		if _, err := x.es.Indices.Delete(o).Do(ctx); err != nil {
			return fmt.Errorf("delete old index %s: %w", o, err)
		}
	}
	return nil
}

func (x *Index) aliasIndices(ctx context.Context) ([]string, error) {
	res, err := x.es.Indices.GetAlias().Name(x.alias).Do(ctx)
	if err != nil {
		return nil, fmt.Errorf("read alias %s: %w", x.alias, err)
	}
	var out []string
	for name := range res {
		out = append(out, name)
	}
	return out, nil
}

// swapAlias points the alias at index, removing it from old, in one request.
func (x *Index) swapAlias(ctx context.Context, old []string, index string) error {
	alias := x.alias
	var actions []types.IndicesAction
	for _, o := range old {
		o := o
		actions = append(actions, types.IndicesAction{Remove: &types.RemoveAction{Index: &o, Alias: &alias}})
	}
	actions = append(actions, types.IndicesAction{Add: &types.AddAction{Index: &index, Alias: &alias}})
	if _, err := x.es.Indices.UpdateAliases().Request(&updatealiases.Request{Actions: actions}).Do(ctx); err != nil {
		return fmt.Errorf("point %s at %s: %w", x.alias, index, err)
	}
	return nil
}

// Candidates implements search.Backend.
func (x *Index) Candidates(ctx context.Context, q search.Query, window int) (search.Candidates, error) {
	res, err := x.es.Search().Index(x.alias).Request(CandidateRequest(q, window)).Do(ctx)
	if err != nil {
		return search.Candidates{}, fmt.Errorf("search: %w", err)
	}
	out := search.Candidates{Docs: make([]*search.Document, 0, len(res.Hits.Hits))}
	if res.Hits.Total != nil {
		out.Total = int(res.Hits.Total.Value)
	}
	for _, h := range res.Hits.Hits {
		d := new(search.Document)
		if err := json.Unmarshal(h.Source_, d); err != nil {
			return search.Candidates{}, fmt.Errorf("search hit %v: %w", h.Id_, err)
		}
		out.Docs = append(out.Docs, d)
	}
	out.Facets = facetsOf(res.Aggregations, q.Currency)
	return out, nil
}

// Drop deletes the alias's indices (for tests against a shared cluster).
func (x *Index) Drop(ctx context.Context) error {
	names, err := x.aliasIndices(ctx)
	if err != nil {
		return err
	}
	for _, n := range names {
		if _, err := x.es.Indices.Delete(n).Do(ctx); err != nil {
			return fmt.Errorf("delete index %s: %w", n, err)
		}
	}
	return nil
}
