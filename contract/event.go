package contract

// CaseEvent is one case-events.v1 message: one step in handling a report.
type CaseEvent struct {
	Schema        string `json:"schema"`
	EventID       string `json:"event_id"`
	ReportID      string `json:"report_id"`
	Type          string `json:"type"`
	At            Time   `json:"at"`
	OrgCode       string `json:"org_code,omitempty"`
	ToOrgCode     string `json:"to_org_code,omitempty"`
	ExtensionDays int32  `json:"extension_days,omitempty"`
	MergedInto    string `json:"merged_into,omitempty"`
	Finding       string `json:"finding,omitempty"`
	Reason        string `json:"reason,omitempty"`
	Summary       string `json:"summary,omitempty"`
}

// Event types of case-events.v1.
const (
	EventAccepted            = "accepted"
	EventRejected            = "rejected"
	EventAssigned            = "assigned"
	EventTransferred         = "transferred"
	EventReturned            = "returned"
	EventExtensionApproved   = "extension_approved"
	EventClosed              = "closed"
	EventReplied             = "replied"
	EventReminded            = "reminded"
	EventSupervised          = "supervised"
	EventMerged              = "merged"
	EventReviewRequested     = "review_requested"
	EventReviewDecided       = "review_decided"
	EventRecheckRequested    = "recheck_requested"
	EventRecheckDecided      = "recheck_decided"
	EventRevisited           = "revisited"
	EventHearingStarted      = "hearing_started"
	EventHearingEnded        = "hearing_ended"
	EventSupplementRequested = "supplement_requested"
	EventSupplemented        = "supplemented"
)

// EventTypes lists the accepted values of type.
var EventTypes = []string{
	EventAccepted, EventRejected, EventAssigned, EventTransferred, EventReturned,
	EventExtensionApproved, EventClosed, EventReplied, EventReminded, EventSupervised,
	EventMerged, EventReviewRequested, EventReviewDecided, EventRecheckRequested,
	EventRecheckDecided, EventRevisited, EventHearingStarted, EventHearingEnded,
	EventSupplementRequested, EventSupplemented,
}

// Findings of a closed case.
const (
	FindingSubstantiated       = "substantiated"        // 属实
	FindingPartlySubstantiated = "partly_substantiated" // 部分属实
	FindingUnsubstantiated     = "unsubstantiated"      // 不属实
)

// Findings lists the accepted values of finding.
var Findings = []string{FindingSubstantiated, FindingPartlySubstantiated, FindingUnsubstantiated}

// MaxExtensionDays is the largest extension_days accepted on the wire. The regulations allow
// at most 30 (12369 Art. 11; 信访 Art. 29); a larger approved extension is accepted here and
// flagged as a procedure violation by the case lifecycle, not dropped.
const MaxExtensionDays = 366
