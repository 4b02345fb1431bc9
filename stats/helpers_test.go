package stats

import (
	"sync"
	"time"

	"github.com/warna/warna/affiliates"
	"github.com/warna/warna/catalog"
	"github.com/warna/warna/database"
	"github.com/warna/warna/orders"
)

const testSecret = "test-secret-key-0123456789abcdef0123456789"

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// migrations are the schema steps up to and including the dashboards'.
func migrations() []database.Migration {
	var all []database.Migration
	for _, m := range [][]database.Migration{catalog.Migrations(), orders.Migrations(), affiliates.Migrations(), Migrations()} {
		all = append(all, m...)
	}
	return all
}

func ptr[T any](v T) *T { return &v }
