// Package mail sends the site's outgoing mail: password resets and email
// verification. An Outbox is SMTP when SMTP_URL is set (see Open); without
// it every message is written as an .eml file under DATA_DIR/mail and
// logged, so that the demo and the tests can follow the links it carries.
// It imports nothing of Warna's.
package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"mime"
	"net/mail"
	"strings"
	"time"
)

// Message is one plain-text mail to one recipient.
type Message struct {
	To      string
	Subject string
	Text    string
}

// Outbox sends messages. Send returns once the message is handed over (to
// the SMTP server, or to the folder); an error means it was not.
type Outbox interface {
	Send(ctx context.Context, m Message) error
}

// render writes m as an RFC 5322 message from from: UTF-8 text sent as
// 8bit, so that the links in a written .eml file read as they are (quoted-
// printable would write every "=" as "=3D"); the subject is encoded as
// RFC 2047 asks.
func render(from string, m Message, now time.Time) ([]byte, error) {
	if _, err := mail.ParseAddress(m.To); err != nil {
		return nil, fmt.Errorf("mail: recipient %q: %w", m.To, err)
	}
	if strings.ContainsAny(m.To+m.Subject, "\r\n") {
		return nil, fmt.Errorf("mail: a header holds a line break")
	}
	id := make([]byte, 12)
	if _, err := rand.Read(id); err != nil {
		return nil, fmt.Errorf("mail: message id: %w", err)
	}
	domain := "warna.local"
	if at := strings.LastIndex(from, "@"); at >= 0 {
		domain = strings.TrimRight(from[at+1:], ">")
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: %s\r\n", from)
	fmt.Fprintf(&b, "To: %s\r\n", m.To)
	fmt.Fprintf(&b, "Subject: %s\r\n", mime.QEncoding.Encode("utf-8", m.Subject))
	fmt.Fprintf(&b, "Date: %s\r\n", now.Format(time.RFC1123Z))
	fmt.Fprintf(&b, "Message-ID: <%s@%s>\r\n", hex.EncodeToString(id), domain)
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
	for _, line := range strings.Split(strings.ReplaceAll(m.Text, "\r\n", "\n"), "\n") {
		if len(line) > 998 {
			return nil, fmt.Errorf("mail: a line of %d bytes (SMTP allows 998)", len(line))
		}
		b.WriteString(line + "\r\n")
	}
	return b.Bytes(), nil
}

// envelope is the bare address of a From header ("Warna <a@b>" → a@b).
func envelope(from string) string {
	if a, err := mail.ParseAddress(from); err == nil {
		return a.Address
	}
	return from
}
