package affiliates

// Webhook events of the commission ledger, sent to the shop's webhook
// beside the order events of package orders.
const (
	EventCommissionApproved = "commission.approved"
	EventPayoutPaid         = "payout.paid"
)

// CommissionApprovedEvent is the data of commission.approved: one order
// line's commission became approved (its return window passed, or the
// merchant approved the order).
type CommissionApprovedEvent struct {
	Commission ApprovedCommission `json:"commission"`
}

// ApprovedCommission is the approved commission of one order line, net of
// what refunds reversed.
type ApprovedCommission struct {
	OrderID      int64  `json:"order_id"`
	LineID       int64  `json:"line_id"`
	InfluencerID int64  `json:"influencer_id"`
	AmountMinor  int64  `json:"amount_minor"`
	Currency     string `json:"currency"`
	RateBps      int    `json:"rate_bps"`
	Reason       string `json:"reason"`
	ApprovedAt   string `json:"approved_at"`
}

// PayoutPaidEvent is the data of payout.paid: the merchant paid an
// influencer their approved balance.
type PayoutPaidEvent struct {
	Payout PaidPayout `json:"payout"`
}

// PaidPayout is a payout as the event describes it.
type PaidPayout struct {
	ID           int64  `json:"id"`
	InfluencerID int64  `json:"influencer_id"`
	AmountMinor  int64  `json:"amount_minor"`
	Currency     string `json:"currency"`
	Entries      int    `json:"entries"`
	PaidAt       string `json:"paid_at"`
}
