package app

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadConfigDefaults(t *testing.T) {
	cfg, err := LoadConfig(flag.NewFlagSet("t", flag.ContinueOnError), nil, envOf(nil))
	if err != nil {
		t.Fatalf("defaults: %v", err)
	}
	if cfg.Addr != "127.0.0.1:8080" || cfg.DataDir != "data" || cfg.DatabaseURL != "" || cfg.BaseURL != "http://127.0.0.1:8080" {
		t.Errorf("defaults = %+v", cfg)
	}
}

func TestLoadConfigFlagsOverrideEnvironment(t *testing.T) {
	env := envOf(map[string]string{"ADDR": "127.0.0.1:9000", "LOG_FORMAT": "json", "TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.7"})
	cfg, err := LoadConfig(flag.NewFlagSet("t", flag.ContinueOnError), []string{"-addr", ":7000"}, env)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != ":7000" {
		t.Errorf("Addr = %q, want the flag's :7000", cfg.Addr)
	}
	if cfg.LogFormat != "json" {
		t.Errorf("LogFormat = %q, want json from the environment", cfg.LogFormat)
	}
	if len(cfg.TrustedProxies) != 2 || cfg.TrustedProxies[1].String() != "192.0.2.7/32" {
		t.Errorf("TrustedProxies = %v", cfg.TrustedProxies)
	}
}

func TestLoadConfigErrorsNameTheVariable(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"ADDR": "8080"}, `invalid ADDR "8080": must be host:port`},
		{map[string]string{"DATABASE_URL": "mysql://x"}, "invalid DATABASE_URL"},
		{map[string]string{"ELASTICSEARCH_URL": "localhost:9200"}, "invalid ELASTICSEARCH_URL"},
		{map[string]string{"BASE_URL": "ftp://x"}, "invalid BASE_URL"},
		{map[string]string{"SECRET_KEY": "short"}, "invalid SECRET_KEY"},
		{map[string]string{"TRUSTED_PROXIES": "10.0.0.0/99"}, "invalid TRUSTED_PROXIES"},
		{map[string]string{"LOG_FORMAT": "xml"}, "invalid LOG_FORMAT"},
		{map[string]string{"LOG_LEVEL": "loud"}, "invalid LOG_LEVEL"},
		{map[string]string{"WORKERS": "0"}, "invalid WORKERS"},
		{map[string]string{"PALETTE_ENGINE": "magic"}, "invalid PALETTE_ENGINE"},
	}
	for _, tt := range tests {
		_, err := LoadConfig(flag.NewFlagSet("t", flag.ContinueOnError), nil, envOf(tt.env))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("env %v: err = %v, want it to contain %q", tt.env, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Errorf("env %v: error spans several lines: %q", tt.env, err)
		}
	}
}

func TestSecretKeyIsGeneratedOnceAndKept(t *testing.T) {
	dir := t.TempDir()
	cfg := Config{DataDir: filepath.Join(dir, "data")}
	first, err := cfg.resolveSecretKey()
	if err != nil {
		t.Fatal(err)
	}
	second, err := cfg.resolveSecretKey()
	if err != nil {
		t.Fatal(err)
	}
	if len(first) < 32 || first != second {
		t.Errorf("keys %q then %q, want one stable key of ≥ 32 characters", first, second)
	}
	info, err := os.Stat(filepath.Join(cfg.DataDir, "secret.key"))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("secret.key stat: %v mode %v, want 0600", err, info.Mode().Perm())
	}
	set := Config{DataDir: cfg.DataDir, SecretKey: strings.Repeat("k", 40)}
	if got, err := set.resolveSecretKey(); err != nil || got != set.SecretKey {
		t.Errorf("SECRET_KEY set: got %q, %v", got, err)
	}
}
