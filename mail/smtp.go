package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/smtp"
	"net/url"
	"path/filepath"
	"time"
)

// SMTP sends through a mail server: smtp://host:587 upgrades with STARTTLS
// when the server offers it, smtps://host:465 speaks TLS from the start.
// The user and password of the address log in (PLAIN, only over TLS or to
// a server on this machine).
type SMTP struct {
	Addr     string // host:port
	Implicit bool   // TLS from the start (smtps)
	Username string
	Password string
	From     string
	// TLS is the client configuration (nil: the system's roots, the host's name).
	TLS *tls.Config
	Now func() time.Time
}

// Open is the outbox SMTP_URL asks for: smtp://user:pass@host:587?from=…
// or smtps://…; with rawURL empty, a Folder in dataDir/mail.
func Open(rawURL, dataDir string, logger *slog.Logger) (Outbox, error) {
	if rawURL == "" {
		return &Folder{Dir: filepath.Join(dataDir, "mail"), Logger: logger}, nil
	}
	return ParseSMTP(rawURL)
}

// ParseSMTP reads an SMTP_URL. The port defaults to 587 (smtp) or 465
// (smtps); from defaults to no-reply@ the host.
func ParseSMTP(rawURL string) (*SMTP, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, errors.New("not a URL; want smtp://user:password@host:587?from=name@example.com")
	}
	s := &SMTP{From: u.Query().Get("from")}
	port := u.Port()
	switch u.Scheme {
	case "smtp":
		if port == "" {
			port = "587"
		}
	case "smtps":
		s.Implicit = true
		if port == "" {
			port = "465"
		}
	default:
		return nil, fmt.Errorf("scheme %q: want smtp:// or smtps://", u.Scheme)
	}
	if u.Hostname() == "" {
		return nil, errors.New("no host; want smtp://user:password@host:587")
	}
	s.Addr = net.JoinHostPort(u.Hostname(), port)
	if u.User != nil {
		s.Username = u.User.Username()
		s.Password, _ = u.User.Password()
	}
	if s.From == "" {
		s.From = "no-reply@" + u.Hostname()
	}
	return s, nil
}

// Send delivers m in one SMTP session, bounded by ctx (30 s when ctx has
// no deadline).
func (s *SMTP) Send(ctx context.Context, m Message) error {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	raw, err := render(s.From, m, now().UTC())
	if err != nil {
		return err
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
	}
	conn, err := s.dial(ctx)
	if err != nil {
		return fmt.Errorf("mail: connect to %s: %w", s.Addr, err)
	}
	defer conn.Close()
	if deadline, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(deadline)
	}
	host, _, _ := net.SplitHostPort(s.Addr)
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return fmt.Errorf("mail: %s: %w", s.Addr, err)
	}
	defer c.Close()
	if err := s.deliver(c, host, m.To, raw); err != nil {
		return fmt.Errorf("mail: %s: %w", s.Addr, err)
	}
	return nil
}

func (s *SMTP) dial(ctx context.Context) (net.Conn, error) {
	if s.Implicit {
		d := &tls.Dialer{Config: s.tlsConfig()}
		return d.DialContext(ctx, "tcp", s.Addr)
	}
	var d net.Dialer
	return d.DialContext(ctx, "tcp", s.Addr)
}

func (s *SMTP) tlsConfig() *tls.Config {
	if s.TLS != nil {
		return s.TLS
	}
	host, _, _ := net.SplitHostPort(s.Addr)
	return &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
}

func (s *SMTP) deliver(c *smtp.Client, host, to string, raw []byte) error {
	if !s.Implicit {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(s.tlsConfig()); err != nil {
				return err
			}
		}
	}
	if s.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", s.Username, s.Password, host)); err != nil {
			return err
		}
	}
	if err := c.Mail(envelope(s.From)); err != nil {
		return err
	}
	if err := c.Rcpt(to); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(raw); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}
