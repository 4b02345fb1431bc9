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
	Version          string
	Commit           string
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
		{"ELASTICSEARCH_URL", "elasticsearch-url", "", "Elasticsearch 8 URL; empty for the embedded search index", func(c *Config, v string) error {
			if v != "" {
				if err := checkHTTPURL(v); err != nil {
					return err
				}
			}
			c.ElasticsearchURL = strings.TrimRight(v, "/")
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
			return Config{}, fmt.Errorf("invalid %s %q: %v", s.env, *values[s.env], err)
		}
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = "http://" + cfg.Addr
	}
	return cfg, nil
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
