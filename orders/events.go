package orders

import "time"

// Webhook events about orders. The affiliate side publishes its own
// (commission.approved, payout.paid) through Webhooks.PublishTx.
// EventOrderShipped and EventOrderDelivered are in fulfilment.go.
const (
	EventOrderCreated  = "order.created"
	EventOrderRefunded = "order.refunded"
)

// OrderData is an order as the API answers it and as webhook events carry
// it (the Order schema of the API description).
type OrderData struct {
	ID          int64           `json:"id"`
	ExternalID  *string         `json:"order_id,omitempty"`
	Source      string          `json:"source"`
	Currency    string          `json:"currency"`
	TotalMinor  int64           `json:"total_minor"`
	Refunded    int64           `json:"refunded_minor"`
	PlacedAt    string          `json:"placed_at"`
	CreatedAt   string          `json:"created_at"`
	UpdatedAt   string          `json:"updated_at"`
	Status      string          `json:"status"`
	ShippedAt   string          `json:"shipped_at,omitempty"`
	Tracking    string          `json:"tracking_number,omitempty"`
	Carrier     string          `json:"carrier,omitempty"`
	DeliveredAt string          `json:"delivered_at,omitempty"`
	Lines       []LineData      `json:"lines"`
	Attribution AttributionData `json:"attribution"`
}

// LineData is one line of OrderData.
type LineData struct {
	ID            int64  `json:"id"`
	ProductID     *int64 `json:"product_id,omitempty"`
	Title         string `json:"title"`
	UnitMinor     int64  `json:"unit_price_minor"`
	Quantity      int    `json:"quantity"`
	AmountMinor   int64  `json:"amount_minor"`
	RefundedMinor int64  `json:"refunded_minor"`
	RefundedQty   int    `json:"refunded_quantity"`
}

// AttributionData is the order's attribution receipt.
type AttributionData struct {
	Outcome      string  `json:"outcome"`
	Reason       string  `json:"reason,omitempty"`
	Rule         string  `json:"rule"`
	ClickID      *string `json:"click_id,omitempty"`
	LinkID       *int64  `json:"link_id,omitempty"`
	InfluencerID *int64  `json:"influencer_id,omitempty"`
	AgeSeconds   *int64  `json:"click_age_seconds,omitempty"`
	WindowDays   int     `json:"window_days"`
}

// RefundData is one refund in an order.refunded event.
type RefundData struct {
	ID          int64  `json:"id"`
	LineID      int64  `json:"line_id"`
	AmountMinor int64  `json:"amount_minor"`
	Quantity    int    `json:"quantity"`
	CreatedAt   string `json:"created_at"`
}

// OrderEvent is the data of order.created, order.refunded, order.shipped
// and order.delivered; Refunds (the refunds just made) only in
// order.refunded.
type OrderEvent struct {
	Order   OrderData    `json:"order"`
	Refunds []RefundData `json:"refunds,omitempty"`
}

// NewOrderData describes o.
func NewOrderData(o Order) OrderData {
	out := OrderData{ID: o.ID, ExternalID: o.ExternalID, Source: string(o.Source), Currency: o.Currency, TotalMinor: o.TotalMinor,
		PlacedAt: Timestamp(o.PlacedAt), CreatedAt: Timestamp(o.CreatedAt), UpdatedAt: Timestamp(o.UpdatedAt), Lines: []LineData{},
		Status: string(o.Status()), Tracking: o.TrackingNumber, Carrier: o.Carrier,
		Attribution: AttributionData{Outcome: o.AttrOutcome, Reason: o.AttrReason, Rule: o.AttrRule, ClickID: o.AttrClickID,
			LinkID: o.AttrLinkID, InfluencerID: o.AttrInfluencerID, AgeSeconds: o.AttrAgeSeconds, WindowDays: o.AttrWindowDays}}
	if o.UpdatedAt.IsZero() {
		out.UpdatedAt = out.CreatedAt
	}
	if o.ShippedAt != nil {
		out.ShippedAt = Timestamp(*o.ShippedAt)
	}
	if o.DeliveredAt != nil {
		out.DeliveredAt = Timestamp(*o.DeliveredAt)
	}
	for _, l := range o.Lines {
		out.Refunded += l.RefundedMinor
		out.Lines = append(out.Lines, LineData{ID: l.ID, ProductID: l.ProductID, Title: l.Title, UnitMinor: l.UnitMinor,
			Quantity: l.Quantity, AmountMinor: l.AmountMinor, RefundedMinor: l.RefundedMinor, RefundedQty: l.RefundedQty})
	}
	return out
}

func newRefundData(r Refund) RefundData {
	return RefundData{ID: r.ID, LineID: r.LineID, AmountMinor: r.AmountMinor, Quantity: r.Quantity, CreatedAt: Timestamp(r.CreatedAt)}
}

// Timestamp writes a time as the API and webhooks do: RFC 3339 in UTC, to
// the second.
func Timestamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
