package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/warna/warna/fault"
)

// csrfError is the echo CSRF middleware's failure, given a message people can act on.
type csrfError struct{}

func (*csrfError) Error() string { return "csrf token missing or invalid" }

// statusOf maps a domain error kind to an HTTP status. This is the only place
// where that mapping lives.
func statusOf(kind fault.Kind) int {
	switch kind {
	case fault.Invalid:
		return http.StatusBadRequest
	case fault.NotFound:
		return http.StatusNotFound
	case fault.Conflict:
		return http.StatusConflict
	case fault.Forbidden:
		return http.StatusForbidden
	case fault.Unauthorized:
		return http.StatusUnauthorized
	case fault.TooLarge:
		return http.StatusRequestEntityTooLarge
	case fault.RateLimited:
		return http.StatusTooManyRequests
	case fault.Unavailable:
		return http.StatusServiceUnavailable
	default:
		return http.StatusInternalServerError
	}
}

// apiError is the one JSON error format of /api.
type apiError struct {
	Error apiErrorBody `json:"error"`
}

type apiErrorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// classify turns any error into status, code, message and field.
func classify(err error) (int, string, string, string) {
	var csrf *csrfError
	if errors.As(err, &csrf) {
		return http.StatusForbidden, "csrf", "this form has expired or came from another site; reload the page and try again", ""
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		msg := http.StatusText(he.Code)
		switch he.Code {
		case http.StatusNotFound:
			msg = "there is nothing at this address"
		case http.StatusMethodNotAllowed:
			msg = "this address does not accept that method"
		case http.StatusRequestEntityTooLarge:
			msg = "the request is too large"
		case http.StatusTooManyRequests:
			msg = "too many attempts; wait a minute and try again"
		}
		return he.Code, strings.ReplaceAll(strings.ToLower(http.StatusText(he.Code)), " ", "_"), msg, ""
	}
	kind := fault.KindOf(err)
	return statusOf(kind), string(kind), fault.MessageOf(err), fault.FieldOf(err)
}

// handleError renders every error: JSON under /api, an HTML page elsewhere.
// Internal errors are logged once here with the request id; their details
// never reach the client.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status, code, msg, field := classify(err)
	if status >= 500 {
		s.logger.Error("request failed", "err", err, "method", c.Request().Method, "uri", c.Request().RequestURI,
			"request_id", c.Response().Header().Get(echo.HeaderXRequestID))
	}
	if status == http.StatusTooManyRequests {
		c.Response().Header().Set("Retry-After", "60")
	}
	if wantsJSON(c) {
		if c.Request().Method == http.MethodHead {
			_ = c.NoContent(status)
			return
		}
		_ = c.JSON(status, apiError{Error: apiErrorBody{Code: code, Message: msg, Field: field}})
		return
	}
	title := http.StatusText(status)
	if status == http.StatusNotFound {
		title = "Page not found"
	}
	if rerr := s.render(c, status, "error", Page{Title: title, Data: errorPage{Status: status, Message: msg}}); rerr != nil {
		s.logger.Error("render error page", "err", rerr)
		_ = c.String(status, msg)
	}
}

type errorPage struct {
	Status  int
	Message string
}

func wantsJSON(c echo.Context) bool {
	r := c.Request()
	return strings.HasPrefix(r.URL.Path, "/api/") ||
		(strings.Contains(r.Header.Get(echo.HeaderAccept), echo.MIMEApplicationJSON) && !strings.Contains(r.Header.Get(echo.HeaderAccept), "text/html"))
}
