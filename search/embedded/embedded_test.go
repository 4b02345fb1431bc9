package embedded_test

import (
	"testing"

	"github.com/warna/warna/search"
	"github.com/warna/warna/search/embedded"
	"github.com/warna/warna/search/searchtest"
)

func openTemp(t *testing.T) search.Backend {
	t.Helper()
	idx, err := embedded.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = idx.Close() })
	return idx
}

func TestContract(t *testing.T) { searchtest.RunContract(t, openTemp) }
