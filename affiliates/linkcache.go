package affiliates

import (
	"sync"
	"time"
)

// linkCache keeps resolved link codes (and unknown ones, so that guessing
// codes cannot hammer the database) for a short time. Changes made through
// the service invalidate their entry at once; the TTL bounds how stale an
// entry can be after a change made elsewhere (another instance, a deleted
// product).
type linkCache struct {
	mu      sync.RWMutex
	ttl     time.Duration
	max     int
	entries map[string]cacheEntry
}

type cacheEntry struct {
	r       resolved
	found   bool
	expires time.Time
}

func newLinkCache(ttl time.Duration, max int) *linkCache {
	return &linkCache{ttl: ttl, max: max, entries: make(map[string]cacheEntry)}
}

// get returns the cached answer for code: ok is false when there is none.
func (c *linkCache) get(code string) (r resolved, found, ok bool) {
	c.mu.RLock()
	e, ok := c.entries[code]
	c.mu.RUnlock()
	if !ok || time.Now().After(e.expires) {
		return resolved{}, false, false
	}
	return e.r, e.found, true
}

func (c *linkCache) put(code string, r resolved, found bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.max {
		c.entries = make(map[string]cacheEntry) // cheaper than LRU, and rare
	}
	c.entries[code] = cacheEntry{r: r, found: found, expires: time.Now().Add(c.ttl)}
}

func (c *linkCache) invalidate(code string) {
	c.mu.Lock()
	delete(c.entries, code)
	c.mu.Unlock()
}

func (c *linkCache) clear() {
	c.mu.Lock()
	c.entries = make(map[string]cacheEntry)
	c.mu.Unlock()
}
