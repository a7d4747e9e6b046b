package simulate

import "time"

// Truth describes what a stream contains: the resolved configuration, every injected event
// with the ids of its reports, every case that misses a deadline, and the malformed messages.
type Truth struct {
	Config            Config             `json:"config"`
	Events            []Event            `json:"events"`
	LateCases         []LateCase         `json:"late_cases"`
	Malformed         int                `json:"malformed"`
	MalformedByKind   map[string]int     `json:"malformed_by_kind"`
	MalformedMessages []MalformedMessage `json:"malformed_messages"`
	Totals            Totals             `json:"totals"`
}

// Types of injected event.
const (
	EventCluster   = "cluster"   // 公众集中举报: a burst of one category in one to three neighbouring counties
	EventWatershed = "watershed" // 流域污染: water reports at the units a pollution passes down the rivers
	EventRepeat    = "repeat"    // 反复举报: one target reported again and again
	EventEmergency = "emergency" // 突发事件 / 群体性事件倾向
)

// Event is one injected event.
type Event struct {
	ID    string    `json:"id"`
	Type  string    `json:"type"`
	Onset time.Time `json:"onset"`
	End   time.Time `json:"end"`
	// Places are region codes: counties for clusters, repeats and emergencies; the
	// prefecture-level basin units, upstream first, for watershed incidents.
	Places   []string `json:"places"`
	Counties []string `json:"counties,omitempty"` // watershed: the counties the reports come from
	// Downstream is, for a watershed incident, every unit (in scope or not) that its water
	// reaches within WatershedReach of its arrival at the last unit of Places, nearest first:
	// the jurisdictions a warning should reach.
	Downstream []string `json:"downstream,omitempty"`
	// SpeedKmPerDay is the speed of a watershed incident's water over the units it passes.
	SpeedKmPerDay float64 `json:"speed_km_per_day,omitempty"`
	Category      string  `json:"category"`
	Subcategory   string  `json:"subcategory,omitempty"`
	Basin         string  `json:"basin,omitempty"`
	River         string  `json:"river,omitempty"`
	// Target is the reported company of repeat events and of clusters and emergencies that
	// name one.
	Target *EventTarget `json:"target,omitempty"`
	// Kind refines the type: for emergencies explosion, leak, fish_kill or gathering; for
	// repeats "after_closure" when reports come back after a substantiated closure.
	Kind string `json:"kind,omitempty"`
	// Expected is, for clusters, the expected number of reports of the category in the
	// places and window without the event (the baseline the burst is measured against).
	Expected float64 `json:"expected,omitempty"`
	// ClosedAt is, for repeats after closure, when the first report's case was closed as
	// substantiated.
	ClosedAt  *time.Time `json:"closed_at,omitempty"`
	ReportIDs []string   `json:"report_ids"`
}

// EventTarget names the reported company of an event.
type EventTarget struct {
	Name       string `json:"name"`
	CreditCode string `json:"credit_code"`
}

// Deadlines a late case can miss.
const (
	DeadlineAccept          = "accept"           // accept or reject within 15 days of receipt
	DeadlineAssign          = "assign"           // assign within 3 working days of acceptance
	DeadlineClose           = "close"            // close within 60 days (+ approved extension)
	DeadlineExtensionLength = "extension_length" // an extension longer than 30 days
	DeadlineExtensionLate   = "extension_late"   // an extension approved after the due date
)

// LateCase is one missed deadline. Due is the end of the last day allowed: for 日 deadlines a
// due day on a statutory holiday moves to the next working day; an extension approved after
// the due date does not extend it. Done is when the step happened; absent when it had not
// happened by Config.To (the case is overdue at the end of the stream). Only deadlines that
// have passed by Config.To are listed.
type LateCase struct {
	ReportID      string     `json:"report_id"`
	Deadline      string     `json:"deadline"`
	Due           time.Time  `json:"due"`
	Done          *time.Time `json:"done,omitempty"`
	ExtensionDays int        `json:"extension_days,omitempty"`
}

// MalformedMessage locates one malformed message: its topic, key, position in the topic
// (0-based; the line of FileSink's file) and what is wrong with it.
type MalformedMessage struct {
	Topic  string `json:"topic"`
	Key    string `json:"key"`
	Offset int    `json:"offset"`
	Kind   string `json:"kind"`
}

// Totals counts what was emitted. ByCategory counts every category a report concerns (its
// categories array when it has one), so it sums to more than Reports, as in the bulletins.
type Totals struct {
	Reports         int            `json:"reports"`
	Petitions       int            `json:"petitions"`
	InjectedReports int            `json:"injected_reports"`
	CaseEvents      int            `json:"case_events"`
	Messages        int            `json:"messages"`
	ByChannel       map[string]int `json:"by_channel"`
	ByCategory      map[string]int `json:"by_category"`
	ByEventType     map[string]int `json:"by_event_type"`
	LateByDeadline  map[string]int `json:"late_by_deadline"`
}
