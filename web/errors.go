package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/warna/warna/fault"
	"github.com/warna/warna/web/auth"
	"github.com/warna/warna/web/site"
)

// apiError is the one JSON error format of /api.
type apiError struct {
	Error apiErrorBody `json:"error"`
}

type apiErrorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// classify turns any error into status, code and field, and the error
// whose message the user reads (err itself when it is a domain error).
func classify(err error) (int, string, error, string) {
	var csrf *auth.CSRFError
	if errors.As(err, &csrf) {
		return http.StatusForbidden, "csrf", fault.Forbiddenf("this form has expired or came from another site; reload the page and try again"), ""
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		var shown error
		switch he.Code {
		case http.StatusNotFound:
			shown = fault.NotFoundf("there is nothing at this address")
		case http.StatusMethodNotAllowed:
			shown = fault.Invalidf("this address does not accept that method")
		case http.StatusRequestEntityTooLarge:
			shown = fault.TooLargef("the request is too large")
		case http.StatusTooManyRequests:
			shown = fault.Invalidf("too many attempts; wait a minute and try again")
		default:
			shown = &fault.Error{Message: http.StatusText(he.Code)}
		}
		return he.Code, strings.ReplaceAll(strings.ToLower(http.StatusText(he.Code)), " ", "_"), shown, ""
	}
	kind := fault.KindOf(err)
	return site.StatusOf(kind), string(kind), err, fault.FieldOf(err)
}

// handleError renders every error: JSON under /api, an HTML page elsewhere.
// Internal errors are logged once here with the request id; their details
// never reach the client.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status, code, shown, field := classify(err)
	msg := fault.MessageOf(shown)
	if status >= 500 {
		s.logger.Error("request failed", "err", err, "method", c.Request().Method, "uri", c.Request().RequestURI,
			"request_id", c.Response().Header().Get(echo.HeaderXRequestID))
	}
	if status == http.StatusTooManyRequests && c.Response().Header().Get("Retry-After") == "" {
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
	title := site.T(c, "Something went wrong")
	switch {
	case status == http.StatusNotFound:
		title = site.T(c, "Page not found")
	case status < 500:
		title = site.T(c, "This cannot be done")
	}
	if rerr := s.views.Render(c, status, "error", site.Page{Title: title, Data: errorPage{Status: status, Message: site.Message(c, shown)}}); rerr != nil {
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
