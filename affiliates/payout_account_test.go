package affiliates

import (
	"testing"

	"github.com/warna/warna/fault"
	"github.com/warna/warna/orders"
)

func TestPayoutAccountValidation(t *testing.T) {
	good := []struct {
		in           PayoutAccountInput
		number, mask string
	}{
		{PayoutAccountInput{"BCA", "123 456 7890", "  Rina   Sari "}, "1234567890", "BCA •••• 7890"},
		{PayoutAccountInput{"mandiri", "123-00-1234567-8", "Rina"}, "1230012345678", "Bank Mandiri •••• 5678"},
		{PayoutAccountInput{"gopay", "+62 812-3456-7890", "Rina"}, "081234567890", "GoPay •••• 7890"},
		{PayoutAccountInput{"dana", "6281234567890", "Rina"}, "081234567890", "DANA •••• 7890"},
	}
	for _, c := range good {
		acct, err := c.in.Validate()
		if err != nil || acct.Number != c.number || acct.Masked() != c.mask {
			t.Errorf("%+v: %q %q %v, want %q %q", c.in, acct.Number, acct.Masked(), err, c.number, c.mask)
		}
	}
	bad := []struct {
		in    PayoutAccountInput
		field string
	}{
		{PayoutAccountInput{"paypal", "1234567890", "Rina"}, "provider"},
		{PayoutAccountInput{"bca", "123456789", "Rina"}, "number"}, // BCA numbers have 10 digits
		{PayoutAccountInput{"bri", "12345678901234X", "Rina"}, "number"},
		{PayoutAccountInput{"ovo", "0212345678", "Rina"}, "number"}, // a landline, not a phone
		{PayoutAccountInput{"bni", "1234567890", "   "}, "holder"},
		{PayoutAccountInput{"bni", "١٢٣٤٥٦٧٨٩٠", "Rina"}, "number"}, // Arabic-Indic digits
	}
	for _, c := range bad {
		if _, err := c.in.Validate(); !fault.Is(err, fault.Invalid) || fault.FieldOf(err) != c.field {
			t.Errorf("%+v: %v (field %q), want invalid %s", c.in, err, fault.FieldOf(err), c.field)
		}
	}
}

// TestPayoutRecordsWhereItWent: a payout keeps the masked account the
// influencer had given, so the history says where each one went even
// after the account changes.
func TestPayoutRecordsWhereItWent(t *testing.T) {
	f := newFixture(t)
	if _, ok, err := f.influencers.PayoutAccountOf(f.ctx, influencerID); ok || err != nil {
		t.Fatalf("a new influencer has a payout account: %v %v", ok, err)
	}
	if _, err := f.influencers.SetPayoutAccount(f.ctx, influencerID, PayoutAccountInput{"bca", "1234567890", "Rina"}); err != nil {
		t.Fatal(err)
	}
	link := f.link(LinkInput{Kind: TargetProduct, ProductID: f.products[0].ID})
	f.click(link, f.clock.Now(), true, "p1")
	o := f.checkout(f.ref("p1"), "b@example.com", orders.CartItem{ProductID: f.products[0].ID, Quantity: 1})
	if err := f.ledger.ApproveOrder(f.ctx, merchantID, o.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.ledger.CreatePayout(f.ctx, merchantID, influencerID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.influencers.SetPayoutAccount(f.ctx, influencerID, PayoutAccountInput{"ovo", "081234567890", "Rina"}); err != nil {
		t.Fatal(err)
	}
	history, err := f.ledger.Payouts(f.ctx, 0, influencerID, 10)
	if err != nil || len(history) != 1 || history[0].PaidTo != "BCA •••• 7890" {
		t.Fatalf("history %+v, %v; want one payout to BCA •••• 7890", history, err)
	}
	acct, ok, err := f.influencers.PayoutAccountOf(f.ctx, influencerID)
	if !ok || err != nil || acct.Masked() != "OVO •••• 7890" {
		t.Errorf("account now %q %v %v, want the OVO one", acct.Masked(), ok, err)
	}
}
