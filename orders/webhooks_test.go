package orders

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/warna/warna/fault"
	"github.com/warna/warna/outbound"
)

type delivery struct {
	header http.Header
	body   []byte
}

// receiver is a webhook endpoint answering status (settable between
// deliveries) and handing each delivery to the test.
func receiver(t *testing.T, status *int) (*httptest.Server, chan delivery) {
	t.Helper()
	got := make(chan delivery, 8)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest) // the delivery fails and the test says so
			return
		}
		got <- delivery{r.Header, body}
		w.WriteHeader(*status)
	}))
	t.Cleanup(srv.Close)
	return srv, got
}

func deliveryJob(args DeliveryArgs, attempt int) *river.Job[DeliveryArgs] {
	return &river.Job[DeliveryArgs]{JobRow: &rivertype.JobRow{Attempt: attempt, MaxAttempts: MaxDeliveryAttempts}, Args: args}
}

func TestWebhookEventsAreLoggedSignedAndRetried(t *testing.T) {
	f := newFixture(t)
	status := http.StatusOK
	srv, got := receiver(t, &status)
	hook, err := f.webhooks.SetWebhook(f.ctx, merchantID, srv.URL+"/hooks")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.webhooks.SetWebhook(f.ctx, merchantID, "javascript:alert(1)"); err == nil {
		t.Error("accepted a non-http webhook URL")
	}
	in := ConversionInput{OrderID: "W-1", LinkCode: "abcd2345", Lines: []ConversionLine{{ProductID: f.products[0].ID, UnitPriceMinor: 10_000, Quantity: 1}}}
	o, _, err := f.svc.RecordConversion(f.ctx, merchantID, in)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.RecordConversion(f.ctx, merchantID, in); err != nil { // replay: no second event
		t.Fatal(err)
	}
	if _, err := f.svc.Refund(f.ctx, merchantID, o.ID, RefundInput{LineID: o.Lines[0].ID, AmountMinor: 2_500}); err != nil {
		t.Fatal(err)
	}
	log, err := f.webhooks.Deliveries(f.ctx, merchantID, DeliveryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.queue.jobs) != 2 || len(log.Items) != 2 || log.Items[0].EventType != EventOrderRefunded || log.Items[1].EventType != EventOrderCreated {
		t.Fatalf("jobs %+v, log %+v; want order.created then order.refunded, each logged and queued", f.queue.jobs, log.Items)
	}
	refunded, created := log.Items[0], log.Items[1]

	w := NewDeliveryWorker(f.webhooks, true)
	if err := w.Work(f.ctx, deliveryJob(f.queue.jobs[1], 1)); err != nil {
		t.Fatal(err)
	}
	d := <-got
	ts, sig, ok := strings.Cut(strings.TrimPrefix(d.header.Get("X-Warna-Signature"), "t="), ",v1=")
	if !ok || sig != WebhookSignature(hook.Secret, ts, d.body) {
		t.Fatalf("signature %q does not verify", d.header.Get("X-Warna-Signature"))
	}
	var ev struct {
		Event
		Data OrderEvent `json:"data"`
	}
	if err := json.Unmarshal(d.body, &ev); err != nil {
		t.Fatal(err)
	}
	if ev.ID != refunded.EventID || ev.Type != EventOrderRefunded || ev.Data.Order.Refunded != 2_500 ||
		len(ev.Data.Refunds) != 1 || ev.Data.Refunds[0].AmountMinor != 2_500 || ev.Data.Order.Attribution.Outcome != OutcomeAttributed {
		t.Fatalf("event = %+v", ev)
	}
	if d.header.Get("X-Warna-Event") != EventOrderRefunded || d.header.Get("X-Warna-Delivery") == "" {
		t.Errorf("headers = %v", d.header)
	}
	if got, _, _ := f.webhooks.Delivery(f.ctx, merchantID, refunded.ID); got.Status != DeliverySucceeded || got.Attempts != 1 || got.DeliveredAt == nil {
		t.Errorf("after a 200: %+v, want succeeded after 1 attempt", got)
	}

	// A failing receiver: retried with backoff, then failed after the last attempt.
	status = http.StatusServiceUnavailable
	if err := w.Work(f.ctx, deliveryJob(f.queue.jobs[0], 1)); err == nil {
		t.Error("a 503 answer counted as delivered; the job would not be retried")
	}
	<-got
	cd, attempts, err := f.webhooks.Delivery(f.ctx, merchantID, created.ID)
	if err != nil {
		t.Fatal(err)
	}
	if cd.Status != DeliveryRetrying || cd.LastStatusCode != 503 || cd.NextAttemptAt == nil ||
		!cd.NextAttemptAt.Equal(cd.LastAttemptAt.Add(RetryDelays[0])) || len(attempts) != 1 || attempts[0].StatusCode != 503 {
		t.Errorf("after a 503: %+v, attempts %+v; want retrying in %v", cd, attempts, RetryDelays[0])
	}
	if err := w.Work(f.ctx, deliveryJob(f.queue.jobs[0], MaxDeliveryAttempts)); err == nil {
		t.Error("the last attempt's 503 counted as delivered")
	}
	<-got
	if cd, _, _ = f.webhooks.Delivery(f.ctx, merchantID, created.ID); cd.Status != DeliveryFailed || cd.NextAttemptAt != nil || cd.Attempts != 2 {
		t.Errorf("after the last attempt: %+v, want failed with no retry", cd)
	}

	// Replay: the same event, queued again, delivered.
	if _, err := f.webhooks.Replay(f.ctx, merchantID+1, created.ID); !fault.Is(err, fault.NotFound) {
		t.Errorf("another merchant replaying: %v, want not found", err)
	}
	if _, err := f.webhooks.Replay(f.ctx, merchantID, created.ID); err != nil {
		t.Fatal(err)
	}
	if len(f.queue.jobs) != 3 || f.queue.jobs[2].DeliveryID != created.ID {
		t.Fatalf("replay queued %+v", f.queue.jobs)
	}
	status = http.StatusNoContent
	if err := w.Work(f.ctx, deliveryJob(f.queue.jobs[2], 1)); err != nil {
		t.Fatal(err)
	}
	again := <-got
	var replayed Event
	if err := json.Unmarshal(again.body, &replayed); err != nil || replayed.ID != created.EventID {
		t.Errorf("replayed event id %q (%v), want the original %q", replayed.ID, err, created.EventID)
	}
	if cd, _, _ = f.webhooks.Delivery(f.ctx, merchantID, created.ID); cd.Status != DeliverySucceeded || cd.Attempts != 3 {
		t.Errorf("after the replay: %+v, want succeeded after 3 attempts", cd)
	}

	if err := NewDeliveryWorker(f.webhooks, false).Work(f.ctx, deliveryJob(f.queue.jobs[0], 1)); !isRefused(err) {
		t.Errorf("delivery to loopback without allowPrivate: err = %v, want refused", err)
	}
	if err := f.webhooks.RemoveWebhook(f.ctx, merchantID); err != nil {
		t.Fatal(err)
	}
	if err := w.Work(f.ctx, deliveryJob(f.queue.jobs[0], 1)); err != nil {
		t.Errorf("delivery after the webhook was removed: %v, want it dropped", err)
	}
	if cd, _, _ = f.webhooks.Delivery(f.ctx, merchantID, created.ID); cd.Status != DeliveryFailed || cd.LastError != "the webhook was removed" {
		t.Errorf("after removing the webhook: %+v", cd)
	}
	if _, err := f.webhooks.Replay(f.ctx, merchantID, created.ID); !fault.Is(err, fault.Conflict) {
		t.Errorf("replay without a webhook: %v, want conflict", err)
	}
}

func TestRetryDelaysGrowAndCap(t *testing.T) {
	var prev time.Duration
	for attempt := 1; attempt < MaxDeliveryAttempts; attempt++ {
		d := retryDelay(attempt)
		if d <= prev {
			t.Errorf("delay after attempt %d = %v, not longer than %v", attempt, d, prev)
		}
		prev = d
	}
	if got := retryDelay(MaxDeliveryAttempts + 3); got != RetryDelays[len(RetryDelays)-1] {
		t.Errorf("delay past the schedule = %v, want the last one", got)
	}
}

func TestDeliveryLogPagesByCursor(t *testing.T) {
	f := newFixture(t)
	if _, err := f.webhooks.SetWebhook(f.ctx, merchantID, "https://shop.example/hooks"); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		in := ConversionInput{OrderID: "P-" + string(rune('a'+i)), Lines: []ConversionLine{{Title: "x", UnitPriceMinor: 100, Quantity: 1}}}
		if _, _, err := f.svc.RecordConversion(f.ctx, merchantID, in); err != nil {
			t.Fatal(err)
		}
	}
	var seen []int64
	var before int64
	for range 5 {
		page, err := f.webhooks.Deliveries(f.ctx, merchantID, DeliveryFilter{Before: before, PerPage: 2})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range page.Items {
			seen = append(seen, d.ID)
		}
		if !page.More {
			break
		}
		before = page.Items[len(page.Items)-1].ID
	}
	if len(seen) != 5 {
		t.Fatalf("walked %v, want 5 deliveries", seen)
	}
	for i := 1; i < len(seen); i++ {
		if seen[i] >= seen[i-1] {
			t.Errorf("deliveries not newest first: %v", seen)
		}
	}
	if _, err := f.webhooks.Deliveries(f.ctx, merchantID, DeliveryFilter{PerPage: 101}); !fault.Is(err, fault.Invalid) {
		t.Errorf("per_page 101: %v, want invalid", err)
	}
}

func TestLegacyWebhookJobBecomesALoggedDelivery(t *testing.T) {
	f := newFixture(t)
	if _, err := f.webhooks.SetWebhook(f.ctx, merchantID, "https://shop.example/hooks"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.webhooks.Replay(f.ctx, merchantID, 1); !fault.Is(err, fault.NotFound) {
		t.Errorf("replaying a delivery that does not exist: %v", err)
	}
	o, _, err := f.svc.RecordConversion(f.ctx, merchantID, ConversionInput{OrderID: "L-1", Lines: []ConversionLine{{Title: "x", UnitPriceMinor: 100, Quantity: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	legacy := &LegacyWebhookWorker{Webhooks: f.webhooks}
	if err := legacy.Work(f.ctx, &river.Job[WebhookArgs]{Args: WebhookArgs{ShopID: f.shop.ID, Event: EventOrderCreated, OrderID: o.ID}}); err != nil {
		t.Fatal(err)
	}
	log, err := f.webhooks.Deliveries(f.ctx, merchantID, DeliveryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(log.Items) != 2 || len(f.queue.jobs) != 2 || log.Items[0].EventType != EventOrderCreated {
		t.Errorf("log %+v, jobs %+v; want the legacy job's event logged and queued", log.Items, f.queue.jobs)
	}
}

func isRefused(err error) bool {
	_, ok := outbound.Refused(err)
	return ok
}

// publicResolver resolves the test's names: one public, one private.
type publicResolver struct{}

func (publicResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	switch host {
	case "hooks.shop.example":
		return []netip.Addr{netip.MustParseAddr("93.184.215.14")}, nil
	case "erp.internal.example":
		return []netip.Addr{netip.MustParseAddr("10.1.2.3")}, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

// TestWebhookURLCheckedWhenSaved: a webhook pointing at this machine or a
// private network is refused when the merchant saves it, with the reason,
// instead of failing at every delivery.
func TestWebhookURLCheckedWhenSaved(t *testing.T) {
	f := newFixture(t)
	hooks := NewWebhooks(f.db, f.queue, WebhookOptions{Resolver: publicResolver{}})
	if _, err := hooks.SetWebhook(f.ctx, merchantID, "https://hooks.shop.example/warna"); err != nil {
		t.Fatalf("a public host: %v", err)
	}
	refused := map[string]string{
		"http://127.0.0.1:8080/hook":                  "127.0.0.1 is a loopback address",
		"http://localhost/hook":                       "",
		"http://[::1]/hook":                           "::1 is a loopback address",
		"http://169.254.169.254/latest/meta-data":     "169.254.169.254 is a link-local address",
		"http://100.64.10.1/hook":                     "carrier-grade NAT",
		"http://192.168.1.20/hook":                    "private address",
		"https://erp.internal.example/hook":           "erp.internal.example is at 10.1.2.3, a private address",
		"https://no-such-host.example/hook":           "no-such-host.example was not found",
		"http://[::ffff:127.0.0.1]/hook":              "loopback",
		"http://0x7f000001/hook":                      "",
		"http://2130706433/hook":                      "",
		"https://hooks.shop.example:99999/warna":      "",
		"https://hooks.shop.example/warna\nX-Evil: 1": "",
	}
	for raw, want := range refused {
		_, err := hooks.SetWebhook(f.ctx, merchantID, raw)
		if !fault.Is(err, fault.Invalid) || fault.FieldOf(err) != "url" || !strings.Contains(fault.MessageOf(err), want) {
			t.Errorf("SetWebhook(%q) = %v, want refused on the url field with %q", raw, err, want)
		}
	}
	if w, _, err := hooks.WebhookOf(f.ctx, merchantID); err != nil || w.URL != "https://hooks.shop.example/warna" {
		t.Errorf("stored webhook = %q (%v), want the public one kept", w.URL, err)
	}
	// A single machine that serves its own webhooks may allow private addresses.
	allowing := NewWebhooks(f.db, f.queue, WebhookOptions{Resolver: publicResolver{}, AllowPrivateURLs: true})
	if _, err := allowing.SetWebhook(f.ctx, merchantID, "http://127.0.0.1:8080/hook"); err != nil {
		t.Errorf("loopback with AllowPrivateURLs: %v", err)
	}
}
