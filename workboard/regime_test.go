package workboard

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/wbexport/wbexport/workboard/wbtest"
)

// regimeRun is a stream of requests against the emulator under one throttling regime, in a
// synctest bubble: the client and the emulator share the bubble's virtual clock, so the run
// takes virtual minutes and real milliseconds, and its times are exact, not noisy.
type regimeRun struct {
	server   []wbtest.Option
	rate     float64 // the client's configured rate
	conc     int
	requests int           // logical requests (GET /user) to make; 0: until `until`
	until    time.Duration // stop making requests this long after the start (0: none)
	snapAt   time.Duration // when to take regimeResult.snap (0: never)
}

// regimeResult is what a regimeRun observed.
type regimeResult struct {
	wall    time.Duration
	client  Stats
	server  wbtest.Stats
	snap    wbtest.Stats // the server's counters at snapAt
	samples []rateSample // the pacer's rate every 100 ms
	changes []RateChange // the pacer's rate changes, in order
	errs    int
}

type rateSample struct {
	at   time.Duration
	rate float64
}

// run makes the requests with conc workers, sampling the pacer's rate. Call it inside
// synctest.Test.
func (rr regimeRun) run(t *testing.T) regimeResult {
	t.Helper()
	org := wbtest.Generate(wbtest.OrgConfig{Seed: 1, Users: 5, Teams: 1, Goals: 5})
	em := wbtest.NewServer(org, rr.server...)
	var res regimeResult
	var mu sync.Mutex
	c, err := New(em.Credentials().AdminToken, WithBaseURL("http://127.0.0.1"+wbtest.APIPrefix),
		WithHTTPClient(&http.Client{Transport: em.Transport()}), WithRate(rr.rate), WithConcurrency(rr.conc),
		WithMaxAttempts(20), WithRateObserver(func(ch RateChange) {
			mu.Lock()
			res.changes = append(res.changes, ch)
			mu.Unlock()
		}))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	var next, errs atomic.Int64
	done := make(chan struct{})
	if rr.snapAt > 0 {
		go func() {
			select {
			case <-done:
			case <-time.After(rr.snapAt):
				res.snap = em.Stats()
			}
		}()
	}
	go func() {
		tk := time.NewTicker(100 * time.Millisecond)
		defer tk.Stop()
		for {
			select {
			case <-done:
				return
			case <-tk.C:
				res.samples = append(res.samples, rateSample{at: time.Since(start), rate: c.CurrentRate()})
			}
		}
	}()
	var wg sync.WaitGroup
	for range rr.conc {
		wg.Go(func() {
			for {
				if rr.requests > 0 && next.Add(1) > int64(rr.requests) || rr.until > 0 && time.Since(start) >= rr.until {
					return
				}
				if _, err := c.Get(context.Background(), "/user", func([]byte) error { return nil }); err != nil {
					errs.Add(1)
				}
			}
		})
	}
	wg.Wait()
	res.wall = time.Since(start)
	close(done)
	synctest.Wait()
	res.client, res.server, res.errs = c.Stats(), em.Stats(), int(errs.Load())
	return res
}

// below returns how long the sampled rate was below want (sample spacing 100 ms) from `from` on.
func (r regimeResult) below(want float64, from time.Duration) time.Duration {
	var d time.Duration
	for _, s := range r.samples {
		if s.at >= from && s.rate < want*0.999 {
			d += 100 * time.Millisecond
		}
	}
	return d
}

// backAt returns when the sampled rate reached want and stayed there, from `from` on; -1 if
// it never did.
func (r regimeResult) backAt(want float64, from time.Duration) time.Duration {
	at := time.Duration(-1)
	for _, s := range r.samples {
		switch {
		case s.at < from:
		case s.rate < want*0.999:
			at = -1
		case at < 0:
			at = s.at
		}
	}
	return at
}

// served is the requests a server's counters show answered with data.
func served(st wbtest.Stats) int64 {
	return st.Requests - st.RateLimited - st.Unavailable - st.TotalFaults()
}

// changed counts the rate changes of each reason.
func (r regimeResult) changed() map[string]int {
	m := map[string]int{}
	for _, ch := range r.changes {
		m[ch.Reason]++
	}
	return m
}

func (r regimeResult) String() string {
	return fmt.Sprintf("%v in %v; client: %d requests, %d 429s, rate changes %v, %d errors", r.server, r.wall, r.client.Requests,
		r.client.HTTP429, r.changed(), r.errs)
}

// The regimes: the same server limit of 10 requests per second as a token bucket, as a fixed
// window and as a token bucket that sends no Retry-After; a quota trickle of 429s that do not
// depend on the rate, in its three forms; and bursts of 503. Each runs for 40 virtual seconds,
// then the server serves normally for 40 more, with 20–30 ms of latency per answer and 4
// requests in flight. What each test asserts is what the pacer promises in that regime; the
// wall-time targets of the benchmarks (docs/benchmarks.md) are measured over real HTTP by
// `wbbench regimes`, not here.
const (
	regimeFor   = 40 * time.Second
	regimeAfter = 40 * time.Second
)

func regime(opts ...wbtest.Option) []wbtest.Option {
	return append(opts, wbtest.WithLatency(20*time.Millisecond, 10*time.Millisecond), wbtest.WithThrottleFor(regimeFor))
}

// TestRegimeServerLimit: under a server limit of 10 req/s (client configured for 20), the
// pacer cuts, and then holds close to the limit: the server accepts at least 85 % of what it
// allows, with no more 429s than the first and one per ceiling probe; once the limit is lifted
// the rate is back at 20 within 30 s.
func TestRegimeServerLimit(t *testing.T) {
	for _, tc := range []struct {
		name   string
		limit  wbtest.Limit
		free   int64 // what the server accepts before its limit bites (bucket, first window)
		max429 int64
	}{
		{"token bucket", wbtest.Limit{Rate: 10}, 10, 8},
		{"fixed window", wbtest.Limit{Requests: 20, Window: 2 * time.Second}, 20, 8},
		{"token bucket without Retry-After", wbtest.Limit{Rate: 10, NoRetryAfter: true}, 10, 12},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := regimeRun{server: regime(wbtest.WithLimit(tc.limit)), rate: 20, conc: 4,
					until: regimeFor + regimeAfter, snapAt: regimeFor}.run(t)
				t.Log(r)
				allowed := tc.free + int64(10*regimeFor.Seconds())
				if got := served(r.snap); got < allowed*85/100 || got > allowed {
					t.Errorf("the server accepted %d requests in %v, want 85–100 %% of the %d it allows", got, regimeFor, allowed)
				}
				if r.snap.RateLimited == 0 || r.snap.RateLimited > tc.max429 {
					t.Errorf("%d requests answered 429, want 1–%d", r.snap.RateLimited, tc.max429)
				}
				if r.changed()["restore"] != 0 {
					t.Error("the pacer took the limit's 429s for a quota")
				}
				if back := r.backAt(20, regimeFor); back < 0 || back > regimeFor+30*time.Second {
					t.Errorf("rate back at 20 req/s at %v, want by %v", back, regimeFor+30*time.Second)
				}
				if r.errs != 0 {
					t.Errorf("%d requests failed", r.errs)
				}
			})
		})
	}
}

// TestRegimeQuotaTrickle: 8 % of the requests are answered 429 whatever the rate. The pacer
// honours each Retry-After but does not ratchet the rate down: its one trial (a cut to half
// the rate) ends as soon as the 429s go on at the lower rate, so the rate is below the
// configured 5 req/s for at most 15 of the 80 s, never below half of it, and at 5 at the end.
func TestRegimeQuotaTrickle(t *testing.T) {
	for _, kind := range []wbtest.FaultKind{wbtest.Fault429, wbtest.Fault429NoRetry, wbtest.Fault429Date} {
		t.Run(string(kind), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := regimeRun{server: regime(wbtest.WithFaults(wbtest.FaultConfig{Rate: 0.08, Kinds: []wbtest.FaultKind{kind}})),
					rate: 5, conc: 4, until: regimeFor + regimeAfter}.run(t)
				t.Log(r)
				if r.server.Faults[kind] < 10 {
					t.Fatalf("only %d 429s injected", r.server.Faults[kind])
				}
				if below := r.below(5, 0); below > 15*time.Second {
					t.Errorf("the rate was below 5 req/s for %v, want at most 15 s", below)
				}
				for _, s := range r.samples {
					if s.rate < 2.5 {
						t.Fatalf("rate %.2f at %v: below half the configured rate", s.rate, s.at)
					}
				}
				if last := r.samples[len(r.samples)-1]; last.rate != 5 {
					t.Errorf("rate %.2f at the end, want 5", last.rate)
				}
				if r.errs != 0 {
					t.Errorf("%d requests failed", r.errs)
				}
			})
		})
	}
}

// TestRegimeOutages: every 10 s the server answers 503 for 2 s. Those are not 429s: the rate
// never changes, and every request gets through with its retries.
func TestRegimeOutages(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := regimeRun{server: regime(wbtest.WithOutages(wbtest.Outages{Every: 10 * time.Second, For: 2 * time.Second})),
			rate: 10, conc: 4, until: regimeFor + regimeAfter}.run(t)
		t.Log(r)
		if r.server.Unavailable < 20 {
			t.Fatalf("only %d answers were 503", r.server.Unavailable)
		}
		// three outages of 2 s in the first 40 s: the rate is held the other 74 s
		if got, up := served(r.server), 10*(regimeFor+regimeAfter-6*time.Second).Seconds(); float64(got) < 0.97*up {
			t.Errorf("%d requests served, want at least 97 %% of the %.0f the rate allows while the server is up", got, up)
		}
		if len(r.changes) != 0 || r.errs != 0 {
			t.Fatalf("rate changes %v, %d failed requests", r.changes, r.errs)
		}
	})
}

// TestRegimeOutagesRetryAfter: a 503's Retry-After pauses every request, so during an outage
// only the requests already in flight reach the server.
func TestRegimeOutagesRetryAfter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := regimeRun{server: regime(wbtest.WithOutages(wbtest.Outages{Every: 10 * time.Second, For: 2 * time.Second, RetryAfter: 2 * time.Second})),
			rate: 10, conc: 4, until: regimeFor}.run(t)
		t.Log(r)
		// three outages, each answered to at most the 4 requests in flight when it began and
		// the 4 that went after the first pause, if it ended early (Retry-After is rounded)
		if u := r.server.Unavailable; u < 3 || u > 3*8 {
			t.Fatalf("%d answers were 503, want 3–24", u)
		}
		if r.errs != 0 {
			t.Fatalf("%d requests failed", r.errs)
		}
	})
}

// TestBackoffEndsOnSuccess: after an outage of 4 s, the first request that gets an answer
// ends the backoff of the others, which go again at the rate (10 req/s) instead of each at the
// end of a backoff that has grown to seconds.
func TestBackoffEndsOnSuccess(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		org := wbtest.Generate(wbtest.OrgConfig{Seed: 1, Users: 5, Teams: 1, Goals: 5})
		em := wbtest.NewServer(org, wbtest.WithOutages(wbtest.Outages{Every: 2 * time.Second, For: 4 * time.Second}),
			wbtest.WithThrottleFor(6*time.Second), wbtest.WithLatency(20*time.Millisecond, 0))
		c, err := New(em.Credentials().AdminToken, WithBaseURL("http://127.0.0.1"+wbtest.APIPrefix),
			WithHTTPClient(&http.Client{Transport: em.Transport()}), WithRate(10), WithConcurrency(4), WithMaxAttempts(20))
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		var mu sync.Mutex
		var back []time.Duration // when each worker's request got through after the outage
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				for time.Since(start) < 2*time.Second { // until the outage starts
					if _, err := c.Get(context.Background(), "/user", func([]byte) error { return nil }); err != nil {
						t.Error(err)
					}
				}
				if _, err := c.Get(context.Background(), "/user", func([]byte) error { return nil }); err != nil {
					t.Error(err)
				}
				mu.Lock()
				back = append(back, time.Since(start))
				mu.Unlock()
			})
		}
		wg.Wait()
		slices.Sort(back)
		if back[0] < 6*time.Second || back[3]-back[0] > 500*time.Millisecond {
			t.Fatalf("requests through after the outage (2–6 s) at %v: want all within 0.5 s of the first", back)
		}
	})
}
