package orders

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
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

// enqueuer is the part of the job queue webhooks need.
type enqueuer interface {
	EnqueueTx(ctx context.Context, tx *gorm.DB, args river.JobArgs, opts *river.InsertOpts) error
}

// Webhooks keeps each shop's webhook and sends it the shop's events: the
// event is logged as a Delivery and its job enqueued in the transaction that
// made the change (PublishTx), and DeliveryWorker sends it.
type Webhooks struct {
	db           *gorm.DB
	queue        enqueuer
	now          func() time.Time
	resolver     outbound.Resolver
	allowPrivate bool
}

// WebhookOptions tune the webhook service; zero fields take defaults.
type WebhookOptions struct {
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Resolver looks up a webhook's host when it is saved; nil means
	// net.DefaultResolver.
	Resolver outbound.Resolver
	// AllowPrivateURLs accepts webhooks on private and loopback addresses
	// (tests, and a single machine whose webhook receiver runs beside it;
	// the delivery worker must then allow them too).
	AllowPrivateURLs bool
}

// NewWebhooks builds the webhook service over db and the job queue.
func NewWebhooks(db *gorm.DB, queue enqueuer, opts WebhookOptions) *Webhooks {
	if opts.Resolver == nil {
		opts.Resolver = net.DefaultResolver
	}
	return &Webhooks{db: db, queue: queue, now: utcClock(opts.Now), resolver: opts.Resolver, allowPrivate: opts.AllowPrivateURLs}
}

// SetWebhook stores the merchant's webhook URL with a fresh signing secret,
// which is returned. The URL's host must be on the public internet: it is
// resolved now (checkWebhookHost), and again by the delivery worker's
// dialer at every connection.
func (s *Webhooks) SetWebhook(ctx context.Context, merchantID int64, rawURL string) (Webhook, error) {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Hostname() == "" || u.User != nil || len(rawURL) > 500 || !validPort(u.Port()) {
		return Webhook{}, fault.FieldInvalidf("url", "give an http:// or https:// URL of up to 500 characters")
	}
	if err := s.checkWebhookHost(ctx, u.Hostname()); err != nil {
		return Webhook{}, err
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

// checkWebhookHost refuses a webhook host that is not on the public
// internet, or that does not resolve, with a message for the merchant.
func (s *Webhooks) checkWebhookHost(ctx context.Context, host string) error {
	if s.allowPrivate {
		return nil
	}
	lookupCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	err := outbound.CheckHost(lookupCtx, s.resolver, host)
	var dnsErr *net.DNSError
	switch refused, isRefused := outbound.Refused(err); {
	case err == nil:
		return nil
	case isRefused:
		return fault.FieldInvalidf("url", "Warna does not send webhooks there: %s. Give the address of a server on the public internet", refused)
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return fault.FieldInvalidf("url", "%s was not found (it has no DNS address); check the URL", host)
	case errors.As(err, &dnsErr):
		return fault.FieldInvalidf("url", "%s could not be looked up just now; try again in a minute", host)
	}
	return fmt.Errorf("check webhook host: %w", err)
}

func validPort(port string) bool {
	if port == "" {
		return true
	}
	n, err := strconv.Atoi(port)
	return err == nil && n >= 1 && n <= 65535
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
