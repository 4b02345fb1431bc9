package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/warna/warna/fault"
	"github.com/warna/warna/idempotency"
	"github.com/warna/warna/web/auth"
)

// keyStore is what the Idempotency-Key middleware needs of the store.
type keyStore interface {
	Begin(ctx context.Context, scope, key, fingerprint string) (idempotency.Claim, error)
	Complete(ctx context.Context, c idempotency.Claim, r idempotency.Response) error
	Release(ctx context.Context, c idempotency.Claim) error
}

var _ keyStore = (*idempotency.Store)(nil)

// replayedHeader marks an answer that was stored for an earlier request
// with the same Idempotency-Key.
const replayedHeader = "Idempotent-Replayed"

// idempotent makes a call that creates something safe to retry: with an
// Idempotency-Key header, the first request runs and its answer (success or
// 4xx) is kept for 24 hours per merchant account; the same key with the same
// request gets that answer again, marked Idempotent-Replayed: true, and the
// same key with another request is refused with 409. Answers of 5xx are not
// kept, so a retry runs again. Without the header the call runs as usual.
func (a *common) idempotent(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		key := c.Request().Header.Get(idempotency.Header)
		if key == "" {
			return next(c)
		}
		if a.deps.Idempotency == nil {
			return fault.Unavailablef(nil, "Idempotency-Key is not available on this server; send the request without it")
		}
		if err := idempotency.ValidKey(key); err != nil {
			return err
		}
		req := c.Request()
		body, err := io.ReadAll(req.Body)
		if err != nil {
			return fault.Invalidf("the request body could not be read; send it again")
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		user, _ := auth.CurrentUser(c)
		ctx := req.Context()
		claim, err := a.deps.Idempotency.Begin(ctx, "account:"+strconv.FormatInt(user.ID, 10), key, fingerprint(req, body))
		if errors.Is(err, idempotency.ErrInProgress) {
			c.Response().Header().Set("Retry-After", "1")
		}
		if err != nil {
			return err
		}
		if r := claim.Replay; r != nil {
			h := c.Response().Header()
			for k, vs := range r.Header {
				h[k] = vs
			}
			h.Set(replayedHeader, "true")
			c.Response().WriteHeader(r.Status)
			_, err := c.Response().Write(r.Body)
			return err
		}
		rec := &recorder{ResponseWriter: c.Response().Writer}
		c.Response().Writer = rec
		if err := next(c); err != nil {
			c.Error(err) // render the error now, so its answer is the one kept
		}
		c.Response().Writer = rec.ResponseWriter
		// The answer is already sent; what is left is bookkeeping, which the
		// client must not lose to a cancelled request context.
		ctx = context.WithoutCancel(ctx)
		if rec.status >= 500 || rec.status == 0 {
			return a.deps.Idempotency.Release(ctx, claim)
		}
		kept := http.Header{}
		for _, k := range []string{echo.HeaderContentType, echo.HeaderLocation} {
			if v := rec.Header().Get(k); v != "" {
				kept.Set(k, v)
			}
		}
		return a.deps.Idempotency.Complete(ctx, claim, idempotency.Response{Status: rec.status, Header: kept, Body: rec.body.Bytes()})
	}
}

// recorder passes an answer through and keeps a copy.
type recorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	r.body.Write(b)
	return r.ResponseWriter.Write(b)
}

// fingerprint identifies a request by method, address and body. A JSON body
// counts by its content (the same object with its keys in another order or
// other spacing is the same request); a multipart body by its parts, since
// every client picks a new boundary for each attempt.
func fingerprint(req *http.Request, body []byte) string {
	h := sha256.New()
	io.WriteString(h, req.Method+" "+req.URL.Path+"?"+req.URL.RawQuery+"\n")
	mediaType, params, _ := mime.ParseMediaType(req.Header.Get(echo.HeaderContentType))
	switch {
	case mediaType == echo.MIMEApplicationJSON:
		var v any
		if err := json.Unmarshal(body, &v); err == nil {
			canonical, _ := json.Marshal(v) // maps marshal with sorted keys
			h.Write(canonical)
			break
		}
		h.Write(body)
	case strings.HasPrefix(mediaType, "multipart/") && params["boundary"] != "":
		if !hashParts(h, body, params["boundary"]) {
			h.Write(body)
		}
	default:
		h.Write(body)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func hashParts(h io.Writer, body []byte, boundary string) bool {
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return true
		}
		if err != nil {
			return false
		}
		io.WriteString(h, "\x00"+part.FormName()+"\x00"+part.FileName()+"\x00")
		if _, err := io.Copy(h, part); err != nil {
			return false
		}
	}
}
