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
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/elastic/go-elasticsearch/v8"
	essearch "github.com/elastic/go-elasticsearch/v8/typedapi/core/search"
	"github.com/elastic/go-elasticsearch/v8/typedapi/indices/analyze"
	"github.com/elastic/go-elasticsearch/v8/typedapi/indices/create"
	"github.com/elastic/go-elasticsearch/v8/typedapi/indices/updatealiases"
	"github.com/elastic/go-elasticsearch/v8/typedapi/types"
	"github.com/elastic/go-elasticsearch/v8/typedapi/types/enums/densevectorsimilarity"
	"github.com/elastic/go-elasticsearch/v8/typedapi/types/enums/dynamicmapping"
	"github.com/elastic/go-elasticsearch/v8/typedapi/types/enums/refresh"
	"github.com/elastic/go-elasticsearch/v8/typedapi/types/enums/versiontype"

	"github.com/warna/warna/search"
	"github.com/warna/warna/search/analysis"
)

// DefaultAlias is the name searches and writes use.
const DefaultAlias = "warna-products"

// MappingVersion changes whenever Mapping or the analysis settings change;
// each index records it in its mapping's _meta (metaVersion), and a
// follower that finds an older one behind the alias rebuilds (see
// Outdated). Version 2: text analysed in English and Indonesian with
// product synonyms (analyzer warna_text), and the palette's family_p.
// Version 3: keyword fields ignore values over ignoreAbove characters (a
// longer one failed its whole document) and the version is in _meta.
// Version 4: excluding_families, the families a "not" of theirs leaves the
// product out for, so that the search can send those exclusions.
const MappingVersion = 4

// metaVersion is the mapping's _meta key holding MappingVersion.
const metaVersion = "warna_mapping_version"

// ignoreAbove bounds the keyword values that are indexed, in characters:
// Lucene refuses a term over 32,766 bytes, and 4 bytes a character keeps
// 8,191 characters under that, as
// https://www.elastic.co/guide/en/elasticsearch/reference/8.15/ignore-above.html
// suggests. A longer value is kept in _source but not indexed.
const ignoreAbove = 8191

// MaxWindow is the most hits one search may ask for: Elasticsearch's
// index.max_result_window (from + size) and kNN's num_candidates limit.
const MaxWindow = search.MaxWindow

// DefaultTimeout bounds every request to Elasticsearch.
const DefaultTimeout = 30 * time.Second

// Options configure the backend.
type Options struct {
	// URL of the cluster; it may carry a user and password
	// (https://user:password@host:9200).
	URL string
	// APIKey is the base64 API key (the "encoded" value Elasticsearch
	// returns); it takes precedence over a user and password.
	APIKey string
	// CACert is the PEM certificate of the authority that signed the
	// cluster's TLS certificate (Elasticsearch 8 makes its own at setup).
	CACert []byte
	// Timeout bounds every request (default DefaultTimeout).
	Timeout time.Duration
	// Transport replaces the HTTP transport (tests use a fake).
	Transport http.RoundTripper
	// Now names new indices; defaults to time.Now.
	Now func() time.Time
	// Alias defaults to DefaultAlias (tests on a shared cluster use their own).
	Alias string
}

// Index is the Elasticsearch backend.
type Index struct {
	es      *elasticsearch.TypedClient
	now     func() time.Time
	alias   string
	timeout time.Duration

	mu sync.Mutex
	// outdated is the name of the live index when its mapping version is
	// older than MappingVersion.
	outdated string
}

var _ search.Backend = (*Index)(nil)

// Open connects and makes sure the alias points at an index of this
// mapping version, creating the first one with the alias in one request
// when the cluster has none (instances starting together on an empty
// cluster all end up behind the same one). An index behind the alias made
// by a newer version of Warna is an error; one made by an older version is
// reported by Outdated.
func Open(ctx context.Context, opts Options) (*Index, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Alias == "" {
		opts.Alias = DefaultAlias
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	where := redacted(opts.URL)
	es, err := elasticsearch.NewTypedClient(elasticsearch.Config{Addresses: []string{opts.URL}, APIKey: opts.APIKey, CACert: opts.CACert, Transport: opts.Transport})
	if err != nil {
		return nil, fmt.Errorf("elasticsearch client for %s: %w", where, err)
	}
	x := &Index{es: es, now: opts.Now, alias: opts.Alias, timeout: opts.Timeout}
	live, err := x.aliasIndices(ctx)
	if err != nil {
		return nil, fmt.Errorf("elasticsearch at %s: %w", where, err)
	}
	if len(live) == 0 {
		if live, err = x.createFirst(ctx); err != nil {
			return nil, err
		}
	}
	if err := x.checkVersions(ctx, live); err != nil {
		return nil, err
	}
	return x, nil
}

// redacted is the URL without its password, for messages.
func redacted(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "the configured URL"
	}
	return u.Redacted()
}

// call bounds one request by the timeout.
func (x *Index) call(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, x.timeout)
}

// firstIndex is the name of the index Open creates on an empty cluster
// behind alias: the same in every instance, so that only one of them can
// create it.
func firstIndex(alias string) string { return fmt.Sprintf("%s-v%d-initial", alias, MappingVersion) }

// createFirst creates the first index together with the alias (one
// request, so there is never an index without it); when another instance
// got there first (resource_already_exists_exception), it reads the alias
// that one made. It returns the indices behind the alias.
func (x *Index) createFirst(ctx context.Context) ([]string, error) {
	name := firstIndex(x.alias)
	err := x.createIndex(ctx, name, true)
	if err == nil {
		return []string{name}, nil
	}
	switch errorType(err) {
	case "resource_already_exists_exception":
		live, rerr := x.aliasIndices(ctx)
		if rerr != nil {
			return nil, rerr
		}
		if len(live) == 0 {
			return nil, fmt.Errorf("index %s exists but the alias %s does not point at it: add the alias to it or delete it", name, x.alias)
		}
		return live, nil
	case "invalid_alias_name_exception":
		return nil, fmt.Errorf("an index named %s blocks the alias of that name (a write before the alias existed creates one): delete that index, then start again: %w", x.alias, err)
	}
	return nil, err
}

// checkVersions reads the mapping version of the indices behind the alias
// from their _meta (or, for indices made before it was there, from their
// names).
func (x *Index) checkVersions(ctx context.Context, live []string) error {
	cctx, cancel := x.call(ctx)
	defer cancel()
	res, err := x.es.Indices.GetMapping().Index(x.alias).Do(cctx)
	if err != nil {
		return fmt.Errorf("read the mapping of %s: %w", x.alias, err)
	}
	outdated := ""
	for _, name := range live {
		v := mappingVersion(x.alias, name)
		if rec, ok := res[name]; ok {
			if raw, ok := rec.Mappings.Meta_[metaVersion]; ok {
				if err := json.Unmarshal(raw, &v); err != nil {
					return fmt.Errorf("index %s: _meta.%s: %w", name, metaVersion, err)
				}
			}
		}
		switch {
		case v > MappingVersion:
			return fmt.Errorf("index %s behind %s has mapping version %d, newer than this Warna's %d: run the newer Warna, or `warna reindex` with this one to go back", name, x.alias, v, MappingVersion)
		case v < MappingVersion:
			outdated = name
		}
	}
	if len(live) > 1 && outdated == "" {
		// instances of an earlier version raced on an empty cluster: with
		// no write index every write fails; a rebuild puts one index
		// behind the alias
		outdated = live[0]
	}
	x.mu.Lock()
	x.outdated = outdated
	x.mu.Unlock()
	return nil
}

// Outdated names the live index when an older version of Warna made it:
// its mapping lacks what documents and searches now carry (its strict
// mapping may refuse them), and the follower rebuilds it at start (as
// `warna reindex` does). It names one of them too when the alias points
// at several indices. "" when it is current.
func (x *Index) Outdated() string {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.outdated
}

// mappingVersion reads the version from an index name made by
// createIndex (alias-v<version>-…); 0 when it has none.
func mappingVersion(alias, name string) int {
	rest, ok := strings.CutPrefix(name, alias+"-v")
	if !ok {
		return 0
	}
	v, _, _ := strings.Cut(rest, "-")
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0
	}
	return n
}

// rebuildName is a new index's name behind alias, unique across instances
// and calls: the time in nanoseconds and a random suffix.
func rebuildName(alias string, now time.Time) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s-v%d-%d-%s", alias, MappingVersion, now.UnixNano(), hex.EncodeToString(b[:]))
}

// createIndex creates an index with the mapping and, when withAlias, the
// alias as its write index.
func (x *Index) createIndex(ctx context.Context, name string, withAlias bool) error {
	req := &create.Request{Mappings: Mapping(), Settings: settings()}
	if withAlias {
		yes := true
		req.Aliases = map[string]types.Alias{x.alias: {IsWriteIndex: &yes}}
	}
	cctx, cancel := x.call(ctx)
	defer cancel()
	if _, err := x.es.Indices.Create(name).Request(req).Do(cctx); err != nil {
		return fmt.Errorf("create index %s: %w", name, err)
	}
	return nil
}

// errorType is the Elasticsearch error type of err ("" when it is not
// an error answer).
func errorType(err error) string {
	var e *types.ElasticsearchError
	if errors.As(err, &e) {
		return e.ErrorCause.Type
	}
	return ""
}

func settings() *types.IndexSettings {
	shards, replicas := "1", "1"
	return &types.IndexSettings{NumberOfShards: &shards, NumberOfReplicas: &replicas, Analysis: Analysis()}
}

// TextAnalyzer is the analyzer of the text fields.
const TextAnalyzer = "warna_text"

// Analysis is the analysis chain of search.Analyse, step for step, built
// from the same word lists: the standard tokenizer, English possessives,
// lower case, the English and Indonesian stop words, the bilingual product
// synonyms (explicit mappings to canonical tokens), those tokens marked as
// keywords, then the Porter ("english") and the Indonesian stemmers.
func Analysis() *types.IndexSettingsAnalysis {
	stemmer := func(language string) types.TokenFilter {
		f := types.NewStemmerTokenFilter()
		f.Language = &language
		return f
	}
	stop := types.NewStopTokenFilter()
	stop.Stopwords = analysis.StopWords()
	synonyms := types.NewSynonymTokenFilter()
	synonyms.Synonyms = analysis.SynonymRules()
	keywords := types.NewKeywordMarkerTokenFilter()
	keywords.Keywords = analysis.SynonymKeywords()
	analyzer := types.NewCustomAnalyzer()
	analyzer.Tokenizer = "standard"
	analyzer.Filter = []string{"warna_possessive", "lowercase", "warna_stop", "warna_products", "warna_keywords", "warna_english", "warna_indonesian"}
	return &types.IndexSettingsAnalysis{
		Filter: map[string]types.TokenFilter{
			"warna_possessive": stemmer("possessive_english"), "warna_stop": stop, "warna_products": synonyms,
			"warna_keywords": keywords, "warna_english": stemmer("english"), "warna_indonesian": stemmer("indonesian"),
		},
		Analyzer: map[string]types.Analyzer{TextAnalyzer: analyzer},
	}
}

// Mapping is the explicit mapping of a product document.
func Mapping() *types.TypeMapping {
	analyzer := TextAnalyzer
	kw := func() types.Property {
		p := types.NewKeywordProperty()
		n := ignoreAbove
		p.IgnoreAbove = &n
		return p
	}
	text := func() types.Property { p := types.NewTextProperty(); p.Analyzer = &analyzer; return p }
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
	stored := types.NewObjectProperty() // kept in _source for the scorer, not indexed
	off := false
	stored.Enabled = &off
	palette := types.NewNestedProperty()
	palette.Properties = map[string]types.Property{
		"L": float(), "a": float(), "b": float(), "share": float(),
		"family": kw(), "family_p": stored, "name": kw(), "hex": notIndexed(),
	}
	dynamic := dynamicmapping.Strict
	version, _ := json.Marshal(MappingVersion)
	return &types.TypeMapping{
		Meta_:   types.Metadata{metaVersion: version},
		Dynamic: &dynamic,
		Properties: map[string]types.Property{
			"id": types.NewLongNumberProperty(), "title": text(), "description": text(), "body": text(),
			"category": kw(), "shop_id": types.NewLongNumberProperty(), "shop_slug": kw(), "shop_name": notIndexed(),
			"price_minor": types.NewLongNumberProperty(), "currency": kw(), "in_stock": types.NewBooleanProperty(),
			"popularity": types.NewLongNumberProperty(), "created_at": types.NewDateProperty(),
			"families": kw(), "family_share": types.NewRankFeaturesProperty(), "multicolour": types.NewBooleanProperty(),
			"excluding_families": kw(), "palette": palette, "dominant": dominant, "thumb": notIndexed(),
		},
	}
}

// source is the stored document: search.Document plus the body field that
// the text query searches (description and category, as in the embedded
// backend).
type source struct {
	search.Document
	Body string `json:"body"`
	// ExcludingFamilies are the families "not <family>" leaves the product
	// out for (search.ExcludedBy).
	ExcludingFamilies []string `json:"excluding_families,omitempty"`
}

// Upsert implements search.Backend with one bulk request through the
// alias (require_alias: a write never creates an index of that name).
// Documents with a Version are written with version_type external_gte, so
// an older snapshot never replaces a newer one (its 409 is success).
// Documents the cluster refuses for good come back as a
// *search.RejectedError after the rest are written.
func (x *Index) Upsert(ctx context.Context, docs []search.Document) error {
	return x.bulk(ctx, x.alias, docs, nil, refresh.Waitfor)
}

// Delete implements search.Backend (unversioned).
func (x *Index) Delete(ctx context.Context, ids []int64) error {
	versions := make(map[int64]int64, len(ids))
	for _, id := range ids {
		versions[id] = 0
	}
	return x.DeleteVersions(ctx, versions)
}

// DeleteVersions removes products, each with the version of the snapshot
// that found it gone (0: unversioned): a delete older than what the index
// holds is a conflict, and so no delete.
func (x *Index) DeleteVersions(ctx context.Context, versions map[int64]int64) error {
	return x.bulk(ctx, x.alias, nil, versions, refresh.Waitfor)
}

func (x *Index) bulk(ctx context.Context, index string, docs []search.Document, deletes map[int64]int64, r refresh.Refresh) error {
	if len(docs) == 0 && len(deletes) == 0 {
		return nil
	}
	external := versiontype.Externalgte
	req := x.es.Bulk().Index(index).Refresh(r)
	if index == x.alias {
		req.RequireAlias(true)
	}
	for _, d := range docs {
		id := strconv.FormatInt(d.ID, 10)
		op := types.IndexOperation{Id_: &id}
		if d.Version > 0 {
			v := d.Version
			op.Version, op.VersionType = &v, &external
		}
		if err := req.IndexOp(op, source{Document: d, Body: d.Description + " " + d.Category, ExcludingFamilies: search.ExcludingFamilies(&d)}); err != nil {
			return fmt.Errorf("bulk product %d: %w", d.ID, err)
		}
	}
	for _, pid := range slices.Sorted(maps.Keys(deletes)) {
		id := strconv.FormatInt(pid, 10)
		op := types.DeleteOperation{Id_: &id}
		if v := deletes[pid]; v > 0 {
			op.Version, op.VersionType = &v, &external
		}
		if err := req.DeleteOp(op); err != nil {
			return fmt.Errorf("bulk delete %d: %w", pid, err)
		}
	}
	cctx, cancel := x.call(ctx)
	defer cancel()
	res, err := req.Do(cctx)
	if err != nil {
		return fmt.Errorf("bulk: %w", err)
	}
	if !res.Errors {
		return nil
	}
	var (
		retry    error
		rejected []search.Rejection
	)
	for _, item := range res.Items {
		for op, r := range item {
			if r.Error == nil {
				continue
			}
			id := ""
			if r.Id_ != nil {
				id = *r.Id_
			}
			reason := describe(r.Error)
			switch {
			case op.String() == "delete" && r.Status == http.StatusNotFound && r.Error.Type != "index_not_found_exception":
				// already gone
			case r.Status == http.StatusConflict && r.Error.Type == "version_conflict_engine_exception":
				// the index holds a newer snapshot of the product
			case r.Status == http.StatusTooManyRequests || r.Status >= 500 || aboutTheIndex(r.Error):
				// the cluster's state, not the document: the batch is retried
				if retry == nil {
					retry = fmt.Errorf("bulk %s %s: status %d: %s", op, id, r.Status, reason)
				}
			default:
				pid, _ := strconv.ParseInt(id, 10, 64)
				rejected = append(rejected, search.Rejection{ProductID: pid, Status: r.Status, Reason: reason})
			}
		}
	}
	if retry != nil {
		return retry
	}
	if len(rejected) > 0 {
		return &search.RejectedError{Rejections: rejected}
	}
	return nil
}

// aboutTheIndex reports whether a bulk item's error is about where it was
// written rather than about the document: no such index (the alias is
// gone), no write index behind the alias, or a strict mapping of an older
// version that the rebuild at start replaces. Those are retried.
func aboutTheIndex(c *types.ErrorCause) bool {
	reason := ""
	if c.Reason != nil {
		reason = *c.Reason
	}
	return c.Type == "index_not_found_exception" || c.Type == "strict_dynamic_mapping_exception" ||
		strings.Contains(reason, "write index") || strings.Contains(reason, "mapping set to strict")
}

// describe is an error cause and what caused it, as one line.
func describe(c *types.ErrorCause) string {
	var parts []string
	for ; c != nil && len(parts) < 4; c = c.CausedBy {
		s := c.Type
		if c.Reason != nil {
			s += ": " + *c.Reason
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; caused by ")
}

// Get implements search.Backend.
func (x *Index) Get(ctx context.Context, id int64) (search.Document, bool, error) {
	cctx, cancel := x.call(ctx)
	defer cancel()
	res, err := x.es.Get(x.alias, strconv.FormatInt(id, 10)).Do(cctx)
	if err != nil {
		var e *types.ElasticsearchError
		if errors.As(err, &e) && e.Status == http.StatusNotFound && e.ErrorCause.Type == "" {
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
	cctx, cancel := x.call(ctx)
	defer cancel()
	ok, err := x.es.Ping().Do(cctx)
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

// Rebuild implements search.Backend: a new index under a name no other
// instance or call uses, bulk-filled, then one atomic alias swap; the old
// index is deleted afterwards. When the swap's answer is an error, the
// alias is read again: the swap may have happened (an answer lost), and
// the index the alias points at is never the one deleted.
func (x *Index) Rebuild(ctx context.Context, fill func(put func([]search.Document) error) error) error {
	name := rebuildName(x.alias, x.now())
	if err := x.createIndex(ctx, name, false); err != nil {
		return err
	}
	err := fill(func(docs []search.Document) error { return x.bulk(ctx, name, docs, nil, refresh.False) })
	if err == nil {
		cctx, cancel := x.call(ctx)
		_, err = x.es.Indices.Refresh().Index(name).Do(cctx)
		cancel()
		if err != nil {
			err = fmt.Errorf("refresh %s: %w", name, err)
		}
	}
	var old []string
	if err == nil {
		old, err = x.aliasIndices(ctx)
	}
	if err == nil {
		err = x.swapAlias(ctx, old, name)
	}
	if err != nil {
		bg := context.WithoutCancel(ctx)
		live, rerr := x.aliasIndices(bg)
		switch {
		case rerr != nil:
			return fmt.Errorf("%w (and reading the alias after it: %v; index %s is left in place)", err, rerr, name)
		case !slices.Contains(live, name):
			dctx, cancel := x.call(bg)
			_, derr := x.es.Indices.Delete(name).Do(dctx)
			cancel()
			if derr != nil {
				return fmt.Errorf("%w (and deleting the unused index %s: %v)", err, name, derr)
			}
			// another instance may have rebuilt meanwhile
			_ = x.checkVersions(bg, live)
			return err
		}
		// the swap happened (its answer was lost): old left the alias
	}
	x.mu.Lock()
	x.outdated = ""
	x.mu.Unlock()
	for _, o := range old {
		cctx, cancel := x.call(ctx)
		_, err := x.es.Indices.Delete(o).Do(cctx)
		cancel()
		if err != nil {
			return fmt.Errorf("delete old index %s: %w", o, err)
		}
	}
	return nil
}

// aliasIndices lists the indices behind the alias (none when it does not
// exist).
func (x *Index) aliasIndices(ctx context.Context) ([]string, error) {
	cctx, cancel := x.call(ctx)
	defer cancel()
	exists, err := x.es.Indices.ExistsAlias(x.alias).Do(cctx)
	if err != nil {
		return nil, fmt.Errorf("look for alias %s: %w", x.alias, err)
	}
	if !exists {
		return nil, nil
	}
	res, err := x.es.Indices.GetAlias().Name(x.alias).Do(cctx)
	if err != nil {
		return nil, fmt.Errorf("read alias %s: %w", x.alias, err)
	}
	return slices.Sorted(maps.Keys(res)), nil
}

// swapAlias points the alias at index alone, as its write index, removing
// it from old, in one request.
func (x *Index) swapAlias(ctx context.Context, old []string, index string) error {
	alias, yes := x.alias, true
	var actions []types.IndicesAction
	for _, o := range old {
		actions = append(actions, types.IndicesAction{Remove: &types.RemoveAction{Index: &o, Alias: &alias, MustExist: &yes}})
	}
	actions = append(actions, types.IndicesAction{Add: &types.AddAction{Index: &index, Alias: &alias, IsWriteIndex: &yes}})
	cctx, cancel := x.call(ctx)
	defer cancel()
	if _, err := x.es.Indices.UpdateAliases().Request(&updatealiases.Request{Actions: actions}).Do(cctx); err != nil {
		return fmt.Errorf("point %s at %s: %w", x.alias, index, err)
	}
	return nil
}

// Candidates implements search.Backend. The window is capped at
// MaxWindow; a search that did not run on every shard, or timed out, is
// an error rather than a silent part of the answer.
func (x *Index) Candidates(ctx context.Context, q search.Query, window int) (search.Candidates, error) {
	res, docs, err := x.search(ctx, CandidateRequest(q, min(window, MaxWindow)))
	if err != nil {
		return search.Candidates{}, err
	}
	out := search.Candidates{Docs: docs, Facets: facetsOf(res.Aggregations, q.Currency)}
	if res.Hits.Total != nil {
		out.Total = int(res.Hits.Total.Value)
	}
	return out, nil
}

// CandidatePage lists size matches of q from the offset from, in the
// order of CandidateRequest: the pages past the window of a query whose
// order is Elasticsearch's (a sort on a field, a browse). from+size is at
// most MaxWindow.
func (x *Index) CandidatePage(ctx context.Context, q search.Query, from, size int) ([]*search.Document, error) {
	if from+size > MaxWindow {
		return nil, fmt.Errorf("search: results %d to %d are past the first %d, which Elasticsearch does not page beyond", from, from+size, MaxWindow)
	}
	req := CandidateRequest(q, size)
	req.From, req.Aggregations, req.TrackTotalHits = &from, nil, false
	_, docs, err := x.search(ctx, req)
	return docs, err
}

func (x *Index) search(ctx context.Context, req *essearch.Request) (*essearch.Response, []*search.Document, error) {
	cctx, cancel := x.call(ctx)
	defer cancel()
	res, err := x.es.Search().Index(x.alias).AllowPartialSearchResults(false).Request(req).Do(cctx)
	if err != nil {
		return nil, nil, fmt.Errorf("search: %w", err)
	}
	if res.TimedOut || res.Shards_.Failed > 0 {
		return nil, nil, fmt.Errorf("search: partial results (%d of %d shards failed, timed out: %v)", res.Shards_.Failed, res.Shards_.Total, res.TimedOut)
	}
	docs := make([]*search.Document, 0, len(res.Hits.Hits))
	for _, h := range res.Hits.Hits {
		d := new(search.Document)
		if err := json.Unmarshal(h.Source_, d); err != nil {
			id := ""
			if h.Id_ != nil {
				id = *h.Id_
			}
			return nil, nil, fmt.Errorf("search hit %s: %w", id, err)
		}
		docs = append(docs, d)
	}
	return res, docs, nil
}

// Analyze returns the tokens the live index's text analyzer makes of text,
// to check search.Analyse against the cluster.
func (x *Index) Analyze(ctx context.Context, text string) ([]string, error) {
	analyzer := TextAnalyzer
	cctx, cancel := x.call(ctx)
	defer cancel()
	res, err := x.es.Indices.Analyze().Index(x.alias).Request(&analyze.Request{Analyzer: &analyzer, Text: []string{text}}).Do(cctx)
	if err != nil {
		return nil, fmt.Errorf("analyze: %w", err)
	}
	out := make([]string, len(res.Tokens))
	for i, t := range res.Tokens {
		out[i] = t.Token
	}
	return out, nil
}

// Drop deletes the alias's indices (for tests against a shared cluster).
func (x *Index) Drop(ctx context.Context) error {
	names, err := x.aliasIndices(ctx)
	if err != nil {
		return err
	}
	for _, n := range names {
		cctx, cancel := x.call(ctx)
		_, err := x.es.Indices.Delete(n).Do(cctx)
		cancel()
		if err != nil {
			return fmt.Errorf("delete index %s: %w", n, err)
		}
	}
	return nil
}
