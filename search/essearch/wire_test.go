package essearch_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/warna/warna/search"
	"github.com/warna/warna/search/essearch"
	"github.com/warna/warna/search/searchtest"
)

var update = flag.Bool("update", false, "rewrite the golden request bodies in testdata/golden")

// call is one request the client sent.
type call struct {
	method, path, query string
	body                []byte
}

// fakeES is the client's Transport: it records every request and answers
// like Elasticsearch 8 would, with canned bodies.
type fakeES struct {
	mu       sync.Mutex
	calls    []call
	hasAlias bool
	search   []byte // the _search answer
}

func (f *fakeES) RoundTrip(r *http.Request) (*http.Response, error) {
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(r.Body)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, call{r.Method, r.URL.Path, r.URL.RawQuery, body})
	status, answer := http.StatusOK, `{"acknowledged":true}`
	switch {
	case r.Method == http.MethodHead && strings.HasPrefix(r.URL.Path, "/_alias/"):
		if !f.hasAlias {
			status, answer = http.StatusNotFound, ``
		}
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/_alias/"):
		answer = `{"warna-products-v1-1600000000":{"aliases":{"warna-products":{}}}}`
	case r.Method == http.MethodPost && r.URL.Path == "/_aliases":
		f.hasAlias = true
	case strings.HasSuffix(r.URL.Path, "/_bulk"):
		answer = bulkAnswer(body)
	case strings.HasSuffix(r.URL.Path, "/_refresh"):
		answer = `{"_shards":{"total":1,"successful":1,"failed":0}}`
	case strings.HasSuffix(r.URL.Path, "/_search"):
		answer = string(f.search)
	case r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/_doc/"):
		status, answer = http.StatusNotFound, `{"_index":"warna-products-v1-1700000000","_id":"9","found":false}`
	case r.Method == http.MethodHead && r.URL.Path == "/":
	}
	h := http.Header{}
	h.Set("X-Elastic-Product", "Elasticsearch")
	h.Set("Content-Type", "application/json")
	return &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(strings.NewReader(answer)), Request: r}, nil
}

func bulkAnswer(body []byte) string {
	var items []string
	for _, line := range bytes.Split(bytes.TrimSpace(body), []byte("\n")) {
		var action map[string]struct {
			ID string `json:"_id"`
		}
		if json.Unmarshal(line, &action) != nil {
			continue
		}
		for op, a := range action {
			if op == "index" || op == "delete" {
				items = append(items, fmt.Sprintf(`{%q:{"_index":"warna-products-v1-1700000000","_id":%q,"status":200,"result":"updated"}}`, op, a.ID))
			}
		}
	}
	return `{"took":3,"errors":false,"items":[` + strings.Join(items, ",") + `]}`
}

func (f *fakeES) take() []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.calls
	f.calls = nil
	return c
}

var fixedNow = func() time.Time { return time.Unix(1_700_000_000, 0) }

func open(t *testing.T, f *fakeES) *essearch.Index {
	t.Helper()
	x, err := essearch.Open(context.Background(), essearch.Options{URL: "http://es.test:9200", Transport: f, Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// golden compares a request body with testdata/golden/name (JSON, or NDJSON
// line by line), normalised so key order and spacing do not matter.
func golden(t *testing.T, name string, body []byte) {
	t.Helper()
	got := normalise(t, body)
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("request body differs from %s:\n got: %s\nwant: %s", path, got, want)
	}
}

func normalise(t *testing.T, body []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	for _, line := range bytes.Split(bytes.TrimSpace(body), []byte("\n")) {
		var v any
		if err := json.Unmarshal(line, &v); err != nil {
			t.Fatalf("request body is not JSON: %v: %s", err, line)
		}
		b, _ := json.MarshalIndent(v, "", "  ")
		out.Write(b)
		out.WriteByte('\n')
	}
	return out.Bytes()
}

func TestOpenCreatesVersionedIndexBehindAlias(t *testing.T) {
	f := &fakeES{}
	open(t, f)
	calls := f.take()
	want := []string{"HEAD /_alias/warna-products", "PUT /warna-products-v1-1700000000", "POST /_aliases"}
	if got := route(calls); !slices.Equal(got, want) {
		t.Fatalf("requests: got %v, want %v", got, want)
	}
	golden(t, "create_index.json", calls[1].body)
	golden(t, "alias_add.json", calls[2].body)

	f.hasAlias = true
	open(t, f)
	if got := route(f.take()); !slices.Equal(got, []string{"HEAD /_alias/warna-products"}) {
		t.Errorf("with the alias in place: got %v, want only the existence check", got)
	}
}

func route(calls []call) []string {
	out := make([]string, len(calls))
	for i, c := range calls {
		out[i] = c.method + " " + c.path
	}
	return out
}

func TestBulkBodies(t *testing.T) {
	f := &fakeES{hasAlias: true}
	x := open(t, f)
	f.take()
	docs := searchtest.Documents()
	if err := x.Upsert(context.Background(), docs[:2]); err != nil {
		t.Fatal(err)
	}
	if err := x.Delete(context.Background(), []int64{7, 8}); err != nil {
		t.Fatal(err)
	}
	calls := f.take()
	if got, want := route(calls), []string{"POST /warna-products/_bulk", "POST /warna-products/_bulk"}; !slices.Equal(got, want) {
		t.Fatalf("requests: got %v, want %v", got, want)
	}
	if calls[0].query != "refresh=wait_for" {
		t.Errorf("bulk query: got %q, want refresh=wait_for so the next search sees the change", calls[0].query)
	}
	golden(t, "bulk_upsert.ndjson", calls[0].body)
	golden(t, "bulk_delete.ndjson", calls[1].body)
}

func TestCandidateQueries(t *testing.T) {
	cases := []struct{ name, raw string }{
		{"query_colour_any", "colors=%23cc1f1f,%231e90ff"},
		{"query_text_colour_all_weighted", "q=burgundy+midi+dress&colors=%231e90ff:30&match=all"},
		{"query_filters", "colors=red&family=red&family=white&category=top&shop=kopi-co&price_min=150000&price_max=300000&in_stock=true"},
		{"query_text_only", "q=linen+shirt"},
		{"query_everything", ""},
	}
	docs := searchtest.Documents()
	f := &fakeES{hasAlias: true, search: searchAnswer(t, docs[:3], 3)}
	x := open(t, f)
	svc := search.NewService(x, search.Options{Currency: "IDR"})
	for _, c := range cases {
		f.take()
		v, _ := url.ParseQuery(c.raw)
		q, err := search.ParseQuery(v, "IDR")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Search(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		calls := f.take()
		if len(calls) != 1 || calls[0].path != "/warna-products/_search" {
			t.Fatalf("%s: requests %v, want one search on the alias", c.name, route(calls))
		}
		golden(t, c.name+".json", calls[0].body)
	}
}

// TestSimilarUsesKNN checks "more in this colour" asks for kNN on the
// dominant OKLab colour besides the Lab boxes.
func TestSimilarUsesKNN(t *testing.T) {
	docs := searchtest.Documents()
	q := search.Query{Colours: []search.Colour{{Lab: docs[0].Palette[0].Lab(), Weight: 1}}, Tolerance: 12, Similar: &docs[0].Dominant}
	body, err := json.Marshal(essearch.CandidateRequest(q, 100))
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "query_similar.json", body)
}

// TestCandidatesReadsHitsAndAggregations checks the answer is read back:
// documents from _source, the total, and facets from the aggregations.
func TestCandidatesReadsHitsAndAggregations(t *testing.T) {
	docs := searchtest.Documents()
	f := &fakeES{hasAlias: true, search: searchAnswer(t, docs[:3], 1500)}
	x := open(t, f)
	got, err := x.Candidates(context.Background(), search.Query{Currency: "IDR"}, 3)
	if err != nil {
		t.Fatal(err)
	}
	if got.Total != 1500 || len(got.Docs) != 3 || got.Docs[1].ID != docs[1].ID || len(got.Docs[1].Palette) != len(docs[1].Palette) {
		t.Fatalf("got total %d and %d docs, want 1500 and the 3 documents", got.Total, len(got.Docs))
	}
	if got.Facets == nil || fmt.Sprint(got.Facets.Families) != "[{red 900} {white 300}]" ||
		fmt.Sprint(got.Facets.Categories) != "[{dress 700}]" || len(got.Facets.PriceRanges) != 1 || got.Facets.PriceRanges[0].Count != 40 {
		t.Errorf("facets: got %+v", got.Facets)
	}
	// The service ranks the window and, as the matches overflow it, reports
	// the backend's total and facets.
	res, err := search.NewService(x, search.Options{Window: 3}).Search(context.Background(), search.Query{})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Approximate || res.Total != 1500 || res.Facets.Families[0].Count != 900 {
		t.Errorf("service: got total %d approximate %v facets %+v", res.Total, res.Approximate, res.Facets)
	}
}

func searchAnswer(t *testing.T, docs []search.Document, total int) []byte {
	t.Helper()
	var hits []string
	for _, d := range docs {
		src, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		hits = append(hits, fmt.Sprintf(`{"_index":"warna-products-v1-1700000000","_id":"%d","_score":1.0,"_source":%s}`, d.ID, src))
	}
	return []byte(fmt.Sprintf(`{"took":2,"timed_out":false,"_shards":{"total":1,"successful":1,"skipped":0,"failed":0},
"hits":{"total":{"value":%d,"relation":"eq"},"max_score":1.0,"hits":[%s]},
"aggregations":{
 "sterms#families":{"doc_count_error_upper_bound":0,"sum_other_doc_count":0,"buckets":[{"key":"red","doc_count":900},{"key":"white","doc_count":300}]},
 "sterms#categories":{"doc_count_error_upper_bound":0,"sum_other_doc_count":0,"buckets":[{"key":"dress","doc_count":700}]},
 "filter#prices":{"doc_count":40,"range#ranges":{"buckets":[{"key":"*-100000.0","to":100000.0,"doc_count":0},{"key":"100000.0-250000.0","from":100000.0,"to":250000.0,"doc_count":40}]}}
}}`, total, strings.Join(hits, ",")))
}

// TestRebuildSwapsAliasAtomically checks the order (new index, bulk, refresh,
// then one alias request that removes the old index and adds the new one,
// then the old index goes) and the swap body.
func TestRebuildSwapsAliasAtomically(t *testing.T) {
	f := &fakeES{hasAlias: true}
	x := open(t, f)
	f.take()
	docs := searchtest.Documents()
	err := x.Rebuild(context.Background(), func(put func([]search.Document) error) error {
		if err := put(docs[:2]); err != nil {
			return err
		}
		return put(docs[2:3])
	})
	if err != nil {
		t.Fatal(err)
	}
	calls := f.take()
	want := []string{
		"PUT /warna-products-v1-1700000000",
		"POST /warna-products-v1-1700000000/_bulk",
		"POST /warna-products-v1-1700000000/_bulk",
		"POST /warna-products-v1-1700000000/_refresh",
		"GET /_alias/warna-products",
		"POST /_aliases",
		"DELETE /warna-products-v1-1600000000",
	}
	if got := route(calls); !slices.Equal(got, want) {
		t.Fatalf("requests:\n got %v\nwant %v", got, want)
	}
	golden(t, "alias_swap.json", calls[5].body)
}

func TestContractOnElasticsearch(t *testing.T) {
	base := os.Getenv("TEST_ELASTICSEARCH_URL")
	if base == "" {
		t.Skip("TEST_ELASTICSEARCH_URL is not set: the contract suite runs on Elasticsearch only against a live cluster")
	}
	searchtest.RunContract(t, func(t *testing.T) search.Backend {
		alias := fmt.Sprintf("warna-test-%d", time.Now().UnixNano())
		x, err := essearch.Open(context.Background(), essearch.Options{URL: base, Alias: alias})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = x.Drop(context.Background()) })
		return x
	})
}
