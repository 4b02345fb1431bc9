package media

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/warna/warna/fault"
)

// sha256Meta is the user metadata under which S3 keeps the hex SHA-256 of an
// object's bytes, as Warna computed them while uploading: `media migrate`
// compares it to skip what is already there, and a read-back checks it.
const sha256Meta = "Sha256"

// S3 is a Store in a bucket of an S3-compatible object store (AWS S3,
// SeaweedFS, MinIO, …). Keys are the same content-addressed names as Local's,
// unsharded: object stores do not mind wide prefixes.
type S3 struct {
	client *minio.Client
	bucket string
}

var _ Store = (*S3)(nil)

// S3Config is where a bucket is and how to sign requests to it.
type S3Config struct {
	Bucket   string
	Endpoint string // host:port; empty means AWS (s3.amazonaws.com)
	Region   string
	Secure   bool // https; false for a store on loopback or a private network
	// AccessKey, SecretKey and SessionToken sign requests; empty keys
	// send anonymous requests.
	AccessKey, SecretKey, SessionToken string
}

// ParseS3URL reads MEDIA_URL s3://bucket?endpoint=host:port&region=…&secure=false;
// the credentials come from getenv: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY
// and AWS_SESSION_TOKEN.
func ParseS3URL(raw string, getenv func(string) string) (S3Config, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "s3" || u.Host == "" || (u.Path != "" && u.Path != "/") {
		return S3Config{}, errors.New("must be s3://BUCKET?endpoint=HOST:PORT&region=REGION (or empty for files in DATA_DIR/media)")
	}
	q := u.Query()
	cfg := S3Config{
		Bucket:       u.Host,
		Endpoint:     q.Get("endpoint"),
		Region:       q.Get("region"),
		Secure:       true,
		AccessKey:    getenv("AWS_ACCESS_KEY_ID"),
		SecretKey:    getenv("AWS_SECRET_ACCESS_KEY"),
		SessionToken: getenv("AWS_SESSION_TOKEN"),
	}
	if cfg.Endpoint == "" {
		cfg.Endpoint = "s3.amazonaws.com"
	}
	if s := q.Get("secure"); s != "" {
		if cfg.Secure, err = strconv.ParseBool(s); err != nil {
			return S3Config{}, errors.New("secure must be true or false")
		}
	}
	for k := range q {
		if k != "endpoint" && k != "region" && k != "secure" {
			return S3Config{}, fmt.Errorf("unknown parameter %q (known: endpoint, region, secure)", k)
		}
	}
	if (cfg.AccessKey == "") != (cfg.SecretKey == "") {
		return S3Config{}, errors.New("set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or neither")
	}
	return cfg, nil
}

// NewS3 connects to the bucket of cfg and checks that it exists.
func NewS3(ctx context.Context, cfg S3Config) (*S3, error) {
	var creds *credentials.Credentials
	if cfg.AccessKey != "" {
		creds = credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, cfg.SessionToken)
	} else {
		creds = credentials.New(&credentials.EnvAWS{})
	}
	client, err := minio.New(cfg.Endpoint, &minio.Options{Creds: creds, Secure: cfg.Secure, Region: cfg.Region})
	if err != nil {
		return nil, fmt.Errorf("media bucket %s: %w", cfg.Bucket, err)
	}
	ok, err := client.BucketExists(ctx, cfg.Bucket)
	if err != nil {
		return nil, fmt.Errorf("media bucket %s at %s: %w", cfg.Bucket, cfg.Endpoint, err)
	}
	if !ok {
		return nil, fmt.Errorf("media bucket %s does not exist at %s: create it first", cfg.Bucket, cfg.Endpoint)
	}
	return &S3{client: client, bucket: cfg.Bucket}, nil
}

// Ping checks that the bucket answers (for /readyz).
func (s *S3) Ping(ctx context.Context) error {
	_, err := s.client.BucketExists(ctx, s.bucket)
	return err
}

// Put uploads r under key with its SHA-256 in the object's metadata. A key
// already stored is left alone (content addressing). The upload is one
// request of known length where r is small enough to buffer, so the object
// appears whole or not at all.
func (s *S3) Put(ctx context.Context, key string, r io.Reader) error {
	if !ValidKey(key) {
		return errBadKey(key)
	}
	if ok, err := s.Exists(ctx, key); err != nil {
		return err
	} else if ok {
		return nil
	}
	// The SHA-256 goes in a header, so it must be known before the upload
	// starts, and so must the length, for S3 to take it in one PUT: a
	// seekable reader (the callers' bytes.Reader) is read twice, anything
	// else is spooled to a temporary file.
	rs, ok := r.(io.ReadSeeker)
	if !ok {
		tmp, err := os.CreateTemp("", "warna-media-*")
		if err != nil {
			return fmt.Errorf("media put %s: %w", key, err)
		}
		defer func() { _ = tmp.Close(); _ = os.Remove(tmp.Name()) }()
		if _, err := io.Copy(tmp, r); err != nil {
			return fmt.Errorf("media put %s: %w", key, err)
		}
		rs = tmp
	}
	h := sha256.New()
	if _, err := rs.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("media put %s: %w", key, err)
	}
	n, err := io.Copy(h, rs)
	if err != nil {
		return fmt.Errorf("media put %s: %w", key, err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if hash, _, _ := strings.Cut(key, "."); hash != sum {
		return fault.Invalidf("media put %s: the content's SHA-256 is %s, not the key's", key, sum)
	}
	if _, err := rs.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("media put %s: %w", key, err)
	}
	return s.put(ctx, key, rs, n, sum)
}

func (s *S3) put(ctx context.Context, key string, r io.Reader, size int64, sum string) error {
	_, err := s.client.PutObject(ctx, s.bucket, key, r, size, minio.PutObjectOptions{
		ContentType:  ContentType(key),
		CacheControl: "public, max-age=31536000, immutable",
		UserMetadata: map[string]string{sha256Meta: sum},
	})
	if err != nil {
		return fmt.Errorf("media put %s: %w", key, err)
	}
	return nil
}

// Open returns the object under key. The reader also seeks (ranges are read
// from the store as asked), so the HTTP handler can answer Range requests.
// A missing key is a fault.NotFound that also matches os.ErrNotExist.
func (s *S3) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	if !ValidKey(key) {
		return nil, errBadKey(key)
	}
	obj, err := s.client.GetObject(ctx, s.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, fmt.Errorf("media open %s: %w", key, err)
	}
	// GetObject is lazy: Stat makes the request, so a missing key is
	// reported here rather than at the first Read.
	if _, err := obj.Stat(); err != nil {
		_ = obj.Close()
		if isNoSuchKey(err) {
			return nil, &fault.Error{Kind: fault.NotFound, Message: "no such media file", Err: os.ErrNotExist}
		}
		return nil, fmt.Errorf("media open %s: %w", key, err)
	}
	return obj, nil
}

// Exists reports whether key is stored.
func (s *S3) Exists(ctx context.Context, key string) (bool, error) {
	_, ok, err := s.stat(ctx, key)
	return ok, err
}

// stat returns the SHA-256 recorded with key ("" when the object has none)
// and whether the object exists.
func (s *S3) stat(ctx context.Context, key string) (sum string, ok bool, err error) {
	if !ValidKey(key) {
		return "", false, errBadKey(key)
	}
	info, err := s.client.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{})
	if isNoSuchKey(err) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("media stat %s: %w", key, err)
	}
	return info.UserMetadata[sha256Meta], true, nil
}

// Delete removes key; deleting a missing key is not an error.
func (s *S3) Delete(ctx context.Context, key string) error {
	if !ValidKey(key) {
		return errBadKey(key)
	}
	if err := s.client.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{}); err != nil && !isNoSuchKey(err) {
		return fmt.Errorf("media delete %s: %w", key, err)
	}
	return nil
}

func isNoSuchKey(err error) bool {
	if err == nil {
		return false
	}
	code := minio.ToErrorResponse(err).Code
	return code == minio.NoSuchKey || code == "NotFound" || strings.Contains(code, "NoSuchKey")
}
