package extract

import (
	"time"

	"golang.org/x/time/rate"
)

// Named constants of the pacer's rate adaptation on HTTP 429.
const (
	// adaptCutShare is the share of the last second's successes the rate is cut to on a 429:
	// what the server demonstrably accepted, minus a margin.
	adaptCutShare = 0.9
	// adaptFloor is the lowest rate a cut can reach (requests per second).
	adaptFloor = rate.Limit(0.5)
	// adaptQuiet is how long the rate stays put after a cut or a raise before the next raise.
	adaptQuiet = 5 * time.Second
	// adaptRaise is the factor of one raise.
	adaptRaise = 1.1
	// adaptCutEvery: 429s within this time after a cut answer requests that were already in
	// flight and count once.
	adaptCutEvery = time.Second
	// adaptCeilingShare: raises stop at this share of the ceiling, the successes counted in
	// the second before the last cut (what the server accepted when it said "too many"), so
	// recovery does not probe the same limit again and again.
	adaptCeilingShare = 0.95
	// adaptCeilingTTL: after this long without a 429 the ceiling is forgotten and raises
	// continue up to the configured rate (the server's limit may have been lifted).
	adaptCeilingTTL = 60 * time.Second
	// okSlot and okSlots: successes are counted in okSlots buckets of okSlot each (one second).
	okSlot  = 100 * time.Millisecond
	okSlots = 10
)

// adaptive is the pacer's rate adaptation, a pure state machine over the times it is given
// (the Client passes the clock's reading and applies the result to its rate.Limiter):
//
//   - on429: at most once per adaptCutEvery, the rate drops to adaptCutShare of the successes
//     counted in the last second (when none were counted: half the current rate), never by
//     more than half of an already reduced rate, always by at least 10 %, never below
//     adaptFloor (or the configured rate when that is lower). After a cut the limiter's burst
//     is 1, so the reduced rate is not exceeded right after a pause.
//   - onOK: counts the success; when the rate is reduced and adaptQuiet has passed since the
//     last cut and the last raise, it rises by adaptRaise, up to the configured rate (where
//     the burst returns to the concurrency), but not above adaptCeilingShare of the ceiling
//     (the successes of the second before the last cut) until adaptCeilingTTL has passed
//     since the last cut.
//
// It is not safe for concurrent use; the Client guards it with a mutex.
type adaptive struct {
	base rate.Limit // configured rate (rate.Inf: none)
	cur  rate.Limit
	conc int // concurrency: the starting point when the configured rate is unlimited

	lastCut, lastRaise time.Time
	cuts, raises       int
	ceiling            rate.Limit // successes in the second before the last cut (0: unknown)

	okCount [okSlots]int
	okSlot  [okSlots]int64 // slot number (time / okSlot) each bucket counts
}

func newAdaptive(base rate.Limit, conc int) *adaptive {
	return &adaptive{base: base, cur: base, conc: max(1, conc)}
}

// reduced reports whether the rate is below the configured one.
func (a *adaptive) reduced() bool { return a.cur != a.base }

// burst is the limiter burst that goes with the current rate.
func (a *adaptive) burst() int {
	if a.reduced() {
		return 1
	}
	return a.conc
}

// okLastSecond returns the successes counted in the second before now.
func (a *adaptive) okLastSecond(now time.Time) int {
	s := now.UnixNano() / int64(okSlot)
	n := 0
	for i := range a.okSlot {
		if a.okSlot[i] > s-okSlots && a.okSlot[i] <= s {
			n += a.okCount[i]
		}
	}
	return n
}

// onOK records a success at now. It returns the new rate and true when the rate was raised.
func (a *adaptive) onOK(now time.Time) (rate.Limit, bool) {
	s := now.UnixNano() / int64(okSlot)
	i := int(s % okSlots)
	if a.okSlot[i] != s {
		a.okSlot[i], a.okCount[i] = s, 0
	}
	a.okCount[i]++
	if !a.reduced() || now.Sub(a.lastCut) < adaptQuiet || now.Sub(a.lastRaise) < adaptQuiet {
		return a.cur, false
	}
	next := a.cur * adaptRaise
	switch {
	case a.base != rate.Inf && next >= a.base:
		next = a.base
	case a.base == rate.Inf && next > 1000:
		next = rate.Inf
	}
	if a.ceiling > 0 && now.Sub(a.lastCut) < adaptCeilingTTL {
		next = min(next, adaptCeilingShare*a.ceiling)
		if next <= a.cur {
			return a.cur, false // at the ceiling: stay until it is forgotten
		}
	}
	a.lastRaise = now
	a.raises++
	a.cur = next
	return next, true
}

// on429 records a 429 at now. It returns the new rate and true when the rate was cut.
func (a *adaptive) on429(now time.Time) (rate.Limit, bool) {
	if !a.lastCut.IsZero() && now.Sub(a.lastCut) < adaptCutEvery {
		return a.cur, false
	}
	a.lastCut = now
	a.cuts++
	cur := a.cur
	var next rate.Limit
	if ok := a.okLastSecond(now); ok > 0 {
		a.ceiling = rate.Limit(ok)
		next = rate.Limit(adaptCutShare * float64(ok))
		if a.reduced() {
			// already cut: the last second may have been paused, so halve at most
			next = max(next, cur/2)
		}
		if cur != rate.Inf {
			next = min(next, cur*adaptCutShare)
		}
	} else {
		if cur == rate.Inf {
			cur = rate.Limit(4 * float64(a.conc))
		}
		next = cur / 2
	}
	floor := adaptFloor
	if a.base < floor {
		floor = a.base
	}
	a.cur = max(next, floor)
	return a.cur, true
}
