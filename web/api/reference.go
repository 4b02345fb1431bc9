package api

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Reference is the description shaped for the readable reference page
// (/api/docs): operations grouped by tag in the description's order, the
// webhook events, and the schemas they use.
type Reference struct {
	Title, Version, Summary string
	Description             string
	Security                []SecurityScheme
	Groups                  []Group
	Schemas                 []Schema
}

// SecurityScheme is one way to authenticate.
type SecurityScheme struct{ Name, Description string }

// Group is the operations of one tag.
type Group struct {
	Name, Anchor, Description string
	Operations                []Operation
}

// Operation is one method on one path, or one webhook event.
type Operation struct {
	Anchor, Method, Path, Summary, Description string
	// Auth says who may call it.
	Auth       string
	Parameters []Parameter
	Body       []Content
	Responses  []Response
}

// Parameter is one input outside the body.
type Parameter struct {
	Name, In, Description string
	Type                  TypeRef
	Required              bool
}

// Content is a body in one media type.
type Content struct {
	MediaType string
	Type      TypeRef
	// Properties of a body described in place (not a named schema).
	Properties []Property
}

// Response is one documented answer.
type Response struct {
	Status, Description string
	Headers             []string
	Body                []Content
}

// Schema is a named schema.
type Schema struct {
	Name, Anchor, Description string
	Type                      TypeRef
	Properties                []Property
}

// Property is one field of an object.
type Property struct {
	Name, Description string
	Type              TypeRef
	Required          bool
}

// TypeRef names a type for people: "integer", "array of", a link to a named
// schema, or the values an enum allows.
type TypeRef struct {
	Text   string // "string", "array of", "one of"…
	Schema string // a named schema this refers to (linked)
	Values []string
}

// jsonSchema is the part of a JSON schema the page shows.
type jsonSchema struct {
	Ref                  string                 `json:"$ref"`
	Type                 any                    `json:"type"`
	Format               string                 `json:"format"`
	Description          string                 `json:"description"`
	Enum                 []any                  `json:"enum"`
	Const                any                    `json:"const"`
	Items                *jsonSchema            `json:"items"`
	Properties           map[string]*jsonSchema `json:"properties"`
	Required             []string               `json:"required"`
	AdditionalProperties any                    `json:"additionalProperties"`
}

type jsonParameter struct {
	Ref         string      `json:"$ref"`
	Name        string      `json:"name"`
	In          string      `json:"in"`
	Description string      `json:"description"`
	Required    bool        `json:"required"`
	Schema      *jsonSchema `json:"schema"`
}

type jsonMedia map[string]struct {
	Schema *jsonSchema `json:"schema"`
}

type jsonResponse struct {
	Ref         string                     `json:"$ref"`
	Description string                     `json:"description"`
	Headers     map[string]json.RawMessage `json:"headers"`
	Content     jsonMedia                  `json:"content"`
}

type jsonOperation struct {
	Tags        []string                     `json:"tags"`
	Summary     string                       `json:"summary"`
	Description string                       `json:"description"`
	OperationID string                       `json:"operationId"`
	Security    *[]map[string][]string       `json:"security"`
	Parameters  []jsonParameter              `json:"parameters"`
	RequestBody *struct{ Content jsonMedia } `json:"requestBody"`
	Responses   map[string]jsonResponse      `json:"responses"`
}

type jsonDoc struct {
	Info struct {
		Title, Version, Summary, Description string
	} `json:"info"`
	Tags []struct {
		Name, Description string
	} `json:"tags"`
	Paths    map[string]map[string]json.RawMessage `json:"paths"`
	Webhooks map[string]map[string]json.RawMessage `json:"webhooks"`
	Security []map[string][]string                 `json:"security"`
	Comps    struct {
		SecuritySchemes map[string]struct{ Description string } `json:"securitySchemes"`
		Parameters      map[string]jsonParameter                `json:"parameters"`
		Responses       map[string]jsonResponse                 `json:"responses"`
		Schemas         map[string]*jsonSchema                  `json:"schemas"`
	} `json:"components"`
}

var methodOrder = []string{"get", "post", "put", "patch", "delete"}

// NewReference shapes the description for the reference page.
func NewReference() (Reference, error) {
	raw, err := Description()
	if err != nil {
		return Reference{}, err
	}
	var doc jsonDoc
	if err := json.Unmarshal(raw, &doc); err != nil {
		return Reference{}, fmt.Errorf("read the API description: %w", err)
	}
	ref := Reference{Title: doc.Info.Title, Version: doc.Info.Version, Summary: doc.Info.Summary, Description: doc.Info.Description}
	for _, name := range sortedKeys(doc.Comps.SecuritySchemes) {
		ref.Security = append(ref.Security, SecurityScheme{Name: name, Description: doc.Comps.SecuritySchemes[name].Description})
	}
	groups := map[string]*Group{}
	for _, t := range doc.Tags {
		ref.Groups = append(ref.Groups, Group{Name: t.Name, Anchor: "tag-" + t.Name, Description: t.Description})
	}
	for i := range ref.Groups {
		groups[ref.Groups[i].Name] = &ref.Groups[i]
	}
	add := func(path string, item map[string]json.RawMessage, event bool) error {
		var shared []jsonParameter
		if p, ok := item["parameters"]; ok {
			if err := json.Unmarshal(p, &shared); err != nil {
				return err
			}
		}
		for _, method := range methodOrder {
			rawOp, ok := item[method]
			if !ok {
				continue
			}
			var op jsonOperation
			if err := json.Unmarshal(rawOp, &op); err != nil {
				return fmt.Errorf("%s %s: %w", method, path, err)
			}
			out := doc.operation(method, path, op, shared, event)
			tag := "events"
			if len(op.Tags) > 0 {
				tag = op.Tags[0]
			}
			g := groups[tag]
			if g == nil {
				return fmt.Errorf("%s %s: tag %q is not among the description's tags", method, path, tag)
			}
			g.Operations = append(g.Operations, out)
		}
		return nil
	}
	for _, p := range sortedKeys(doc.Paths) {
		if err := add(p, doc.Paths[p], false); err != nil {
			return Reference{}, err
		}
	}
	for _, name := range sortedKeys(doc.Webhooks) {
		if err := add(name, doc.Webhooks[name], true); err != nil {
			return Reference{}, err
		}
	}
	for _, name := range sortedKeys(doc.Comps.Schemas) {
		s := doc.Comps.Schemas[name]
		ref.Schemas = append(ref.Schemas, Schema{Name: name, Anchor: "schema-" + name, Description: s.Description,
			Type: typeOf(s), Properties: properties(s)})
	}
	return ref, nil
}

func (doc *jsonDoc) operation(method, path string, op jsonOperation, shared []jsonParameter, event bool) Operation {
	out := Operation{Method: strings.ToUpper(method), Path: path, Summary: op.Summary, Description: op.Description,
		Anchor: "op-" + op.OperationID}
	switch {
	case event:
		out.Path, out.Auth = path+" event", "signed with the webhook's secret (X-Warna-Signature)"
	case op.Security != nil && len(*op.Security) == 0:
		out.Auth = "anyone"
	default:
		out.Auth = "a merchant: API key (Bearer) or session"
		if method != "get" {
			out.Auth += " with X-CSRF-Token"
		}
		if op.OperationID == "getMe" {
			out.Auth = "any signed-in account: API key (Bearer) or session"
		}
	}
	for _, p := range append(append([]jsonParameter{}, shared...), op.Parameters...) {
		if p.Ref != "" {
			p = doc.Comps.Parameters[refName(p.Ref)]
		}
		out.Parameters = append(out.Parameters, Parameter{Name: p.Name, In: p.In, Description: p.Description, Required: p.Required, Type: typeOf(p.Schema)})
	}
	if op.RequestBody != nil {
		out.Body = contents(op.RequestBody.Content)
	}
	for _, status := range sortedKeys(op.Responses) {
		r := op.Responses[status]
		if r.Ref != "" {
			r = doc.Comps.Responses[refName(r.Ref)]
		}
		out.Responses = append(out.Responses, Response{Status: status, Description: r.Description, Headers: sortedKeys(r.Headers), Body: contents(r.Content)})
	}
	return out
}

func contents(m jsonMedia) []Content {
	var out []Content
	for _, mt := range sortedKeys(m) {
		s := m[mt].Schema
		c := Content{MediaType: mt, Type: typeOf(s)}
		if s != nil && s.Ref == "" {
			c.Properties = properties(s)
		}
		out = append(out, c)
	}
	return out
}

func properties(s *jsonSchema) []Property {
	if s == nil {
		return nil
	}
	required := map[string]bool{}
	for _, r := range s.Required {
		required[r] = true
	}
	var out []Property
	for _, name := range sortedKeys(s.Properties) {
		p := s.Properties[name]
		out = append(out, Property{Name: name, Description: p.Description, Required: required[name], Type: typeOf(p)})
	}
	return out
}

func typeOf(s *jsonSchema) TypeRef {
	switch {
	case s == nil:
		return TypeRef{Text: "any"}
	case s.Ref != "":
		return TypeRef{Schema: refName(s.Ref)}
	case s.Const != nil:
		return TypeRef{Text: "exactly", Values: []string{fmt.Sprint(s.Const)}}
	case len(s.Enum) > 0:
		t := TypeRef{Text: "one of"}
		for _, v := range s.Enum {
			t.Values = append(t.Values, fmt.Sprint(v))
		}
		return t
	}
	var types []string
	switch v := s.Type.(type) {
	case string:
		types = []string{v}
	case []any:
		for _, t := range v {
			types = append(types, fmt.Sprint(t))
		}
	}
	text := strings.Join(types, " or ")
	if s.Format != "" {
		text += " (" + s.Format + ")"
	}
	if s.Items != nil {
		inner := typeOf(s.Items)
		inner.Text = strings.TrimSpace(text + " of " + inner.Text)
		return inner
	}
	if text == "object" && s.Properties == nil {
		if extra, ok := s.AdditionalProperties.(map[string]any); ok {
			if t, ok := extra["type"].(string); ok {
				text = "object of " + t + "s"
			}
		}
	}
	if text == "" {
		text = "any"
	}
	return TypeRef{Text: text}
}

func refName(ref string) string { return ref[strings.LastIndex(ref, "/")+1:] }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
