package web

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/warna/warna/fault"
	"github.com/warna/warna/web/auth"
)

func (s *Server) home(c echo.Context) error {
	return s.render(c, http.StatusOK, "home", Page{Title: "Shop by colour"})
}

type apiKeysPage struct {
	Keys   []auth.APIKey
	NewKey string
}

func (s *Server) apiKeys(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	keys, err := s.deps.Auth.ListAPIKeys(c.Request().Context(), user.ID)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "apikeys", Page{Title: "API keys", Data: apiKeysPage{Keys: keys}})
}

func (s *Server) createAPIKey(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	ctx := c.Request().Context()
	plain, _, err := s.deps.Auth.CreateAPIKey(ctx, user, c.FormValue("name"))
	if err != nil {
		return err
	}
	keys, err := s.deps.Auth.ListAPIKeys(ctx, user.ID)
	if err != nil {
		return err
	}
	// The key is shown on this response only; it is never stored in clear.
	return s.render(c, http.StatusCreated, "apikeys", Page{Title: "API keys", Data: apiKeysPage{Keys: keys, NewKey: plain}})
}

func (s *Server) revokeAPIKey(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return fault.NotFoundf("no such API key")
	}
	if err := s.deps.Auth.RevokeAPIKey(c.Request().Context(), user.ID, id); err != nil {
		return err
	}
	setFlash(c, "The API key is revoked.")
	return c.Redirect(http.StatusSeeOther, "/merchant/api-keys")
}

type meResponse struct {
	ID    int64  `json:"id"`
	Email string `json:"email"`
	Name  string `json:"name"`
	Role  string `json:"role"`
}

func (s *Server) apiMe(c echo.Context) error {
	user, _ := auth.CurrentUser(c)
	return c.JSON(http.StatusOK, meResponse{ID: user.ID, Email: user.Email, Name: user.Name, Role: string(user.Role)})
}
