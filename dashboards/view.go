package dashboards

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/lifecycle"
)

// Every name on a page comes from the one table of names: contract (warning kinds, levels and
// statuses, channels, categories) and lifecycle (steps, in lifecycle.Steps order).

// Figures are a page's numbers as written to its JSON file next to the HTML: what tests and
// other tools read.
type Figures struct {
	Code  string    `json:"code"` // "" for the nation
	Name  string    `json:"name"`
	At    time.Time `json:"at"`
	Level string    `json:"level"` // nation, province, city

	Today           uint64 `json:"today"`
	YesterdaySame   uint64 `json:"yesterday_same_hours"`
	LastWeekDaySame uint64 `json:"last_week_same_day_same_hours"`
	Week            uint64 `json:"week"`
	PrevWeekSame    uint64 `json:"previous_week_same_time"`
	Quarter         uint64 `json:"quarter"`
	PrevQuarterSame uint64 `json:"previous_quarter_same_time"`
	Recent          uint64 `json:"last_30_days"`
	PrevRecent      uint64 `json:"previous_30_days"`

	Channels   map[string]uint64 `json:"channels_last_30_days"`
	Categories map[string]uint64 `json:"categories_last_30_days"`
	Children   map[string]uint64 `json:"children_last_30_days"`

	OpenWarnings    int               `json:"open_warnings"`
	WarningsByLevel map[string]int    `json:"open_warnings_by_level"`
	Overdue         uint64            `json:"overdue"`
	OverdueByStep   map[string]uint64 `json:"overdue_by_step"`
	DueOnTime       uint64            `json:"due_last_90_days_on_time"`
	DueLate         uint64            `json:"due_last_90_days_late"`

	// Access is the access audit of the last day, on the national root page only.
	Access *AccessFigures `json:"access_last_day,omitempty"`

	TopTargets    []string `json:"top_targets"`
	RepeatTargets []string `json:"repeat_targets"`
	Pages         []string `json:"child_pages"`
}

func levelString(l int) string {
	switch l {
	case levelNation:
		return "nation"
	case levelProvince:
		return "province"
	}
	return "city"
}

func (j *jur) figures(p periods, pageOf func(string) string) Figures {
	f := Figures{
		Code: j.Code, Name: j.Name, At: p.At, Level: levelString(j.Level),
		Today: j.Total[spanToday], YesterdaySame: j.Total[spanYesterday], LastWeekDaySame: j.Total[spanLastWeekDay],
		Week: j.Total[spanWeek], PrevWeekSame: j.Total[spanPrevWeek],
		Quarter: j.Total[spanQuarter], PrevQuarterSame: j.Total[spanPrevQuarter],
		Recent: j.Total[spanRecent], PrevRecent: j.Total[spanPrevRecent],
		Channels: map[string]uint64{}, Categories: map[string]uint64{}, Children: map[string]uint64{},
		OpenWarnings: len(j.Warnings), WarningsByLevel: map[string]int{}, OverdueByStep: map[string]uint64{},
	}
	for k, c := range j.Channel {
		if c[spanRecent] > 0 {
			f.Channels[k] = c[spanRecent]
		}
	}
	for k, c := range j.Category {
		if c[spanRecent] > 0 {
			f.Categories[k] = c[spanRecent]
		}
	}
	for k, c := range j.Child {
		if c[spanRecent] > 0 {
			f.Children[k] = c[spanRecent]
		}
		if pageOf(k) != "" {
			f.Pages = append(f.Pages, k)
		}
	}
	sort.Strings(f.Pages)
	for _, w := range j.Warnings {
		f.WarningsByLevel[fmt.Sprint(w.Level)]++
	}
	for _, b := range j.Bureaus {
		for s, n := range b.Overdue {
			f.OverdueByStep[string(s)] += n
			f.Overdue += n
		}
		f.DueOnTime += b.OnTime
		f.DueLate += b.Late
	}
	for _, t := range j.Targets {
		f.TopTargets = append(f.TopTargets, t.Key)
	}
	for _, t := range j.Repeats {
		f.RepeatTargets = append(f.RepeatTargets, t.Key)
	}
	return f
}

// change formats the relative change from before to now.
func change(now, before uint64) (text, tone string) {
	switch {
	case before == 0 && now == 0:
		return "持平", "flat"
	case before == 0:
		return "新增", "up"
	}
	d := (float64(now) - float64(before)) / float64(before) * 100
	switch {
	case d > 0.05:
		return fmt.Sprintf("+%.1f%%", d), "up"
	case d < -0.05:
		return fmt.Sprintf("%.1f%%", d), "down"
	}
	return "持平", "flat"
}

// card is one headline figure.
type card struct {
	Label, Value, Unit string
	Compare            []compare
	Note               string
}

type compare struct {
	Label, Before, Change, Tone string
}

func cmp(label string, now, before uint64) compare {
	c, tone := change(now, before)
	return compare{Label: label, Before: fmt.Sprint(before), Change: c, Tone: tone}
}

func percent(num, den uint64) string {
	if den == 0 {
		return "—"
	}
	return fmt.Sprintf("%.1f%%", float64(num)/float64(den)*100)
}

func (j *jur) cards(p periods) []card {
	f := j.figures(p, func(string) string { return "" })
	levels := make([]string, 0, 4)
	for l := 1; l <= 4; l++ {
		if n := f.WarningsByLevel[fmt.Sprint(l)]; n > 0 {
			levels = append(levels, fmt.Sprintf("%s %d", contract.WarningLevelName(l), n))
		}
	}
	steps := []string{}
	for _, s := range lifecycle.Steps {
		if n := f.OverdueByStep[string(s)]; n > 0 {
			steps = append(steps, fmt.Sprintf("%s %d", s.Name(), n))
		}
	}
	return []card{
		{Label: "今日举报", Value: fmt.Sprint(f.Today), Unit: "件",
			Compare: []compare{cmp("较上周同日同时段", f.Today, f.LastWeekDaySame), cmp("较昨日同时段", f.Today, f.YesterdaySame)},
			Note:    "今日 0 时至数据时点"},
		{Label: "本周举报", Value: fmt.Sprint(f.Week), Unit: "件",
			Compare: []compare{cmp("较上周同期", f.Week, f.PrevWeekSame)}, Note: "自周一 0 时起"},
		{Label: "本季度举报", Value: fmt.Sprint(f.Quarter), Unit: "件",
			Compare: []compare{cmp("较上季度同期", f.Quarter, f.PrevQuarterSame)}, Note: "上季度同期：季初起相同时长"},
		{Label: "未关闭预警", Value: fmt.Sprint(f.OpenWarnings), Unit: "条", Note: strings.Join(levels, " · ")},
		{Label: "超期未办", Value: fmt.Sprint(f.Overdue), Unit: "件", Note: strings.Join(steps, " · ")},
		{Label: "近90日按期办理率", Value: percent(f.DueOnTime, f.DueOnTime+f.DueLate),
			Note: fmt.Sprintf("到期 %d 件，按期 %d 件", f.DueOnTime+f.DueLate, f.DueOnTime)},
	}
}

// childRow is one line of the table of the units below a jurisdiction.
type childRow struct {
	Name, Href                   string
	Today, Week, Recent, Quarter uint64
	QuarterChange, Tone          string
	Warnings                     int
	Overdue                      uint64
	OnTimeRate                   string
	HasPage                      bool
	MapName                      string // the unit's region on the map, whose click follows the link
}

// placeRow is one of the places with the most reports.
type placeRow struct {
	Name                string
	Recent, Prev        uint64
	Change, Tone, Share string
}

// targetView is one line of a target table.
type targetView struct {
	Name, Place, Last            string
	Recent, Total, Weeks, People uint64
}

// warningView is one open warning.
type warningView struct {
	Level, LevelClass, Kind, Title, Place, Age, Recipients, Status string
}

// bureauView is one bureau (or group of bureaus) in the overdue and on-time tables.
type bureauView struct {
	Rank              int
	Name              string
	Steps             []uint64 // overdue per lifecycle.Steps
	Overdue           uint64
	Oldest            string
	Due, OnTime, Late uint64
	Rate              string
	rate              float64
	LowSample         bool
	overdueHours      uint64 // for ordering
}

const leagueMinSample = 10

func timeString(t time.Time) string {
	return t.In(calendar.Shanghai).Format("2006-01-02 15:04")
}

func durationString(d time.Duration) string {
	switch {
	case d < 0:
		return "0 秒"
	case d < time.Minute:
		return fmt.Sprintf("%d 秒", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%d 分钟", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%.1f 小时", d.Hours())
	}
	return fmt.Sprintf("%.0f 天", d.Hours()/24)
}

// lagText describes the ingest lag for the page header.
func lagText(l IngestLag) (text, tone string) {
	var parts []string
	switch {
	case l.NewestMessage.IsZero():
		parts = append(parts, "该时点前尚无消息入库")
		tone = "warn"
	default:
		lag := l.At.Sub(l.NewestMessage)
		parts = append(parts, fmt.Sprintf("接入延迟 %s（最新入库消息产生于 %s）", durationString(lag), timeString(l.NewestMessage)))
		tone = "ok"
		if lag > 30*time.Minute {
			tone = "warn"
		}
	}
	if l.RecentMessages > 0 {
		parts = append(parts, fmt.Sprintf("前1小时入库 %d 条，入库耗时中位 %s、最长 %s", l.RecentMessages,
			durationString(l.DelayMedian), durationString(l.DelayMax)))
	}
	if l.Backfilled > 0 {
		parts = append(parts, fmt.Sprintf("含 %d 件该时点之后才补录入库的举报", l.Backfilled))
	}
	return strings.Join(parts, "；"), tone
}
