package wbtest

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limit is a server-side request limit (WithLimit), in one of two forms:
//
//   - a token bucket: Rate requests per second, with a burst of Rate (at least 1) — what
//     WithRateLimit sets;
//   - a fixed window: Requests per Window, counted in consecutive windows that start at the
//     server's first API request.
//
// A request beyond the limit gets 429 with Retry-After: the whole seconds (at least 1) until
// the bucket has a token again or the window ends; with NoRetryAfter, a 429 without it.
// Requests answered 429 do not count against the limit. These are test-only behaviours:
// WorkBoard publishes no limits (API reference §10).
type Limit struct {
	Rate         float64
	Requests     int
	Window       time.Duration
	NoRetryAfter bool
}

// WithLimit sets a server-side request limit (see Limit).
func WithLimit(l Limit) Option { return func(c *config) { c.limit = l } }

// WithRateLimit makes the server accept at most perSecond API requests per second (a token
// bucket with a burst equal to the rate, at least 1); requests beyond it get 429 with
// Retry-After.
func WithRateLimit(perSecond float64) Option { return WithLimit(Limit{Rate: perSecond}) }

// Outages are bursts of 503 (WithOutages): For at the start of every period of Every, the
// first one Every after the server's first API request, every API request is answered 503,
// with Retry-After (whole seconds) when RetryAfter > 0.
type Outages struct {
	Every, For, RetryAfter time.Duration
}

// WithOutages makes the server unavailable (503) in bursts (see Outages).
func WithOutages(o Outages) Option { return func(c *config) { c.outages = o } }

// WithThrottleFor limits the limit (WithLimit), the outages (WithOutages) and the injected
// faults (WithFaults) to the first d after the server's first API request; after that every
// request is served normally. It is how a test or benchmark sees a client return to its
// configured rate once the 429s stop. 0 (the default) keeps them for ever.
func WithThrottleFor(d time.Duration) Option { return func(c *config) { c.throttleFor = d } }

// throttle holds the state of the limit, the outages and WithThrottleFor. Times are measured
// from the server's first API request (origin).
type throttle struct {
	limit   Limit
	outages Outages
	until   time.Duration // 0: for ever

	mu      sync.Mutex
	origin  time.Time
	bucket  *rate.Limiter // token bucket form
	window  int64         // fixed window form: the current window's number …
	inWin   int           // … and the requests it accepted
	started bool
}

func newThrottle(c config) *throttle {
	t := &throttle{limit: c.limit, outages: c.outages, until: c.throttleFor}
	if c.limit.Rate > 0 {
		t.bucket = rate.NewLimiter(rate.Limit(c.limit.Rate), max(1, int(c.limit.Rate)))
	}
	return t
}

// verdict is what the throttle decides for one request: serve it (status 0), or answer it
// with status and, when retryAfter > 0, a Retry-After header.
type verdict struct {
	status     int
	retryAfter time.Duration
	limited    bool // a 429 of the limit (not of an outage)
}

// active reports whether the regimes (and faults) apply at now, starting the clock on the
// first call.
func (t *throttle) active(now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.started {
		t.started, t.origin = true, now
	}
	return t.until <= 0 || now.Sub(t.origin) < t.until
}

// decide applies the outages and the limit to a request arriving at now.
func (t *throttle) decide(now time.Time) verdict {
	t.mu.Lock()
	defer t.mu.Unlock()
	since := now.Sub(t.origin)
	if o := t.outages; o.Every > 0 && o.For > 0 && since >= o.Every && since%o.Every < o.For {
		v := verdict{status: http.StatusServiceUnavailable}
		if o.RetryAfter > 0 {
			v.retryAfter = o.RetryAfter
		}
		return v
	}
	var wait time.Duration
	switch l := t.limit; {
	case t.bucket != nil:
		res := t.bucket.ReserveN(now, 1)
		if wait = res.DelayFrom(now); wait > 0 {
			res.CancelAt(now)
		}
	case l.Requests > 0 && l.Window > 0:
		if w := int64(since / l.Window); w != t.window {
			t.window, t.inWin = w, 0
		}
		if t.inWin >= l.Requests {
			wait = time.Duration(t.window+1)*l.Window - since
		} else {
			t.inWin++
		}
	}
	if wait <= 0 {
		return verdict{}
	}
	v := verdict{status: http.StatusTooManyRequests, limited: true}
	if !t.limit.NoRetryAfter {
		v.retryAfter = wait
	}
	return v
}

// answer writes the verdict's error answer.
func (v verdict) answer(w http.ResponseWriter) {
	if v.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(max(1, int((v.retryAfter+time.Second-1)/time.Second))))
	}
	if v.status == http.StatusTooManyRequests {
		writeError(w, v.status, "rate_limited", "emulated server-side rate limit exceeded")
		return
	}
	writeError(w, v.status, "service_unavailable", "Service unavailable (emulated outage).")
}
