// Package clicklog keeps every answered click of a tracked link: Record
// appends it to the instance's append-only log of checksummed segment files
// before the redirect is answered, and the Recorder's loader reads the
// segments back, judges the clicks (bots, repeats) and stores them in the
// clicks table in batches, exactly once, resuming after a crash where the
// database says it stopped. Package affiliates makes the clicks (Follow) and
// reads them back (attribution); it owns the tables' migrations.
package clicklog

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
	"time"
)

// Click is one follow of a tracked link. Its id is made before it is stored so
// that the attribution cookie can carry it at once. No raw IP is kept: Visitor
// is a keyed hash of IP and user agent under a key that changes every day.
type Click struct {
	ID           string    `gorm:"primaryKey;size:32" json:"id"`
	LinkID       int64     `gorm:"not null;index:idx_clicks_link_at,priority:1" json:"link_id"`
	InfluencerID int64     `gorm:"not null" json:"influencer_id"`
	Visitor      string    `gorm:"size:32;not null" json:"visitor"`
	At           time.Time `gorm:"not null;index:idx_clicks_link_at,priority:2" json:"at"`
	Valid        bool      `gorm:"not null" json:"valid"`
	// Reason says why an invalid click does not count: "bot" or "repeat".
	Reason string `gorm:"size:20;not null;default:''" json:"reason"`
	// UserAgent is only used to classify the click; it is not stored.
	UserAgent string `gorm:"-" json:"ua,omitempty"`
}

// Position is how far one segment of an instance's click log is stored in
// the clicks table. It is written in the transaction that inserts the
// clicks, so a restart resumes right after the last stored click. Package
// affiliates migrates its table with the clicks table.
type Position struct {
	Segment   string `gorm:"primaryKey;size:120"`
	LoadedTo  int64  `gorm:"not null"`
	UpdatedAt time.Time
}

// TableName is the positions' table.
func (Position) TableName() string { return "click_log_positions" }

// NewID returns a 128-bit id in hex: 48 bits of milliseconds then 80
// random bits. Ids made later sort later, so inserts append to the primary
// key index instead of landing at random places in it.
func NewID() string { return NewIDAt(time.Now()) }

// NewIDAt is NewID for a click made at t (clicks imported from the past).
func NewIDAt(t time.Time) string {
	var b [16]byte
	ms := uint64(t.UnixMilli())
	for i := 5; i >= 0; i-- {
		b[i] = byte(ms)
		ms >>= 8
	}
	_, _ = rand.Read(b[6:])
	return hex.EncodeToString(b[:])
}

// botMarkers are lower-case user-agent fragments of crawlers, link
// previewers and scripted clients.
var botMarkers = []string{
	"bot", "crawl", "spider", "slurp", "preview", "facebookexternalhit", "headless", "curl/", "wget/",
	"python-requests", "python-urllib", "go-http-client", "okhttp", "java/", "libwww", "httpclient", "scrapy",
	"phantomjs", "lighthouse", "pingdom", "monitor",
}

// IsBot reports whether a user agent belongs to a bot (or is missing).
func IsBot(userAgent string) bool {
	if strings.TrimSpace(userAgent) == "" {
		return true
	}
	ua := strings.ToLower(userAgent)
	for _, m := range botMarkers {
		if strings.Contains(ua, m) {
			return true
		}
	}
	return false
}
