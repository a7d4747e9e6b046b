package alerts

import (
	"time"

	"github.com/ecowatch/ecowatch/contract"
)

// Finding is a detector's description of one situation as of a run.
type Finding struct {
	// Situation is the stable key of what the finding is about, e.g. "overdue/<report>/close".
	// The same situation found at a later run updates the same warning.
	Situation   string
	Kind        string // contract.Warning* kinds
	Level       int    // 1 most severe … 4
	Title       string
	RegionCodes []string
	Basin       string
	Recipients  []contract.Recipient
	Window      contract.Window
	Evidence    contract.Evidence
	ReportIDs   []string
	Facts       Facts
}

// Facts is what a notice says about a finding, in Chinese, prepared by the detector.
type Facts struct {
	Subject     string     `json:"subject"`         // 事由, e.g. "举报件办理超期"
	Summary     string     `json:"summary"`         // one paragraph stating the facts
	Items       []FactItem `json:"items,omitempty"` // labelled figures: 涉及地区, 时间范围, 举报数量 …
	Cases       []CaseLine `json:"cases,omitempty"` // the cases concerned
	Requirement string     `json:"requirement"`     // 工作要求: what to do
	ReplyBy     time.Time  `json:"reply_by"`        // by when
	Basis       string     `json:"basis,omitempty"` // the article the notice rests on
}

// FactItem is one labelled figure.
type FactItem struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

// CaseLine is one case listed in a notice. It names the report by id only.
type CaseLine struct {
	ReportID string `json:"report_id"`
	Region   string `json:"region"`
	Category string `json:"category"`
	Stage    string `json:"stage"`
	Step     string `json:"step"`
	Due      string `json:"due"`
	Overdue  string `json:"overdue"`
	Note     string `json:"note,omitempty"`
}
