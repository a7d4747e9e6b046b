package dashboards

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/region"
	"github.com/ecowatch/ecowatch/store"
)

// Targets lists, for the nation (when in scope), every province and every city of the scope,
// the TopN targets by reports in q.Recent and the TopN repeat targets by reports in q.Span.
// Only targets with at least two reports in q.Span are listed (a list of targets reported
// once says nothing); reports without a target are not counted.
//
// It first finds the targets named in at least two versions of reports of the span (a
// superset of those with two reports: Narrow of store.LatestReports), then reads only their
// reports. Targets are grouped by 64-bit hashes of their keys, and (jurisdiction, target)
// pairs by a hash of the pair: numbers group several times faster than strings on 18.16. The
// keys, names, places and reporters of the targets listed are read afterwards (targetDetails).
func (m *ReadModel) Targets(ctx context.Context, q TargetQuery) ([]TargetRow, error) {
	scope := store.Scope(q.Scope)
	candidates := `cityHash64(target_key) IN (
		SELECT cityHash64(target_key) AS c_h FROM reports
		WHERE ` + store.In("received_at", q.Span) + ` AND ` + scope.Report() + ` AND target_key != ''
		GROUP BY c_h HAVING count() >= 2)`
	latest := store.LatestReports{Received: []store.Period{q.Span}, Scope: q.Scope, Narrow: candidates}
	sub := latest.Query(store.Latest("cityHash64(target_key)", "d_tk"))
	// The jurisdictions a (province, prefecture-level prefix) pair counts in: the nation when the
	// scope is the nation, the province unless the scope is a city, and the prefix when it is
	// not the province itself.
	var levels []string
	switch {
	case q.Scope.IsNation():
		levels = []string{"toUInt64(0)", "t_pc", "t_cc"}
	case q.Scope.Level == region.Province:
		levels = []string{"t_pc", "t_cc"}
	default:
		levels = []string{"t_cc"}
	}
	withCity := "[" + strings.Join(levels, ", ") + "]"
	withoutCity := withCity
	if len(levels) > 1 {
		withoutCity = "[" + strings.Join(levels[:len(levels)-1], ", ") + "]"
	}
	n := q.TopN
	if n <= 0 {
		n = 10
	}
	monday := q.Span.From.In(calendar.Shanghai)
	monday = time.Date(monday.Year(), monday.Month(), monday.Day(), 0, 0, 0, 0, calendar.Shanghai).
		AddDate(0, 0, -((int(monday.Weekday()) + 6) % 7))
	// The Date toMonday returns, as a number, counts days since 1970-01-01.
	firstWeek := time.Date(monday.Year(), monday.Month(), monday.Day(), 0, 0, 0, 0, time.UTC).Unix() / 86400
	at, rc := store.LatestAt, store.LatestRegion
	// Per (prefix, target), then per (jurisdiction, target); each pair is offered to two lists
	// (kind 1: top by recent reports, kind 2: repeat targets by total) and each list keeps its
	// first n per jurisdiction. Weeks are a bitmask of the weeks since the span's first Monday.
	// The any() are of values the same on every row of their group (functions of its key).
	query := `SELECT j_kind, toUInt64(j_code), j_tk, j_recent, j_total, j_last, toUInt64(` + popcount("j_weeks") + `) AS j_nweeks
		FROM (
			SELECT any(j_one) AS j_code, any(t_tk) AS j_tk, sum(t_recent) AS j_recent,
				sum(t_total) AS j_total, groupBitOr(t_weeks) AS j_weeks, max(t_last) AS j_last
			FROM (
				SELECT any(intDiv(` + rc + `, 10000) * 10000) AS t_pc, any(intDiv(` + rc + `, 100) * 100) AS t_cc, any(d_tk) AS t_tk,
					countIf(` + at + ` >= ? AND ` + at + ` < ?) AS t_recent, count() AS t_total,
					groupBitOr(toUInt64(bitShiftLeft(toUInt64(1), intDiv(toUInt32(toMonday(` + at + `)) - ` + strconv.FormatInt(firstWeek, 10) + `, 7)))) AS t_weeks,
					max(` + at + `) AS t_last
				FROM (` + sub + `)
				WHERE d_tk != cityHash64('')
				GROUP BY cityHash64(intDiv(` + rc + `, 100), d_tk)
			)
			ARRAY JOIN if(t_cc = t_pc, ` + withoutCity + `, ` + withCity + `) AS j_one
			GROUP BY cityHash64(j_one, t_tk)
		)
		ARRAY JOIN [1, 2] AS j_kind
		WHERE (j_kind = 1 AND j_recent > 0 AND j_total >= 2) OR (j_kind = 2 AND j_total >= ? AND j_nweeks >= ?)
		ORDER BY j_code, j_kind, if(j_kind = 1, j_recent, j_total) DESC, if(j_kind = 1, j_total, j_nweeks) DESC, j_tk
		LIMIT ? BY j_code, j_kind`
	args := []any{q.Recent.From, q.Recent.To, max(q.RepeatMin, 2), max(q.RepeatWeeks, 1), n}
	rows, err := m.db.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("dashboards: targets: %w", err)
	}
	type key struct{ j, tk uint64 }
	index := map[key]int{}
	var out []TargetRow
	var tks []uint64
	seen := map[uint64]bool{}
	for rows.Next() {
		var kind uint8
		var j, tk, nweeks uint64
		var r TargetRow
		if err := rows.Scan(&kind, &j, &tk, &r.Recent, &r.Total, &r.Last, &nweeks); err != nil {
			rows.Close()
			return nil, fmt.Errorf("dashboards: targets: %w", err)
		}
		r.Weeks = nweeks
		i, ok := index[key{j, tk}]
		if !ok {
			r.Jurisdiction = code(j)
			i = len(out)
			index[key{j, tk}] = i
			out = append(out, r)
			if !seen[tk] {
				seen[tk] = true
				tks = append(tks, tk)
			}
		}
		if kind == 1 {
			out[i].Top = true
		} else {
			out[i].Repeat = true
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("dashboards: targets: %w", err)
	}
	details, err := m.targetDetails(ctx, q, tks)
	if err != nil {
		return nil, err
	}
	for k, i := range index {
		d := details[k.tk]
		out[i].Key, out[i].Name = d.key, mostReported(d.names)
		// The place and the distinct reporters of the target in the jurisdiction: over the
		// region codes in it.
		places := map[string]uint64{}
		people := map[uint64]bool{}
		for place, c := range d.places {
			if within(k.j, place) {
				places[code(place)] += c.reports
				for _, p := range c.reporters {
					people[p] = true
				}
			}
		}
		out[i].RegionCode = mostReported(places)
		out[i].Reporters = uint64(len(people))
	}
	return out, nil
}

// within reports whether the region code rc (a number) lies in the jurisdiction j: the nation
// (0), a province (ending 0000) or a prefecture-level prefix.
func within(j, rc uint64) bool {
	switch {
	case j == 0:
		return true
	case j%10000 == 0:
		return rc/10000 == j/10000
	}
	return rc/100 == j/100
}

// mostReported is the value with the most reports, ties broken by the smallest value: the one
// rule for a label chosen among several (a target's name, its place), so that the page is the
// same at every generation.
func mostReported(counts map[string]uint64) string {
	best, most := "", uint64(0)
	for v, n := range counts {
		if n > most || n == most && v < best {
			best, most = v, n
		}
	}
	return best
}

// target is what is read about a listed target after the lists are made.
type target struct {
	key    string
	names  map[string]uint64    // name → reports
	places map[uint64]placeSeen // region code → its reports and reporters
}

type placeSeen struct {
	reports   uint64
	reporters []uint64 // hashes of the reporters' pseudonyms
}

// targetDetails reads the key, the names, and per region code the reports and the reporters of
// the targets whose key hashes are given, from the reports of the query's span and scope at
// their latest version.
func (m *ReadModel) targetDetails(ctx context.Context, q TargetQuery, hashes []uint64) (map[uint64]target, error) {
	out := map[uint64]target{}
	if len(hashes) == 0 {
		return out, nil
	}
	list := make([]string, len(hashes))
	for i, h := range hashes {
		list[i] = strconv.FormatUint(h, 10)
	}
	listed := "(" + strings.Join(list, ", ") + ")"
	latest := store.LatestReports{Received: []store.Period{q.Span}, Scope: q.Scope, Narrow: "cityHash64(target_key) IN " + listed}
	rows, err := m.db.Query(ctx, `
		SELECT n_tk, toUInt64(`+store.LatestRegion+`), n_name, any(n_key), count(), groupUniqArray(n_who)
		FROM (`+latest.Query(store.Latest("cityHash64(target_key)", "n_tk"), store.Latest("target_key", "n_key"),
		store.Latest("target_name", "n_name"), store.Latest("cityHash64(reporter_pseudonym)", "n_who"))+`)
		WHERE n_tk IN `+listed+`
		GROUP BY n_tk, `+store.LatestRegion+`, n_name`)
	if err != nil {
		return nil, fmt.Errorf("dashboards: target details: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var h, rc, n uint64
		var name, k string
		var people []uint64
		if err := rows.Scan(&h, &rc, &name, &k, &n, &people); err != nil {
			return nil, fmt.Errorf("dashboards: target details: %w", err)
		}
		d, ok := out[h]
		if !ok {
			d = target{key: k, names: map[string]uint64{}, places: map[uint64]placeSeen{}}
		}
		d.names[name] += n
		p := d.places[rc]
		p.reports += n
		p.reporters = append(p.reporters, people...)
		d.places[rc] = p
		out[h] = d
	}
	return out, rows.Err()
}
