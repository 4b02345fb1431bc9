package auth

import (
	"time"

	"gorm.io/gorm"

	"github.com/warna/warna/database"
)

// Role says which side of the marketplace an account is on.
type Role string

// The account roles.
const (
	RoleMerchant   Role = "merchant"
	RoleInfluencer Role = "influencer"
	// RoleShopper buys: order history, re-order and a wishlist.
	RoleShopper Role = "shopper"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleMerchant || r == RoleInfluencer || r == RoleShopper }

// User is a login: a merchant, an influencer or a shopper.
type User struct {
	ID           int64  `gorm:"primaryKey"`
	Email        string `gorm:"size:254;not null;uniqueIndex"`
	Name         string `gorm:"size:100;not null"`
	Role         Role   `gorm:"size:20;not null;index"`
	PasswordHash string `gorm:"size:200;not null"`
	CreatedAt    time.Time
	// EmailVerifiedAt is when the owner followed the link mailed to Email
	// (or reset the password through one); nil until then.
	EmailVerifiedAt *time.Time
}

// Verified reports whether the user proved they read mail at Email.
func (u User) Verified() bool { return u.EmailVerifiedAt != nil }

// session is a server-side login session; only the SHA-256 of its token is
// stored, so a database leak does not leak live sessions.
type session struct {
	TokenHash string `gorm:"primaryKey;size:64"`
	UserID    int64  `gorm:"not null;index"`
	User      User   `gorm:"constraint:OnDelete:CASCADE"`
	CreatedAt time.Time
	ExpiresAt time.Time `gorm:"not null;index"`
}

func (session) TableName() string { return "sessions" }

// APIKey authenticates a merchant's machine calls. The key itself is shown
// once at creation; only its prefix (to find it) and SHA-256 are stored.
type APIKey struct {
	ID         int64  `gorm:"primaryKey"`
	UserID     int64  `gorm:"not null;index"`
	User       User   `gorm:"constraint:OnDelete:CASCADE" json:"-"`
	Name       string `gorm:"size:100;not null"`
	Prefix     string `gorm:"size:16;not null;uniqueIndex"`
	SecretHash string `gorm:"size:64;not null" json:"-"`
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

func (APIKey) TableName() string { return "api_keys" }

// Migrations creates the account tables.
func Migrations() []database.Migration {
	return append([]database.Migration{{
		ID: "0001_auth_accounts",
		Up: func(tx *gorm.DB) error { return tx.AutoMigrate(&User{}, &session{}, &APIKey{}) },
	}}, append(rateLimitMigrations(), accountMigrations()...)...)
}
