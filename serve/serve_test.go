package serve

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecowatch/ecowatch/access"
	"github.com/ecowatch/ecowatch/region"
	"github.com/ecowatch/ecowatch/store"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// memWriter keeps what the auditor writes; fail makes writes fail.
type memWriter struct {
	mu     sync.Mutex
	events []store.AccessEvent
	fail   bool
}

func (m *memWriter) InsertAccessEvents(_ context.Context, ev []store.AccessEvent) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail {
		return errors.New("ClickHouse is away")
	}
	m.events = append(m.events, ev...)
	return nil
}

func (m *memWriter) all() []store.AccessEvent {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]store.AccessEvent(nil), m.events...)
}

func TestAuditorFlushesOnShutdownAndStaysBounded(t *testing.T) {
	w := &memWriter{}
	a := NewAuditor(w, quiet, 5, time.Hour) // no timer flush during the test
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- a.Run(ctx) }()
	for i := 0; i < 3; i++ {
		if !a.Record(store.AccessEvent{EventID: string(rune('a' + i))}) {
			t.Fatal("refused with room")
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := len(w.all()); n != 3 {
		t.Errorf("%d events written at shutdown, want 3", n)
	}

	// ClickHouse away: the queue and the batch fill, then Record refuses.
	w = &memWriter{fail: true}
	a = NewAuditor(w, quiet, 5, time.Millisecond)
	ctx, cancel = context.WithCancel(context.Background())
	go func() { done <- a.Run(ctx) }()
	accepted := 0
	for i := 0; i < 100; i++ {
		if a.Record(store.AccessEvent{}) {
			accepted++
		}
		time.Sleep(time.Millisecond) // let Run take what it can
	}
	if accepted > 10 || accepted < 5 {
		t.Errorf("%d of 100 events accepted with capacity 5 (queue) + 5 (batch)", accepted)
	}
	if _, refused := a.Stats(); refused != int64(100-accepted) {
		t.Errorf("refused %d", refused)
	}
	w.mu.Lock()
	w.fail = false
	w.mu.Unlock()
	cancel()
	<-done
	if n := len(w.all()); n != accepted {
		t.Errorf("%d written once ClickHouse was back, want %d", n, accepted)
	}
}

func TestCheckListen(t *testing.T) {
	for _, c := range []struct {
		addr          string
		tls, insecure bool
		ok            bool
	}{
		{"127.0.0.1:8080", false, false, true}, {"[::1]:8080", false, false, true}, {"localhost:8080", false, false, true},
		{"0.0.0.0:8080", false, false, false}, {":8080", false, false, false}, {"10.1.2.3:80", false, false, false},
		{"0.0.0.0:8443", true, false, true}, {":8080", false, true, true},
	} {
		err := CheckListen(c.addr, c.tls, c.insecure)
		if (err == nil) != c.ok {
			t.Errorf("%s tls=%v insecure=%v: %v", c.addr, c.tls, c.insecure, err)
		}
		if err != nil && (!strings.Contains(err.Error(), "--"+InsecureFlag) || !strings.Contains(err.Error(), "serve.tls-cert-file")) {
			t.Errorf("the refusal does not name the flag and the settings: %v", err)
		}
	}
	if _, err := LoadTLS("cert.pem", ""); err == nil || !strings.Contains(err.Error(), "serve.tls-key-file") {
		t.Errorf("a certificate without a key: %v", err)
	}
}

func TestFilterPageRemovesForbiddenLinksAndFillsTheAccount(t *testing.T) {
	page := `<html><head><script src="assets/echarts.min.js"></script></head><body><header><nav><a href="index.html">全国</a> › <a href="420000.html">湖北省</a> › <span>武汉市</span></nav><div class="account" id="account"></div></header>` +
		`<table><tr><td><a href="420102.html" data-map="江岸区">江岸区</a></td></tr><tr><td><a href="#x">x</a></td></tr></table>` +
		`<script type="application/json" id="ew-data">{"a":"<a href=\"index.html\">"}</script></body></html>`
	allowed := func(f string) bool { return f != "index.html" && f != "420000.html" }
	out := string(filterPage([]byte(page), allowed, `<span class="who">张三</span>`))
	for _, want := range []string{`<span class="nolink">全国</span>`, `<span class="nolink">湖北省</span>`, `<a href="420102.html" data-map="江岸区">`,
		`<a href="#x">`, `<div class="account" id="account"><span class="who">张三</span></div>`, `{"a":"<a href=\"index.html\">"}`} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %s in\n%s", want, out)
		}
	}
	if strings.Count(out, "<a ") != 3 { // two kept links, and the text inside the JSON
		t.Errorf("links left:\n%s", out)
	}
}

func TestLocalNext(t *testing.T) {
	for in, want := range map[string]string{
		"/420000.html": "/420000.html", "": "/", "//evil.example/": "/", "https://evil.example/": "/", "/\\evil": "/",
		"/-/signout": "/", "420000.html": "/", "/a?b=1": "/a?b=1",
	} {
		if got := localNext(in); got != want {
			t.Errorf("localNext(%q) = %q, want %q", in, got, want)
		}
	}
}

// A site as dashboards writes it: the nation, Hubei, Wuhan, Guangdong.
func testSite(t *testing.T) string {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"generation.json": `{"generation":"g1","root":"nation"}`,
		"index.html":      `<html><body><div id="account"></div><a href="420000.html" data-map="湖北">湖北省</a><a href="440000.html" data-map="广东">广东省</a></body></html>`,
		"index.json":      `{}`,
		"420000.html":     `<html><body><div id="account"></div><a href="index.html">全国</a><a href="420100.html">武汉市</a></body></html>`,
		"420000.json":     `{}`, "420100.html": `<html><body>武汉</body></html>`, "440000.html": `<html>广东</html>`, "440000.json": `{}`,
		"assets/echarts.min.js": `/* echarts */`,
	} {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestTrustedHeaderSignOnAndHeaders(t *testing.T) {
	proxies, _ := access.ParseProxies([]string{"10.0.0.5"})
	w := &memWriter{}
	audit := NewAuditor(w, quiet, 0, time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- audit.Run(ctx) }()
	pub := t.TempDir()
	os.WriteFile(filepath.Join(pub, "index.html"), []byte("公开"), 0o644)
	s, err := New(Options{Dir: testSite(t), PublicDir: pub, SessionIdle: time.Hour, SessionMax: time.Hour, Proxies: proxies, Audit: audit,
		SSO: &access.TrustedHeaders{Proxies: proxies, UserHeader: "X-Remote-User", ScopeHeader: "X-Remote-Jurisdiction", Regions: region.Default()}, Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	get := func(path, remote, user, scope string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", path, nil)
		r.RemoteAddr = remote
		if user != "" {
			r.Header.Set("X-Remote-User", user)
			r.Header.Set("X-Remote-Jurisdiction", scope)
		}
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, r)
		return rec
	}
	proxy := "10.0.0.5:40000"
	for _, c := range []struct {
		path, remote, user, scope string
		status                    int
		location, body            string
	}{
		{"/", proxy, "zhang@hb", "420000", 302, "/420000.html", ""},
		{"/index.json", proxy, "zhang@hb", "420000", 302, "/420000.json", ""},
		{"/420000.html", proxy, "zhang@hb", "420000", 200, "", `<span class="nolink">全国</span><a href="420100.html">武汉市</a>`},
		{"/440000.html", proxy, "zhang@hb", "420000", 403, "", "无权访问：该页面属于广东省，超出您的辖区（湖北省）。"},
		{"/440000.json", proxy, "zhang@hb", "420000", 403, "", "无权访问"},
		{"/assets/echarts.min.js", proxy, "zhang@hb", "420000", 200, "", "echarts"},
		{"/assets/../index.html", proxy, "zhang@hb", "420000", 404, "", ""},
		{"/", proxy, "li@mee", "nation", 200, "", `data-map="广东">广东省</a>`},
		{"/420000.html", "10.0.0.9:1", "zhang@hb", "420000", 403, "", "来源不可信"},
		{"/420000.html", "10.0.0.9:1", "", "", 401, "", "统一身份认证"},
		{"/assets/echarts.min.js", "10.0.0.9:1", "", "", 401, "", ""},
		{"/public/", "10.0.0.9:1", "", "", 200, "", "公开"},
	} {
		rec := get(c.path, c.remote, c.user, c.scope)
		if rec.Code != c.status || rec.Header().Get("Location") != c.location || !strings.Contains(rec.Body.String(), c.body) {
			t.Errorf("%s from %s as %q: %d %q %q; want %d %q containing %q", c.path, c.remote, c.user, rec.Code,
				rec.Header().Get("Location"), rec.Body.String(), c.status, c.location, c.body)
		}
		h := rec.Header()
		wantCSP := CSP
		if strings.HasPrefix(c.path, "/public/") {
			wantCSP = PublicCSP
		}
		if h.Get("Content-Security-Policy") != wantCSP || h.Get("X-Frame-Options") != "DENY" || h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" {
			t.Errorf("%s: security headers %v", c.path, h)
		}
	}
	cancel()
	<-done
	events := w.all()
	var refused, sso int
	for _, e := range events {
		if !e.Allowed {
			refused++
		}
		if e.Via == access.ViaSSO && e.Login == "zhang@hb" && e.Jurisdiction == "420000" {
			sso++
		}
	}
	if refused != 4 || sso < 4 {
		t.Errorf("audit: %d refused (want 4: two out of jurisdiction, one untrusted header, one anonymous page), %d of zhang@hb: %+v", refused, sso, events)
	}
}

func TestNewRefusesAServerNobodyCanSignInto(t *testing.T) {
	_, err := New(Options{Dir: t.TempDir(), SessionIdle: time.Hour, SessionMax: time.Hour, Audit: NewAuditor(&memWriter{}, quiet, 0, 0)})
	if err == nil || !strings.Contains(err.Error(), "serve.accounts-file") || !strings.Contains(err.Error(), "serve.sso-user-header") {
		t.Errorf("no accounts and no SSO: %v", err)
	}
}
