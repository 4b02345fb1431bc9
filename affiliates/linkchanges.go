package affiliates

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/warna/warna/database"
)

// LinkChange is one row of the link change log: a link code whose cached
// answer every instance must drop (it was switched off or on, or made, so
// that a cached "no such link" goes), or "*" for every link of the cache (an
// influencer's handle, which storefront and collection links redirect to,
// changed). It is written in the transaction of the change; each instance
// reads the log from its own cursor and evicts, so a change made on one
// instance reaches the others' redirects within LinkChangePoll.
type LinkChange struct {
	ID   int64     `gorm:"primaryKey"`
	Code string    `gorm:"size:32;not null"`
	At   time.Time `gorm:"not null;index"`
}

// allLinks is the code of a change that evicts the whole cache.
const allLinks = "*"

// LinkChangePoll is how often each instance reads the link change log.
const LinkChangePoll = 500 * time.Millisecond

// linkChangeKeep is how long rows stay in the log; an instance reads rows
// this recent again on each poll too, because on PostgreSQL a transaction
// can commit a row with a lower id after a poll saw a higher one.
const (
	linkChangeKeep    = time.Hour
	linkChangeOverlap = 10 * time.Second
)

func linkChangeMigrations() []database.Migration {
	return []database.Migration{{
		ID: "0650_link_changes",
		Up: func(tx *gorm.DB) error { return tx.AutoMigrate(&LinkChange{}) },
	}}
}

// recordLinkChangeTx appends codes to the link change log inside tx.
func recordLinkChangeTx(tx *gorm.DB, at time.Time, codes ...string) error {
	rows := make([]LinkChange, len(codes))
	for i, c := range codes {
		rows[i] = LinkChange{Code: c, At: at}
	}
	if err := tx.Create(&rows).Error; err != nil {
		return fmt.Errorf("record link change: %w", err)
	}
	return nil
}

// linkChangeFollower evicts the cache entries the link change log names.
type linkChangeFollower struct {
	db     *gorm.DB
	cache  *linkCache
	now    func() time.Time
	cursor int64
	pruned time.Time
}

// start reads the end of the log (changes before it concern entries this
// new cache does not have) and follows it until ctx ends; done is closed
// then.
func (f *linkChangeFollower) start(ctx context.Context, done chan<- struct{}) error {
	var last struct{ Max *int64 }
	if err := f.db.WithContext(ctx).Model(&LinkChange{}).Select("MAX(id) AS max").Scan(&last).Error; err != nil {
		close(done)
		return fmt.Errorf("read the link change log: %w", err)
	}
	if last.Max != nil {
		f.cursor = *last.Max
	}
	go func() {
		defer close(done)
		t := time.NewTicker(LinkChangePoll)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			// An error (the database is away) is retried at the next tick;
			// meanwhile the cache's TTL still bounds staleness.
			_ = f.poll(ctx)
		}
	}()
	return nil
}

// poll evicts what changed since the last poll (and in the last
// linkChangeOverlap, for rows committed late), and prunes old rows once a
// minute.
func (f *linkChangeFollower) poll(ctx context.Context) error {
	now := f.now()
	db := f.db.WithContext(ctx)
	var rows []LinkChange
	err := db.Where("id > ? OR at > ?", f.cursor, now.Add(-linkChangeOverlap)).Order("id").Limit(10_000).Find(&rows).Error
	if err != nil {
		return err
	}
	for _, r := range rows {
		if r.Code == allLinks {
			f.cache.clear()
		} else {
			f.cache.invalidate(r.Code)
		}
		f.cursor = max(f.cursor, r.ID)
	}
	if now.Sub(f.pruned) > time.Minute {
		f.pruned = now
		return db.Where("at < ?", now.Add(-linkChangeKeep)).Delete(&LinkChange{}).Error
	}
	return nil
}
