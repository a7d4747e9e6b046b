// Package serve is `ecowatch serve`: the HTTP server of the leadership dashboards. It signs
// people in (package access: the accounts file, sessions, the sign-in throttle, trusted-header
// single sign-on), lets each person open the pages and data files of their jurisdiction and
// everything under it and answers 403 for the others, removes from every page it serves the
// links to pages its reader may not open (the map's drill-down follows those links), serves a
// public folder (the quarterly disclosure) under /public/ without sign-in, sets the security
// headers (a Content-Security-Policy without inline script or eval, no framing, no MIME
// sniffing), refuses plain HTTP beyond loopback unless told, and records every sign-in, failed
// sign-in, sign-out and page or data-file request in the access_audit table through an
// asynchronous, bounded batcher (Auditor) that is flushed on shutdown.
//
// It owns the URL layout (/-/ for its own pages, /public/ for the public folder, the site
// at /) and the audit's events; it reads the dashboards site as dashboards writes it
// (dashboards.IndexFile, dashboards.GenerationFile) and never writes into it. It must not
// decide who may open what (access does) nor write SQL (store does).
package serve
