package reports

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/store"
)

// The receipts and handling breakdowns: ChannelRow, CategoryRow, SubcategoryRow, IndustryRow,
// MonthRow, RejectionRow and CohortRow, from one query (groupsSQL).
//
// To add a breakdown: give it a row type and a slice in Data (source.go), a grouping in the
// keys array of groupsSQL (a small number and three numeric keys), its decoding in groups, and
// its use in summarize (figures.go).

// packField is one field of the packed report: what the breakdowns need of a report version
// in one UInt64, so that a single argMax over version keeps it.
type packField struct {
	name string
	bits uint
	expr string // a number below 2^bits
}

// packedReport lists the fields, least significant first: the month of receipt (months since
// January 2000), the period of receipt (period index + 1, 0 outside the three periods), the
// categories as a bit mask, the main category and the channel (1-based positions in the
// contract lists, 0 when unknown), the kind (1: petition), the region code, and whether the
// version was received in the windows read (store.LatestReports: a report is kept when its
// latest version was).
func packedReport(q Query, latest store.LatestReports) []packField {
	cats := store.Strings(contract.Categories)
	return []packField{
		{"month", 10, "(toYear(received_at) - 2000) * 12 + toMonth(received_at) - 1"},
		{"period", 2, sqlPeriod("received_at", q) + " + 1"},
		{"mask", 8, `arraySum(arrayMap(c -> bitShiftLeft(toUInt64(1), indexOf(` + cats + `, c) - 1),
				arrayFilter(c -> has(` + cats + `, c), if(empty(categories), [category], categories))))`},
		{"cat", 4, store.Enum("category", contract.Categories)},
		{"ch", 4, store.Enum("channel", contract.Channels)},
		{"k", 1, "kind = 'petition'"},
		{"r", 20, "toUInt32OrZero(region_code)"},
		{"in_window", 1, latest.InWindow("received_at")},
	}
}

// pack is the SQL of the packed value of a row.
func pack(fields []packField) string {
	var parts []string
	var off uint
	for _, f := range fields {
		parts = append(parts, fmt.Sprintf("bitShiftLeft(bitAnd(toUInt64(%s), %d), %d)", f.expr, uint64(1)<<f.bits-1, off))
		off += f.bits
	}
	return "(" + strings.Join(parts, "\n\t\t\t+ ") + ")"
}

// unpack is the select list that reads the fields back from the packed column col.
func unpack(fields []packField, col string) string {
	var parts []string
	var off uint
	for _, f := range fields {
		parts = append(parts, fmt.Sprintf("bitAnd(bitShiftRight(%s, %d), %d) AS %s", col, off, uint64(1)<<f.bits-1, f.name))
		off += f.bits
	}
	return strings.Join(parts, ", ")
}

// Event bits: a handling step of type i (stepTypes) that happened before the end of the
// previous quarter sets bit 2i, before the end of the quarter bit 2i+1; an acceptance within
// the cohort's window sets bit cohortBit.
var stepTypes = []string{contract.EventAccepted, contract.EventRejected, contract.EventAssigned, contract.EventClosed,
	contract.EventReplied, contract.EventMerged}

const cohortBit = 12

// groupsWindows are the receipt windows of the groups query: the recent one (previous quarter,
// quarter, cohort) and the same quarter last year.
func groupsWindows(q Query) []store.Period { return []store.Period{reportWindow(q), q.LastYear} }

// The groupings of the groups query (g): every report fans out into one row per grouping.
const (
	groupRegionMonth = 1 // k1 region * 1000000 + YYYYMM, k2 kind * 16 + channel; category bit sums
	groupCategory    = 2 // k1 main category, k2 subcategory hash, k3 industry hash
	groupCohort      = 4 // k1 region, k2 kind
	groupRejection   = 5 // k1 reason hash, k2 kind
)

// groupsSQL is the query behind groups.
func groupsSQL(q Query) string {
	windows := groupsWindows(q)
	recent := windows[0]
	latest := store.LatestReports{Received: windows, Scope: q.Scope}
	fields := packedReport(q, latest)
	// One GROUP BY over the versions read (store.LatestReports.Rows) and the case events of the
	// recent window together (UNION ALL), with five aggregates: the latest version's packed
	// report and packed sub-type and industry (argMax over version; event rows carry version
	// 0), the handling steps as bits (groupBitOr) and the first rejection's reason. Events of
	// reports not read make groups without a report row (version 0), dropped by HAVING; the
	// reports whose latest version lies outside the windows or the scope are dropped after it.
	// A report counts as rejected only when it was not accepted. The handling of the same
	// quarter last year is not computed (its events are not read): only its receipts are
	// compared.
	var bitExpr []string
	for i, t := range stepTypes {
		tt := "type = " + store.Quote(t)
		if t == contract.EventAssigned {
			tt = "(type = 'assigned' OR type = 'transferred')"
		}
		bitExpr = append(bitExpr,
			fmt.Sprintf("if(%s AND at < %s, %d, 0)", tt, store.Time(q.Previous.To), uint32(1)<<(2*i)),
			fmt.Sprintf("if(%s AND at < %s, %d, 0)", tt, store.Time(q.Quarter.To), uint32(1)<<(2*i+1)))
	}
	bitExpr = append(bitExpr, fmt.Sprintf("if(type = 'accepted' AND %s, %d, 0)", store.In("at", q.Cohort), uint32(1)<<cohortBit))
	has := func(step string, end string) string {
		for i, t := range stepTypes {
			if t == step {
				return fmt.Sprintf("bitTest(b, %d * 2 + %s)", i, end)
			}
		}
		panic("unknown step " + step)
	}
	eventsOf := "1"
	if !q.Scope.IsNation() {
		eventsOf = "cityHash64(report_id) IN (" + latest.KeySet() + ")"
	}
	reportRows := latest.Rows(`cityHash64(report_id) AS h, version, toUInt64(` + pack(fields) + `) AS pk0,
			(cityHash64(subcategory) % 4294967296) * 4294967296 + cityHash64(target_industry) % 4294967296 AS si0,
			toUInt32(0) AS b0, toDateTime(0, 'Asia/Shanghai') AS at, '' AS type, toUInt64(0) AS reason0`)
	perReport := `
		SELECT h, reason_h, b, ` + unpack(fields, "pk") + `,
			toInt8(period) - 1 AS p_index, intDiv(si, 4294967296) AS subh, si % 4294967296 AS indh
		FROM (
			SELECT h, max(version) AS v, argMax(pk0, version) AS pk, argMax(si0, version) AS si,
				groupBitOr(b0) AS b, argMinIf(reason0, at, type = 'rejected') AS reason_h
			FROM (
				` + reportRows + `
				UNION ALL
				SELECT cityHash64(report_id) AS h, toUInt32(0) AS version, toUInt64(0) AS pk0, toUInt64(0) AS si0,
					toUInt32(` + strings.Join(bitExpr, " + ") + `) AS b0, at, type, cityHash64(reason) AS reason0
				FROM case_events
				WHERE ` + store.In("at", recent) + `
					AND type IN ('accepted', 'rejected', 'assigned', 'transferred', 'closed', 'replied', 'merged')
					AND ` + eventsOf + `
			)
			GROUP BY h
			HAVING v > 0
		)
		WHERE in_window = 1 AND ` + store.Scope(q.Scope).Number("r")
	// e is 0 for a report of the previous quarter (its handling as of that quarter's end), 1
	// for the quarter
	var bits []string
	for i := range contract.Categories {
		bits = append(bits, fmt.Sprintf("sum(bitTest(mask, %d))", i))
	}
	return `
SELECT toInt8(if(key.1 = ` + strconv.Itoa(groupCohort) + `, 0, p_index)) AS p, key.1 AS g, key.2 AS k1, key.3 AS k2, key.4 AS k3,
	count(), sum(accepted), sum(rejected), sum(assigned), sum(closed), sum(replied), sum(merged), sum(cohort_closed),
	[` + strings.Join(bits, ", ") + `]
FROM (
	SELECT p_index, mask, accepted, rejected, assigned, closed, replied, merged, cohort_closed,
		arrayFilter(x -> x.1 != 0, [
			(toUInt8(if(p_index >= 0, ` + strconv.Itoa(groupRegionMonth) + `, 0)), toUInt64(r) * 1000000 + (2000 + intDiv(month, 12)) * 100 + month % 12 + 1,
				toUInt64(k * 16 + ch), toUInt64(0)),
			(toUInt8(if(p_index >= 0, ` + strconv.Itoa(groupCategory) + `, 0)), toUInt64(cat), subh, indh),
			(toUInt8(if(p_index >= 0 AND rejected, ` + strconv.Itoa(groupRejection) + `, 0)), reason_h, toUInt64(k), toUInt64(0)),
			(toUInt8(if(cohort, ` + strconv.Itoa(groupCohort) + `, 0)), toUInt64(r), toUInt64(k), toUInt64(0))]) AS keys
	FROM (
		SELECT *,
			p_index = 0 OR p_index = 1 AS handled,
			toUInt8(p_index = 0) AS e,
			handled AND ` + has(contract.EventAccepted, "e") + ` AS accepted,
			handled AND ` + has(contract.EventRejected, "e") + ` AND NOT accepted AS rejected,
			handled AND ` + has(contract.EventAssigned, "e") + ` AS assigned,
			handled AND ` + has(contract.EventClosed, "e") + ` AS closed,
			handled AND ` + has(contract.EventReplied, "e") + ` AS replied,
			handled AND ` + has(contract.EventMerged, "e") + ` AS merged,
			bitTest(b, ` + strconv.Itoa(cohortBit) + `) AND NOT ` + has(contract.EventMerged, "1") + ` AS cohort,
			cohort AND ` + has(contract.EventClosed, "1") + ` AS cohort_closed
		FROM (` + perReport + `)
	)
)
ARRAY JOIN keys AS key
GROUP BY p, g, k1, k2, k3
ORDER BY p, g, k1, k2, k3`
}

// groups runs groupsSQL and decodes its rows into the typed rows of d.
func (m *ReadModel) groups(ctx context.Context, q Query, d *Data) error {
	rows, err := m.db.Query(ctx, groupsSQL(q))
	if err != nil {
		return fmt.Errorf("reports: disclosure groups: %w", err)
	}
	type raw struct {
		p                                             int8
		g                                             uint8
		k1, k2, k3                                    uint64
		n, acc, rej, asg, cls, rep, mrg, cohortClosed uint64
		bits                                          []uint64
	}
	var raws []raw
	needNames, needShort := map[uint64]bool{}, map[uint64]bool{}
	for rows.Next() {
		var x raw
		if err := rows.Scan(&x.p, &x.g, &x.k1, &x.k2, &x.k3, &x.n, &x.acc, &x.rej, &x.asg, &x.cls, &x.rep, &x.mrg,
			&x.cohortClosed, &x.bits); err != nil {
			rows.Close()
			return fmt.Errorf("reports: disclosure groups: %w", err)
		}
		raws = append(raws, x)
		switch x.g {
		case groupCategory:
			needShort[x.k2], needShort[x.k3] = true, true
		case groupRejection:
			needNames[x.k1] = true
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reports: disclosure groups: %w", err)
	}
	names, err := m.hashNames(ctx, q, groupsWindows(q))
	if err != nil {
		return err
	}
	// sub-types and industries travel as 32-bit hashes (two in one UInt64)
	short := map[uint64]string{}
	for h, x := range names {
		k := h % (1 << 32)
		if other, ok := short[k]; ok && other != x && (needShort[k]) {
			return fmt.Errorf("reports: disclosure groups: %q and %q share a 32-bit hash", other, x)
		}
		short[k] = x
	}
	for h := range needNames {
		if _, ok := names[h]; !ok {
			return fmt.Errorf("reports: disclosure groups: no text for hash %d (data changed during the report?)", h)
		}
	}
	for h := range needShort {
		if _, ok := short[h]; !ok {
			return fmt.Errorf("reports: disclosure groups: no text for hash %d (data changed during the report?)", h)
		}
	}
	code := func(r uint64) string { return fmt.Sprintf("%06d", r) }
	pick := func(list []string, i uint64) string {
		if v := store.EnumValue(list, i); v != "" {
			return v
		}
		return "other" // channels and categories both have it
	}
	for _, x := range raws {
		p := PeriodIndex(x.p)
		switch x.g {
		case groupRegionMonth:
			kind := kinds[x.k2/16%2]
			reg := code(x.k1 / 1000000)
			d.Channels = append(d.Channels, ChannelRow{Period: p, Region: reg, Kind: kind, Channel: pick(contract.Channels, x.k2%16),
				Handling: Handling{Received: x.n, Accepted: x.acc, Rejected: x.rej, Assigned: x.asg, Closed: x.cls, Replied: x.rep, Merged: x.mrg}})
			d.Months = append(d.Months, MonthRow{Period: p, Month: strconv.FormatUint(x.k1%1000000, 10), Kind: kind, Received: x.n})
			for i, n := range x.bits {
				if n > 0 && i < len(contract.Categories) {
					d.Categories = append(d.Categories, CategoryRow{Period: p, Region: reg, Kind: kind, Category: contract.Categories[i], Received: n})
				}
			}
		case groupCategory:
			d.Subcategories = append(d.Subcategories, SubcategoryRow{Period: p, Category: pick(contract.Categories, x.k1), Subcategory: short[x.k2], Received: x.n})
			d.Industries = append(d.Industries, IndustryRow{Period: p, Industry: short[x.k3], Received: x.n})
		case groupCohort:
			d.Cohort = append(d.Cohort, CohortRow{Region: code(x.k1), Kind: kinds[x.k2%2], Accepted: x.n, Closed: x.cohortClosed})
		case groupRejection:
			d.Rejections = append(d.Rejections, RejectionRow{Period: p, Reason: names[x.k1], Kind: kinds[x.k2%2], Rejected: x.n})
		}
	}
	// rows with the same key come from finer groups (a subcategory from several industries,
	// a month from several regions and channels …): sum them
	d.Channels = merge(d.Channels, func(r ChannelRow) string { return key(r.Period, r.Region, r.Kind, r.Channel) },
		func(a *ChannelRow, b ChannelRow) { a.Handling.add(b.Handling) })
	d.Categories = merge(d.Categories, func(r CategoryRow) string { return key(r.Period, r.Region, r.Kind, r.Category) },
		func(a *CategoryRow, b CategoryRow) { a.Received += b.Received })
	d.Subcategories = merge(d.Subcategories, func(r SubcategoryRow) string { return key(r.Period, r.Category, r.Subcategory) },
		func(a *SubcategoryRow, b SubcategoryRow) { a.Received += b.Received })
	d.Industries = merge(d.Industries, func(r IndustryRow) string { return key(r.Period, r.Industry) },
		func(a *IndustryRow, b IndustryRow) { a.Received += b.Received })
	d.Months = merge(d.Months, func(r MonthRow) string { return key(r.Period, r.Month, r.Kind) },
		func(a *MonthRow, b MonthRow) { a.Received += b.Received })
	d.Rejections = merge(d.Rejections, func(r RejectionRow) string { return key(r.Period, r.Reason, r.Kind) },
		func(a *RejectionRow, b RejectionRow) { a.Rejected += b.Rejected })
	d.Cohort = merge(d.Cohort, func(r CohortRow) string { return key(InQuarter, r.Region, r.Kind) },
		func(a *CohortRow, b CohortRow) { a.Accepted += b.Accepted; a.Closed += b.Closed })
	return nil
}

// key is the identity of a row in merge.
func key(p PeriodIndex, parts ...string) string {
	return strconv.Itoa(int(p)) + "\x1e" + strings.Join(parts, "\x1f")
}

// merge sums the rows with the same key (in the order of their first appearance) and sorts
// them by key.
func merge[R any](rows []R, keyOf func(R) string, add func(*R, R)) []R {
	index := map[string]int{}
	var out []R
	var keys []string
	for _, r := range rows {
		k := keyOf(r)
		if i, ok := index[k]; ok {
			add(&out[i], r)
			continue
		}
		index[k] = len(out)
		out = append(out, r)
		keys = append(keys, k)
	}
	order := make([]int, len(out))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return keys[order[a]] < keys[order[b]] })
	sorted := make([]R, len(out))
	for i, j := range order {
		sorted[i] = out[j]
	}
	return sorted
}

// hashNames returns the texts of the subcategory, industry and rejection-reason hashes of the
// windows (a superset: every version received in them in the scope, every rejection in them).
func (m *ReadModel) hashNames(ctx context.Context, q Query, windows []store.Period) (map[uint64]string, error) {
	query := `
SELECT cityHash64(x) AS h, any(x) FROM (
	SELECT arrayJoin([subcategory, target_industry]) AS x FROM reports
	WHERE ` + store.InAny("received_at", windows...) + ` AND ` + store.Scope(q.Scope).Report() + `
	UNION ALL
	SELECT reason AS x FROM case_events WHERE type = 'rejected' AND ` + store.InAny("at", windows...) + `
) GROUP BY h`
	rows, err := m.db.Query(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("reports: disclosure names: %w", err)
	}
	defer rows.Close()
	names := map[uint64]string{}
	for rows.Next() {
		var h uint64
		var x string
		if err := rows.Scan(&h, &x); err != nil {
			return nil, fmt.Errorf("reports: disclosure names: %w", err)
		}
		names[h] = x
	}
	return names, rows.Err()
}
