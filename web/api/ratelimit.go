package api

import (
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/time/rate"

	"github.com/warna/warna/fault"
	"github.com/warna/warna/web/auth"
)

// rateLimiter limits each merchant account to a sustained rate with bursts
// (a back-fill of many orders is fine; a runaway loop is stopped), and tells
// clients where they stand on every answer with the headers of the IETF
// draft "RateLimit header fields for HTTP":
//
//	RateLimit-Limit: the burst, the most calls that may be made at once
//	RateLimit-Remaining: the calls that may be made now
//	RateLimit-Reset: seconds until the full burst is available again
//
// A call over the limit is answered 429 with Retry-After, the seconds until
// the next call is allowed.
type rateLimiter struct {
	perSecond rate.Limit
	burst     int
	message   string
	now       func() time.Time

	mu        sync.Mutex
	limiters  map[string]*limiterEntry
	lastSweep time.Time
}

type limiterEntry struct {
	limiter  *rate.Limiter
	lastSeen time.Time
}

// idleLimiter is how long an account's limiter is kept without calls; a
// forgotten one starts again with a full burst, which it would have anyway.
const idleLimiter = 10 * time.Minute

// merchantRateLimit limits each merchant account's calls to perSecond
// sustained with bursts of burst.
func merchantRateLimit(perSecond float64, burst int) echo.MiddlewareFunc {
	l := &rateLimiter{perSecond: rate.Limit(perSecond), burst: burst, now: time.Now, limiters: map[string]*limiterEntry{},
		message: "too many calls; slow down and retry after the number of seconds in Retry-After"}
	return l.middleware
}

func (l *rateLimiter) middleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		user, _ := auth.CurrentUser(c)
		allowed, remaining, reset, retry := l.take(strconv.FormatInt(user.ID, 10))
		h := c.Response().Header()
		h.Set("RateLimit-Limit", strconv.Itoa(l.burst))
		h.Set("RateLimit-Remaining", strconv.Itoa(remaining))
		h.Set("RateLimit-Reset", strconv.Itoa(reset))
		if !allowed {
			h.Set("Retry-After", strconv.Itoa(retry))
			return &fault.Error{Kind: fault.RateLimited, Message: l.message}
		}
		return next(c)
	}
}

// take spends one call of the account's budget if it can, and reports the
// calls left, the seconds until the budget is full and, when refused, the
// seconds until a call is allowed.
func (l *rateLimiter) take(id string) (allowed bool, remaining, reset, retry int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if now.Sub(l.lastSweep) > idleLimiter {
		for k, e := range l.limiters {
			if now.Sub(e.lastSeen) > idleLimiter {
				delete(l.limiters, k)
			}
		}
		l.lastSweep = now
	}
	e := l.limiters[id]
	if e == nil {
		e = &limiterEntry{limiter: rate.NewLimiter(l.perSecond, l.burst)}
		l.limiters[id] = e
	}
	e.lastSeen = now
	allowed = e.limiter.AllowN(now, 1)
	tokens := e.limiter.TokensAt(now)
	remaining = max(int(math.Floor(tokens)), 0)
	reset = int(math.Ceil((float64(l.burst) - tokens) / float64(l.perSecond)))
	if !allowed {
		retry = max(int(math.Ceil((1-tokens)/float64(l.perSecond))), 1)
	}
	return allowed, remaining, max(reset, 0), retry
}
