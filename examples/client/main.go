// Command client is a small example of a Warna API client, written with the
// Go standard library only. Against a Warna server and a merchant's API key
// it:
//
//  1. opens a webhook receiver and points the shop's webhook at it,
//  2. creates a product and uploads its photo,
//  3. records a sale made elsewhere, with an Idempotency-Key, and sends the
//     same request again to show that a retry is answered, not repeated,
//  4. waits for the order.created event and verifies its signature.
//
// Run it as
//
//	go run ./examples/client -url http://127.0.0.1:8080 -key wk_… -photo shirt.jpg
//
// (-listen must be an address the Warna server can reach; a server that
// refuses private addresses needs a public one.) Each step prints one line;
// any failure exits with status 1.
package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "client:", err)
		os.Exit(1)
	}
}

type config struct {
	baseURL, key, photo, listen, orderID string
	wait                                 time.Duration
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("client", flag.ContinueOnError)
	var cfg config
	fs.StringVar(&cfg.baseURL, "url", "http://127.0.0.1:8080", "the Warna server")
	fs.StringVar(&cfg.key, "key", os.Getenv("WARNA_API_KEY"), "a merchant's API key (or WARNA_API_KEY)")
	fs.StringVar(&cfg.photo, "photo", "", "a JPEG, PNG, WebP or GIF photo of the product")
	fs.StringVar(&cfg.listen, "listen", "127.0.0.1:0", "where to receive webhook events")
	fs.StringVar(&cfg.orderID, "order-id", "", "your order number for the sale (default: a new one)")
	fs.DurationVar(&cfg.wait, "wait", 30*time.Second, "how long to wait for the webhook event")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if cfg.key == "" || cfg.photo == "" {
		return errors.New("give -key and -photo")
	}
	if cfg.orderID == "" {
		cfg.orderID = "EX-" + strconv.FormatInt(time.Now().Unix(), 10)
	}
	c := &client{base: strings.TrimRight(cfg.baseURL, "/"), key: cfg.key, http: &http.Client{Timeout: 30 * time.Second}}

	// 1. A receiver for the shop's events, and the webhook pointing at it.
	l, err := net.Listen("tcp", cfg.listen)
	if err != nil {
		return err
	}
	events := make(chan event, 8)
	recv := &receiver{events: events}
	srv := &http.Server{Handler: recv, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(l) }()
	// Shut down gracefully: the delivery that told us of the event still
	// has its 204 to send, and Warna would retry a delivery cut short.
	defer func() {
		stop, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(stop)
	}()
	var hook struct{ Secret string }
	if _, err := c.do(ctx, http.MethodPut, "/api/v1/webhook", "", jsonBody(map[string]string{"url": "http://" + l.Addr().String() + "/warna-events"}), &hook); err != nil {
		return fmt.Errorf("set the webhook: %w", err)
	}
	recv.setSecret(hook.Secret)
	fmt.Fprintf(out, "webhook: listening on %s\n", l.Addr())

	// 2. The product and its photo, each safe to retry with its key.
	var product struct {
		ID  int64  `json:"id"`
		URL string `json:"url"`
	}
	name := strings.TrimSuffix(filepath.Base(cfg.photo), filepath.Ext(cfg.photo))
	newProduct := map[string]any{"title": "Example " + name, "category": "tops", "price_minor": 19900, "stock": 10, "status": "active"}
	if _, err := c.do(ctx, http.MethodPost, "/api/v1/products", newKey(), jsonBody(newProduct), &product); err != nil {
		return fmt.Errorf("create the product: %w", err)
	}
	fmt.Fprintf(out, "product: %d created\n", product.ID)
	upload, err := photoBody(cfg.photo)
	if err != nil {
		return err
	}
	var photos struct {
		Images []struct {
			ID     int64  `json:"id"`
			Status string `json:"status"`
		} `json:"images"`
	}
	if _, err := c.do(ctx, http.MethodPost, fmt.Sprintf("/api/v1/products/%d/images", product.ID), newKey(), upload, &photos); err != nil {
		return fmt.Errorf("upload the photo: %w", err)
	}
	if len(photos.Images) != 1 {
		return fmt.Errorf("upload the photo: %d images in the answer", len(photos.Images))
	}
	fmt.Fprintf(out, "photo: %d uploaded (%s)\n", photos.Images[0].ID, photos.Images[0].Status)

	// 3. A sale made elsewhere. A retry after a timeout must send the same
	// key: Warna answers it with the stored answer instead of a new order.
	sale := map[string]any{"order_id": cfg.orderID, "lines": []map[string]any{{"product_id": product.ID, "unit_price_minor": 19900, "quantity": 1}}}
	key := newKey()
	var order struct {
		ID int64 `json:"id"`
	}
	first, err := c.do(ctx, http.MethodPost, "/api/v1/conversions", key, jsonBody(sale), &order)
	if err != nil {
		return fmt.Errorf("record the sale: %w", err)
	}
	fmt.Fprintf(out, "sale: %s recorded as order %d (%d)\n", cfg.orderID, order.ID, first.StatusCode)
	var again struct {
		ID int64 `json:"id"`
	}
	retry, err := c.do(ctx, http.MethodPost, "/api/v1/conversions", key, jsonBody(sale), &again)
	if err != nil {
		return fmt.Errorf("retry the sale: %w", err)
	}
	if again.ID != order.ID {
		return fmt.Errorf("the retry made order %d, not %d", again.ID, order.ID)
	}
	fmt.Fprintf(out, "retry: order %d, replayed %s\n", again.ID, retry.Header.Get("Idempotent-Replayed"))

	// 4. The order.created event, signature checked by the receiver.
	timer := time.NewTimer(cfg.wait)
	defer timer.Stop()
	for {
		select {
		case ev := <-events:
			if ev.err != nil {
				return fmt.Errorf("webhook: %w", ev.err)
			}
			if ev.Type == "order.created" && ev.Data.Order.ID == order.ID {
				fmt.Fprintf(out, "webhook: %s %s for order %d, signature verified\n", ev.Type, ev.ID, ev.Data.Order.ID)
				return nil
			}
		case <-timer.C:
			return fmt.Errorf("no order.created event for order %d within %s", order.ID, cfg.wait)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// client calls the API with the key.
type client struct {
	base, key string
	http      *http.Client
}

type body struct {
	contentType string
	data        []byte
}

func jsonBody(v any) body {
	data, _ := json.Marshal(v)
	return body{"application/json", data}
}

// do sends a request (with an Idempotency-Key when idem is set) and decodes
// a 2xx answer into out; any other answer is an error with Warna's message.
func (c *client) do(ctx context.Context, method, path, idem string, b body, out any) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(b.data))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.key)
	req.Header.Set("Content-Type", b.contentType)
	req.Header.Set("Accept", "application/json")
	if idem != "" {
		req.Header.Set("Idempotency-Key", idem)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, 10<<20))
	if err != nil {
		return nil, err
	}
	if res.StatusCode < 200 || res.StatusCode > 299 {
		var e struct {
			Error struct{ Code, Message, Field string } `json:"error"`
		}
		if json.Unmarshal(raw, &e) == nil && e.Error.Message != "" {
			return res, fmt.Errorf("%s %s: %d %s: %s", method, path, res.StatusCode, e.Error.Code, e.Error.Message)
		}
		return res, fmt.Errorf("%s %s: %s", method, path, res.Status)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return res, fmt.Errorf("%s %s: %w", method, path, err)
		}
	}
	return res, nil
}

// photoBody is a multipart body with the file in the field "file".
func photoBody(path string) (body, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return body{}, err
	}
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	part, err := w.CreateFormFile("file", filepath.Base(path))
	if err == nil {
		_, err = part.Write(data)
	}
	if err == nil {
		err = w.Close()
	}
	return body{w.FormDataContentType(), buf.Bytes()}, err
}

// newKey is a random UUID (version 4) for an Idempotency-Key.
func newKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// event is a webhook delivery's body, or why it was refused.
type event struct {
	ID   string `json:"id"`
	Type string `json:"type"`
	Data struct {
		Order struct {
			ID int64 `json:"id"`
		} `json:"order"`
	} `json:"data"`
	err error
}

// receiver answers Warna's deliveries: 204 for a delivery whose signature
// verifies, 400 otherwise (Warna will retry it).
type receiver struct {
	events chan<- event
	mu     sync.Mutex
	secret string
}

func (r *receiver) setSecret(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.secret = s
}

// tell passes an event on, dropping it when nobody is listening any more.
func (r *receiver) tell(ev event) {
	select {
	case r.events <- ev:
	default:
	}
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	raw, err := io.ReadAll(io.LimitReader(req.Body, 1<<20))
	if err != nil {
		http.Error(w, "unreadable body", http.StatusBadRequest)
		return
	}
	r.mu.Lock()
	secret := r.secret
	r.mu.Unlock()
	if err := Verify(secret, req.Header.Get("X-Warna-Signature"), raw, time.Now()); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		r.tell(event{err: err})
		return
	}
	var ev event
	if err := json.Unmarshal(raw, &ev); err != nil {
		http.Error(w, "not an event", http.StatusBadRequest)
		return
	}
	w.WriteHeader(http.StatusNoContent)
	r.tell(ev)
}

// Verify checks a Warna webhook delivery: the X-Warna-Signature header
// "t=UNIX,v1=HEX" must carry HEX = hex(HMAC-SHA256(secret, UNIX + "." +
// body)) and a timestamp within 5 minutes of now (a replayed old request is
// refused).
func Verify(secret, header string, body []byte, now time.Time) error {
	var ts, sig string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(part, "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sig = v
		}
	}
	unix, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || sig == "" {
		return errors.New("malformed X-Warna-Signature")
	}
	if d := now.Sub(time.Unix(unix, 0)); d > 5*time.Minute || d < -5*time.Minute {
		return errors.New("the signature's timestamp is more than 5 minutes from now")
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "."))
	mac.Write(body)
	if !hmac.Equal([]byte(hex.EncodeToString(mac.Sum(nil))), []byte(sig)) {
		return errors.New("the signature does not match")
	}
	return nil
}
