package affiliates

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/warna/warna/fault"
)

// PayoutAccount is where an influencer wants their commission paid: a bank
// account or an e-wallet. Merchants pay it (outside Warna) when they record
// a payout, which keeps the masked account it went to.
type PayoutAccount struct {
	InfluencerID int64  `gorm:"primaryKey;autoIncrement:false"`
	Kind         string `gorm:"size:10;not null"` // PayoutBank or PayoutEWallet
	Provider     string `gorm:"size:20;not null"` // a key of payoutProviders
	Number       string `gorm:"size:20;not null"` // digits only
	Holder       string `gorm:"size:100;not null"`
	UpdatedAt    time.Time
}

// The kinds of payout account.
const (
	PayoutBank    = "bank"
	PayoutEWallet = "ewallet"
)

// payoutProvider is a bank or e-wallet an account can be at, and the
// account numbers it issues.
type payoutProvider struct {
	Name     string
	Kind     string
	min, max int // digits of an account number
}

// payoutProviders are the banks and e-wallets Indonesian creators are paid
// through. Bank account numbers have a fixed length at the big four (BCA
// 10, Mandiri 13, BNI 10, BRI 15 digits); other banks' are checked for a
// plausible length. E-wallets are keyed by the phone number (08…, 10–13
// digits).
var payoutProviders = map[string]payoutProvider{
	"bca": {"BCA", PayoutBank, 10, 10}, "mandiri": {"Bank Mandiri", PayoutBank, 13, 13},
	"bni": {"BNI", PayoutBank, 10, 10}, "bri": {"BRI", PayoutBank, 15, 15},
	"bsi": {"BSI", PayoutBank, 10, 10}, "cimb": {"CIMB Niaga", PayoutBank, 10, 14},
	"permata": {"PermataBank", PayoutBank, 10, 16}, "danamon": {"Danamon", PayoutBank, 9, 12},
	"jago": {"Bank Jago", PayoutBank, 12, 12}, "seabank": {"SeaBank", PayoutBank, 12, 12},
	"gopay": {"GoPay", PayoutEWallet, 10, 13}, "ovo": {"OVO", PayoutEWallet, 10, 13},
	"dana": {"DANA", PayoutEWallet, 10, 13}, "shopeepay": {"ShopeePay", PayoutEWallet, 10, 13},
	"linkaja": {"LinkAja", PayoutEWallet, 10, 13},
}

// PayoutProvider is a provider as forms list it.
type PayoutProvider struct{ Key, Name, Kind string }

// PayoutProviders lists the providers, banks first, in a stable order.
func PayoutProviders() []PayoutProvider {
	keys := []string{"bca", "mandiri", "bni", "bri", "bsi", "cimb", "permata", "danamon", "jago", "seabank",
		"gopay", "ovo", "dana", "shopeepay", "linkaja"}
	out := make([]PayoutProvider, len(keys))
	for i, k := range keys {
		p := payoutProviders[k]
		out[i] = PayoutProvider{Key: k, Name: p.Name, Kind: p.Kind}
	}
	return out
}

// PayoutAccountInput is a payout account as a form or the API sends it.
type PayoutAccountInput struct {
	Provider string
	Number   string
	Holder   string
}

// Validate checks the input and puts the number in its stored form: digits
// only, an e-wallet's phone number from +62/62 to 08.
func (in *PayoutAccountInput) Validate() (PayoutAccount, error) {
	key := strings.ToLower(strings.TrimSpace(in.Provider))
	p, ok := payoutProviders[key]
	if !ok {
		return PayoutAccount{}, fault.FieldInvalidf("provider", "choose your bank or e-wallet from the list")
	}
	number := strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '.' {
			return -1
		}
		return r
	}, strings.TrimSpace(in.Number))
	if p.Kind == PayoutEWallet {
		switch {
		case strings.HasPrefix(number, "+62"):
			number = "0" + number[3:]
		case strings.HasPrefix(number, "62"):
			number = "0" + number[2:]
		}
	}
	for _, r := range number {
		if r < '0' || r > '9' {
			return PayoutAccount{}, fault.FieldInvalidf("number", "the account number has only digits")
		}
	}
	if p.Kind == PayoutEWallet && !strings.HasPrefix(number, "08") {
		return PayoutAccount{}, fault.FieldInvalidf("number", "give the phone number of your %s account, starting 08", p.Name)
	}
	if len(number) < p.min || len(number) > p.max {
		if p.min == p.max {
			return PayoutAccount{}, fault.FieldInvalidf("number", "a %s account number has %d digits; this has %d", p.Name, p.min, len(number))
		}
		return PayoutAccount{}, fault.FieldInvalidf("number", "a %s number has %d to %d digits; this has %d", p.Name, p.min, p.max, len(number))
	}
	holder := strings.Join(strings.Fields(in.Holder), " ")
	if holder == "" || len(holder) > 100 {
		return PayoutAccount{}, fault.FieldInvalidf("holder", "give the account holder's name as the %s account shows it", p.Name)
	}
	return PayoutAccount{Kind: p.Kind, Provider: key, Number: number, Holder: holder}, nil
}

// ProviderName is the bank's or e-wallet's name.
func (a PayoutAccount) ProviderName() string { return payoutProviders[a.Provider].Name }

// Masked is the account as pages show it: "BCA •••• 6789".
func (a PayoutAccount) Masked() string {
	if a.Number == "" {
		return ""
	}
	tail := a.Number[max(0, len(a.Number)-4):]
	return a.ProviderName() + " •••• " + tail
}

// SetPayoutAccount keeps where an influencer is paid (replacing the last).
func (s *Influencers) SetPayoutAccount(ctx context.Context, influencerID int64, in PayoutAccountInput) (PayoutAccount, error) {
	acct, err := in.Validate()
	if err != nil {
		return PayoutAccount{}, err
	}
	acct.InfluencerID, acct.UpdatedAt = influencerID, s.now()
	if err := s.db.WithContext(ctx).Save(&acct).Error; err != nil {
		return PayoutAccount{}, fmt.Errorf("save payout account: %w", err)
	}
	return acct, nil
}

// PayoutAccountOf is the influencer's payout account; ok is false when
// they have not given one.
func (s *Influencers) PayoutAccountOf(ctx context.Context, influencerID int64) (PayoutAccount, bool, error) {
	return payoutAccountTx(s.db.WithContext(ctx), influencerID)
}

func payoutAccountTx(tx *gorm.DB, influencerID int64) (PayoutAccount, bool, error) {
	var acct PayoutAccount
	err := tx.Where("influencer_id = ?", influencerID).Take(&acct).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return PayoutAccount{}, false, nil
	}
	if err != nil {
		return PayoutAccount{}, false, fmt.Errorf("read payout account: %w", err)
	}
	return acct, true, nil
}
