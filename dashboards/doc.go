// Package dashboards writes the leadership dashboards: a static site with one page for the
// nation (or a scope) and, by drill-down links, one for every province and prefecture-level
// city with data — headline figures against the same period before, trends, channel mix, a
// map, top places and targets, repeat targets, open warnings, overdue cases, on-time league
// tables, the time the page reflects and the ingest lag (docs/dashboards.md describes every
// panel).
//
// Generate reads all figures of all pages from the package's ClickHouse read model (ReadModel,
// readmodel_*.go: the only SQL of the dashboards, built with store's shared rules — the latest
// version of a report, the scope filter) in a handful of queries that aggregate for every
// jurisdiction at once; the typed rows of source.go are all a page sees of them. It renders the
// pages with go-echarts charts and html/template, and publishes the site whole through
// internal/output.Publish: DIR is a link to a versioned folder, swapped by rename(2), so a
// reader never sees a half-written site. Pages load the chart library and map shapes from the
// site itself (webassets), never from a CDN, and carry no reporter information and no
// complaint text. Every name on a page (warning kinds and levels, steps, channels, categories)
// is the one name contract and lifecycle give the code.
//
// It must not touch Kafka, nor write SQL outside its read model.
package dashboards
