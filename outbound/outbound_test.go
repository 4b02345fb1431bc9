package outbound

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestCheck(t *testing.T) {
	public := []string{
		"8.8.8.8", "1.1.1.1", "93.184.215.14",
		// The neighbours of every blocked IPv4 range.
		"1.0.0.0", "9.255.255.255", "11.0.0.0", "100.63.255.255", "100.128.0.0", "126.255.255.255", "128.0.0.0",
		"169.253.255.255", "169.255.0.0", "172.15.255.255", "172.32.0.0", "192.0.1.0", "192.0.3.0",
		"192.167.255.255", "192.169.0.0", "198.17.255.255", "198.20.0.0", "198.51.99.255", "198.51.101.0",
		"203.0.112.255", "203.0.114.0", "223.255.255.255",
		"2606:4700:4700::1111", "2001:4860:4860::8888", "2a00:1450:4001:80b::200e",
		"2001:db9::1", "2001:1::1", "fbff:ffff::1",
		// IPv6 forms of a public IPv4 address.
		"::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1",
	}
	for _, s := range public {
		if err := Check(netip.MustParseAddr(s)); err != nil {
			t.Errorf("Check(%s) = %v, want nil (public)", s, err)
		}
	}
	refused := map[string]string{
		"0.0.0.0":         "unspecified",
		"0.1.2.3":         "unspecified",
		"10.0.0.1":        "private",
		"10.255.255.255":  "private",
		"100.64.0.0":      "carrier-grade NAT",
		"100.127.255.255": "carrier-grade NAT",
		"127.0.0.1":       "loopback",
		"127.255.255.254": "loopback",
		"169.254.169.254": "link-local", // cloud metadata endpoints
		"172.16.0.1":      "private",
		"172.31.255.255":  "private",
		"192.0.0.8":       "IETF",
		"192.0.2.1":       "documentation",
		"192.88.99.1":     "6to4 relay",
		"192.168.1.1":     "private",
		"198.18.0.1":      "benchmarking",
		"198.19.255.255":  "benchmarking",
		"198.51.100.7":    "documentation",
		"203.0.113.9":     "documentation",
		"224.0.0.1":       "multicast",
		"239.255.255.250": "multicast",
		"240.0.0.1":       "reserved",
		"255.255.255.255": "reserved",

		"::":                     "unspecified",
		"::1":                    "loopback",
		"::ffff:127.0.0.1":       "loopback",
		"::ffff:10.1.2.3":        "private",
		"::ffff:169.254.169.254": "link-local",
		"::ffff:100.64.1.1":      "carrier-grade NAT",
		"::ffff:0.0.0.0":         "unspecified",
		"::127.0.0.1":            "IPv4-compatible",
		"64:ff9b::7f00:1":        "IPv6 form of a loopback",
		"64:ff9b::a9fe:a9fe":     "IPv6 form of a link-local",
		"64:ff9b:1::1":           "local NAT64",
		"2002:7f00:1::":          "IPv6 form of a loopback",
		"2002:a00:1::1":          "IPv6 form of a private",
		"100::1":                 "discard-only",
		"2001::1":                "Teredo",
		"2001:2::1":              "benchmarking",
		"2001:db8::1":            "documentation",
		"fc00::1":                "unique local",
		"fd12:3456:789a::1":      "unique local",
		"fe80::1":                "link-local",
		"fe80::1%eth0":           "link-local",
		"febf:ffff::1":           "link-local",
		"fec0::1":                "site-local",
		"ff02::1":                "multicast",
		"ff0e::101":              "multicast",
	}
	for s, want := range refused {
		err := Check(netip.MustParseAddr(s))
		r, ok := Refused(err)
		if !ok {
			t.Errorf("Check(%s) = %v, want a refusal (%s)", s, err, want)
			continue
		}
		if !strings.Contains(r.Reason, want) {
			t.Errorf("Check(%s) reason = %q, want it to say %q", s, r.Reason, want)
		}
		if !strings.Contains(err.Error(), "not a public internet address") {
			t.Errorf("Check(%s) error = %q, want it to say the address is not public", s, err)
		}
	}
	if err := Check(netip.Addr{}); err == nil {
		t.Error("Check(zero Addr) = nil, want a refusal")
	}
}

func TestControlParsesTheDialledAddress(t *testing.T) {
	for _, tc := range []struct {
		address string
		refused bool
	}{
		{"127.0.0.1:80", true},
		{"[::1]:443", true},
		{"[::ffff:127.0.0.1]:80", true},
		{"[fe80::1%lo]:80", true},
		{"8.8.8.8:53", false},
		{"[2606:4700:4700::1111]:443", false},
	} {
		err := Control("tcp", tc.address, nil)
		if _, refused := Refused(err); refused != tc.refused || (!tc.refused && err != nil) {
			t.Errorf("Control(%s) = %v, want refused=%v", tc.address, err, tc.refused)
		}
	}
	// The dialer hands Control a resolved IP; anything else is an error, not
	// a pass.
	for _, address := range []string{"localhost:80", "no-port", ""} {
		if err := Control("tcp", address, nil); err == nil {
			t.Errorf("Control(%q) = nil, want an error", address)
		}
	}
}

// client returns an HTTP client whose connections go through the given
// dialer, following redirects as http.Client does by default.
func client(d *net.Dialer) *http.Client {
	return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DialContext: d.DialContext}}
}

func get(c *http.Client, url string) (string, error) {
	res, err := c.Get(url)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	return string(body), err
}

func TestDialerRefusesLoopbackByAddressAndByName(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "inside") }))
	defer srv.Close()
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	guarded := client(NewDialer(time.Second, false))
	for _, url := range []string{
		srv.URL,                                  // http://127.0.0.1:PORT
		"http://localhost:" + strconv.Itoa(port), // a name that resolves to loopback
		"http://[::ffff:127.0.0.1]:" + strconv.Itoa(port),
	} {
		body, err := get(guarded, url)
		if _, ok := Refused(err); !ok {
			t.Errorf("GET %s through the guard: body %q, err %v; want the connection refused", url, body, err)
		}
	}
	// The explicit allowance reaches it.
	if body, err := get(client(NewDialer(time.Second, true)), srv.URL); err != nil || body != "inside" {
		t.Errorf("GET %s with private addresses allowed = %q, %v; want \"inside\"", srv.URL, body, err)
	}
}

// TestRedirectToPrivateAddressRefused: the first server is let through (as a
// public one would be) and redirects to a second, private one; the redirect's
// connection is dialled through the same Control and refused.
func TestRedirectToPrivateAddressRefused(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		// Linux routes all of 127/8 to loopback; some systems only 127.0.0.1.
		if os.Getenv("CI") != "" {
			t.Fatalf("cannot listen on 127.0.0.2: %v", err)
		}
		t.Skipf("cannot listen on 127.0.0.2: %v", err)
	}
	innerSrv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "secret") }))
	innerSrv.Listener.Close()
	innerSrv.Listener = inner
	innerSrv.Start()
	defer innerSrv.Close()
	outer := httptest.NewServer(http.RedirectHandler(innerSrv.URL+"/admin", http.StatusFound))
	defer outer.Close()

	outerAddr := netip.MustParseAddrPort(outer.Listener.Addr().String()).Addr()
	var dialled []netip.Addr
	d := &net.Dialer{Timeout: time.Second, Control: func(_, address string, _ syscall.RawConn) error {
		return control(address, func(a netip.Addr) error {
			dialled = append(dialled, a)
			if a == outerAddr {
				return nil // stands in for a public server
			}
			return Check(a)
		})
	}}
	body, err := get(client(d), outer.URL)
	r, ok := Refused(err)
	if !ok {
		t.Fatalf("GET through a redirect to %s: body %q, err %v; want the redirect's connection refused", innerSrv.URL, body, err)
	}
	if r.Addr != netip.MustParseAddr("127.0.0.2") || len(dialled) != 2 {
		t.Errorf("refused %s after dialling %v; want 127.0.0.2 refused on the second dial", r.Addr, dialled)
	}
}

func TestDialContextReportsRefusal(t *testing.T) {
	_, err := NewDialer(time.Second, false).DialContext(context.Background(), "tcp", "169.254.169.254:80")
	r, ok := Refused(err)
	if !ok || r.Reason != "a link-local address" {
		t.Fatalf("dial 169.254.169.254: %v; want a link-local refusal", err)
	}
	var opErr *net.OpError
	if !errors.As(err, &opErr) || opErr.Op != "dial" {
		t.Errorf("dial error %T %v; want a *net.OpError from the dial", err, err)
	}
}

// fakeResolver answers from a table, and "not found" for anything else.
type fakeResolver map[string][]string

func (r fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	addrs, ok := r[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	var out []netip.Addr
	for _, a := range addrs {
		out = append(out, netip.MustParseAddr(a))
	}
	return out, nil
}

func TestCheckHost(t *testing.T) {
	r := fakeResolver{
		"shop.example":     {"93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"},
		"internal.example": {"10.0.0.5"},
		"mixed.example":    {"93.184.215.14", "127.0.0.1"},
	}
	ctx := context.Background()
	for _, host := range []string{"shop.example", "93.184.215.14", "2606:4700:4700::1111"} {
		if err := CheckHost(ctx, r, host); err != nil {
			t.Errorf("CheckHost(%s) = %v, want nil", host, err)
		}
	}
	refused := map[string]string{
		"internal.example": "internal.example is at 10.0.0.5, a private address",
		"mixed.example":    "mixed.example is at 127.0.0.1, a loopback address",
		"127.0.0.1":        "127.0.0.1 is a loopback address",
		"::1":              "::1 is a loopback address",
		"169.254.169.254":  "link-local",
		"100.64.0.1":       "carrier-grade NAT",
	}
	for host, want := range refused {
		err := CheckHost(ctx, r, host)
		if _, ok := Refused(err); !ok || !strings.Contains(err.Error(), want) {
			t.Errorf("CheckHost(%s) = %v, want refused with %q", host, err, want)
		}
	}
	err := CheckHost(ctx, r, "nxdomain.example")
	var dnsErr *net.DNSError
	if !errors.As(err, &dnsErr) || !dnsErr.IsNotFound {
		t.Errorf("CheckHost of a name that does not exist = %v, want the DNS error", err)
	}
	if _, ok := Refused(err); ok {
		t.Error("a name that does not exist is reported as refused")
	}
}
