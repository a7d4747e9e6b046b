package integration

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/ecowatch/ecowatch/access"
	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/dashboards"
	"github.com/ecowatch/ecowatch/internal/browsertest"
	"github.com/ecowatch/ecowatch/internal/testenv"
	"github.com/ecowatch/ecowatch/region"
)

// TestServeSignsInAuthorizesByJurisdictionAndAudits runs the real `ecowatch serve` over
// dashboards generated from ClickHouse, with an accounts file, and drives it with headless
// Chromium: no session leads to the sign-in page; a Hubei leader signs in, gets Hubei's page
// for the national one with its charts drawn and no link out of Hubei; Guangdong's page and
// data (the national page's drill-down) answer 403; a new generation reloads the open page;
// five wrong passwords slow the account; sign-out ends the session for good. Then the
// access_audit table holds each of these with its outcome, and never the password or the
// session token, and the ministry's page shows the day's access summary.
func TestServeSignsInAuthorizesByJurisdictionAndAudits(t *testing.T) {
	t.Parallel()
	browsertest.Require(t)
	env := testenv.New(t)
	ctx := context.Background()
	at := time.Date(2026, 9, 30, 18, 0, 0, 0, calendar.Shanghai)

	// Reports in Hubei (Wuhan, Yichang) and Guangdong (Shenzhen, Guangzhou) over the last month.
	if err := env.Store.Conn().Exec(ctx, fmt.Sprintf(`INSERT INTO reports (report_id, version, kind, channel, received_at, region_code,
			province_code, city_code, county_code, category, categories, ingested_at)
		SELECT concat('S-', toString(number)), 1, 'report', arrayElement(['phone','wechat','web'], (number %% 3) + 1),
			toDateTime(%d) - (number * 3607) %% 2592000 AS t,
			arrayElement(['420106','420502','440305','440106'], (number %% 4) + 1),
			arrayElement(['420000','420000','440000','440000'], (number %% 4) + 1),
			arrayElement(['420100','420500','440300','440100'], (number %% 4) + 1),
			arrayElement(['420106','420502','440305','440106'], (number %% 4) + 1),
			arrayElement(['air','water','noise'], (number %% 3) + 1), ['air'], t + 5
		FROM numbers(800)`, at.Unix())); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "dashboards")
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	gen := func(checkEvery time.Duration) {
		t.Helper()
		if _, err := dashboards.Generate(ctx, env.Store, dashboards.Options{Out: out, At: at, CheckEvery: checkEvery, Log: quiet}); err != nil {
			t.Fatal(err)
		}
	}
	gen(time.Second)

	accounts := filepath.Join(t.TempDir(), "accounts")
	const hubeiPassword, ministryPassword = "湖北 correct horse 2026", "ministry-secret-0987"
	for _, a := range []struct{ login, scope, name, pw string }{
		{"hb.zhang", "420000", "湖北省厅 张三", hubeiPassword},
		{"mee.li", "nation", "生态环境部 李四", ministryPassword},
	} {
		if err := access.AddAccount(region.Default(), accounts, a.login, region.MustScope(a.scope), a.name, a.pw); err != nil {
			t.Fatal(err)
		}
	}

	base, stop := startServe(t, env, out, accounts)
	stopped := false
	defer func() {
		if !stopped {
			stop()
		}
	}()

	b := browsertest.NewSession(t, browsertest.Options{Width: 1366, Height: 900})
	status := `performance.getEntriesByType("navigation")[0].responseStatus`
	drawn := `document.querySelectorAll("canvas").length >= 4`

	// No session: the sign-in page, which remembers where the reader was going.
	res := b.Open(base+"/440300.html", browsertest.Options{})
	if !strings.HasPrefix(res.Location, base+"/-/signin?next=%2F440300.html") || !strings.Contains(res.Title, "登录") {
		t.Fatalf("without a session: %s (%q), want the sign-in page", res.Location, res.Title)
	}
	noErrors(t, "sign-in page", res)

	// The Hubei leader signs in from the national address: Hubei's page, charts drawn.
	b.Open(base+"/", browsertest.Options{})
	res = b.Do("sign in as hb.zhang", browsertest.Options{WaitFor: drawn, Eval: map[string]string{
		"status":     status,
		"charts":     `document.querySelectorAll("canvas").length`,
		"gdLinks":    `document.querySelectorAll('a[href="440000.html"], a[href="440000.json"]').length`,
		"upLinks":    `document.querySelectorAll('a[href="index.html"]').length`,
		"mapLinks":   `Array.from(document.querySelectorAll("a[data-map]")).map(a => a.getAttribute("href")).sort().join(",")`,
		"account":    `document.getElementById("account").textContent`,
		"generation": `JSON.parse(document.getElementById("ew-data").textContent).generation`,
	}}, chromedp.SendKeys("#login", "hb.zhang"), chromedp.SendKeys("#password", hubeiPassword), chromedp.Click("button[type=submit]"))
	if res.Location != base+"/420000.html" || !strings.Contains(res.Title, "湖北省") {
		t.Fatalf("after signing in: %s (%q), want Hubei's page", res.Location, res.Title)
	}
	noErrors(t, "Hubei's page", res) // the Content-Security-Policy refused nothing
	if res.Values["status"].(float64) != 200 || res.Values["charts"].(float64) < 4 {
		t.Errorf("Hubei's page: status %v, %v charts drawn", res.Values["status"], res.Values["charts"])
	}
	if res.Values["gdLinks"].(float64) != 0 || res.Values["upLinks"].(float64) != 0 {
		t.Errorf("Hubei's page links out of Hubei: %v to Guangdong, %v to the nation", res.Values["gdLinks"], res.Values["upLinks"])
	}
	if got := res.Values["mapLinks"]; got != "420100.html,420500.html" {
		t.Errorf("the map's drill-down of Hubei leads to %v, want its two cities", got)
	}
	if !strings.Contains(res.Values["account"].(string), "湖北省厅 张三") {
		t.Errorf("account bar %q", res.Values["account"])
	}
	if n := pixels(t, res.Screenshot, [3]uint8{0x08, 0x30, 0x6b}); n < 200 {
		t.Errorf("the map's darkest blue: %d pixels; the map was not drawn", n)
	}

	// A city of Hubei opens; Guangdong's page and data, the national page's drill-down to
	// Guangdong, answer 403 with a plain message.
	res = b.Open(base+"/420100.html", browsertest.Options{WaitFor: drawn, Eval: map[string]string{"status": status}})
	if res.Values["status"].(float64) != 200 || !strings.Contains(res.Title, "武汉市") {
		t.Errorf("Wuhan: %v %q", res.Values["status"], res.Title)
	}
	for _, path := range []string{"/440000.html", "/440000.json", "/440300.html"} {
		res = b.Open(base+path, browsertest.Options{Eval: map[string]string{"status": status, "text": "document.body.innerText"}})
		if res.Values["status"].(float64) != 403 || !strings.Contains(res.Values["text"].(string), "无权访问") {
			t.Errorf("%s for hb.zhang: %v %q, want 403 无权访问", path, res.Values["status"], res.Values["text"])
		}
	}

	// An open page reloads itself when a new generation is published.
	res = b.Open(base+"/420000.html", browsertest.Options{WaitFor: drawn})
	if _, err := chromedp.Run(b.Context(), chromedp.Evaluate[any](`window.__old = true`)); err != nil {
		t.Fatal(err)
	}
	gen(time.Minute) // the reloaded page checks again only in a minute: the next steps' network goes quiet
	reloaded := b.Do("wait for the reload", browsertest.Options{WaitFor: `window.__old === undefined && ` + drawn, Timeout: 30 * time.Second,
		Eval: map[string]string{"generation": `JSON.parse(document.getElementById("ew-data").textContent).generation`}})
	if reloaded.Values["generation"] == "" || reloaded.Values["generation"] == res.Values["generation"] {
		t.Errorf("after the reload: generation %v", reloaded.Values["generation"])
	}

	// The session cookie: HttpOnly, SameSite=Strict; it stops working at sign-out.
	got, err := chromedp.Call(b.Context(), network.GetCookies, network.GetCookiesParams{})
	cookies := got.Cookies
	if err != nil || len(cookies) != 1 {
		t.Fatalf("cookies %v, %v", cookies, err)
	}
	c := cookies[0]
	if c.Name != "ew_session" || !c.HTTPOnly || c.SameSite != network.CookieSameSiteStrict || c.Secure {
		t.Errorf("session cookie %+v", c)
	}
	token := c.Value
	if code := getWithCookie(t, base+"/420000.json", token); code != http.StatusOK {
		t.Errorf("the session's cookie from another client: %d", code)
	}
	res = b.Do("sign out", browsertest.Options{}, chromedp.Submit("#account form"))
	if !strings.HasPrefix(res.Location, base+"/-/signin?m=out") {
		t.Errorf("after signing out: %s", res.Location)
	}
	if code := getWithCookie(t, base+"/420000.json", token); code != http.StatusUnauthorized {
		t.Errorf("the signed-out session's cookie still opens data: %d", code)
	}
	res = b.Open(base+"/420000.html", browsertest.Options{})
	if !strings.HasPrefix(res.Location, base+"/-/signin") {
		t.Errorf("after signing out, Hubei's page: %s", res.Location)
	}

	// Five wrong passwords, then even the right one is refused for a while.
	for i := 1; i <= 6; i++ {
		pw := fmt.Sprintf("wrong password %d", i)
		if i == 6 {
			pw = hubeiPassword
		}
		b.Open(base+"/-/signin", browsertest.Options{Settle: 100 * time.Millisecond})
		res = b.Do(fmt.Sprintf("sign-in attempt %d", i), browsertest.Options{Settle: 100 * time.Millisecond,
			Eval: map[string]string{"status": status, "text": "document.body.innerText"}},
			chromedp.SendKeys("#login", "hb.zhang"), chromedp.SendKeys("#password", pw), chromedp.Click("button[type=submit]"))
		text := res.Values["text"].(string)
		switch {
		case i <= 5 && (res.Values["status"].(float64) != 401 || !strings.Contains(text, "账号或密码错误")):
			t.Errorf("wrong password %d: %v %q", i, res.Values["status"], text)
		case i == 6 && (res.Values["status"].(float64) != 429 || !strings.Contains(text, "登录失败次数过多")):
			t.Errorf("after five wrong passwords: %v %q, want 429 and 登录失败次数过多", res.Values["status"], text)
		}
	}

	// The ministry signs in and sees the national page with the drill-down to Guangdong.
	b.Open(base+"/-/signin", browsertest.Options{Settle: 100 * time.Millisecond})
	res = b.Do("sign in as mee.li", browsertest.Options{WaitFor: drawn, Eval: map[string]string{
		"gd": `document.querySelectorAll('a[data-map][href="440000.html"]').length`}},
		chromedp.SendKeys("#login", "mee.li"), chromedp.SendKeys("#password", ministryPassword), chromedp.Click("button[type=submit]"))
	if res.Location != base+"/" || res.Values["gd"].(float64) != 1 {
		t.Errorf("the ministry's page: %s, %v links to Guangdong", res.Location, res.Values["gd"])
	}
	noErrors(t, "the national page", res)

	// SIGTERM: the audit queued is written before the server exits.
	stop()
	stopped = true
	type row struct {
		event, login, path, reason string
		allowed                    uint8
		status                     uint16
	}
	rows, err := env.Store.Conn().Query(ctx, `SELECT event, login, path, reason, allowed, status FROM access_audit ORDER BY at, event_id`)
	if err != nil {
		t.Fatal(err)
	}
	var audit []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.event, &r.login, &r.path, &r.reason, &r.allowed, &r.status); err != nil {
			t.Fatal(err)
		}
		audit = append(audit, r)
	}
	rows.Close()
	has := func(what string, want row, n int) {
		t.Helper()
		got := 0
		for _, r := range audit {
			if r.event == want.event && r.login == want.login && r.allowed == want.allowed && r.reason == want.reason &&
				(want.path == "" || r.path == want.path) && (want.status == 0 || r.status == want.status) {
				got++
			}
		}
		if got < n {
			t.Errorf("audit: %d rows of %s (%+v), want at least %d", got, what, want, n)
		}
	}
	has("the anonymous request", row{event: "page", path: "/440300.html", reason: "no_session", status: 303}, 1)
	has("the sign-ins", row{event: "sign_in", login: "hb.zhang", allowed: 1, reason: "ok"}, 1)
	has("the national page redirected", row{event: "page", login: "hb.zhang", path: "/", allowed: 1, reason: "redirect_to_own_page"}, 1)
	has("Hubei's page", row{event: "page", login: "hb.zhang", path: "/420000.html", allowed: 1, reason: "ok", status: 200}, 2)
	has("Guangdong's page refused", row{event: "page", login: "hb.zhang", path: "/440000.html", reason: "outside_jurisdiction", status: 403}, 1)
	has("Guangdong's data refused", row{event: "data", login: "hb.zhang", path: "/440000.json", reason: "outside_jurisdiction", status: 403}, 1)
	has("the sign-out", row{event: "sign_out", login: "hb.zhang", allowed: 1, reason: "ok"}, 1)
	has("the ended session's cookie", row{event: "data", path: "/420000.json", reason: "unknown_session", status: 401}, 1)
	has("the wrong passwords", row{event: "sign_in_failed", login: "hb.zhang", reason: "bad_password", status: 401}, 5)
	has("the throttled attempt", row{event: "sign_in_failed", login: "hb.zhang", reason: "throttled", status: 429}, 1)
	has("the ministry", row{event: "sign_in", login: "mee.li", allowed: 1, reason: "ok"}, 1)

	// Never a password or a session token in the audit.
	for _, secret := range []string{hubeiPassword, ministryPassword, "wrong password", token} {
		n := count(t, env, `SELECT count() FROM access_audit WHERE position(concat(event_id, login, user_name, remote_addr, path, reason, user_agent), ?) > 0`, secret)
		if n > 0 {
			t.Errorf("%d audit rows contain a password or the session token", n)
		}
	}

	// The ministry's page of a generation as of now shows the day's access.
	if _, err := dashboards.Generate(ctx, env.Store, dashboards.Options{Out: out, At: time.Now().Add(time.Minute), Log: quiet}); err != nil {
		t.Fatal(err)
	}
	nation := figures(t, out, "index.json")
	acc, _ := nation["access_last_day"].(map[string]any)
	if acc == nil || acc["sign_ins"].(float64) < 2 || acc["failed_sign_ins"].(float64) < 6 || acc["refused"].(float64) < 3 {
		t.Errorf("the ministry's access summary: %v", acc)
	}
}

// startServe runs `ecowatch serve` on a free loopback port and returns its base URL and a
// function that stops it with SIGTERM and waits.
func startServe(t *testing.T, env *testenv.Env, dir, accounts string) (string, func()) {
	t.Helper()
	cmd := exec.Command(testenv.Binary(t), "serve", "--dir", dir, "--addr", "127.0.0.1:0")
	cmd.Env = processEnv(env, "ECOWATCH_SERVE_ACCOUNTS_FILE="+accounts)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(stdout)
	if !lines.Scan() {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("ecowatch serve printed nothing; stderr:\n%s", stderr.String())
	}
	m := regexp.MustCompile(`on (http://127\.0\.0\.1:[0-9]+)/`).FindStringSubmatch(lines.Text())
	if m == nil {
		cmd.Process.Kill()
		t.Fatalf("ecowatch serve said %q", lines.Text())
	}
	go io.Copy(io.Discard, stdout)
	return m[1], func() {
		cmd.Process.Signal(syscall.SIGTERM)
		if err := cmd.Wait(); err != nil {
			t.Errorf("ecowatch serve: %v\n%s", err, stderr.String())
		}
		if testing.Verbose() {
			os.Stderr.WriteString(stderr.String())
		}
	}
}

func getWithCookie(t *testing.T, url, token string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.AddCookie(&http.Cookie{Name: "ew_session", Value: token})
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func noErrors(t *testing.T, what string, res *browsertest.Result) {
	t.Helper()
	for _, e := range res.ConsoleErrors {
		t.Errorf("%s: browser: %s", what, e)
	}
}
