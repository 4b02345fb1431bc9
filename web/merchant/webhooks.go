package merchant

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/warna/warna/orders"
	"github.com/warna/warna/web/auth"
	"github.com/warna/warna/web/request"
	"github.com/warna/warna/web/site"
)

// DeliveryRoutes are the merchant's delivery log pages: what was sent to
// the webhook, each attempt, and a button to send a delivery again.
func (s *Developer) DeliveryRoutes(merchant *echo.Group) {
	merchant.GET("/webhook/deliveries", s.webhookDeliveries)
	merchant.GET("/webhook/deliveries/:id", s.webhookDelivery)
	merchant.POST("/webhook/deliveries/:id/replay", s.replayWebhookDelivery)
}

type deliveriesPage struct {
	Deliveries []orders.Delivery
	Webhook    *orders.Webhook
	Older      int64 // cursor of the next (older) page, 0 when none
}

func (s *Developer) webhookDeliveries(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	ctx := c.Request().Context()
	before, _ := strconv.ParseInt(c.QueryParam("before"), 10, 64)
	page, err := s.deps.Webhooks.Deliveries(ctx, user.ID, orders.DeliveryFilter{Before: max(before, 0), PerPage: 50})
	if err != nil {
		return err
	}
	zone := s.shopZone(ctx, user.ID)
	for i := range page.Items {
		deliveryInZone(&page.Items[i], zone)
	}
	data := deliveriesPage{Deliveries: page.Items}
	if page.More {
		data.Older = page.Items[len(page.Items)-1].ID
	}
	if hook, found, err := s.deps.Webhooks.WebhookOf(ctx, user.ID); err != nil {
		return err
	} else if found {
		data.Webhook = &hook
	}
	return s.deps.Views.Render(c, http.StatusOK, "webhook-deliveries", site.Page{Title: site.T(c, "Webhook deliveries"), Data: data})
}

type deliveryPage struct {
	Delivery orders.Delivery
	Attempts []orders.DeliveryAttempt
	Payload  string
}

func (s *Developer) webhookDelivery(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	id, err := request.ID(c, "id", "no such delivery")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	d, attempts, err := s.deps.Webhooks.Delivery(ctx, user.ID, id)
	if err != nil {
		return err
	}
	zone := s.shopZone(ctx, user.ID)
	deliveryInZone(&d, zone)
	for i := range attempts {
		attempts[i].At = attempts[i].At.In(zone)
	}
	return s.deps.Views.Render(c, http.StatusOK, "webhook-delivery", site.Page{Title: site.T(c, "Delivery %s", d.EventID),
		Data: deliveryPage{Delivery: d, Attempts: attempts, Payload: string(d.Payload)}})
}

func (s *Developer) replayWebhookDelivery(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	id := request.PathID(c, "id")
	d, err := s.deps.Webhooks.Replay(c.Request().Context(), user.ID, id)
	if err != nil {
		return err
	}
	site.SetFlash(c, site.T(c, "Event %s will be sent again in a moment.", d.EventID))
	return c.Redirect(http.StatusSeeOther, "/merchant/webhook/deliveries/"+strconv.FormatInt(d.ID, 10))
}

// deliveryInZone puts a delivery's times in the shop's zone, which the
// pages name.
func deliveryInZone(d *orders.Delivery, zone *time.Location) {
	d.CreatedAt = d.CreatedAt.In(zone)
	for _, t := range []**time.Time{&d.LastAttemptAt, &d.NextAttemptAt, &d.DeliveredAt} {
		if *t != nil {
			in := (*t).In(zone)
			*t = &in
		}
	}
}
