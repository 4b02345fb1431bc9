// Package web is Warna's HTTP face: echo routes, server-rendered pages from
// embedded templates, the JSON API under /api/v1, and the one place where
// domain error kinds become HTTP status codes.
package web

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo-contrib/echoprometheus"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/warna/warna/affiliates"
	"github.com/warna/warna/catalog"
	"github.com/warna/warna/catalog/bulk"
	"github.com/warna/warna/orders"
	"github.com/warna/warna/search"
	"github.com/warna/warna/stats"
	"github.com/warna/warna/web/auth"
)

// ReadyCheck is one dependency that /readyz reports on.
type ReadyCheck struct {
	Name  string
	Check func(ctx context.Context) error
}

// Config is what the server needs from the application.
type Config struct {
	BaseURL        string
	TrustedProxies []*net.IPNet
	Version        string
	Commit         string
	// LoginRate is the sustained rate of log-in and sign-up attempts allowed
	// per client IP (burst LoginBurst); zero means 1 every 6 s, burst 10.
	LoginRate  float64
	LoginBurst int
	// ClickRate is the sustained rate of tracked-link clicks recorded per
	// client IP (burst ClickBurst); zero means 5 a second, burst 60. Clicks
	// over it still redirect, unrecorded and without the attribution cookie.
	ClickRate  float64
	ClickBurst int
}

// Deps are the services the handlers call.
type Deps struct {
	Auth *auth.Service
	// Catalog serves shops, products, photos and imports; nil leaves those
	// routes out (tests of other areas).
	Catalog *catalog.Catalog
	// Bulk runs catalogue imports and exports; it comes with Catalog.
	Bulk *bulk.Service
	// Affiliates serves influencers' links and the /r redirect. It comes
	// with the five services after it (profiles and storefronts, the
	// commission ledger, cart, orders, webhooks); nil leaves all of their
	// routes out.
	Affiliates  *affiliates.Service
	Influencers *affiliates.Influencers
	Ledger      *affiliates.Ledger
	Carts       *orders.Carts
	Orders      *orders.Service
	Webhooks    *orders.Webhooks
	// Stats computes the dashboards and keeps their roll-ups; nil leaves the
	// dashboards out.
	Stats *stats.Service
	// Search answers /search, /api/v1/search and "more in this colour"; nil
	// leaves those routes out.
	Search   *search.Service
	Ready    []ReadyCheck
	Logger   *slog.Logger
	Registry *prometheus.Registry
}

// Server is the HTTP application.
type Server struct {
	cfg    Config
	deps   Deps
	echo   *echo.Echo
	views  *renderer
	logger *slog.Logger
	// secure sets the security headers (CSP, framing, sniffing, HSTS). It
	// wraps every route but the tracked redirect, whose bodiless 302 has no
	// use for them; its "link not found" page applies it itself.
	secure echo.MiddlewareFunc
	// clicks limits recorded clicks per client IP; limited counts the
	// redirects it left unrecorded.
	clicks  *middleware.RateLimiterMemoryStore
	limited prometheus.Counter
}

// New builds the server and its routes.
func New(cfg Config, deps Deps) (*Server, error) {
	views, err := newRenderer()
	if err != nil {
		return nil, err
	}
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	if deps.Registry == nil {
		deps.Registry = prometheus.NewRegistry()
	}
	s := &Server{cfg: cfg, deps: deps, echo: echo.New(), views: views, logger: deps.Logger}
	s.clicks, s.limited = clickLimiter(cfg)
	if err := deps.Registry.Register(s.limited); err != nil {
		return nil, err
	}
	e := s.echo
	e.HideBanner, e.HidePort = true, true
	e.IPExtractor = ipExtractor(cfg.TrustedProxies)
	e.HTTPErrorHandler = s.handleError
	s.middleware()
	s.routes()
	return s, nil
}

// Handler returns the http.Handler to serve.
func (s *Server) Handler() http.Handler { return s.echo }

// ipExtractor takes the client IP from the socket unless the peer is a
// configured trusted proxy. Echo's default would believe any X-Forwarded-For,
// which lets a client dodge rate limits by forging the header.
func ipExtractor(trusted []*net.IPNet) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, n := range trusted {
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

func (s *Server) secureCookies(c echo.Context) bool {
	return c.IsTLS() || strings.HasPrefix(s.cfg.BaseURL, "https://")
}

func (s *Server) middleware() {
	e := s.echo
	e.Pre(middleware.RemoveTrailingSlashWithConfig(middleware.TrailingSlashConfig{RedirectCode: http.StatusMovedPermanently}))
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			s.logger.Error("panic", "err", err, "request_id", c.Response().Header().Get(echo.HeaderXRequestID), "stack", string(stack))
			return err
		},
	}))
	// The redirect gets no request id: it is not logged line by line, so the
	// id would correlate nothing (the stored click is its record).
	e.Use(notOnRedirect(middleware.RequestID()))
	e.Use(echoprometheus.NewMiddlewareWithConfig(echoprometheus.MiddlewareConfig{
		Namespace:  "warna",
		Subsystem:  "http",
		Registerer: s.deps.Registry,
		Skipper:    func(c echo.Context) bool { return c.Path() == "/metrics" },
		// Unmatched paths share one label so scanners cannot blow up cardinality.
		DoNotUseRequestPathFor404: true,
	}))
	e.Use(notOnRedirect(s.requestLogger()))
	s.secure = middleware.SecureWithConfig(middleware.SecureConfig{
		XSSProtection:         "0",
		ContentTypeNosniff:    "nosniff",
		XFrameOptions:         "DENY",
		HSTSMaxAge:            31536000,
		ReferrerPolicy:        "strict-origin-when-cross-origin",
		ContentSecurityPolicy: "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'",
	})
	e.Use(notOnRedirect(s.secure))
	e.Use(middleware.GzipWithConfig(middleware.GzipConfig{
		Skipper: func(c echo.Context) bool {
			p := c.Request().URL.Path
			return strings.HasPrefix(p, "/r/") || strings.HasPrefix(p, "/media/") || p == "/metrics"
		},
	}))
	e.Use(middleware.BodyLimit("32M"))
	e.Use(notOnRedirect(s.deps.Auth.Identify()))
	e.Use(middleware.CSRFWithConfig(middleware.CSRFConfig{
		TokenLookup:    "header:X-CSRF-Token,form:_csrf",
		ContextKey:     "csrf",
		CookieName:     "warna_csrf",
		CookiePath:     "/",
		CookieHTTPOnly: true,
		CookieSameSite: http.SameSiteLaxMode,
		// Calls that present an API key carry no cookies, so they cannot be forged
		// by another site; everything else needs the token.
		Skipper: func(c echo.Context) bool { return auth.HasBearer(c) || isRedirect(c) },
		ErrorHandler: func(err error, c echo.Context) error {
			return &csrfError{}
		},
	}))
}

func (s *Server) requestLogger() echo.MiddlewareFunc {
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogStatus: true, LogURI: true, LogMethod: true, LogLatency: true, LogRequestID: true, LogRemoteIP: true, LogError: true,
		HandleError: true,
		Skipper: func(c echo.Context) bool {
			p := c.Request().URL.Path
			return strings.HasPrefix(p, "/static/") || strings.HasPrefix(p, "/media/") || p == "/healthz" || p == "/metrics"
		},
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			attrs := []any{"method", v.Method, "uri", v.URI, "status", v.Status, "latency_ms", float64(v.Latency.Microseconds()) / 1000, "request_id", v.RequestID, "ip", v.RemoteIP}
			if v.Error != nil && v.Status >= 500 {
				s.logger.Error("request", append(attrs, "err", v.Error)...)
				return nil
			}
			s.logger.Info("request", attrs...)
			return nil
		},
	})
}

// Shutdown stops accepting requests and waits for those in flight.
func (s *Server) Shutdown(ctx context.Context) error { return s.echo.Shutdown(ctx) }

// Serve answers requests on l until Shutdown.
func (s *Server) Serve(l net.Listener) error {
	srv := &http.Server{
		Handler:           s.echo,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.logger.Handler(), slog.LevelWarn),
	}
	s.echo.Listener = l
	err := s.echo.StartServer(srv)
	if err == http.ErrServerClosed {
		return nil
	}
	return err
}
