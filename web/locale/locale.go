// Package locale owns the languages Warna's pages speak: which one a
// request wants (a remembered choice, else the browser's Accept-Language,
// else the site's default), and the Indonesian catalogue of the English
// texts the pages and messages are written in.
//
// English is the source language: a template says {{t "Search by colour"}}
// and Go code passes the English format of a message; the catalogue in
// messages/id.json maps each such text to its Indonesian. A text missing
// from the catalogue shows in English and is recorded, so that the tests
// that render or scan every page fail on it.
package locale

import (
	"net/http"
	"strings"

	"golang.org/x/text/language"
)

// Lang is a language the site speaks.
type Lang string

// The languages of the site. Indonesian comes first: Warna is for
// Indonesia first.
const (
	Indonesian Lang = "id"
	English    Lang = "en"
)

// All are the site's languages, in the order the switcher lists them.
var All = []Lang{Indonesian, English}

// CookieName is the cookie that remembers a visitor's choice.
const CookieName = "warna_lang"

// Parse reads a language code ("id", "en", "en-GB").
func Parse(s string) (Lang, bool) {
	tag, err := language.Parse(strings.TrimSpace(s))
	if err != nil {
		return "", false
	}
	base, _ := tag.Base()
	for _, l := range All {
		if base.String() == string(l) {
			return l, true
		}
	}
	return "", false
}

// Name is the language's name in itself, as the switcher shows it.
func (l Lang) Name() string {
	if l == English {
		return "English"
	}
	return "Bahasa Indonesia"
}

// Tag is the language's BCP 47 tag (for <html lang> and formatting).
func (l Lang) Tag() language.Tag {
	if l == English {
		return language.English
	}
	return language.Indonesian
}

var matcher = language.NewMatcher([]language.Tag{language.Indonesian, language.English})

// Negotiate picks the language of a request: the remembered choice, then
// the best match of Accept-Language (Malay reads Indonesian), then def.
func Negotiate(r *http.Request, def Lang) Lang {
	if c, err := r.Cookie(CookieName); err == nil {
		if l, ok := Parse(c.Value); ok {
			return l
		}
	}
	accept := r.Header.Get("Accept-Language")
	if accept == "" {
		return def
	}
	tag, _, conf := matcher.Match(parseAccept(accept)...)
	if conf == language.No {
		return def
	}
	if l, ok := Parse(tag.String()); ok {
		return l
	}
	return def
}

func parseAccept(s string) []language.Tag {
	tags, _, err := language.ParseAcceptLanguage(s)
	if err != nil {
		return nil
	}
	return tags
}
