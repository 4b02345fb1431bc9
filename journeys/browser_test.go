package journeys

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// desktopUA is what a person's Chromium sends. Headless Chromium announces
// itself as "HeadlessChrome", which the click classifier rightly counts as a
// bot (no commission); the journeys play people, so they present as one.
const desktopUA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"

// newBrowser starts one Chromium for the test with a fresh profile. It may
// reach only loopback: every other host name resolves to nothing.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromePath),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("force-color-profile", "srgb"),
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"),
		chromedp.UserAgent(desktopUA),
		chromedp.WindowSize(1280, 900),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	browser, cancelBrowser := chromedp.NewContext(alloc, chromedp.WithLogf(t.Logf))
	if err := chromedp.Do(browser); err != nil { // starts Chromium
		cancelBrowser()
		cancelAlloc()
		t.Fatalf("start chromium %s: %v", chromePath, err)
	}
	t.Cleanup(func() { cancelBrowser(); cancelAlloc() })
	return browser
}

// user is one person's browser context: its own cookies and storage, and
// the language the site speaks to it (English, what headless Chromium's
// Accept-Language asks for, until setView picks another).
type user struct {
	t    *testing.T
	name string
	ctx  context.Context
	lang lang
	// width is the window's width in CSS pixels.
	width int64
}

// people counts the users made, to give each its own address.
var people atomic.Int64

// newUser opens a separate browser context (like a fresh profile) in browser.
func newUser(t *testing.T, browser context.Context, name string) *user {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	ip := fmt.Sprintf("203.0.113.%d", people.Add(1)%250+1) // TEST-NET-3: a person's own address
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		cancel()
		t.Fatalf("%s: new browser context: %v", name, err)
	}
	if _, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
		Headers: network.Headers{"X-Forwarded-For": ip}}); err != nil {
		cancel()
		t.Fatalf("%s: X-Forwarded-For: %v", name, err)
	}
	t.Cleanup(cancel)
	return &user{t: t, name: name, ctx: ctx, lang: english, width: desktopWidth}
}

// lang is a language the site speaks, by its code.
type lang string

const (
	indonesian lang = "id"
	english    lang = "en"
)

// phoneWidth and desktopWidth are the widths the journeys run at: a
// 390 px phone and a laptop.
const (
	phoneWidth   = 390
	desktopWidth = 1280
)

// setView makes the window width px wide (a phone's, with its touch screen
// and viewport meta, below 640) and picks l with the footer's language
// switcher, as a person would.
func (u *user) setView(l lang, width int64) {
	u.t.Helper()
	emulate := chromedp.EmulateViewport(width, 900)
	if width < 640 {
		emulate = chromedp.EmulateViewport(width, 844, chromedp.EmulateMobile, chromedp.EmulateTouch)
	}
	u.do(fmt.Sprintf("a %d px window", width), emulate)
	u.open("/cart")
	if got := eval[string](u, "the page's language", `document.documentElement.lang`); got != string(l) {
		u.submit("switch to "+string(l), fmt.Sprintf(`footer nav.languages a[hreflang="%s"]`, l))
	}
	u.lang, u.width = l, width
	if got := eval[string](u, "the page's language", `document.documentElement.lang`); got != string(l) {
		u.t.Fatalf("%s: the page is in %q after choosing %q", u.name, got, l)
	}
}

// indonesianTexts is the site's own Indonesian catalogue
// (web/locale/messages/id*.json: English text → Indonesian), so that the
// journeys read the Indonesian pages with the texts the site writes. It is
// read as data: the journeys import no Warna package.
var indonesianTexts = sync.OnceValues(func() (map[string]string, error) {
	files, err := filepath.Glob(filepath.Join(repoRoot, "web", "locale", "messages", "id*.json"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("no Indonesian catalogue under web/locale/messages (%v)", err)
	}
	texts := map[string]string{}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var m map[string]string
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		for k, v := range m {
			texts[k] = v
		}
	}
	return texts, nil
})

// tr is an English page text as u reads it, its {{.Name}} fields filled from
// the name, value pairs that follow.
func (u *user) tr(text string, pairs ...any) string {
	u.t.Helper()
	if u.lang == indonesian {
		texts, err := indonesianTexts()
		if err != nil {
			u.t.Fatal(err)
		}
		id, ok := texts[text]
		if !ok {
			u.t.Fatalf("the Indonesian catalogue has no %q", text)
		}
		text = id
	}
	for i := 0; i+1 < len(pairs); i += 2 {
		text = strings.ReplaceAll(text, fmt.Sprintf("{{.%s}}", pairs[i]), fmt.Sprint(pairs[i+1]))
	}
	return text
}

// trf is a message the server writes with site.T(c, format, args…), as u
// reads it.
func (u *user) trf(format string, args ...any) string {
	u.t.Helper()
	return fmt.Sprintf(u.tr(format), args...)
}

// rupiah writes an amount as the site does in u's language: Rp 150.000 in
// Indonesian, Rp 150,000 in English.
func (u *user) rupiah(n int64) string {
	sep := ","
	if u.lang == indonesian {
		sep = "."
	}
	digits := fmt.Sprint(n)
	var out []string
	for len(digits) > 3 {
		out = append([]string{digits[len(digits)-3:]}, out...)
		digits = digits[:len(digits)-3]
	}
	return "Rp " + strings.Join(append([]string{digits}, out...), sep)
}

// mailedLink is the path and query of the newest link to path in a mail to
// to that the server wrote under DATA_DIR/mail (it writes a mail before it
// answers the request that sends it).
func mailedLink(t *testing.T, to, path string) string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dataDir, "mail", "*.eml"))
	if err != nil {
		t.Fatal(err)
	}
	link := regexp.MustCompile(regexp.QuoteMeta(baseURL+path) + `\?\S+`)
	for i := len(files) - 1; i >= 0; i-- { // the names sort by the time they were written
		raw, err := os.ReadFile(files[i])
		if err != nil {
			t.Fatal(err)
		}
		msg, err := mail.ReadMessage(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("%s: %v", files[i], err)
		}
		if addr, err := mail.ParseAddress(msg.Header.Get("To")); err != nil || addr.Address != to {
			continue
		}
		body, err := io.ReadAll(msg.Body)
		if err != nil {
			t.Fatal(err)
		}
		if m := link.Find(body); m != nil {
			return strings.TrimPrefix(string(m), baseURL)
		}
	}
	t.Fatalf("no mail to %s with a link to %s among the %d in %s", to, path, len(files), filepath.Join(dataDir, "mail"))
	return ""
}

// timeout bounds every single step; the polls have their own deadlines.
const timeout = 30 * time.Second

// do runs steps, failing the test with the page's URL.
func (u *user) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	u.t.Helper()
	ctx, cancel := context.WithTimeout(u.ctx, timeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		u.t.Fatalf("%s: %s: %v (at %s)", u.name, what, err, u.location())
	}
}

// submit clicks sel (a submit button or link) and waits for the page it
// leads to, failing on an error status with what the page says.
func (u *user) submit(what, sel string) {
	u.t.Helper()
	ctx, cancel := context.WithTimeout(u.ctx, timeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel)))
	u.checkResponse(what, resp, err)
}

// submitRefused clicks sel like submit, for a form the server must refuse:
// it fails unless the answer is an error status, and returns it.
func (u *user) submitRefused(what, sel string) int64 {
	u.t.Helper()
	ctx, cancel := context.WithTimeout(u.ctx, timeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		u.t.Fatalf("%s: %s: %v (at %s)", u.name, what, err, u.location())
	}
	if resp == nil || resp.Status < 400 {
		u.t.Fatalf("%s: %s: accepted at %s, want it refused; page says:\n%s", u.name, what, u.location(), u.mainText())
	}
	return resp.Status
}

// open navigates to path on the server and waits for it to load.
func (u *user) open(path string) {
	u.t.Helper()
	ctx, cancel := context.WithTimeout(u.ctx, timeout)
	defer cancel()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(baseURL+path))
	u.checkResponse("open "+path, resp, err)
}

func (u *user) checkResponse(what string, resp *network.Response, err error) {
	u.t.Helper()
	if err != nil {
		u.t.Fatalf("%s: %s: %v (at %s)", u.name, what, err, u.location())
	}
	if resp != nil && resp.Status >= 400 {
		u.t.Fatalf("%s: %s: status %d at %s; page says:\n%s", u.name, what, resp.Status, u.location(), u.mainText())
	}
}

func (u *user) location() string {
	ctx, cancel := context.WithTimeout(u.ctx, 5*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	return loc
}

// path is the current URL without the server part.
func (u *user) path() string { return strings.TrimPrefix(u.location(), baseURL) }

// mainText is the page's main text, for failure messages.
func (u *user) mainText() string {
	ctx, cancel := context.WithTimeout(u.ctx, 5*time.Second)
	defer cancel()
	s, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector("main") || document.body).innerText`))
	return s
}

// text is the visible text of the first element matching sel, with runs of
// white space made one space.
func (u *user) text(sel string) string {
	u.t.Helper()
	u.do("wait for "+sel, waitVisible(sel))
	ctx, cancel := context.WithTimeout(u.ctx, timeout)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		u.t.Fatalf("%s: read %s: %v (at %s)", u.name, sel, err, u.location())
	}
	return strings.Join(strings.Fields(s), " ")
}

// eval evaluates a JavaScript expression in u's page.
func eval[T any](u *user, what, js string, opts ...chromedp.EvaluateOption) T {
	u.t.Helper()
	ctx, cancel := context.WithTimeout(u.ctx, timeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, opts...))
	if err != nil {
		u.t.Fatalf("%s: %s: %v (at %s)", u.name, what, err, u.location())
	}
	return v
}

// copyLink clicks the Copy button sel, as a person would, and returns what
// it put on the clipboard once the button says copied (in the page's
// language). The clipboard needs the
// page's permission, which a person grants by using the site; here it is
// granted to the site for u's browser context only.
func (u *user) copyLink(sel, copied string) string {
	u.t.Helper()
	ctx, cancel := context.WithTimeout(u.ctx, timeout)
	defer cancel()
	for _, name := range []string{"clipboard-read", "clipboard-write"} {
		if _, err := chromedp.CallBrowser(ctx, cdpbrowser.SetPermission, cdpbrowser.SetPermissionParams{
			Permission:       &cdpbrowser.PermissionDescriptor{Name: name},
			Setting:          cdpbrowser.PermissionSettingGranted,
			Origin:           baseURL,
			BrowserContextID: chromedp.FromContext(u.ctx).BrowserContextID,
		}); err != nil {
			u.t.Fatalf("%s: grant %s: %v", u.name, name, err)
		}
	}
	u.do("click "+sel, click(sel))
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](fmt.Sprintf(`document.querySelector(%q).textContent.trim() === %q`, sel, copied))); err != nil {
		u.t.Fatalf("%s: %s never said %q: %v", u.name, sel, copied, err)
	}
	return eval[string](u, "read the clipboard", `navigator.clipboard.readText()`, chromedp.EvalAwaitPromise)
}

// fill sets form fields (selector, value, selector, value…), as typing would
// leave them.
func fill(fields ...string) chromedp.Action[chromedp.Void] {
	var steps []chromedp.Action[chromedp.Void]
	for i := 0; i+1 < len(fields); i += 2 {
		steps = append(steps, chromedp.SetValue(chromedp.CSS(fields[i]), fields[i+1]))
	}
	return chromedp.Steps(steps...)
}

// shot saves a full-page PNG screenshot to artifacts/journeys/name.png.
func (u *user) shot(name string) {
	u.t.Helper()
	ctx, cancel := context.WithTimeout(u.ctx, timeout)
	defer cancel()
	// From the top: a page opened at a #fragment is scrolled, and the sticky
	// header would be drawn in the middle of the full-page capture.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.scrollTo(0, 0), true`)); err != nil {
		u.t.Fatalf("%s: scroll to top: %v", u.name, err)
	}
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		u.t.Fatalf("%s: screenshot %s: %v", u.name, name, err)
	}
	dir := filepath.Join(repoRoot, "artifacts", "journeys")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		u.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644); err != nil {
		u.t.Fatal(err)
	}
}

// overflow says how far the page reaches past the window's right edge (so
// that it scrolls sideways) and which elements stick out first, or is ""
// when it fits. A wide table scrolling in its own box fits.
func (u *user) overflow() string {
	u.t.Helper()
	return eval[string](u, "sideways overflow", `(() => {
		const w = document.documentElement.clientWidth;
		if (document.documentElement.scrollWidth <= w) return "";
		const out = [...document.body.querySelectorAll("*")].filter(e =>
			e.getBoundingClientRect().right > w + 1 && e.parentElement.getBoundingClientRect().right <= w + 1
		).slice(0, 6).map(e => e.tagName.toLowerCase() + [...e.classList].map(c => "." + c).join("") + " to " + Math.round(e.getBoundingClientRect().right) + " px");
		return "the page is " + document.documentElement.scrollWidth + " px wide; sticking out: " + out.join(", ");
	})()`)
}

// cookie returns the named cookie of the server's origin, or "".
func (u *user) cookie(name string) string {
	u.t.Helper()
	ctx, cancel := context.WithTimeout(u.ctx, timeout)
	defer cancel()
	res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{baseURL}})
	if err != nil {
		u.t.Fatalf("%s: cookies: %v", u.name, err)
	}
	for _, c := range res.Cookies {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// pollReload reloads path until check (a JavaScript boolean expression) is
// true, failing after within with what the page last said.
func (u *user) pollReload(what, path, check string, within time.Duration) {
	u.t.Helper()
	deadline := time.Now().Add(within)
	for {
		u.open(path)
		if eval[bool](u, what, check) {
			return
		}
		if time.Now().After(deadline) {
			u.t.Fatalf("%s: %s: not so after %s at %s; page says:\n%s", u.name, what, within, path, u.mainText())
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// redTeePNG draws a saturated red T-shirt on white, like a product photo.
func redTeePNG(t *testing.T) string {
	t.Helper()
	return teePNG(t, "red-tee.png", color.NRGBA{214, 18, 32, 255}, color.NRGBA{170, 12, 24, 255})
}

// teePNG draws a T-shirt of colour main with a collar band of colour dark,
// on white.
func teePNG(t *testing.T, name string, main, dark color.NRGBA) string {
	t.Helper()
	const w, h = 640, 640
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	white := color.NRGBA{255, 255, 255, 255}
	inside := func(x, y int) (bool, bool) {
		// Body, two sleeves, a neck cut-out; the collar band is darker.
		fx, fy := float64(x), float64(y)
		body := fx >= 190 && fx <= 450 && fy >= 120 && fy <= 590
		left := fy >= 120 && fy <= 300 && fx >= 70 && fx < 190 && fy-120 >= (190-fx)*0.9
		right := fy >= 120 && fy <= 300 && fx > 450 && fx <= 570 && fy-120 >= (fx-450)*0.9
		dx, dy := fx-320, fy-112
		neck := dx*dx/(62*62)+dy*dy/(52*52) <= 1
		collar := !neck && dx*dx/(74*74)+dy*dy/(64*64) <= 1 && fy >= 120
		return (body || left || right) && !neck, collar
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			in, collar := inside(x, y)
			switch {
			case collar:
				img.SetNRGBA(x, y, dark)
			case in:
				img.SetNRGBA(x, y, main)
			default:
				img.SetNRGBA(x, y, white)
			}
		}
	}
	return savePNG(t, name, img)
}

// portraitPNG draws a profile photo: head and shoulders on a teal wall,
// wider than tall so the server's square crop has work to do.
func portraitPNG(t *testing.T) string {
	t.Helper()
	const w, h = 480, 360
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			fx, fy := float64(x-w/2), float64(y)
			c := color.NRGBA{40, 150 - uint8(y/6), 150, 255}
			switch {
			case fx*fx/(70*70)+(fy-140)*(fy-140)/(85*85) <= 1:
				c = color.NRGBA{224, 172, 130, 255} // face
			case fy > 250 && fx*fx/(150*150)+(fy-360)*(fy-360)/(120*120) <= 1:
				c = color.NRGBA{250, 200, 40, 255} // yellow top
			}
			img.SetNRGBA(x, y, c)
		}
	}
	return savePNG(t, "portrait.png", img)
}

func savePNG(t *testing.T, name string, img image.Image) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// lockedWriter serialises writes to the server log buffer and reads of it.
type lockedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (l *lockedWriter) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.String()
}

var _ io.Writer = (*lockedWriter)(nil)

// mustContain fails unless got contains every want, ignoring case: visible
// text is what CSS made of it (text-transform: uppercase headings, badges).
func mustContain(t *testing.T, where, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(strings.ToLower(got), strings.ToLower(w)) {
			t.Fatalf("%s: want %q in:\n%s", where, w, got)
		}
	}
}

func uniq(prefix string) string { return fmt.Sprintf("%s%d", prefix, time.Now().UnixNano()%1_000_000) }

// click clicks the first visible element matching the CSS selector.
func click(sel string) chromedp.Action[chromedp.Void] { return chromedp.Click(chromedp.CSS(sel)) }

// waitVisible waits for an element matching the CSS selector to be visible.
func waitVisible(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.WaitVisible(chromedp.CSS(sel))
}

// setUploadFiles puts files on a file input, as choosing them would.
func setUploadFiles(sel string, files ...string) chromedp.Action[chromedp.Void] {
	return chromedp.SetUploadFiles(chromedp.CSS(sel), files)
}

// imagesLoaded waits for the images matching sel to finish loading (lazy ones
// are scrolled into view first) and fails if any is broken, so a screenshot
// shows the photos and a bad thumbnail URL is caught.
func (u *user) imagesLoaded(sel string) {
	u.t.Helper()
	js := fmt.Sprintf(`Promise.all([...document.querySelectorAll(%q)].map(img => {
		img.loading = "eager";
		img.scrollIntoView({block: "nearest"});
		return img.complete ? img : new Promise(ok => { img.addEventListener("load", () => ok(img)); img.addEventListener("error", () => ok(img)); });
	})).then(imgs => Promise.all(imgs.map(i => i.decode().catch(() => null))).then(() => imgs))
	  .then(imgs => new Promise(ok => requestAnimationFrame(() => requestAnimationFrame(() => ok(imgs)))))
	  .then(imgs => { window.scrollTo(0, 0); return imgs.filter(i => i.naturalWidth === 0).map(i => i.currentSrc || i.src); })`, sel)
	ctx, cancel := context.WithTimeout(u.ctx, timeout)
	defer cancel()
	broken, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](js, chromedp.EvalAwaitPromise))
	if err != nil {
		u.t.Fatalf("%s: images %s: %v (at %s)", u.name, sel, err, u.location())
	}
	if len(broken) > 0 {
		u.t.Fatalf("%s: broken images at %s: %v", u.name, u.path(), broken)
	}
}
