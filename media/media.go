// Package media stores originals and thumbnails under content-addressed
// keys. Local keeps them in a directory (DATA_DIR/media); an object-storage
// backend can implement the same Store later.
package media

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/warna/warna/fault"
)

// Store keeps files under content-addressed keys. Putting a key that already
// exists leaves the stored file as it is: the key names its content.
type Store interface {
	Put(ctx context.Context, key string, r io.Reader) error
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	Exists(ctx context.Context, key string) (bool, error)
	Delete(ctx context.Context, key string) error
}

// Key names content: the hex SHA-256 of data plus an extension such as "jpg".
func Key(data []byte, ext string) string {
	sum := sha256.Sum256(data)
	return KeyOf(hex.EncodeToString(sum[:]), ext)
}

// KeyOf builds a key from a hex SHA-256 and an extension.
func KeyOf(sha256Hex, ext string) string {
	if ext == "" {
		return sha256Hex
	}
	return sha256Hex + "." + ext
}

// ValidKey reports whether key is 64 lower-case hex digits, optionally
// followed by a dot and a short lower-case extension. Nothing else can reach
// the file system.
func ValidKey(key string) bool {
	hash, ext, hasExt := strings.Cut(key, ".")
	if len(hash) != 64 {
		return false
	}
	for _, r := range hash {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f') {
			return false
		}
	}
	if !hasExt {
		return true
	}
	if ext == "" || len(ext) > 5 {
		return false
	}
	for _, r := range ext {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// ContentType is the MIME type of a key by its extension.
func ContentType(key string) string {
	switch strings.ToLower(filepath.Ext(key)) {
	case ".jpg", ".jpeg":
		return "image/jpeg"
	case ".png":
		return "image/png"
	case ".webp":
		return "image/webp"
	case ".gif":
		return "image/gif"
	case ".csv":
		return "text/csv; charset=utf-8"
	case ".jsonl":
		return "application/jsonl"
	}
	return "application/octet-stream"
}

// Local is a Store in a directory, sharded by the first two byte pairs of the
// key (ab/cd/abcd…) so no directory grows huge.
type Local struct {
	root string
}

var _ Store = (*Local)(nil)

// NewLocal returns a Local store rooted at dir, creating it if needed.
func NewLocal(dir string) (*Local, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("create media directory: %w", err)
	}
	return &Local{root: dir}, nil
}

func errBadKey(key string) error { return fault.Invalidf("invalid media key %q", key) }

func (l *Local) path(key string) (string, error) {
	if !ValidKey(key) {
		return "", errBadKey(key)
	}
	return filepath.Join(l.root, key[:2], key[2:4], key), nil
}

// Put writes r under key atomically: into a temporary file in the same
// directory, synced, then renamed, so a reader never sees half a file.
func (l *Local) Put(ctx context.Context, key string, r io.Reader) error {
	path, err := l.path(key)
	if err != nil {
		return err
	}
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("media put %s: %w", key, err)
	}
	tmp, err := os.CreateTemp(dir, ".put-*")
	if err != nil {
		return fmt.Errorf("media put %s: %w", key, err)
	}
	done := false
	defer func() {
		if !done {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if _, err := io.Copy(tmp, r); err != nil {
		return fmt.Errorf("media put %s: %w", key, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("media put %s: %w", key, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("media put %s: %w", key, err)
	}
	if err := os.Chmod(tmp.Name(), 0o640); err != nil {
		return fmt.Errorf("media put %s: %w", key, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("media put %s: %w", key, err)
	}
	done = true
	return nil
}

// Open returns the file under key; a missing key is a fault.NotFound that
// also matches fs.ErrNotExist.
func (l *Local) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	path, err := l.path(key)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &fault.Error{Kind: fault.NotFound, Message: "no such media file", Err: err}
	}
	if err != nil {
		return nil, fmt.Errorf("media open %s: %w", key, err)
	}
	return f, nil
}

// Exists reports whether key is stored.
func (l *Local) Exists(ctx context.Context, key string) (bool, error) {
	path, err := l.path(key)
	if err != nil {
		return false, err
	}
	_, err = os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

// Delete removes key; deleting a missing key is not an error.
func (l *Local) Delete(ctx context.Context, key string) error {
	path, err := l.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("media delete %s: %w", key, err)
	}
	return nil
}

// Count walks the store and counts stored files (for tests and operators).
func (l *Local) Count() (int, error) {
	n := 0
	err := filepath.WalkDir(l.root, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && !strings.HasPrefix(d.Name(), ".") {
			n++
		}
		return nil
	})
	return n, err
}
