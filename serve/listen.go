package serve

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// InsecureFlag is the command-line flag that lets the server listen beyond loopback over plain
// HTTP. Its name says what it risks.
const InsecureFlag = "insecure-http-beyond-loopback"

// CheckListen refuses to listen beyond loopback without TLS, unless insecure is set: passwords
// and session cookies would cross the network in the clear. Loopback is 127.0.0.0/8, ::1 and
// "localhost"; an empty host (":8080") is every interface.
func CheckListen(addr string, withTLS, insecure bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--addr %q is not host:port (e.g. 127.0.0.1:8080 or 0.0.0.0:8443): %w", addr, err)
	}
	if withTLS || insecure || host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("--addr %s listens beyond loopback over plain HTTP, where passwords and session cookies cross the network readable by anyone on the way; "+
		"set serve.tls-cert-file and serve.tls-key-file (TLS), or listen on 127.0.0.1 behind a TLS reverse proxy, "+
		"or pass --%s to accept the risk (e.g. a proxy on another host terminating TLS on a closed network)", addr, InsecureFlag)
}

// LoadTLS reads a certificate chain and its key (PEM files).
func LoadTLS(certFile, keyFile string) (*tls.Config, error) {
	switch {
	case certFile == "" && keyFile == "":
		return nil, nil
	case certFile == "" || keyFile == "":
		return nil, errors.New("serve.tls-cert-file and serve.tls-key-file go together: set both (PEM files) or neither")
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("serve.tls-cert-file %s / serve.tls-key-file %s: %w", certFile, keyFile, err)
	}
	return &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}, nil
}

// Run serves h on ln (wrapped in TLS when cfg is set) until ctx ends, then stops accepting,
// lets the requests in progress finish (five seconds at most), and only then ends the
// auditor, which writes what is queued: every request served is in the audit.
func Run(ctx context.Context, ln net.Listener, cfg *tls.Config, h http.Handler, audit *Auditor) error {
	if cfg != nil {
		ln = tls.NewListener(ln, cfg)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
	actx, stopAudit := context.WithCancel(context.WithoutCancel(ctx))
	audited := make(chan error, 1)
	go func() { audited <- audit.Run(actx) }()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	var err error
	select {
	case err = <-served:
	case <-ctx.Done():
		sctx, cancel := shutdownContext(ctx, 5*time.Second)
		err = srv.Shutdown(sctx)
		cancel()
		if serr := <-served; !errors.Is(serr, http.ErrServerClosed) && err == nil {
			err = serr
		}
	}
	stopAudit()
	return errors.Join(err, <-audited)
}
