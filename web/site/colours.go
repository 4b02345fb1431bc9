package site

import (
	"github.com/labstack/echo/v4"
)

// FamilyWord is a colour family as people read it in English: "grey" for
// the family the URLs and the API call "gray". It is the catalogue's key
// of the family's name.
func FamilyWord(family string) string {
	if family == "gray" {
		return "grey"
	}
	return family
}

// Category is a category's English display name (catalog.CategoryName)
// in c's language.
func Category(c echo.Context, name string) string { return T(c, name) }

// Family is a colour family's name in c's language.
func Family(c echo.Context, family string) string { return T(c, FamilyWord(family)) }
