// Package web is Warna's HTTP face: the echo server, its middleware and
// routes, which mount the server-rendered pages by audience (packages shop,
// account, merchant, creator, dashboard, all rendered from the templates
// embedded here) and the JSON API under /api/v1 (package api); and the one
// error handler, where domain error kinds become HTTP status codes
// (site.StatusOf).
package web

import (
	"context"
	"crypto/rand"
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
	"github.com/warna/warna/idempotency"
	"github.com/warna/warna/mail"
	"github.com/warna/warna/orders"
	"github.com/warna/warna/search"
	"github.com/warna/warna/stats"
	"github.com/warna/warna/web/auth"
	"github.com/warna/warna/web/locale"
	"github.com/warna/warna/web/site"
)

// ReadyCheck is one dependency that /readyz reports on.
type ReadyCheck struct {
	Name  string
	Check func(ctx context.Context) error
}

// Config is what the server needs from the application.
type Config struct {
	BaseURL string
	// Secret keys the CSRF tokens (SECRET_KEY, the same on every instance);
	// empty means a random key for this process only.
	Secret         string
	TrustedProxies []*net.IPNet
	Version        string
	Commit         string
	// InstanceID is reported by /readyz, so a load balancer's view of the
	// instances can be told apart.
	InstanceID string
	// LoginRate is the sustained rate of log-in and sign-up attempts allowed
	// per client IP (burst LoginBurst); zero means 1 every 6 s, burst 10.
	LoginRate  float64
	LoginBurst int
	// ClickRate is the sustained rate of tracked-link clicks recorded per
	// client IP (burst ClickBurst); zero means 5 a second, burst 60. Clicks
	// over it still redirect, unrecorded and without the attribution cookie.
	ClickRate  float64
	ClickBurst int
	// MetricsToken, when set, is the bearer token /metrics asks for.
	MetricsToken string
	// MetricsElsewhere leaves /metrics off the site: the application serves
	// MetricsHandler on an address of its own.
	MetricsElsewhere bool
	// OrderRate is the sustained rate of the API's conversion and refund
	// calls per merchant account (burst OrderBurst); zero means 20 a second,
	// burst 200.
	OrderRate  float64
	OrderBurst int
	// Language is the pages' language for a visitor who has not chosen one
	// and whose browser asks for neither Indonesian nor English; zero means
	// Indonesian.
	Language locale.Lang
}

// Deps are the services the handlers call.
type Deps struct {
	Auth *auth.Service
	// Recovery issues the mailed links (password reset, email
	// verification) and Mail sends them; nil Recovery leaves those pages
	// out.
	Recovery *auth.Recovery
	Mail     mail.Outbox
	// Wishlists and History (the orders placed with a shopper's email)
	// make the shopper's account pages, with Catalog and Carts.
	Wishlists *auth.Wishlists
	History   *orders.History
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
	Search *search.Service
	// Idempotency remembers the answers to API calls sent with an
	// Idempotency-Key; nil refuses such calls with 503.
	Idempotency *idempotency.Store
	Ready       []ReadyCheck
	Logger      *slog.Logger
	Registry    *prometheus.Registry
}

// Server is the HTTP application.
type Server struct {
	cfg    Config
	deps   Deps
	echo   *echo.Echo
	views  *site.Views
	logger *slog.Logger
	// secure sets the security headers (CSP, framing, sniffing, HSTS). It
	// wraps every route but the tracked redirect, whose bodiless 302 has no
	// use for them; its "link not found" page applies it itself.
	secure echo.MiddlewareFunc
	// clicks limits recorded clicks per client IP; limited counts the
	// redirects it left unrecorded.
	clicks  *middleware.RateLimiterMemoryStore
	limited prometheus.Counter
	// redirectSeconds times the tracked redirect (see redirectFirst).
	redirectSeconds prometheus.Histogram
	// csrfSecret keys the CSRF tokens (Config.Secret).
	csrfSecret []byte
}

// New builds the server and its routes.
func New(cfg Config, deps Deps) (*Server, error) {
	catalog, err := locale.Load()
	if err != nil {
		return nil, err
	}
	if cfg.Language == "" {
		cfg.Language = locale.Indonesian
	}
	views, err := newViews(catalog)
	if err != nil {
		return nil, err
	}
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	if deps.Registry == nil {
		deps.Registry = prometheus.NewRegistry()
	}
	s := &Server{cfg: cfg, deps: deps, echo: echo.New(), views: views, logger: deps.Logger, csrfSecret: []byte(cfg.Secret)}
	if cfg.Secret == "" {
		s.csrfSecret = make([]byte, 32)
		_, _ = rand.Read(s.csrfSecret)
	}
	s.clicks, s.limited = clickLimiter(cfg)
	s.redirectSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "warna_redirect_duration_seconds",
		Help:    "Time to answer the tracked redirect /r/{code}, click recording included.",
		Buckets: []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1},
	})
	for _, m := range []prometheus.Collector{s.limited, s.redirectSeconds} {
		if err := deps.Registry.Register(m); err != nil {
			return nil, err
		}
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

func (s *Server) middleware() {
	e := s.echo
	e.Pre(middleware.RemoveTrailingSlashWithConfig(middleware.TrailingSlashConfig{RedirectCode: http.StatusMovedPermanently}))
	e.Pre(s.redirectFirst)
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
	e.Use(notOnRedirect(site.Languages(s.views.Catalog, s.cfg.Language)))
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
	e.Use(notOnRedirect(privateNoStore))
	e.Use(auth.CSRF(auth.CSRFConfig{
		Secret:  s.csrfSecret,
		Secure:  func(c echo.Context) bool { return site.SecureCookies(c, s.cfg.BaseURL) },
		Origins: []string{s.cfg.BaseURL},
		// Calls that present an API key carry no cookies, so they cannot be forged
		// by another site; everything else needs the token.
		Skipper: func(c echo.Context) bool { return auth.HasBearer(c) || isRedirect(c) },
	}))
}

// privatePaths hold an account's or a visitor's own data whoever asks: the
// answer to someone not logged in (a redirect, a 401) is no-store too.
var privatePaths = []string{"/merchant", "/influencer", "/cart", "/checkout", "/api/v1/me", "/api/v1/products",
	"/api/v1/imports", "/api/v1/conversions", "/api/v1/orders", "/api/v1/webhook"}

// privateNoStore marks every answer to a logged-in caller (session or API
// key) and every answer under privatePaths Cache-Control: no-store, so no
// shared cache or browser history keeps a page with someone's data (an API
// key shown once, orders, earnings). Handlers of files that are the same
// for everyone (static files, media) set their own caching over it.
func privateNoStore(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		_, loggedIn := auth.CurrentUser(c)
		if loggedIn || auth.HasBearer(c) || auth.SessionToken(c) != "" || underAny(c.Request().URL.Path, privatePaths) {
			c.Response().Header().Set("Cache-Control", "no-store")
		}
		return next(c)
	}
}

func underAny(path string, prefixes []string) bool {
	for _, p := range prefixes {
		if path == p || strings.HasPrefix(path, p+"/") {
			return true
		}
	}
	return false
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
