package clicklog

import (
	"context"
	"testing"
	"time"
)

// TestImportStoresPastClicksOnce: imported clicks keep their time, validity
// and reason, their ids sort by that time, and importing them again adds
// nothing.
func TestImportStoresPastClicksOnce(t *testing.T) {
	f := newFixture(t)
	day := time.Date(2026, 9, 1, 10, 0, 0, 0, time.UTC)
	clicks := []Click{
		{ID: NewIDAt(day), LinkID: 1, InfluencerID: 2, Visitor: "v1", At: day, Valid: true},
		{ID: NewIDAt(day.Add(time.Minute)), LinkID: 1, InfluencerID: 2, Visitor: "v1", At: day.Add(time.Minute), Reason: "repeat"},
	}
	if clicks[0].ID >= clicks[1].ID || clicks[1].ID >= NewID() {
		t.Errorf("ids do not sort by time: %s %s", clicks[0].ID, clicks[1].ID)
	}
	for want := range []int64{2, 0} {
		n, err := Import(context.Background(), f.db, clicks)
		if err != nil || n != []int64{2, 0}[want] {
			t.Fatalf("import %d: stored %d, %v", want+1, n, err)
		}
	}
	var got []Click
	if err := f.db.Order("at").Find(&got).Error; err != nil || len(got) != 2 {
		t.Fatalf("stored %v, %v", got, err)
	}
	if !got[0].At.Equal(day) || !got[0].Valid || got[1].Valid || got[1].Reason != "repeat" {
		t.Errorf("stored %+v", got)
	}
}
