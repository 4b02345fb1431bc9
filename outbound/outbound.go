// Package outbound guards the requests Warna makes to addresses its users
// give it (import image URLs, order webhooks): they may reach the public
// internet only, never the machine itself or the networks behind it.
//
// The check runs in the dialer's Control function, on the address actually
// being connected to after DNS resolution. A name that resolves to 127.0.0.1,
// a name whose answer changes between a check and the connection (DNS
// rebinding) and a redirect to a private address are all refused, because
// every connection an http.Client opens — the first and each redirect's — is
// dialled through it. Transports using the dialer must not use a proxy: the
// proxy's address would be checked instead of the target's.
package outbound

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"
	"time"
)

// RefusedError says which address a connection was refused for, and why.
type RefusedError struct {
	// Host is the name that resolved to Addr, when a name was checked.
	Host string
	Addr netip.Addr
	// Reason names the kind of address, e.g. "a loopback address".
	Reason string
}

func (e *RefusedError) Error() string {
	if e.Host != "" {
		return fmt.Sprintf("%s is at %s, %s, not a public internet address", e.Host, e.Addr, e.Reason)
	}
	return fmt.Sprintf("%s is %s, not a public internet address", e.Addr, e.Reason)
}

// blocked are the IANA special-purpose ranges (RFC 6890 and its updates)
// that are not reachable on the public internet, or that reach this machine
// or its neighbours. IPv4-mapped IPv6 is unmapped before the check, and the
// IPv6 forms that embed an IPv4 address (NAT64, 6to4) are judged by it.
var blocked = []struct {
	prefix netip.Prefix
	reason string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "an unspecified (\"this network\") address"},
	{netip.MustParsePrefix("10.0.0.0/8"), "a private address"},
	{netip.MustParsePrefix("100.64.0.0/10"), "a carrier-grade NAT (shared) address"},
	{netip.MustParsePrefix("127.0.0.0/8"), "a loopback address"},
	{netip.MustParsePrefix("169.254.0.0/16"), "a link-local address"},
	{netip.MustParsePrefix("172.16.0.0/12"), "a private address"},
	{netip.MustParsePrefix("192.0.0.0/24"), "an IETF protocol address"},
	{netip.MustParsePrefix("192.0.2.0/24"), "a documentation address"},
	{netip.MustParsePrefix("192.88.99.0/24"), "a 6to4 relay address"},
	{netip.MustParsePrefix("192.168.0.0/16"), "a private address"},
	{netip.MustParsePrefix("198.18.0.0/15"), "a benchmarking address"},
	{netip.MustParsePrefix("198.51.100.0/24"), "a documentation address"},
	{netip.MustParsePrefix("203.0.113.0/24"), "a documentation address"},
	{netip.MustParsePrefix("224.0.0.0/4"), "a multicast address"},
	{netip.MustParsePrefix("240.0.0.0/4"), "a reserved address"}, // includes 255.255.255.255

	{netip.MustParsePrefix("::/128"), "an unspecified address"},
	{netip.MustParsePrefix("::1/128"), "a loopback address"},
	{netip.MustParsePrefix("::/96"), "an IPv4-compatible address"}, // deprecated; never routed
	{netip.MustParsePrefix("64:ff9b:1::/48"), "a local NAT64 address"},
	{netip.MustParsePrefix("100::/64"), "a discard-only address"},
	{netip.MustParsePrefix("2001::/32"), "a Teredo address"},
	{netip.MustParsePrefix("2001:2::/48"), "a benchmarking address"},
	{netip.MustParsePrefix("2001:10::/28"), "an ORCHID address"},
	{netip.MustParsePrefix("2001:20::/28"), "an ORCHID address"},
	{netip.MustParsePrefix("2001:db8::/32"), "a documentation address"},
	{netip.MustParsePrefix("3fff::/20"), "a documentation address"},
	{netip.MustParsePrefix("fc00::/7"), "a private (unique local) address"},
	{netip.MustParsePrefix("fe80::/10"), "a link-local address"},
	{netip.MustParsePrefix("fec0::/10"), "a site-local address"},
	{netip.MustParsePrefix("ff00::/8"), "a multicast address"},
}

// Forms of IPv6 address that carry an IPv4 address inside them; the
// embedded address decides.
var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96") // RFC 6052: IPv4 in the last 32 bits
	sixToFour = netip.MustParsePrefix("2002::/16")    // RFC 3056: IPv4 in bits 16–47
)

// Check returns nil when addr is an ordinary public internet address, and a
// *RefusedError naming the kind of address otherwise.
func Check(addr netip.Addr) error {
	if !addr.IsValid() {
		return &RefusedError{Addr: addr, Reason: "not an IP address"}
	}
	addr = addr.WithZone("").Unmap()
	if reason := refusal(addr); reason != "" {
		return &RefusedError{Addr: addr, Reason: reason}
	}
	return nil
}

// refusal names the kind of a non-public address, or is "" for a public one.
func refusal(addr netip.Addr) string {
	if embedded, ok := embeddedIPv4(addr); ok {
		if reason := refusal(embedded); reason != "" {
			return "an IPv6 form of " + reason
		}
		return ""
	}
	for _, b := range blocked {
		if b.prefix.Contains(addr) {
			return b.reason
		}
	}
	return ""
}

func embeddedIPv4(addr netip.Addr) (netip.Addr, bool) {
	b := addr.As16()
	switch {
	case !addr.Is6():
		return netip.Addr{}, false
	case nat64.Contains(addr):
		return netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}), true
	case sixToFour.Contains(addr):
		return netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}), true
	}
	return netip.Addr{}, false
}

// Control is a net.Dialer Control function that refuses to connect to any
// address Check refuses. The error wraps a *RefusedError.
func Control(_, address string, _ syscall.RawConn) error {
	return control(address, Check)
}

func control(address string, check func(netip.Addr) error) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("outbound: %w", err)
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("outbound: %q is not an IP address: %w", host, err)
	}
	return check(addr)
}

// NewDialer returns a dialer with the given connect timeout that refuses
// every address that is not public, unless allowPrivate (tests, and a single
// machine whose imports or webhooks are served next to it:
// --allow-private-urls).
func NewDialer(timeout time.Duration, allowPrivate bool) *net.Dialer {
	d := &net.Dialer{Timeout: timeout}
	if !allowPrivate {
		d.Control = Control
	}
	return d
}

// Resolver looks up the addresses of a host name; net.DefaultResolver is one.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// CheckHost checks a host (a name or an IP address) when a URL is saved, so
// that a user learns at once that it cannot be reached: a name is resolved
// and refused (*RefusedError) if any of its addresses is not public, and a
// lookup that fails returns the resolver's error (a *net.DNSError, with
// IsNotFound for a name that does not exist). The check when connecting
// still applies: a name's addresses can change after it is saved.
func CheckHost(ctx context.Context, r Resolver, host string) error {
	if addr, err := netip.ParseAddr(host); err == nil {
		return Check(addr)
	}
	addrs, err := r.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return fmt.Errorf("look up %s: %w", host, err)
	}
	if len(addrs) == 0 {
		return fmt.Errorf("look up %s: %w", host, &net.DNSError{Err: "no addresses", Name: host, IsNotFound: true})
	}
	for _, addr := range addrs {
		if refused, ok := Refused(Check(addr)); ok {
			refused.Host = host
			return refused
		}
	}
	return nil
}

// Refused reports whether err comes from the guard, and the refusal.
func Refused(err error) (*RefusedError, bool) {
	var r *RefusedError
	ok := errors.As(err, &r)
	return r, ok
}
