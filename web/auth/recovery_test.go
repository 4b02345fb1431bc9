package auth

import (
	"context"
	"testing"
	"time"

	"github.com/warna/warna/database/dbtest"
	"github.com/warna/warna/fault"
)

// recoveryFixture is an account with an open session, a clock the test
// moves, and the services over one database.
type recoveryFixture struct {
	now      time.Time
	accounts *Service
	recovery *Recovery
	user     User
	session  string
}

func newRecoveryFixture(t *testing.T) *recoveryFixture {
	t.Helper()
	db := dbtest.Open(t, Migrations()...)
	f := &recoveryFixture{now: time.Date(2026, 12, 4, 3, 0, 0, 0, time.UTC)}
	clock := func() time.Time { return f.now }
	f.accounts, f.recovery = NewService(db, clock), NewRecovery(db, clock)
	ctx := context.Background()
	user, err := f.accounts.SignUp(ctx, SignUpInput{Email: "Sari@Example.com", Name: "Sari", Password: "old horse battery", Role: RoleShopper})
	if err != nil {
		t.Fatal(err)
	}
	f.user = user
	if _, f.session, err = f.accounts.LogIn(ctx, "sari@example.com", "old horse battery"); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *recoveryFixture) requestReset(t *testing.T) string {
	t.Helper()
	_, token, found, err := f.recovery.RequestReset(context.Background(), " SARI@example.com ")
	if err != nil || !found || token == "" {
		t.Fatalf("request reset: found %v, token %q, %v", found, token, err)
	}
	return token
}

func TestResetPasswordOnceEndsOtherSessions(t *testing.T) {
	f := newRecoveryFixture(t)
	ctx := context.Background()
	token := f.requestReset(t)
	if err := f.recovery.CheckReset(ctx, token); err != nil {
		t.Fatalf("a fresh token: %v", err)
	}
	if _, _, err := f.recovery.ResetPassword(ctx, token, "short"); fault.FieldOf(err) != "password" {
		t.Fatalf("a short new password: %v, want the sign-up rule on the password field", err)
	}
	user, session, err := f.recovery.ResetPassword(ctx, token, "new horse battery")
	if err != nil || session == "" {
		t.Fatalf("reset after a refused password: %v (the refusal must not use the token up)", err)
	}
	if _, err := f.accounts.UserBySession(ctx, f.session); !fault.Is(err, fault.Unauthorized) {
		t.Errorf("the session opened before the reset: %v, want ended", err)
	}
	if got, err := f.accounts.UserBySession(ctx, session); err != nil || got.ID != user.ID {
		t.Errorf("the reset's own session: %v", err)
	}
	if _, _, err := f.accounts.LogIn(ctx, "sari@example.com", "new horse battery"); err != nil {
		t.Errorf("log in with the new password: %v", err)
	}
	if _, _, err := f.accounts.LogIn(ctx, "sari@example.com", "old horse battery"); err == nil {
		t.Error("the old password still logs in")
	}
	if reloaded, _ := f.accounts.UserByID(ctx, user.ID); !reloaded.Verified() {
		t.Error("a reset through the mailed link did not mark the email verified")
	}
	if _, _, err := f.recovery.ResetPassword(ctx, token, "third horse battery"); !fault.Is(err, fault.Invalid) {
		t.Errorf("the token a second time: %v, want refused", err)
	}
	if err := f.recovery.CheckReset(ctx, token); err == nil {
		t.Error("CheckReset accepts a used token")
	}
}

func TestResetTokenExpiresAfterAnHour(t *testing.T) {
	f := newRecoveryFixture(t)
	ctx := context.Background()
	token := f.requestReset(t)
	f.now = f.now.Add(ResetTTL + time.Second)
	if _, _, err := f.recovery.ResetPassword(ctx, token, "new horse battery"); !fault.Is(err, fault.Invalid) {
		t.Fatalf("a token an hour old: %v, want refused", err)
	}
	if _, _, err := f.accounts.LogIn(ctx, "sari@example.com", "old horse battery"); err != nil {
		t.Errorf("the old password after a refused reset: %v", err)
	}
	if _, err := f.accounts.DeleteExpiredSessions(ctx); err != nil {
		t.Fatal(err)
	}
	var left int64
	if err := f.accounts.db.Model(&accountToken{}).Count(&left).Error; err != nil || left != 0 {
		t.Errorf("expired links after the clean-up: %d (%v), want none", left, err)
	}
}

func TestResetRefusesWrongTokens(t *testing.T) {
	f := newRecoveryFixture(t)
	ctx := context.Background()
	token := f.requestReset(t)
	verify, err := f.recovery.issue(ctx, f.user, purposeVerify, VerifyTTL)
	if err != nil {
		t.Fatal(err)
	}
	for _, wrong := range []string{"", token[:len(token)-1], token + "A", verify} {
		if _, _, err := f.recovery.ResetPassword(ctx, wrong, "new horse battery"); !fault.Is(err, fault.Invalid) {
			t.Errorf("token %q: %v, want refused", wrong, err)
		}
	}
	if _, _, found, err := f.recovery.RequestReset(ctx, "nobody@example.com"); found || err != nil {
		t.Errorf("an unknown email: found %v, %v", found, err)
	}
}

func TestVerifyEmail(t *testing.T) {
	f := newRecoveryFixture(t)
	ctx := context.Background()
	_, token, err := f.recovery.IssueVerification(ctx, f.user.ID)
	if err != nil || token == "" {
		t.Fatalf("issue: %q, %v", token, err)
	}
	if _, err := f.recovery.Verify(ctx, f.requestReset(t)); !fault.Is(err, fault.Invalid) {
		t.Errorf("a reset token verifies: %v", err)
	}
	user, err := f.recovery.Verify(ctx, token)
	if err != nil || !user.Verified() {
		t.Fatalf("verify: %+v, %v", user, err)
	}
	if reloaded, _ := f.accounts.UserByID(ctx, f.user.ID); !reloaded.Verified() {
		t.Error("the account is not flagged verified")
	}
	if _, err := f.recovery.Verify(ctx, token); !fault.Is(err, fault.Invalid) {
		t.Errorf("the token a second time: %v, want refused", err)
	}
	if _, again, err := f.recovery.IssueVerification(ctx, f.user.ID); again != "" || err != nil {
		t.Errorf("a verified account got another token %q, %v", again, err)
	}
}
