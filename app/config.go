package app

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/warna/warna/affiliates/clicklog"
	"github.com/warna/warna/mail"
	"github.com/warna/warna/media"
	"github.com/warna/warna/web/locale"
)

// Config is the whole configuration, parsed once from the environment with
// command-line flags taking precedence.
type Config struct {
	Addr             string
	DataDir          string
	DatabaseURL      string
	ElasticsearchURL string
	BaseURL          string
	SecretKey        string
	TrustedProxies   []*net.IPNet
	LogFormat        string
	LogLevel         slog.Level
	Demo             bool
	Workers          int
	PaletteEngine    string
	// InstanceID names this process's click log files; empty: the id kept
	// in DATA_DIR (made on first start).
	InstanceID   string
	MetricsAddr  string
	MetricsToken string
	// MediaURL is s3://bucket?endpoint=…&region=…&secure=… for photos in
	// object storage; empty keeps them in DATA_DIR/media.
	MediaURL string
	// SMTPURL is smtp://user:pass@host:587?from=… (or smtps://) for the
	// site's mail; empty writes each message to DATA_DIR/mail and logs it.
	SMTPURL string
	// JobRescueAfter is how long a job may run before River takes it for
	// abandoned (its instance died) and runs it again elsewhere.
	JobRescueAfter time.Duration
	Version        string
	Commit         string
	// Command is the sub-command running ("serve", "import", …): it names
	// the process to PostgreSQL, and every command but serve waits at most
	// database.LockTimeout for a lock.
	Command string

	// ElasticsearchAPIKey and ElasticsearchCAFile are the security
	// settings of an Elasticsearch 8 cluster (a user and password go in
	// the URL).
	ElasticsearchAPIKey string
	ElasticsearchCAFile string

	// Language is the pages' language for visitors who have not chosen one
	// and whose browser asks for neither Indonesian nor English.
	Language locale.Lang
}

// setting is one configuration value: its environment variable, flag, default
// and how to check and store it.
type setting struct {
	env, flag, def, usage string
	apply                 func(cfg *Config, v string) error
}

func settings() []setting {
	return []setting{
		{"ADDR", "addr", "127.0.0.1:8080", "address to listen on (host:port)", func(c *Config, v string) error {
			if _, port, err := net.SplitHostPort(v); err != nil || port == "" {
				return errors.New("must be host:port, like 127.0.0.1:8080 or :8080")
			}
			c.Addr = v
			return nil
		}},
		{"DATA_DIR", "data-dir", "./data", "directory for the SQLite database, search index, media and keys", func(c *Config, v string) error {
			if strings.TrimSpace(v) == "" {
				return errors.New("must not be empty")
			}
			c.DataDir = filepath.Clean(v)
			return nil
		}},
		{"DATABASE_URL", "database-url", "", "postgres://… for PostgreSQL; empty for the embedded SQLite database", func(c *Config, v string) error {
			if v != "" && !strings.HasPrefix(v, "postgres://") && !strings.HasPrefix(v, "postgresql://") && !strings.HasPrefix(v, "sqlite://") {
				return errors.New("must be a postgres:// URL, or empty for the embedded SQLite database")
			}
			c.DatabaseURL = v
			return nil
		}},
		{"ELASTICSEARCH_URL", "elasticsearch-url", "", "Elasticsearch 8 URL, with user:password@ when the cluster asks for one; empty for the embedded search index", func(c *Config, v string) error {
			if v != "" {
				if err := checkHTTPURL(v); err != nil {
					return err
				}
			}
			c.ElasticsearchURL = strings.TrimRight(v, "/")
			return nil
		}},
		{"ELASTICSEARCH_API_KEY", "elasticsearch-api-key", "", "Elasticsearch API key (the encoded value); used instead of a user and password", func(c *Config, v string) error {
			if strings.ContainsAny(v, " \t\r\n") {
				return errors.New("must be the encoded key alone, without spaces")
			}
			c.ElasticsearchAPIKey = v
			return nil
		}},
		{"ELASTICSEARCH_CA_FILE", "elasticsearch-ca-file", "", "PEM file of the certificate authority of the Elasticsearch cluster's TLS certificate (e.g. its http_ca.crt)", func(c *Config, v string) error {
			c.ElasticsearchCAFile = v
			return nil
		}},
		{"LANGUAGE", "language", "id", "the pages' language when a visitor has not chosen one and the browser asks for neither: id (Indonesian) or en (English)", func(c *Config, v string) error {
			l, ok := locale.Parse(v)
			if !ok {
				return errors.New("must be id or en")
			}
			c.Language = l
			return nil
		}},
		{"BASE_URL", "base-url", "", "public URL of the site, e.g. https://warna.example (default http://ADDR)", func(c *Config, v string) error {
			if v != "" {
				if err := checkHTTPURL(v); err != nil {
					return err
				}
			}
			c.BaseURL = strings.TrimRight(v, "/")
			return nil
		}},
		{"SECRET_KEY", "secret-key", "", "at least 32 characters; generated and kept in DATA_DIR when unset", func(c *Config, v string) error {
			if v != "" && len(v) < 32 {
				return errors.New("must be at least 32 characters (or unset to generate one)")
			}
			c.SecretKey = v
			return nil
		}},
		{"TRUSTED_PROXIES", "trusted-proxies", "", "comma-separated IPs or CIDRs of reverse proxies whose X-Forwarded-For is believed", func(c *Config, v string) error {
			nets, err := parseCIDRs(v)
			c.TrustedProxies = nets
			return err
		}},
		{"LOG_FORMAT", "log-format", "text", "text or json", func(c *Config, v string) error {
			if v != "text" && v != "json" {
				return errors.New("must be text or json")
			}
			c.LogFormat = v
			return nil
		}},
		{"LOG_LEVEL", "log-level", "info", "debug, info, warn or error", func(c *Config, v string) error {
			return c.LogLevel.UnmarshalText([]byte(v))
		}},
		{"WORKERS", "workers", "2", "number of image-processing workers", func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 64 {
				return errors.New("must be a whole number from 1 to 64")
			}
			c.Workers = n
			return nil
		}},
		{"METRICS_ADDR", "metrics-addr", "", "serve /metrics on this address (host:port) only, not on ADDR; empty serves it on ADDR", func(c *Config, v string) error {
			if v != "" {
				if _, port, err := net.SplitHostPort(v); err != nil || port == "" {
					return errors.New("must be host:port, like 127.0.0.1:9090")
				}
			}
			c.MetricsAddr = v
			return nil
		}},
		{"METRICS_TOKEN", "metrics-token", "", "when set, /metrics answers only requests with Authorization: Bearer TOKEN (at least 16 characters)", func(c *Config, v string) error {
			if v != "" && len(v) < 16 {
				return errors.New("must be at least 16 characters (or unset)")
			}
			c.MetricsToken = v
			return nil
		}},
		{"INSTANCE_ID", "instance-id", "", "this instance's id (letters, digits, '.', '_', '-'); generated and kept in DATA_DIR when unset", func(c *Config, v string) error {
			if v != "" && !clicklog.ValidInstanceID(v) {
				return errors.New("use 1–63 letters, digits, '.', '_' or '-', starting with a letter or digit")
			}
			c.InstanceID = v
			return nil
		}},
		{"MEDIA_URL", "media-url", "", "s3://BUCKET?endpoint=HOST:PORT&region=R&secure=false for photos in S3-compatible storage (keys from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY); empty keeps them in DATA_DIR/media", func(c *Config, v string) error {
			if v != "" {
				if _, err := media.ParseS3URL(v, func(string) string { return "" }); err != nil {
					return err
				}
			}
			c.MediaURL = v
			return nil
		}},
		{"SMTP_URL", "smtp-url", "", "smtp://USER:PASSWORD@HOST:587?from=ADDRESS for the site's mail (STARTTLS when offered; smtps:// for TLS from the start); empty writes each message to DATA_DIR/mail and logs it", func(c *Config, v string) error {
			if v != "" {
				if _, err := mail.ParseSMTP(v); err != nil {
					return err
				}
			}
			c.SMTPURL = v
			return nil
		}},
		{"JOB_RESCUE_AFTER", "job-rescue-after", "5m", "how long a job may run before it is taken for abandoned (its instance died) and run again; also each job's time limit", func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d < time.Second || d > 24*time.Hour {
				return errors.New("must be a duration from 1s to 24h, like 5m or 30s")
			}
			c.JobRescueAfter = d
			return nil
		}},
		{"PALETTE_ENGINE", "palette-engine", "", "colour extraction engine: lab-kmeans or prominentcolor (empty = default)", func(c *Config, v string) error {
			if v != "" && v != "lab-kmeans" && v != "prominentcolor" {
				return errors.New("must be lab-kmeans or prominentcolor")
			}
			c.PaletteEngine = v
			return nil
		}},
	}
}

// LoadConfig reads the environment (through getenv) and then args. Extra
// flags for a sub-command can be declared on fs before the call; fs must not
// have been parsed. A bad value is reported as one line naming the variable.
func LoadConfig(fs *flag.FlagSet, args []string, getenv func(string) string) (Config, error) {
	var cfg Config
	values := make(map[string]*string)
	for _, s := range settings() {
		v := s.def
		if e := getenv(s.env); e != "" {
			v = e
		}
		values[s.env] = fs.String(s.flag, v, s.usage+" ($"+s.env+")")
	}
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		return Config{}, fmt.Errorf("%w (run with -h for the list of settings)", err)
	}
	for _, s := range settings() {
		if err := s.apply(&cfg, *values[s.env]); err != nil {
			return Config{}, fmt.Errorf("invalid %s %s: %v", s.env, shown(s.env, *values[s.env]), err)
		}
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = "http://" + cfg.Addr
	}
	if cfg.MetricsAddr != "" && cfg.MetricsAddr == cfg.Addr {
		return Config{}, fmt.Errorf("invalid METRICS_ADDR %q: must differ from ADDR (leave it empty to serve /metrics on ADDR)", cfg.MetricsAddr)
	}
	return cfg, nil
}

// secrets are the settings whose values are never repeated in messages.
var secrets = map[string]bool{"SECRET_KEY": true, "METRICS_TOKEN": true, "ELASTICSEARCH_API_KEY": true}

// shown is a setting's value quoted for a message: a secret's is left out,
// a URL's password is masked.
func shown(env, v string) string {
	if secrets[env] {
		return "(value not shown)"
	}
	if u, err := url.Parse(v); err == nil && u.User != nil {
		return strconv.Quote(u.Redacted())
	}
	return strconv.Quote(v)
}

// Usage prints the settings of fs.
func Usage(w io.Writer, fs *flag.FlagSet) {
	fs.SetOutput(w)
	fs.PrintDefaults()
}

func checkHTTPURL(v string) error {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("must be an http:// or https:// URL")
	}
	return nil
}

func parseCIDRs(v string) ([]*net.IPNet, error) {
	var nets []*net.IPNet
	for _, part := range strings.Split(v, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if !strings.Contains(part, "/") {
			ip := net.ParseIP(part)
			if ip == nil {
				return nil, fmt.Errorf("%q is not an IP address or CIDR", part)
			}
			bits := 128
			if ip.To4() != nil {
				ip, bits = ip.To4(), 32
			}
			nets = append(nets, &net.IPNet{IP: ip, Mask: net.CIDRMask(bits, bits)})
			continue
		}
		_, n, err := net.ParseCIDR(part)
		if err != nil {
			return nil, fmt.Errorf("%q is not an IP address or CIDR", part)
		}
		nets = append(nets, n)
	}
	return nets, nil
}

// resolveSecretKey returns SECRET_KEY, or the key kept in DATA_DIR, creating
// it on first start.
func (cfg Config) resolveSecretKey() (string, error) {
	if cfg.SecretKey != "" {
		return cfg.SecretKey, nil
	}
	path := filepath.Join(cfg.DataDir, "secret.key")
	if b, err := os.ReadFile(path); err == nil {
		if key := strings.TrimSpace(string(b)); len(key) >= 32 {
			return key, nil
		}
		return "", fmt.Errorf("secret key file %s is too short; delete it to generate a new one", path)
	}
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return "", fmt.Errorf("create data directory: %w", err)
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	key := hex.EncodeToString(b)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return cfg.resolveSecretKey() // another process won the race; use its key
	}
	if err != nil {
		return "", fmt.Errorf("store secret key: %w", err)
	}
	defer f.Close()
	if _, err := f.WriteString(key + "\n"); err != nil {
		return "", fmt.Errorf("store secret key: %w", err)
	}
	return key, nil
}

// resolveInstanceID returns INSTANCE_ID, or the id kept in DATA_DIR,
// creating it on first start: each instance appends its clicks to log files
// named with it, in its own DATA_DIR.
func (cfg Config) resolveInstanceID() (string, error) {
	if cfg.InstanceID != "" {
		return cfg.InstanceID, nil
	}
	path := filepath.Join(cfg.DataDir, "instance-id")
	if b, err := os.ReadFile(path); err == nil {
		id := strings.TrimSpace(string(b))
		if !clicklog.ValidInstanceID(id) {
			return "", fmt.Errorf("instance id file %s holds %q, which is not a valid id; fix or delete it", path, id)
		}
		return id, nil
	}
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return "", fmt.Errorf("create data directory: %w", err)
	}
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	id := hex.EncodeToString(b)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if errors.Is(err, os.ErrExist) {
		return cfg.resolveInstanceID() // another process won the race; use its id
	}
	if err != nil {
		return "", fmt.Errorf("store instance id: %w", err)
	}
	if _, err := f.WriteString(id + "\n"); err != nil {
		_ = f.Close()
		return "", fmt.Errorf("store instance id: %w", err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("store instance id: %w", err)
	}
	return id, nil
}
