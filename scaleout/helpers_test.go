package scaleout

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/warna/warna/internal/proctest"
)

// binDir holds the binary, built once for the package's tests.
var (
	binDir    string
	buildOnce sync.Once
	built     string
	buildErr  error
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "warna-scaleout-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// buildWarna builds the binary from the repository root, once for all the
// tests of the package.
func buildWarna(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		root, err := filepath.Abs("..")
		if err != nil {
			buildErr = err
			return
		}
		built, buildErr = proctest.Build(root, binDir)
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return built
}

// process is a child process of the test (a warna serve or the S3 server).
type process struct {
	name   string
	cmd    *exec.Cmd
	exited chan struct{} // closed when it has exited, with err set
	err    error
	logs   *proctest.Output
}

func startProcess(t *testing.T, name string, env []string, bin string, args ...string) *process {
	t.Helper()
	p := &process{name: name, cmd: exec.Command(bin, args...), exited: make(chan struct{}), logs: &proctest.Output{}}
	p.cmd.Env = env
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			_ = p.cmd.Process.Kill()
			<-p.exited
		}
		if t.Failed() {
			t.Logf("%s log (tail):\n%s", p.name, p.logs.Tail(8000))
		}
	})
	return p
}

// kill ends the process with SIGKILL and waits for it.
func (p *process) kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-p.exited
}

// waitFor polls cond every interval until it holds or within passes; it
// returns how long that took. Nothing announces what these tests wait for
// across processes, so they poll with a deadline.
func waitFor(t *testing.T, what string, within, interval time.Duration, cond func() (bool, error)) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		ok, err := cond()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if ok {
			return time.Since(start)
		}
		if time.Since(start) > within {
			t.Fatalf("%s: not within %v", what, within)
		}
		time.Sleep(interval)
	}
}

// freePort returns a loopback port that is free, and whose port+10000 is
// free too when grpc is set (SeaweedFS serves gRPC there).
func freePort(t *testing.T, grpc bool) int {
	t.Helper()
	for range 200 {
		p := 20000 + rand.IntN(20000)
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
		if err != nil {
			continue
		}
		if grpc {
			l2, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p+10000))
			if err != nil {
				l.Close()
				continue
			}
			l2.Close()
		}
		l.Close()
		return p
	}
	t.Fatal("no free port")
	return 0
}

// cleanEnv is the test's environment without the server's own settings.
func cleanEnv() []string {
	drop := map[string]bool{"ADDR": true, "DATA_DIR": true, "DATABASE_URL": true, "ELASTICSEARCH_URL": true,
		"BASE_URL": true, "SECRET_KEY": true, "TRUSTED_PROXIES": true, "INSTANCE_ID": true, "LOG_LEVEL": true,
		"MEDIA_URL": true, "JOB_RESCUE_AFTER": true, "WORKERS": true, "AWS_ACCESS_KEY_ID": true,
		"AWS_SECRET_ACCESS_KEY": true, "AWS_SESSION_TOKEN": true}
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if !drop[k] {
			env = append(env, kv)
		}
	}
	return env
}

// s3Server is a SeaweedFS `weed server -s3` on loopback ports.
type s3Server struct {
	endpoint string
	client   *minio.Client
}

const (
	s3AccessKey = "warnatest"
	s3SecretKey = "warnatest-secret-0123456789"
	s3Bucket    = "warna-media"
)

// startSeaweedFS starts the S3 server of WARNA_WEED (built by .ci/seaweedfs)
// with a static key, and makes the media bucket.
func startSeaweedFS(t *testing.T, weed string) *s3Server {
	t.Helper()
	dir := t.TempDir()
	config := filepath.Join(dir, "s3.json")
	identities := map[string]any{"identities": []any{map[string]any{
		"name":        "warna",
		"credentials": []any{map[string]string{"accessKey": s3AccessKey, "secretKey": s3SecretKey}},
		"actions":     []string{"Admin", "Read", "Write", "List", "Tagging"},
	}}}
	b, err := json.Marshal(identities)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(config, b, 0o600); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	if err := os.MkdirAll(data, 0o750); err != nil {
		t.Fatal(err)
	}
	master, volume, filer, s3 := freePort(t, true), freePort(t, true), freePort(t, true), freePort(t, true)
	p := startProcess(t, "seaweedfs", cleanEnv(), weed, "server", "-s3", "-dir="+data, "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
		"-master.port="+strconv.Itoa(master), "-volume.port="+strconv.Itoa(volume), "-filer.port="+strconv.Itoa(filer),
		"-s3.port="+strconv.Itoa(s3), "-s3.config="+config, "-s3.port.iceberg=0", "-s3.port.lance=0", "-master.volumeSizeLimitMB=64", "-volume.max=20")
	endpoint := fmt.Sprintf("127.0.0.1:%d", s3)
	client, err := minio.New(endpoint, &minio.Options{Creds: credentials.NewStaticV4(s3AccessKey, s3SecretKey, ""), Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	took := waitFor(t, "SeaweedFS S3 answering and the bucket made", 90*time.Second, 200*time.Millisecond, func() (bool, error) {
		select {
		case <-p.exited:
			return false, fmt.Errorf("weed exited: %v\n%s", p.err, p.logs.Tail(8000))
		default:
		}
		if err := client.MakeBucket(ctx, s3Bucket, minio.MakeBucketOptions{Region: "us-east-1"}); err != nil {
			code := minio.ToErrorResponse(err).Code
			return code == "BucketAlreadyOwnedByYou" || code == "BucketAlreadyExists", nil
		}
		return true, nil
	})
	t.Logf("SeaweedFS S3 on %s ready in %v", endpoint, took.Round(time.Millisecond))
	return &s3Server{endpoint: endpoint, client: client}
}

// instance is one running `warna serve`.
type instance struct {
	*process
	id   string
	base string // http://127.0.0.1:PORT
	data string // its DATA_DIR
}

func startInstance(t *testing.T, bin, id string, env []string) *instance {
	t.Helper()
	port := freePort(t, false)
	data := t.TempDir()
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	env = append(append([]string(nil), env...), "ADDR="+addr, "DATA_DIR="+data, "INSTANCE_ID="+id)
	in := &instance{process: startProcess(t, "warna "+id, env, bin, "serve"), id: id, base: "http://" + addr, data: data}
	in.waitReady(t)
	return in
}

func (in *instance) waitReady(t *testing.T) {
	t.Helper()
	client := &http.Client{Timeout: 2 * time.Second}
	took := waitFor(t, in.id+" ready", 90*time.Second, 50*time.Millisecond, func() (bool, error) {
		select {
		case <-in.exited:
			return false, fmt.Errorf("%s exited: %v\n%s", in.id, in.err, in.logs.Tail(8000))
		default:
		}
		res, err := client.Get(in.base + "/readyz")
		if err != nil {
			return false, nil
		}
		defer res.Body.Close()
		var body struct {
			Status   string
			Instance string
		}
		if err := json.NewDecoder(res.Body).Decode(&body); err != nil || res.StatusCode != http.StatusOK {
			return false, nil
		}
		if body.Instance != in.id {
			return false, fmt.Errorf("/readyz reports instance %q, want %q", body.Instance, in.id)
		}
		return true, nil
	})
	t.Logf("%s ready on %s in %v", in.id, in.base, took.Round(time.Millisecond))
}

// shopper is a browser: one cookie jar for every instance, as behind a load
// balancer (cookies belong to the host, 127.0.0.1, whatever the port).
type shopper struct {
	t      *testing.T
	client *http.Client
	ip     string
}

func newShopper(t *testing.T, ip string) *shopper {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &shopper{t: t, ip: ip, client: &http.Client{Jar: jar, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

const browserUA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"

func (s *shopper) do(method, u string, form url.Values) (int, string, http.Header) {
	s.t.Helper()
	status, body, h, err := s.try(method, u, form)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, u, err)
	}
	return status, body, h
}

// try is do for goroutines: it returns the error rather than ending the test.
func (s *shopper) try(method, u string, form url.Values) (int, string, http.Header, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		return 0, "", nil, err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("User-Agent", browserUA)
	req.Header.Set("X-Forwarded-For", s.ip)
	res, err := s.client.Do(req)
	if err != nil {
		return 0, "", nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, "", nil, err
	}
	return res.StatusCode, string(b), res.Header, nil
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// csrf reads a form's CSRF token from the page at u.
func (s *shopper) csrf(u string) string {
	s.t.Helper()
	token, err := s.tryCSRF(u)
	if err != nil {
		s.t.Fatal(err)
	}
	return token
}

func (s *shopper) tryCSRF(u string) (string, error) {
	status, body, _, err := s.try(http.MethodGet, u, nil)
	if err != nil {
		return "", err
	}
	m := csrfField.FindStringSubmatch(body)
	if status != http.StatusOK || m == nil {
		return "", fmt.Errorf("GET %s: %d, no CSRF token in the page", u, status)
	}
	return m[1], nil
}

// photo is a JPEG of a red product on a white backdrop, w×h pixels; seed
// makes each photo's bytes (and so its content hash) its own.
func photo(t *testing.T, w, h int, seed uint64) []byte {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 7))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.RGBA{250, 250, 250, 255}
			if x > w/4 && x < 3*w/4 && y > h/5 && y < 4*h/5 {
				n := uint8(rng.IntN(24))
				c = color.RGBA{190 + n, 20 + n/2, 30 + n/2, 255}
			}
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
