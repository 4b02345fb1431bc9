package essearch_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// strictES is an in-memory Elasticsearch 8 for the client's Transport that
// keeps indices, aliases and documents and refuses what Elasticsearch
// refuses, as its reference documents it (the page is cited beside each
// rule). It does not run queries: a search answers the stored documents of
// its target in id order. The golden-body tests use the plainer fakeES.
type strictES struct {
	mu      sync.Mutex
	indices map[string]*esIndex
	aliases map[string]map[string]*bool // alias → index → is_write_index
	calls   []call
	// after, when set, may replace the answer to a request that was
	// applied (a reply lost after the cluster did the work).
	after func(method, path string) (status int, body string, replace bool)
	// shards fills the _shards section of search answers.
	timedOut     bool
	failedShards int
}

type esIndex struct {
	mappings map[string]any // as created (properties, dynamic, _meta)
	docs     map[string]esDoc
}

type esDoc struct {
	version int64
	source  json.RawMessage
}

func newStrictES() *strictES {
	return &strictES{indices: map[string]*esIndex{}, aliases: map[string]map[string]*bool{}}
}

// esError is an error answer in Elasticsearch's shape.
func esError(status int, typ, reason string) (int, string) {
	b, _ := json.Marshal(map[string]any{
		"error":  map[string]any{"root_cause": []any{map[string]any{"type": typ, "reason": reason}}, "type": typ, "reason": reason},
		"status": status,
	})
	return status, string(b)
}

func (f *strictES) RoundTrip(r *http.Request) (*http.Response, error) {
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(r.Body)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, call{r.Method, r.URL.Path, r.URL.RawQuery, body})
	status, answer := f.handle(r.Method, r.URL.Path, r.URL.Query(), body)
	if f.after != nil && status < 300 {
		if s, b, ok := f.after(r.Method, r.URL.Path); ok {
			status, answer = s, b
		}
	}
	h := http.Header{}
	h.Set("X-Elastic-Product", "Elasticsearch")
	h.Set("Content-Type", "application/json")
	return &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(strings.NewReader(answer)), Request: r}, nil
}

func (f *strictES) take() []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.calls
	f.calls = nil
	return c
}

func (f *strictES) handle(method, path string, q url.Values, body []byte) (int, string) {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case path == "/":
		return http.StatusOK, `{"version":{"number":"8.15.0"}}`
	case parts[0] == "_alias" && len(parts) == 2:
		return f.getAlias(method, parts[1])
	case parts[0] == "_aliases" && method == http.MethodPost:
		return f.updateAliases(body)
	case len(parts) == 1 && method == http.MethodPut:
		return f.createIndex(parts[0], body)
	case len(parts) == 1 && method == http.MethodDelete:
		return f.deleteIndex(parts[0])
	case len(parts) == 2 && parts[1] == "_mapping":
		return f.getMapping(parts[0])
	case len(parts) == 2 && parts[1] == "_bulk":
		return f.bulk(parts[0], q, body)
	case len(parts) == 2 && parts[1] == "_refresh":
		if len(f.resolve(parts[0])) == 0 {
			return esError(404, "index_not_found_exception", "no such index ["+parts[0]+"]")
		}
		return http.StatusOK, `{"_shards":{"total":1,"successful":1,"failed":0}}`
	case len(parts) == 2 && parts[1] == "_search":
		return f.search(parts[0], body)
	case len(parts) == 3 && parts[1] == "_doc" && method == http.MethodGet:
		return f.getDoc(parts[0], parts[2])
	}
	return esError(400, "illegal_argument_exception", "the fake does not know "+method+" "+path)
}

// resolve lists the indices a name stands for: the index itself or the
// indices behind the alias.
func (f *strictES) resolve(name string) []string {
	if _, ok := f.indices[name]; ok {
		return []string{name}
	}
	return slices.Sorted(maps.Keys(f.aliases[name]))
}

func (f *strictES) getAlias(method, alias string) (int, string) {
	behind := f.aliases[alias]
	if len(behind) == 0 {
		if method == http.MethodHead {
			return http.StatusNotFound, ""
		}
		return http.StatusNotFound, fmt.Sprintf(`{"error":"alias [%s] missing","status":404}`, alias)
	}
	if method == http.MethodHead {
		return http.StatusOK, ""
	}
	out := map[string]any{}
	for name, w := range behind {
		def := map[string]any{}
		if w != nil {
			def["is_write_index"] = *w
		}
		out[name] = map[string]any{"aliases": map[string]any{alias: def}}
	}
	b, _ := json.Marshal(out)
	return http.StatusOK, string(b)
}

// createIndex: "PUT /<index>" with mappings, settings and aliases.
func (f *strictES) createIndex(name string, body []byte) (int, string) {
	var req struct {
		Mappings map[string]any `json:"mappings"`
		Aliases  map[string]struct {
			IsWriteIndex *bool `json:"is_write_index"`
		} `json:"aliases"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return esError(400, "parse_exception", err.Error())
	}
	// https://www.elastic.co/guide/en/elasticsearch/reference/8.15/indices-create-index.html
	// (index names must be unique; an existing name is
	// resource_already_exists_exception)
	if _, ok := f.indices[name]; ok {
		return esError(400, "resource_already_exists_exception", fmt.Sprintf("index [%s/abc] already exists", name))
	}
	// https://www.elastic.co/guide/en/elasticsearch/reference/8.15/aliases.html
	// (an index and an alias cannot share a name)
	if _, ok := f.aliases[name]; ok {
		return esError(400, "invalid_index_name_exception", fmt.Sprintf("Invalid index name [%s], already exists as alias", name))
	}
	next := f.cloneAliases()
	for alias, a := range req.Aliases {
		if _, ok := f.indices[alias]; ok || alias == name {
			return esError(400, "invalid_alias_name_exception", fmt.Sprintf("Invalid alias name [%s]: an index or data stream exists with the same name as the alias", alias))
		}
		if next[alias] == nil {
			next[alias] = map[string]*bool{}
		}
		next[alias][name] = a.IsWriteIndex
	}
	if st, msg := checkWriteIndices(next); st != 0 {
		return st, msg
	}
	f.indices[name] = &esIndex{mappings: req.Mappings, docs: map[string]esDoc{}}
	f.aliases = next
	return http.StatusOK, fmt.Sprintf(`{"acknowledged":true,"shards_acknowledged":true,"index":%q}`, name)
}

func (f *strictES) cloneAliases() map[string]map[string]*bool {
	out := make(map[string]map[string]*bool, len(f.aliases))
	for a, m := range f.aliases {
		out[a] = maps.Clone(m)
	}
	return out
}

// checkWriteIndices: https://www.elastic.co/guide/en/elasticsearch/reference/8.15/aliases.html#write-index
// (an alias has at most one write index).
func checkWriteIndices(aliases map[string]map[string]*bool) (int, string) {
	for alias, behind := range aliases {
		var writers []string
		for name, w := range behind {
			if w != nil && *w {
				writers = append(writers, name)
			}
		}
		if len(writers) > 1 {
			sort.Strings(writers)
			return esError(400, "illegal_state_exception", fmt.Sprintf("alias [%s] has more than one write index [%s]", alias, strings.Join(writers, ",")))
		}
	}
	return 0, ""
}

// writeIndex is where a write to name goes.
// https://www.elastic.co/guide/en/elasticsearch/reference/8.15/aliases.html#write-index
// (an alias with one index writes to it unless is_write_index is false; an
// alias with several needs one marked is_write_index, else writes fail).
// https://www.elastic.co/guide/en/elasticsearch/reference/8.15/docs-bulk.html#bulk-api-query-params
// (require_alias: the target must be an alias) and
// https://www.elastic.co/guide/en/elasticsearch/reference/8.15/docs-index_.html#index-creation
// (otherwise a missing target is created, with dynamic mappings).
func (f *strictES) writeIndex(name string, requireAlias bool) (string, int, map[string]any) {
	if behind, ok := f.aliases[name]; ok && len(behind) > 0 {
		var chosen []string
		for n, w := range behind {
			if (w != nil && *w) || (w == nil && len(behind) == 1) {
				chosen = append(chosen, n)
			}
		}
		if len(chosen) != 1 {
			return "", 400, errCause("illegal_argument_exception", fmt.Sprintf("no write index is defined for alias [%s]. The write index may be explicitly disabled using is_write_index=false or the alias points to multiple indices without one being designated as a write index", name))
		}
		return chosen[0], 0, nil
	}
	if requireAlias {
		return "", 404, errCause("index_not_found_exception", fmt.Sprintf("no such index [%s] and [require_alias] request flag is [true] and [%s] is not an alias", name, name))
	}
	if _, ok := f.indices[name]; !ok {
		f.indices[name] = &esIndex{mappings: map[string]any{}, docs: map[string]esDoc{}}
	}
	return name, 0, nil
}

func errCause(typ, reason string) map[string]any {
	return map[string]any{"type": typ, "reason": reason}
}

// deleteIndex: https://www.elastic.co/guide/en/elasticsearch/reference/8.15/indices-delete-index.html
// (the target must name indices; an alias is refused, a missing index is
// index_not_found_exception). The index leaves every alias.
func (f *strictES) deleteIndex(name string) (int, string) {
	if _, ok := f.aliases[name]; ok {
		return esError(400, "illegal_argument_exception", fmt.Sprintf("The provided expression [%s] matches an alias, specify the corresponding concrete indices instead.", name))
	}
	if _, ok := f.indices[name]; !ok {
		return esError(404, "index_not_found_exception", "no such index ["+name+"]")
	}
	delete(f.indices, name)
	for alias, behind := range f.aliases {
		delete(behind, name)
		if len(behind) == 0 {
			delete(f.aliases, alias)
		}
	}
	return http.StatusOK, `{"acknowledged":true}`
}

// updateAliases: https://www.elastic.co/guide/en/elasticsearch/reference/8.15/indices-aliases.html
// (the actions are atomic: all apply or none; add needs an existing index
// and a name no index has; remove needs the alias on the index —
// aliases_not_found_exception).
func (f *strictES) updateAliases(body []byte) (int, string) {
	var req struct {
		Actions []map[string]struct {
			Index        string `json:"index"`
			Alias        string `json:"alias"`
			IsWriteIndex *bool  `json:"is_write_index"`
		} `json:"actions"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return esError(400, "parse_exception", err.Error())
	}
	next := f.cloneAliases()
	for _, action := range req.Actions {
		for op, a := range action {
			if _, ok := f.indices[a.Index]; !ok {
				return esError(404, "index_not_found_exception", "no such index ["+a.Index+"]")
			}
			switch op {
			case "add":
				if _, ok := f.indices[a.Alias]; ok {
					return esError(400, "invalid_alias_name_exception", fmt.Sprintf("Invalid alias name [%s]: an index or data stream exists with the same name as the alias", a.Alias))
				}
				if next[a.Alias] == nil {
					next[a.Alias] = map[string]*bool{}
				}
				next[a.Alias][a.Index] = a.IsWriteIndex
			case "remove":
				if _, ok := next[a.Alias][a.Index]; !ok {
					return esError(404, "aliases_not_found_exception", fmt.Sprintf("aliases [%s] missing", a.Alias))
				}
				delete(next[a.Alias], a.Index)
				if len(next[a.Alias]) == 0 {
					delete(next, a.Alias)
				}
			default:
				return esError(400, "illegal_argument_exception", "the fake does not know alias action "+op)
			}
		}
	}
	if st, msg := checkWriteIndices(next); st != 0 {
		return st, msg
	}
	f.aliases = next
	return http.StatusOK, `{"acknowledged":true,"errors":false}`
}

// getMapping: https://www.elastic.co/guide/en/elasticsearch/reference/8.15/indices-get-mapping.html
// (per index, with the _meta given at creation:
// https://www.elastic.co/guide/en/elasticsearch/reference/8.15/mapping-meta-field.html).
func (f *strictES) getMapping(target string) (int, string) {
	names := f.resolve(target)
	if len(names) == 0 {
		return esError(404, "index_not_found_exception", "no such index ["+target+"]")
	}
	out := map[string]any{}
	for _, n := range names {
		out[n] = map[string]any{"mappings": f.indices[n].mappings}
	}
	b, _ := json.Marshal(out)
	return http.StatusOK, string(b)
}

// maxTermBytes is Lucene's limit on one indexed term, 32766 bytes:
// https://www.elastic.co/guide/en/elasticsearch/reference/8.15/ignore-above.html
// (a longer keyword value fails its document unless ignore_above, counted
// in characters, skips it; the page suggests 32766 / 4 = 8191 for UTF-8).
const maxTermBytes = 32766

// bulk: https://www.elastic.co/guide/en/elasticsearch/reference/8.15/docs-bulk.html
// (each action succeeds or fails on its own: items[].<op>.status and
// .error; "errors":true when any failed).
func (f *strictES) bulk(target string, q url.Values, body []byte) (int, string) {
	requireAlias := q.Get("require_alias") == "true"
	lines := bytes.Split(bytes.TrimSpace(body), []byte("\n"))
	var items []any
	failed := false
	for i := 0; i < len(lines); i++ {
		var action map[string]struct {
			ID           string `json:"_id"`
			Index        string `json:"_index"`
			Version      *int64 `json:"version"`
			VersionType  string `json:"version_type"`
			RequireAlias *bool  `json:"require_alias"`
		}
		if err := json.Unmarshal(lines[i], &action); err != nil {
			return esError(400, "illegal_argument_exception", "Malformed action/metadata line ["+strconv.Itoa(i+1)+"]")
		}
		for op, a := range action {
			var src json.RawMessage
			if op == "index" || op == "create" {
				i++
				src = lines[i]
			}
			idx := target
			if a.Index != "" {
				idx = a.Index
			}
			ra := requireAlias
			if a.RequireAlias != nil {
				ra = *a.RequireAlias
			}
			item := map[string]any{"_id": a.ID}
			status, cause := f.bulkItem(op, idx, ra, a.ID, a.Version, a.VersionType, src, item)
			item["status"] = status
			if cause != nil {
				item["error"] = cause
				failed = true
			}
			items = append(items, map[string]any{op: item})
		}
	}
	b, _ := json.Marshal(map[string]any{"took": 1, "errors": failed, "items": items})
	return http.StatusOK, string(b)
}

func (f *strictES) bulkItem(op, target string, requireAlias bool, id string, version *int64, versionType string, src json.RawMessage, item map[string]any) (int, map[string]any) {
	name, status, cause := f.writeIndex(target, requireAlias)
	if cause != nil {
		return status, cause
	}
	item["_index"] = name
	ix := f.indices[name]
	cur, exists := ix.docs[id]
	// https://www.elastic.co/guide/en/elasticsearch/reference/8.15/docs-index_.html#index-versioning
	// (external_gte: the write applies only when the given version is
	// greater than or equal to the stored one; else 409
	// version_conflict_engine_exception. Without a version each write
	// increments an internal one.)
	next := cur.version + 1
	if version != nil {
		if versionType != "external_gte" && versionType != "external" {
			return 400, errCause("action_request_validation_exception", "the fake knows only external and external_gte versions")
		}
		if exists && (*version < cur.version || (versionType == "external" && *version == cur.version)) {
			return 409, errCause("version_conflict_engine_exception",
				fmt.Sprintf("[%s]: version conflict, current version [%d] is higher or equal to the one provided [%d]", id, cur.version, *version))
		}
		next = *version
	}
	switch op {
	case "delete":
		if !exists {
			item["result"] = "not_found"
			return 404, nil
		}
		delete(ix.docs, id)
		item["result"] = "deleted"
		return 200, nil
	case "index":
		if cause := ix.check(src); cause != nil {
			return 400, cause
		}
		ix.docs[id] = esDoc{version: next, source: slices.Clone(src)}
		item["_version"] = next
		if exists {
			item["result"] = "updated"
			return 200, nil
		}
		item["result"] = "created"
		return 201, nil
	}
	return 400, errCause("illegal_argument_exception", "the fake does not know bulk op "+op)
}

// check applies the mapping to a source document:
// https://www.elastic.co/guide/en/elasticsearch/reference/8.15/dynamic.html
// (dynamic: strict refuses unknown fields) and the term limit above for
// keyword fields without ignore_above:
// https://www.elastic.co/guide/en/elasticsearch/reference/8.15/ignore-above.html
func (ix *esIndex) check(src json.RawMessage) map[string]any {
	var doc map[string]any
	if err := json.Unmarshal(src, &doc); err != nil {
		return errCause("document_parsing_exception", "failed to parse: "+err.Error())
	}
	props, _ := ix.mappings["properties"].(map[string]any)
	strict := ix.mappings["dynamic"] == "strict"
	return checkFields(doc, props, strict, "")
}

func checkFields(doc map[string]any, props map[string]any, strict bool, prefix string) map[string]any {
	for field, v := range doc {
		p, ok := props[field].(map[string]any)
		if !ok {
			if strict {
				return errCause("strict_dynamic_mapping_exception", fmt.Sprintf("[1:2] mapping set to strict, dynamic introduction of [%s] within [_doc] is not allowed", prefix+field))
			}
			continue
		}
		if p["type"] == "keyword" && p["index"] != false {
			limit := -1
			if n, ok := p["ignore_above"].(float64); ok {
				limit = int(n)
			}
			for _, s := range stringValues(v) {
				if len(s) > maxTermBytes && (limit < 0 || utf8.RuneCountInString(s) <= limit) {
					cause := errCause("document_parsing_exception", fmt.Sprintf("[1:2] failed to parse: Document contains at least one immense term in field=\"%s\" (whose UTF8 encoding is longer than the max length %d)", prefix+field, maxTermBytes))
					cause["caused_by"] = map[string]any{"type": "illegal_argument_exception", "reason": "Document contains at least one immense term",
						"caused_by": errCause("max_bytes_length_exceeded_exception", fmt.Sprintf("bytes can be at most %d in length; got %d", maxTermBytes, len(s)))}
					return cause
				}
			}
		}
		if sub, ok := p["properties"].(map[string]any); ok && p["enabled"] != false {
			var objs []map[string]any
			switch x := v.(type) {
			case map[string]any:
				objs = append(objs, x)
			case []any:
				for _, e := range x {
					if m, ok := e.(map[string]any); ok {
						objs = append(objs, m)
					}
				}
			}
			for _, o := range objs {
				if c := checkFields(o, sub, strict, prefix+field+"."); c != nil {
					return c
				}
			}
		}
	}
	return nil
}

func stringValues(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// search: https://www.elastic.co/guide/en/elasticsearch/reference/8.15/paginate-search-results.html
// and index.max_result_window in
// https://www.elastic.co/guide/en/elasticsearch/reference/8.15/index-modules.html#dynamic-index-settings
// (from + size may not exceed 10,000); knn:
// https://www.elastic.co/guide/en/elasticsearch/reference/8.15/search-search.html#search-api-knn
// (num_candidates at most 10,000 and at least k).
func (f *strictES) search(target string, body []byte) (int, string) {
	var req struct {
		From *int  `json:"from"`
		Size *int  `json:"size"`
		Sort []any `json:"sort"`
		Knn  []struct {
			K             int `json:"k"`
			NumCandidates int `json:"num_candidates"`
		} `json:"knn"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return esError(400, "parse_exception", err.Error())
	}
	from, size := 0, 10
	if req.From != nil {
		from = *req.From
	}
	if req.Size != nil {
		size = *req.Size
	}
	if from+size > 10000 {
		return esError(400, "search_phase_execution_exception", fmt.Sprintf("Result window is too large, from + size must be less than or equal to: [10000] but was [%d]. See the scroll api for a more efficient way to request large data sets. This limit can be set by changing the [index.max_result_window] index level setting.", from+size))
	}
	for _, k := range req.Knn {
		if k.NumCandidates > 10000 {
			return esError(400, "illegal_argument_exception", "[num_candidates] cannot exceed [10000]")
		}
		if k.NumCandidates < k.K {
			return esError(400, "illegal_argument_exception", "[num_candidates] cannot be less than [k]")
		}
	}
	names := f.resolve(target)
	if len(names) == 0 {
		return esError(404, "index_not_found_exception", "no such index ["+target+"]")
	}
	type hit struct {
		index, id string
		src       json.RawMessage
		fields    map[string]any
	}
	var all []hit
	for _, n := range names {
		for id, d := range f.indices[n].docs {
			h := hit{index: n, id: id, src: d.source}
			_ = json.Unmarshal(d.source, &h.fields)
			all = append(all, h)
		}
	}
	// https://www.elastic.co/guide/en/elasticsearch/reference/8.15/sort-search-results.html
	// (fields in order, each asc or desc; every document scores the same
	// here, as the fake runs no query)
	keys := sortKeys(req.Sort)
	sort.SliceStable(all, func(i, j int) bool {
		for _, k := range keys {
			if c := compareField(all[i].fields, all[j].fields, k.field); c != 0 {
				return (c < 0) != k.desc
			}
		}
		a, _ := strconv.Atoi(all[i].id)
		b, _ := strconv.Atoi(all[j].id)
		return a < b
	})
	total := len(all)
	all = all[min(from, len(all)):min(from+size, len(all))]
	hits := make([]string, len(all))
	for i, h := range all {
		hits[i] = fmt.Sprintf(`{"_index":%q,"_id":%q,"_score":1.0,"_source":%s}`, h.index, h.id, h.src)
	}
	return http.StatusOK, fmt.Sprintf(`{"took":1,"timed_out":%v,"_shards":{"total":2,"successful":%d,"skipped":0,"failed":%d},"hits":{"total":{"value":%d,"relation":"eq"},"hits":[%s]}}`,
		f.timedOut, 2-f.failedShards, f.failedShards, total, strings.Join(hits, ","))
}

type sortKey struct {
	field string
	desc  bool
}

func sortKeys(raw []any) []sortKey {
	var out []sortKey
	for _, r := range raw {
		m, ok := r.(map[string]any)
		if !ok {
			continue // "_score": all equal
		}
		for field, opts := range m {
			o, _ := opts.(map[string]any)
			out = append(out, sortKey{field, o["order"] == "desc"})
		}
	}
	return out
}

// compareField compares one field of two sources: numbers as numbers,
// dates (RFC 3339 strings) as times.
func compareField(x, y map[string]any, field string) int {
	switch u := x[field].(type) {
	case float64:
		v, _ := y[field].(float64)
		return cmpFloat(u, v)
	case string:
		v, _ := y[field].(string)
		tu, err1 := time.Parse(time.RFC3339Nano, u)
		tv, err2 := time.Parse(time.RFC3339Nano, v)
		if err1 == nil && err2 == nil {
			return tu.Compare(tv)
		}
		return strings.Compare(u, v)
	}
	return 0
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// getDoc: https://www.elastic.co/guide/en/elasticsearch/reference/8.15/docs-get.html
// (a single-document request through an alias needs exactly one index
// behind it — or its write index).
func (f *strictES) getDoc(target, id string) (int, string) {
	name := target
	if _, ok := f.indices[target]; !ok {
		n, status, cause := f.writeIndex(target, true)
		if cause != nil {
			return esError(status, cause["type"].(string), cause["reason"].(string))
		}
		name = n
	}
	d, ok := f.indices[name].docs[id]
	if !ok {
		return http.StatusNotFound, fmt.Sprintf(`{"_index":%q,"_id":%q,"found":false}`, name, id)
	}
	return http.StatusOK, fmt.Sprintf(`{"_index":%q,"_id":%q,"_version":%d,"found":true,"_source":%s}`, name, id, d.version, d.source)
}

// docIDs lists the ids stored in an index.
func (f *strictES) docIDs(index string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	ix, ok := f.indices[index]
	if !ok {
		return nil
	}
	return slices.Sorted(maps.Keys(ix.docs))
}

// behind lists the indices behind an alias.
func (f *strictES) behind(alias string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Sorted(maps.Keys(f.aliases[alias]))
}

// indexNames lists every index.
func (f *strictES) indexNames() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Sorted(maps.Keys(f.indices))
}
