package auth

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/warna/warna/database"
)

// rateLimitCount is one fixed window of a rate limit shared by every
// instance on the database: how many attempts Subject (say "account:IP")
// made in the window starting at WindowStart.
type rateLimitCount struct {
	Subject     string    `gorm:"primaryKey;size:200"`
	WindowStart time.Time `gorm:"primaryKey"`
	Count       int64     `gorm:"not null"`
	ExpiresAt   time.Time `gorm:"not null;index"`
}

func (rateLimitCount) TableName() string { return "rate_limit_counts" }

func rateLimitMigrations() []database.Migration {
	return []database.Migration{{
		ID: "0651_rate_limit_counts",
		Up: func(tx *gorm.DB) error { return tx.AutoMigrate(&rateLimitCount{}) },
	}}
}

// TakeAttempt counts one attempt of subject against a limit of limit
// attempts per fixed window and reports whether it is allowed, and if not,
// when the window ends. The count is kept in the database, so the limit
// holds across every instance (the attempts that protect accounts: log-in
// and sign-up), at the price of one upsert per attempt.
func (s *Service) TakeAttempt(ctx context.Context, subject string, limit int, window time.Duration) (allowed bool, retryAfter time.Duration, err error) {
	now := s.now()
	start := now.Truncate(window)
	end := start.Add(window)
	var count int64
	err = s.db.WithContext(ctx).Raw(`INSERT INTO rate_limit_counts (subject, window_start, count, expires_at) VALUES (?, ?, 1, ?)
ON CONFLICT (subject, window_start) DO UPDATE SET count = rate_limit_counts.count + 1
RETURNING count`, subject, start, end).Scan(&count).Error
	if err != nil {
		return false, 0, fmt.Errorf("count attempt: %w", err)
	}
	if s.rateTakes.Add(1)%500 == 0 {
		if err := s.db.WithContext(ctx).Where("expires_at < ?", now).Delete(&rateLimitCount{}).Error; err != nil {
			return false, 0, fmt.Errorf("prune attempt counts: %w", err)
		}
	}
	if count > int64(limit) {
		return false, end.Sub(now), nil
	}
	return true, 0, nil
}
