package merchant

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/warna/warna/fault"
	"github.com/warna/warna/orders"
	"github.com/warna/warna/stats"
	"github.com/warna/warna/web/auth"
	"github.com/warna/warna/web/site"
)

type apiKeysPage struct {
	Keys   []auth.APIKey
	NewKey string
	// Webhooks is false when the affiliate service is absent (tests).
	Webhooks bool
	Webhook  *orders.Webhook
	// NewSecret is the signing secret of a webhook just set, shown once.
	NewSecret string
}

// developerPage loads what the API keys page shows besides a new key.
func (s *Developer) developerPage(c echo.Context) (apiKeysPage, error) {
	user, _ := auth.CurrentUser(c)
	ctx := c.Request().Context()
	keys, err := s.deps.Auth.ListAPIKeys(ctx, user.ID)
	if err != nil {
		return apiKeysPage{}, err
	}
	zone := s.shopZone(ctx, user.ID) // the page shows times in it and says which
	for i := range keys {
		keys[i].CreatedAt = keys[i].CreatedAt.In(zone)
		if at := keys[i].LastUsedAt; at != nil {
			t := at.In(zone)
			keys[i].LastUsedAt = &t
		}
	}
	page := apiKeysPage{Keys: keys, Webhooks: s.deps.Affiliates != nil}
	if page.Webhooks {
		hook, found, err := s.deps.Webhooks.WebhookOf(ctx, user.ID)
		if err != nil && !fault.Is(err, fault.NotFound) { // no shop yet: no webhook
			return apiKeysPage{}, err
		}
		if found {
			hook.UpdatedAt = hook.UpdatedAt.In(zone)
			page.Webhook = &hook
		}
	}
	return page, nil
}

// shopZone is the time zone of the merchant's shop (UTC when the shop or
// its zone cannot be read: the page names the zone either way).
func (s *Developer) shopZone(ctx context.Context, ownerID int64) *time.Location {
	if s.deps.Catalog == nil {
		return time.UTC
	}
	shop, err := s.deps.Catalog.Shops.ShopOf(ctx, ownerID)
	if err != nil {
		return time.UTC
	}
	return stats.LoadZone(shop.TimeZone)
}

// setWebhook saves the shop's webhook URL and shows its new signing secret
// once; a bad URL comes back with the reason.
func (s *Developer) setWebhook(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	hook, err := s.deps.Webhooks.SetWebhook(c.Request().Context(), user.ID, c.FormValue("url"))
	if err != nil {
		return site.FlashBack(c, err, "/merchant/api-keys#webhook")
	}
	page, err := s.developerPage(c)
	if err != nil {
		return err
	}
	page.NewSecret = hook.Secret
	return s.deps.Views.Render(c, http.StatusOK, "apikeys", site.Page{Title: site.T(c, "API keys"), Data: page})
}

func (s *Developer) removeWebhook(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	if err := s.deps.Webhooks.RemoveWebhook(c.Request().Context(), user.ID); err != nil {
		return site.FlashBack(c, err, "/merchant/api-keys#webhook")
	}
	site.SetFlash(c, site.T(c, "Webhook removed: no more order events will be sent."))
	return c.Redirect(http.StatusSeeOther, "/merchant/api-keys#webhook")
}

func (s *Developer) apiKeys(c echo.Context) error {
	page, err := s.developerPage(c)
	if err != nil {
		return err
	}
	return s.deps.Views.Render(c, http.StatusOK, "apikeys", site.Page{Title: site.T(c, "API keys"), Data: page})
}

func (s *Developer) createAPIKey(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	ctx := c.Request().Context()
	plain, _, err := s.deps.Auth.CreateAPIKey(ctx, user, c.FormValue("name"))
	if err != nil {
		return err
	}
	page, err := s.developerPage(c)
	if err != nil {
		return err
	}
	// The key is shown on this response only; it is never stored in clear.
	page.NewKey = plain
	return s.deps.Views.Render(c, http.StatusCreated, "apikeys", site.Page{Title: site.T(c, "API keys"), Data: page})
}

func (s *Developer) revokeAPIKey(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return fault.NotFoundf("no such API key")
	}
	if err := s.deps.Auth.RevokeAPIKey(c.Request().Context(), user.ID, id); err != nil {
		return err
	}
	site.SetFlash(c, site.T(c, "The API key is revoked."))
	return c.Redirect(http.StatusSeeOther, "/merchant/api-keys")
}
