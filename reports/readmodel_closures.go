package reports

import (
	"context"
	"fmt"
	"strings"

	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/store"
)

// findings in the order of the closures query's index (1-based; 0 for none).
var findings = []string{contract.FindingSubstantiated, contract.FindingPartlySubstantiated, contract.FindingUnsubstantiated}

// closures counts the cases closed in the quarter and the previous quarter by finding, and the
// verification methods the summaries of the unsubstantiated ones of the quarter name. A case
// counts in the scope when its report's latest version lies in it, whenever it was received.
func (m *ReadModel) closures(ctx context.Context, q Query) ([]ClosureCount, []VerificationCount, error) {
	// per case and period: the finding and the verification methods named by the summary
	// (bit i for method i) of its last closure in the period
	var mask []string
	for i, vm := range q.VerificationMethods {
		mask = append(mask, fmt.Sprintf("if(%s, %d, 0)", vm.sql("summary"), uint64(1)<<i))
	}
	if len(mask) == 0 {
		mask = []string{"0"}
	}
	var ver []string
	for i := range q.VerificationMethods {
		ver = append(ver, fmt.Sprintf("countIf(period = 0 AND f = 3 AND bitTest(m, %d))", i))
	}
	ver = append(ver, "countIf(period = 0 AND f = 3)")
	closedIn := "type = 'closed' AND " + store.InAny("at", q.Quarter, q.Previous)
	inScope := "1"
	if !q.Scope.IsNation() {
		// the reports of any receipt time whose latest version is in the scope (of those with a
		// closure in the periods)
		latest := store.LatestReports{Scope: q.Scope, IDs: "cityHash64(report_id) IN (SELECT cityHash64(report_id) FROM case_events WHERE " + closedIn + ")"}
		inScope = "cityHash64(report_id) IN (SELECT " + store.LatestKey + " FROM (" + latest.Query() + "))"
	}
	query := `
SELECT period, f, count(), [` + strings.Join(ver, ", ") + `]
FROM (
	SELECT cityHash64(report_id) AS h, ` + sqlPeriod("at", q) + ` AS period,
		argMax(indexOf(` + store.Strings(findings) + `, finding), at) AS f,
		argMax(toUInt64(` + strings.Join(mask, " + ") + `), at) AS m
	FROM case_events
	WHERE ` + closedIn + ` AND ` + inScope + `
	GROUP BY h, period
)
GROUP BY period, f
ORDER BY period, f`
	rows, err := m.db.Query(ctx, query)
	if err != nil {
		return nil, nil, fmt.Errorf("reports: disclosure closures: %w", err)
	}
	defer rows.Close()
	var out []ClosureCount
	ver0 := make([]uint64, len(q.VerificationMethods)+1)
	for rows.Next() {
		var c ClosureCount
		var p int8
		var f uint64
		var v []uint64
		if err := rows.Scan(&p, &f, &c.Cases, &v); err != nil {
			return nil, nil, fmt.Errorf("reports: disclosure closures: %w", err)
		}
		c.Period = PeriodIndex(p)
		c.Finding = store.EnumValue(findings, f)
		out = append(out, c)
		for i := range v {
			ver0[i] += v[i]
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("reports: disclosure closures: %w", err)
	}
	var vc []VerificationCount
	for i, vm := range q.VerificationMethods {
		vc = append(vc, VerificationCount{Method: vm.Name, Cases: ver0[i]})
	}
	vc = append(vc, VerificationCount{Method: "", Cases: ver0[len(ver0)-1]})
	return out, vc, nil
}
