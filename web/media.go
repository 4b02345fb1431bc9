package web

import (
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/warna/warna/fault"
	"github.com/warna/warna/media"
)

func (s *Server) mediaRoutes(e *echo.Echo) {
	e.GET("/media/:key", s.mediaFile)
	e.HEAD("/media/:key", s.mediaFile)
}

// mediaFile serves a stored original or thumbnail. Keys are content hashes,
// so a file under a key never changes and may be cached for a year.
func (s *Server) mediaFile(c echo.Context) error {
	key := c.Param("key")
	// Only images are public; import files share the store but not the route.
	if !media.ValidKey(key) || !strings.HasPrefix(media.ContentType(key), "image/") {
		return fault.NotFoundf("no such file")
	}
	f, err := s.deps.Media.Open(c.Request().Context(), key)
	if err != nil {
		return err
	}
	defer f.Close()
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, media.ContentType(key))
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("ETag", `"`+key+`"`)
	if rs, ok := f.(io.ReadSeeker); ok {
		http.ServeContent(c.Response(), c.Request(), "", time.Time{}, rs)
		return nil
	}
	if c.Request().Method == http.MethodHead {
		return c.NoContent(http.StatusOK)
	}
	return c.Stream(http.StatusOK, media.ContentType(key), f)
}
