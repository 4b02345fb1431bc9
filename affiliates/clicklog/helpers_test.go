package clicklog

import (
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/warna/warna/database"
	"github.com/warna/warna/database/dbtest"
)

const (
	influencerID = 200
	browserUA    = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// migrations make the clicks table with its indexes and the positions'
// table, as affiliates' migrations do (0300, 0301, 0304, 0620).
func migrations() []database.Migration {
	return []database.Migration{{
		ID: "clicks",
		Up: func(tx *gorm.DB) error {
			if err := tx.AutoMigrate(&Click{}, &Position{}); err != nil {
				return err
			}
			return tx.Exec("CREATE INDEX IF NOT EXISTS idx_clicks_at ON clicks (at)").Error
		},
	}}
}

// fixture is a database with the click tables and a test clock.
type fixture struct {
	t     *testing.T
	db    *gorm.DB
	clock *clock
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	return &fixture{t: t, db: dbtest.Open(t, migrations()...), clock: newClock()}
}

func (f *fixture) count(model any) int64 {
	f.t.Helper()
	var n int64
	if err := f.db.Model(model).Count(&n).Error; err != nil {
		f.t.Fatal(err)
	}
	return n
}
