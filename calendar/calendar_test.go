package calendar

import (
	"io"
	"slices"
	"strings"
	"testing"
	"time"
)

// day returns noon Asia/Shanghai of a YYYY-MM-DD date.
func day(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := time.ParseInLocation("2006-01-02 15:04", s+" 12:00", Shanghai)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestShanghai(t *testing.T) {
	if Shanghai == nil {
		t.Fatal("Shanghai is nil")
	}
	if _, off := time.Date(2025, 7, 1, 0, 0, 0, 0, Shanghai).Zone(); off != 8*3600 {
		t.Errorf("Shanghai offset = %d, want 28800", off)
	}
}

func TestYears(t *testing.T) {
	c := Default()
	if got := c.Years(); !slices.Equal(got, []int{2024, 2025, 2026}) {
		t.Errorf("Years() = %v, want [2024 2025 2026]", got)
	}
	for _, tt := range []struct {
		year  int
		known bool
	}{{2023, false}, {2024, true}, {2025, true}, {2026, true}, {2030, false}} {
		if got := c.Known(tt.year); got != tt.known {
			t.Errorf("Known(%d) = %v, want %v", tt.year, got, tt.known)
		}
	}
}

func TestIsWorkingDay(t *testing.T) {
	c := Default()
	tests := []struct {
		date           string
		working, known bool
		holiday        bool
	}{
		// 2024
		{"2024-01-01", false, true, true},
		{"2024-02-04", true, true, false}, // Sunday, 调休上班
		{"2024-02-09", true, true, false}, // 除夕 2024: a working day (leave encouraged only)
		{"2024-02-10", false, true, true},
		{"2024-02-17", false, true, true},
		{"2024-02-18", true, true, false},
		{"2024-04-07", true, true, false},
		{"2024-04-28", true, true, false},
		{"2024-05-11", true, true, false},
		{"2024-06-10", false, true, true},
		{"2024-09-14", true, true, false},
		{"2024-09-17", false, true, true},
		{"2024-09-29", true, true, false},
		{"2024-10-07", false, true, true},
		{"2024-10-12", true, true, false},
		// 2025
		{"2025-01-01", false, true, true},
		{"2025-01-26", true, true, false}, // Sunday, 调休上班
		{"2025-01-27", true, true, false},
		{"2025-01-28", false, true, true}, // 除夕
		{"2025-02-04", false, true, true},
		{"2025-02-05", true, true, false},
		{"2025-02-08", true, true, false}, // Saturday, 调休上班
		{"2025-04-04", false, true, true},
		{"2025-04-27", true, true, false},
		{"2025-05-05", false, true, true},
		{"2025-06-02", false, true, true},
		{"2025-09-28", true, true, false},
		{"2025-10-01", false, true, true},
		{"2025-10-06", false, true, true}, // 中秋节
		{"2025-10-08", false, true, true},
		{"2025-10-09", true, true, false},
		{"2025-10-11", true, true, false}, // Saturday, 调休上班
		{"2025-10-12", false, true, false},
		{"2025-07-05", false, true, false}, // a plain Saturday
		{"2025-07-07", true, true, false},  // a plain Monday
		// 2026
		{"2026-01-01", false, true, true},
		{"2026-01-02", false, true, true},
		{"2026-01-03", false, true, true},
		{"2026-01-04", true, true, false}, // Sunday, 调休上班
		{"2026-02-14", true, true, false},
		{"2026-02-15", false, true, true},
		{"2026-02-23", false, true, true},
		{"2026-02-24", true, true, false},
		{"2026-02-28", true, true, false},
		{"2026-04-06", false, true, true},
		{"2026-05-05", false, true, true},
		{"2026-05-09", true, true, false},
		{"2026-06-19", false, true, true},
		{"2026-06-21", false, true, true},
		{"2026-09-20", true, true, false},
		{"2026-09-25", false, true, true},
		{"2026-09-27", false, true, true},
		{"2026-10-01", false, true, true},
		{"2026-10-07", false, true, true},
		{"2026-10-08", true, true, false},
		{"2026-10-10", true, true, false},
		// fallback
		{"2030-01-01", true, false, false}, // a Tuesday; 元旦 unknown without the 2030 notice
		{"2030-01-05", false, false, false},
		{"2023-12-31", false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.date, func(t *testing.T) {
			w, k := c.IsWorkingDay(day(t, tt.date))
			if w != tt.working || k != tt.known {
				t.Errorf("IsWorkingDay(%s) = %v, %v; want %v, %v", tt.date, w, k, tt.working, tt.known)
			}
			if h := c.IsHoliday(day(t, tt.date)); h != tt.holiday {
				t.Errorf("IsHoliday(%s) = %v, want %v", tt.date, h, tt.holiday)
			}
		})
	}
	if got := c.HolidayName(day(t, "2025-10-06")); got != "国庆节、中秋节" {
		t.Errorf("HolidayName(2025-10-06) = %q", got)
	}
}

func TestDateIsTakenInShanghai(t *testing.T) {
	c := Default()
	// 2025-09-30 17:00 UTC is 2025-10-01 01:00 in Shanghai: a holiday.
	utc := time.Date(2025, 9, 30, 17, 0, 0, 0, time.UTC)
	if w, _ := c.IsWorkingDay(utc); w {
		t.Errorf("IsWorkingDay(%v) = true, want false (Shanghai date 2025-10-01)", utc)
	}
	if !c.IsHoliday(utc) {
		t.Errorf("IsHoliday(%v) = false, want true", utc)
	}
}

func TestAddWorkingDays(t *testing.T) {
	c := Default()
	tests := []struct {
		start string
		n     int
		due   string
		exact bool
	}{
		{"2025-09-30", 3, "2025-10-11", true},
		{"2025-09-30", 1, "2025-10-09", true},
		{"2025-09-27", 1, "2025-09-28", true}, // Sat → Sunday 调休 workday
		{"2025-01-24", 3, "2025-02-05", true}, // Fri: 01-26 (Sun workday), 01-27, then 02-05
		{"2025-02-07", 1, "2025-02-08", true},
		{"2026-02-13", 2, "2026-02-24", true}, // 02-14 Sat workday, 02-24
		{"2026-09-30", 3, "2026-10-10", true}, // 10-08, 10-09, 10-10 (Sat workday)
		{"2025-07-04", 3, "2025-07-09", true}, // plain weekend
		{"2025-07-04", 0, "2025-07-04", true},
		{"2025-10-09", -1, "2025-09-30", true},
		{"2025-10-09", -2, "2025-09-29", true},
		{"2026-12-30", 3, "2027-01-04", false}, // crosses into 2027: fallback
		{"2030-03-01", 3, "2030-03-06", false}, // Fri 2030-03-01 → Mon, Tue, Wed
	}
	for _, tt := range tests {
		t.Run(tt.start, func(t *testing.T) {
			got, exact := c.AddWorkingDays(day(t, tt.start), tt.n)
			want, _ := time.ParseInLocation("2006-01-02", tt.due, Shanghai)
			if !got.Equal(want) || exact != tt.exact {
				t.Errorf("AddWorkingDays(%s, %d) = %v, %v; want %v, %v", tt.start, tt.n, got, exact, want, tt.exact)
			}
			if h, m, s := got.In(Shanghai).Clock(); h != 0 || m != 0 || s != 0 {
				t.Errorf("AddWorkingDays result %v is not 00:00 Shanghai", got)
			}
		})
	}
	// the start time of day does not matter
	late := time.Date(2025, 9, 30, 23, 59, 0, 0, Shanghai)
	if got, _ := c.AddWorkingDays(late, 3); !got.Equal(time.Date(2025, 10, 11, 0, 0, 0, 0, Shanghai)) {
		t.Errorf("AddWorkingDays(2025-09-30 23:59, 3) = %v", got)
	}
}

func TestNextWorkingDay(t *testing.T) {
	c := Default()
	tests := []struct{ in, next, onOrAfter string }{
		{"2025-09-30", "2025-10-09", "2025-09-30"},
		{"2025-10-01", "2025-10-09", "2025-10-09"},
		{"2025-10-10", "2025-10-11", "2025-10-10"},
		{"2026-01-01", "2026-01-04", "2026-01-04"},
		{"2025-07-05", "2025-07-07", "2025-07-07"},
		{"2030-01-04", "2030-01-07", "2030-01-04"},
	}
	for _, tt := range tests {
		want, _ := time.ParseInLocation("2006-01-02", tt.next, Shanghai)
		if got := c.NextWorkingDay(day(t, tt.in)); !got.Equal(want) {
			t.Errorf("NextWorkingDay(%s) = %v, want %v", tt.in, got, want)
		}
		want, _ = time.ParseInLocation("2006-01-02", tt.onOrAfter, Shanghai)
		if got := c.WorkingDayOnOrAfter(day(t, tt.in)); !got.Equal(want) {
			t.Errorf("WorkingDayOnOrAfter(%s) = %v, want %v", tt.in, got, want)
		}
	}
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name string
		year int
		in   string
		want string
	}{
		{"fields", 2025, "2025-01-01\tholiday\n", "want 3 tab-separated fields"},
		{"date", 2025, "2025-02-30\tholiday\t春节\n", `date "2025-02-30" is not YYYY-MM-DD`},
		{"year", 2025, "2024-01-01\tholiday\t元旦\n", "date 2024-01-01 is not in 2025"},
		{"kind", 2025, "2025-01-01\tfestival\t元旦\n", `kind "festival"`},
		{"workday on weekday", 2025, "2025-01-27\tworkday\t春节\n", "workday 2025-01-27 is a Monday"},
		{"duplicate", 2025, "2025-01-01\tholiday\t元旦\n2025-01-01\tholiday\t元旦\n", "listed twice"},
		{"no name", 2025, "2025-01-01\tholiday\t\n", "has no name"},
		{"empty", 2025, "# nothing\n", "no dates"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(map[int]io.Reader{tt.year: strings.NewReader(tt.in)})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
	c, err := New(map[int]io.Reader{2031: strings.NewReader("2031-01-01\tholiday\t元旦\n")})
	if err != nil {
		t.Fatal(err)
	}
	if w, k := c.IsWorkingDay(time.Date(2031, 1, 1, 9, 0, 0, 0, Shanghai)); w || !k {
		t.Errorf("custom calendar: 2031-01-01 working=%v known=%v", w, k)
	}
}

// TestHolidayCounts guards the transcription: the days off of each holiday period and the
// number of 调休 workdays per year.
func TestHolidayCounts(t *testing.T) {
	c := Default()
	type count struct{ holidays, workdays int }
	want := map[int]count{2024: {30, 8}, 2025: {28, 5}, 2026: {33, 6}}
	got := map[int]count{}
	for d, e := range c.days {
		k := got[d.y]
		if e.kind == holiday {
			k.holidays++
		} else {
			k.workdays++
		}
		got[d.y] = k
	}
	for y, w := range want {
		if got[y] != w {
			t.Errorf("%d: %d holiday days and %d workdays, want %d and %d", y, got[y].holidays, got[y].workdays, w.holidays, w.workdays)
		}
	}
}
