// Package apitest keeps Warna's API honest in tests: it checks every
// request a test sends to /api/v1, and every answer, against the OpenAPI
// description (web/api/openapi) with kin-openapi, and checks webhook event
// bodies against the description's webhooks. Tests wrap the server's
// handler with Handler; only test code imports this package.
package apitest

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/warna/warna/web/api"
)

// Prefix is where the described API lives.
const Prefix = "/api/v1"

// Validator checks exchanges against the description.
type Validator struct {
	Doc    *openapi3.T
	router routers.Router
}

var (
	loaded    *Validator
	loadErr   error
	loadOnce  sync.Once
	decoderMu sync.Once
)

// Load parses the description, checks it with kin-openapi's own validation
// and builds a router over it. It is done once per test binary.
func Load() (*Validator, error) {
	loadOnce.Do(func() { loaded, loadErr = load() })
	return loaded, loadErr
}

func load() (*Validator, error) {
	raw, err := api.Description()
	if err != nil {
		return nil, err
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(raw)
	if err != nil {
		return nil, fmt.Errorf("load the API description: %w", err)
	}
	if !doc.IsOpenAPI31OrLater() {
		return nil, fmt.Errorf("the API description is OpenAPI %s, want 3.1", doc.OpenAPI)
	}
	if err := doc.Validate(loader.Context, openapi3.EnableExamplesValidation()); err != nil {
		return nil, fmt.Errorf("the API description is not valid: %w", err)
	}
	// Routes are matched on the path below the server URL (/api/v1), which
	// the test strips itself: the router would need an absolute server URL.
	doc.Servers = nil
	router, err := legacy.NewRouter(doc)
	if err != nil {
		return nil, err
	}
	decoderMu.Do(func() {
		for _, ct := range []string{"image/jpeg", "image/png", "image/webp", "image/gif", "text/csv"} {
			openapi3filter.RegisterBodyDecoder(ct, openapi3filter.FileBodyDecoder)
		}
	})
	return &Validator{Doc: doc, router: router}, nil
}

// authenticate accepts a request that carries the credential a security
// scheme names; whether it is a good one is the server's business.
func authenticate(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	r := in.RequestValidationInput.Request
	s := in.SecurityScheme
	switch {
	case s.Type == "http" && s.Scheme == "bearer":
		if strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
			return nil
		}
	case s.Type == "apiKey" && s.In == "cookie":
		if c, err := r.Cookie(s.Name); err == nil && c.Value != "" {
			return nil
		}
	case s.Type == "apiKey" && s.In == "header":
		if r.Header.Get(s.Name) != "" {
			return nil
		}
	}
	return fmt.Errorf("no %s credential", in.SecuritySchemeName)
}

// Exchange is one request and its answer, as the test saw them.
type Exchange struct {
	Request     *http.Request // its URL path starts with Prefix
	RequestBody []byte
	Status      int
	Header      http.Header
	Body        []byte
}

// Check validates an exchange. The answer must always match the
// description. A request that does not match it must have been refused
// with a 4xx (the description may be stricter than the server, never
// looser); a request to an undescribed route must have been answered 404
// or 405.
func (v *Validator) Check(ctx context.Context, x Exchange) error {
	req := x.Request.Clone(ctx)
	req.URL.Path = strings.TrimPrefix(req.URL.Path, Prefix)
	req.URL.RawPath = ""
	req.Body = io.NopCloser(bytes.NewReader(x.RequestBody))
	route, params, err := v.router.FindRoute(req)
	if err != nil {
		if x.Status == http.StatusNotFound || x.Status == http.StatusMethodNotAllowed {
			return nil
		}
		return fmt.Errorf("%s %s is not in the API description, yet it answered %d", x.Request.Method, x.Request.URL.Path, x.Status)
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: authenticate, MultiError: true}}
	var problems []string
	if err := openapi3filter.ValidateRequest(ctx, in); err != nil && (x.Status < 400 || x.Status > 499) {
		problems = append(problems, fmt.Sprintf("the request does not match the description, yet it answered %d: %v", x.Status, err))
	}
	in.Options = &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true, AuthenticationFunc: authenticate}
	res := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: x.Status, Header: x.Header,
		Options: in.Options}
	res.SetBodyBytes(x.Body)
	if err := openapi3filter.ValidateResponse(ctx, res); err != nil {
		problems = append(problems, fmt.Sprintf("the %d answer does not match the description: %v", x.Status, err))
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s %s (%s %s): %s; answer: %.400s", x.Request.Method, x.Request.URL.RequestURI(),
			route.Method, route.Path, strings.Join(problems, "; "), x.Body)
	}
	return nil
}

// Handler wraps next so that every /api/v1 exchange of the test is
// checked; a mismatch fails the test. When the test ends it logs how many
// exchanges were checked.
func Handler(t testing.TB, next http.Handler) http.Handler {
	t.Helper()
	v, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	var checked atomic.Int64
	t.Cleanup(func() {
		if n := checked.Load(); n > 0 {
			t.Logf("apitest: %d /api/v1 exchanges validated against the OpenAPI description", n)
		}
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, Prefix+"/") {
			next.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("apitest: read the request body: %v", err)
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		answer, err := decoded(rec)
		if err != nil {
			t.Errorf("apitest: %s %s: %v", r.Method, r.URL.Path, err)
		}
		x := Exchange{Request: r, RequestBody: body, Status: rec.Code, Header: rec.Header(), Body: answer}
		// Checked before the client has the answer, so that a failure is
		// reported while the test still runs.
		if err := v.Check(context.WithoutCancel(r.Context()), x); err != nil {
			t.Errorf("apitest: %v", err)
		}
		checked.Add(1)
		for k, vs := range rec.Header() {
			w.Header()[k] = vs
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	})
}

// CheckEvent validates a webhook delivery's body against the description
// of its event type.
func (v *Validator) CheckEvent(eventType string, body []byte) error {
	item := v.Doc.Webhooks[eventType]
	if item == nil || item.Post == nil || item.Post.RequestBody == nil {
		return fmt.Errorf("event %q is not in the API description's webhooks", eventType)
	}
	media := item.Post.RequestBody.Value.Content.Get("application/json")
	if media == nil || media.Schema == nil {
		return fmt.Errorf("event %q has no JSON body in the description", eventType)
	}
	var value any
	if err := json.Unmarshal(body, &value); err != nil {
		return fmt.Errorf("event %q: %w", eventType, err)
	}
	if err := media.Schema.Value.VisitJSON(value, openapi3.EnableJSONSchema2020(), openapi3.MultiErrors()); err != nil {
		return fmt.Errorf("event %q does not match the description: %w", eventType, err)
	}
	return nil
}

// Operation is a method and a path template of the description.
type Operation struct{ Method, Path string }

// Operations lists the described operations, sorted, with full paths
// (/api/v1/products/{id}).
func (v *Validator) Operations() []Operation {
	var out []Operation
	for p, item := range v.Doc.Paths.Map() {
		for method := range item.Operations() {
			out = append(out, Operation{Method: method, Path: Prefix + p})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Path != out[j].Path {
			return out[i].Path < out[j].Path
		}
		return out[i].Method < out[j].Method
	})
	return out
}

// decoded is the answer's body as the client reads it: uncompressed.
func decoded(rec *httptest.ResponseRecorder) ([]byte, error) {
	if rec.Header().Get("Content-Encoding") != "gzip" {
		return rec.Body.Bytes(), nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		return nil, fmt.Errorf("gzip answer: %w", err)
	}
	return io.ReadAll(zr)
}
