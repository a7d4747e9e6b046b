package contract

import "fmt"

// The names people read. Every code of the contract that reaches a page, a notice, a report,
// a dashboard or the command line is shown by the one Simplified Chinese name given here, so
// that a warning, a channel or a category is called the same everywhere. A code without a
// name (one a later contract version adds) is shown as the code itself.

var kindNames = map[string]string{
	KindReport:   "12369举报",
	KindPetition: "信访",
}

var channelNames = map[string]string{
	"phone": "电话", "wechat": "微信", "web": "网络", "letter": "来信",
	"visit": "来访", "fax": "传真", "email": "电子邮件", "other": "其他",
}

var categoryNames = map[string]string{
	"air": "大气", "water": "水", "noise": "噪声", "solid_waste": "固体废物",
	"soil": "土壤", "radiation": "辐射", "ecology": "生态", "other": "其他",
}

var flagNames = map[string]string{
	FlagEmergency:        "突发生态环境事件",
	FlagMassIncidentRisk: "群体性事件倾向",
	FlagMedia:            "舆情",
}

var findingNames = map[string]string{
	FindingSubstantiated:       "属实",
	FindingPartlySubstantiated: "部分属实",
	FindingUnsubstantiated:     "不属实",
}

var eventTypeNames = map[string]string{
	EventAccepted: "受理", EventRejected: "不予受理", EventAssigned: "交办", EventTransferred: "转办",
	EventReturned: "退回", EventExtensionApproved: "延期", EventClosed: "办结", EventReplied: "答复",
	EventReminded: "催办", EventSupervised: "督办", EventMerged: "合并办理",
	EventReviewRequested: "申请复查", EventReviewDecided: "复查决定",
	EventRecheckRequested: "申请复核", EventRecheckDecided: "复核决定", EventRevisited: "回访",
	EventHearingStarted: "听证开始", EventHearingEnded: "听证结束",
	EventSupplementRequested: "告知补充材料", EventSupplemented: "补充材料",
}

// warningKindNames name the six kinds of warning. A warning's title starts with its kind's
// name (see WarningTitle).
var warningKindNames = map[string]string{
	WarningCluster:   "公众集中举报预警",
	WarningWatershed: "流域污染风险预警",
	WarningEmergency: "突发事件预警",
	WarningRepeat:    "反复举报督办",
	WarningProcedure: "办理程序违规督办",
	WarningOverdue:   "办理超期催办",
}

var warningStatusNames = map[string]string{
	StatusOpen:    "发布",
	StatusUpdated: "更新",
	StatusClosed:  "解除",
}

func nameOf(names map[string]string, code string) string {
	if n, ok := names[code]; ok {
		return n
	}
	return code
}

// KindName is the name of a kind of report: 12369举报 or 信访.
func KindName(kind string) string { return nameOf(kindNames, kind) }

// ChannelName is the name of a channel (电话, 微信 …).
func ChannelName(channel string) string { return nameOf(channelNames, channel) }

// CategoryName is the name of a category (大气, 水 …).
func CategoryName(category string) string { return nameOf(categoryNames, category) }

// FlagName is the name of a report flag.
func FlagName(flag string) string { return nameOf(flagNames, flag) }

// FindingName is the name of a finding (属实, 部分属实, 不属实).
func FindingName(finding string) string { return nameOf(findingNames, finding) }

// EventTypeName is the name of a handling step as an event (受理, 交办 …).
func EventTypeName(eventType string) string { return nameOf(eventTypeNames, eventType) }

// WarningKindName is the name of a kind of warning (公众集中举报预警 …).
func WarningKindName(kind string) string { return nameOf(warningKindNames, kind) }

// WarningStatusName is the name of a warning revision's status (发布, 更新, 解除).
func WarningStatusName(status string) string { return nameOf(warningStatusNames, status) }

// WarningTitle is the title of a warning: its kind's name, then what it is about.
func WarningTitle(kind, about string) string { return WarningKindName(kind) + "：" + about }

// WarningLevelName is the name of a warning level: 一级 (most severe) … 四级.
func WarningLevelName(level int) string {
	if level >= 1 && level <= 4 {
		return [...]string{"一级", "二级", "三级", "四级"}[level-1]
	}
	return fmt.Sprintf("%d级", level)
}

// WarningKinds lists the kinds of warning.
var WarningKinds = []string{WarningCluster, WarningWatershed, WarningEmergency, WarningRepeat, WarningProcedure, WarningOverdue}
