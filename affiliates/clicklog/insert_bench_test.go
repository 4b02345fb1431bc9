package clicklog

import (
	"fmt"

	"testing"
	"time"

	"github.com/warna/warna/database/dbtest"
)

// BenchmarkInsertClicks measures the recorder's insert of 200-click batches
// into the real clicks table with its indexes (SQLite, or PostgreSQL when
// TEST_DATABASE_URL is set): the CPU each tracked redirect costs besides
// answering. Run with -benchtime 4000x or more so the table grows to the
// size where B-tree depth shows.
func BenchmarkInsertClicks(b *testing.B) {
	db := dbtest.Open(b, migrations()...)
	const batch = 200
	t0 := time.Now()
	clicks := make([]Click, b.N*batch)
	for i := range clicks {
		clicks[i] = Click{ID: NewID(), LinkID: int64(1 + i%20), InfluencerID: int64(1 + i%5),
			Visitor: fmt.Sprintf("%032x", i%5000), At: t0.Add(time.Duration(i) * 20 * time.Microsecond), Valid: i%7 != 0}
		if !clicks[i].Valid {
			clicks[i].Reason = "repeat"
		}
	}
	b.ResetTimer()
	for i := range b.N {
		n, err := insertClicks(db, clicks[i*batch:(i+1)*batch])
		if err != nil {
			b.Fatal(err)
		}
		if n != batch {
			b.Fatalf("stored %d of %d clicks", n, batch)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(len(clicks))/1000, "µs/click")
}
