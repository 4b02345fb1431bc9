package web

import (
	"io"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// mediaFile serves a stored photo or thumbnail. Keys are content hashes, so
// a file under a key never changes and may be cached for a year.
func (s *Server) mediaFile(c echo.Context) error {
	key := c.Param("key")
	f, contentType, err := s.deps.Catalog.Images.OpenMedia(c.Request().Context(), key)
	if err != nil {
		return err
	}
	defer f.Close()
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, contentType)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("ETag", `"`+key+`"`)
	if rs, ok := f.(io.ReadSeeker); ok {
		http.ServeContent(c.Response(), c.Request(), "", time.Time{}, rs)
		return nil
	}
	if c.Request().Method == http.MethodHead {
		return c.NoContent(http.StatusOK)
	}
	return c.Stream(http.StatusOK, contentType, f)
}
