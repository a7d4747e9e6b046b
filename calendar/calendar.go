package calendar

import (
	"bufio"
	"embed"
	"fmt"
	"io"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // Asia/Shanghai must load on machines without a zoneinfo database
)

// Shanghai is the Asia/Shanghai location that every business date is taken in. It falls back to
// a fixed UTC+8 zone named CST if the zone cannot be loaded (China has had no daylight saving
// time since 1991, so the two agree for every date this system handles).
var Shanghai = loadShanghai()

func loadShanghai() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}

//go:embed data/*.tsv
var embedded embed.FS

var loadDefault = sync.OnceValue(func() *Calendar {
	entries, err := fs.ReadDir(embedded, "data")
	if err != nil {
		panic("calendar: reading embedded data: " + err.Error())
	}
	files := make(map[int]io.Reader)
	for _, e := range entries {
		name := e.Name()
		y, err := strconv.Atoi(strings.TrimSuffix(name, ".tsv"))
		if err != nil {
			panic(fmt.Sprintf("calendar: embedded file %q is not named YYYY.tsv", name))
		}
		b, err := embedded.ReadFile("data/" + name)
		if err != nil {
			panic("calendar: reading embedded " + name + ": " + err.Error())
		}
		files[y] = strings.NewReader(string(b))
	}
	c, err := New(files)
	if err != nil {
		panic("calendar: embedded data is invalid: " + err.Error())
	}
	return c
})

// Default returns the calendar of the embedded years (data/YYYY.tsv). It is parsed on first use
// and shared; it is read-only and safe for concurrent use.
func Default() *Calendar { return loadDefault() }

// kind of a listed day.
type kind uint8

const (
	holiday kind = iota + 1 // a day off of a statutory holiday period
	workday                 // a weekend day made a working day (调休上班)
)

type entry struct {
	kind kind
	name string
}

// date is a calendar date, comparable and free of time zones.
type date struct {
	y int
	m time.Month
	d int
}

func dateOf(t time.Time) date {
	y, m, d := t.In(Shanghai).Date()
	return date{y, m, d}
}

// addDays returns the date n days later (n may be negative).
func (d date) addDays(n int) date {
	y, m, dd := time.Date(d.y, d.m, d.d+n, 12, 0, 0, 0, time.UTC).Date()
	return date{y, m, dd}
}

func (d date) weekday() time.Weekday {
	return time.Date(d.y, d.m, d.d, 12, 0, 0, 0, time.UTC).Weekday()
}

// start returns 00:00 Asia/Shanghai of the date.
func (d date) start() time.Time { return time.Date(d.y, d.m, d.d, 0, 0, 0, 0, Shanghai) }

// Calendar is a read-only holiday calendar for a set of years. All methods are safe for
// concurrent use.
type Calendar struct {
	years map[int]bool
	days  map[date]entry
}

// New builds a calendar from one file per year (see the package documentation for the
// format). It checks that every date is valid and lies in its file's year, that kinds are
// "holiday" or "workday", that a workday falls on a Saturday or Sunday, that no date is listed
// twice, and that no file is empty.
func New(files map[int]io.Reader) (*Calendar, error) {
	c := &Calendar{years: make(map[int]bool), days: make(map[date]entry)}
	years := make([]int, 0, len(files))
	for y := range files {
		years = append(years, y)
	}
	sort.Ints(years)
	for _, y := range years {
		if y < 1949 || y > 9999 {
			return nil, fmt.Errorf("calendar: year %d out of range", y)
		}
		if files[y] == nil {
			return nil, fmt.Errorf("calendar: year %d: nil reader", y)
		}
		if err := c.parseYear(y, files[y]); err != nil {
			return nil, err
		}
		c.years[y] = true
	}
	return c, nil
}

func (c *Calendar) parseYear(year int, r io.Reader) error {
	sc := bufio.NewScanner(r)
	line, n := 0, 0
	for sc.Scan() {
		line++
		text := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(text) == "" || strings.HasPrefix(strings.TrimSpace(text), "#") {
			continue
		}
		f := strings.Split(text, "\t")
		if len(f) != 3 {
			return fmt.Errorf("calendar: %d line %d: want 3 tab-separated fields (date kind name), got %d", year, line, len(f))
		}
		t, err := time.Parse("2006-01-02", strings.TrimSpace(f[0]))
		if err != nil {
			return fmt.Errorf("calendar: %d line %d: date %q is not YYYY-MM-DD", year, line, f[0])
		}
		d := date{t.Year(), t.Month(), t.Day()}
		if d.y != year {
			return fmt.Errorf("calendar: %d line %d: date %s is not in %d", year, line, f[0], year)
		}
		e := entry{name: strings.TrimSpace(f[2])}
		switch strings.TrimSpace(f[1]) {
		case "holiday":
			e.kind = holiday
		case "workday":
			e.kind = workday
			if wd := d.weekday(); wd != time.Saturday && wd != time.Sunday {
				return fmt.Errorf("calendar: %d line %d: workday %s is a %s; only a Saturday or Sunday can be made a working day", year, line, f[0], wd)
			}
		default:
			return fmt.Errorf("calendar: %d line %d: kind %q, want holiday or workday", year, line, f[1])
		}
		if e.name == "" {
			return fmt.Errorf("calendar: %d line %d: date %s has no name", year, line, f[0])
		}
		if _, dup := c.days[d]; dup {
			return fmt.Errorf("calendar: %d line %d: date %s listed twice", year, line, f[0])
		}
		c.days[d] = e
		n++
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("calendar: reading %d: %w", year, err)
	}
	if n == 0 {
		return fmt.Errorf("calendar: %d: no dates in file", year)
	}
	return nil
}

// Years returns the years the calendar knows, ascending.
func (c *Calendar) Years() []int {
	out := make([]int, 0, len(c.years))
	for y := range c.years {
		out = append(out, y)
	}
	sort.Ints(out)
	return out
}

// Known reports whether the calendar has the State Council's arrangement for year.
func (c *Calendar) Known(year int) bool { return c.years[year] }

// isWorking answers for a date: working day or not, and whether the year is known.
func (c *Calendar) isWorking(d date) (working, known bool) {
	weekday := d.weekday() != time.Saturday && d.weekday() != time.Sunday
	if !c.years[d.y] {
		return weekday, false
	}
	if e, ok := c.days[d]; ok {
		return e.kind == workday, true
	}
	return weekday, true
}

// IsWorkingDay reports whether day's date in Asia/Shanghai is a working day: a listed 调休
// workday, or a Monday–Friday that is not a holiday. For a year the calendar does not know it
// answers Monday–Friday and known is false.
func (c *Calendar) IsWorkingDay(day time.Time) (working bool, known bool) {
	return c.isWorking(dateOf(day))
}

// IsHoliday reports whether day's date in Asia/Shanghai is a day off of a statutory holiday
// period (法定节假日 and the days given off with it, weekends inside the period included).
// Ordinary weekends are not holidays; a date in an unknown year never is.
func (c *Calendar) IsHoliday(day time.Time) bool {
	e, ok := c.days[dateOf(day)]
	return ok && e.kind == holiday
}

// HolidayName returns the holiday a date belongs to ("春节", "国庆节、中秋节" …) when it is a
// holiday day off or a 调休 workday of that holiday, and "" otherwise.
func (c *Calendar) HolidayName(day time.Time) string {
	return c.days[dateOf(day)].name
}

// AddWorkingDays returns the due day of a period of n working days that starts on start.
//
// Precisely: let D be start's calendar date in Asia/Shanghai. D itself is not counted,
// whatever the time of day and whether or not D is a working day. The result is 00:00
// Asia/Shanghai at the beginning of the n-th working day after D — the last day of the period.
// Something due "within n working days" of start is on time if it happens before
// result.AddDate(0, 0, 1). For n = 0 the result is 00:00 of D; for n < 0 it is the |n|-th
// working day before D.
//
// Example: AddWorkingDays(2025-09-30 any time, 3) = 2025-10-11 00:00 +08:00, since 10-01…10-08
// are the 国庆节、中秋节 holiday and 10-09 (Thu), 10-10 (Fri) and 10-11 (a Saturday made a working
// day) are the three working days.
//
// exact is false if any date stepped over lies in a year the calendar does not know (the
// Monday–Friday fallback was used); the date is then an estimate.
func (c *Calendar) AddWorkingDays(start time.Time, n int) (due time.Time, exact bool) {
	d := dateOf(start)
	exact = true
	step := 1
	if n < 0 {
		step, n = -1, -n
	}
	for n > 0 {
		d = d.addDays(step)
		w, known := c.isWorking(d)
		if !known {
			exact = false
		}
		if w {
			n--
		}
	}
	return d.start(), exact
}

// NextWorkingDay returns 00:00 Asia/Shanghai of the first working day strictly after day's date
// (Monday–Friday fallback in unknown years).
func (c *Calendar) NextWorkingDay(day time.Time) time.Time {
	t, _ := c.AddWorkingDays(day, 1)
	return t
}

// WorkingDayOnOrAfter returns 00:00 Asia/Shanghai of day's date if it is a working day, else of
// the first working day after it (Monday–Friday fallback in unknown years). It moves the last
// day of a calendar-day period off a day off; a caller whose rule moves only statutory holidays
// checks IsHoliday first.
func (c *Calendar) WorkingDayOnOrAfter(day time.Time) time.Time {
	d := dateOf(day)
	if w, _ := c.isWorking(d); w {
		return d.start()
	}
	return c.NextWorkingDay(day)
}
