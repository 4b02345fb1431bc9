package orders

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/riverqueue/river"

	"github.com/warna/warna/outbound"
)

func TestWebhooksSignedAndEnqueuedWithTheChange(t *testing.T) {
	f := newFixture(t)
	type delivery struct {
		sig  string
		body []byte
	}
	got := make(chan delivery, 4)
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest) // the delivery fails and the test says so
			return
		}
		got <- delivery{r.Header.Get("X-Warna-Signature"), body}
		w.WriteHeader(status)
	}))
	defer srv.Close()
	q := f.queue
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
	if len(q.jobs) != 2 || q.jobs[0].Event != EventOrderCreated || q.jobs[1].Event != EventOrderRefunded {
		t.Fatalf("jobs = %+v, want order.created then order.refunded", q.jobs)
	}

	w := NewWebhookWorker(f.webhooks, true)
	if err := w.Work(f.ctx, &river.Job[WebhookArgs]{Args: q.jobs[1]}); err != nil {
		t.Fatal(err)
	}
	d := <-got
	ts, sig, ok := strings.Cut(strings.TrimPrefix(d.sig, "t="), ",v1=")
	if !ok || sig != WebhookSignature(hook.Secret, ts, d.body) {
		t.Fatalf("signature %q does not verify", d.sig)
	}
	var p WebhookPayload
	if err := json.Unmarshal(d.body, &p); err != nil || p.Event != EventOrderRefunded || p.RefundedMinor != 2_500 || p.Attribution != OutcomeAttributed {
		t.Fatalf("payload = %+v, %v", p, err)
	}
	status = http.StatusServiceUnavailable
	if err := w.Work(f.ctx, &river.Job[WebhookArgs]{Args: q.jobs[0]}); err == nil {
		t.Error("a 503 answer counted as delivered; the job would not be retried")
	}
	<-got
	if err := NewWebhookWorker(f.webhooks, false).Work(f.ctx, &river.Job[WebhookArgs]{Args: q.jobs[0]}); !isRefused(err) {
		t.Errorf("delivery to loopback without allowPrivate: err = %v, want refused", err)
	}
}

func isRefused(err error) bool {
	_, ok := outbound.Refused(err)
	return ok
}
