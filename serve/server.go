package serve

import (
	"bytes"
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path"
	"regexp"
	"runtime"
	"strings"
	"time"

	"github.com/ecowatch/ecowatch/access"
	"github.com/ecowatch/ecowatch/dashboards"
	"github.com/ecowatch/ecowatch/region"
	"github.com/ecowatch/ecowatch/store"
)

// The URL layout.
const (
	// OwnPrefix holds the server's own pages: sign-in, sign-out, their stylesheet.
	OwnPrefix  = "/-/"
	SignInPath = "/-/signin"
	SignOut    = "/-/signout"
	// PublicPrefix serves the public folder (the quarterly disclosure) without sign-in.
	PublicPrefix = "/public/"
)

// Events of the access audit.
const (
	EventSignIn       = "sign_in"
	EventSignInFailed = "sign_in_failed"
	EventSignOut      = "sign_out"
	EventPage         = "page"
	EventData         = "data"
	EventOther        = "other" // a refused request for anything else (a script, a map, an unknown path)
)

// Reasons of the access audit besides access's.
const (
	ReasonOK                  = "ok"
	ReasonOutsideJurisdiction = "outside_jurisdiction"
	ReasonOwnPage             = "redirect_to_own_page" // the root page asked for by someone of a lower level
	ReasonNotFound            = "not_found"
	ReasonThrottled           = "throttled"
	ReasonCrossOrigin         = "cross_origin_form"
	ReasonNoPasswordSignIn    = "password_sign_in_off"
)

//go:embed static
var static embed.FS

var ownPage = template.Must(template.ParseFS(static, "static/page.html"))

// Options of a server.
type Options struct {
	// Dir is the dashboards site (the --out of `ecowatch dashboard`: a link swapped to each
	// new generation, resolved at every request).
	Dir string
	// PublicDir, if set, is served under /public/ to anyone (the disclosure).
	PublicDir string
	// Accounts enables sign-in with a password; SSO enables trusted-header single sign-on.
	// At least one is required.
	Accounts *access.Accounts
	SSO      *access.TrustedHeaders
	// SessionIdle and SessionMax end a session after that long without a request, and after
	// that long in all.
	SessionIdle, SessionMax time.Duration
	// Proxies are the reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed.
	Proxies access.Proxies
	// Audit records the access events (required).
	Audit   *Auditor
	Regions *region.Table
	Log     *slog.Logger
	Now     func() time.Time
}

// Server is the dashboards' HTTP handler.
type Server struct {
	opts     Options
	sessions *access.Sessions
	throttle *access.Throttle
	checks   chan struct{} // bounds concurrent password checks (bcrypt is CPU-heavy)
	log      *slog.Logger
	now      func() time.Time
}

// New checks the options and makes the handler.
func New(opts Options) (*Server, error) {
	if opts.Dir == "" {
		return nil, errors.New("serve: no site folder")
	}
	if opts.Accounts == nil && opts.SSO == nil {
		return nil, errors.New("serve: nobody could sign in: set serve.accounts-file (accounts with passwords) or serve.sso-user-header with serve.trusted-proxies (single sign-on)")
	}
	if opts.Audit == nil {
		return nil, errors.New("serve: no access audit")
	}
	if opts.SessionIdle <= 0 || opts.SessionMax <= 0 {
		return nil, errors.New("serve: session lifetimes must be positive")
	}
	if opts.Regions == nil {
		opts.Regions = region.Default()
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Server{
		opts:     opts,
		sessions: access.NewSessions(opts.SessionIdle, opts.SessionMax, 0, opts.Now),
		throttle: access.NewThrottle(access.AccountRule, access.AddressRule, 0),
		checks:   make(chan struct{}, max(2, runtime.NumCPU())),
		log:      opts.Log,
		now:      opts.Now,
	}, nil
}

// ServeHTTP routes a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	https := s.opts.Proxies.HTTPS(r)
	setHeaders(w.Header(), https, strings.HasPrefix(r.URL.Path, PublicPrefix) || r.URL.Path == "/favicon.ico")
	p := r.URL.Path
	switch {
	case p == SignInPath:
		s.signIn(w, r, https)
	case p == SignOut:
		s.signOut(w, r, https)
	case strings.HasPrefix(p, "/-/static/"):
		s.ownStatic(w, r)
	case p == "/favicon.ico":
		w.WriteHeader(http.StatusNoContent)
	case s.opts.PublicDir != "" && (p == "/public" || strings.HasPrefix(p, PublicPrefix)):
		s.public(w, r)
	case strings.HasPrefix(p, OwnPrefix):
		http.NotFound(w, r)
	default:
		s.site(w, r, https)
	}
}

// --- identity ---

func cookieName(https bool) string {
	if https {
		return "__Host-ew_session" // the prefix makes browsers require Secure, Path=/ and no Domain
	}
	return "ew_session"
}

func sessionToken(r *http.Request, https bool) string {
	c, err := r.Cookie(cookieName(https))
	if err != nil {
		return ""
	}
	return c.Value
}

// identify returns who makes the request. touch marks the session used.
func (s *Server) identify(r *http.Request, https, touch bool) (u access.User, ok bool, reason string) {
	if s.opts.SSO != nil {
		u, present, ok, reason := s.opts.SSO.Identify(r)
		if present {
			return u, ok, reason
		}
	}
	if s.opts.Accounts == nil {
		return access.User{}, false, access.ReasonNoSession
	}
	token := sessionToken(r, https)
	u, ok, reason = s.sessions.Get(token, touch)
	if !ok {
		return u, false, reason
	}
	if cur, ok := s.opts.Accounts.Current(u); ok {
		return cur, true, ""
	}
	s.sessions.End(token)
	return u, false, access.ReasonAccountChanged
}

// --- the audit ---

func newEventID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// record queues an audit event; false when the audit cannot take it (the caller refuses).
func (s *Server) record(r *http.Request, event string, u access.User, status int, allowed bool, reason string) bool {
	e := store.AccessEvent{
		EventID: newEventID(), At: s.now(), Event: event, Login: u.Login, UserName: u.Name,
		Via: u.Via, RemoteAddr: s.opts.Proxies.ClientAddr(r), Method: r.Method, Path: clip(r.URL.RequestURI(), 512),
		Status: uint16(status), Allowed: allowed, Reason: reason, UserAgent: clip(r.UserAgent(), 256),
	}
	if u.Login != "" {
		e.Jurisdiction = u.Jurisdiction()
	}
	if s.opts.Audit.Record(e) {
		return true
	}
	s.log.Error("access audit is full (ClickHouse not taking writes): request refused", "path", e.Path)
	return false
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// auditUnavailable answers a request whose audit record could not be queued.
func auditUnavailable(w http.ResponseWriter) {
	w.Header().Set("Retry-After", "30")
	plain(w, http.StatusServiceUnavailable, "访问记录暂时无法写入，为保证每次访问都有记录，暂停提供页面。请稍后再试。")
}

func plain(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	io.WriteString(w, msg+"\n")
}

// --- the server's own pages ---

type ownView struct {
	Title, Error, Info string
	SignIn             bool
	Next, Login        string
	Link, LinkText     string
}

func renderOwn(w http.ResponseWriter, status int, v ownView) {
	var b bytes.Buffer
	if err := ownPage.Execute(&b, v); err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

func (s *Server) ownStatic(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/-/static/")
	if name != "serve.css" {
		http.NotFound(w, r)
		return
	}
	b, _ := static.ReadFile("static/serve.css")
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Write(b)
}

// localNext is a path on this site to go to after signing in ("/" unless next is one).
func localNext(next string) string {
	u, err := url.Parse(next)
	if err != nil || next == "" || u.IsAbs() || u.Host != "" || !strings.HasPrefix(u.Path, "/") ||
		strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") || strings.HasPrefix(u.Path, OwnPrefix) {
		return "/"
	}
	return u.RequestURI()
}

// sameOrigin refuses a form posted from another site (SameSite=Strict already keeps the
// session cookie off such a request; this also stops signing someone in from elsewhere).
func sameOrigin(r *http.Request, https bool) bool {
	switch r.Header.Get("Sec-Fetch-Site") { // sent by current browsers, and not settable by a page
	case "same-origin", "none":
		return true
	case "":
	default:
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" || origin == "null" {
		return origin == "" // no Origin: an old browser or a tool; "null": a sandboxed or privacy-stripped source
	}
	scheme := "http"
	if https {
		scheme = "https"
	}
	return origin == scheme+"://"+r.Host
}

func (s *Server) signIn(w http.ResponseWriter, r *http.Request, https bool) {
	if s.opts.Accounts == nil {
		renderOwn(w, http.StatusForbidden, ownView{Title: "请通过统一身份认证登录", Error: "本系统通过单位统一身份认证登录，请从单位门户进入。"})
		return
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		next := localNext(r.URL.Query().Get("next"))
		if _, ok, _ := s.identify(r, https, false); ok {
			http.Redirect(w, r, next, http.StatusSeeOther)
			return
		}
		v := ownView{Title: "登录", SignIn: true, Next: next}
		switch r.URL.Query().Get("m") {
		case "out":
			v.Info = "您已退出登录。"
		case "expired":
			v.Info = "登录已过期，请重新登录。"
		}
		renderOwn(w, http.StatusOK, v)
		return
	case http.MethodPost:
	default:
		w.Header().Set("Allow", "GET, POST")
		plain(w, http.StatusMethodNotAllowed, "不支持的请求方式。")
		return
	}
	if !sameOrigin(r, https) {
		if !s.record(r, EventSignInFailed, access.User{}, http.StatusForbidden, false, ReasonCrossOrigin) {
			auditUnavailable(w)
			return
		}
		plain(w, http.StatusForbidden, "登录请求来自其他网站，已拒绝。")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	if err := r.ParseForm(); err != nil {
		plain(w, http.StatusBadRequest, "登录表单无法读取。")
		return
	}
	login := strings.ToLower(strings.TrimSpace(r.PostForm.Get("login")))
	password := r.PostForm.Get("password")
	next := localNext(r.PostForm.Get("next"))
	addr := s.opts.Proxies.ClientAddr(r)
	form := ownView{Title: "登录", SignIn: true, Next: next, Login: clip(login, 64)}
	// A login that is no account is not recorded: people type their password into the login
	// field by mistake.
	recorded := access.User{}
	if access.CheckLogin(login) == nil {
		recorded.Login = login
	}
	now := s.now()
	if wait := s.throttle.Wait(login, addr, now); wait > 0 {
		if !s.record(r, EventSignInFailed, recorded, http.StatusTooManyRequests, false, ReasonThrottled) {
			auditUnavailable(w)
			return
		}
		secs := int(wait.Round(time.Second) / time.Second)
		w.Header().Set("Retry-After", fmt.Sprint(max(secs, 1)))
		form.Error = fmt.Sprintf("登录失败次数过多，请 %d 秒后再试。", max(secs, 1))
		renderOwn(w, http.StatusTooManyRequests, form)
		return
	}
	select {
	case s.checks <- struct{}{}:
	case <-r.Context().Done():
		return
	}
	if err := s.opts.Accounts.Check(); err != nil {
		s.log.Error("the accounts file is invalid; the accounts read before stay in force", "err", err)
	}
	u, ok, reason := s.opts.Accounts.Authenticate(login, password)
	<-s.checks
	if !ok {
		s.throttle.Failed(login, addr, now)
		if reason == access.ReasonUnknownAccount {
			recorded = access.User{}
		}
		if !s.record(r, EventSignInFailed, recorded, http.StatusUnauthorized, false, reason) {
			auditUnavailable(w)
			return
		}
		form.Error = "账号或密码错误，或账号已停用。"
		renderOwn(w, http.StatusUnauthorized, form)
		return
	}
	s.throttle.Succeeded(login)
	if !s.record(r, EventSignIn, u, http.StatusSeeOther, true, ReasonOK) {
		auditUnavailable(w)
		return
	}
	token, err := s.sessions.Create(u)
	if err != nil {
		s.log.Error("creating a session", "err", err)
		plain(w, http.StatusInternalServerError, "登录暂时无法完成，请稍后再试。")
		return
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName(https), Value: token, Path: "/", HttpOnly: true, Secure: https, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) signOut(w http.ResponseWriter, r *http.Request, https bool) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		plain(w, http.StatusMethodNotAllowed, "请使用页面上的“退出”按钮退出登录。")
		return
	}
	if !sameOrigin(r, https) {
		plain(w, http.StatusForbidden, "退出请求来自其他网站，已拒绝。")
		return
	}
	token := sessionToken(r, https)
	u, ended := s.sessions.End(token)
	reason := ReasonOK
	if !ended {
		reason = access.ReasonNoSession
	}
	if !s.record(r, EventSignOut, u, http.StatusSeeOther, ended, reason) {
		auditUnavailable(w)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName(https), Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: https, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, SignInPath+"?m=out", http.StatusSeeOther)
}

// --- the public folder ---

func (s *Server) public(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/public" {
		http.Redirect(w, r, PublicPrefix, http.StatusMovedPermanently)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		plain(w, http.StatusMethodNotAllowed, "不支持的请求方式。")
		return
	}
	name := strings.TrimPrefix(path.Clean(r.URL.Path), strings.TrimSuffix(PublicPrefix, "/"))
	name = strings.TrimPrefix(name, "/")
	if name == "" {
		name = "."
	}
	s.serveFile(w, r, s.opts.PublicDir, name, "public, no-cache", true)
}

// --- the site ---

var siteFile = regexp.MustCompile(`^/(?:(index)|([0-9]{6}))\.(html|json)$`)

// target is what a request of the site asks for.
type target struct {
	event string // EventPage, EventData, or "" for the shared files
	file  string // path inside the site
	scope region.Scope
	root  bool // index.html / index.json
	known bool
}

func (s *Server) classify(p string, root region.Scope) target {
	if p == "/" {
		return target{event: EventPage, file: dashboards.IndexFile, scope: root, root: true, known: true}
	}
	if m := siteFile.FindStringSubmatch(p); m != nil {
		ev := EventPage
		if m[3] == "json" {
			ev = EventData
		}
		if m[1] == "index" {
			return target{event: ev, file: "index." + m[3], scope: root, root: true, known: true}
		}
		sc, ok := s.opts.Regions.ScopeOf(m[2])
		return target{event: ev, file: m[2] + "." + m[3], scope: sc, known: ok}
	}
	if p == "/"+dashboards.GenerationFile {
		return target{file: dashboards.GenerationFile, known: true}
	}
	if strings.HasPrefix(p, "/assets/") && path.Clean(p) == p && !strings.Contains(p, "/.") {
		return target{file: strings.TrimPrefix(p, "/"), known: true}
	}
	return target{}
}

// rootScope is the jurisdiction of the site's index page, from its generation file.
func (s *Server) rootScope(root *os.Root) (region.Scope, error) {
	b, err := fs.ReadFile(root.FS(), dashboards.GenerationFile)
	if err != nil {
		return region.Scope{}, err
	}
	g, err := dashboards.ParseGeneration(b)
	if err != nil {
		return region.Scope{}, err
	}
	return g.RootScope(s.opts.Regions)
}

func wantsPage(r *http.Request, t target) bool {
	return (r.Method == http.MethodGet || r.Method == http.MethodHead) && (t.event == EventPage || t.event == "" && !t.known)
}

func (s *Server) site(w http.ResponseWriter, r *http.Request, https bool) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		plain(w, http.StatusMethodNotAllowed, "不支持的请求方式。")
		return
	}
	dir, err := os.OpenRoot(s.opts.Dir) // follows the link to the current generation, once
	if err != nil {
		s.log.Error("the dashboards site cannot be opened", "dir", s.opts.Dir, "err", err)
		plain(w, http.StatusServiceUnavailable, "看板尚未生成，请稍后再试。")
		return
	}
	defer dir.Close()
	root, err := s.rootScope(dir)
	if err != nil {
		s.log.Error("the dashboards site has no valid generation file", "dir", s.opts.Dir, "err", err)
		plain(w, http.StatusServiceUnavailable, "看板尚未生成完整，请稍后再试。")
		return
	}
	t := s.classify(r.URL.Path, root)
	// The background check of a page for a new generation does not count as the person's
	// activity (a forgotten screen still goes idle).
	touch := t.file != dashboards.GenerationFile
	u, ok, reason := s.identify(r, https, touch)
	if !ok {
		s.refuseAnonymous(w, r, t, reason)
		return
	}
	if !t.known {
		if t.event != "" || !strings.HasPrefix(r.URL.Path, "/assets/") {
			if !s.record(r, EventOther, u, http.StatusNotFound, false, ReasonNotFound) {
				auditUnavailable(w)
				return
			}
		}
		plain(w, http.StatusNotFound, "没有这个页面。")
		return
	}
	if t.event == "" { // the generation file and the shared scripts and maps
		s.serveFile(w, r, s.opts.Dir, t.file, "private, no-cache", false)
		return
	}
	if !u.May(t.scope) {
		if t.root {
			// The national page of a provincial leader is their province's page.
			own := "/" + u.Scope.Code + "." + strings.TrimPrefix(path.Ext(t.file), ".")
			if _, err := dir.Stat(strings.TrimPrefix(own, "/")); err == nil {
				if !s.record(r, t.event, u, http.StatusFound, true, ReasonOwnPage) {
					auditUnavailable(w)
					return
				}
				http.Redirect(w, r, own, http.StatusFound)
				return
			}
		}
		if !s.record(r, t.event, u, http.StatusForbidden, false, ReasonOutsideJurisdiction) {
			auditUnavailable(w)
			return
		}
		s.forbidden(w, r, t, u, dir)
		return
	}
	if _, err := dir.Stat(t.file); err != nil {
		if !s.record(r, t.event, u, http.StatusNotFound, false, ReasonNotFound) {
			auditUnavailable(w)
			return
		}
		if t.event == EventPage {
			renderOwn(w, http.StatusNotFound, ownView{Title: "没有这个页面", Error: "该地区在本期看板中没有页面（没有举报、预警或办理期限数据）。", Link: "/", LinkText: "返回本辖区看板"})
			return
		}
		plain(w, http.StatusNotFound, "没有这个数据文件。")
		return
	}
	if !s.record(r, t.event, u, http.StatusOK, true, ReasonOK) {
		auditUnavailable(w)
		return
	}
	if t.event == EventPage {
		s.servePage(w, r, dir, t, u, root)
		return
	}
	s.serveFile(w, r, s.opts.Dir, t.file, "no-store", false)
}

// refuseAnonymous answers a request without a valid identity: a page asks to sign in, the
// rest is 401.
func (s *Server) refuseAnonymous(w http.ResponseWriter, r *http.Request, t target, reason string) {
	status, msg := http.StatusUnauthorized, "未登录或登录已过期，请重新登录。"
	toSignIn := false
	switch {
	case strings.HasPrefix(reason, "sso_"):
		status, msg = http.StatusForbidden, "统一身份认证信息无效或来源不可信，已拒绝访问。"
	case wantsPage(r, t) && s.opts.Accounts != nil:
		status, toSignIn = http.StatusSeeOther, true
	case s.opts.Accounts == nil:
		msg = "请通过单位统一身份认证入口访问。"
	}
	if t.event != "" || (!t.known && !strings.HasPrefix(r.URL.Path, "/assets/")) {
		ev := t.event
		if ev == "" {
			ev = EventOther
		}
		if !s.record(r, ev, access.User{}, status, false, reason) {
			auditUnavailable(w)
			return
		}
	}
	if !toSignIn {
		plain(w, status, msg)
		return
	}
	q := url.Values{"next": {r.URL.RequestURI()}}
	if reason == access.ReasonIdle || reason == access.ReasonExpired || reason == access.ReasonAccountChanged {
		q.Set("m", "expired")
	}
	http.Redirect(w, r, SignInPath+"?"+q.Encode(), http.StatusSeeOther)
}

func (s *Server) forbidden(w http.ResponseWriter, r *http.Request, t target, u access.User, dir *os.Root) {
	msg := fmt.Sprintf("无权访问：该页面属于%s，超出您的辖区（%s）。", scopeName(t.scope), scopeName(u.Scope))
	if t.event != EventPage {
		plain(w, http.StatusForbidden, msg)
		return
	}
	v := ownView{Title: "无权访问", Error: msg}
	if _, err := dir.Stat(u.Scope.Code + ".html"); err == nil || u.Scope.IsNation() {
		v.Link, v.LinkText = "/", "返回本辖区看板"
	}
	renderOwn(w, http.StatusForbidden, v)
}

func scopeName(sc region.Scope) string {
	if sc.IsNation() {
		return "全国"
	}
	return sc.Name
}

// servePage serves a page with the links its reader may not open removed and the account
// bar filled in.
func (s *Server) servePage(w http.ResponseWriter, r *http.Request, dir *os.Root, t target, u access.User, root region.Scope) {
	b, err := fs.ReadFile(dir.FS(), t.file)
	if err != nil {
		plain(w, http.StatusInternalServerError, "页面读取失败。")
		return
	}
	allowed := func(file string) bool {
		if m := siteFile.FindStringSubmatch("/" + file); m != nil {
			if m[1] == "index" {
				return u.May(root)
			}
			sc, ok := s.opts.Regions.ScopeOf(m[2])
			return ok && u.May(sc)
		}
		return true
	}
	out := filterPage(b, allowed, accountBar(u))
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	http.ServeContent(w, r, t.file, time.Time{}, bytes.NewReader(out))
}

// serveFile serves a file of a folder (opened anew: a link swapped meanwhile is followed).
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request, folder, name, cache string, listIndex bool) {
	root, err := os.OpenRoot(folder)
	if err != nil {
		plain(w, http.StatusNotFound, "没有这个文件。")
		return
	}
	defer root.Close()
	f, err := root.Open(name)
	if err != nil {
		plain(w, http.StatusNotFound, "没有这个文件。")
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		plain(w, http.StatusNotFound, "没有这个文件。")
		return
	}
	if fi.IsDir() {
		if !listIndex {
			plain(w, http.StatusNotFound, "没有这个文件。")
			return
		}
		if !strings.HasSuffix(r.URL.Path, "/") {
			http.Redirect(w, r, r.URL.Path+"/", http.StatusMovedPermanently)
			return
		}
		f.Close()
		s.serveFile(w, r, folder, path.Join(name, "index.html"), cache, false)
		return
	}
	w.Header().Set("Cache-Control", cache)
	http.ServeContent(w, r, fi.Name(), fi.ModTime(), f)
}

// shutdownContext is a context for the server's last work after ctx ended.
func shutdownContext(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), d)
}
