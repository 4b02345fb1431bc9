package web

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/warna/warna/web/site"
)

func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// readyz reports each dependency as "ok" or "unavailable"; any failure
// makes the instance unready. The error itself (a driver's names the
// database user, host and address) goes to the log, not to the caller.
func (s *Server) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 3*time.Second)
	defer cancel()
	checks := map[string]string{}
	status := http.StatusOK
	for _, rc := range s.deps.Ready {
		if err := rc.Check(ctx); err != nil {
			s.logger.Warn("readiness check failed", "check", rc.Name, "err", err)
			checks[rc.Name] = "unavailable"
			status = http.StatusServiceUnavailable
			continue
		}
		checks[rc.Name] = "ok"
	}
	overall := "ok"
	if status != http.StatusOK {
		overall = "unavailable"
	}
	return c.JSON(status, map[string]any{"status": overall, "checks": checks, "instance": s.cfg.InstanceID})
}

func (s *Server) version(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"version": s.cfg.Version, "commit": s.cfg.Commit})
}

// MetricsHandler serves the Prometheus metrics, asking for the bearer token
// when Config.MetricsToken is set. The site serves it at /metrics unless
// Config.MetricsElsewhere; app then serves it on METRICS_ADDR.
func (s *Server) MetricsHandler() http.Handler {
	metrics := promhttp.HandlerFor(s.deps.Registry, promhttp.HandlerOpts{})
	if s.cfg.MetricsToken == "" {
		return metrics
	}
	want := sha256.Sum256([]byte(s.cfg.MetricsToken))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		got := sha256.Sum256([]byte(token))
		if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			http.Error(w, "metrics need the token set in METRICS_TOKEN: Authorization: Bearer TOKEN", http.StatusUnauthorized)
			return
		}
		metrics.ServeHTTP(w, r)
	})
}

func (s *Server) static() echo.HandlerFunc {
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		panic(err) // the embedded directory is part of the binary
	}
	files := http.StripPrefix("/static/", http.FileServer(http.FS(sub)))
	return func(c echo.Context) error {
		c.Response().Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(c.Response(), c.Request())
		return nil
	}
}

// setLanguage is the language switcher's link (site.SetLanguage).
func (s *Server) setLanguage(c echo.Context) error { return site.SetLanguage(s.cfg.BaseURL)(c) }
