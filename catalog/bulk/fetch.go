package bulk

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/warna/warna/fault"
	"github.com/warna/warna/outbound"
)

// imageFetcher downloads import images with a time limit and a size limit.
// Connections go through the outbound guard, which refuses private and
// loopback addresses at connect time (redirects and DNS answers included).
type imageFetcher struct {
	client  *http.Client
	timeout time.Duration
	limit   int64
}

func (s *Service) newFetcher(allowPrivate bool) *imageFetcher {
	dialer := outbound.NewDialer(5*time.Second, allowPrivate)
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
		limit:   s.images.Limits().MaxBytes,
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
	if r, ok := outbound.Refused(err); ok {
		return fault.Forbiddenf("image %s: refused, %s (allow private addresses with --allow-private-urls)", rawURL, r)
	}
	var ne net.Error
	switch {
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
