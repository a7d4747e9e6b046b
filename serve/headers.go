package serve

import "net/http"

// CSP is the Content-Security-Policy of the dashboards and the server's own pages. The pages
// load the chart library, the map shapes and their own script from the site ('self'); the
// figures of the charts are a JSON block the script reads (type application/json is data, not
// script), so no inline script, no inline style and no eval is needed: echarts 5 draws on a
// canvas and sets element styles through the CSSOM, which style-src does not govern. connect-src
// 'self' lets a page fetch the generation file; form-action 'self' keeps the sign-in and
// sign-out forms on this server.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// PublicCSP is the policy of the public folder. The disclosure's pages carry their charts as
// inline scripts (go-echarts snippets) and inline styles, so they may run inline script — but
// in a sandbox without allow-same-origin: the page gets an opaque origin, so its scripts can
// neither read this site's cookies nor make requests that carry them (the session cookie is
// SameSite=Strict and HttpOnly besides). Nothing of the public folder can reach the dashboards.
const PublicCSP = "sandbox allow-scripts allow-popups allow-downloads; default-src 'none'; " +
	"script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; " +
	"frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

// setHeaders sets the security headers of every response.
func setHeaders(h http.Header, https, public bool) {
	if public {
		h.Set("Content-Security-Policy", PublicCSP)
	} else {
		h.Set("Content-Security-Policy", CSP)
	}
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin") // no-referrer would make browsers send "Origin: null" on our own forms
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	if public {
		// The public folder's pages run in an opaque origin (sandbox): their own scripts and
		// maps are "cross-origin" to them.
		h.Set("Cross-Origin-Resource-Policy", "cross-origin")
	} else {
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
	}
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()")
	if https {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
}
