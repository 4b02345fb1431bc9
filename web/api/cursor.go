package api

import (
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/warna/warna/fault"
)

// Lists page two ways: by page number (page, per_page) and by cursor. Every
// list answer carries the cursor of the position after its last item and,
// when more follow, a `next` link (also sent as `Link: <…>; rel="next"`)
// that continues from it with the same filters. A cursor is opaque to
// clients; inside it is the id of the last item seen, and lists run newest
// (highest id) first, so walking them by cursor neither skips nor repeats
// an item while others are added.

const cursorPrefix = "id:"

// encodeCursor makes the cursor of the position after the item with id.
func encodeCursor(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + strconv.FormatInt(id, 10)))
}

// cursorParam reads the cursor query parameter: the id to list before, or 0
// without one.
func cursorParam(c echo.Context) (int64, error) {
	v := c.QueryParam("cursor")
	if v == "" {
		return 0, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(v)
	id, perr := strconv.ParseInt(strings.TrimPrefix(string(raw), cursorPrefix), 10, 64)
	if err != nil || perr != nil || !strings.HasPrefix(string(raw), cursorPrefix) || id <= 0 {
		return 0, fault.FieldInvalidf("cursor", "this cursor was not made by Warna; use the next link or next_cursor of a list answer, or start without a cursor")
	}
	return id, nil
}

// nextLink sets the Link header to the request's address with the query
// parameter name set to value (and page dropped: a cursor replaces it), and
// returns that address.
func (a *common) nextLink(c echo.Context, name, value string) string {
	q := c.Request().URL.Query()
	q.Del("page")
	q.Del("cursor")
	q.Set(name, value)
	next := a.baseURL + c.Request().URL.Path + "?" + q.Encode()
	c.Response().Header().Add("Link", "<"+next+`>; rel="next"`)
	return next
}

// cursorNext fills a list's next_cursor and next from the id of its last
// item; more says whether items follow it.
func (a *common) cursorNext(c echo.Context, lastID int64, more bool) (cursor, next string) {
	if lastID == 0 {
		return "", ""
	}
	cursor = encodeCursor(lastID)
	if more {
		next = a.nextLink(c, "cursor", cursor)
	}
	return cursor, next
}
