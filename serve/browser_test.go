package serve

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ecowatch/ecowatch/access"
	"github.com/ecowatch/ecowatch/internal/browsertest"
	"github.com/ecowatch/ecowatch/region"
)

// TestPublicPolicyRunsInlineChartsInASandbox: a disclosure-like page (a script file and an
// inline script, as go-echarts writes them) runs under PublicCSP, in an opaque origin that
// cannot read the site's cookies; the same inline script on a dashboards path is refused by
// CSP, and the browser reports it.
func TestPublicPolicyRunsInlineChartsInASandbox(t *testing.T) {
	browsertest.Require(t)
	pub := t.TempDir()
	page := `<!DOCTYPE html><html><head><meta charset="utf-8"><title>公开</title><script src="lib.js"></script></head>` +
		`<body><div id="out" style="height:10px"></div><script>document.getElementById("out").textContent = lib() + ":" + (function(){try{return document.cookie===""?"nocookie":"cookie"}catch(e){return "opaque"}})();</script></body></html>`
	os.WriteFile(filepath.Join(pub, "index.html"), []byte(page), 0o644)
	os.WriteFile(filepath.Join(pub, "lib.js"), []byte(`function lib() { return "drawn"; }`), 0o644)
	site := testSite(t)
	os.WriteFile(filepath.Join(site, "420000.html"), []byte(page), 0o644)
	proxies, _ := access.ParseProxies([]string{"127.0.0.1"})
	audit := NewAuditor(&memWriter{}, quiet, 0, time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go audit.Run(ctx)
	s, err := New(Options{Dir: site, PublicDir: pub, SessionIdle: time.Hour, SessionMax: time.Hour, Proxies: proxies, Audit: audit, Log: quiet,
		SSO: &access.TrustedHeaders{Proxies: proxies, UserHeader: "X-Test-User", ScopeHeader: "X-Test-Jurisdiction", Regions: region.Default()}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	defer srv.Close()

	res := browsertest.Open(t, srv.URL+"/public/", browsertest.Options{Eval: map[string]string{"out": `document.getElementById("out").textContent`, "origin": "window.origin"}})
	if res.Values["out"] != "drawn:opaque" || res.Values["origin"] != "null" {
		t.Errorf("public page: %v, origin %v; want the scripts run in an opaque origin", res.Values["out"], res.Values["origin"])
	}
	for _, e := range res.ConsoleErrors {
		t.Errorf("public page: %s", e)
	}
	// The dashboards' policy refuses inline script (the browser cannot pass the SSO header, so
	// the page is the 401 answer — itself a document under CSP; the inline script is tried on
	// the public copy served with the strict policy instead).
	strict := httptest.NewServer(headersOnly(pub))
	defer strict.Close()
	res = browsertest.Open(t, strict.URL+"/index.html", browsertest.Options{Eval: map[string]string{"out": `document.getElementById("out").textContent`}})
	if res.Values["out"] != "" || len(res.ConsoleErrors) == 0 {
		t.Errorf("inline script under the strict policy: ran %q, errors %v", res.Values["out"], res.ConsoleErrors)
	}
}

// headersOnly serves a folder with the dashboards' security headers.
func headersOnly(dir string) http.Handler {
	fs := http.FileServer(http.Dir(dir))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setHeaders(w.Header(), false, false)
		fs.ServeHTTP(w, r)
	})
}
