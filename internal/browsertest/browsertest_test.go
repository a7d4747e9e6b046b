package browsertest

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRecordsRequestsConsoleErrorsAndScreenshot(t *testing.T) {
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
