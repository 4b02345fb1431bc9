package account

import (
	"math"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/warna/warna/fault"
)

// loginLimiter limits log-in and sign-up attempts per client IP, where the IP
// comes from the server's IPExtractor (the socket unless a trusted proxy).
// The attempts are counted in the database (fixed windows of
// LoginBurst/LoginRate seconds, LoginBurst attempts each: by default 10 a
// minute), so the limit holds across every instance rather than multiplying
// with their number. Should the count fail (the database is away), the
// attempt goes on: logging in needs the database anyway.
func loginLimiter(deps Deps) echo.MiddlewareFunc {
	r, burst := deps.LoginRate, deps.LoginBurst
	if r <= 0 {
		r = 1.0 / 6
	}
	if burst <= 0 {
		burst = 10
	}
	window := time.Duration(math.Ceil(float64(burst)/r)) * time.Second
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			allowed, retry, err := deps.Auth.TakeAttempt(c.Request().Context(), "account:"+c.RealIP(), burst, window)
			if err != nil {
				deps.Logger.Warn("log-in attempt not counted", "err", err)
				return next(c)
			}
			if !allowed {
				c.Response().Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(retry.Seconds()))))
				return rateLimited("too many attempts from your network; wait a minute and try again")
			}
			return next(c)
		}
	}
}

// rateLimited is a fault.RateLimited error whose message pages translate.
func rateLimited(format string) error {
	return &fault.Error{Kind: fault.RateLimited, Message: format, Format: format}
}
