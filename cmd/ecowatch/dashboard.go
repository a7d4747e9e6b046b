package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/ecowatch/ecowatch/access"
	"github.com/ecowatch/ecowatch/dashboards"
	"github.com/ecowatch/ecowatch/region"
	"github.com/ecowatch/ecowatch/serve"
)

func runDashboard(ctx context.Context, e *env, args []string) error {
	fs := flags("dashboard", e)
	at := fs.String("at", "", "the time the pages reflect (default: now), e.g. 2026-09-30T18:00")
	scope := fs.String("scope", "", scopeFlagHelp+", the root page (default: the nation)")
	out := fs.String("out", "", "the site's folder: a link, swapped atomically to each new version (required)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return usageError{"--out is required"}
	}
	sc, err := parseScope(region.Default(), *scope)
	if err != nil {
		return err
	}
	asOf := time.Now()
	if *at != "" {
		if asOf, err = parseTime("at", *at); err != nil {
			return err
		}
	}
	s, err := e.openStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	started := time.Now()
	index, err := dashboards.Generate(ctx, s, dashboards.Options{Out: *out, At: asOf, Scope: sc, Log: e.log})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "dashboards as of %s written in %s: %s\n",
		asOf.Format("2006-01-02 15:04"), time.Since(started).Round(time.Millisecond), index)
	return nil
}

func runServe(ctx context.Context, e *env, args []string) error {
	fs := flags("serve", e)
	dir := fs.String("dir", "", "the dashboards site, e.g. the --out of `ecowatch dashboard` (required)")
	addr := fs.String("addr", "127.0.0.1:8080", "the address to listen on")
	public := fs.String("public", "", "a folder served to anyone under /public/ (e.g. out/disclosure); empty: none")
	insecure := fs.Bool(serve.InsecureFlag, false, "listen beyond loopback over plain HTTP although passwords and session cookies then cross the network in the clear")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *dir == "" {
		return usageError{"--dir is required"}
	}
	for flag, d := range map[string]string{"--dir": *dir, "--public": *public} {
		if d == "" {
			continue
		}
		if fi, err := os.Stat(d); err != nil || !fi.IsDir() {
			return fmt.Errorf("%s %s is not a folder (accepted: an existing folder, or a link to one): %v", flag, d, err)
		}
	}
	cfg, err := e.config()
	if err != nil {
		return err
	}
	sc := cfg.Serve
	tlsCfg, err := serve.LoadTLS(sc.TLSCertFile, sc.TLSKeyFile)
	if err != nil {
		return err
	}
	if err := serve.CheckListen(*addr, tlsCfg != nil, *insecure); err != nil {
		return usageError{err.Error()}
	}
	if sc.SessionMax < sc.SessionIdle {
		return fmt.Errorf("serve.session-max %s is shorter than serve.session-idle %s (accepted: session-max at least session-idle)", sc.SessionMax, sc.SessionIdle)
	}
	regions := region.Default()
	proxies, err := access.ParseProxies(sc.TrustedProxies)
	if err != nil {
		return fmt.Errorf("serve.trusted-proxies: %w", err)
	}
	opts := serve.Options{Dir: *dir, PublicDir: *public, SessionIdle: sc.SessionIdle, SessionMax: sc.SessionMax,
		Proxies: proxies, Regions: regions, Log: e.log}
	if sc.AccountsFile != "" {
		if opts.Accounts, err = access.OpenAccounts(regions, sc.AccountsFile); err != nil {
			return fmt.Errorf("serve.accounts-file: %w", err)
		}
	}
	if sc.SSOUserHeader != "" {
		if len(proxies) == 0 {
			return fmt.Errorf("serve.sso-user-header %s is set but serve.trusted-proxies is empty: name the proxies whose identity headers are believed (accepted: %s)", sc.SSOUserHeader, access.ProxiesHelp)
		}
		if sc.SSOJurisdictionHeader == "" {
			return fmt.Errorf("serve.sso-jurisdiction-header must name a header when serve.sso-user-header is set")
		}
		opts.SSO = &access.TrustedHeaders{Proxies: proxies, UserHeader: sc.SSOUserHeader, ScopeHeader: sc.SSOJurisdictionHeader,
			NameHeader: sc.SSONameHeader, Regions: regions}
	}
	if opts.Accounts == nil && opts.SSO == nil {
		return fmt.Errorf("nobody could sign in: set serve.accounts-file (accounts with passwords, `ecowatch user add`) or serve.sso-user-header with serve.trusted-proxies (single sign-on)")
	}
	s, err := e.openStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	opts.Audit = serve.NewAuditor(s, e.log, 0, 0)
	h, err := serve.New(opts)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("--addr %s: %w", *addr, err)
	}
	scheme := "http"
	if tlsCfg != nil {
		scheme = "https"
	}
	how := []string{}
	if opts.Accounts != nil {
		how = append(how, fmt.Sprintf("%d accounts in %s", opts.Accounts.Len(), sc.AccountsFile))
	}
	if opts.SSO != nil {
		how = append(how, "single sign-on from "+strings.Join(sc.TrustedProxies, ", "))
	}
	fmt.Fprintf(e.stdout, "serving %s on %s://%s/ (sign-in: %s)\n", *dir, scheme, ln.Addr(), strings.Join(how, "; "))
	if *public != "" {
		fmt.Fprintf(e.stdout, "public: %s on %s://%s%s\n", *public, scheme, ln.Addr(), serve.PublicPrefix)
	}
	err = serve.Run(ctx, ln, tlsCfg, h, opts.Audit)
	written, refused := opts.Audit.Stats()
	e.log.Info("serve stopped", "audit_events_written", written, "audit_events_refused", refused)
	return err
}
