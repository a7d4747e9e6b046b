package dashboards

import (
	"time"

	"github.com/ecowatch/ecowatch/calendar"
)

// accessView is the access panel of the ministry's page: the last day of the access audit.
type accessView struct {
	From, To                         string
	SignIns, FailedSignIns, SignOuts uint64
	Opened, Refused                  uint64
	Users                            []accessUserView
	FailedFrom                       []accessAddrView
}

type accessUserView struct {
	Login, Name, Jurisdiction string
	SignIns, Opened, Refused  uint64
	Last                      string
}

type accessAddrView struct {
	Addr           string
	Failed, Logins uint64
	Last           string
}

// AccessSpan is the period of the access panel: the day before the page's time.
const AccessSpan = 24 * time.Hour

func (s *site) accessView(a AccessSummary) *accessView {
	v := &accessView{
		From: timeString(s.periods.At.Add(-AccessSpan)), To: timeString(s.periods.At),
		SignIns: a.SignIns, FailedSignIns: a.FailedSignIns, SignOuts: a.SignOuts, Opened: a.Opened, Refused: a.Refused,
	}
	for _, u := range a.Users {
		jur := "全国"
		if sc, err := s.tree.regions.ParseScope(u.Jurisdiction); err == nil && !sc.IsNation() {
			jur = sc.Name
		} else if err != nil {
			jur = u.Jurisdiction
		}
		v.Users = append(v.Users, accessUserView{Login: u.Login, Name: u.Name, Jurisdiction: jur,
			SignIns: u.SignIns, Opened: u.Opened, Refused: u.Refused, Last: shortTime(u.Last)})
	}
	for _, f := range a.FailedFrom {
		v.FailedFrom = append(v.FailedFrom, accessAddrView{Addr: f.Addr, Failed: f.Failed, Logins: f.Logins, Last: shortTime(f.Last)})
	}
	return v
}

// AccessFigures is the access panel in the root page's JSON file.
type AccessFigures struct {
	SignIns       uint64   `json:"sign_ins"`
	FailedSignIns uint64   `json:"failed_sign_ins"`
	SignOuts      uint64   `json:"sign_outs"`
	Opened        uint64   `json:"opened"`
	Refused       uint64   `json:"refused"`
	Logins        []string `json:"logins"`
}

func accessFigures(a *AccessSummary) *AccessFigures {
	f := &AccessFigures{SignIns: a.SignIns, FailedSignIns: a.FailedSignIns, SignOuts: a.SignOuts, Opened: a.Opened, Refused: a.Refused, Logins: []string{}}
	for _, u := range a.Users {
		f.Logins = append(f.Logins, u.Login)
	}
	return f
}

func shortTime(t time.Time) string { return t.In(calendar.Shanghai).Format("01-02 15:04") }
