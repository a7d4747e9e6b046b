// Package browsertest loads a page in a real headless Chromium (Debian's `chromium`, installed by
// deploy/local/browser.sh) for tests: it records every network request the page makes and every
// error in its console, and takes a screenshot. It talks to the browser over the Chrome
// DevTools Protocol with a small built-in WebSocket client, so it needs no dependency.
//
//	res := browsertest.Open(t, "file://"+filepath.Join(dir, "index.html"), browsertest.Options{})
//	// res.ConsoleErrors, res.Requests, res.Screenshot
package browsertest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
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
	// Settle is how long to wait after the load event once the network is idle, for scripts
	// to finish drawing; default 1s.
	Settle time.Duration
	// Timeout bounds the whole load; default 60s.
	Timeout time.Duration
}

// Result is what happened while the page loaded.
type Result struct {
	// URL is the page loaded.
	URL string
	// Title is the document's title.
	Title string
	// ConsoleErrors are console.error/assert calls, uncaught exceptions, browser log entries of
	// level error (such as a resource that failed to load) and failed requests, in order.
	ConsoleErrors []string
	// Requests are the URLs of every request the page made (the page itself first), in order.
	Requests []string
	// Screenshot is the path of the PNG.
	Screenshot string
	// Parts are the paths of the parts (Options.PartHeight).
	Parts []string
}

// Open loads url with Require's browser and fails the test on any error of the harness (not of
// the page: those are in the Result).
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
	return res
}

// Load starts a fresh headless browser (its own temporary profile), loads url, waits for the
// load event, an idle network and opts.Settle, takes the screenshot and stops the browser.
func Load(ctx context.Context, browser, url string, opts Options) (*Result, error) {
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
	if opts.Screenshot == "" {
		dir, err := os.MkdirTemp("", "browsertest-")
		if err != nil {
			return nil, err
		}
		opts.Screenshot = filepath.Join(dir, "screenshot.png")
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()

	profile, err := os.MkdirTemp("", "browsertest-profile-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(profile)
	stderr := &limitedWriter{b: &strings.Builder{}, max: 64 << 10}
	cmd := exec.Command(browser,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-extensions", "--disable-default-apps", "--no-default-browser-check",
		"--disable-features=Translate,MediaRouter,OptimizationHints,AutofillServerCommunication",
		"--hide-scrollbars", "--mute-audio", "--force-device-scale-factor=1",
		"--user-data-dir="+profile, "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
		fmt.Sprintf("--window-size=%d,%d", opts.Width, opts.Height),
		"about:blank")
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("browsertest: starting %s: %w", browser, err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	defer func() {
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	}()

	wsURL, err := devToolsURL(ctx, profile, exited)
	if err != nil {
		cmd.Process.Kill()
		<-exited
		return nil, fmt.Errorf("%w; browser output: %s", err, strings.TrimSpace(stderr.String()))
	}
	ws, err := dialWebSocket(wsURL, 10*time.Second)
	if err != nil {
		cmd.Process.Kill()
		return nil, err
	}
	rec := &recorder{loaded: make(chan struct{})}
	c := newCDPClient(ws, rec.event)
	defer c.close()
	res, err := drive(ctx, c, rec, url, opts)
	c.call(ctx, "", "Browser.close", nil, nil)
	if err != nil {
		cmd.Process.Kill()
		return nil, err
	}
	return res, nil
}

// devToolsURL waits for the browser to write the DevTools port into its profile.
func devToolsURL(ctx context.Context, profile string, exited <-chan struct{}) (string, error) {
	file := filepath.Join(profile, "DevToolsActivePort")
	for {
		if b, err := os.ReadFile(file); err == nil {
			lines := strings.Split(strings.TrimSpace(string(b)), "\n")
			if len(lines) == 2 {
				return "ws://127.0.0.1:" + strings.TrimSpace(lines[0]) + strings.TrimSpace(lines[1]), nil
			}
		}
		select {
		case <-exited:
			return "", errors.New("browsertest: the browser exited before it opened its DevTools port")
		case <-ctx.Done():
			return "", fmt.Errorf("browsertest: waiting for the browser's DevTools port: %w", ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// recorder collects the events of the page's session.
type recorder struct {
	mu       sync.Mutex
	session  string
	errors   []string
	requests []string
	inFlight map[string]bool
	urls     map[string]string // request id → URL
	lastNet  time.Time
	loaded   chan struct{}
	loadOnce sync.Once
}

func (r *recorder) event(m cdpMessage) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.session == "" || m.SessionID != r.session {
		return
	}
	if r.inFlight == nil {
		r.inFlight, r.urls = map[string]bool{}, map[string]string{}
	}
	switch m.Method {
	case "Page.loadEventFired":
		r.loadOnce.Do(func() { close(r.loaded) })
	case "Network.requestWillBeSent":
		var p struct {
			RequestID string `json:"requestId"`
			Request   struct {
				URL string `json:"url"`
			} `json:"request"`
		}
		json.Unmarshal(m.Params, &p)
		r.requests = append(r.requests, p.Request.URL)
		r.inFlight[p.RequestID] = true
		r.urls[p.RequestID] = p.Request.URL
		r.lastNet = time.Now()
	case "Network.loadingFinished":
		var p struct {
			RequestID string `json:"requestId"`
		}
		json.Unmarshal(m.Params, &p)
		delete(r.inFlight, p.RequestID)
		r.lastNet = time.Now()
	case "Network.loadingFailed":
		var p struct {
			RequestID string `json:"requestId"`
			ErrorText string `json:"errorText"`
			Canceled  bool   `json:"canceled"`
		}
		json.Unmarshal(m.Params, &p)
		delete(r.inFlight, p.RequestID)
		r.lastNet = time.Now()
		if !p.Canceled {
			r.errors = append(r.errors, "request failed: "+p.ErrorText+" "+r.urls[p.RequestID])
		}
	case "Runtime.consoleAPICalled":
		var p struct {
			Type string `json:"type"`
			Args []struct {
				Type        string          `json:"type"`
				Value       json.RawMessage `json:"value"`
				Description string          `json:"description"`
			} `json:"args"`
		}
		json.Unmarshal(m.Params, &p)
		if p.Type != "error" && p.Type != "assert" {
			return
		}
		var parts []string
		for _, a := range p.Args {
			switch {
			case a.Description != "":
				parts = append(parts, a.Description)
			case len(a.Value) > 0:
				var s string
				if json.Unmarshal(a.Value, &s) == nil {
					parts = append(parts, s)
				} else {
					parts = append(parts, string(a.Value))
				}
			default:
				parts = append(parts, a.Type)
			}
		}
		r.errors = append(r.errors, "console."+p.Type+": "+strings.Join(parts, " "))
	case "Runtime.exceptionThrown":
		var p struct {
			ExceptionDetails struct {
				Text      string `json:"text"`
				URL       string `json:"url"`
				Line      int    `json:"lineNumber"`
				Exception struct {
					Description string `json:"description"`
				} `json:"exception"`
			} `json:"exceptionDetails"`
		}
		json.Unmarshal(m.Params, &p)
		d := p.ExceptionDetails
		r.errors = append(r.errors, fmt.Sprintf("exception: %s %s (%s:%d)", d.Text, d.Exception.Description, d.URL, d.Line+1))
	case "Log.entryAdded":
		var p struct {
			Entry struct {
				Level string `json:"level"`
				Text  string `json:"text"`
				URL   string `json:"url"`
			} `json:"entry"`
		}
		json.Unmarshal(m.Params, &p)
		if p.Entry.Level == "error" {
			r.errors = append(r.errors, "log: "+p.Entry.Text+" "+p.Entry.URL)
		}
	}
}

// idleSince reports whether no request is in flight and none started or ended for d.
func (r *recorder) idleSince(d time.Duration) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.inFlight) == 0 && time.Since(r.lastNet) >= d
}

func drive(ctx context.Context, c *cdpClient, rec *recorder, url string, opts Options) (*Result, error) {
	var target struct {
		TargetID string `json:"targetId"`
	}
	if err := c.call(ctx, "", "Target.createTarget", map[string]any{"url": "about:blank"}, &target); err != nil {
		return nil, err
	}
	var attached struct {
		SessionID string `json:"sessionId"`
	}
	if err := c.call(ctx, "", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &attached); err != nil {
		return nil, err
	}
	s := attached.SessionID
	rec.mu.Lock()
	rec.session = s
	rec.mu.Unlock()
	for _, m := range []string{"Page.enable", "Runtime.enable", "Log.enable", "Network.enable"} {
		if err := c.call(ctx, s, m, nil, nil); err != nil {
			return nil, err
		}
	}
	if err := c.call(ctx, s, "Emulation.setDeviceMetricsOverride", map[string]any{
		"width": opts.Width, "height": opts.Height, "deviceScaleFactor": 1, "mobile": false,
	}, nil); err != nil {
		return nil, err
	}
	var nav struct {
		ErrorText string `json:"errorText"`
	}
	if err := c.call(ctx, s, "Page.navigate", map[string]any{"url": url}, &nav); err != nil {
		return nil, err
	}
	if nav.ErrorText != "" {
		return nil, fmt.Errorf("browsertest: loading %s: %s", url, nav.ErrorText)
	}
	select {
	case <-rec.loaded:
	case <-ctx.Done():
		return nil, fmt.Errorf("browsertest: %s did not finish loading: %w", url, ctx.Err())
	}
	for !rec.idleSince(500 * time.Millisecond) {
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("browsertest: %s: the network never went idle: %w", url, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
	select {
	case <-time.After(opts.Settle):
	case <-ctx.Done():
		return nil, ctx.Err()
	}

	var title struct {
		Result struct {
			Value string `json:"value"`
		} `json:"result"`
	}
	if err := c.call(ctx, s, "Runtime.evaluate", map[string]any{"expression": "document.title", "returnByValue": true}, &title); err != nil {
		return nil, err
	}
	var parts []string
	shot := map[string]any{"format": "png"}
	if opts.FullPage {
		var metrics struct {
			CSSContentSize struct {
				Width  float64 `json:"width"`
				Height float64 `json:"height"`
			} `json:"cssContentSize"`
		}
		if err := c.call(ctx, s, "Page.getLayoutMetrics", nil, &metrics); err != nil {
			return nil, err
		}
		w, h := metrics.CSSContentSize.Width, metrics.CSSContentSize.Height
		shot["captureBeyondViewport"] = true
		shot["clip"] = map[string]any{"x": 0, "y": 0, "width": w, "height": h, "scale": 1}
		if opts.PartHeight > 0 {
			base := strings.TrimSuffix(opts.Screenshot, filepath.Ext(opts.Screenshot))
			for i, y := 1, 0.0; y < h; i, y = i+1, y+float64(opts.PartHeight) {
				part := fmt.Sprintf("%s-%d.png", base, i)
				clip := map[string]any{"x": 0, "y": y, "width": w, "height": min(float64(opts.PartHeight), h-y), "scale": 1}
				if err := screenshot(ctx, c, s, map[string]any{"format": "png", "captureBeyondViewport": true, "clip": clip}, part); err != nil {
					return nil, err
				}
				parts = append(parts, part)
			}
		}
	}
	if err := screenshot(ctx, c, s, shot, opts.Screenshot); err != nil {
		return nil, err
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return &Result{
		URL: url, Title: title.Result.Value, Screenshot: opts.Screenshot, Parts: parts,
		ConsoleErrors: append([]string(nil), rec.errors...), Requests: append([]string(nil), rec.requests...),
	}, nil
}

// screenshot captures the page with the given Page.captureScreenshot parameters into a file.
func screenshot(ctx context.Context, c *cdpClient, session string, params map[string]any, path string) error {
	var png struct {
		Data string `json:"data"`
	}
	if err := c.call(ctx, session, "Page.captureScreenshot", params, &png); err != nil {
		return err
	}
	b, err := base64.StdEncoding.DecodeString(png.Data)
	if err != nil {
		return fmt.Errorf("browsertest: decoding the screenshot: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// limitedWriter keeps the first max bytes of the browser's own output, for error messages.
type limitedWriter struct {
	mu  sync.Mutex
	b   *strings.Builder
	max int
}

func (w *limitedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if room := w.max - w.b.Len(); room > 0 {
		if len(p) > room {
			w.b.Write(p[:room])
		} else {
			w.b.Write(p)
		}
	}
	return len(p), nil
}

func (w *limitedWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}
