package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/warna/warna/database"
	"github.com/warna/warna/fault"
)

// ResetTTL is how long a password-reset link works; VerifyTTL the same for
// an email-verification link.
const (
	ResetTTL  = time.Hour
	VerifyTTL = 7 * 24 * time.Hour
)

// Purposes of an accountToken.
const (
	purposeReset  = "reset"
	purposeVerify = "verify"
)

// accountToken is a link mailed to an account's owner: a password reset or
// an email verification. Only the SHA-256 of the token is stored; a token
// works once (UsedAt) and until ExpiresAt.
type accountToken struct {
	TokenHash string `gorm:"primaryKey;size:64"`
	UserID    int64  `gorm:"not null;index"`
	User      User   `gorm:"constraint:OnDelete:CASCADE"`
	Purpose   string `gorm:"size:10;not null"`
	// Email is the address the link was sent to: verifying proves that
	// address, not one the account has moved to since.
	Email     string    `gorm:"size:254;not null"`
	CreatedAt time.Time `gorm:"not null"`
	ExpiresAt time.Time `gorm:"not null;index"`
	UsedAt    *time.Time
}

func (accountToken) TableName() string { return "account_tokens" }

func accountMigrations() []database.Migration {
	return []database.Migration{{
		ID: "0690_auth_email_verified",
		Up: func(tx *gorm.DB) error {
			if tx.Migrator().HasColumn(&User{}, "EmailVerifiedAt") {
				return nil
			}
			return tx.Migrator().AddColumn(&User{}, "EmailVerifiedAt")
		},
	}, {
		ID: "0691_auth_account_tokens",
		Up: func(tx *gorm.DB) error { return tx.AutoMigrate(&accountToken{}) },
	}, {
		ID: "0692_auth_wishlist_items",
		Up: func(tx *gorm.DB) error { return tx.AutoMigrate(&WishlistItem{}) },
	}}
}

// Recovery issues and redeems the links mailed to account owners: password
// resets and email verification.
type Recovery struct {
	db  *gorm.DB
	now func() time.Time
}

// NewRecovery returns the service over db; now is the clock (nil = time.Now).
func NewRecovery(db *gorm.DB, now func() time.Time) *Recovery {
	if now == nil {
		now = time.Now
	}
	return &Recovery{db: db, now: func() time.Time { return now().UTC() }}
}

// errBadLink is the same for a mistyped, used and expired link: each is
// fixed the same way.
var errBadLink = fault.Invalidf("this link does not work any more: it was already used, it expired or it is incomplete; ask for a new one")

// RequestReset makes a password-reset token for the account of email. An
// unknown email is no error: found is false and there is nothing to send
// (the page answers the same either way).
func (r *Recovery) RequestReset(ctx context.Context, email string) (user User, token string, found bool, err error) {
	email = strings.ToLower(strings.TrimSpace(email))
	err = r.db.WithContext(ctx).Where("email = ?", email).Take(&user).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return User{}, "", false, nil
	}
	if err != nil {
		return User{}, "", false, fmt.Errorf("request reset: %w", err)
	}
	token, err = r.issue(ctx, user, purposeReset, ResetTTL)
	return user, token, err == nil, err
}

// IssueVerification makes an email-verification token for the user; an
// account already verified gets none (token empty).
func (r *Recovery) IssueVerification(ctx context.Context, userID int64) (User, string, error) {
	var user User
	if err := r.db.WithContext(ctx).Take(&user, userID).Error; err != nil {
		return User{}, "", fmt.Errorf("issue verification: %w", err)
	}
	if user.Verified() {
		return user, "", nil
	}
	token, err := r.issue(ctx, user, purposeVerify, VerifyTTL)
	return user, token, err
}

func (r *Recovery) issue(ctx context.Context, user User, purpose string, ttl time.Duration) (string, error) {
	token, err := randomToken(32)
	if err != nil {
		return "", err
	}
	now := r.now()
	row := accountToken{TokenHash: sha256Hex(token), UserID: user.ID, Purpose: purpose, Email: user.Email, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	if err := r.db.WithContext(ctx).Create(&row).Error; err != nil {
		return "", fmt.Errorf("issue %s token: %w", purpose, err)
	}
	return token, nil
}

// CheckReset reports whether a reset token still works, without using it
// (the form that asks for the new password shows only then).
func (r *Recovery) CheckReset(ctx context.Context, token string) error {
	var n int64
	err := r.live(r.db.WithContext(ctx), token, purposeReset).Model(&accountToken{}).Count(&n).Error
	if err != nil {
		return fmt.Errorf("check reset: %w", err)
	}
	if n == 0 {
		return errBadLink
	}
	return nil
}

func (r *Recovery) live(tx *gorm.DB, token, purpose string) *gorm.DB {
	return tx.Where("token_hash = ? AND purpose = ? AND used_at IS NULL AND expires_at > ?", sha256Hex(token), purpose, r.now())
}

// ResetPassword sets a new password with a reset token, under the rules of
// sign-up. In one transaction it uses the token up, ends every session of
// the account (and its other reset links), marks the email verified (the
// link proved it) and opens a new session, whose token it returns.
func (r *Recovery) ResetPassword(ctx context.Context, token, password string) (User, string, error) {
	var user User
	var opened string
	err := r.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		row, err := r.redeemTx(tx, token, purposeReset)
		if err != nil {
			return err
		}
		user = row.User
		if err := passwordProblem(password, user.Email, user.Name); err != nil {
			return err
		}
		hash, err := HashPassword(password)
		if err != nil {
			return err
		}
		now := r.now()
		updates := map[string]any{"password_hash": hash}
		if !user.Verified() && user.Email == row.Email {
			updates["email_verified_at"] = now
		}
		if err := tx.Model(&User{}).Where("id = ?", user.ID).Updates(updates).Error; err != nil {
			return err
		}
		if err := tx.Model(&accountToken{}).Where("user_id = ? AND purpose = ? AND used_at IS NULL", user.ID, purposeReset).
			Update("used_at", now).Error; err != nil {
			return err
		}
		if err := tx.Where("user_id = ?", user.ID).Delete(&session{}).Error; err != nil {
			return err
		}
		opened, err = openSessionTx(tx, user.ID, now)
		return err
	})
	if err != nil {
		if fault.KindOf(err) != fault.Internal {
			return User{}, "", err
		}
		return User{}, "", fmt.Errorf("reset password: %w", err)
	}
	return user, opened, nil
}

// Verify marks the account's email verified with a verification token.
func (r *Recovery) Verify(ctx context.Context, token string) (User, error) {
	var user User
	err := r.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		row, err := r.redeemTx(tx, token, purposeVerify)
		if err != nil {
			return err
		}
		user = row.User
		if user.Email != row.Email {
			return errBadLink // the account moved to another address since
		}
		if user.Verified() {
			return nil
		}
		now := r.now()
		user.EmailVerifiedAt = &now
		return tx.Model(&User{}).Where("id = ?", user.ID).Update("email_verified_at", now).Error
	})
	if err != nil {
		if fault.KindOf(err) != fault.Internal {
			return User{}, err
		}
		return User{}, fmt.Errorf("verify email: %w", err)
	}
	return user, nil
}

// redeemTx uses a live token up: of two requests with one token, the
// update lets exactly one through.
func (r *Recovery) redeemTx(tx *gorm.DB, token, purpose string) (accountToken, error) {
	var row accountToken
	err := r.live(tx, token, purpose).Preload("User").Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return row, errBadLink
	}
	if err != nil {
		return row, err
	}
	res := r.live(tx.Model(&accountToken{}), token, purpose).Update("used_at", r.now())
	if res.Error != nil {
		return row, res.Error
	}
	if res.RowsAffected != 1 {
		return row, errBadLink
	}
	return row, nil
}
