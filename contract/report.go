package contract

import "time"

// Report is one reports.v1 message: a new report (举报件) or petition (信访事项), or a
// corrected version of one. A higher Version replaces a lower one with the same ReportID.
type Report struct {
	Schema      string    `json:"schema"`
	ReportID    string    `json:"report_id"`
	Version     uint32    `json:"version"`
	Kind        string    `json:"kind"`
	Channel     string    `json:"channel"`
	ReceivedAt  Time      `json:"received_at"`
	RegionCode  string    `json:"region_code"`
	Location    *Location `json:"location,omitempty"`
	Category    string    `json:"category"`
	Categories  []string  `json:"categories,omitempty"`
	Subcategory string    `json:"subcategory,omitempty"`
	Title       string    `json:"title,omitempty"`
	Content     string    `json:"content"`
	Target      *Target   `json:"target,omitempty"`
	Reporter    *Reporter `json:"reporter,omitempty"`
	CoReporters uint32    `json:"co_reporters,omitempty"`
	Flags       []string  `json:"flags,omitempty"`
	IntakeOrg   string    `json:"intake_org,omitempty"`
}

// Location is where the reported problem is. Address is the place of the problem, not the
// reporter's home (that belongs in Reporter.Address).
type Location struct {
	Lat     *float64 `json:"lat,omitempty"`
	Lon     *float64 `json:"lon,omitempty"`
	Address string   `json:"address,omitempty"`
}

// Target is the reported party (被举报对象).
type Target struct {
	Name       string `json:"name,omitempty"`
	CreditCode string `json:"credit_code,omitempty"` // 统一社会信用代码
	Address    string `json:"address,omitempty"`
	Industry   string `json:"industry,omitempty"` // GB/T 4754 section or division, e.g. 建筑业
}

// Reporter is the identity of the person who reports. It is sealed at ingest and never stored
// or shown in plaintext anywhere else.
type Reporter struct {
	Name      string `json:"name,omitempty"`
	Phone     string `json:"phone,omitempty"`
	IDNumber  string `json:"id_number,omitempty"`
	Email     string `json:"email,omitempty"`
	Address   string `json:"address,omitempty"` // the reporter's own address (additive in v1)
	Anonymous bool   `json:"anonymous,omitempty"`
}

// Empty reports whether no identity field is set.
func (r *Reporter) Empty() bool {
	return r == nil || (r.Name == "" && r.Phone == "" && r.IDNumber == "" && r.Email == "" && r.Address == "")
}

// Kinds of report.
const (
	KindReport   = "report"   // 12369 举报
	KindPetition = "petition" // 信访
)

// Kinds lists the accepted values of kind.
var Kinds = []string{KindReport, KindPetition}

// Channels lists the accepted values of channel.
var Channels = []string{"phone", "wechat", "web", "letter", "visit", "fax", "email", "other"}

// Categories lists the accepted values of category and categories[].
var Categories = []string{"air", "water", "noise", "solid_waste", "soil", "radiation", "ecology", "other"}

// Flags lists the accepted values of flags[].
var Flags = []string{FlagEmergency, FlagMassIncidentRisk, FlagMedia}

// Flags of a report.
const (
	FlagEmergency        = "emergency"          // 突发生态环境事件
	FlagMassIncidentRisk = "mass_incident_risk" // 群体性事件倾向
	FlagMedia            = "media"              // 舆情
)

// Received returns ReceivedAt as a time.Time in Asia/Shanghai.
func (r *Report) Received() time.Time { return r.ReceivedAt.Time }
