package workboard

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// pacer decides when each request of a Client may go. It owns, for every request alike: a
// bound on the requests in flight, a client-side rate limit (golang.org/x/time/rate) that
// adapts to 429 answers (adaptive), a pause of every request for a 429's Retry-After, and the
// backoff between the attempts of one request.
type pacer struct {
	cfg   config // the client's: concurrency, rate, backoff, clock, logger
	slots chan struct{}
	lim   *rate.Limiter

	mu         sync.Mutex // guards ad, the limiter's settings and pauseUntil
	ad         *adaptive
	pauseUntil time.Time // no request goes before this instant (a 429's Retry-After)
}

func newPacer(cfg config) *pacer {
	limit := rate.Inf
	if cfg.rate > 0 {
		limit = rate.Limit(cfg.rate)
	}
	ad := newAdaptive(limit, cfg.concurrency)
	return &pacer{cfg: cfg, slots: make(chan struct{}, cfg.concurrency), lim: rate.NewLimiter(limit, ad.burst()), ad: ad}
}

// wait blocks until a request may go: a pause in force has ended, the rate limit lets it
// through and a slot is free. It returns the slot's release, and how long the request was
// held back by the pause and the rate limit (not the wait for a slot: with more work queued
// than slots, that wait is normal).
func (p *pacer) wait(ctx context.Context) (release func(), throttled time.Duration, err error) {
	t0 := time.Now()
	if err := p.waitPause(ctx); err != nil {
		return nil, 0, err
	}
	if err := p.lim.Wait(ctx); err != nil {
		if ctx.Err() != nil {
			return nil, 0, ctx.Err()
		}
		return nil, 0, context.DeadlineExceeded // the wait would pass the deadline
	}
	throttled = time.Since(t0)
	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, 0, ctx.Err()
	}
	// a 429 may have paused every request while this one waited for its slot
	t1 := time.Now()
	if err := p.waitPause(ctx); err != nil {
		<-p.slots
		return nil, 0, err
	}
	return func() { <-p.slots }, throttled + time.Since(t1), nil
}

// waitPause sleeps until a pause in force has ended (or ctx is done).
func (p *pacer) waitPause(ctx context.Context) error {
	for {
		p.mu.Lock()
		d := p.pauseUntil.Sub(p.cfg.now())
		p.mu.Unlock()
		if d <= 0 {
			return nil
		}
		if err := sleep(ctx, d); err != nil {
			return err
		}
	}
}

// pause holds every request back for d, extending a pause in force but never shortening it.
func (p *pacer) pause(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if until := p.cfg.now().Add(d); until.After(p.pauseUntil) {
		p.pauseUntil = until
	}
}

// success records an answer that was not a 429; it may raise a reduced rate.
func (p *pacer) success() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if lim, raised := p.ad.onOK(p.cfg.now()); raised {
		p.lim.SetLimit(lim)
		p.lim.SetBurst(p.ad.burst())
	}
}

// retryWait records a failed attempt of cause ("429", "5xx", …) and returns how long to wait
// before the next one: the server's Retry-After when it sent one (capped), else exponential
// backoff with full jitter. A 429 may cut the rate, and its Retry-After pauses every request.
func (p *pacer) retryWait(cause string, attempt int, retryAfter time.Duration) time.Duration {
	if cause == "429" {
		p.cut()
	}
	if retryAfter <= 0 {
		return p.backoff(attempt)
	}
	wait := min(retryAfter, p.cfg.maxRetryAfter)
	if cause == "429" {
		p.pause(wait)
	}
	return wait
}

func (p *pacer) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if lim, cut := p.ad.on429(p.cfg.now()); cut {
		p.lim.SetLimit(lim)
		p.lim.SetBurst(p.ad.burst())
		p.cfg.logger.LogAttrs(context.Background(), slog.LevelDebug, "workboard rate cut after 429", slog.Float64("rate", float64(lim)))
	}
}

// backoff is uniform in [0, min(maxBackoff, minBackoff·2^(attempt-1))].
func (p *pacer) backoff(attempt int) time.Duration {
	d := p.cfg.minBackoff
	for i := 1; i < attempt && d < p.cfg.maxBackoff; i++ {
		d *= 2
	}
	d = min(d, p.cfg.maxBackoff)
	return time.Duration(rand.Int64N(int64(d) + 1))
}

// rate returns the current request rate (requests per second; +Inf when unlimited).
func (p *pacer) rate() float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return float64(p.ad.cur)
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// The rate's adaptation to HTTP 429 (adaptive).
const (
	adaptCutShare     = 0.9              // a cut goes to this share of the last second's successes
	adaptFloor        = rate.Limit(0.5)  // the lowest rate a cut reaches (requests per second)
	adaptQuiet        = 5 * time.Second  // no raise sooner than this after a cut or a raise
	adaptRaise        = 1.1              // the factor of one raise
	adaptCutEvery     = time.Second      // 429s this soon after a cut answer requests already in flight
	adaptCeilingShare = 0.95             // raises stop at this share of the ceiling …
	adaptCeilingTTL   = 60 * time.Second // … until this long after the last cut (the limit may be lifted)
	okSlot            = 100 * time.Millisecond
	okSlots           = 10 // successes are counted in okSlots buckets of okSlot: one second
)

// adaptive is the rate's adaptation, a pure state machine over the times it is given (the
// pacer passes its clock's reading and applies the result to its limiter):
//
//   - on429: at most once per adaptCutEvery, the rate drops to adaptCutShare of the successes
//     counted in the last second (none counted: half the current rate), by at most half of an
//     already reduced rate and at least 10 %, never below adaptFloor (or the configured rate
//     when that is lower). The successes of that second are the ceiling: what the server
//     accepted when it said "too many". A reduced rate has burst 1, so it is not exceeded
//     right after a pause.
//   - onOK: counts the success; a reduced rate rises by adaptRaise once adaptQuiet has passed
//     since the last cut and raise, up to the configured rate (where the burst returns to the
//     concurrency), but not above adaptCeilingShare of the ceiling within adaptCeilingTTL of
//     the last cut, so recovery does not probe the same limit again and again.
type adaptive struct {
	base rate.Limit // configured rate (rate.Inf: none)
	cur  rate.Limit
	conc int // concurrency: the starting point when the configured rate is unlimited

	lastCut, lastRaise time.Time
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
	a.cur = next
	return next, true
}

// on429 records a 429 at now. It returns the new rate and true when the rate was cut.
func (a *adaptive) on429(now time.Time) (rate.Limit, bool) {
	if !a.lastCut.IsZero() && now.Sub(a.lastCut) < adaptCutEvery {
		return a.cur, false
	}
	a.lastCut = now
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
