package orders

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/warna/warna/catalog"
	"github.com/warna/warna/fault"
	"github.com/warna/warna/outbound"
)

// Webhook is where a shop wants to hear about its orders. Each delivery is
// signed with Secret: header X-Warna-Signature: t=UNIX,v1=HEX where HEX is
// HMAC-SHA256(Secret, "UNIX.BODY").
type Webhook struct {
	ShopID    int64  `gorm:"primaryKey;autoIncrement:false"`
	URL       string `gorm:"size:500;not null"`
	Secret    string `gorm:"size:64;not null"`
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Webhook events.
const (
	EventOrderCreated  = "order.created"
	EventOrderRefunded = "order.refunded"
)

// enqueuer is the part of the job queue webhooks need.
type enqueuer interface {
	EnqueueTx(ctx context.Context, tx *gorm.DB, args river.JobArgs, opts *river.InsertOpts) error
}

// Webhooks keeps each shop's webhook and sends it the shop's order events:
// a delivery job is enqueued in the transaction that changes the order, and
// WebhookWorker sends it.
type Webhooks struct {
	db    *gorm.DB
	queue enqueuer
	now   func() time.Time
}

// NewWebhooks builds the webhook service over db and the job queue; now is
// the clock (nil: time.Now).
func NewWebhooks(db *gorm.DB, queue enqueuer, now func() time.Time) *Webhooks {
	return &Webhooks{db: db, queue: queue, now: utcClock(now)}
}

// SetWebhook stores the merchant's webhook URL with a fresh signing secret,
// which is returned.
func (s *Webhooks) SetWebhook(ctx context.Context, merchantID int64, rawURL string) (Webhook, error) {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || len(rawURL) > 500 {
		return Webhook{}, fault.FieldInvalidf("url", "give an http:// or https:// URL of up to 500 characters")
	}
	shop, err := catalog.ShopOfOwnerTx(ctx, s.db, merchantID)
	if err != nil {
		return Webhook{}, err
	}
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	w := Webhook{ShopID: shop.ID, URL: u.String(), Secret: "whsec_" + hex.EncodeToString(b), CreatedAt: s.now(), UpdatedAt: s.now()}
	err = s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns: []clause.Column{{Name: "shop_id"}}, DoUpdates: clause.AssignmentColumns([]string{"url", "secret", "updated_at"}),
	}).Create(&w).Error
	return w, err
}

// WebhookOf returns the merchant's webhook; found is false when none is set.
func (s *Webhooks) WebhookOf(ctx context.Context, merchantID int64) (w Webhook, found bool, err error) {
	shop, err := catalog.ShopOfOwnerTx(ctx, s.db, merchantID)
	if err != nil {
		return Webhook{}, false, err
	}
	err = s.db.WithContext(ctx).Where("shop_id = ?", shop.ID).Take(&w).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Webhook{}, false, nil
	}
	return w, err == nil, err
}

// RemoveWebhook stops deliveries to the merchant's webhook, including those
// still queued.
func (s *Webhooks) RemoveWebhook(ctx context.Context, merchantID int64) error {
	shop, err := catalog.ShopOfOwnerTx(ctx, s.db, merchantID)
	if err != nil {
		return err
	}
	return s.db.WithContext(ctx).Where("shop_id = ?", shop.ID).Delete(&Webhook{}).Error
}

// notifyTx enqueues a webhook delivery inside the transaction that made the
// change, if the shop has a webhook.
func (s *Webhooks) notifyTx(ctx context.Context, tx *gorm.DB, shopID int64, event string, orderID int64) error {
	var n int64
	if err := tx.Model(&Webhook{}).Where("shop_id = ?", shopID).Count(&n).Error; err != nil || n == 0 {
		return err
	}
	return s.queue.EnqueueTx(ctx, tx, WebhookArgs{ShopID: shopID, Event: event, OrderID: orderID}, &river.InsertOpts{MaxAttempts: 8})
}

// WebhookArgs is one delivery job.
type WebhookArgs struct {
	ShopID  int64  `json:"shop_id"`
	Event   string `json:"event"`
	OrderID int64  `json:"order_id"`
}

// Kind names the job. The name predates package orders; jobs already
// queued carry it.
func (WebhookArgs) Kind() string { return "affiliates_webhook" }

// WebhookPayload is the JSON body of a delivery.
type WebhookPayload struct {
	Event         string  `json:"event"`
	OrderID       int64   `json:"order_id"`
	ExternalID    *string `json:"external_order_id,omitempty"`
	Currency      string  `json:"currency"`
	TotalMinor    int64   `json:"total_minor"`
	RefundedMinor int64   `json:"refunded_minor"`
	Attribution   string  `json:"attribution"`
	InfluencerID  *int64  `json:"influencer_id,omitempty"`
	LinkID        *int64  `json:"link_id,omitempty"`
}

// WebhookWorker delivers webhooks; a failed delivery (network error or a
// non-2xx answer) is retried by the job queue with backoff.
type WebhookWorker struct {
	river.WorkerDefaults[WebhookArgs]
	Webhooks *Webhooks
	Client   *http.Client
}

// NewWebhookWorker returns a worker whose HTTP client goes through the
// outbound guard: it refuses loopback, private, link-local and other
// non-public addresses at connect time unless allowPrivate (for tests and
// single-machine setups), so a webhook URL cannot reach internal services.
func NewWebhookWorker(s *Webhooks, allowPrivate bool) *WebhookWorker {
	dialer := outbound.NewDialer(5*time.Second, allowPrivate)
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DialContext: dialer.DialContext},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &WebhookWorker{Webhooks: s, Client: client}
}

// Work sends one delivery.
func (w *WebhookWorker) Work(ctx context.Context, job *river.Job[WebhookArgs]) error {
	return w.Webhooks.deliver(ctx, w.Client, job.Args)
}

func (s *Webhooks) deliver(ctx context.Context, client *http.Client, args WebhookArgs) error {
	db := s.db.WithContext(ctx)
	var hook Webhook
	if err := db.Where("shop_id = ?", args.ShopID).Take(&hook).Error; errors.Is(err, gorm.ErrRecordNotFound) {
		return nil // the merchant removed the webhook
	} else if err != nil {
		return err
	}
	order, err := OfShopTx(ctx, db, args.ShopID, args.OrderID)
	if err != nil {
		return err
	}
	p := WebhookPayload{Event: args.Event, OrderID: order.ID, ExternalID: order.ExternalID, Currency: order.Currency,
		TotalMinor: order.TotalMinor, Attribution: order.AttrOutcome, InfluencerID: order.AttrInfluencerID, LinkID: order.AttrLinkID}
	for _, l := range order.Lines {
		p.RefundedMinor += l.RefundedMinor
	}
	body, err := json.Marshal(p)
	if err != nil {
		return err
	}
	ts := strconv.FormatInt(s.now().Unix(), 10)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hook.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Warna-Webhooks/1")
	req.Header.Set("X-Warna-Event", args.Event)
	req.Header.Set("X-Warna-Signature", "t="+ts+",v1="+WebhookSignature(hook.Secret, ts, body))
	res, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("deliver webhook: %w", err)
	}
	res.Body.Close()
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return fmt.Errorf("deliver webhook: %s answered %d", hook.URL, res.StatusCode)
	}
	return nil
}

// WebhookSignature is the v1 signature of a delivery: hex HMAC-SHA256 of
// "timestamp.body" under the webhook's secret.
func WebhookSignature(secret, timestamp string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(timestamp + "."))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}
