package locale

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"sync"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

//go:embed messages/*.json
var messageFS embed.FS

// Catalog holds the translations of the site's English texts.
type Catalog struct {
	bundle     *i18n.Bundle
	localizers map[Lang]*i18n.Localizer
	known      map[Lang]map[string]bool
	texts      map[Lang]map[string]i18n.Message

	mu      sync.Mutex
	missing map[Lang]map[string]bool
}

// Load reads the embedded catalogue.
func Load() (*Catalog, error) {
	c := &Catalog{
		bundle:     i18n.NewBundle(language.English),
		localizers: map[Lang]*i18n.Localizer{},
		known:      map[Lang]map[string]bool{},
		texts:      map[Lang]map[string]i18n.Message{},
		missing:    map[Lang]map[string]bool{},
	}
	for _, l := range All {
		c.localizers[l] = i18n.NewLocalizer(c.bundle, string(l))
		if l == English {
			continue
		}
		c.known[l] = map[string]bool{}
		c.texts[l] = map[string]i18n.Message{}
		files, _ := fs.Glob(messageFS, "messages/"+string(l)+".*json")
		if len(files) == 0 {
			return nil, fmt.Errorf("locale: no messages/%s.json", l)
		}
		for _, name := range files {
			if err := c.addFile(l, name); err != nil {
				return nil, fmt.Errorf("locale: %s: %w", name, err)
			}
		}
	}
	return c, nil
}

// addFile adds the messages of one catalogue file of l. A language's texts
// may be spread over files (id.json, id.orders.json…); a text in two must
// have the same translation in both.
func (c *Catalog) addFile(l Lang, name string) error {
	raw, err := messageFS.ReadFile(name)
	if err != nil {
		return err
	}
	msgs, err := parseMessages(raw)
	if err != nil {
		return err
	}
	fresh := msgs[:0]
	for _, m := range msgs {
		if prev, ok := c.texts[l][m.ID]; ok {
			if prev != *m {
				return fmt.Errorf("%q is translated differently in another file", m.ID)
			}
			continue // the same translation twice: one is enough
		}
		c.known[l][m.ID] = true
		c.texts[l][m.ID] = *m
		fresh = append(fresh, m)
	}
	return c.bundle.AddMessages(l.Tag(), fresh...)
}

// parseMessages reads a catalogue file: an object from each English text
// to its translation, a string, or for texts that change with a count an
// object of CLDR plural forms ({"other": "…"} is enough for Indonesian).
// go-i18n's own file parser is not used: it reads a top-level key named
// like a plural form ("Other") as the start of a message.
func parseMessages(raw []byte) ([]*i18n.Message, error) {
	var entries map[string]json.RawMessage
	if err := json.Unmarshal(raw, &entries); err != nil {
		return nil, err
	}
	out := make([]*i18n.Message, 0, len(entries))
	for id, v := range entries {
		m := &i18n.Message{ID: id}
		var s string
		if err := json.Unmarshal(v, &s); err == nil {
			m.Other = s
			out = append(out, m)
			continue
		}
		var forms struct{ Zero, One, Two, Few, Many, Other string }
		if err := json.Unmarshal(v, &forms); err != nil || forms.Other == "" {
			return nil, fmt.Errorf("%q: want a string or an object with \"other\"", id)
		}
		m.Zero, m.One, m.Two, m.Few, m.Many, m.Other = forms.Zero, forms.One, forms.Two, forms.Few, forms.Many, forms.Other
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b *i18n.Message) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// Has reports whether the catalogue translates text into l (English
// translates everything: it is the source).
func (c *Catalog) Has(l Lang, text string) bool {
	return l == English || c.known[l][text]
}

// Text is text in l, its {{.Name}} fields filled from data. A text the
// catalogue lacks comes out in English and is recorded (Missing).
func (c *Catalog) Text(l Lang, text string, data map[string]any) string {
	return c.localize(l, &i18n.Message{ID: text, Other: text}, nil, data)
}

// Plural is the form of a counted text in l: one for a count of 1 in
// English, other otherwise; other is the catalogue's key. {{.Count}} in
// either is the count, written in l's digits.
func (c *Catalog) Plural(l Lang, n int, one, other string, data map[string]any) string {
	d := map[string]any{"Count": Number(l, int64(n))}
	for k, v := range data {
		d[k] = v
	}
	return c.localize(l, &i18n.Message{ID: other, One: one, Other: other}, n, d)
}

func (c *Catalog) localize(l Lang, m *i18n.Message, count any, data map[string]any) string {
	if !c.Has(l, m.ID) {
		c.noteMissing(l, m.ID)
	}
	loc, ok := c.localizers[l]
	if !ok {
		loc = c.localizers[English]
	}
	out, err := loc.Localize(&i18n.LocalizeConfig{DefaultMessage: m, PluralCount: count, TemplateData: data})
	if err != nil && out == "" {
		return m.Other
	}
	return out
}

func (c *Catalog) noteMissing(l Lang, text string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.missing[l] == nil {
		c.missing[l] = map[string]bool{}
	}
	c.missing[l][text] = true
}

// Missing lists the texts asked for in l that the catalogue lacks, sorted.
func (c *Catalog) Missing(l Lang) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]string, 0, len(c.missing[l]))
	for t := range c.missing[l] {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}

// Texts lists the catalogue's English texts for l, sorted.
func (c *Catalog) Texts(l Lang) []string {
	out := make([]string, 0, len(c.known[l]))
	for t := range c.known[l] {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}
