// Package idempotency remembers the answers to requests that carried an
// Idempotency-Key, so that a client retrying a call that creates something
// (after a timeout, a dropped connection) gets the first answer again instead
// of a second product, order or refund.
//
// A key is claimed by inserting its row: the primary key (scope, key) lets
// exactly one of several concurrent requests win, whatever the number of
// processes. The winner runs the request and stores the answer; the others
// are told it is in progress, or, once it is done, get the stored answer. A
// key sent again with a different request is refused. Keys live 24 hours.
package idempotency

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/warna/warna/database"
	"github.com/warna/warna/fault"
)

// Header is the request header that carries the key.
const Header = "Idempotency-Key"

// Defaults for Options.
const (
	DefaultTTL   = 24 * time.Hour
	DefaultLease = 5 * time.Minute
)

// Record is one claimed key: who claimed it, what request it was for and,
// once that request finished, its answer.
type Record struct {
	Scope string `gorm:"primaryKey;size:64"`
	Key   string `gorm:"primaryKey;column:idem_key;size:255"`
	// Fingerprint identifies the request (method, path and body).
	Fingerprint string `gorm:"size:64;not null"`
	// Token is the claimant's: only it may complete or release the claim.
	Token  string `gorm:"size:32;not null"`
	Done   bool   `gorm:"not null;default:false"`
	Status int    `gorm:"not null;default:0"`
	Header string `gorm:"type:text;not null;default:''"`
	Body   []byte
	// ClaimedAt starts both the key's life (TTL) and its lease.
	ClaimedAt time.Time `gorm:"not null;index"`
}

// TableName is idempotency_keys.
func (Record) TableName() string { return "idempotency_keys" }

// Migrations creates the table.
func Migrations() []database.Migration {
	return []database.Migration{{
		ID: "0660_idempotency_keys",
		Up: func(tx *gorm.DB) error { return tx.AutoMigrate(&Record{}) },
	}}
}

// Response is a stored answer.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Claim is the outcome of Begin: either the caller now owns the key
// (Replay is nil; finish with Complete or Release) or the request was
// answered before and Replay holds that answer.
type Claim struct {
	Scope, Key, token string
	Replay            *Response
}

// Options tune the store; zero values take the defaults.
type Options struct {
	// TTL is how long a key is remembered (24 h).
	TTL time.Duration
	// Lease is how long a claimed key whose request never finished (the
	// process died) blocks retries before a retry may take it over (5 min,
	// longer than any request may run).
	Lease time.Duration
	Now   func() time.Time
}

// Store keeps the keys in the database.
type Store struct {
	db         *gorm.DB
	ttl, lease time.Duration
	now        func() time.Time
}

// New builds the store over db.
func New(db *gorm.DB, opts Options) *Store {
	s := &Store{db: db, ttl: opts.TTL, lease: opts.Lease, now: opts.Now}
	if s.ttl <= 0 {
		s.ttl = DefaultTTL
	}
	if s.lease <= 0 {
		s.lease = DefaultLease
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// Errors Begin returns; both are fault.Conflict (409) with the field set to
// the header's name.
var (
	ErrInProgress = &fault.Error{Kind: fault.Conflict, Field: Header,
		Message: "a request with this Idempotency-Key is still being processed; retry in a moment to get its answer"}
	ErrMismatch = &fault.Error{Kind: fault.Conflict, Field: Header,
		Message: "this Idempotency-Key was already used for a different request (another address or body); send a new key with a new request"}
)

// ValidKey checks a key as clients send it: 1 to 255 visible ASCII characters.
func ValidKey(key string) error {
	if key == "" || len(key) > 255 {
		return fault.FieldInvalidf(Header, "an Idempotency-Key has 1 to 255 characters (a UUID is a good choice)")
	}
	for i := 0; i < len(key); i++ {
		if key[i] < 0x21 || key[i] > 0x7e {
			return fault.FieldInvalidf(Header, "an Idempotency-Key may only hold visible ASCII characters (a UUID is a good choice)")
		}
	}
	return nil
}

// Begin claims key in scope for the request with fingerprint. It returns a
// Claim to run the request under, a Claim whose Replay is the stored answer,
// ErrInProgress while another request holds the key, or ErrMismatch when the
// key was used for another request.
func (s *Store) Begin(ctx context.Context, scope, key, fingerprint string) (Claim, error) {
	if err := ValidKey(key); err != nil {
		return Claim{}, err
	}
	db := s.db.WithContext(ctx)
	// Two rounds: a claim can lose a takeover race to another request, after
	// which the row is read again and judged as it now stands.
	for range 2 {
		now := s.now().UTC()
		token := newToken()
		rec := Record{Scope: scope, Key: key, Fingerprint: fingerprint, Token: token, ClaimedAt: now}
		res := db.Clauses(clause.OnConflict{DoNothing: true}).Create(&rec)
		if res.Error != nil {
			return Claim{}, fmt.Errorf("claim idempotency key: %w", res.Error)
		}
		if res.RowsAffected == 1 {
			return Claim{Scope: scope, Key: key, token: token}, nil
		}
		var old Record
		err := db.Where("scope = ? AND idem_key = ?", scope, key).Take(&old).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			continue // released or swept in between: claim again
		}
		if err != nil {
			return Claim{}, fmt.Errorf("read idempotency key: %w", err)
		}
		expired := now.Sub(old.ClaimedAt) >= s.ttl
		abandoned := !old.Done && now.Sub(old.ClaimedAt) >= s.lease
		if expired || abandoned {
			// Take over with a compare-and-set on the old token, so that of
			// several retries only one wins.
			res := db.Model(&Record{}).Where("scope = ? AND idem_key = ? AND token = ?", scope, key, old.Token).
				Updates(map[string]any{"fingerprint": fingerprint, "token": token, "done": false, "status": 0,
					"header": "", "body": nil, "claimed_at": now})
			if res.Error != nil {
				return Claim{}, fmt.Errorf("take over idempotency key: %w", res.Error)
			}
			if res.RowsAffected == 1 {
				return Claim{Scope: scope, Key: key, token: token}, nil
			}
			continue
		}
		if old.Fingerprint != fingerprint {
			return Claim{}, ErrMismatch
		}
		if !old.Done {
			return Claim{}, ErrInProgress
		}
		r := Response{Status: old.Status, Header: http.Header{}, Body: old.Body}
		if old.Header != "" {
			if err := json.Unmarshal([]byte(old.Header), &r.Header); err != nil {
				return Claim{}, fmt.Errorf("read stored answer: %w", err)
			}
		}
		return Claim{Scope: scope, Key: key, Replay: &r}, nil
	}
	return Claim{}, ErrInProgress
}

// Complete stores the answer of a claimed request for later replays.
func (s *Store) Complete(ctx context.Context, c Claim, r Response) error {
	header, err := json.Marshal(r.Header)
	if err != nil {
		return err
	}
	res := s.db.WithContext(ctx).Model(&Record{}).Where("scope = ? AND idem_key = ? AND token = ?", c.Scope, c.Key, c.token).
		Updates(map[string]any{"done": true, "status": r.Status, "header": string(header), "body": r.Body})
	if res.Error != nil {
		return fmt.Errorf("store idempotent answer: %w", res.Error)
	}
	if res.RowsAffected != 1 {
		return fmt.Errorf("store idempotent answer: the claim on %q was lost", c.Key)
	}
	return nil
}

// Release forgets a claimed key whose request should not be replayed (it
// failed on the server's side), so a retry runs it again.
func (s *Store) Release(ctx context.Context, c Claim) error {
	err := s.db.WithContext(ctx).Where("scope = ? AND idem_key = ? AND token = ?", c.Scope, c.Key, c.token).Delete(&Record{}).Error
	if err != nil {
		return fmt.Errorf("release idempotency key: %w", err)
	}
	return nil
}

// DeleteExpired removes the keys older than the TTL and returns how many.
func (s *Store) DeleteExpired(ctx context.Context) (int64, error) {
	res := s.db.WithContext(ctx).Where("claimed_at <= ?", s.now().UTC().Add(-s.ttl)).Delete(&Record{})
	return res.RowsAffected, res.Error
}

func newToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
