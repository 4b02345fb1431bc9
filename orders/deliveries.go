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
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"github.com/warna/warna/catalog"
	"github.com/warna/warna/fault"
	"github.com/warna/warna/outbound"
)

// Event is the body of every webhook delivery: what happened (Type), when,
// and its data. ID is the same in every attempt and replay of the delivery,
// so a receiver can drop duplicates.
type Event struct {
	ID        string          `json:"id"`
	Type      string          `json:"type"`
	CreatedAt string          `json:"created_at"`
	Data      json.RawMessage `json:"data"`
}

// Delivery statuses.
const (
	DeliveryPending   = "pending"   // not tried yet, or replayed
	DeliveryRetrying  = "retrying"  // failed, another attempt is scheduled
	DeliverySucceeded = "succeeded" // the receiver answered 2xx
	DeliveryFailed    = "failed"    // every attempt failed; replay to try again
)

// Delivery is one event on its way to a shop's webhook, with the state of
// its attempts. Merchants see these in their delivery log and may replay
// any of them.
type Delivery struct {
	ID        int64  `gorm:"primaryKey"`
	ShopID    int64  `gorm:"not null;index"`
	EventID   string `gorm:"size:40;not null;uniqueIndex"`
	EventType string `gorm:"size:40;not null"`
	// Payload is the exact body sent (the Event as JSON).
	Payload        []byte     `gorm:"not null"`
	Status         string     `gorm:"size:16;not null"`
	Attempts       int        `gorm:"not null;default:0"`
	LastStatusCode int        `gorm:"not null;default:0"`
	LastError      string     `gorm:"size:300;not null;default:''"`
	LastAttemptAt  *time.Time // nil until the first attempt
	NextAttemptAt  *time.Time // when the next retry is due, while retrying
	DeliveredAt    *time.Time
	CreatedAt      time.Time `gorm:"not null"`
}

// TableName is webhook_deliveries.
func (Delivery) TableName() string { return "webhook_deliveries" }

// DeliveryAttempt is one try at sending a delivery.
type DeliveryAttempt struct {
	ID         int64     `gorm:"primaryKey"`
	DeliveryID int64     `gorm:"not null;index"`
	At         time.Time `gorm:"not null"`
	URL        string    `gorm:"size:500;not null"`
	StatusCode int       `gorm:"not null;default:0"` // 0: no answer
	Error      string    `gorm:"size:300;not null;default:''"`
	DurationMs int64     `gorm:"not null;default:0"`
}

// TableName is webhook_delivery_attempts.
func (DeliveryAttempt) TableName() string { return "webhook_delivery_attempts" }

// MaxDeliveryAttempts is how often a delivery is tried before it is failed.
const MaxDeliveryAttempts = 8

// RetryDelays are the waits after the 1st, 2nd, … failed attempt: about 10
// hours from the first attempt to the last.
var RetryDelays = []time.Duration{30 * time.Second, 2 * time.Minute, 10 * time.Minute, 30 * time.Minute, time.Hour, 3 * time.Hour, 6 * time.Hour}

func retryDelay(failedAttempt int) time.Duration {
	return RetryDelays[min(max(failedAttempt, 1), len(RetryDelays))-1]
}

// PublishTx records event with data for the shop's webhook and enqueues its
// delivery, inside the transaction that made the change, so an event is
// sent if and only if the change was stored. A shop without a webhook
// records nothing.
func (s *Webhooks) PublishTx(ctx context.Context, tx *gorm.DB, shopID int64, eventType string, data any) error {
	var n int64
	if err := tx.Model(&Webhook{}).Where("shop_id = ?", shopID).Count(&n).Error; err != nil || n == 0 {
		return err
	}
	raw, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("publish %s: %w", eventType, err)
	}
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	now := s.now()
	ev := Event{ID: "evt_" + hex.EncodeToString(b), Type: eventType, CreatedAt: Timestamp(now), Data: raw}
	payload, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("publish %s: %w", eventType, err)
	}
	d := Delivery{ShopID: shopID, EventID: ev.ID, EventType: eventType, Payload: payload, Status: DeliveryPending, CreatedAt: now}
	if err := tx.Create(&d).Error; err != nil {
		return fmt.Errorf("publish %s: %w", eventType, err)
	}
	return s.enqueueTx(ctx, tx, d.ID)
}

func (s *Webhooks) enqueueTx(ctx context.Context, tx *gorm.DB, deliveryID int64) error {
	return s.queue.EnqueueTx(ctx, tx, DeliveryArgs{DeliveryID: deliveryID}, &river.InsertOpts{MaxAttempts: MaxDeliveryAttempts})
}

// DeliveryArgs is the job that sends one delivery.
type DeliveryArgs struct {
	DeliveryID int64 `json:"delivery_id"`
}

// Kind names the job.
func (DeliveryArgs) Kind() string { return "webhook_delivery" }

// DeliveryWorker sends deliveries. A failed attempt (no answer, or not 2xx)
// is retried after RetryDelays, up to MaxDeliveryAttempts.
type DeliveryWorker struct {
	river.WorkerDefaults[DeliveryArgs]
	Webhooks *Webhooks
	Client   *http.Client
}

// NewDeliveryWorker returns a worker whose HTTP client goes through the
// outbound guard: it refuses loopback, private, link-local and other
// non-public addresses at connect time unless allowPrivate (for tests and
// single-machine setups), so a webhook URL cannot reach internal services.
func NewDeliveryWorker(s *Webhooks, allowPrivate bool) *DeliveryWorker {
	dialer := outbound.NewDialer(5*time.Second, allowPrivate)
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DialContext: dialer.DialContext},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &DeliveryWorker{Webhooks: s, Client: client}
}

// Work makes one attempt.
func (w *DeliveryWorker) Work(ctx context.Context, job *river.Job[DeliveryArgs]) error {
	return w.Webhooks.attempt(ctx, w.Client, job.Args.DeliveryID, job.Attempt, job.MaxAttempts)
}

// NextRetry schedules the retry after a failed attempt.
func (w *DeliveryWorker) NextRetry(job *river.Job[DeliveryArgs]) time.Time {
	return time.Now().Add(retryDelay(job.Attempt))
}

// attempt sends a delivery once, as attempt jobAttempt of maxAttempts of its
// job, and records the outcome.
func (s *Webhooks) attempt(ctx context.Context, client *http.Client, deliveryID int64, jobAttempt, maxAttempts int) error {
	db := s.db.WithContext(ctx)
	var d Delivery
	if err := db.Take(&d, deliveryID).Error; errors.Is(err, gorm.ErrRecordNotFound) {
		return nil // nothing left to send
	} else if err != nil {
		return err
	}
	var hook Webhook
	if err := db.Where("shop_id = ?", d.ShopID).Take(&hook).Error; errors.Is(err, gorm.ErrRecordNotFound) {
		return s.record(ctx, d, DeliveryAttempt{At: s.now(), Error: "the webhook was removed"}, 0)
	} else if err != nil {
		return err
	}
	at := s.now()
	status, sendErr := send(ctx, client, hook, d, at)
	a := DeliveryAttempt{At: at, URL: hook.URL, StatusCode: status, DurationMs: s.now().Sub(at).Milliseconds()}
	if sendErr != nil {
		a.Error = truncate(sendErr.Error(), 300)
	}
	retryAfter := time.Duration(0)
	if jobAttempt < maxAttempts {
		retryAfter = retryDelay(jobAttempt)
	}
	if err := s.record(ctx, d, a, retryAfter); err != nil {
		return err
	}
	return sendErr
}

// send posts the delivery's payload, signed at the time of sending.
func send(ctx context.Context, client *http.Client, hook Webhook, d Delivery, at time.Time) (int, error) {
	ts := strconv.FormatInt(at.Unix(), 10)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hook.URL, bytes.NewReader(d.Payload))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Warna-Webhooks/1")
	req.Header.Set("X-Warna-Event", d.EventType)
	req.Header.Set("X-Warna-Delivery", strconv.FormatInt(d.ID, 10))
	req.Header.Set("X-Warna-Signature", "t="+ts+",v1="+WebhookSignature(hook.Secret, ts, d.Payload))
	res, err := client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("deliver webhook: %w", err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	res.Body.Close()
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return res.StatusCode, fmt.Errorf("deliver webhook: %s answered %d", hook.URL, res.StatusCode)
	}
	return res.StatusCode, nil
}

// record stores an attempt and the delivery's new state together; a failed
// attempt is retried after retryAfter, or not at all when it is 0.
func (s *Webhooks) record(ctx context.Context, d Delivery, a DeliveryAttempt, retryAfter time.Duration) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		a.DeliveryID = d.ID
		if err := tx.Create(&a).Error; err != nil {
			return fmt.Errorf("record delivery attempt: %w", err)
		}
		attempts := d.Attempts + 1
		upd := map[string]any{"attempts": attempts, "last_status_code": a.StatusCode, "last_error": a.Error,
			"last_attempt_at": a.At, "next_attempt_at": nil}
		switch {
		case a.Error == "":
			upd["status"], upd["delivered_at"] = DeliverySucceeded, a.At
		case retryAfter == 0:
			upd["status"] = DeliveryFailed
		default:
			upd["status"], upd["next_attempt_at"] = DeliveryRetrying, a.At.Add(retryAfter)
		}
		return tx.Model(&Delivery{}).Where("id = ?", d.ID).Updates(upd).Error
	})
}

// WebhookSignature is the v1 signature of a delivery: hex HMAC-SHA256 of
// "timestamp.body" under the webhook's secret.
func WebhookSignature(secret, timestamp string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(timestamp + "."))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// DeliveryFilter pages through a shop's delivery log, newest first.
type DeliveryFilter struct {
	Before  int64 // list deliveries with a lower id (the cursor)
	Page    int   // from 1, when Before is not set
	PerPage int   // 1 to 100, default 20
}

// DeliveryPage is one page of the log.
type DeliveryPage struct {
	Items   []Delivery
	Page    int
	PerPage int
	More    bool
}

// Deliveries lists the merchant's deliveries, newest first.
func (s *Webhooks) Deliveries(ctx context.Context, merchantID int64, f DeliveryFilter) (DeliveryPage, error) {
	if f.PerPage == 0 {
		f.PerPage = 20
	}
	if f.PerPage < 1 || f.PerPage > 100 {
		return DeliveryPage{}, fault.FieldInvalidf("per_page", "per_page must be a whole number from 1 to 100")
	}
	f.Page = max(f.Page, 1)
	shop, err := catalog.ShopOfOwnerTx(ctx, s.db, merchantID)
	if err != nil {
		return DeliveryPage{}, err
	}
	q := s.db.WithContext(ctx).Where("shop_id = ?", shop.ID).Order("id DESC")
	if f.Before > 0 {
		q = q.Where("id < ?", f.Before)
	} else {
		q = q.Offset((f.Page - 1) * f.PerPage)
	}
	page := DeliveryPage{Page: f.Page, PerPage: f.PerPage}
	if err := q.Limit(f.PerPage + 1).Find(&page.Items).Error; err != nil {
		return DeliveryPage{}, fmt.Errorf("list deliveries: %w", err)
	}
	if len(page.Items) > f.PerPage {
		page.Items, page.More = page.Items[:f.PerPage], true
	}
	return page, nil
}

// Delivery returns one of the merchant's deliveries with its attempts,
// newest first.
func (s *Webhooks) Delivery(ctx context.Context, merchantID, deliveryID int64) (Delivery, []DeliveryAttempt, error) {
	d, err := s.deliveryOf(ctx, s.db.WithContext(ctx), merchantID, deliveryID)
	if err != nil {
		return Delivery{}, nil, err
	}
	var attempts []DeliveryAttempt
	err = s.db.WithContext(ctx).Where("delivery_id = ?", d.ID).Order("id DESC").Limit(50).Find(&attempts).Error
	return d, attempts, err
}

func (s *Webhooks) deliveryOf(ctx context.Context, db *gorm.DB, merchantID, deliveryID int64) (Delivery, error) {
	shop, err := catalog.ShopOfOwnerTx(ctx, db, merchantID)
	if err != nil {
		return Delivery{}, err
	}
	var d Delivery
	err = db.Where("id = ? AND shop_id = ?", deliveryID, shop.ID).Take(&d).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Delivery{}, fault.NotFoundf("no such delivery")
	}
	return d, err
}

// Replay sends one of the merchant's deliveries again, whatever its state:
// the same event (same id and body), signed anew, with a fresh round of
// retries. The shop must still have a webhook.
func (s *Webhooks) Replay(ctx context.Context, merchantID, deliveryID int64) (Delivery, error) {
	var d Delivery
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if d, err = s.deliveryOf(ctx, tx, merchantID, deliveryID); err != nil {
			return err
		}
		var n int64
		if err := tx.Model(&Webhook{}).Where("shop_id = ?", d.ShopID).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return fault.Conflictf("set a webhook URL first: there is nowhere to send this event")
		}
		d.Status, d.NextAttemptAt = DeliveryPending, nil
		if err := tx.Model(&Delivery{}).Where("id = ?", d.ID).Updates(map[string]any{"status": d.Status, "next_attempt_at": nil}).Error; err != nil {
			return fmt.Errorf("replay delivery: %w", err)
		}
		return s.enqueueTx(ctx, tx, d.ID)
	})
	return d, err
}

// WebhookArgs is a delivery job queued before deliveries were logged: it
// named the order, and the body was made when it was sent. Such a job now
// publishes its event as a logged delivery.
type WebhookArgs struct {
	ShopID  int64  `json:"shop_id"`
	Event   string `json:"event"`
	OrderID int64  `json:"order_id"`
}

// Kind names the job. The name predates package orders.
func (WebhookArgs) Kind() string { return "affiliates_webhook" }

// LegacyWebhookWorker turns a WebhookArgs job into a logged delivery.
type LegacyWebhookWorker struct {
	river.WorkerDefaults[WebhookArgs]
	Webhooks *Webhooks
}

// Work publishes the order's event.
func (w *LegacyWebhookWorker) Work(ctx context.Context, job *river.Job[WebhookArgs]) error {
	s := w.Webhooks
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		order, err := OfShopTx(ctx, tx, job.Args.ShopID, job.Args.OrderID)
		if fault.Is(err, fault.NotFound) {
			return nil
		} else if err != nil {
			return err
		}
		return s.PublishTx(ctx, tx, job.Args.ShopID, job.Args.Event, OrderEvent{Order: NewOrderData(order)})
	})
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
