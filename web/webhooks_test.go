package web

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/warna/warna/affiliates"
	"github.com/warna/warna/orders"
	"github.com/warna/warna/web/api/apitest"
)

// deliverQueued sends the webhook deliveries queued since from, as the job
// queue's worker would, and returns how many it sent.
func (s *affSite) deliverQueued(t *testing.T, from int) int {
	t.Helper()
	w := orders.NewDeliveryWorker(s.webhooks, true)
	s.queue.mu.Lock()
	jobs := append([]river.JobArgs(nil), s.queue.jobs[from:]...)
	s.queue.mu.Unlock()
	n := 0
	for _, j := range jobs {
		args, ok := j.(orders.DeliveryArgs)
		if !ok {
			continue
		}
		job := &river.Job[orders.DeliveryArgs]{JobRow: &rivertype.JobRow{Attempt: 1, MaxAttempts: orders.MaxDeliveryAttempts}, Args: args}
		if err := w.Work(context.Background(), job); err != nil {
			t.Fatalf("deliver %d: %v", args.DeliveryID, err)
		}
		n++
	}
	return n
}

func (s *affSite) queued() int {
	s.queue.mu.Lock()
	defer s.queue.mu.Unlock()
	return len(s.queue.jobs)
}

// TestWebhookEventsMatchTheDescription sends every kind of event to a
// receiver, checks each body against the description's webhooks and its
// signature, then reads the delivery log and replays a delivery through
// the API and the merchant's page.
func TestWebhookEventsMatchTheDescription(t *testing.T) {
	// The receiver is an httptest server on loopback.
	s := newAffSiteHooks(t, Config{BaseURL: "http://warna.test"}, orders.WebhookOptions{AllowPrivateURLs: true})
	ctx := context.Background()
	received := make(chan *http.Request, 16)
	bodies := make(chan []byte, 16)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		received <- r
		bodies <- body
	}))
	defer receiver.Close()
	key, _, err := s.auth.CreateAPIKey(ctx, s.merchant, "hooks")
	if err != nil {
		t.Fatal(err)
	}
	b := s.browser()
	set := b.call(http.MethodPut, "/api/v1/webhook", key, `{"url":"`+receiver.URL+`/warna"}`, nil)
	var hook struct{ Secret string }
	if err := json.Unmarshal([]byte(set.Body), &hook); err != nil || set.Status != http.StatusOK || hook.Secret == "" {
		t.Fatalf("set webhook: %d %.300s", set.Status, set.Body)
	}
	if got := b.call(http.MethodGet, "/api/v1/webhook", key, "", nil); got.Status != http.StatusOK || strings.Contains(got.Body, hook.Secret) {
		t.Errorf("GET /webhook: %d; the secret must not be shown again", got.Status)
	}

	link := s.link(t, affiliates.LinkInput{Kind: affiliates.TargetProduct, ProductID: s.products[0].ID})
	conv := b.call(http.MethodPost, "/api/v1/conversions", key, fmt.Sprintf(`{"order_id":"WH-1","link_code":%q,"lines":[{"product_id":%d,"unit_price_minor":150000,"quantity":2}]}`,
		link.Code, s.products[0].ID), nil)
	var order orders.OrderData
	if err := json.Unmarshal([]byte(conv.Body), &order); err != nil || conv.Status != http.StatusCreated {
		t.Fatalf("conversion: %d %.300s", conv.Status, conv.Body)
	}
	if res := b.call(http.MethodPost, fmt.Sprintf("/api/v1/orders/%d/refunds", order.ID), key, fmt.Sprintf(`{"line_id":%d,"quantity":1}`, order.Lines[0].ID), nil); res.Status != http.StatusCreated {
		t.Fatalf("refund: %d %.300s", res.Status, res.Body)
	}
	if err := s.ledger.ApproveOrder(ctx, s.merchant.ID, order.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ledger.CreatePayout(ctx, s.merchant.ID, s.infl.ID); err != nil {
		t.Fatal(err)
	}
	// A checkout's order, shipped and delivered.
	shopper := s.browser()
	shopper.addToCart(s.products[1].ID, 1)
	shopper.checkOut()
	placed, err := s.orders.OrdersOfShop(ctx, s.merchant.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.orders.Ship(ctx, s.merchant.ID, placed[0].ID, orders.ShipInput{TrackingNumber: "JNE1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.orders.Deliver(ctx, s.merchant.ID, placed[0].ID); err != nil {
		t.Fatal(err)
	}
	const sent = 7
	if n := s.deliverQueued(t, 0); n != sent {
		t.Fatalf("%d deliveries queued, want order.created (2), order.refunded, commission.approved, payout.paid, order.shipped, order.delivered", n)
	}
	v, err := apitest.Load()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for range sent {
		r, body := <-received, <-bodies
		eventType := r.Header.Get("X-Warna-Event")
		seen[eventType] = true
		if err := v.CheckEvent(eventType, body); err != nil {
			t.Error(err)
		}
		ts, sig, _ := strings.Cut(strings.TrimPrefix(r.Header.Get("X-Warna-Signature"), "t="), ",v1=")
		if sig != orders.WebhookSignature(hook.Secret, ts, body) {
			t.Errorf("%s: signature %q does not verify", eventType, r.Header.Get("X-Warna-Signature"))
		}
	}
	for name := range v.Doc.Webhooks {
		if !seen[name] {
			t.Errorf("no %s event was sent; every described event must be tested", name)
		}
	}

	list := b.call(http.MethodGet, "/api/v1/webhook/deliveries?per_page=4", key, "", nil)
	var log struct {
		Items []struct {
			ID       int64
			Status   string
			Attempts int
		}
		Next string
	}
	if err := json.Unmarshal([]byte(list.Body), &log); err != nil || len(log.Items) != 4 || log.Next == "" {
		t.Fatalf("delivery log: %d %.300s", list.Status, list.Body)
	}
	for _, d := range log.Items {
		if d.Status != orders.DeliverySucceeded || d.Attempts != 1 {
			t.Errorf("delivery %d: %s after %d attempts, want succeeded after 1", d.ID, d.Status, d.Attempts)
		}
	}
	rest := b.call(http.MethodGet, strings.TrimPrefix(log.Next, "http://warna.test"), key, "", nil)
	if !strings.Contains(rest.Body, `"event_type":"order.created"`) || strings.Contains(rest.Body, `"next"`) {
		t.Errorf("the log's last page: %.300s", rest.Body)
	}

	// Replay through the API, retried with the same Idempotency-Key: one replay.
	first := log.Items[0].ID
	path := fmt.Sprintf("/api/v1/webhook/deliveries/%d/replay", first)
	before := s.queued()
	r1 := b.call(http.MethodPost, path, key, "", map[string]string{"Idempotency-Key": "replay-1"})
	r2 := b.call(http.MethodPost, path, key, "", map[string]string{"Idempotency-Key": "replay-1"})
	if r1.Status != http.StatusAccepted || r2.Status != http.StatusAccepted || r2.Header.Get("Idempotent-Replayed") != "true" || s.queued() != before+1 {
		t.Fatalf("replay: %d then %d (replayed %q), %d jobs queued, want 1", r1.Status, r2.Status, r2.Header.Get("Idempotent-Replayed"), s.queued()-before)
	}
	s.deliverQueued(t, before)
	<-received
	<-bodies
	one := b.call(http.MethodGet, fmt.Sprintf("/api/v1/webhook/deliveries/%d", first), key, "", nil)
	var detail struct {
		Attempts   int
		AttemptLog []struct{ StatusCode int } `json:"attempt_log"`
		Payload    map[string]any
	}
	if err := json.Unmarshal([]byte(one.Body), &detail); err != nil || detail.Attempts != 2 || len(detail.AttemptLog) != 2 || detail.Payload["id"] == nil {
		t.Errorf("the replayed delivery: %.400s (%v)", one.Body, err)
	}

	// The merchant's page shows the log and sends a delivery again.
	m := s.browser()
	if res := m.submit("/login", "/login", url.Values{"email": {"shop@example.com"}, "password": {"correct horse battery"}}); res.Status != http.StatusSeeOther {
		t.Fatalf("merchant login: %d", res.Status)
	}
	page := m.get("/merchant/webhook/deliveries")
	for _, want := range []string{"order.created", "order.refunded", "commission.approved", "payout.paid", "succeeded", receiver.URL} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("the delivery log page lacks %q", want)
		}
	}
	before = s.queued()
	res := m.submit("/merchant/webhook/deliveries", fmt.Sprintf("/merchant/webhook/deliveries/%d/replay", first), url.Values{})
	if res.Status != http.StatusSeeOther || s.queued() != before+1 {
		t.Errorf("replay from the page: %d, %d jobs queued", res.Status, s.queued()-before)
	}
	if detailPage := m.get(res.Location); !strings.Contains(detailPage.Body, "HTTP 200") || !strings.Contains(detailPage.Body, "will be sent again") {
		t.Errorf("the delivery page after a replay: %.400s", detailPage.Body)
	}
	other := s.browser()
	if res := other.submit("/login", "/login", url.Values{"email": {"rina@example.com"}, "password": {"correct horse battery"}}); res.Status != http.StatusSeeOther {
		t.Fatalf("influencer login: %d", res.Status)
	}
	if res := other.get("/merchant/webhook/deliveries"); res.Status != http.StatusForbidden {
		t.Errorf("an influencer opening the delivery log: %d, want 403", res.Status)
	}
}
