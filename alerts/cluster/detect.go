package cluster

import (
	"math"
	"runtime"
	"sort"
	"sync"
	"time"

	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/region"
)

// Signal is one space-time cluster found at a run: more distinct reporters of Category in
// Areas during [WindowStart, WindowEnd) than the areas' own history leads to expect.
type Signal struct {
	// Areas is the zone: the centre area first, then its neighbours nearest first.
	Areas    []string
	Category string
	// WindowStart and WindowEnd bound the window; WindowEnd is the run's `now`.
	WindowStart, WindowEnd time.Time
	// Observed is the number of distinct reporters in the zone and window; Expected the
	// number the history predicts.
	Observed, Expected float64
	// Statistic is the Poisson log-likelihood ratio Observed·ln(Observed/Expected) −
	// (Observed − Expected), the statistic of Kulldorff's scan, kept as evidence.
	Statistic float64
	// PValue is P(X ≥ Observed) under the predictive distribution of the window's count
	// (negative binomial: the Poisson rate's uncertainty and the category's overdispersion).
	PValue float64
	// Threshold is the run's p-value threshold: the signal was raised because PValue <
	// Threshold. It is set so that the run's family of tests keeps the false-warning design
	// (see Result.Alpha).
	Threshold float64
	// Score is log10(Threshold/PValue): how many decades beyond the threshold the signal lies
	// (0 at the edge, 2 a hundred times stronger). Suitable for ranking and escalation.
	Score float64
	// Lags is set for a signal of a Path: the lag of each area, parallel to Areas, which are
	// then in the path's order (upstream first, the front last, with lag 0). Each area's window
	// is [WindowEnd − lag − W, WindowEnd − lag), W the window's length; WindowStart is the
	// start of the earliest of them.
	Lags []time.Duration
	// Counts and Means are set with Lags: each area's distinct reporters in its window and
	// the number expected there.
	Counts, Means []float64
}

// Result is what one run found, with the figures of its false-alarm control.
type Result struct {
	Signals []Signal
	// All is every test beyond the threshold, strongest first, before the overlapping ones
	// were merged into Signals (a caller that wants every place a signal touches).
	All []Signal
	// Areas is the number of areas under surveillance in the run, Tests the number of
	// (zone × window × category) tests.
	Areas, Tests int
	// Alpha is the run's family-wise level: the probability, summed over all tests, that one
	// hour of data on a quiet stream makes some test cross its threshold.
	Alpha float64
	// Threshold is the p-value threshold that spends Alpha (see Signal.Threshold).
	Threshold float64
	// DesignedRate is the false-warning rate the run is designed for, per 1,000 area-weeks:
	// Alpha × 168 × 1000 / Areas.
	DesignedRate float64
}

// Detector finds clusters of reports. It holds the configuration, the region table (for
// neighbours) and the holiday calendar (for the expected volume of a day). It is safe for
// concurrent use.
type Detector struct {
	cfg     Config
	regions *region.Table
	cal     *calendar.Calendar

	mu         sync.Mutex
	neighbours map[string][]string // area → neighbours within the radius, nearest first
	curveMu    sync.RWMutex
	curveCache map[group][]binDelta // false-onset curves computed so far
}

// NewDetector returns a Detector. regions and cal may be nil for region.Default and
// calendar.Default.
func NewDetector(cfg Config, regions *region.Table, cal *calendar.Calendar) (*Detector, error) {
	c, err := cfg.resolve()
	if err != nil {
		return nil, err
	}
	if regions == nil {
		regions = region.Default()
	}
	if cal == nil {
		cal = calendar.Default()
	}
	return &Detector{cfg: c, regions: regions, cal: cal, neighbours: map[string][]string{}, curveCache: map[group][]binDelta{}}, nil
}

// Config returns the resolved configuration.
func (d *Detector) Config() Config { return d.cfg }

// Detect returns the signals at time now, strongest first, using only the counts before
// now. Overlapping signals (same category, a shared area; all windows end at now) are merged
// into the strongest.
func (d *Detector) Detect(series []Series, now time.Time) []Signal {
	return d.Run(series, now).Signals
}

// Prior strengths and constants of the expectation model (see the package documentation).
const (
	priorArea      = 2.0  // pseudo-reports pulling an area's category level towards its all-category share
	priorCell      = 20.0 // pseudo-reports pulling a category's hour cell towards the all-category shape
	priorTrend     = 20.0 // pseudo-reports damping the recent-weeks trend factor
	priorOwnShape  = 20.0 // pseudo-reports pulling an area's own time-of-day shape towards the pooled one
	holidayPrior   = 0.8  // volume of a statutory holiday relative to an ordinary weekend, before data
	holidayWeight  = 2.0  // days of data that weigh as much as the holiday prior
	trendDays      = 14   // recent days compared with the whole history for the trend factor
	trendMin       = 0.5
	trendMax       = 2.0
	maxDispersion  = 1.0
	thresholdMax   = 1e-2  // a signal needs at least this much evidence whatever the budget
	thresholdMin   = 1e-16 // below this the family's onsets are not tracked
	capIterations  = 3
	dayClasses     = 3 // working day, rest day, statutory holiday
	blockClasses   = 2 // working, non-working
	quarters       = 4 // six-hour blocks of the day
	numBlocks      = blockClasses * quarters
	numCells       = dayClasses * 24
	classWorking   = 0
	classRest      = 1
	classHoliday   = 2
	shanghaiOffset = 8 // hours east of UTC; China has no daylight saving time
)

// run is the state of one Detect call.
type run struct {
	d   *Detector
	cfg Config
	now time.Time

	nowH int64   // absolute hour (Unix hours) containing now
	frac float64 // share of hour nowH before now (0 when now is on the hour)

	windows []int // window lengths in hours
	maxW    int
	// maxShift is the longest lag of a path (hours): the history ends before the longest
	// window and the longest lag, so that a path's shifted windows never feed its expectation.
	maxShift int

	days   int   // history days
	h0     int64 // first history hour (a Shanghai midnight)
	dayCls []int8
	// window hours: classes of hours [nowH-maxW, nowH]
	wh0 int64

	areas   []string
	areaIdx map[string]int
	cats    []string
	catIdx  map[string]int
	grid    []*Series // area*len(cats)+cat → series or nil

	// per category pooled model
	pooled  [][]float64 // [cat][hour of history]
	poolDay [][]float64 // [cat][day]
	poolBlk [][]float64 // [cat][block]
	sumSq   []float64   // [cat] Σ_day poolDay²
	catTot  []float64
	rate    [][]float64 // [cat][cell] fitted hourly volume
	trend   []float64
	expo    [][]float64 // [cat][(window)*numBlocks+block]: Σ fitted volume in window by block
	disp    []float64   // [cat] overdispersion

	// per grid cell
	obs   []float64 // [g*K+k] observed distinct reporters in window k
	mu    []float64 // [g*(K+1)+k] expected in window k; k == K: the last hour
	shape []float64 // [g] posterior shape of the area's level
	ents  [][]entry // [g] non-zero six-hour blocks of the history

	// paths only: the expectation of any window is Σ_b wts[g][b] × exposure by block
	wts     []float64            // [g*numBlocks+b]
	lagExpo map[[2]int][]float64 // (lag hours, window) → [cat*numBlocks+block] exposure
}

// entry is one non-zero six-hour block of a series' history.
type entry struct {
	day int32
	q   int8
	n   float32
}

// Run is Detect with the figures of the run's false-alarm control.
func (d *Detector) Run(series []Series, now time.Time) Result {
	r := d.newRun(series, now)
	if len(r.areas) == 0 {
		return Result{}
	}
	r.scan()
	r.pooledModel()
	r.areaModel()
	return r.test()
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// hourOf returns the absolute hour (hours since the Unix epoch) containing t.
func hourOf(t time.Time) int64 { return floorDiv(t.Unix(), 3600) }

// timeOf returns the start of an absolute hour.
func timeOf(h int64) time.Time { return time.Unix(h*3600, 0).In(calendar.Shanghai) }

func (d *Detector) newRun(series []Series, now time.Time) *run {
	r := &run{d: d, cfg: d.cfg, now: now, areaIdx: map[string]int{}, catIdx: map[string]int{}}
	r.nowH = hourOf(now)
	r.frac = float64(now.Unix()-r.nowH*3600) / 3600
	for _, w := range r.cfg.Windows {
		h := int(w / time.Hour)
		r.windows = append(r.windows, h)
		r.maxW = max(r.maxW, h)
	}
	for _, p := range r.cfg.Paths {
		for _, st := range p.Stops {
			r.maxShift = max(r.maxShift, int(st.Lag/time.Hour))
		}
	}
	// history: whole Shanghai days ending at or before the guard
	guardEnd := r.nowH - int64(r.maxW) - int64(r.maxShift)
	dayEnd := floorDiv(guardEnd+shanghaiOffset, 24)*24 - shanghaiOffset
	r.days = 7 * r.cfg.HistoryWeeks
	r.h0 = dayEnd - int64(24*r.days)
	r.wh0 = r.nowH - int64(r.maxW)

	for i := range series {
		s := &series[i]
		if _, ok := r.areaIdx[s.Area]; !ok {
			r.areaIdx[s.Area] = len(r.areas)
			r.areas = append(r.areas, s.Area)
		}
		if _, ok := r.catIdx[s.Category]; !ok {
			r.catIdx[s.Category] = len(r.cats)
			r.cats = append(r.cats, s.Category)
		}
	}
	// stable order whatever the input order
	sort.Strings(r.areas)
	sort.Strings(r.cats)
	for i, a := range r.areas {
		r.areaIdx[a] = i
	}
	for i, c := range r.cats {
		r.catIdx[c] = i
	}
	nc := len(r.cats)
	r.grid = make([]*Series, len(r.areas)*nc)
	for i := range series {
		s := &series[i]
		g := r.areaIdx[s.Area]*nc + r.catIdx[s.Category]
		if r.grid[g] == nil {
			r.grid[g] = s
			continue
		}
		r.grid[g] = addSeries(r.grid[g], s) // a duplicate: counts add up
	}
	// day classes from the first history day to the day of now
	nDays := int(floorDiv(r.nowH+shanghaiOffset, 24)-floorDiv(r.h0+shanghaiOffset, 24)) + 1
	r.dayCls = make([]int8, nDays)
	for j := range r.dayCls {
		day := timeOf(r.h0 + int64(24*j))
		switch {
		case d.cal.IsHoliday(day):
			r.dayCls[j] = classHoliday
		default:
			if working, _ := d.cal.IsWorkingDay(day); working {
				r.dayCls[j] = classWorking
			} else {
				r.dayCls[j] = classRest
			}
		}
	}
	return r
}

// addSeries returns a new series holding the sum of two series of the same area and category.
func addSeries(a, b *Series) *Series {
	ha, hb := hourOf(a.Start), hourOf(b.Start)
	start := min(ha, hb)
	end := max(ha+int64(len(a.Counts)), hb+int64(len(b.Counts)))
	out := &Series{Area: a.Area, Category: a.Category, Start: timeOf(start), Counts: make([]float32, end-start)}
	for i, c := range a.Counts {
		out.Counts[ha-start+int64(i)] += c
	}
	for i, c := range b.Counts {
		out.Counts[hb-start+int64(i)] += c
	}
	return out
}

// cellOf returns the (day class, hour of day) cell and the (working?, quarter) block of an
// absolute hour at or after h0.
func (r *run) cellOf(h int64) (cell, block int) {
	rel := h - r.h0
	j := int(rel / 24)
	hod := int(rel % 24)
	cls := int(r.dayCls[j])
	b := 0
	if cls != classWorking {
		b = 1
	}
	return cls*24 + hod, b*quarters + hod/6
}

// scan reads every series once: the history into six-hour entries and the pooled hourly
// volume of each category, and the observed counts of the windows.
func (r *run) scan() {
	nc, K := len(r.cats), len(r.windows)
	hours := 24 * r.days
	r.obs = make([]float64, len(r.grid)*K)
	r.ents = make([][]entry, len(r.grid))
	workers := max(1, min(runtime.GOMAXPROCS(0), len(r.grid)/512+1))
	pooled := make([][][]float64, workers)
	var wg sync.WaitGroup
	chunk := (len(r.grid) + workers - 1) / workers
	for w := 0; w < workers; w++ {
		pooled[w] = make([][]float64, nc)
		for c := range pooled[w] {
			pooled[w][c] = make([]float64, hours)
		}
		lo, hi := w*chunk, min(len(r.grid), (w+1)*chunk)
		wg.Add(1)
		go func(w, lo, hi int) {
			defer wg.Done()
			arena := make([]entry, 0, 256)
			acc := make([]float64, r.maxW+1)
			for g := lo; g < hi; g++ {
				s := r.grid[g]
				if s == nil {
					continue
				}
				c := g % nc
				base := hourOf(s.Start)
				pool := pooled[w][c]
				// history
				first := max(r.h0, base)
				last := min(r.h0+int64(hours), base+int64(len(s.Counts))) // exclusive
				start := len(arena)
				if first < last {
					hist := s.Counts[first-base : last-base]
					off := first - r.h0
					curDay, curQ := int32(-1), int8(-1)
					for i0 := 0; i0 < len(hist); i0 += 8 {
						blk := hist[i0:min(i0+8, len(hist))]
						if len(blk) == 8 && math.Float32bits(blk[0])|math.Float32bits(blk[1])|math.Float32bits(blk[2])|
							math.Float32bits(blk[3])|math.Float32bits(blk[4])|math.Float32bits(blk[5])|
							math.Float32bits(blk[6])|math.Float32bits(blk[7]) == 0 {
							continue
						}
						for i, x := range blk {
							if x == 0 {
								continue
							}
							rel := off + int64(i0+i)
							pool[rel] += float64(x)
							day, q := int32(rel/24), int8(rel%24/6)
							if day == curDay && q == curQ {
								arena[len(arena)-1].n += x
								continue
							}
							curDay, curQ = day, q
							arena = append(arena, entry{day: day, q: q, n: x})
						}
					}
				}
				if len(arena) > start {
					r.ents[g] = arena[start:len(arena):len(arena)]
				}
				// windows: hours nowH-1 down to nowH-maxW, plus the partial hour nowH
				sum := 0.0
				if r.frac > 0 {
					if i := r.nowH - base; i >= 0 && i < int64(len(s.Counts)) {
						sum = float64(s.Counts[i])
					}
				}
				for back := 1; back <= r.maxW; back++ {
					if i := r.nowH - int64(back) - base; i >= 0 && i < int64(len(s.Counts)) {
						sum += float64(s.Counts[i])
					}
					acc[back] = sum
				}
				for k, wl := range r.windows {
					r.obs[g*K+k] = acc[wl]
				}
			}
		}(w, lo, hi)
	}
	wg.Wait()
	r.pooled = pooled[0]
	for w := 1; w < workers; w++ {
		for c := range r.pooled {
			dst, src := r.pooled[c], pooled[w][c]
			for i := range dst {
				dst[i] += src[i]
			}
		}
	}
}

// pooledModel estimates, per category, the hourly volume of all areas together by cell (day
// class × hour of day), the recent trend, and the volume expected in each window.
func (r *run) pooledModel() {
	nc, K := len(r.cats), len(r.windows)
	hours := 24 * r.days
	var cellHours [numCells]float64
	cellOfHour := make([]int, hours)
	blockOfHour := make([]int, hours)
	for h := 0; h < hours; h++ {
		cell, block := r.cellOf(r.h0 + int64(h))
		cellOfHour[h], blockOfHour[h] = cell, block
		cellHours[cell]++
	}
	// all categories together: the shape every category is shrunk towards
	var allCell [numCells]float64
	r.catTot = make([]float64, nc)
	total := 0.0
	r.poolDay = make([][]float64, nc)
	r.poolBlk = make([][]float64, nc)
	r.sumSq = make([]float64, nc)
	catCell := make([][numCells]float64, nc)
	for c := 0; c < nc; c++ {
		r.poolDay[c] = make([]float64, r.days)
		r.poolBlk[c] = make([]float64, numBlocks)
		for h, x := range r.pooled[c] {
			if x == 0 {
				continue
			}
			catCell[c][cellOfHour[h]] += x
			r.poolDay[c][h/24] += x
			r.poolBlk[c][blockOfHour[h]] += x
			r.catTot[c] += x
		}
		for _, x := range r.poolDay[c] {
			r.sumSq[c] += x * x
		}
		for i := range allCell {
			allCell[i] += catCell[c][i]
		}
		total += r.catTot[c]
	}
	allRate := cellRates(allCell, cellHours)
	r.rate = make([][]float64, nc)
	r.trend = make([]float64, nc)
	for c := 0; c < nc; c++ {
		// half a report of prior volume, so that a category without history still has a
		// (small) expectation and its first reports can be judged
		share := (r.catTot[c] + 0.5) / (total + 0.5*float64(nc))
		rate := make([]float64, numCells)
		for cell := range rate {
			prior := allRate[cell] * share
			n := cellHours[cell]
			switch {
			case prior > 0:
				rate[cell] = (catCell[c][cell] + priorCell) / (n + priorCell/prior)
			case n > 0:
				rate[cell] = catCell[c][cell] / n
			}
		}
		r.rate[c] = rate
		// trend: the last trendDays of the history against the fitted volume there
		obs, fit := 0.0, 0.0
		from := max(0, hours-24*trendDays)
		for h := from; h < hours; h++ {
			obs += r.pooled[c][h]
			fit += rate[cellOfHour[h]]
		}
		t := (obs + priorTrend) / (fit + priorTrend)
		r.trend[c] = math.Min(trendMax, math.Max(trendMin, t))
	}
	// exposure of each window (and of the last hour, index K) by block
	r.expo = make([][]float64, nc)
	for c := 0; c < nc; c++ {
		r.expo[c] = make([]float64, (K+1)*numBlocks)
	}
	add := func(h int64, weight float64, k int) {
		cell, block := r.cellOf(h)
		for c := 0; c < nc; c++ {
			r.expo[c][k*numBlocks+block] += weight * r.rate[c][cell] * r.trend[c]
		}
	}
	for k, wl := range append(append([]int(nil), r.windows...), 1) {
		if r.frac > 0 {
			add(r.nowH, r.frac, k)
		}
		for back := 1; back <= wl; back++ {
			weight := 1.0
			if k == K && r.frac > 0 { // the last hour ends at now: part of hour nowH-1
				weight = 1 - r.frac
			}
			add(r.nowH-int64(back), weight, k)
		}
	}
}

// cellRates turns cell totals into hourly rates, filling holiday cells that the history
// lacks from the rest-day cells (holidayPrior) and rest-day cells from working-day cells.
func cellRates(sum, hours [numCells]float64) []float64 {
	rate := make([]float64, numCells)
	for cell := range rate {
		if hours[cell] > 0 {
			rate[cell] = sum[cell] / hours[cell]
		}
	}
	for h := 0; h < 24; h++ {
		rest, work := classRest*24+h, classWorking*24+h
		if hours[rest] == 0 {
			rate[rest] = rate[work] * 0.7
		}
		hol := classHoliday*24 + h
		prior := rate[rest] * holidayPrior
		rate[hol] = (sum[hol] + holidayWeight*prior) / (hours[hol] + holidayWeight)
	}
	return rate
}

// areaModel estimates each area's level in each category — its share of the category's
// pooled volume, robust to past clusters and shrunk towards the area's all-category share —
// its own time-of-day shape where it has the data, the expected counts of every window, and
// each category's overdispersion.
func (r *run) areaModel() {
	nc, K := len(r.cats), len(r.windows)
	na := len(r.areas)
	r.mu = make([]float64, len(r.grid)*(K+1))
	if len(r.cfg.Paths) > 0 {
		r.wts = make([]float64, len(r.grid)*numBlocks)
	}
	r.shape = make([]float64, len(r.grid))
	grand := 0.0
	for _, t := range r.catTot {
		grand += t
	}
	num := make([][]float64, runtime.GOMAXPROCS(0))
	den := make([][]float64, len(num))
	workers := len(num)
	chunk := (na + workers - 1) / workers
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		num[w], den[w] = make([]float64, nc), make([]float64, nc)
		lo, hi := w*chunk, min(na, (w+1)*chunk)
		wg.Add(1)
		go func(w, lo, hi int) {
			defer wg.Done()
			robust := make([]float64, nc)
			daySum := make([]float64, r.days)
			scale := make([]float64, r.days)
			for a := lo; a < hi; a++ {
				// all-category share of the area, from the raw history, then robust
				raw := 0.0
				for c := 0; c < nc; c++ {
					for _, e := range r.ents[a*nc+c] {
						raw += float64(e.n)
					}
				}
				shareA := (raw + 1) / (grand + float64(na))
				robustA := 0.0
				for c := 0; c < nc; c++ {
					robust[c], _ = r.robustLevel(r.ents[a*nc+c], c, shareA, daySum, nil)
					robustA += robust[c]
				}
				shareA = (robustA + 1) / (grand + float64(na))
				for c := 0; c < nc; c++ {
					g := a*nc + c
					n, th := r.robustLevel(r.ents[g], c, shareA, daySum, scale)
					r.shape[g] = n + priorArea
					// overdispersion: moments of the capped daily counts
					for _, e := range r.ents[g] {
						daySum[e.day] = 0
					}
					for _, e := range r.ents[g] {
						daySum[e.day] += float64(e.n) * scale[e.day]
					}
					s2 := 0.0
					for _, e := range r.ents[g] {
						x := daySum[e.day]
						if x == 0 {
							continue
						}
						ex := th * r.poolDay[c][e.day]
						s2 += x*x - 2*x*ex - x
						daySum[e.day] = 0
					}
					ee := th * th * r.sumSq[c]
					num[w][c] += s2 + ee
					den[w][c] += ee
					r.windowMeans(g, c, th, scale)
				}
			}
		}(w, lo, hi)
	}
	wg.Wait()
	r.disp = make([]float64, nc)
	for c := 0; c < nc; c++ {
		n, d := 0.0, 0.0
		for w := range num {
			n += num[w][c]
			d += den[w][c]
		}
		if d > 0 {
			r.disp[c] = math.Min(maxDispersion, math.Max(0, n/d))
		}
	}
}

// robustLevel returns the area's robust count over the history of category c and its share
// of the category's pooled volume: daily counts are capped at the 99.9% quantile of what the
// current estimate expects that day, three times, so that a past cluster weighs like a busy
// day and not like ten. shareA is the prior share (the area's all-category share). When scale
// is not nil it receives, for each day with reports, the factor applied by the cap.
func (r *run) robustLevel(ents []entry, c int, shareA float64, daySum, scale []float64) (n, theta float64) {
	tot := r.catTot[c]
	prior := priorArea / math.Max(shareA, 1e-12)
	raw := 0.0
	for _, e := range ents {
		daySum[e.day] = 0
	}
	for _, e := range ents {
		daySum[e.day] += float64(e.n)
		raw += float64(e.n)
	}
	n = raw
	theta = (n + priorArea) / (tot + prior)
	for it := 0; it < capIterations && raw > 0; it++ {
		n = 0
		for i, e := range ents {
			if i > 0 && ents[i-1].day == e.day {
				continue
			}
			n += math.Min(daySum[e.day], quantile999(theta*r.poolDay[c][e.day]))
		}
		theta = (n + priorArea) / (tot + prior)
	}
	if scale != nil {
		for i, e := range ents {
			if i > 0 && ents[i-1].day == e.day {
				continue
			}
			x := daySum[e.day]
			scale[e.day] = math.Min(x, quantile999(theta*r.poolDay[c][e.day])) / x
		}
	}
	return n, theta
}

// windowMeans sets the expected counts of the windows of grid cell g: the area's share of
// the category's forecast volume, reshaped by the area's own time-of-day profile where its
// history is rich enough to show one.
func (r *run) windowMeans(g, c int, theta float64, scale []float64) {
	K := len(r.windows)
	var own [numBlocks]float64
	for _, e := range r.ents[g] {
		cls := r.dayCls[e.day]
		b := 0
		if cls != classWorking {
			b = 1
		}
		own[b*quarters+int(e.q)] += float64(e.n) * scale[e.day]
	}
	var factor [numBlocks]float64
	sumE, sumEF := 0.0, 0.0
	for b := range factor {
		e := theta * r.poolBlk[c][b]
		factor[b] = (own[b] + priorOwnShape) / (e + priorOwnShape)
		sumE += e
		sumEF += e * factor[b]
	}
	norm := 1.0
	if sumEF > 0 {
		norm = sumE / sumEF
	}
	expo := r.expo[c]
	for k := 0; k <= K; k++ {
		m := 0.0
		for b := range factor {
			m += factor[b] * expo[k*numBlocks+b]
		}
		r.mu[g*(K+1)+k] = theta * m * norm
	}
	if r.wts != nil {
		for b := range factor {
			r.wts[g*numBlocks+b] = theta * norm * factor[b]
		}
	}
}

// prepareLags computes the exposure of every shifted window the path zones read. It runs
// before the tests, which then only read it.
func (r *run) prepareLags(zones []zone) {
	nc := len(r.cats)
	r.lagExpo = map[[2]int][]float64{}
	for _, z := range zones {
		for _, lag := range z.lags {
			if lag == 0 {
				continue
			}
			for k, wl := range r.windows {
				key := [2]int{lag, k}
				if _, ok := r.lagExpo[key]; ok {
					continue
				}
				e := make([]float64, nc*numBlocks)
				for back := 1; back <= wl; back++ {
					cell, block := r.cellOf(r.nowH - int64(lag) - int64(back))
					for c := 0; c < nc; c++ {
						e[c*numBlocks+block] += r.rate[c][cell] * r.trend[c]
					}
				}
				r.lagExpo[key] = e
			}
		}
	}
}

// lagged returns the observed and expected counts of grid cell g in window k shifted back by
// lag hours: the wl whole hours ending lag hours before the hour of the run.
func (r *run) lagged(g, c, lag, k int) (obs, mu float64) {
	wl := r.windows[k]
	if s := r.grid[g]; s != nil {
		base := hourOf(s.Start)
		end := r.nowH - int64(lag)
		for h := max(end-int64(wl), base); h < min(end, base+int64(len(s.Counts))); h++ {
			obs += float64(s.Counts[h-base])
		}
	}
	e := r.lagExpo[[2]int{lag, k}]
	for b := 0; b < numBlocks; b++ {
		mu += r.wts[g*numBlocks+b] * e[c*numBlocks+b]
	}
	return obs, mu
}

// zone is a set of areas tested together: an area alone or with its neighbours, or a path.
type zone struct {
	areas []int // indexes into run.areas, centre first (a path: upstream first)
	lags  []int // a path's lags in hours, parallel to areas; nil for other zones
}

// zones returns the zones of the run, the circles of Kulldorff's scan over the areas'
// points: every area alone and with its k nearest neighbours within the radius, k = 1 …
// MaxNeighbours, duplicates (the same set of areas from another centre) removed.
func (r *run) zones() []zone {
	if r.cfg.OnlyPaths {
		return r.pathZones()
	}
	out := make([]zone, 0, 2*len(r.areas))
	for a := range r.areas {
		out = append(out, zone{areas: []int{a}})
	}
	out = append(out, r.pathZones()...)
	if r.cfg.MaxNeighbours < 0 {
		return out
	}
	seen := map[string]bool{}
	key := make([]int, 0, r.cfg.MaxNeighbours+1)
	buf := make([]byte, 0, 4*(r.cfg.MaxNeighbours+1))
	for a, code := range r.areas {
		members := []int{a}
		for _, nb := range r.d.neighboursOf(code) {
			if len(members) > r.cfg.MaxNeighbours {
				break
			}
			i, ok := r.areaIdx[nb]
			if !ok {
				continue
			}
			members = append(members, i)
			key = append(key[:0], members...)
			sort.Ints(key)
			buf = buf[:0]
			for _, x := range key {
				buf = append(buf, byte(x), byte(x>>8), byte(x>>16), byte(x>>24))
			}
			if seen[string(buf)] {
				continue
			}
			seen[string(buf)] = true
			out = append(out, zone{areas: append([]int(nil), members...)})
		}
	}
	return out
}

// pathZones returns the zones of the configured paths: the stops whose area the run has, when
// at least two remain, duplicates removed.
func (r *run) pathZones() []zone {
	var out []zone
	seen := map[string]bool{}
	for _, p := range r.cfg.Paths {
		var z zone
		key := make([]byte, 0, 8*len(p.Stops))
		for _, st := range p.Stops {
			i, ok := r.areaIdx[st.Area]
			if !ok {
				continue
			}
			lag := int(st.Lag / time.Hour)
			z.areas, z.lags = append(z.areas, i), append(z.lags, lag)
			key = append(key, byte(i), byte(i>>8), byte(i>>16), byte(i>>24), byte(lag), byte(lag>>8), byte(lag>>16), byte(lag>>24))
		}
		if len(z.areas) < 2 || seen[string(key)] {
			continue
		}
		seen[string(key)] = true
		out = append(out, z)
	}
	return out
}

// neighboursOf returns the cached neighbours of an area.
func (d *Detector) neighboursOf(code string) []string {
	d.mu.Lock()
	nb, ok := d.neighbours[code]
	d.mu.Unlock()
	if ok {
		return nb
	}
	nb = d.regions.Neighbours(code, d.cfg.NeighbourRadiusKm)
	d.mu.Lock()
	d.neighbours[code] = nb
	d.mu.Unlock()
	return nb
}

// candidate is a test whose observed count passes the largest threshold.
type candidate struct {
	zone, cat, window int
	obs, mu, p        float64
}

// group is a set of tests with the same window and nearly the same predictive distribution:
// means within 1/16 of an octave (their float64 encodings share the top 16 bits) and
// overdispersions within half an octave (13 bits), packed as window<<32 | mu<<16 | inv. The
// false-onset curve is computed once per group, at the group's upper edges, and kept by the
// Detector for later runs (the same groups recur run after run).
type group uint64

const invShift = 51

func groupOf(window int, mu, inv float64) group {
	return group(uint64(window)<<32 | (math.Float64bits(mu)>>binShift)<<16 | math.Float64bits(inv)>>invShift)
}

func (g group) window() int { return int(g >> 32) }

func (g group) upper() (mu, inv float64) {
	mu = math.Float64frombits(uint64(g>>16&0xffff)<<binShift | (1<<binShift - 1))
	inv = math.Float64frombits(uint64(g&0xffff)<<invShift | (1<<invShift - 1))
	return mu, inv
}

// maxCurves bounds the Detector's cache of onset curves.
const maxCurves = 1 << 20

// curves returns the false-onset curves of groups, from the cache or computed (and cached).
func (d *Detector) curves(gs []group, hours func(group) float64, o *onsets) [][]binDelta {
	out := make([][]binDelta, len(gs))
	var missing []int
	d.curveMu.RLock()
	for i, g := range gs {
		c, ok := d.curveCache[g]
		if ok {
			out[i] = c
		} else {
			missing = append(missing, i)
		}
	}
	d.curveMu.RUnlock()
	for _, i := range missing {
		mu, inv := gs[i].upper()
		out[i] = append([]binDelta(nil), o.curve(mu, inv, hours(gs[i]), d.cfg.MinCount)...)
	}
	if len(missing) > 0 {
		d.curveMu.Lock()
		if len(d.curveCache)+len(missing) > maxCurves {
			d.curveCache = map[group][]binDelta{}
		}
		for _, i := range missing {
			d.curveCache[gs[i]] = out[i]
		}
		d.curveMu.Unlock()
	}
	return out
}

// test runs every (zone × window × category) test: it computes each test's p-value and the
// family's probability of a false onset as a function of the threshold, finds the threshold
// that spends Alpha, and keeps the tests beyond it.
func (r *run) test() Result {
	nc, K := len(r.cats), len(r.windows)
	zones := r.zones()
	if r.wts != nil {
		r.prepareLags(zones)
	}
	alpha := r.cfg.AlphaFor(len(r.areas))
	workers := runtime.GOMAXPROCS(0)
	cands := make([][]candidate, workers)
	groups := make([]map[group]float64, workers)
	chunk := (len(zones) + workers - 1) / workers
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		groups[w] = map[group]float64{}
		lo, hi := w*chunk, min(len(zones), (w+1)*chunk)
		wg.Add(1)
		go func(w, lo, hi int) {
			defer wg.Done()
			gs := groups[w]
			for zi := lo; zi < hi; zi++ {
				z := zones[zi]
				for c := 0; c < nc; c++ {
					for k := 0; k < K; k++ {
						obs, mu, v := 0.0, 0.0, 0.0
						for i, a := range z.areas {
							g := a*nc + c
							var o, m float64
							if z.lags == nil || z.lags[i] == 0 {
								o, m = r.obs[g*K+k], r.mu[g*(K+1)+k]
							} else {
								o, m = r.lagged(g, c, z.lags[i], k)
							}
							obs += o
							mu += m
							v += m * m / r.shape[g]
						}
						if mu <= 0 {
							continue
						}
						inv := r.disp[c] + v/(mu*mu)
						if int(obs) >= r.cfg.MinCount {
							if p := (dist{mu, inv}).tail(int(obs)); p < thresholdMax {
								cands[w] = append(cands[w], candidate{zi, c, k, obs, mu, p})
							}
						}
						gs[groupOf(k, mu, inv)]++
					}
				}
			}
		}(w, lo, hi)
	}
	wg.Wait()
	all := groups[0]
	for w := 1; w < workers; w++ {
		for g, n := range groups[w] {
			all[g] += n
		}
	}
	list := make([]group, 0, len(all))
	for g := range all {
		list = append(list, g)
	}
	// the family's false-onset probability by threshold bin
	nBins := binOf(thresholdMax) + 1
	hists := make([][]float64, workers)
	chunk = (len(list) + workers - 1) / workers
	for w := 0; w < workers; w++ {
		hists[w] = make([]float64, nBins)
		lo, hi := min(len(list), w*chunk), min(len(list), (w+1)*chunk)
		wg.Add(1)
		go func(w, lo, hi int) {
			defer wg.Done()
			var o onsets
			h := hists[w]
			gs := list[lo:hi]
			for i, curve := range r.d.curves(gs, func(g group) float64 { return float64(r.windows[g.window()]) }, &o) {
				n := all[gs[i]]
				for _, c := range curve {
					h[c.bin] += n * c.delta
				}
			}
		}(w, lo, hi)
	}
	wg.Wait()
	hist := hists[0]
	for w := 1; w < workers; w++ {
		for i, x := range hists[w] {
			hist[i] += x
		}
	}
	// largest threshold whose family onset probability stays within alpha
	cum, best := 0.0, -1
	for b, x := range hist {
		cum += x
		if cum > alpha {
			break
		}
		best = b
	}
	threshold := math.Min(binEdge(best+1), thresholdMax)

	var sigs []Signal
	for _, cs := range cands {
		for _, cd := range cs {
			if cd.p >= threshold {
				continue
			}
			z := zones[cd.zone]
			areas := make([]string, len(z.areas))
			for i, a := range z.areas {
				areas[i] = r.areas[a]
			}
			back := r.windows[cd.window]
			var lags []time.Duration
			var counts, means []float64
			if z.lags != nil {
				lags = make([]time.Duration, len(z.lags))
				counts, means = make([]float64, len(z.lags)), make([]float64, len(z.lags))
				for i, l := range z.lags {
					lags[i] = time.Duration(l) * time.Hour
					back = max(back, l+r.windows[cd.window])
					g := z.areas[i]*nc + cd.cat
					if l == 0 {
						counts[i], means[i] = r.obs[g*K+cd.window], r.mu[g*(K+1)+cd.window]
					} else {
						counts[i], means[i] = r.lagged(g, cd.cat, l, cd.window)
					}
				}
			}
			sigs = append(sigs, Signal{
				Areas: areas, Category: r.cats[cd.cat], WindowStart: timeOf(r.nowH - int64(back)), WindowEnd: r.now,
				Observed: cd.obs, Expected: cd.mu, Statistic: llr(cd.obs, cd.mu),
				PValue: cd.p, Threshold: threshold, Score: math.Log10(threshold / math.Max(cd.p, 1e-300)), Lags: lags, Counts: counts, Means: means,
			})
		}
	}
	tests := len(zones) * nc * K
	merged := mergeSignals(sigs) // sorts sigs, strongest first
	return Result{
		Signals: merged, All: sigs, Areas: len(r.areas), Tests: tests, Alpha: alpha, Threshold: threshold,
		DesignedRate: alpha * 168 * 1000 / float64(len(r.areas)),
	}
}

// onsets holds the buffers of the false-onset computation.
type onsets struct {
	x, a, b, tailX, tailB, onset []float64
	out                          []binDelta
}

// binDelta is a part of a false-onset curve: the probability added at a threshold bin.
type binDelta struct {
	bin   int32
	delta float64
}

// add adds the curve of one test, n times, to hist (see curve).
func (o *onsets) add(hist []float64, n, mu, inv, hours float64, minCount int) {
	for _, c := range o.curve(mu, inv, hours, minCount) {
		hist[c.bin] += n * c.delta
	}
}

// curve returns the false-onset probability of one test as a function of the threshold: the
// probability that one more hour of data takes the window's count from below the critical
// value k(t) to k(t) or more, where k(t) is the least count ≥ minCount whose p-value is below
// t. Arrivals are taken at the window's average hourly rate mu/hours, so the threshold does
// not loosen at night, when the last hour's expectation is small. The probability is
// Σ_{j≥1} P(B ≥ j) P(A = k−j), A the count of the rest of the window and B that of the new
// hour; bin(P(X ≥ k)) receives onset(k) − onset(k+1), so that the sum of the bins up to t's
// bin is the test's onset probability at t. The result is valid until the next call.
func (o *onsets) curve(mu, inv, hours float64, minCount int) []binDelta {
	o.out = o.out[:0]
	x := dist{mu, inv}
	o.x = x.pmfs(o.x, minCount)
	kEnd := len(o.x) - 1
	o.tailX = grow(o.tailX, kEnd+2)
	o.tailX[kEnd+1] = 0
	for i := kEnd; i >= 0; i-- {
		o.tailX[i] = o.tailX[i+1] + o.x[i]
	}
	kLo := minCount
	for kLo <= kEnd && o.tailX[kLo] > thresholdMax {
		kLo++
	}
	if kLo > kEnd {
		return o.out
	}
	kHi := kLo
	for kHi < kEnd && o.tailX[kHi] > thresholdMin {
		kHi++
	}
	muB := mu / hours
	o.a = dist{mu - muB, inv}.pmfs(o.a, kHi+1)
	o.b = dist{muB, inv}.pmfs(o.b, 1)
	o.tailB = grow(o.tailB, len(o.b)+1)
	o.tailB[len(o.b)] = 0
	for j := len(o.b) - 1; j >= 0; j-- {
		o.tailB[j] = o.tailB[j+1] + o.b[j]
	}
	o.onset = grow(o.onset, kHi+2)
	for k := kLo; k <= kHi+1; k++ {
		s := 0.0
		for j := 1; j <= k && j < len(o.b); j++ {
			s += o.tailB[j] * o.a[k-j]
		}
		o.onset[k] = s
	}
	nBins := binOf(thresholdMax) + 1
	for k := kLo; k <= kHi; k++ {
		if delta := o.onset[k] - o.onset[k+1]; delta > 0 {
			o.out = append(o.out, binDelta{int32(min(binOf(o.tailX[k]), nBins-1)), delta})
		}
	}
	return o.out
}

// The threshold search bins probabilities by the top 16 bits of their float64 encoding
// (sign, exponent and four bits of mantissa): 16 bins an octave, monotone and exact.
const binShift = 48

var binBase = int(math.Float64bits(thresholdMin) >> binShift)

// binOf returns the bin of a probability; probabilities below thresholdMin fall in bin 0.
func binOf(p float64) int {
	return max(0, int(math.Float64bits(p)>>binShift)-binBase)
}

// binEdge returns the smallest probability of bin b.
func binEdge(b int) float64 {
	return math.Float64frombits(uint64(b+binBase) << binShift)
}

func grow(b []float64, n int) []float64 {
	if cap(b) < n {
		return make([]float64, n)
	}
	return b[:n]
}

// mergeSignals keeps, among signals of one category that share an area, the strongest:
// smallest p-value, then the fewest areas, then the shortest window.
func mergeSignals(sigs []Signal) []Signal {
	sort.SliceStable(sigs, func(i, j int) bool {
		a, b := &sigs[i], &sigs[j]
		if a.PValue != b.PValue {
			return a.PValue < b.PValue
		}
		if len(a.Areas) != len(b.Areas) {
			return len(a.Areas) < len(b.Areas)
		}
		if !a.WindowStart.Equal(b.WindowStart) {
			return a.WindowStart.After(b.WindowStart)
		}
		if a.Category != b.Category {
			return a.Category < b.Category
		}
		return a.Areas[0] < b.Areas[0]
	})
	var out []Signal
	taken := map[string]map[string]bool{} // category → areas covered
	for _, s := range sigs {
		cov := taken[s.Category]
		if cov == nil {
			cov = map[string]bool{}
			taken[s.Category] = cov
		}
		overlap := false
		for _, a := range s.Areas {
			if cov[a] {
				overlap = true
				break
			}
		}
		if overlap {
			continue
		}
		for _, a := range s.Areas {
			cov[a] = true
		}
		out = append(out, s)
	}
	return out
}
