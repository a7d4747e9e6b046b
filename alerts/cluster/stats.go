package cluster

import (
	"math"
)

// dist is the predictive distribution of a count: negative binomial with mean mu and
// overdispersion inv = 1/size (variance mu + inv·mu²), Poisson when inv is 0.
type dist struct {
	mu, inv float64
}

// poissonInv is the overdispersion below which the negative binomial is computed as a Poisson.
const poissonInv = 1e-7

// negligible is the smallest probability the tail sums keep track of.
const negligible = 1e-18

// pmf0 returns P(X = 0).
func (d dist) pmf0() float64 {
	if d.mu <= 0 {
		return 1
	}
	if d.inv < poissonInv {
		return math.Exp(-d.mu)
	}
	r := 1 / d.inv
	return math.Exp(-r * math.Log1p(d.mu/r))
}

// ratio returns P(X = k+1) / P(X = k).
func (d dist) ratio(k int) float64 {
	if d.inv < poissonInv {
		return d.mu / float64(k+1)
	}
	r := 1 / d.inv
	return (float64(k) + r) / float64(k+1) * d.mu / (r + d.mu)
}

// logPMF returns log P(X = k).
func (d dist) logPMF(k int) float64 {
	if d.mu <= 0 {
		if k == 0 {
			return 0
		}
		return math.Inf(-1)
	}
	kf := float64(k)
	lk, _ := math.Lgamma(kf + 1)
	if d.inv < poissonInv {
		return kf*math.Log(d.mu) - d.mu - lk
	}
	r := 1 / d.inv
	a, _ := math.Lgamma(kf + r)
	b, _ := math.Lgamma(r)
	return a - b - lk - r*math.Log1p(d.mu/r) + kf*math.Log(d.mu/(r+d.mu))
}

// tail returns P(X ≥ x), summing the side of the distribution that avoids cancellation.
func (d dist) tail(x int) float64 {
	if x <= 0 {
		return 1
	}
	if d.mu <= 0 {
		return 0
	}
	if float64(x) > d.mu {
		// upper tail: sum from x upward
		term := math.Exp(d.logPMF(x))
		sum := term
		for k := x; k < x+100000; k++ {
			term *= d.ratio(k)
			sum += term
			if term <= sum*1e-17 {
				break
			}
		}
		return math.Min(sum, 1)
	}
	// lower tail: sum from x-1 downward
	term := math.Exp(d.logPMF(x - 1))
	sum := term
	for k := x - 1; k > 0; k-- {
		term /= d.ratio(k - 1)
		sum += term
		if term <= sum*1e-17 {
			break
		}
	}
	return math.Max(0, 1-sum)
}

// pmfs fills p[0..] with P(X = k) from k = 0 until k ≥ min, k > mu and the terms are below
// negligible, and returns the slice (reusing buf). It suits means up to a few hundred.
func (d dist) pmfs(buf []float64, min int) []float64 {
	p := buf[:0]
	if d.mu > 600 { // exp(-mu) underflows: evaluate each term from the log-density
		for k := 0; ; k++ {
			term := math.Exp(d.logPMF(k))
			p = append(p, term)
			if k >= min && float64(k) > d.mu && term < negligible {
				return p
			}
		}
	}
	term := d.pmf0()
	for k := 0; ; k++ {
		p = append(p, term)
		if k >= min && float64(k) > d.mu && term < negligible {
			return p
		}
		term *= d.ratio(k)
		if k > 100000 {
			return p
		}
	}
}

// quantile999 returns the smallest c ≥ 1 with P(X > c) < 1e-3 for a Poisson mean mu: the cap
// of one day's count when the history is made robust to past clusters.
func quantile999(mu float64) float64 {
	if mu > 50 {
		return math.Ceil(mu + 3.1*math.Sqrt(mu) + 1)
	}
	// q999Breaks[c] is the mean at which the quantile passes from c to c+1; most means are
	// small, so the search starts at the bottom
	c := 1
	for c < len(q999Breaks)-1 && mu > q999Breaks[c] {
		c++
	}
	return float64(c)
}

// q999Breaks[c] (c ≥ 1) is the Poisson mean above which P(X > c) reaches 1e-3. Computed once.
var q999Breaks = func() []float64 {
	out := []float64{0}
	exceeds := func(mu float64, c int) bool { // P(X > c) ≥ 1e-3
		term := math.Exp(-mu)
		cdf := term
		for k := 1; k <= c; k++ {
			term *= mu / float64(k)
			cdf += term
		}
		return 1-cdf >= 1e-3
	}
	for c := 1; c <= 80; c++ {
		lo, hi := 0.0, 60.0
		for i := 0; i < 60; i++ {
			m := (lo + hi) / 2
			if exceeds(m, c) {
				hi = m
			} else {
				lo = m
			}
		}
		out = append(out, hi)
	}
	return out
}()

// llr is the Poisson log-likelihood ratio of observing x against mean mu (0 when x ≤ mu): the
// statistic of Kulldorff's scan, kept as evidence.
func llr(x, mu float64) float64 {
	if x <= mu || mu <= 0 {
		return 0
	}
	return x*math.Log(x/mu) - (x - mu)
}
