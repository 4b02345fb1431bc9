package account

import (
	"errors"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/warna/warna/mail"
	"github.com/warna/warna/web/site"
)

var errNoOutbox = errors.New("no outbox: mail is not set up")

// send mails text to to in the request's language (the caller translated
// subject and text with site.T). It is called after the action's
// transaction committed, so a failed send loses nothing: it is logged, and
// the caller tells the user and offers to send again.
func (d Deps) send(c echo.Context, to, subject, text string) bool {
	err := errNoOutbox
	if d.Mail != nil {
		err = d.Mail.Send(c.Request().Context(), mail.Message{To: to, Subject: subject, Text: text})
	}
	if err != nil {
		d.Logger.Error("mail not sent", "subject", subject, "err", err,
			"request_id", c.Response().Header().Get(echo.HeaderXRequestID))
		return false
	}
	return true
}

// link is the site's address of path with query q, for mails: BASE_URL,
// or else the address this request came to.
func (d Deps) link(c echo.Context, path string, q url.Values) string {
	base := strings.TrimRight(d.BaseURL, "/")
	if base == "" {
		base = c.Scheme() + "://" + c.Request().Host
	}
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	return base + path
}

// signature ends every mail.
func signature(c echo.Context) string {
	return "\n\n" + site.T(c, "— Warna, shop by colour") + "\n"
}
