package api

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"
)

// The OpenAPI 3.1 description of /api/v1 lives in openapi/: openapi.json
// holds the document's frame (info, servers, security schemes, shared
// parameters, headers, responses and schemas); each other file adds the
// paths, webhook events and component schemas of one area (products,
// orders, webhooks, search), so that an area's handlers and its description
// change together. Description merges them; a name defined twice is an
// error, which the tests catch.
//
//go:embed openapi/*.json
var descriptionFiles embed.FS

// mergedSections are the maps the area files add to.
var mergedSections = []string{"paths", "webhooks", "components/schemas", "components/parameters", "components/headers", "components/responses"}

// Description returns the OpenAPI description of /api/v1 as JSON.
var Description = sync.OnceValues(buildDescription)

func buildDescription() ([]byte, error) {
	var doc map[string]any
	if err := readJSON("openapi/openapi.json", &doc); err != nil {
		return nil, err
	}
	files, err := fs.Glob(descriptionFiles, "openapi/*.json")
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	for _, name := range files {
		if name == "openapi/openapi.json" {
			continue
		}
		var part map[string]any
		if err := readJSON(name, &part); err != nil {
			return nil, err
		}
		for _, section := range mergedSections {
			for key, value := range sectionOf(part, section) {
				into := sectionOf(doc, section)
				if _, dup := into[key]; dup {
					return nil, fmt.Errorf("API description %s: %s %q is defined twice", path.Base(name), section, key)
				}
				into[key] = value
			}
		}
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

func readJSON(name string, v any) error {
	raw, err := descriptionFiles.ReadFile(name)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("API description %s: %w", name, err)
	}
	return nil
}

// sectionOf returns the map at a slash-separated path of doc, making it
// (and the maps above it) when missing.
func sectionOf(doc map[string]any, at string) map[string]any {
	m := doc
	for _, key := range strings.Split(at, "/") {
		next, ok := m[key].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[key] = next
		}
		m = next
	}
	return m
}

// apiDescription serves the description, with an ETag.
func (a *API) apiDescription(c echo.Context) error {
	raw, err := Description()
	if err != nil {
		return err
	}
	sum := sha256.Sum256(raw)
	tag := `"` + hex.EncodeToString(sum[:16]) + `"`
	c.Response().Header().Set("ETag", tag)
	if noneMatch(c.Request().Header.Get("If-None-Match"), tag) {
		return c.NoContent(http.StatusNotModified)
	}
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, raw)
}
