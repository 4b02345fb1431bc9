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
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/warna/warna/search"
	"github.com/warna/warna/search/analysis"
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
	live     string // the index behind the alias (default an older version's)
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
		live := f.live
		if live == "" {
			live = "warna-products-v1-1600000000"
		}
		answer = fmt.Sprintf(`{%q:{"aliases":{"warna-products":{}}}}`, live)
	case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/_mapping"):
		live := f.live
		if live == "" {
			live = "warna-products-v1-1600000000"
		}
		if !f.hasAlias {
			live = "warna-products-v4-initial"
		}
		answer = fmt.Sprintf(`{%q:{"mappings":{}}}`, live)
	case r.Method == http.MethodPost && r.URL.Path == "/_aliases":
		f.hasAlias = true
	case strings.HasSuffix(r.URL.Path, "/_bulk"):
		answer = bulkAnswer(body)
	case strings.HasSuffix(r.URL.Path, "/_refresh"):
		answer = `{"_shards":{"total":1,"successful":1,"failed":0}}`
	case strings.HasSuffix(r.URL.Path, "/_search"):
		answer = string(f.search)
	case strings.HasSuffix(r.URL.Path, "/_analyze"):
		answer = `{"tokens":[{"token":"shirt","start_offset":0,"end_offset":6,"type":"<ALPHANUM>","position":0},{"token":"batik","start_offset":7,"end_offset":12,"type":"<ALPHANUM>","position":1}]}`
	case r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/_doc/"):
		status, answer = http.StatusNotFound, `{"_index":"warna-products-v2-1700000000","_id":"9","found":false}`
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
				items = append(items, fmt.Sprintf(`{%q:{"_index":"warna-products-v2-1700000000","_id":%q,"status":200,"result":"updated"}}`, op, a.ID))
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
	want := []string{"HEAD /_alias/warna-products", "PUT /warna-products-v4-initial", "GET /warna-products/_mapping"}
	if got := route(calls); !slices.Equal(got, want) {
		t.Fatalf("requests: got %v, want %v", got, want)
	}
	golden(t, "create_index.json", calls[1].body)

	f.hasAlias = true
	x := open(t, f)
	if got := route(f.take()); !slices.Equal(got, []string{"HEAD /_alias/warna-products", "GET /_alias/warna-products", "GET /warna-products/_mapping"}) {
		t.Errorf("with the alias in place: got %v, want only the existence check, its index and its mapping", got)
	}
	// an index of mapping version 1 lacks the Indonesian analysis and
	// family_p: Open says so, and `warna reindex` makes a current one
	if got := x.Outdated(); got != "warna-products-v1-1600000000" {
		t.Errorf("Outdated() = %q, want the version 1 index", got)
	}
	f.live = "warna-products-v4-1650000000"
	if got := open(t, f).Outdated(); got != "" {
		t.Errorf("Outdated() = %q for a current index, want none", got)
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
	if calls[0].query != "refresh=wait_for&require_alias=true" {
		t.Errorf("bulk query: got %q, want refresh=wait_for so the next search sees the change, and require_alias", calls[0].query)
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
		// a family word is the family's share (rank_feature); what is left
		// out is the scorer's, except words after a minus
		{"query_family_word_negation", "q=kemeja+merah+bukan+hitam"},
		{"query_family_all", "colors=merah:70,putih:30&match=all"},
		{"query_indonesian_text_minus_word", "q=tas+anyaman+coklat+tua+-batik"},
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
	// the backend's total and facets: exact without colours, which the
	// scorer narrows further.
	svc := search.NewService(x, search.Options{Window: 3})
	res, err := svc.Search(context.Background(), search.Query{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Approximate || res.Total != 1500 || res.Facets.Families[0].Count != 900 {
		t.Errorf("service: got total %d approximate %v facets %+v", res.Total, res.Approximate, res.Facets)
	}
	res, err = svc.Search(context.Background(), search.Query{Colours: []search.Colour{{Family: "red", Label: "red", Weight: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	// With a colour the backend's 1500 is a wider set than the scorer's:
	// the total is the matches the scorer confirmed in the window, a lower
	// bound the page labels "more than".
	_, confirmed := search.Rank(res.Query, docPointers(docs[:3]), 0, 3)
	if !res.Approximate || res.Total != len(confirmed) || res.Total >= 1500 {
		t.Errorf("service with a colour: total %d approximate %v, want the %d confirmed, approximate", res.Total, res.Approximate, len(confirmed))
	}
}

func docPointers(docs []search.Document) []*search.Document {
	out := make([]*search.Document, len(docs))
	for i := range docs {
		out[i] = &docs[i]
	}
	return out
}

func searchAnswer(t *testing.T, docs []search.Document, total int) []byte {
	t.Helper()
	var hits []string
	for _, d := range docs {
		src, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		hits = append(hits, fmt.Sprintf(`{"_index":"warna-products-v2-1700000000","_id":"%d","_score":1.0,"_source":%s}`, d.ID, src))
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
	// the new index's name ends in the time in ns and a random suffix
	name := strings.TrimPrefix(calls[0].path, "/")
	if !regexp.MustCompile(`^warna-products-v4-1700000000000000000-[0-9a-f]{8}$`).MatchString(name) {
		t.Fatalf("new index %q, want warna-products-v4-<ns>-<random>", name)
	}
	want := []string{
		"PUT /NEW",
		"POST /NEW/_bulk",
		"POST /NEW/_bulk",
		"POST /NEW/_refresh",
		"HEAD /_alias/warna-products",
		"GET /_alias/warna-products",
		"POST /_aliases",
		"DELETE /warna-products-v1-1600000000",
	}
	got := route(calls)
	for i := range got {
		got[i] = strings.ReplaceAll(got[i], name, "NEW")
	}
	if !slices.Equal(got, want) {
		t.Fatalf("requests:\n got %v\nwant %v", got, want)
	}
	calls[6].body = bytes.ReplaceAll(calls[6].body, []byte(name), []byte("NEW"))
	golden(t, "alias_swap.json", calls[6].body)
}

// TestAnalyzeAsksTheTextAnalyzer checks the request behind Analyze (the
// live test below compares its answers with search.Analyse).
func TestAnalyzeAsksTheTextAnalyzer(t *testing.T) {
	f := &fakeES{hasAlias: true}
	x := open(t, f)
	f.take()
	got, err := x.Analyze(context.Background(), "Kemeja batik")
	if err != nil {
		t.Fatal(err)
	}
	calls := f.take()
	if len(calls) != 1 || calls[0].method+" "+calls[0].path != "POST /warna-products/_analyze" {
		t.Fatalf("requests %v, want one analyze on the alias", route(calls))
	}
	golden(t, "analyze.json", calls[0].body)
	if !slices.Equal(got, []string{"shirt", "batik"}) {
		t.Errorf("tokens %q, want those of the answer", got)
	}
}

// analysisSamples are titles and queries in both languages whose tokens
// the embedded analysis and Elasticsearch's warna_text must agree on.
var analysisSamples = []string{
	"Kemeja batik merah maroon", "Red linen shirt", "The women's linen shirts", "Striped cotton T-shirt",
	"Kaos kaki putih untuk anak", "Celana pendek rajutan abu-abu", "Tas anyaman coklat tua", "Gaun pesta berbordir",
	"Jilbab segi empat hijau tosca", "Pakaian yang dijahit tangan", "Cangkir keramik, gelas kaca",
	"Sepatu kulit pilihan, ukuran 42.5", "Mengambilkan penyapu dan pembaca", "Sarung tenun Makassar",
	"Don't miss: 1,000 pcs of U.S. cotton", "kemejanya bajulah bukupun",
}

// TestAnalysisMatchesElasticsearch sends the samples to a live cluster's
// _analyze and expects exactly search.Analyse's tokens.
func TestAnalysisMatchesElasticsearch(t *testing.T) {
	opts := liveOptions(t, "the analysis is compared with Elasticsearch's")
	opts.Alias = fmt.Sprintf("warna-analysis-%d", time.Now().UnixNano())
	x, err := essearch.Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = x.Drop(context.Background()) })
	for _, text := range analysisSamples {
		got, err := x.Analyze(context.Background(), text)
		if err != nil {
			t.Fatal(err)
		}
		if want := analysis.Analyse(text); !slices.Equal(got, want) {
			t.Errorf("%q: Elasticsearch %q, search.Analyse %q", text, got, want)
		}
	}
}

// liveOptions are the settings of the live cluster named by
// TEST_ELASTICSEARCH_URL (credentials in it), TEST_ELASTICSEARCH_API_KEY
// and TEST_ELASTICSEARCH_CA_FILE; the test is skipped without the URL.
func liveOptions(t *testing.T, what string) essearch.Options {
	t.Helper()
	base := os.Getenv("TEST_ELASTICSEARCH_URL")
	if base == "" {
		t.Skip("TEST_ELASTICSEARCH_URL is not set: " + what + " only against a live cluster (README: Running the search contract against a live Elasticsearch)")
	}
	opts := essearch.Options{URL: base, APIKey: os.Getenv("TEST_ELASTICSEARCH_API_KEY")}
	if file := os.Getenv("TEST_ELASTICSEARCH_CA_FILE"); file != "" {
		ca, err := os.ReadFile(file)
		if err != nil {
			t.Fatalf("TEST_ELASTICSEARCH_CA_FILE: %v", err)
		}
		opts.CACert = ca
	}
	return opts
}

func TestContractOnElasticsearch(t *testing.T) {
	opts := liveOptions(t, "the contract suite runs on Elasticsearch")
	searchtest.RunContract(t, func(t *testing.T) search.Backend {
		opts := opts
		opts.Alias = fmt.Sprintf("warna-test-%d", time.Now().UnixNano())
		x, err := essearch.Open(context.Background(), opts)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = x.Drop(context.Background()) })
		return x
	})
}
