package simulate

import (
	"math"
	"math/rand/v2"
	"sort"
)

// Stream constants keep the independent random streams apart: the background volume does not
// change when the number of injected events changes, and so on.
const (
	streamVolume  = 0x9e3779b97f4a7c15
	streamContent = 0xbf58476d1ce4e5b9
	streamInject  = 0x94d049bb133111eb
	// streamWater plans the watershed incidents on a stream of their own, so that changing
	// them leaves every other injected event where it was.
	streamWater = 0xd6e8feb86659fd93
	streamPool  = 0x2545f4914f6cdd1d
)

func newRand(seed int64, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed), stream))
}

// hash64 is FNV-1a over s, for seeding per-object streams and for stable jitter.
func hash64(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// poisson draws a Poisson variate: exact (Knuth) for small means, a rounded normal otherwise.
func poisson(r *rand.Rand, mean float64) int {
	if mean <= 0 {
		return 0
	}
	if mean < 30 {
		l := math.Exp(-mean)
		k, p := 0, 1.0
		for {
			p *= r.Float64()
			if p <= l {
				return k
			}
			k++
		}
	}
	n := math.Round(mean + math.Sqrt(mean)*r.NormFloat64())
	if n < 0 {
		return 0
	}
	return int(n)
}

// cumulative is a table for drawing an index with probability proportional to its weight.
type cumulative []float64

func newCumulative(weights []float64) cumulative {
	c := make(cumulative, len(weights))
	sum := 0.0
	for i, w := range weights {
		sum += w
		c[i] = sum
	}
	return c
}

func (c cumulative) total() float64 {
	if len(c) == 0 {
		return 0
	}
	return c[len(c)-1]
}

func (c cumulative) draw(r *rand.Rand) int {
	x := r.Float64() * c.total()
	i := sort.SearchFloat64s(c, x)
	if i >= len(c) {
		i = len(c) - 1
	}
	// skip zero-weight entries that share the bound
	for i < len(c)-1 && c[i] <= x {
		i++
	}
	return i
}

// alias is Vose's alias table: O(1) draws from a fixed discrete distribution.
type alias struct {
	prob  []float64
	alias []int
}

func newAlias(weights []float64) alias {
	n := len(weights)
	a := alias{prob: make([]float64, n), alias: make([]int, n)}
	if n == 0 {
		return a
	}
	sum := 0.0
	for _, w := range weights {
		sum += w
	}
	scaled := make([]float64, n)
	var small, large []int
	for i, w := range weights {
		scaled[i] = w * float64(n) / sum
		if scaled[i] < 1 {
			small = append(small, i)
		} else {
			large = append(large, i)
		}
	}
	for len(small) > 0 && len(large) > 0 {
		s, l := small[len(small)-1], large[len(large)-1]
		small = small[:len(small)-1]
		a.prob[s], a.alias[s] = scaled[s], l
		scaled[l] = scaled[l] + scaled[s] - 1
		if scaled[l] < 1 {
			large = large[:len(large)-1]
			small = append(small, l)
		}
	}
	for _, i := range large {
		a.prob[i], a.alias[i] = 1, i
	}
	for _, i := range small {
		a.prob[i], a.alias[i] = 1, i
	}
	return a
}

func (a alias) draw(r *rand.Rand) int {
	i := r.IntN(len(a.prob))
	if r.Float64() < a.prob[i] {
		return i
	}
	return a.alias[i]
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func chance(r *rand.Rand, p float64) bool { return r.Float64() < p }

// between draws uniformly from [lo, hi].
func between(r *rand.Rand, lo, hi int) int {
	if hi <= lo {
		return lo
	}
	return lo + r.IntN(hi-lo+1)
}

func uniform(r *rand.Rand, lo, hi float64) float64 { return lo + (hi-lo)*r.Float64() }
