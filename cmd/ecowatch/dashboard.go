package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/ecowatch/ecowatch/dashboards"
	"github.com/ecowatch/ecowatch/region"
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
	dir := fs.String("dir", "", "the folder to serve, e.g. the --out of `ecowatch dashboard` (required)")
	addr := fs.String("addr", "127.0.0.1:8080", "the address to listen on")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *dir == "" {
		return usageError{"--dir is required"}
	}
	if fi, err := os.Stat(*dir); err != nil || !fi.IsDir() {
		return fmt.Errorf("--dir %s is not a folder: %v", *dir, err)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("--addr %s: %w", *addr, err)
	}
	// http.Dir resolves the path on every request, so each request follows the link to the
	// version current at that moment.
	srv := &http.Server{
		Handler:           http.FileServer(http.Dir(*dir)),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	fmt.Fprintf(e.stdout, "serving %s on http://%s/\n", *dir, ln.Addr())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
