// Package auth owns accounts: sign-up, log-in with argon2id passwords,
// server-side sessions, per-merchant API keys, and the echo middleware that
// puts the caller's identity on each request and enforces roles.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/warna/warna/fault"
)

// SessionTTL is how long a login lasts.
const SessionTTL = 14 * 24 * time.Hour

// Service manages accounts, sessions and API keys.
type Service struct {
	db  *gorm.DB
	now func() time.Time
	// rateTakes counts TakeAttempt calls, to prune expired windows every so
	// often.
	rateTakes atomic.Int64
}

// NewService returns a Service over db; now is the clock (nil = time.Now).
func NewService(db *gorm.DB, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: db, now: func() time.Time { return now().UTC() }}
}

// SignUpInput is what a new user submits.
type SignUpInput struct {
	Email    string
	Name     string
	Password string
	Role     Role
}

// Normalise trims and lower-cases what should be.
func (in *SignUpInput) Normalise() {
	in.Email = strings.ToLower(strings.TrimSpace(in.Email))
	in.Name = strings.TrimSpace(in.Name)
}

// Validate checks the input and names the first field that is wrong.
func (in SignUpInput) Validate() error {
	if _, err := mail.ParseAddress(in.Email); err != nil || !strings.Contains(in.Email, "@") || strings.ContainsAny(in.Email, " <>") {
		return fault.FieldInvalidf("email", "enter a valid email address, like name@example.com")
	}
	if in.Name == "" || utf8.RuneCountInString(in.Name) > 100 {
		return fault.FieldInvalidf("name", "enter your name (up to 100 characters)")
	}
	if err := passwordProblem(in.Password, in.Email, in.Name); err != nil {
		return err
	}
	if !in.Role.Valid() {
		return fault.FieldInvalidf("role", "choose whether you sign up as a shopper, a merchant or an influencer")
	}
	return nil
}

// SignUp creates an account. A taken email is a conflict and writes nothing.
func (s *Service) SignUp(ctx context.Context, in SignUpInput) (User, error) {
	in.Normalise()
	if err := in.Validate(); err != nil {
		return User{}, err
	}
	hash, err := HashPassword(in.Password)
	if err != nil {
		return User{}, err
	}
	user := User{Email: in.Email, Name: in.Name, Role: in.Role, PasswordHash: hash, CreatedAt: s.now()}
	err = s.db.WithContext(ctx).Create(&user).Error
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return User{}, &fault.Error{Kind: fault.Conflict, Field: "email", Message: "an account with this email already exists; log in instead"}
	}
	if err != nil {
		return User{}, fmt.Errorf("sign up: %w", err)
	}
	return user, nil
}

// errBadLogin is deliberately the same for an unknown email and a wrong
// password, so the form does not reveal which emails have accounts.
var errBadLogin = fault.Unauthorizedf("that email and password do not match an account")

// LogIn checks credentials and opens a session, returning its secret token.
func (s *Service) LogIn(ctx context.Context, email, password string) (User, string, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	var user User
	err := s.db.WithContext(ctx).Where("email = ?", email).First(&user).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		// Spend the same time as a real check so timing does not reveal the email.
		_, _ = CheckPassword(dummyHash, password)
		return User{}, "", errBadLogin
	}
	if err != nil {
		return User{}, "", fmt.Errorf("log in: %w", err)
	}
	ok, err := CheckPassword(user.PasswordHash, password)
	if err != nil {
		return User{}, "", fmt.Errorf("log in: %w", err)
	}
	if !ok {
		return User{}, "", errBadLogin
	}
	token, err := s.openSession(ctx, user.ID)
	if err != nil {
		return User{}, "", err
	}
	return user, token, nil
}

// dummyHash is a valid hash of a random password, for constant-time misses.
const dummyHash = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0r6qzJ3Yb7OaXl0m7l7TzKc2iXQ3s8mYl1y3kq4vQx8"

// OpenSession starts a session for a user who just signed up.
func (s *Service) OpenSession(ctx context.Context, userID int64) (string, error) {
	return s.openSession(ctx, userID)
}

func (s *Service) openSession(ctx context.Context, userID int64) (string, error) {
	return openSessionTx(s.db.WithContext(ctx), userID, s.now())
}

// openSessionTx stores a new session of userID starting at now and returns
// its secret token.
func openSessionTx(tx *gorm.DB, userID int64, now time.Time) (string, error) {
	token, err := randomToken(32)
	if err != nil {
		return "", err
	}
	row := session{TokenHash: sha256Hex(token), UserID: userID, CreatedAt: now, ExpiresAt: now.Add(SessionTTL)}
	if err := tx.Create(&row).Error; err != nil {
		return "", fmt.Errorf("open session: %w", err)
	}
	return token, nil
}

// LogOut ends the session with this token; an unknown token is not an error.
func (s *Service) LogOut(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	if err := s.db.WithContext(ctx).Where("token_hash = ?", sha256Hex(token)).Delete(&session{}).Error; err != nil {
		return fmt.Errorf("log out: %w", err)
	}
	return nil
}

// UserBySession returns the user of a live session.
func (s *Service) UserBySession(ctx context.Context, token string) (User, error) {
	var row session
	err := s.db.WithContext(ctx).Preload("User").
		Where("token_hash = ? AND expires_at > ?", sha256Hex(token), s.now()).First(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return User{}, fault.Unauthorizedf("your session has ended; please log in again")
	}
	if err != nil {
		return User{}, fmt.Errorf("load session: %w", err)
	}
	return row.User, nil
}

// UserByID loads a user.
func (s *Service) UserByID(ctx context.Context, id int64) (User, error) {
	var user User
	err := s.db.WithContext(ctx).First(&user, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return User{}, fault.NotFoundf("no such user")
	}
	return user, err
}

// CreateAPIKey makes a key for a merchant and returns it in full, once.
func (s *Service) CreateAPIKey(ctx context.Context, user User, name string) (string, APIKey, error) {
	if user.Role != RoleMerchant {
		return "", APIKey{}, fault.Forbiddenf("only merchants can create API keys")
	}
	name = strings.TrimSpace(name)
	if name == "" {
		name = "API key"
	}
	if utf8.RuneCountInString(name) > 100 {
		return "", APIKey{}, fault.FieldInvalidf("name", "keep the key name under 100 characters")
	}
	prefix, err := randomToken(6)
	if err != nil {
		return "", APIKey{}, err
	}
	secret, err := randomToken(24)
	if err != nil {
		return "", APIKey{}, err
	}
	prefix = strings.ToLower(prefix)
	key := APIKey{UserID: user.ID, Name: name, Prefix: prefix, SecretHash: sha256Hex(secret), CreatedAt: s.now()}
	if err := s.db.WithContext(ctx).Create(&key).Error; err != nil {
		return "", APIKey{}, fmt.Errorf("create api key: %w", err)
	}
	return "wk_" + prefix + "_" + secret, key, nil
}

// ListAPIKeys returns a user's keys, newest first.
func (s *Service) ListAPIKeys(ctx context.Context, userID int64) ([]APIKey, error) {
	var keys []APIKey
	err := s.db.WithContext(ctx).Where("user_id = ?", userID).Order("id DESC").Find(&keys).Error
	return keys, err
}

// RevokeAPIKey disables one of the user's keys.
func (s *Service) RevokeAPIKey(ctx context.Context, userID, keyID int64) error {
	res := s.db.WithContext(ctx).Model(&APIKey{}).
		Where("id = ? AND user_id = ? AND revoked_at IS NULL", keyID, userID).Update("revoked_at", s.now())
	if res.Error != nil {
		return fmt.Errorf("revoke api key: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return fault.NotFoundf("no such API key")
	}
	return nil
}

// UserByAPIKey authenticates a machine call.
func (s *Service) UserByAPIKey(ctx context.Context, key string) (User, error) {
	bad := fault.Unauthorizedf("the API key is not valid; create one in your merchant settings")
	parts := strings.SplitN(key, "_", 3)
	if len(parts) != 3 || parts[0] != "wk" {
		return User{}, bad
	}
	var row APIKey
	err := s.db.WithContext(ctx).Preload("User").Where("prefix = ? AND revoked_at IS NULL", parts[1]).First(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return User{}, bad
	}
	if err != nil {
		return User{}, fmt.Errorf("check api key: %w", err)
	}
	if subtle.ConstantTimeCompare([]byte(sha256Hex(parts[2])), []byte(row.SecretHash)) != 1 {
		return User{}, bad
	}
	now := s.now()
	s.db.WithContext(ctx).Model(&APIKey{}).Where("id = ?", row.ID).Update("last_used_at", now)
	return row.User, nil
}

// DeleteExpiredSessions removes sessions past their expiry, and the mailed
// links (reset, verification) past theirs: both are of no use any more.
func (s *Service) DeleteExpiredSessions(ctx context.Context) (int64, error) {
	res := s.db.WithContext(ctx).Where("expires_at <= ?", s.now()).Delete(&session{})
	if res.Error != nil {
		return 0, res.Error
	}
	links := s.db.WithContext(ctx).Where("expires_at <= ?", s.now()).Delete(&accountToken{})
	return res.RowsAffected, links.Error
}

func randomToken(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random token: %w", err)
	}
	return strings.TrimRight(base32.StdEncoding.EncodeToString(b), "="), nil
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
