package indexing_test

import (
	"context"
	"testing"

	"github.com/warna/warna/catalog"
	"github.com/warna/warna/database"
)

// TestMigrationAsksForARebuild: the documents' new shape (migration 0640)
// reaches every index through one rebuild row in the change log, written
// once however many instances migrate at start.
func TestMigrationAsksForARebuild(t *testing.T) {
	e := newFollowEnv(t)
	ctx := context.Background()
	rebuilds := func() int64 {
		t.Helper()
		var n int64
		if err := e.db.Model(&catalog.Change{}).Where("product_id = 0").Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := rebuilds(); n != 1 {
		t.Fatalf("rebuild rows after the migrations: %d, want 1", n)
	}
	if err := database.Migrate(ctx, e.db, migrations()); err != nil {
		t.Fatal(err)
	}
	if n := rebuilds(); n != 1 {
		t.Errorf("rebuild rows after a second start: %d, want 1", n)
	}
	e.create(1)
	e.create(2)
	if err := e.catchUp(); err != nil {
		t.Fatal(err)
	}
	if got := e.index.Len(); got != 2 {
		t.Errorf("index holds %d products after catching up, want 2", got)
	}
}
