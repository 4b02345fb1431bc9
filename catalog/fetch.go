package catalog

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"syscall"
	"time"

	"github.com/warna/warna/fault"
)

// errPrivateAddress is returned by the dialer for addresses imports may not reach.
var errPrivateAddress = errors.New("private address")

// cgnat is the carrier-grade NAT range, private in practice.
var cgnat = &net.IPNet{IP: net.IPv4(100, 64, 0, 0), Mask: net.CIDRMask(10, 32)}

// publicIP reports whether ip is an ordinary internet address: not loopback,
// private, link-local, multicast or unspecified.
func publicIP(ip net.IP) bool {
	if ip4 := ip.To4(); ip4 != nil {
		ip = ip4
	}
	return !(ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() || cgnat.Contains(ip))
}

// imageFetcher downloads import images with a time limit and a size limit.
// The address check runs in the dialer's Control function, on the address
// actually dialled after DNS resolution, so a public name that resolves to
// 127.0.0.1 (or a redirect to one) is refused too.
type imageFetcher struct {
	client  *http.Client
	timeout time.Duration
	limit   int64
}

func (s *Service) newFetcher(allowPrivate bool) *imageFetcher {
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	if !allowPrivate {
		dialer.Control = func(_, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return err
			}
			if ip := net.ParseIP(host); ip == nil || !publicIP(ip) {
				return fmt.Errorf("%w %s", errPrivateAddress, host)
			}
			return nil
		}
	}
	transport := &http.Transport{
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: s.fetchTimeout,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       30 * time.Second,
	}
	return &imageFetcher{
		client: &http.Client{
			Transport: transport,
			Timeout:   s.fetchTimeout,
			CheckRedirect: func(req *http.Request, via []*http.Request) error {
				if len(via) >= 5 {
					return errors.New("too many redirects")
				}
				if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
					return errors.New("redirect to a non-web address")
				}
				return nil
			},
		},
		timeout: s.fetchTimeout,
		limit:   s.limits.MaxBytes,
	}
}

func (f *imageFetcher) close() { f.client.CloseIdleConnections() }

// fetch downloads one image URL; its errors are messages for the import
// report.
func (f *imageFetcher) fetch(ctx context.Context, rawURL string) ([]byte, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fault.Invalidf("image URL %q is not an http:// or https:// address", rawURL)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fault.Invalidf("image URL %q is not valid", rawURL)
	}
	req.Header.Set("Accept", "image/jpeg, image/png, image/webp, image/gif")
	req.Header.Set("User-Agent", "Warna-import/1")
	res, err := f.client.Do(req)
	if err != nil {
		return nil, f.describe(rawURL, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fault.Invalidf("image %s: the server answered %s", rawURL, res.Status)
	}
	tooLarge := fault.TooLargef("image %s is larger than the %s limit", rawURL, mebibytes(f.limit))
	if res.ContentLength > f.limit {
		return nil, tooLarge
	}
	data, err := io.ReadAll(io.LimitReader(res.Body, f.limit+1))
	if err != nil {
		return nil, f.describe(rawURL, err)
	}
	if int64(len(data)) > f.limit {
		return nil, tooLarge
	}
	return data, nil
}

func (f *imageFetcher) describe(rawURL string, err error) error {
	var ne net.Error
	switch {
	case errors.Is(err, errPrivateAddress):
		return fault.Forbiddenf("image %s: refused, it points at a private or loopback address (allow it with --allow-private-urls)", rawURL)
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return fault.Unavailablef(err, "image %s: no answer within %s", rawURL, f.timeout)
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return fault.Unavailablef(err, "image %s: the host %s was not found", rawURL, dnsErr.Name)
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		return fault.Unavailablef(err, "image %s: could not connect (%s)", rawURL, strconv.Quote(opErr.Err.Error()))
	}
	return fault.Unavailablef(err, "image %s: download failed", rawURL)
}
