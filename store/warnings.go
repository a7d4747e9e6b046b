package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/ecowatch/ecowatch/contract"
)

// WarningRow is one revision of a warning as stored.
type WarningRow struct {
	contract.Warning
	Situation string // the detector's stable key of the situation
	Facts     string // JSON of the kind-specific facts a notice shows
	OpenedAt  time.Time
}

const warningColumns = `warning_id, revision, situation, kind, status, level, title, region_codes, basin,
	recipient_codes, recipient_names, recipient_roles, recipient_details, window_from, window_to,
	observed, expected, baseline, statistic, p_value, score, reporters, report_ids, facts, opened_at, issued_at`

// latestWarnings selects the current revision of every warning.
const latestWarnings = `SELECT ` + warningColumns + ` FROM warnings
	WHERE (warning_id, revision) IN (SELECT warning_id, max(revision) FROM warnings GROUP BY warning_id)`

// SaveWarnings writes warning revisions.
func (s *Store) SaveWarnings(ctx context.Context, rows []WarningRow) error {
	if len(rows) == 0 {
		return nil
	}
	return s.insert(ctx, "warning revisions", "INSERT INTO warnings ("+warningColumns+")", func(batch driver.Batch) error {
		for _, w := range rows {
			var codes, names, roles, details []string
			for _, r := range w.Recipients {
				d, err := recipientDetails(r)
				if err != nil {
					return fmt.Errorf("warning %s: %w", w.WarningID, err)
				}
				codes, names, roles, details = append(codes, r.OrgCode), append(names, r.OrgName), append(roles, r.Role), append(details, d)
			}
			err := batch.Append(w.WarningID, w.Revision, w.Situation, w.Kind, w.Status, uint8(w.Level), w.Title,
				nonNil(w.RegionCodes), w.Basin, nonNil(codes), nonNil(names), nonNil(roles), nonNil(details),
				w.Window.From.Time, w.Window.To.Time, w.Evidence.Observed, w.Evidence.Expected, w.Evidence.Baseline,
				w.Evidence.Statistic, w.Evidence.PValue, w.Evidence.Score, uint32(w.Evidence.Reporters),
				nonNil(w.ReportIDs), w.Facts, w.OpenedAt, w.IssuedAt.Time)
			if err != nil {
				return fmt.Errorf("warning %s: %w", w.WarningID, err)
			}
		}
		return nil
	})
}

// CurrentWarnings returns the current revision of the warnings of kind whose status is not
// closed (all statuses when includeClosed).
func (s *Store) CurrentWarnings(ctx context.Context, kind string, includeClosed bool) ([]WarningRow, error) {
	q := latestWarnings + ` AND kind = ?`
	if !includeClosed {
		q += ` AND status != 'closed'`
	}
	return s.queryWarnings(ctx, q+` ORDER BY warning_id`, kind)
}

// AllWarnings returns the current revision of every warning (for listings and dashboards).
func (s *Store) AllWarnings(ctx context.Context) ([]WarningRow, error) {
	return s.queryWarnings(ctx, latestWarnings+` ORDER BY issued_at, warning_id`)
}

// Undelivered returns the warning revisions not yet acknowledged on channel, oldest first:
// the outbox of warnings.v1 and webhook delivery.
func (s *Store) Undelivered(ctx context.Context, channel string) ([]WarningRow, error) {
	return s.queryWarnings(ctx, `SELECT `+warningColumns+` FROM warnings
		WHERE (warning_id, revision) NOT IN (SELECT warning_id, revision FROM deliveries WHERE channel = ?)
		ORDER BY issued_at, warning_id, revision`, channel)
}

// MarkDelivered acknowledges warning revisions on channel.
func (s *Store) MarkDelivered(ctx context.Context, channel string, rows []WarningRow, attempts int) error {
	if len(rows) == 0 {
		return nil
	}
	now := time.Now()
	return s.insert(ctx, "deliveries", "INSERT INTO deliveries (channel, warning_id, revision, attempts, delivered_at)", func(batch driver.Batch) error {
		for _, w := range rows {
			if err := batch.Append(channel, w.WarningID, w.Revision, uint32(attempts), now); err != nil {
				return fmt.Errorf("delivery of %s: %w", w.WarningID, err)
			}
		}
		return nil
	})
}

func (s *Store) queryWarnings(ctx context.Context, q string, args ...any) ([]WarningRow, error) {
	rows, err := s.conn.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: reading warnings: %w", err)
	}
	defer rows.Close()
	var out []WarningRow
	for rows.Next() {
		var w WarningRow
		var level uint8
		var reporters uint32
		var codes, names, roles, details []string
		var from, to, issued time.Time
		err := rows.Scan(&w.WarningID, &w.Revision, &w.Situation, &w.Kind, &w.Status, &level, &w.Title,
			&w.RegionCodes, &w.Basin, &codes, &names, &roles, &details, &from, &to,
			&w.Evidence.Observed, &w.Evidence.Expected, &w.Evidence.Baseline, &w.Evidence.Statistic,
			&w.Evidence.PValue, &w.Evidence.Score, &reporters, &w.ReportIDs, &w.Facts, &w.OpenedAt, &issued)
		if err != nil {
			return nil, fmt.Errorf("store: reading warnings: %w", err)
		}
		w.Schema = contract.SchemaWarnings
		w.Level = int(level)
		w.Evidence.Reporters = int(reporters)
		w.Window = contract.Window{From: contract.NewTime(from), To: contract.NewTime(to)}
		w.IssuedAt = contract.NewTime(issued)
		for i := range codes {
			r := contract.Recipient{OrgCode: codes[i], OrgName: names[i], Role: roles[i]}
			if i < len(details) && details[i] != "" {
				var d recipientExtra
				if err := json.Unmarshal([]byte(details[i]), &d); err != nil {
					return nil, fmt.Errorf("store: reading warning %s: details of recipient %s: %w", w.WarningID, r.OrgCode, err)
				}
				r.Copy, r.Downstream = d.Copy, d.Downstream
			}
			w.Recipients = append(w.Recipients, r)
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// recipientExtra is what recipient_details holds of a recipient.
type recipientExtra struct {
	Copy       bool                 `json:"copy,omitempty"`
	Downstream *contract.Downstream `json:"downstream,omitempty"`
}

// recipientDetails is the recipient_details value of a recipient: ” when it carries nothing
// beyond code, name and role.
func recipientDetails(r contract.Recipient) (string, error) {
	if !r.Copy && r.Downstream == nil {
		return "", nil
	}
	b, err := json.Marshal(recipientExtra{Copy: r.Copy, Downstream: r.Downstream})
	if err != nil {
		return "", fmt.Errorf("details of recipient %s: %w", r.OrgCode, err)
	}
	return string(b), nil
}

// NoticeRecord is one notice written to the output folder.
type NoticeRecord struct {
	NoticeID, Kind, Number, IssuerCode, RecipientCode, RecipientName, Path string
	WarningIDs                                                             []string
	Revisions                                                              []uint32
	IssuedAt                                                               time.Time
}

// ExistingNotices returns which of ids have been issued.
func (s *Store) ExistingNotices(ctx context.Context, ids []string) (map[string]bool, error) {
	out := map[string]bool{}
	// In chunks: the ids travel in the query text, which the server limits (256 KiB).
	for chunk := range slices.Chunk(ids, 2000) {
		rows, err := s.conn.Query(ctx, "SELECT DISTINCT notice_id FROM notices WHERE has(?, notice_id)", chunk)
		if err != nil {
			return nil, fmt.Errorf("store: notices: %w", err)
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, fmt.Errorf("store: notices: %w", err)
			}
			out[id] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("store: notices: %w", err)
		}
	}
	return out, nil
}

// NoticeCounts returns how many notices each issuer has issued of each kind in a year, keyed
// "issuer|kind": the last serial number used.
func (s *Store) NoticeCounts(ctx context.Context, year int) (map[string]int, error) {
	rows, err := s.conn.Query(ctx, "SELECT issuer_code, kind, uniqExact(notice_id) FROM notices WHERE toYear(issued_at) = ? GROUP BY issuer_code, kind",
		uint16(year))
	if err != nil {
		return nil, fmt.Errorf("store: notices: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var issuer, kind string
		var n uint64
		if err := rows.Scan(&issuer, &kind, &n); err != nil {
			return nil, fmt.Errorf("store: notices: %w", err)
		}
		out[issuer+"|"+kind] = int(n)
	}
	return out, rows.Err()
}

// SaveNotices records issued notices.
func (s *Store) SaveNotices(ctx context.Context, recs []NoticeRecord) error {
	if len(recs) == 0 {
		return nil
	}
	return s.insert(ctx, "notice records", "INSERT INTO notices (notice_id, kind, number, issuer_code, recipient_code, recipient_name, warning_ids, revisions, path, issued_at)",
		func(batch driver.Batch) error {
			for _, n := range recs {
				if err := batch.Append(n.NoticeID, n.Kind, n.Number, n.IssuerCode, n.RecipientCode, n.RecipientName,
					nonNil(n.WarningIDs), n.Revisions, n.Path, n.IssuedAt); err != nil {
					return fmt.Errorf("notice %s: %w", n.NoticeID, err)
				}
			}
			return nil
		})
}

// DetectorRun is the record of one detector cycle.
type DetectorRun struct {
	Detector                       string
	AsOf, Started, Finished        time.Time
	Found, Opened, Updated, Closed int
	Error                          string
}

// SaveDetectorRun records a detector cycle.
func (s *Store) SaveDetectorRun(ctx context.Context, r DetectorRun) error {
	return s.insert(ctx, "detector runs", "INSERT INTO detector_runs (detector, as_of, started_at, finished_at, found, opened, updated, closed, error)",
		func(batch driver.Batch) error {
			return batch.Append(r.Detector, r.AsOf, r.Started, r.Finished, uint32(r.Found), uint32(r.Opened), uint32(r.Updated), uint32(r.Closed), r.Error)
		})
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// UndeliveredTo is Undelivered restricted to the warning revisions addressed to one
// organisation (a webhook channel delivers only what its organisation receives).
func (s *Store) UndeliveredTo(ctx context.Context, channel, orgCode string) ([]WarningRow, error) {
	return s.queryWarnings(ctx, `SELECT `+warningColumns+` FROM warnings
		WHERE has(recipient_codes, ?)
		AND (warning_id, revision) NOT IN (SELECT warning_id, revision FROM deliveries WHERE channel = ?)
		ORDER BY issued_at, warning_id, revision`, orgCode, channel)
}

// WarningRevision reads one revision of a warning; ok is false when it does not exist.
func (s *Store) WarningRevision(ctx context.Context, id string, revision uint32) (WarningRow, bool, error) {
	rows, err := s.queryWarnings(ctx, `SELECT `+warningColumns+` FROM warnings WHERE warning_id = ? AND revision = ? LIMIT 1`, id, revision)
	if err != nil || len(rows) == 0 {
		return WarningRow{}, false, err
	}
	return rows[0], true, nil
}

// WarningRevisions returns every revision of the given warnings, by warning and revision.
func (s *Store) WarningRevisions(ctx context.Context, ids []string) ([]WarningRow, error) {
	var out []WarningRow
	// In chunks: the ids travel in the query text, which the server limits (256 KiB).
	for chunk := range slices.Chunk(ids, 2000) {
		rows, err := s.queryWarnings(ctx, `SELECT `+warningColumns+` FROM warnings WHERE has(?, warning_id)
			ORDER BY warning_id, revision`, chunk)
		if err != nil {
			return nil, err
		}
		out = append(out, rows...)
	}
	// a revision written twice (a retried insert before the table merged) is one revision
	return slices.CompactFunc(out, func(a, b WarningRow) bool { return a.WarningID == b.WarningID && a.Revision == b.Revision }), nil
}

// NoticesAbout returns the notices recorded about any of the given warnings, and every digest
// (kind digest) recorded since a time, by notice id, each once.
func (s *Store) NoticesAbout(ctx context.Context, ids []string, digestsSince time.Time) ([]NoticeRecord, error) {
	seen := map[string]bool{}
	var out []NoticeRecord
	read := func(q string, args ...any) error {
		rows, err := s.conn.Query(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("store: notices: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var n NoticeRecord
			if err := rows.Scan(&n.NoticeID, &n.Kind, &n.Number, &n.IssuerCode, &n.RecipientCode, &n.RecipientName,
				&n.WarningIDs, &n.Revisions, &n.Path, &n.IssuedAt); err != nil {
				return fmt.Errorf("store: notices: %w", err)
			}
			if !seen[n.NoticeID] {
				seen[n.NoticeID] = true
				out = append(out, n)
			}
		}
		return rows.Err()
	}
	const cols = `SELECT notice_id, kind, number, issuer_code, recipient_code, recipient_name, warning_ids, revisions, path, issued_at FROM notices`
	for chunk := range slices.Chunk(ids, 2000) {
		if err := read(cols+` WHERE hasAny(warning_ids, ?) ORDER BY notice_id`, chunk); err != nil {
			return nil, err
		}
	}
	if err := read(cols+` WHERE kind = 'digest' AND issued_at >= ? ORDER BY notice_id`, digestsSince); err != nil {
		return nil, err
	}
	return out, nil
}
