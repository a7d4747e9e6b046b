// Package browsertest loads a page in a real headless Chromium (Debian's `chromium`, installed by
// deploy/local/browser.sh) for tests, through chromedp: it records every network request the
// page makes and every error in its console, can wait for a JavaScript condition (charts drawn)
// and read JavaScript values, and takes a screenshot.
//
// The page stays on the machine: the browser resolves no host name but localhost, 127.0.0.1 and
// [::1], so a request to anywhere else fails before it leaves; such requests are listed in
// Result.Outside, and Open fails the test on them.
//
//	res := browsertest.Open(t, "file://"+filepath.Join(dir, "index.html"), browsertest.Options{})
//	// res.ConsoleErrors, res.Requests, res.Screenshot
//
// It owns the browser's process and flags; it knows nothing of what the pages show.
package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// Chromium is where Debian's chromium package puts the browser.
const Chromium = "/usr/bin/chromium"

// Find returns the browser's path: $ECOWATCH_CHROMIUM if set, else Chromium. The error says
// how to install it.
func Find() (string, error) {
	path := os.Getenv("ECOWATCH_CHROMIUM")
	if path == "" {
		path = Chromium
	}
	if info, err := os.Stat(path); err != nil || info.IsDir() || info.Mode()&0o111 == 0 {
		return "", fmt.Errorf("browsertest: headless Chromium not found at %s; install it with deploy/local/browser.sh (Debian package chromium)", path)
	}
	return path, nil
}

// Require returns the browser's path or fails the test with the message of Find.
func Require(t testing.TB) string {
	t.Helper()
	path, err := Find()
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// Options of a page load. Zero values take the defaults.
type Options struct {
	// Width and Height of the viewport in CSS pixels; default 1366×900 (a laptop).
	Width, Height int
	// Screenshot is the PNG file to write; default "screenshot.png" in a new temporary folder.
	Screenshot string
	// FullPage captures the whole page rather than the viewport.
	FullPage bool
	// PartHeight, with FullPage, also writes the page in parts of this many CSS pixels
	// (screenshot-1.png, screenshot-2.png …), small enough for a person to read.
	PartHeight int
	// WaitFor, if set, is a JavaScript expression polled after the load until it is truthy
	// (for example, that every chart reports it has drawn); the load fails if it never is.
	WaitFor string
	// Settle is how long to wait after the load event once the network is idle (and WaitFor
	// holds), for scripts to finish drawing; default 1s.
	Settle time.Duration
	// Eval are JavaScript expressions evaluated once the page has settled, by name; their
	// values, decoded from JSON, are in Result.Values.
	Eval map[string]string
	// Timeout bounds the whole load; default 60s.
	Timeout time.Duration
}

// Result is what happened while the page loaded.
type Result struct {
	// URL is the page loaded (for a Session's Do, the step's label).
	URL string
	// Location is the document's URL at the end (after redirects, form submissions …).
	Location string
	// Title is the document's title.
	Title string
	// ConsoleErrors are console.error/assert calls, uncaught exceptions, browser log entries of
	// level error (such as a resource that failed to load) and failed requests, in order.
	ConsoleErrors []string
	// Requests are the URLs of every request the page made (the page itself first) and of every
	// WebSocket it opened, in order.
	Requests []string
	// Outside are the requests to anywhere but this machine (see Local). The browser cannot
	// resolve their hosts, so they failed without leaving it.
	Outside []string
	// Values are the values of Options.Eval, by name, decoded from JSON (numbers are float64).
	Values map[string]any
	// Screenshot is the path of the PNG.
	Screenshot string
	// Parts are the paths of the parts (Options.PartHeight).
	Parts []string
}

// Open loads url with Require's browser and fails the test on any error of the harness (not of
// the page: those are in the Result) and on every request that would have left the machine.
func Open(t testing.TB, url string, opts Options) *Result {
	t.Helper()
	browser := Require(t)
	if opts.Screenshot == "" {
		opts.Screenshot = filepath.Join(t.TempDir(), "screenshot.png")
	}
	res, err := Load(context.Background(), browser, url, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range res.Outside {
		t.Errorf("browsertest: %s requested %s, which is not on this machine (the request was refused)", url, u)
	}
	return res
}

// Local reports whether a request to u stays on this machine: file:, data:, blob: and about:
// URLs, and URLs whose host is localhost, 127.0.0.1 or [::1] — the hosts the browser is allowed
// to resolve.
func Local(u string) bool {
	p, err := url.Parse(u)
	if err != nil {
		return false
	}
	switch p.Scheme {
	case "file", "data", "blob", "about":
		return true
	}
	switch h := p.Hostname(); h {
	case "localhost", "127.0.0.1":
		return true
	default:
		ip := net.ParseIP(h)
		return ip != nil && ip.Equal(net.IPv6loopback)
	}
}

// hostRules makes every host name but the loopback ones unresolvable: a page (or the browser
// itself) cannot reach the network, whatever it asks for.
const hostRules = "MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1, EXCLUDE [::1]"

// allocatorOptions are the browser's flags: chromedp's defaults (headless, no first run, no
// background networking, no sync …), plus what a root user in a container needs, nothing the
// browser fetches for itself, the host rules, and a fixed device scale so screenshots are in
// CSS pixels. chromedp gives the browser a fresh profile in a temporary folder and removes it.
func allocatorOptions(browser string, opts Options, output *limitedWriter) []chromedp.ExecAllocatorOption {
	return append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(browser),
		chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-features", "Translate,MediaRouter,OptimizationHints,AutofillServerCommunication,BlinkGenPropertyTrees"),
		chromedp.Flag("host-resolver-rules", hostRules),
		chromedp.Flag("force-device-scale-factor", "1"),
		chromedp.WindowSize(opts.Width, opts.Height),
		chromedp.CombinedOutput(output),
	)
}

// Load starts a fresh headless browser, loads url, waits for the load event, an idle network,
// opts.WaitFor and opts.Settle, evaluates opts.Eval, takes the screenshot and stops the browser.
func Load(ctx context.Context, browser, url string, opts Options) (*Result, error) {
	opts = defaults(opts)
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	s, err := start(ctx, browser, opts)
	if err != nil {
		return nil, err
	}
	defer s.stop()
	res, err := s.step(url, []chromedp.Action[chromedp.Void]{chromedp.Navigate(url)}, opts)
	if err != nil {
		return nil, err
	}
	// Close the browser cleanly before the profile is removed.
	if err := chromedp.Cancel(s.tab); err != nil {
		return nil, fmt.Errorf("browsertest: closing the browser: %w", err)
	}
	return res, nil
}

func defaults(opts Options) Options {
	if opts.Width <= 0 {
		opts.Width = 1366
	}
	if opts.Height <= 0 {
		opts.Height = 900
	}
	if opts.Settle <= 0 {
		opts.Settle = time.Second
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 60 * time.Second
	}
	return opts
}

// browserSession is one browser with one tab; its cookies last as long as it does.
type browserSession struct {
	tab       context.Context
	rec       *recorder
	output    *limitedWriter
	stopAlloc context.CancelFunc
	stopTab   context.CancelFunc
}

func start(ctx context.Context, browser string, opts Options) (*browserSession, error) {
	output := &limitedWriter{max: 64 << 10}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, allocatorOptions(browser, opts, output)...)
	rec := &recorder{inFlight: map[network.RequestID]bool{}, urls: map[network.RequestID]string{}}
	tab, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithListener(rec.event))
	// The first action starts the browser and opens the tab.
	if err := chromedp.Do(tab, chromedp.EmulateViewport(int64(opts.Width), int64(opts.Height))); err != nil {
		cancelTab()
		cancelAlloc()
		return nil, fmt.Errorf("browsertest: starting %s: %w; browser output: %s", browser, err, strings.TrimSpace(output.String()))
	}
	return &browserSession{tab: tab, rec: rec, output: output, stopAlloc: cancelAlloc, stopTab: cancelTab}, nil
}

func (s *browserSession) stop() {
	s.stopTab()
	s.stopAlloc()
}

// step runs action (a navigation, a click …), then waits as Load does and reports what
// happened since the previous step.
func (s *browserSession) step(label string, actions []chromedp.Action[chromedp.Void], opts Options) (*Result, error) {
	if opts.Screenshot == "" {
		dir, err := os.MkdirTemp("", "browsertest-")
		if err != nil {
			return nil, fmt.Errorf("browsertest: a folder for the screenshot: %w", err)
		}
		opts.Screenshot = filepath.Join(dir, "screenshot.png")
	}
	s.rec.reset()
	ctx, cancel := context.WithTimeout(s.tab, opts.Timeout)
	defer cancel()
	return drive(ctx, s.rec, label, actions, opts)
}

// Session is a browser kept open across several steps (sign in, open pages, sign out): its
// cookies last until the test ends. Every step reports like Open, for what happened since the
// step before.
type Session struct {
	t    testing.TB
	s    *browserSession
	opts Options
}

// NewSession starts a browser for the test (closed at its end) with the viewport of opts.
func NewSession(t testing.TB, opts Options) *Session {
	t.Helper()
	browser := Require(t)
	opts = defaults(opts)
	ctx, cancel := context.WithCancel(context.Background())
	s, err := start(ctx, browser, opts)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		chromedp.Cancel(s.tab)
		s.stop()
		cancel()
	})
	return &Session{t: t, s: s, opts: opts}
}

// Open loads url in the session's tab; the test fails on a harness error and on requests off
// the machine.
func (s *Session) Open(url string, opts Options) *Result {
	s.t.Helper()
	return s.Do(url, opts, chromedp.Navigate(url))
}

// Do runs actions in the page (e.g. chromedp.SendKeys, chromedp.Click on a form's button),
// then waits as Open does. label names the step in errors.
func (s *Session) Do(label string, opts Options, actions ...chromedp.Action[chromedp.Void]) *Result {
	s.t.Helper()
	opts = defaults(mergeViewport(opts, s.opts))
	if opts.Screenshot == "" {
		opts.Screenshot = filepath.Join(s.t.TempDir(), "screenshot.png")
	}
	res, err := s.s.step(label, actions, opts)
	if err != nil {
		s.t.Fatal(err)
	}
	for _, u := range res.Outside {
		s.t.Errorf("browsertest: %s requested %s, which is not on this machine (the request was refused)", label, u)
	}
	return res
}

// Context is the tab's context, for chromedp calls of a test's own (cookies, polling).
func (s *Session) Context() context.Context { return s.s.tab }

func mergeViewport(o, session Options) Options {
	if o.Width <= 0 {
		o.Width = session.Width
	}
	if o.Height <= 0 {
		o.Height = session.Height
	}
	return o
}

func drive(ctx context.Context, rec *recorder, label string, actions []chromedp.Action[chromedp.Void], opts Options) (*Result, error) {
	url := label
	if err := chromedp.Do(ctx, actions...); err != nil {
		return nil, fmt.Errorf("browsertest: %s: %w", label, err)
	}
	for !rec.idleSince(500 * time.Millisecond) {
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("browsertest: %s: the network never went idle: %w", url, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
	if opts.WaitFor != "" {
		deadline, _ := ctx.Deadline()
		wait := chromedp.Poll[[]byte](opts.WaitFor, chromedp.WithPollingInterval(100*time.Millisecond),
			chromedp.WithPollingTimeout(time.Until(deadline)))
		for {
			_, err := chromedp.Run(ctx, wait)
			if err == nil {
				break
			}
			// A navigation (a redirect, a reload) destroys the context the poll ran in: poll again
			// in the new document.
			if (strings.Contains(err.Error(), "navigated or closed") || strings.Contains(err.Error(), "Cannot find context")) && ctx.Err() == nil {
				time.Sleep(100 * time.Millisecond)
				continue
			}
			return nil, fmt.Errorf("browsertest: %s: waiting for %s: %w (page errors: %v)", url, opts.WaitFor, err, rec.snapshot().ConsoleErrors)
		}
	}
	select {
	case <-time.After(opts.Settle):
	case <-ctx.Done():
		return nil, fmt.Errorf("browsertest: %s: %w", url, ctx.Err())
	}

	title, err := chromedp.Run(ctx, chromedp.Title())
	if err != nil {
		return nil, fmt.Errorf("browsertest: reading the title of %s: %w", url, err)
	}
	location, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return nil, fmt.Errorf("browsertest: reading the location of %s: %w", url, err)
	}
	values := map[string]any{}
	for name, expr := range opts.Eval {
		raw, err := chromedp.Run(ctx, chromedp.Evaluate[[]byte](expr))
		if err != nil {
			return nil, fmt.Errorf("browsertest: evaluating %s (%s) on %s: %w", name, expr, url, err)
		}
		var v any
		if len(raw) > 0 {
			if err := json.Unmarshal(raw, &v); err != nil {
				return nil, fmt.Errorf("browsertest: the value of %s (%s) on %s: %w", name, expr, url, err)
			}
		}
		values[name] = v
	}
	parts, err := screenshots(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("browsertest: screenshot of %s: %w", url, err)
	}
	res := rec.snapshot()
	res.URL, res.Location, res.Title, res.Values, res.Screenshot, res.Parts = url, location, title, values, opts.Screenshot, parts
	return res, nil
}

// screenshots writes opts.Screenshot (the viewport, or with FullPage the whole page) and, with
// PartHeight, the parts; it returns the parts' paths.
func screenshots(ctx context.Context, opts Options) ([]string, error) {
	shot := page.CaptureScreenshotParams{Format: page.CaptureScreenshotFormatPng}
	var parts []string
	if opts.FullPage {
		metrics, err := chromedp.Call(ctx, page.GetLayoutMetrics, cdp.Empty{})
		if err != nil {
			return nil, err
		}
		if metrics.CSSContentSize == nil {
			return nil, fmt.Errorf("the browser did not report the page's size")
		}
		w, h := metrics.CSSContentSize.Width, metrics.CSSContentSize.Height
		beyond := true
		shot.CaptureBeyondViewport = &beyond
		shot.Clip = &page.Viewport{Width: w, Height: h, Scale: 1}
		if opts.PartHeight > 0 {
			base := strings.TrimSuffix(opts.Screenshot, filepath.Ext(opts.Screenshot))
			for i, y := 1, 0.0; y < h; i, y = i+1, y+float64(opts.PartHeight) {
				part := fmt.Sprintf("%s-%d.png", base, i)
				clip := &page.Viewport{Y: y, Width: w, Height: min(float64(opts.PartHeight), h-y), Scale: 1}
				p := page.CaptureScreenshotParams{Format: page.CaptureScreenshotFormatPng, CaptureBeyondViewport: &beyond, Clip: clip}
				if err := capture(ctx, p, part); err != nil {
					return nil, err
				}
				parts = append(parts, part)
			}
		}
	}
	return parts, capture(ctx, shot, opts.Screenshot)
}

func capture(ctx context.Context, params page.CaptureScreenshotParams, path string) error {
	res, err := chromedp.Call(ctx, page.CaptureScreenshot, params)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, res.Data, 0o644)
}

// recorder collects the events of the page's tab. chromedp calls event in the tab's message
// loop, in the order the browser sent them; it runs no command.
type recorder struct {
	mu       sync.Mutex
	errors   []string
	requests []string
	outside  []string
	inFlight map[network.RequestID]bool
	urls     map[network.RequestID]string
	lastNet  time.Time
}

func (r *recorder) event(ev any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		u := ev.Request.URL
		r.requests = append(r.requests, u)
		if !Local(u) {
			r.outside = append(r.outside, u)
		}
		r.inFlight[ev.RequestID] = true
		r.urls[ev.RequestID] = u
		r.lastNet = time.Now()
	case *network.EventWebSocketCreated: // not a request of the Network domain, but traffic all the same
		r.requests = append(r.requests, ev.URL)
		if !Local(ev.URL) {
			r.outside = append(r.outside, ev.URL)
		}
	case *network.EventLoadingFinished:
		delete(r.inFlight, ev.RequestID)
		r.lastNet = time.Now()
	case *network.EventLoadingFailed:
		delete(r.inFlight, ev.RequestID)
		r.lastNet = time.Now()
		if !ev.Canceled {
			r.errors = append(r.errors, "request failed: "+ev.ErrorText+" "+r.urls[ev.RequestID])
		}
	case *runtime.EventConsoleAPICalled:
		if ev.Type != runtime.ConsoleAPICalledTypeError && ev.Type != runtime.ConsoleAPICalledTypeAssert {
			return
		}
		parts := make([]string, 0, len(ev.Args))
		for _, a := range ev.Args {
			parts = append(parts, describe(a))
		}
		r.errors = append(r.errors, "console."+string(ev.Type)+": "+strings.Join(parts, " "))
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		var desc string
		if d.Exception != nil {
			desc = d.Exception.Description
		}
		r.errors = append(r.errors, fmt.Sprintf("exception: %s %s (%s:%d)", d.Text, desc, d.URL, d.LineNumber+1))
	case *cdplog.EventEntryAdded:
		if ev.Entry != nil && ev.Entry.Level == cdplog.EntryLevelError {
			r.errors = append(r.errors, "log: "+ev.Entry.Text+" "+ev.Entry.URL)
		}
	}
}

// describe is a console argument as a person reads it.
func describe(a *runtime.RemoteObject) string {
	switch {
	case a.Description != "":
		return a.Description
	case len(a.Value) > 0:
		var s string
		if json.Unmarshal(a.Value, &s) == nil {
			return s
		}
		return string(a.Value)
	default:
		return string(a.Type)
	}
}

// reset forgets what was recorded, for the next step of a session.
func (r *recorder) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors, r.requests, r.outside = nil, nil, nil
	// Requests of the document before may never report their end once it navigates away.
	clear(r.inFlight)
	r.lastNet = time.Now() // a step's network is idle only after half a second of quiet
}

// idleSince reports whether no request is in flight and none started or ended for d.
func (r *recorder) idleSince(d time.Duration) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.inFlight) == 0 && time.Since(r.lastNet) >= d
}

// snapshot copies what was recorded so far.
func (r *recorder) snapshot() *Result {
	r.mu.Lock()
	defer r.mu.Unlock()
	return &Result{
		ConsoleErrors: append([]string(nil), r.errors...),
		Requests:      append([]string(nil), r.requests...),
		Outside:       append([]string(nil), r.outside...),
	}
}

// limitedWriter keeps the first max bytes of the browser's own output, for error messages.
type limitedWriter struct {
	mu  sync.Mutex
	b   strings.Builder
	max int
}

func (w *limitedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if room := w.max - w.b.Len(); room > 0 {
		w.b.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func (w *limitedWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}
