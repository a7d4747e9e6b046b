package browsertest

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestRecordsRequestsConsoleErrorsAndScreenshot(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	page := `<!DOCTYPE html><html><head><meta charset="utf-8"><title>测试页</title>
<script src="local.js"></script></head>
<body style="background:#c00"><h1>你好</h1>
<img src="http://127.0.0.1:9/remote.png">
<script>console.log("all-good-log"); console.error("boom", 42); undefinedFunction();</script>
</body></html>`
	if err := os.WriteFile(filepath.Join(dir, "index.html"), []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "local.js"), []byte("window.x = 1;\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(dir, "shot.png")
	res := Open(t, "file://"+filepath.Join(dir, "index.html"), Options{Screenshot: shot, Width: 800, Height: 600})
	t.Logf("screenshot: %s", res.Screenshot)

	if res.Title != "测试页" {
		t.Errorf("title %q", res.Title)
	}
	joined := strings.Join(res.Requests, "\n")
	for _, want := range []string{"file://" + dir + "/index.html", "file://" + dir + "/local.js", "http://127.0.0.1:9/remote.png"} {
		if !strings.Contains(joined, want) {
			t.Errorf("request %s not recorded; got:\n%s", want, joined)
		}
	}
	errs := strings.Join(res.ConsoleErrors, "\n")
	for _, want := range []string{"console.error: boom 42", "undefinedFunction", "request failed"} {
		if !strings.Contains(errs, want) {
			t.Errorf("error %q not recorded; got:\n%s", want, errs)
		}
	}
	if strings.Contains(errs, "all-good-log") {
		t.Errorf("console.log recorded as an error:\n%s", errs)
	}
	b, err := os.ReadFile(res.Screenshot)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) || len(b) < 1000 {
		t.Errorf("screenshot is not a PNG (%d bytes)", len(b))
	}
}

func TestFindNamesTheInstallScript(t *testing.T) {
	t.Setenv("ECOWATCH_CHROMIUM", filepath.Join(t.TempDir(), "no-such-browser"))
	_, err := Find()
	if err == nil || !strings.Contains(err.Error(), "deploy/local/browser.sh") {
		t.Fatalf("error %v does not name deploy/local/browser.sh", err)
	}
}

// TestRequestsOffTheMachineAreRefusedAndListed: whatever a page asks for outside this machine —
// a host name, an IP literal, IPv6, fetch, a WebSocket — the browser cannot resolve it (so
// nothing leaves), and the request is listed in Outside for Open to fail the test on.
func TestRequestsOffTheMachineAreRefusedAndListed(t *testing.T) {
	t.Parallel()
	browser := Require(t)
	dir := t.TempDir()
	page := `<!DOCTYPE html><html><head><title>outside</title></head><body>
<img src="http://example.com/a.png"><img src="http://203.0.113.7/b.png"><img src="https://[2001:db8::1]/c.png">
<script>fetch("http://198.51.100.3/x").catch(function () {}); new WebSocket("ws://192.0.2.5/ws");</script>
</body></html>`
	if err := os.WriteFile(filepath.Join(dir, "index.html"), []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := Load(context.Background(), browser, "file://"+filepath.Join(dir, "index.html"), Options{Settle: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	outside := []string{"http://example.com/a.png", "http://203.0.113.7/b.png", "https://[2001:db8::1]/c.png", "http://198.51.100.3/x", "ws://192.0.2.5/ws"}
	if !slices.Equal(sorted(res.Outside), sorted(outside)) {
		t.Errorf("outside = %v, want %v", res.Outside, outside)
	}
	errs := strings.Join(res.ConsoleErrors, "\n")
	for _, u := range outside[:4] {
		if !strings.Contains(errs, "request failed: net::ERR_NAME_NOT_RESOLVED "+u) {
			t.Errorf("%s was not refused by the browser's resolver; errors:\n%s", u, errs)
		}
	}
	if !strings.Contains(errs, "WebSocket connection to 'ws://192.0.2.5/ws' failed") || !strings.Contains(errs, "ERR_NAME_NOT_RESOLVED") {
		t.Errorf("the WebSocket was not refused by the browser's resolver; errors:\n%s", errs)
	}
}

// TestLocalServerWaitForAndEval loads a page from a loopback HTTP server that draws two seconds
// after its load event (well after the network is idle and the page has settled), waits for it
// to say it has drawn, and reads values from it.
func TestLocalServerWaitForAndEval(t *testing.T) {
	t.Parallel()
	browser := Require(t)
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!DOCTYPE html><html><head><meta charset="utf-8"><title>图表</title><script src="/draw.js"></script></head>
<body style="margin:0"><h1>本季度</h1><div id="chart"></div><div style="height:1500px"></div></body></html>`)
	})
	mux.HandleFunc("/draw.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		fmt.Fprint(w, `window.addEventListener("load", function () {
  setTimeout(function () {
    for (var i = 0; i < 3; i++) { var b = document.createElement("div"); b.className = "bar"; document.getElementById("chart").appendChild(b); }
    window.drawn = true;
  }, 2000);
});`)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	shot := filepath.Join(t.TempDir(), "page.png")
	res, err := Load(context.Background(), browser, srv.URL+"/", Options{
		Width: 800, Height: 600, Screenshot: shot, FullPage: true, PartHeight: 700,
		WaitFor: "window.drawn === true", Settle: 50 * time.Millisecond,
		Eval: map[string]string{"bars": `document.querySelectorAll(".bar").length`, "heading": `document.querySelector("h1").textContent`},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Values["bars"] != float64(3) || res.Values["heading"] != "本季度" || res.Title != "图表" {
		t.Errorf("title %q, values %v; want 图表, 3 bars and the heading 本季度", res.Title, res.Values)
	}
	if len(res.Outside) != 0 || !slices.Contains(res.Requests, srv.URL+"/draw.js") {
		t.Errorf("requests %v (outside: %v)", res.Requests, res.Outside)
	}
	for _, e := range res.ConsoleErrors {
		if !strings.Contains(e, "favicon.ico") {
			t.Errorf("console: %s", e)
		}
	}
	// The full page is taller than the viewport, and comes in parts of 700 pixels at most.
	if h := pngHeight(t, res.Screenshot); h < 1500 {
		t.Errorf("full-page screenshot is %d pixels high, want the whole page (over 1500)", h)
	}
	if len(res.Parts) != 3 {
		t.Fatalf("parts %v, want 3", res.Parts)
	}
	for _, p := range res.Parts {
		if h := pngHeight(t, p); h > 700 || h == 0 {
			t.Errorf("part %s is %d pixels high", p, h)
		}
	}

	// A condition that never holds fails the load and names the condition.
	_, err = Load(context.Background(), browser, srv.URL+"/", Options{WaitFor: "window.neverDrawn === true", Timeout: 20 * time.Second})
	if err == nil || !strings.Contains(err.Error(), "window.neverDrawn") {
		t.Errorf("a WaitFor that never holds: %v", err)
	}
}

func TestLocal(t *testing.T) {
	for u, want := range map[string]bool{
		"file:///tmp/x/index.html": true, "data:text/plain,hi": true, "blob:file:///abc": true, "about:blank": true,
		"http://127.0.0.1:8080/a": true, "http://localhost/a": true, "ws://127.0.0.1:1/ws": true, "http://[::1]:80/": true,
		"http://example.com/": false, "https://203.0.113.7/": false, "http://127.0.0.1.example.com/": false,
		"http://[2001:db8::1]/": false, "//cdn.example.com/x.js": false, "http://0.0.0.0/": false,
	} {
		if got := Local(u); got != want {
			t.Errorf("Local(%q) = %v, want %v", u, got, want)
		}
	}
}

func pngHeight(t *testing.T, path string) int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return cfg.Height
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}
