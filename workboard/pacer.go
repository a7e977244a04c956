package workboard

import (
	"context"
	"log/slog"
	"math"
	"math/rand/v2"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// pacer decides when each request of a Client may go. It owns, for every request alike: a
// bound on the requests in flight, a client-side rate limit (golang.org/x/time/rate) that
// adapts to 429 answers (adaptive, below), a pause of every request for the Retry-After of a
// 429 or 503, and the backoff between the attempts of one request.
//
// Its contract: it never sends faster than the configured rate (with a burst of the
// concurrency), nor faster than the adapted rate (burst 1); every Retry-After is honoured by
// every request; a success ends the backoffs that sleep, unless they follow a 429 the rate
// may have caused (the verdict is not quota); a rate change is reported to the observer
// (WithRateObserver) and counted in Stats.
type pacer struct {
	cfg   config // the client's: concurrency, rate, backoff, clock, logger, observer
	slots chan struct{}
	lim   *rate.Limiter

	mu         sync.Mutex // guards ad, the limiter's settings, pauseUntil, wake and the counts
	ad         *adaptive
	pauseUntil time.Time     // no request goes before this instant (a Retry-After)
	wake       chan struct{} // closed by a success while backoffs sleep (see sleepRetry) …
	sleepers   int           // … how many do
	cuts       int64         // rate changes down …
	raises     int64         // … and up (restores included)
}

func newPacer(cfg config) *pacer {
	limit := rate.Inf
	if cfg.rate > 0 {
		limit = rate.Limit(cfg.rate)
	}
	ad := newAdaptive(limit, cfg.concurrency)
	return &pacer{cfg: cfg, slots: make(chan struct{}, cfg.concurrency), lim: rate.NewLimiter(limit, ad.burst()), ad: ad,
		wake: make(chan struct{})}
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
	// a Retry-After may have paused every request while this one waited for its slot
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

// success records an answer that was not a 429; it may raise a reduced rate, and it ends the
// backoffs that sleep (the server answers again).
func (p *pacer) success() {
	p.mu.Lock()
	if p.sleepers > 0 {
		close(p.wake)
		p.wake = make(chan struct{})
	}
	p.mu.Unlock()
	p.adapt((*adaptive).onOK)
}

// retryWait records a failed attempt of cause ("429", "5xx", …) and returns how long to wait
// before the next one: the server's Retry-After when it sent one (capped), else exponential
// backoff with full jitter. A 429 may cut the rate; a Retry-After (of a 429 or a 503) pauses
// every request. wakeable reports whether a success of another request may end the wait (see
// sleepRetry): a backoff after anything but a 429 the rate may have caused.
func (p *pacer) retryWait(cause string, attempt int, retryAfter time.Duration) (wait time.Duration, wakeable bool) {
	if cause == "429" {
		p.adapt((*adaptive).on429)
	}
	if retryAfter <= 0 {
		p.mu.Lock()
		quota := p.ad.verdict == quota
		p.mu.Unlock()
		return p.backoff(attempt), cause != "429" || quota
	}
	wait = min(retryAfter, p.cfg.maxRetryAfter)
	p.pause(wait)
	return wait, false
}

// sleepRetry sleeps wait before a retry, or less when wakeable and another request succeeds
// meanwhile: after an outage, the first answer ends every backoff, and the requests go again
// at the rate rather than each at the end of its own backoff. It returns the time slept.
func (p *pacer) sleepRetry(ctx context.Context, wait time.Duration, wakeable bool) (time.Duration, error) {
	if !wakeable {
		return wait, sleep(ctx, wait)
	}
	p.mu.Lock()
	woken := p.wake
	p.sleepers++
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		p.sleepers--
		p.mu.Unlock()
	}()
	start := time.Now()
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return time.Since(start), ctx.Err()
	case <-t.C:
	case <-woken:
	}
	return time.Since(start), nil
}

// adapt feeds one answer to the adaptation and applies a change of rate to the limiter,
// then reports it (outside the lock).
func (p *pacer) adapt(event func(*adaptive, time.Time) (rate.Limit, string)) {
	p.mu.Lock()
	now, from := p.cfg.now(), p.ad.cur
	to, reason := event(p.ad, now)
	if reason != "" {
		p.lim.SetLimitAt(now, to)
		p.lim.SetBurstAt(now, p.ad.burst())
		if to < from {
			p.cuts++
		} else {
			p.raises++
		}
	}
	p.mu.Unlock()
	if reason == "" {
		return
	}
	ch := RateChange{At: now, From: perSecond(from), To: perSecond(to), Reason: reason}
	p.cfg.logger.LogAttrs(context.Background(), slog.LevelDebug, "workboard rate changed", RateAttr("from", ch.From),
		RateAttr("to", ch.To), slog.String("reason", reason))
	if p.cfg.observe != nil {
		p.cfg.observe(ch)
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
	return perSecond(p.ad.cur)
}

// perSecond is a limiter's rate in requests per second, +Inf for rate.Inf.
func perSecond(l rate.Limit) float64 {
	if l == rate.Inf {
		return math.Inf(1)
	}
	return float64(l)
}

// RateAttr is a request rate as a log attribute: a number of requests per second, or
// "unlimited" for +Inf (which JSON cannot hold).
func RateAttr(key string, perSecond float64) slog.Attr {
	if math.IsInf(perSecond, 1) {
		return slog.String(key, "unlimited")
	}
	return slog.Float64(key, math.Round(perSecond*100)/100)
}

// changes returns the rate changes so far, down and up.
func (p *pacer) changes() (cuts, raises int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cuts, p.raises
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

// RateChange is one change of a Client's request rate (WithRateObserver).
type RateChange struct {
	At       time.Time
	From, To float64 // requests per second; +Inf: unlimited
	// Reason is "cut" (after a 429), "raise" (after a quiet spell) or "restore" (the 429s did
	// not follow the rate: back to the rate before the cut).
	Reason string
}

// The rate's adaptation to HTTP 429 (adaptive).
const (
	adaptCutShare     = 0.9              // a cut goes to this share of the last second's successes
	adaptFloor        = rate.Limit(0.5)  // the lowest rate a cut reaches (requests per second)
	adaptCutEvery     = time.Second      // 429s this soon after a cut answer requests already in flight
	adaptTrialTime    = 3 * time.Second  // a trial that finds a limit lasts at least this long after its cut …
	adaptTrialAnswers = 16               // … and this many answers (after adaptCutEvery) …
	adaptTrialProof   = 3.0              // … and until the share before would have drawn this many 429s …
	adaptTrialMax     = time.Minute      // … or this long
	adaptLimitedTTL   = time.Minute      // a limited verdict holds this long after its last cut
	adaptQuotaTTL     = 5 * time.Minute  // a quota verdict holds this long
	adaptQuiet        = 2 * time.Second  // no raise sooner than this after a cut or a raise
	adaptRaise        = 1.25             // the factor of one raise
	adaptCeilingShare = 0.97             // raises stop at this share of the ceiling …
	adaptCeilingTTL   = 20 * time.Second // … until this long after the last cut (the limit may be lifted)
	okSlot            = 100 * time.Millisecond
	okSlots           = 10 // successes are counted in okSlots buckets of okSlot: one second
	recentAnswers     = 32 // the 429 share before a trial is measured over this many answers
)

// verdict is what the adaptation has learnt about the 429s it sees.
type verdict int

const (
	unsure  verdict = iota // nothing yet: the next 429 starts a trial
	limited                // the 429s followed the rate (a server limit): each one cuts
	quota                  // the 429s did not follow the rate (a quota shared with others): none cuts
)

// adaptive is the rate's adaptation, a pure state machine over the times it is given (the
// pacer passes its clock's reading and applies the result to its limiter). It tells "too
// fast" from "not my fault" by experiment, and holds what it learnt as a verdict:
//
//   - unsure (the start): a 429 starts a trial. It cuts the rate (see cut), to at most half,
//     and watches the answers (those within adaptCutEvery of the cut answer requests sent
//     before it and do not count). As soon as the 429 share at the lower rate is above half
//     the share of the last recentAnswers answers before the cut, cutting did not help: the
//     verdict is quota and the rate goes back to what it was (a "restore"). Once the trial
//     has lasted adaptTrialTime and seen enough answers that the share before would have
//     drawn adaptTrialProof 429s (or adaptTrialMax has passed) with the share still at half or
//     less, the verdict is limited, and the trial's rate is the clean rate.
//   - limited: a 429 (at most one per adaptCutEvery) cuts, but not below the clean rate; a 429
//     at or below the clean rate, which drew none in the trial, ends it as quota (restore).
//   - quota: 429s never cut; their Retry-After still pauses every request (the pacer's part).
//
// A limited verdict expires adaptLimitedTTL after its last cut, a quota one adaptQuotaTTL
// after it was reached; the next 429 then starts a new trial.
//
// A reduced rate rises by adaptRaise once adaptQuiet has passed without a cut or a raise (not
// during a trial), up to the configured rate (where the burst returns to the concurrency),
// but not above adaptCeilingShare of the ceiling — the successes of the second before the
// last cut, what the server accepted when it said "too many" — within adaptCeilingTTL of that
// cut, so recovery does not probe the same limit again and again. A cut after a raise goes
// back at least to the rate before the raise.
type adaptive struct {
	base rate.Limit // configured rate (rate.Inf: none)
	cur  rate.Limit
	conc int // concurrency: the starting point when the configured rate is unlimited

	verdict verdict
	until   time.Time  // when the verdict expires
	clean   rate.Limit // limited: the rate of its trial, which drew no 429s

	lastCut, lastRaise time.Time
	ceiling            rate.Limit // successes in the second before the last cut (0: unknown)
	lastGood           rate.Limit // the rate before a raise since the last cut (0: none)

	trial struct {
		on      bool
		at      time.Time  // its cut
		from    rate.Limit // the rate before its cut: what a restore goes back to
		before  float64    // the 429 share before its cut
		n, n429 int        // answers and 429s since at + adaptCutEvery
	}

	recent   [recentAnswers]bool // the last answers, true for a 429 (a ring) …
	recentAt int                 // … and how many were recorded

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

// record counts an answer at now in the recent answers, the trial and (a success) the
// successes per second.
func (a *adaptive) record(now time.Time, is429 bool) {
	a.recent[a.recentAt%recentAnswers] = is429
	a.recentAt++
	if t := &a.trial; t.on && now.Sub(t.at) >= adaptCutEvery {
		t.n++
		if is429 {
			t.n429++
		}
	}
	if !is429 {
		s := now.UnixNano() / int64(okSlot)
		i := int(s % okSlots)
		if a.okSlot[i] != s {
			a.okSlot[i], a.okCount[i] = s, 0
		}
		a.okCount[i]++
	}
}

// share429 is the 429 share of the last recentAnswers answers, fewer answers counted as
// successes (a 429 among the first answers of a run is not a share of 100 %).
func (a *adaptive) share429() float64 {
	n := 0
	for i := range min(a.recentAt, recentAnswers) {
		if a.recent[i] {
			n++
		}
	}
	return float64(n) / recentAnswers
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

// onOK records a success at now. It returns the rate and the reason when it changed it.
func (a *adaptive) onOK(now time.Time) (rate.Limit, string) {
	a.record(now, false)
	if a.judge(now) {
		return a.cur, "restore"
	}
	if !a.reduced() || a.trial.on || now.Sub(a.lastCut) < adaptQuiet || now.Sub(a.lastRaise) < adaptQuiet {
		return a.cur, ""
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
			return a.cur, "" // at the ceiling: stay until it is forgotten
		}
	}
	a.lastRaise, a.lastGood = now, a.cur
	a.cur = next
	return next, "raise"
}

// on429 records a 429 at now. It returns the rate and the reason when it changed it.
func (a *adaptive) on429(now time.Time) (rate.Limit, string) {
	a.record(now, true)
	from := a.cur
	if a.judge(now) {
		return a.cur, "restore"
	}
	if !a.lastCut.IsZero() && now.Sub(a.lastCut) < adaptCutEvery {
		return a.cur, "" // an answer to a request sent before the cut
	}
	if a.verdict != unsure && now.After(a.until) {
		a.verdict = unsure
	}
	switch {
	case a.verdict == quota || a.verdict == unsure && a.trial.on:
		return a.cur, ""
	case a.verdict == limited && a.cur <= a.clean:
		if a.toQuota(now) {
			return a.cur, "restore"
		}
		return a.cur, ""
	case a.verdict == unsure:
		t := &a.trial
		t.on, t.at, t.from, t.before, t.n, t.n429 = true, now, a.cur, a.share429(), 0, 0
		a.cut(now)
		a.cur = min(a.cur, max(t.from/2, min(adaptFloor, a.base))) // deep enough to tell
	default: // limited
		a.until = now.Add(adaptLimitedTTL)
		a.cut(now)
		a.cur = max(a.cur, a.clean)
	}
	if a.cur == from {
		return a.cur, "" // at the floor already
	}
	return a.cur, "cut"
}

// judge ends a trial with a verdict once it can tell; it reports whether the verdict restored
// the rate.
func (a *adaptive) judge(now time.Time) bool {
	t := &a.trial
	if !t.on || now.Sub(t.at) < adaptTrialTime {
		return false
	}
	if float64(t.n429) > t.before/2*float64(t.n) { // the share did not fall to half
		return a.toQuota(now)
	}
	if (t.n < adaptTrialAnswers || float64(t.n)*t.before < adaptTrialProof) && now.Sub(t.at) < adaptTrialMax {
		return false // no more 429s so far, but too few answers to tell
	}
	t.on = false
	a.verdict, a.until, a.clean = limited, now.Add(adaptLimitedTTL), a.cur
	return false
}

// toQuota reaches the quota verdict at now and restores the rate of the last trial's start;
// it reports whether that changed the rate.
func (a *adaptive) toQuota(now time.Time) bool {
	a.trial.on = false
	a.verdict, a.until = quota, now.Add(adaptQuotaTTL)
	restored := a.cur != a.trial.from
	a.cur, a.ceiling, a.lastGood = a.trial.from, 0, 0
	return restored
}

// cut lowers the rate at now: to adaptCutShare of the successes counted in the last second
// (none counted: half the current rate), by at most half of an already reduced rate and at
// least 10 %, never below adaptFloor (or the configured rate when that is lower). The
// successes of that second become the ceiling.
func (a *adaptive) cut(now time.Time) {
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
	if a.lastGood > 0 {
		next = max(next, a.lastGood) // the raise went too far: back to the rate before it
	}
	a.cur, a.lastGood = max(next, min(adaptFloor, a.base)), 0
}
