package app

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadConfigDefaults(t *testing.T) {
	cfg, err := LoadConfig(flag.NewFlagSet("t", flag.ContinueOnError), nil, envOf(nil))
	if err != nil {
		t.Fatalf("defaults: %v", err)
	}
	if cfg.Addr != "127.0.0.1:8080" || cfg.DataDir != "data" || cfg.DatabaseURL != "" || cfg.BaseURL != "http://127.0.0.1:8080" ||
		cfg.MediaURL != "" || cfg.JobRescueAfter != 5*time.Minute {
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
		{map[string]string{"METRICS_ADDR": "9090"}, `invalid METRICS_ADDR "9090": must be host:port`},
		{map[string]string{"METRICS_ADDR": "127.0.0.1:8080"}, "invalid METRICS_ADDR \"127.0.0.1:8080\": must differ from ADDR"},
		{map[string]string{"METRICS_TOKEN": "short"}, "invalid METRICS_TOKEN"},
		{map[string]string{"INSTANCE_ID": "../etc"}, "invalid INSTANCE_ID"},
		{map[string]string{"MEDIA_URL": "https://bucket.example"}, "invalid MEDIA_URL"},
		{map[string]string{"MEDIA_URL": "s3://b?secure=sometimes"}, "invalid MEDIA_URL"},
		{map[string]string{"SMTP_URL": "http://mail.example.com"}, "invalid SMTP_URL"},
		{map[string]string{"SMTP_URL": "smtp://user:hunter2@"}, "invalid SMTP_URL \"smtp://user:xxxxx@\""},
		{map[string]string{"JOB_RESCUE_AFTER": "5"}, "invalid JOB_RESCUE_AFTER"},
		{map[string]string{"JOB_RESCUE_AFTER": "100ms"}, "invalid JOB_RESCUE_AFTER"},
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

func TestInstanceIDIsGeneratedOnceAndKept(t *testing.T) {
	cfg := Config{DataDir: filepath.Join(t.TempDir(), "data")}
	first, err := cfg.resolveInstanceID()
	if err != nil {
		t.Fatal(err)
	}
	second, err := cfg.resolveInstanceID()
	if err != nil {
		t.Fatal(err)
	}
	if len(first) != 12 || first != second {
		t.Errorf("ids %q then %q, want one stable 12-character id", first, second)
	}
	set := Config{DataDir: cfg.DataDir, InstanceID: "web-2"}
	if got, err := set.resolveInstanceID(); err != nil || got != "web-2" {
		t.Errorf("INSTANCE_ID set: got %q, %v", got, err)
	}
	if err := os.WriteFile(filepath.Join(cfg.DataDir, "instance-id"), []byte("no/slash\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	if _, err := cfg.resolveInstanceID(); err == nil || !strings.Contains(err.Error(), "instance-id") {
		t.Errorf("a damaged id file: err = %v, want one naming the file", err)
	}
}

// TestElasticsearchSecuritySettings: the API key and CA file are read, need
// the URL, and no message repeats a password, key or token.
func TestElasticsearchSecuritySettings(t *testing.T) {
	cfg, err := LoadConfig(flag.NewFlagSet("t", flag.ContinueOnError), nil, envOf(map[string]string{
		"ELASTICSEARCH_URL": "https://elastic:pw-123@es.internal:9200", "ELASTICSEARCH_API_KEY": "a2V5aWQ6c2VjcmV0", "ELASTICSEARCH_CA_FILE": "/etc/es/http_ca.crt"}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ElasticsearchURL != "https://elastic:pw-123@es.internal:9200" || cfg.ElasticsearchAPIKey != "a2V5aWQ6c2VjcmV0" || cfg.ElasticsearchCAFile != "/etc/es/http_ca.crt" {
		t.Errorf("config %+v", cfg)
	}
	for _, tt := range []struct {
		env          map[string]string
		want, secret string
	}{
		{map[string]string{"ELASTICSEARCH_URL": "ftp://elastic:pw-123@es:9200"}, "invalid ELASTICSEARCH_URL", "pw-123"},
		{map[string]string{"ELASTICSEARCH_URL": "http://es:9200", "ELASTICSEARCH_API_KEY": "key with blanks"}, "invalid ELASTICSEARCH_API_KEY", "blanks"},
		{map[string]string{"SECRET_KEY": "short-secret"}, "invalid SECRET_KEY", "short-secret"},
		{map[string]string{"METRICS_TOKEN": "tok-9"}, "invalid METRICS_TOKEN", "tok-9"},
	} {
		_, err := LoadConfig(flag.NewFlagSet("t", flag.ContinueOnError), nil, envOf(tt.env))
		if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), tt.secret) {
			t.Errorf("env %v: err = %v, want %q without %q", tt.env, err, tt.want, tt.secret)
		}
	}
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "ca.txt")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, file := range []string{filepath.Join(dir, "missing.crt"), notPEM} {
		_, err := OpenSearch(context.Background(), Config{ElasticsearchURL: "http://127.0.0.1:1", ElasticsearchCAFile: file})
		if err == nil || !strings.Contains(err.Error(), "ELASTICSEARCH_CA_FILE") {
			t.Errorf("CA file %s: err = %v, want one naming ELASTICSEARCH_CA_FILE", file, err)
		}
	}
}
