package simulate

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/contract"
)

// Category indices, in the order of categoryCodes.
const (
	catNoise = iota
	catAir
	catWater
	catSolid
	catEcology
	catSoil
	catRadiation
	catOther
	numCategories
)

var categoryCodes = [numCategories]string{"noise", "air", "water", "solid_waste", "ecology", "soil", "radiation", "other"}

// categoryBase is the yearly category mix of the 12369 bulletins: noise and air lead with
// about a third each, water about a tenth, solid waste a twentieth, the rest small.
var categoryBase = [numCategories]float64{0.37, 0.34, 0.11, 0.06, 0.04, 0.02, 0.02, 0.04}

// categoryTilt reshapes the mix by place class: [0] rural (counties, county-level cities,
// banners), [1] urban (city districts). Rural areas report more water (livestock, industry
// moved out of town), ecology and soil, less noise.
var categoryTilt = [2][numCategories]float64{
	{0.6, 0.95, 1.7, 1.25, 2.2, 1.7, 0.8, 1.1},
	{1.1, 1.0, 0.85, 0.95, 0.6, 0.8, 1.05, 1.0},
}

// seasonal gives each category's relative level by month (January first), each row averaging
// about 1. Values are for the middle of the month and interpolated in between. Noise peaks
// in summer (open windows, night construction), air in the heating season (November–March),
// water in the rainy season (June–September).
var seasonal = [numCategories][12]float64{
	{0.78, 0.74, 0.85, 0.95, 1.05, 1.2, 1.32, 1.32, 1.12, 1.0, 0.85, 0.8},  // noise
	{1.38, 1.28, 1.12, 0.9, 0.82, 0.76, 0.72, 0.72, 0.82, 0.95, 1.2, 1.38}, // air
	{0.7, 0.68, 0.8, 0.9, 1.0, 1.3, 1.48, 1.42, 1.2, 0.95, 0.8, 0.75},      // water
	{0.9, 0.85, 0.95, 1.0, 1.05, 1.1, 1.12, 1.1, 1.05, 1.0, 0.95, 0.9},     // solid waste
	{0.7, 0.7, 0.9, 1.15, 1.25, 1.2, 1.15, 1.1, 1.05, 1.0, 0.9, 0.8},       // ecology
	{0.9, 0.9, 1.0, 1.05, 1.05, 1.05, 1.05, 1.05, 1.0, 1.0, 1.0, 0.95},     // soil
	{1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0},           // radiation
	{0.95, 0.9, 1.0, 1.0, 1.0, 1.05, 1.05, 1.05, 1.0, 1.0, 1.0, 1.0},       // other
}

// seasonFactor interpolates a category's seasonal level for a day.
func seasonFactor(cat int, day time.Time) float64 {
	// month midpoints sit at day 15 of each month; x counts months from mid-January
	x := (float64(day.YearDay()) - 15) / (365.25 / 12)
	i := int(math.Floor(x))
	f := x - float64(i)
	a := ((i % 12) + 12) % 12
	b := (a + 1) % 12
	return seasonal[cat][a]*(1-f) + seasonal[cat][b]*f
}

// Hour-of-day profiles.
const (
	profPhone  = iota // hotline: office hours with a lunch dip, some evening calls
	profOnline        // WeChat, web, e-mail: spread over the waking day, some at night
	profOffice        // letters, visits, faxes: registered in office hours only
	profNight         // noise at night: 20–24h and after midnight
	numProfiles
)

var hourWeights = [numProfiles][24]float64{
	{0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.5, 1.5, 4, 7, 8, 7, 4, 4, 7, 8, 7, 5, 2.5, 2, 2, 1.5, 1, 0.5},
	{1.0, 0.6, 0.3, 0.2, 0.2, 0.3, 0.8, 2, 4, 5.5, 6, 5.5, 4.5, 4.5, 5, 5, 5, 4.5, 4, 4.5, 5, 5, 4, 2.5},
	{0, 0, 0, 0, 0, 0, 0, 0, 3, 8, 9, 7, 1, 2, 8, 8, 7, 3, 0, 0, 0, 0, 0, 0},
	{5, 3, 1.5, 0.8, 0.4, 0.3, 0.3, 0.5, 0.5, 0.5, 0.5, 0.5, 0.8, 0.8, 0.5, 0.5, 0.5, 0.8, 1.5, 3, 6, 9, 10, 8},
}

// cell is one (kind, channel) combination of the intake.
type cell struct {
	kind     string
	channel  string
	share    float64 // share within its kind
	weekend  float64 // level on a non-working day relative to a working day
	holiday  float64 // further factor on a statutory holiday
	profile  int
	petition bool
}

// cells: 12369 reports by phone ~48%, WeChat ~42%, web ~10% (the ministry's bulletins), and
// petitions by letter, visit, web, fax, e-mail and phone. Phone calls and visits drop on
// weekends; letters and visits are registered on working days.
var cells = []cell{
	{contract.KindReport, "phone", 0.48, 0.55, 0.75, profPhone, false},
	{contract.KindReport, "wechat", 0.42, 0.92, 0.85, profOnline, false},
	{contract.KindReport, "web", 0.10, 0.85, 0.85, profOnline, false},
	{contract.KindPetition, "letter", 0.30, 0.10, 0.5, profOffice, true},
	{contract.KindPetition, "visit", 0.25, 0.08, 0.4, profOffice, true},
	{contract.KindPetition, "web", 0.30, 0.80, 0.85, profOnline, true},
	{contract.KindPetition, "fax", 0.04, 0.15, 0.5, profOffice, true},
	{contract.KindPetition, "email", 0.06, 0.80, 0.85, profOnline, true},
	{contract.KindPetition, "phone", 0.05, 0.40, 0.6, profPhone, true},
}

// annualGrowth is the yearly growth of the volume (a mild upward trend, as in the bulletins).
const annualGrowth = 0.03

// volumeModel turns the configuration into expected counts per day, class, category and cell.
type volumeModel struct {
	cal      *calendar.Calendar
	from     time.Time
	perYear  float64
	classW   [2]float64 // weight of rural, urban places in scope
	cellBase []float64  // per cell: kind share × channel share / yearly mean of its day factor
	z        float64    // normaliser: mean over a reference year of Σ class weight × level
	hours    [numProfiles]cumulative
}

// dayModel is the volume model evaluated for one day.
type dayModel struct {
	day      time.Time
	mean     float64                   // expected reports in scope
	classP   float64                   // probability that a report is urban
	catP     [2][numCategories]float64 // category mix by class
	catCum   [2]cumulative             // for drawing a category
	cellCum  cumulative                // for drawing a (kind, channel)
	catLevel [2][numCategories]float64 // unnormalised level per class and category
	levelSum [2]float64                // Σ catLevel per class
	cellSum  float64
}

func newVolumeModel(cal *calendar.Calendar, cfg Config, pt *placeTable) *volumeModel {
	m := &volumeModel{cal: cal, from: startOfDay(cfg.From), perYear: float64(cfg.ReportsPerYear)}
	m.classW = [2]float64{pt.ruralW, pt.urbanW}
	for i := range m.hours {
		m.hours[i] = newCumulative(hourWeights[i][:])
	}
	// channel normalisation: a channel's yearly share equals its configured share although
	// its weekend and holiday factors differ from the others'
	m.cellBase = make([]float64, len(cells))
	for k, c := range cells {
		kindShare := 1 - cfg.PetitionShare
		if c.petition {
			kindShare = cfg.PetitionShare
		}
		sum := 0.0
		for d := 0; d < 365; d++ {
			sum += m.cellFactor(k, m.from.AddDate(0, 0, d))
		}
		m.cellBase[k] = kindShare * c.share / (sum / 365)
	}
	for d := 0; d < 365; d++ {
		day := m.from.AddDate(0, 0, d)
		lv := m.levels(day)
		m.z += m.classW[0]*lv[0] + m.classW[1]*lv[1]
	}
	m.z /= 365
	return m
}

func (m *volumeModel) cellFactor(k int, day time.Time) float64 {
	f := 1.0
	if working, _ := m.cal.IsWorkingDay(day); !working {
		f = cells[k].weekend
	}
	if m.cal.IsHoliday(day) {
		f *= cells[k].holiday
	}
	return f
}

// levels returns the unnormalised daily level per class: Σ categories × Σ cells.
func (m *volumeModel) levels(day time.Time) [2]float64 {
	cellSum := 0.0
	for k := range cells {
		cellSum += m.cellBase[k] * m.cellFactor(k, day)
	}
	var out [2]float64
	for class := 0; class < 2; class++ {
		s := 0.0
		for c := 0; c < numCategories; c++ {
			s += categoryBase[c] * categoryTilt[class][c] * seasonFactor(c, day)
		}
		out[class] = s * cellSum
	}
	return out
}

func (m *volumeModel) day(day time.Time) *dayModel {
	dm := &dayModel{day: day}
	cw := make([]float64, len(cells))
	for k := range cells {
		cw[k] = m.cellBase[k] * m.cellFactor(k, day)
		dm.cellSum += cw[k]
	}
	dm.cellCum = newCumulative(cw)
	var classLevel [2]float64
	for class := 0; class < 2; class++ {
		for c := 0; c < numCategories; c++ {
			dm.catLevel[class][c] = categoryBase[c] * categoryTilt[class][c] * seasonFactor(c, day)
			dm.levelSum[class] += dm.catLevel[class][c]
		}
		for c := 0; c < numCategories; c++ {
			dm.catP[class][c] = dm.catLevel[class][c] / dm.levelSum[class]
		}
		dm.catCum[class] = newCumulative(dm.catLevel[class][:])
		classLevel[class] = m.classW[class] * dm.levelSum[class] * dm.cellSum
	}
	years := day.Sub(m.from).Hours() / (24 * 365.25)
	trend := math.Pow(1+annualGrowth, years)
	total := classLevel[0] + classLevel[1]
	dm.mean = m.perYear / 365 * total / m.z * trend
	if total > 0 {
		dm.classP = classLevel[1] / total
	}
	return dm
}

// placeRate is the expected number of reports of category cat per day in place p.
func (dm *dayModel) placeRate(p *place, pt *placeTable, cat int) float64 {
	class := 0
	if p.urban {
		class = 1
	}
	classTotal := dm.mean * (1 - dm.classP)
	classW := pt.ruralW
	if p.urban {
		classTotal, classW = dm.mean*dm.classP, pt.urbanW
	}
	if classW == 0 {
		return 0
	}
	return classTotal * p.weight / classW * dm.catP[class][cat]
}

// clock draws a time of day on day from a profile.
func (m *volumeModel) clock(r *rand.Rand, day time.Time, profile int) time.Time {
	h := m.hours[profile].draw(r)
	return day.Add(time.Duration(h)*time.Hour + time.Duration(r.IntN(3600))*time.Second)
}

// startOfDay returns midnight of t's day in Asia/Shanghai.
func startOfDay(t time.Time) time.Time {
	t = t.In(calendar.Shanghai)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, calendar.Shanghai)
}
