package essearch_test

import (
	"context"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/warna/warna/search"
	"github.com/warna/warna/search/essearch"
	"github.com/warna/warna/search/searchtest"
)

// openOn opens the backend on a strict fake, through an optional hook run
// before each request.
func openOn(t *testing.T, f http.RoundTripper, now func() time.Time) *essearch.Index {
	t.Helper()
	x, err := essearch.Open(context.Background(), essearch.Options{URL: "http://es.test:9200", Transport: f, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// hooked runs before ahead of each request it passes on.
type hooked struct {
	next   http.RoundTripper
	before func(r *http.Request)
}

func (h *hooked) RoundTrip(r *http.Request) (*http.Response, error) {
	if h.before != nil {
		h.before(r)
	}
	if err := r.Context().Err(); err != nil {
		return nil, err // as net/http does for a request whose context ended
	}
	return h.next.RoundTrip(r)
}

// writeThrough upserts the first documents and checks they are behind the
// alias.
func writeThrough(t *testing.T, f *strictES, x *essearch.Index) {
	t.Helper()
	docs := searchtest.Documents()[:3]
	if err := x.Upsert(context.Background(), docs); err != nil {
		t.Fatalf("upsert through the alias: %v", err)
	}
	behind := f.behind(essearch.DefaultAlias)
	if len(behind) != 1 {
		t.Fatalf("alias points at %v, want one index", behind)
	}
	got := f.docIDs(behind[0])
	for _, d := range docs {
		if !slices.Contains(got, strconv.FormatInt(d.ID, 10)) {
			t.Errorf("index %s holds %v, want product %d among them", behind[0], got, d.ID)
		}
	}
}

// TestFirstReindexOnEmptyCluster is finding 1: Open creates the first
// index and `warna reindex` in the same second must not try to create the
// same name.
func TestFirstReindexOnEmptyCluster(t *testing.T) {
	f := newStrictES()
	x := openOn(t, f, fixedNow)
	first := f.behind(essearch.DefaultAlias)
	if len(first) != 1 {
		t.Fatalf("after Open the alias points at %v, want one index", first)
	}
	docs := searchtest.Documents()
	err := x.Rebuild(context.Background(), func(put func([]search.Document) error) error { return put(docs[:5]) })
	if err != nil {
		t.Fatalf("first rebuild: %v", err)
	}
	now := f.behind(essearch.DefaultAlias)
	if len(now) != 1 || now[0] == first[0] {
		t.Fatalf("after the rebuild the alias points at %v, want one new index (not %s)", now, first[0])
	}
	if got := f.indexNames(); !slices.Equal(got, now) {
		t.Errorf("indices %v, want only the live one", got)
	}
	if got := len(f.docIDs(now[0])); got != 5 {
		t.Errorf("new index holds %d documents, want 5", got)
	}
	// two rebuilds in the same nanosecond still use two names
	for range 2 {
		if err := x.Rebuild(context.Background(), func(put func([]search.Document) error) error { return put(docs[:1]) }); err != nil {
			t.Fatalf("rebuild at the same instant: %v", err)
		}
	}
}

// TestOpenCreatesIndexWithAliasInOneRequest: the first index carries the
// alias, as its write index, in the create request itself.
func TestOpenCreatesIndexWithAliasInOneRequest(t *testing.T) {
	f := newStrictES()
	openOn(t, f, fixedNow)
	var creates []call
	for _, c := range f.take() {
		if c.method == http.MethodPut {
			creates = append(creates, c)
		}
	}
	if len(creates) != 1 || creates[0].path != "/warna-products-v4-initial" {
		t.Fatalf("create requests %v, want one of warna-products-v4-initial", route(creates))
	}
	golden(t, "create_index.json", creates[0].body)
}

// TestInstancesOpenTogether is finding 6: two instances find no alias and
// both create the first index; whichever comes second must use the
// first's, so that the alias has one write index and writes work.
func TestInstancesOpenTogether(t *testing.T) {
	for _, later := range []time.Duration{0, time.Second} {
		f := newStrictES()
		var second *essearch.Index
		h := &hooked{next: f}
		h.before = func(r *http.Request) {
			if r.Method == http.MethodPut && second == nil {
				// the other instance does all of its Open between this
				// one's alias check and its create
				second = openOn(t, f, func() time.Time { return fixedNow().Add(later) })
			}
		}
		first := openOn(t, h, fixedNow)
		if second == nil {
			t.Fatal("the hook never ran")
		}
		writeThrough(t, f, first)
		writeThrough(t, f, second)
	}
}

// TestRebuildKeepsTheLiveIndexWhenTheSwapAnswerIsLost is finding 5: the
// alias moved but the answer was an error; Rebuild must not delete the
// index the alias now points at, and later writes must not create a
// concrete index named like the alias.
func TestRebuildKeepsTheLiveIndexWhenTheSwapAnswerIsLost(t *testing.T) {
	f := newStrictES()
	x := openOn(t, f, fixedNow)
	f.after = func(method, path string) (int, string, bool) {
		if method == http.MethodPost && path == "/_aliases" {
			st, body := esError(502, "bad_gateway", "proxy lost the answer")
			return st, body, true
		}
		return 0, "", false
	}
	docs := searchtest.Documents()
	_ = x.Rebuild(context.Background(), func(put func([]search.Document) error) error { return put(docs[:4]) })
	f.after = nil
	behind := f.behind(essearch.DefaultAlias)
	if len(behind) != 1 {
		t.Fatalf("alias points at %v after the lost answer, want one index", behind)
	}
	if got := len(f.docIDs(behind[0])); got != 4 {
		t.Errorf("live index holds %d documents, want the rebuilt 4", got)
	}
	writeThrough(t, f, x)
	if slices.Contains(f.indexNames(), essearch.DefaultAlias) {
		t.Errorf("a concrete index named %s exists: %v", essearch.DefaultAlias, f.indexNames())
	}
	if got := f.indexNames(); !slices.Equal(got, behind) {
		t.Errorf("indices %v, want only the live %v: the old one goes once the swap is known to have happened", got, behind)
	}
}

// TestWritesNeverCreateAnIndexNamedLikeTheAlias: with the alias gone (an
// operator deleted the index), a write fails instead of creating a
// concrete index that would block the alias for good.
func TestWritesNeverCreateAnIndexNamedLikeTheAlias(t *testing.T) {
	f := newStrictES()
	x := openOn(t, f, fixedNow)
	f.mu.Lock()
	f.deleteIndex(f.resolve(essearch.DefaultAlias)[0])
	f.mu.Unlock()
	if err := x.Upsert(context.Background(), searchtest.Documents()[:1]); err == nil {
		t.Error("upsert without the alias succeeded")
	}
	if slices.Contains(f.indexNames(), essearch.DefaultAlias) {
		t.Errorf("the write created a concrete index %s", essearch.DefaultAlias)
	}
	// and Open says what to do when such an index exists
	f.mu.Lock()
	f.indices[essearch.DefaultAlias] = &esIndex{mappings: map[string]any{}, docs: map[string]esDoc{}}
	f.mu.Unlock()
	_, err := essearch.Open(context.Background(), essearch.Options{URL: "http://es.test:9200", Transport: f})
	if err == nil || !strings.Contains(err.Error(), "delete that index") {
		t.Errorf("Open with a concrete index named like the alias: %v", err)
	}
}

// TestVersionedWrites is finding 7: an older snapshot written after a
// newer one leaves the newer one in place, and that is not an error.
func TestVersionedWrites(t *testing.T) {
	f := newStrictES()
	x := openOn(t, f, fixedNow)
	ctx := context.Background()
	d := searchtest.Documents()[0]
	newer, older := d, d
	newer.Title, newer.Version = "newer title", 20
	older.Title, older.Version = "older title", 10
	if err := x.Upsert(ctx, []search.Document{newer}); err != nil {
		t.Fatal(err)
	}
	if err := x.Upsert(ctx, []search.Document{older}); err != nil {
		t.Fatalf("an older snapshot after a newer one: %v, want no error", err)
	}
	got, ok, err := x.Get(ctx, d.ID)
	if err != nil || !ok || got.Title != "newer title" {
		t.Fatalf("stored title %q (found %v, %v), want the newer one", got.Title, ok, err)
	}
	// a delete seen before the newer snapshot does not remove it
	if err := x.DeleteVersions(ctx, map[int64]int64{d.ID: 15}); err != nil {
		t.Fatalf("an older delete: %v", err)
	}
	if _, ok, _ := x.Get(ctx, d.ID); !ok {
		t.Error("an older delete removed the newer document")
	}
	if err := x.DeleteVersions(ctx, map[int64]int64{d.ID: 25}); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := x.Get(ctx, d.ID); ok {
		t.Error("a newer delete left the document")
	}
}

// TestLongKeywordIsIgnoredNotRefused is finding 9's cause: a keyword value
// over Lucene's 32,766-byte term limit failed its document.
func TestLongKeywordIsIgnoredNotRefused(t *testing.T) {
	f := newStrictES()
	x := openOn(t, f, fixedNow)
	d := searchtest.Documents()[0]
	d.Category = strings.Repeat("é", 20000) // 40,000 bytes
	if err := x.Upsert(context.Background(), []search.Document{d}); err != nil {
		t.Fatalf("a document with a 40,000-byte category: %v", err)
	}
}

// TestRefusedDocumentsComeBackApart: a document the cluster refuses for
// good is reported as a search.RejectedError naming it, after the rest of
// the batch was written; a refusal that says nothing about the document
// (no write index) is a plain error, to be retried.
func TestRefusedDocumentsComeBackApart(t *testing.T) {
	f := newStrictES()
	x := openOn(t, f, fixedNow)
	docs := searchtest.Documents()[:3]
	// an index made with a mapping that lacks ignore_above refuses it
	live := f.behind(essearch.DefaultAlias)[0]
	f.mu.Lock()
	props := f.indices[live].mappings["properties"].(map[string]any)
	delete(props["category"].(map[string]any), "ignore_above")
	f.mu.Unlock()
	docs[1].Category = strings.Repeat("x", 40000)
	err := x.Upsert(context.Background(), docs)
	var rej *search.RejectedError
	if !errors.As(err, &rej) || len(rej.Rejections) != 1 || rej.Rejections[0].ProductID != docs[1].ID || rej.Rejections[0].Status != 400 {
		t.Fatalf("got %v, want a RejectedError for product %d", err, docs[1].ID)
	}
	if !strings.Contains(rej.Rejections[0].Reason, "max_bytes_length_exceeded_exception") {
		t.Errorf("reason %q does not say why", rej.Rejections[0].Reason)
	}
	if got := f.docIDs(live); len(got) != 2 {
		t.Errorf("index holds %v, want the other two documents", got)
	}
	if strings.Contains(err.Error(), "0x") {
		t.Errorf("message prints a pointer: %v", err)
	}
	// two indices behind the alias and no write index: every write fails,
	// and that is the cluster's state, not the document's
	f.mu.Lock()
	f.indices["other"] = &esIndex{mappings: map[string]any{}, docs: map[string]esDoc{}}
	f.aliases[essearch.DefaultAlias]["other"] = nil
	f.aliases[essearch.DefaultAlias][live] = nil
	f.mu.Unlock()
	err = x.Upsert(context.Background(), docs[:1])
	if err == nil || errors.As(err, &rej) {
		t.Errorf("write with no write index: %v, want a plain error", err)
	}
}

// TestOutdatedFromMeta is finding 10: the mapping version is read from
// the index's _meta; an older one is reported (the follower rebuilds), a
// newer one is an error naming what to do.
func TestOutdatedFromMeta(t *testing.T) {
	f := newStrictES()
	openOn(t, f, fixedNow)
	live := f.behind(essearch.DefaultAlias)[0]
	setMeta := func(v int) {
		f.mu.Lock()
		f.indices[live].mappings["_meta"] = map[string]any{"warna_mapping_version": v}
		f.mu.Unlock()
	}
	setMeta(essearch.MappingVersion - 1)
	if got := openOn(t, f, fixedNow).Outdated(); got != live {
		t.Errorf("Outdated() = %q for an index of an older mapping, want %s", got, live)
	}
	setMeta(essearch.MappingVersion + 1)
	_, err := essearch.Open(context.Background(), essearch.Options{URL: "http://es.test:9200", Transport: f})
	if err == nil || !strings.Contains(err.Error(), "warna reindex") {
		t.Errorf("Open on a newer mapping: %v, want an error naming warna reindex", err)
	}
	setMeta(essearch.MappingVersion)
	x := openOn(t, f, fixedNow)
	if got := x.Outdated(); got != "" {
		t.Errorf("Outdated() = %q for a current index", got)
	}
	// a rebuild of an outdated index makes it current
	setMeta(essearch.MappingVersion - 1)
	x = openOn(t, f, fixedNow)
	if err := x.Rebuild(context.Background(), func(put func([]search.Document) error) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if got := x.Outdated(); got != "" {
		t.Errorf("Outdated() = %q after a rebuild", got)
	}
}

// TestSearchLimits: a window over Elasticsearch's 10,000 is capped (it
// refuses from+size and num_candidates above it), and partial results are
// an error.
func TestSearchLimits(t *testing.T) {
	f := newStrictES()
	x := openOn(t, f, fixedNow)
	writeThrough(t, f, x)
	docs := searchtest.Documents()
	similar := docs[0].Dominant
	for _, q := range []search.Query{{Currency: "IDR"}, {Currency: "IDR", Similar: &similar}} {
		got, err := x.Candidates(context.Background(), q, 20000)
		if err != nil {
			t.Fatalf("window 20000: %v", err)
		}
		if len(got.Docs) != 3 {
			t.Errorf("got %d candidates, want 3", len(got.Docs))
		}
	}
	f.failedShards = 1
	if _, err := x.Candidates(context.Background(), search.Query{Currency: "IDR"}, 10); err == nil {
		t.Error("a search with a failed shard succeeded")
	}
	f.failedShards, f.timedOut = 0, true
	if _, err := x.Candidates(context.Background(), search.Query{Currency: "IDR"}, 10); err == nil {
		t.Error("a search that timed out succeeded")
	}
}

// TestEveryCallHasATimeout: a cluster that never answers does not hang an
// indexing round.
func TestEveryCallHasATimeout(t *testing.T) {
	f := newStrictES()
	openOn(t, f, fixedNow) // the index exists
	h := &hooked{next: f}
	y, err := essearch.Open(context.Background(), essearch.Options{URL: "http://es.test:9200", Transport: h, Timeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	block := make(chan struct{})
	defer close(block)
	h.before = func(r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-block:
		}
	}
	done := make(chan error, 1)
	go func() { done <- y.Upsert(context.Background(), searchtest.Documents()[:1]) }()
	select {
	case err := <-done:
		if err == nil {
			t.Error("upsert on a silent cluster succeeded")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("upsert on a silent cluster did not end within 10 s with a 50 ms timeout")
	}
}

// TestConnectionSettings is finding 12: Elasticsearch 8 has security on
// by default — TLS with its own certificate authority, and a user and
// password or an API key. The backend reaches a TLS server whose
// certificate only the given CA vouches for, with the credentials of the
// URL or the API key.
func TestConnectionSettings(t *testing.T) {
	f := newStrictES()
	var mu sync.Mutex
	var auth []string
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		auth = append(auth, r.Header.Get("Authorization"))
		mu.Unlock()
		res, _ := f.RoundTrip(r)
		for k, v := range res.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(res.StatusCode)
		_, _ = io.Copy(w, res.Body)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake below
	srv.StartTLS()
	defer srv.Close()
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	// without the CA the certificate is refused
	if _, err := essearch.Open(ctx, essearch.Options{URL: srv.URL}); err == nil {
		t.Fatal("Open trusted a certificate no known CA signed")
	}
	u.User = url.UserPassword("elastic", "s3cret-pw")
	x, err := essearch.Open(ctx, essearch.Options{URL: u.String(), CACert: ca})
	if err != nil {
		t.Fatalf("Open with the CA and a user: %v", err)
	}
	if err := x.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("elastic:s3cret-pw"))
	mu.Lock()
	last := auth[len(auth)-1]
	mu.Unlock()
	if last != basic {
		t.Errorf("Authorization %q, want the URL's user and password", last)
	}
	x, err = essearch.Open(ctx, essearch.Options{URL: srv.URL, CACert: ca, APIKey: "a2V5aWQ6c2VjcmV0"})
	if err != nil {
		t.Fatalf("Open with an API key: %v", err)
	}
	if err := x.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	last = auth[len(auth)-1]
	mu.Unlock()
	if !strings.EqualFold(last, "ApiKey a2V5aWQ6c2VjcmV0") { // the scheme is case-insensitive
		t.Errorf("Authorization %q, want the API key", last)
	}
	// messages never carry the password
	u.Host = "127.0.0.1:1" // nothing listens there
	_, err = essearch.Open(ctx, essearch.Options{URL: u.String(), CACert: ca, Timeout: time.Second})
	if err == nil || strings.Contains(err.Error(), "s3cret-pw") {
		t.Errorf("Open of an unreachable cluster: %v; want an error without the password", err)
	}
}

// TestLiveInstancesOnOneCluster runs the lifecycle against a live
// cluster: instances opening together on a fresh alias, versioned writes
// from two of them, a rebuild while the other writes, and a document with
// a keyword over Lucene's term limit.
func TestLiveInstancesOnOneCluster(t *testing.T) {
	opts := liveOptions(t, "the lifecycle is checked on Elasticsearch")
	opts.Alias = fmt.Sprintf("warna-live-%d", time.Now().UnixNano())
	ctx := context.Background()
	const n = 4
	xs := make([]*essearch.Index, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			xs[i], errs[i] = essearch.Open(ctx, opts)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("instance %d: %v", i, err)
		}
	}
	t.Cleanup(func() { _ = xs[0].Drop(context.Background()) })
	docs := searchtest.Documents()
	newer, older := docs[0], docs[0]
	newer.Title, newer.Version = "newer title", 20
	older.Title, older.Version = "older title", 10
	if err := xs[0].Upsert(ctx, []search.Document{newer}); err != nil {
		t.Fatal(err)
	}
	if err := xs[1].Upsert(ctx, []search.Document{older}); err != nil {
		t.Fatalf("older snapshot from another instance: %v", err)
	}
	if got, ok, err := xs[2].Get(ctx, newer.ID); err != nil || !ok || got.Title != "newer title" {
		t.Fatalf("stored %q (%v, %v), want the newer title", got.Title, ok, err)
	}
	long := docs[1]
	long.Category = strings.Repeat("é", 20000)
	if err := xs[3].Upsert(ctx, []search.Document{long}); err != nil {
		t.Errorf("a 40,000-byte keyword: %v", err)
	}
	done := make(chan error, 1)
	go func() {
		done <- xs[1].Rebuild(ctx, func(put func([]search.Document) error) error { return put(docs) })
	}()
	for range 20 {
		if err := xs[2].Upsert(ctx, docs[2:3]); err != nil {
			t.Errorf("write during a rebuild: %v", err)
			break
		}
	}
	if err := <-done; err != nil {
		t.Fatalf("rebuild: %v", err)
	}
	if err := xs[3].Upsert(ctx, docs[:1]); err != nil {
		t.Errorf("write after the rebuild: %v", err)
	}
}

// TestTwoIndicesBehindTheAliasAreRebuilt is the other half of finding 6:
// instances of an earlier version that raced left two indices behind the
// alias and no write index, so every write failed; Open reports it as
// outdated, and the follower's rebuild puts one index behind it.
func TestTwoIndicesBehindTheAliasAreRebuilt(t *testing.T) {
	f := newStrictES()
	openOn(t, f, fixedNow)
	live := f.behind(essearch.DefaultAlias)[0]
	f.mu.Lock()
	f.indices["warna-products-v4-1700000001"] = &esIndex{mappings: f.indices[live].mappings, docs: map[string]esDoc{}}
	f.aliases[essearch.DefaultAlias] = map[string]*bool{live: nil, "warna-products-v4-1700000001": nil}
	f.mu.Unlock()
	x := openOn(t, f, fixedNow)
	if x.Outdated() == "" {
		t.Fatal("Open found two indices behind the alias and reported nothing")
	}
	docs := searchtest.Documents()
	if err := x.Rebuild(context.Background(), func(put func([]search.Document) error) error { return put(docs[:2]) }); err != nil {
		t.Fatal(err)
	}
	writeThrough(t, f, x)
	if got := f.indexNames(); len(got) != 1 {
		t.Errorf("indices %v, want only the rebuilt one", got)
	}
}
