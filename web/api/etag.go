package api

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// jsonWithETag answers v as JSON with an ETag made from its bytes. A client
// that sends that tag back in If-None-Match gets 304 Not Modified without a
// body. The tag is weak (W/"…"): the answer may be compressed on the way, and
// weak comparison is what If-None-Match uses anyway.
func jsonWithETag(c echo.Context, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(body)
	tag := `W/"` + hex.EncodeToString(sum[:16]) + `"`
	c.Response().Header().Set("ETag", tag)
	if noneMatch(c.Request().Header.Get("If-None-Match"), tag) {
		return c.NoContent(http.StatusNotModified)
	}
	return c.JSONBlob(http.StatusOK, body)
}

// noneMatch reports whether an If-None-Match header names tag (or is "*"),
// comparing weakly as RFC 9110 §13.1.2 says.
func noneMatch(header, tag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == strings.TrimPrefix(tag, "W/") {
			return true
		}
	}
	return false
}
