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
)

// MigrateReport counts what Migrate did.
type MigrateReport struct {
	Copied, Skipped int
	Bytes           int64
	// Failed names the files that could not be copied, with the reason; the
	// others are in the bucket.
	Failed []string
}

// Migrate copies every file of a local media folder into the bucket. It is
// resumable: an object already in the bucket with the SHA-256 its key names
// is skipped, so a run stopped halfway and started again copies only the
// rest. Each copied object is read back and hashed; an object whose hash is
// not its key's, or a local file whose content is not, is reported in
// Failed (and a wrong object deleted) rather than left to be served.
// progress, if not nil, is called with the files done so far and the total.
func Migrate(ctx context.Context, src *Local, dst *S3, progress func(done, total int)) (MigrateReport, error) {
	var rep MigrateReport
	var files []string
	err := filepath.WalkDir(src.root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && !strings.HasPrefix(d.Name(), ".") {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		return rep, fmt.Errorf("list %s: %w", src.root, err)
	}
	for i, path := range files {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		if progress != nil {
			progress(i, len(files))
		}
		key := filepath.Base(path)
		copied, n, err := migrateOne(ctx, dst, key, path)
		switch {
		case ctx.Err() != nil:
			return rep, ctx.Err()
		case err != nil:
			rep.Failed = append(rep.Failed, fmt.Sprintf("%s: %v", path, err))
		case copied:
			rep.Copied++
			rep.Bytes += n
		default:
			rep.Skipped++
		}
	}
	if progress != nil {
		progress(len(files), len(files))
	}
	return rep, nil
}

// migrateOne copies one file unless the bucket already has it whole.
func migrateOne(ctx context.Context, dst *S3, key, path string) (copied bool, n int64, err error) {
	if !ValidKey(key) {
		return false, 0, errors.New("not a media file (its name is not a content hash)")
	}
	want, _, _ := strings.Cut(key, ".")
	sum, ok, err := dst.stat(ctx, key)
	if err != nil {
		return false, 0, err
	}
	if ok && sum == want {
		return false, 0, nil
	}
	if ok {
		// There, but without our hash (copied by another tool) or with a
		// wrong one: read it to decide.
		if got, err := dst.readBackSum(ctx, key); err != nil {
			return false, 0, err
		} else if got == want {
			return false, 0, nil
		}
		if err := dst.Delete(ctx, key); err != nil {
			return false, 0, err
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return false, 0, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return false, 0, err
	}
	if err := dst.Put(ctx, key, f); err != nil {
		return false, 0, err
	}
	got, err := dst.readBackSum(ctx, key)
	if err != nil {
		return false, 0, fmt.Errorf("read back: %w", err)
	}
	if got != want {
		_ = dst.Delete(ctx, key)
		return false, 0, fmt.Errorf("read back SHA-256 %s differs from the key's; the object was deleted", got)
	}
	return true, info.Size(), nil
}

// readBackSum downloads key and returns the hex SHA-256 of its bytes.
func (s *S3) readBackSum(ctx context.Context, key string) (string, error) {
	r, err := s.Open(ctx, key)
	if err != nil {
		return "", err
	}
	defer r.Close()
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
