package api

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/warna/warna/fault"
	"github.com/warna/warna/orders"
	"github.com/warna/warna/web/auth"
	"github.com/warna/warna/web/request"
)

func (a *webhooksAPI) webhookRoutes(api *echo.Group) {
	hook := api.Group("/webhook", auth.RequireRole(auth.RoleMerchant))
	hook.GET("", a.apiGetWebhook)
	hook.PUT("", a.apiSetWebhook)
	hook.DELETE("", a.apiRemoveWebhook)
	hook.GET("/deliveries", a.apiDeliveries)
	hook.GET("/deliveries/:id", a.apiDelivery)
	hook.POST("/deliveries/:id/replay", a.apiReplayDelivery, merchantRateLimit(2, 20), a.idempotent)
}

type webhookRequest struct {
	URL string `json:"url"`
}

// Webhook is the shop's webhook; Secret only in the answer that made it.
type Webhook struct {
	URL       string `json:"url"`
	Secret    string `json:"secret,omitempty"`
	Signature string `json:"signature"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
}

const signatureScheme = `X-Warna-Signature: t=UNIX,v1=hex(HMAC-SHA256(secret, UNIX + "." + body))`

func webhookOut(w orders.Webhook, withSecret bool) Webhook {
	out := Webhook{URL: w.URL, Signature: signatureScheme, CreatedAt: timestamp(w.CreatedAt), UpdatedAt: timestamp(w.UpdatedAt)}
	if withSecret {
		out.Secret = w.Secret
	}
	return out
}

// apiSetWebhook sets the shop's webhook URL and returns a new signing
// secret, shown only here.
func (a *webhooksAPI) apiSetWebhook(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	var in webhookRequest
	if err := request.JSON(c, &in); err != nil {
		return err
	}
	hook, err := a.deps.Webhooks.SetWebhook(c.Request().Context(), user.ID, in.URL)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, webhookOut(hook, true))
}

func (a *webhooksAPI) apiGetWebhook(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	hook, found, err := a.deps.Webhooks.WebhookOf(c.Request().Context(), user.ID)
	if err != nil {
		return err
	}
	if !found {
		return fault.NotFoundf("no webhook is set; PUT /api/v1/webhook with {\"url\": \"https://…\"} to set one")
	}
	return c.JSON(http.StatusOK, webhookOut(hook, false))
}

func (a *webhooksAPI) apiRemoveWebhook(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	if err := a.deps.Webhooks.RemoveWebhook(c.Request().Context(), user.ID); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// Delivery is one event sent (or being sent) to the webhook.
type Delivery struct {
	ID             int64           `json:"id"`
	EventID        string          `json:"event_id"`
	EventType      string          `json:"event_type"`
	Status         string          `json:"status"`
	Attempts       int             `json:"attempts"`
	LastStatusCode *int            `json:"last_status_code,omitempty"`
	LastError      string          `json:"last_error,omitempty"`
	LastAttemptAt  string          `json:"last_attempt_at,omitempty"`
	NextAttemptAt  string          `json:"next_attempt_at,omitempty"`
	DeliveredAt    string          `json:"delivered_at,omitempty"`
	CreatedAt      string          `json:"created_at"`
	Payload        json.RawMessage `json:"payload,omitempty"`
	AttemptLog     []Attempt       `json:"attempt_log,omitempty"`
}

// Attempt is one try at sending a delivery.
type Attempt struct {
	At         string `json:"at"`
	URL        string `json:"url"`
	StatusCode *int   `json:"status_code,omitempty"`
	Error      string `json:"error,omitempty"`
	DurationMs int64  `json:"duration_ms"`
}

func deliveryOut(d orders.Delivery) Delivery {
	out := Delivery{ID: d.ID, EventID: d.EventID, EventType: d.EventType, Status: d.Status, Attempts: d.Attempts,
		LastError: d.LastError, CreatedAt: timestamp(d.CreatedAt)}
	if d.LastStatusCode != 0 {
		out.LastStatusCode = &d.LastStatusCode
	}
	for _, t := range []struct {
		at  *time.Time
		out *string
	}{{d.LastAttemptAt, &out.LastAttemptAt}, {d.NextAttemptAt, &out.NextAttemptAt}, {d.DeliveredAt, &out.DeliveredAt}} {
		if t.at != nil {
			*t.out = timestamp(*t.at)
		}
	}
	return out
}

// DeliveryList is one page of the delivery log, newest first.
type DeliveryList struct {
	Items      []Delivery `json:"items"`
	Page       int        `json:"page"`
	PerPage    int        `json:"per_page"`
	NextCursor string     `json:"next_cursor,omitempty"`
	Next       string     `json:"next,omitempty"`
}

func (a *webhooksAPI) apiDeliveries(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	perPage, err := perPageParam(c)
	if err != nil {
		return err
	}
	before, err := cursorParam(c)
	if err != nil {
		return err
	}
	page, err := a.deps.Webhooks.Deliveries(c.Request().Context(), user.ID, orders.DeliveryFilter{Before: before, Page: request.Page(c), PerPage: perPage})
	if err != nil {
		return err
	}
	out := DeliveryList{Items: make([]Delivery, 0, len(page.Items)), Page: page.Page, PerPage: page.PerPage}
	if before > 0 {
		out.Page = 0
	}
	for _, d := range page.Items {
		out.Items = append(out.Items, deliveryOut(d))
	}
	if n := len(page.Items); n > 0 {
		out.NextCursor, out.Next = a.cursorNext(c, page.Items[n-1].ID, page.More)
	}
	return c.JSON(http.StatusOK, out)
}

// apiDelivery is one delivery with its payload and its attempts.
func (a *webhooksAPI) apiDelivery(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	id, err := request.ID(c, "id", "no such delivery")
	if err != nil {
		return err
	}
	d, attempts, err := a.deps.Webhooks.Delivery(c.Request().Context(), user.ID, id)
	if err != nil {
		return err
	}
	out := deliveryOut(d)
	out.Payload = d.Payload
	out.AttemptLog = []Attempt{}
	for _, at := range attempts {
		entry := Attempt{At: timestamp(at.At), URL: at.URL, Error: at.Error, DurationMs: at.DurationMs}
		if at.StatusCode != 0 {
			entry.StatusCode = &at.StatusCode
		}
		out.AttemptLog = append(out.AttemptLog, entry)
	}
	return c.JSON(http.StatusOK, out)
}

// apiReplayDelivery sends a delivery again: the same event, signed anew.
func (a *webhooksAPI) apiReplayDelivery(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	id, err := request.ID(c, "id", "no such delivery")
	if err != nil {
		return err
	}
	d, err := a.deps.Webhooks.Replay(c.Request().Context(), user.ID, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, deliveryOut(d))
}
