package access

import (
	"crypto/tls"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/ecowatch/ecowatch/region"
)

var regions = region.Default()

func TestMain(m *testing.M) {
	hashCost = bcrypt.MinCost // the hashes of these tests protect nothing
	os.Exit(m.Run())
}

func TestAccountsFileLifecycle(t *testing.T) {
	path := filepath.Join(t.TempDir(), "etc", "accounts")
	hubei := region.MustScope("420000")
	if err := AddAccount(regions, path, "hb.zhang", hubei, "湖北省厅 张三", "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	if err := AddAccount(regions, path, "mee.li", region.Nation(), "生态环境部 李四", "another long secret"); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != FileMode {
		t.Errorf("mode %v, want %v", fi.Mode().Perm(), FileMode)
	}
	b, _ := os.ReadFile(path)
	if strings.Contains(string(b), "correct horse") {
		t.Fatal("the password is in the file")
	}
	if !strings.Contains(string(b), "hb.zhang\t$2a$04$") || !strings.Contains(string(b), "\t420000\t湖北省厅 张三\tactive\n") ||
		!strings.Contains(string(b), "\tnation\t生态环境部 李四\tactive\n") || !strings.HasPrefix(string(b), "# ecowatch accounts") {
		t.Errorf("file:\n%s", b)
	}
	if err := AddAccount(regions, path, "hb.zhang", hubei, "x", "correct horse battery"); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("a second hb.zhang: %v", err)
	}
	for _, bad := range []struct{ login, name, pw, want string }{
		{"Bad Login", "n", "long enough password", "login"},
		{"ok", "", "long enough password", "display name"},
		{"ok", "a\tb", "long enough password", "control"},
		{"ok", "n", "short", "too short"},
		{"ok", "n", strings.Repeat("长", 30), "too long"},
	} {
		err := AddAccount(regions, path, bad.login, hubei, bad.name, bad.pw)
		if err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("AddAccount(%q, %q): %v, want an error about %s", bad.login, bad.name, err, bad.want)
		}
	}

	acc, err := OpenAccounts(regions, path)
	if err != nil {
		t.Fatal(err)
	}
	u, ok, reason := acc.Authenticate("HB.Zhang ", "correct horse battery")
	if !ok || u.Login != "hb.zhang" || u.Scope.Code != "420000" || u.Name != "湖北省厅 张三" || u.Via != ViaPassword {
		t.Fatalf("sign-in: %+v %v %s", u, ok, reason)
	}
	for _, c := range []struct{ login, pw, reason string }{
		{"hb.zhang", "wrong password!", ReasonBadPassword},
		{"nobody", "correct horse battery", ReasonUnknownAccount},
	} {
		if _, ok, reason := acc.Authenticate(c.login, c.pw); ok || reason != c.reason {
			t.Errorf("%s: ok %v, reason %q; want %q", c.login, ok, reason, c.reason)
		}
	}
	if _, ok := acc.Current(u); !ok {
		t.Error("the account is not current right after sign-in")
	}

	// A new password ends the old sessions' standing; a disabled account cannot sign in.
	if err := SetPassword(regions, path, "hb.zhang", "a brand new password"); err != nil {
		t.Fatal(err)
	}
	acc.mu.Lock()
	acc.checked = time.Time{} // read the file again now rather than within the second
	acc.mu.Unlock()
	if _, ok := acc.Current(u); ok {
		t.Error("the session of the old password is still current")
	}
	u2, ok, _ := acc.Authenticate("hb.zhang", "a brand new password")
	if !ok {
		t.Fatal("the new password does not sign in")
	}
	if err := Disable(regions, path, "hb.zhang"); err != nil {
		t.Fatal(err)
	}
	acc.mu.Lock()
	acc.checked = time.Time{}
	acc.mu.Unlock()
	if _, ok := acc.Current(u2); ok {
		t.Error("a disabled account is still current")
	}
	if _, ok, reason := acc.Authenticate("hb.zhang", "a brand new password"); ok || reason != ReasonDisabled {
		t.Errorf("disabled account: %v %s", ok, reason)
	}
	if err := Disable(regions, path, "nobody"); err == nil || !strings.Contains(err.Error(), "no such account") {
		t.Errorf("disable nobody: %v", err)
	}
	list, err := List(regions, path)
	if err != nil || len(list) != 2 || list[0].Login != "hb.zhang" || !list[0].Disabled || list[1].Disabled {
		t.Errorf("list: %v %v", list, err)
	}
	if s := fmt.Sprint(list[0]); strings.Contains(s, "$2a$") {
		t.Errorf("an account prints its hash: %s", s)
	}
}

func TestAccountsFileErrorsNameTheLineAndNoHash(t *testing.T) {
	hash := "$2a$12$abcdefghijklmnopqrstuuOqrmVPWWxL0yhrOqJNbFtYVhFAUTPQW"
	for _, c := range []struct{ line, want string }{
		{"a.b\t" + hash + "\t420000\tname", "5"},
		{"a.b\tnot-a-hash\t420000\tname\tactive", "not a bcrypt hash"},
		{"a.b\t" + hash + "\t420105\tname\tactive", "county"},
		{"a.b\t" + hash + "\t420000\tname\tmaybe", "accepted: active, disabled"},
	} {
		_, err := ParseFile(regions, "accounts", []byte("# header\n\n"+c.line+"\n"))
		if err == nil || !strings.Contains(err.Error(), "accounts:3") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want accounts:3 and %q", c.line, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "$2a$") {
			t.Errorf("the error shows a hash: %v", err)
		}
	}
}

func TestMayOpenOwnJurisdictionAndBelow(t *testing.T) {
	nation := User{Scope: region.Nation()}
	hubei := User{Scope: region.MustScope("420000")}
	wuhan := User{Scope: region.MustScope("420100")}
	for _, c := range []struct {
		u    User
		page string
		want bool
	}{
		{nation, "nation", true}, {nation, "440000", true}, {nation, "420100", true},
		{hubei, "nation", false}, {hubei, "420000", true}, {hubei, "420100", true}, {hubei, "440000", false}, {hubei, "440300", false},
		{wuhan, "420000", false}, {wuhan, "420100", true}, {wuhan, "420200", false}, {wuhan, "nation", false},
	} {
		if got := c.u.May(region.MustScope(c.page)); got != c.want {
			t.Errorf("user of %s opening %s: %v, want %v", c.u.Scope, c.page, got, c.want)
		}
	}
}

func TestSessionsExpireIdleAndAbsoluteAndStayBounded(t *testing.T) {
	now := time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	s := NewSessions(30*time.Minute, 2*time.Hour, 3, clock)
	u := User{Login: "a"}
	tok, err := s.Create(u)
	if err != nil || len(tok) != 43 {
		t.Fatalf("token %q, %v", tok, err)
	}
	for i := 0; i < 4; i++ { // used every 25 minutes: never idle …
		now = now.Add(25 * time.Minute)
		if _, ok, r := s.Get(tok, true); !ok {
			t.Fatalf("session ended after %d uses: %s", i, r)
		}
	}
	now = now.Add(25 * time.Minute) // … but 2 h 30 in all
	if _, ok, r := s.Get(tok, true); ok || r != ReasonExpired {
		t.Errorf("after 2h30: %v %s", ok, r)
	}
	tok, _ = s.Create(u)
	now = now.Add(20 * time.Minute)
	s.Get(tok, false) // a background check does not keep the session alive
	now = now.Add(10 * time.Minute)
	if _, ok, r := s.Get(tok, true); ok || r != ReasonIdle {
		t.Errorf("after 30 idle minutes: %v %s", ok, r)
	}
	tok, _ = s.Create(u)
	if _, ok := s.End(tok); !ok {
		t.Error("End did not find the session")
	}
	if _, ok, r := s.Get(tok, true); ok || r != ReasonUnknownSession {
		t.Errorf("after End: %v %s", ok, r)
	}
	for i := 0; i < 10; i++ {
		now = now.Add(time.Second)
		if _, err := s.Create(User{Login: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if n := s.Len(); n != 3 {
		t.Errorf("%d sessions held, limit 3", n)
	}
}

func TestThrottleSlowsPerAccountAndPerAddressWithinBoundedMemory(t *testing.T) {
	now := time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC)
	th := NewThrottle(AccountRule, ThrottleRule{Free: 8, Base: time.Second, Max: time.Minute, Forget: time.Hour}, 50)
	for i := 0; i < 5; i++ {
		if w := th.Wait("hb.zhang", "10.0.0.1", now); w != 0 {
			t.Fatalf("attempt %d must wait %s", i+1, w)
		}
		th.Failed("hb.zhang", "10.0.0.1", now)
	}
	if w := th.Wait("hb.zhang", "10.9.9.9", now); w != 15*time.Second {
		t.Errorf("after five failures the account waits %s, want 15s (from any address)", w)
	}
	now = now.Add(15 * time.Second)
	if w := th.Wait("hb.zhang", "10.0.0.1", now); w != 0 {
		t.Errorf("after the wait: %s", w)
	}
	th.Failed("hb.zhang", "10.0.0.1", now)
	if w := th.Wait("hb.zhang", "10.0.0.1", now); w != 30*time.Second {
		t.Errorf("after six failures: %s, want 30s", w)
	}
	// The address: eight failures over many accounts.
	for i := 0; i < 3; i++ {
		th.Failed(fmt.Sprintf("user%d", i), "10.0.0.1", now)
	}
	if w := th.Wait("someone.else", "10.0.0.1", now); w == 0 {
		t.Error("an address with many failures over many accounts is not slowed")
	}
	th.Succeeded("hb.zhang")
	if w := th.Wait("hb.zhang", "10.0.0.2", now); w != 0 {
		t.Errorf("after a success: %s", w)
	}
	// Bounded: a thousand accounts tried from a thousand addresses keep at most 50 of each.
	for i := 0; i < 1000; i++ {
		th.Failed(fmt.Sprintf("spray%d", i), fmt.Sprintf("192.0.2.%d", i), now)
	}
	if a, b := th.Keys(); a > 50 || b > 50 {
		t.Errorf("%d account and %d address keys held, limit 50", a, b)
	}
	// Forgotten after an hour without failure.
	now = now.Add(2 * time.Hour)
	if w := th.Wait("spray999", "192.0.2.999", now); w != 0 {
		t.Errorf("not forgotten: %s", w)
	}
}

func TestTrustedHeadersOnlyFromTheProxies(t *testing.T) {
	proxies, err := ParseProxies([]string{"10.0.0.5", "192.168.1.0/24", "::1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseProxies([]string{"10.0.0.300"}); err == nil || !strings.Contains(err.Error(), "CIDR") {
		t.Errorf("a bad address: %v", err)
	}
	h := &TrustedHeaders{Proxies: proxies, UserHeader: "X-Remote-User", ScopeHeader: "X-Remote-Jurisdiction", NameHeader: "X-Remote-Name", Regions: regions}
	req := func(remote, user, scope, name string) (User, bool, bool, string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = remote
		if user != "" {
			r.Header.Set("X-Remote-User", user)
		}
		r.Header.Set("X-Remote-Jurisdiction", scope)
		r.Header.Set("X-Remote-Name", name)
		return h.Identify(r)
	}
	u, present, ok, _ := req("10.0.0.5:4000", "zhang@hb.gov.cn", "420000", "%E5%BC%A0%E4%B8%89")
	if !present || !ok || u.Login != "zhang@hb.gov.cn" || u.Scope.Code != "420000" || u.Name != "张三" || u.Via != ViaSSO {
		t.Errorf("from the proxy: %+v %v %v", u, present, ok)
	}
	if _, present, ok, reason := req("10.0.0.6:4000", "zhang", "nation", ""); !present || ok || reason != ReasonSSOUntrusted {
		t.Errorf("from elsewhere: %v %v %s", present, ok, reason)
	}
	if _, _, ok, reason := req("[::1]:4000", "zhang", "420105", ""); ok || reason != ReasonSSOBadJurisdiction {
		t.Errorf("a county: %v %s", ok, reason)
	}
	if _, present, _, _ := req("10.0.0.5:1", "", "420000", ""); present {
		t.Error("no user header is an identity")
	}

	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "192.168.1.7:5000"
	r.Header.Set("X-Forwarded-For", "6.6.6.6, 203.0.113.9, 10.0.0.5")
	r.Header.Set("X-Forwarded-Proto", "https")
	if a := proxies.ClientAddr(r); a != "203.0.113.9" {
		t.Errorf("client address %s, want 203.0.113.9 (the nearest untrusted hop)", a)
	}
	if !proxies.HTTPS(r) {
		t.Error("X-Forwarded-Proto from a proxy not believed")
	}
	r.RemoteAddr = "203.0.113.1:5000"
	if a := proxies.ClientAddr(r); a != "203.0.113.1" || proxies.HTTPS(r) {
		t.Errorf("headers of an untrusted client believed: %s %v", a, proxies.HTTPS(r))
	}
	r.TLS = &tls.ConnectionState{}
	if !proxies.HTTPS(r) {
		t.Error("a TLS request is not HTTPS")
	}
}
