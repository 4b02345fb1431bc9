package mail

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"
)

// Folder writes each message as an .eml file in Dir and logs its path and
// subject: the outbox of a site without SMTP.
type Folder struct {
	Dir    string
	From   string
	Logger *slog.Logger
	Now    func() time.Time
}

// Send writes m to a new file named by the time and a random suffix, so
// that the files list in the order they were sent.
func (f *Folder) Send(_ context.Context, m Message) error {
	now := time.Now
	if f.Now != nil {
		now = f.Now
	}
	t := now().UTC()
	raw, err := render(f.from(), m, t)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(f.Dir, 0o750); err != nil {
		return fmt.Errorf("mail: %w", err)
	}
	suffix := make([]byte, 4)
	if _, err := rand.Read(suffix); err != nil {
		return fmt.Errorf("mail: %w", err)
	}
	path := filepath.Join(f.Dir, t.Format("20060102T150405.000000000Z")+"-"+hex.EncodeToString(suffix)+".eml")
	if err := os.WriteFile(path, raw, 0o640); err != nil {
		return fmt.Errorf("mail: %w", err)
	}
	if f.Logger != nil {
		f.Logger.Info("mail written (no SMTP_URL)", "path", path, "to", m.To, "subject", m.Subject)
	}
	return nil
}

func (f *Folder) from() string {
	if f.From != "" {
		return f.From
	}
	return "Warna <no-reply@warna.local>"
}
