package access

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ecowatch/ecowatch/region"
)

// Proxies are the addresses of the reverse proxies whose headers are believed: the identity
// and jurisdiction headers of single sign-on, and X-Forwarded-For / X-Forwarded-Proto.
type Proxies []netip.Prefix

// ProxiesHelp says what ParseProxies accepts.
const ProxiesHelp = "IP addresses or CIDR ranges separated by commas, e.g. 10.0.0.5, 10.1.0.0/24, ::1"

// ParseProxies reads a list of addresses and CIDR ranges.
func ParseProxies(list []string) (Proxies, error) {
	var out Proxies
	for _, s := range list {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("%q is not accepted (accepted: %s)", s, ProxiesHelp)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

// Contains reports whether the host of a "host:port" remote address (or a bare address) is
// one of the proxies.
func (p Proxies) Contains(remote string) bool {
	a, ok := hostAddr(remote)
	if !ok {
		return false
	}
	for _, pre := range p {
		if pre.Contains(a) {
			return true
		}
	}
	return false
}

func hostAddr(remote string) (netip.Addr, bool) {
	host := remote
	if h, _, err := net.SplitHostPort(remote); err == nil {
		host = h
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

// ClientAddr is the address a request came from: its remote address, or, when that is a
// trusted proxy, the nearest address in X-Forwarded-For that is not (the header's earlier
// entries are written by whoever sent the request and are not believed).
func (p Proxies) ClientAddr(r *http.Request) string {
	addr, ok := hostAddr(r.RemoteAddr)
	if !ok {
		return r.RemoteAddr
	}
	if !p.Contains(r.RemoteAddr) {
		return addr.String()
	}
	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(v, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		h := strings.TrimSpace(hops[i])
		a, ok := hostAddr(h)
		if !ok {
			break
		}
		if !p.Contains(a.String()) {
			return a.String()
		}
		addr = a
	}
	return addr.String()
}

// HTTPS reports whether the browser's connection is TLS: the request's own, or, from a
// trusted proxy, X-Forwarded-Proto: https.
func (p Proxies) HTTPS(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	return p.Contains(r.RemoteAddr) && strings.EqualFold(strings.TrimSpace(r.Header.Get("X-Forwarded-Proto")), "https")
}

// TrustedHeaders is single sign-on through a reverse proxy that authenticates people and
// passes who they are in request headers. The headers are believed only on requests whose
// remote address is one of Proxies; from anywhere else they are ignored (and the request is
// treated as not signed in).
type TrustedHeaders struct {
	Proxies Proxies
	// UserHeader carries the login (required), ScopeHeader the jurisdiction as ParseScope reads
	// it (required), NameHeader the display name (optional; UTF-8 or percent-encoded UTF-8).
	UserHeader, ScopeHeader, NameHeader string
	Regions                             *region.Table
}

// Reasons an SSO identity is refused.
const (
	ReasonSSOUntrusted       = "sso_header_from_untrusted_address"
	ReasonSSOBadLogin        = "sso_bad_login"
	ReasonSSOBadJurisdiction = "sso_bad_jurisdiction"
)

// Identify reads the identity of a request. present is false when the request carries no
// identity header at all; ok is false (with a reason) when it carries one that is not
// believed or not valid.
func (h *TrustedHeaders) Identify(r *http.Request) (u User, present, ok bool, reason string) {
	login := strings.TrimSpace(r.Header.Get(h.UserHeader))
	if login == "" {
		return User{}, false, false, ""
	}
	if !h.Proxies.Contains(r.RemoteAddr) {
		return User{}, true, false, ReasonSSOUntrusted
	}
	if !validSSOLogin(login) {
		return User{}, true, false, ReasonSSOBadLogin
	}
	sc, err := h.Regions.ParseScope(r.Header.Get(h.ScopeHeader))
	if err != nil || r.Header.Get(h.ScopeHeader) == "" {
		return User{Login: login}, true, false, ReasonSSOBadJurisdiction
	}
	name := login
	if h.NameHeader != "" {
		if v := decodeName(r.Header.Get(h.NameHeader)); v != "" {
			name = v
		}
	}
	return User{Login: login, Name: name, Scope: sc, Via: ViaSSO}, true, true, ""
}

// validSSOLogin accepts what identity providers use as names (e-mail addresses, staff
// numbers, domain\user): printable, no spaces, at most 128 bytes.
func validSSOLogin(s string) bool {
	if len(s) > 128 || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return false
		}
	}
	return true
}

func decodeName(v string) string {
	v = strings.TrimSpace(v)
	if d, err := url.PathUnescape(v); err == nil {
		v = d
	}
	if CheckName(v) != nil {
		return ""
	}
	return v
}
