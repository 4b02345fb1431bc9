package media

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/warna/warna/fault"
)

func TestLocalPutOpenDelete(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	store, err := NewLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	data := []byte("a picture, honestly")
	key := Key(data, "jpg")
	if err := store.Put(ctx, key, bytes.NewReader(data)); err != nil {
		t.Fatalf("Put: %v", err)
	}
	want := filepath.Join(dir, key[:2], key[2:4], key)
	if _, err := os.Stat(want); err != nil {
		t.Fatalf("file not at sharded path %s: %v", want, err)
	}
	if ok, err := store.Exists(ctx, key); !ok || err != nil {
		t.Fatalf("Exists = %v, %v; want true", ok, err)
	}
	r, err := store.Open(ctx, key)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	got, _ := io.ReadAll(r)
	r.Close()
	if !bytes.Equal(got, data) {
		t.Fatalf("Open read %q, want %q", got, data)
	}
	// Putting the same key again keeps one file and no temporaries.
	if err := store.Put(ctx, key, bytes.NewReader(data)); err != nil {
		t.Fatalf("second Put: %v", err)
	}
	if n, _ := store.Count(); n != 1 {
		t.Fatalf("files after two Puts = %d, want 1", n)
	}
	if err := store.Delete(ctx, key); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if err := store.Delete(ctx, key); err != nil {
		t.Fatalf("Delete of a missing key: %v", err)
	}
	_, err = store.Open(ctx, key)
	if !errors.Is(err, fs.ErrNotExist) || !fault.Is(err, fault.NotFound) {
		t.Fatalf("Open after Delete: %v, want not found", err)
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

func TestLocalPutLeavesNothingOnFailure(t *testing.T) {
	store, _ := NewLocal(t.TempDir())
	key := Key([]byte("x"), "png")
	if err := store.Put(context.Background(), key, io.MultiReader(strings.NewReader("half"), failingReader{})); err == nil {
		t.Fatal("Put with a failing reader succeeded")
	}
	if ok, _ := store.Exists(context.Background(), key); ok {
		t.Fatal("a failed Put left the key behind")
	}
	entries := 0
	_ = filepath.WalkDir(store.root, func(_ string, d fs.DirEntry, _ error) error {
		if !d.IsDir() {
			entries++
		}
		return nil
	})
	if entries != 0 {
		t.Fatalf("a failed Put left %d files (temporaries?)", entries)
	}
}

func TestValidKeyRefusesPaths(t *testing.T) {
	good := strings.Repeat("ab", 32)
	tests := []struct {
		key  string
		want bool
	}{
		{good, true},
		{good + ".jpg", true},
		{good + ".jsonl", true},
		{"../../etc/passwd", false},
		{good + "/../x", false},
		{strings.ToUpper(good), false},
		{good + ".JPG", false},
		{good + ".", false},
		{good[:10], false},
		{good + ".jpg.exe", false},
	}
	for _, tt := range tests {
		if got := ValidKey(tt.key); got != tt.want {
			t.Errorf("ValidKey(%q) = %v, want %v", tt.key, got, tt.want)
		}
	}
	store, _ := NewLocal(t.TempDir())
	if err := store.Put(context.Background(), "../escape", strings.NewReader("x")); !fault.Is(err, fault.Invalid) {
		t.Errorf("Put with a path key: %v, want invalid", err)
	}
}
