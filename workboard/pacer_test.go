package workboard

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/time/rate"
)

// step is one event fed to the adaptation at a time offset from t0.
type step struct {
	at   time.Duration
	ok   int  // successes recorded at `at` (before the 429, if any)
	is29 bool // a 429 at `at`
	// expectations after the step
	rate rate.Limit
	why  string // the reason the last event of the step gave: "", "cut", "raise", "restore"
}

// TestAdaptive drives the rate adaptation with explicit times (no clock) and checks each
// state transition.
func TestAdaptive(t *testing.T) {
	t0 := time.Date(2026, 11, 28, 1, 0, 0, 0, time.UTC)
	const minute = time.Minute
	for _, tc := range []struct {
		name  string
		base  rate.Limit
		conc  int
		steps []step
	}{
		{"a trial that draws no more 429s finds a limit: the cut stays, the rate climbs back to 97 % of the ceiling", 100000, 16, []step{
			{at: 0, ok: 200, rate: 100000},
			// the trial's cut: 90 % of the last second's 200 successes (and at most half)
			{at: 500 * time.Millisecond, is29: true, rate: 180, why: "cut"},
			// 429s within a second of the cut answer requests sent before it
			{at: 900 * time.Millisecond, is29: true, rate: 180},
			// no raise while the trial runs; 96 answers are needed (3 ÷ the 1/32 share before)
			{at: 1600 * time.Millisecond, ok: 95, rate: 180},
			{at: 3600 * time.Millisecond, ok: 1, rate: 194, why: "raise"}, // limited; then 97 % of the ceiling of 200
			{at: 6 * time.Second, ok: 1, rate: 194},
			// 20 s after the cut the ceiling is forgotten: +25 % per 2 s
			{at: 20600 * time.Millisecond, ok: 1, rate: 242.5, why: "raise"},
			{at: 22 * time.Second, ok: 1, rate: 242.5},
			{at: 22700 * time.Millisecond, ok: 1, rate: 303.125, why: "raise"},
		}},
		{"limited: a cut goes back to the rate before the last raise, never below the clean rate; a 429 at the clean rate means quota", 1000, 4, []step{
			{at: 0, ok: 100, rate: 1000},
			{at: 100 * time.Millisecond, is29: true, rate: 90, why: "cut"},
			{at: 1200 * time.Millisecond, ok: 96, rate: 90},
			{at: 3100 * time.Millisecond, ok: 1, rate: 97, why: "raise"},   // limited (clean 90); 97 % of the ceiling of 100
			{at: 6 * time.Second, is29: true, rate: 90, why: "cut"},        // no successes in the last second: half, but the rate before the raise
			{at: 9 * time.Second, ok: 1, rate: 97, why: "raise"},           // the ceiling of the first cut still holds
			{at: 10 * time.Second, is29: true, rate: 90, why: "cut"},       // half, but not below the clean rate
			{at: 12 * time.Second, is29: true, rate: 1000, why: "restore"}, // the clean rate drew a 429
			{at: 14 * time.Second, is29: true, rate: 1000},
		}},
		{"a trial whose 429s go on finds a quota: the rate comes back and 429s no longer cut", 5, 4, []step{
			{at: 0, ok: 20, rate: 5},
			{at: time.Second, is29: true, rate: 2.5, why: "cut"}, // at most half
			{at: 2500 * time.Millisecond, ok: 5, rate: 2.5},
			{at: 3500 * time.Millisecond, is29: true, rate: 2.5}, // the trial needs 3 s
			{at: 4 * time.Second, ok: 1, rate: 5, why: "restore"},
			{at: 6 * time.Second, is29: true, rate: 5},
			{at: 2 * minute, is29: true, rate: 5},
			// the verdict expires after 5 minutes: the next 429 starts a new trial
			{at: 5*minute + 5*time.Second, ok: 5, is29: true, rate: 2.5, why: "cut"},
		}},
		{"no successes known: halve; from an unlimited rate start at 4 × C", rate.Inf, 4, []step{
			{at: 0, is29: true, rate: 8, why: "cut"},
		}},
		{"floor of 0.5 req/s", 0.8, 1, []step{
			{at: 0, is29: true, rate: 0.5, why: "cut"},
		}},
		{"a configured rate below the floor is the floor", 0.2, 1, []step{
			{at: 0, is29: true, rate: 0.2},
		}},
		{"recovery stops at the configured rate", 100, 4, []step{
			{at: 0, ok: 100, rate: 100},
			{at: 10 * time.Millisecond, is29: true, rate: 50, why: "cut"}, // at most half
			{at: 1100 * time.Millisecond, ok: 96, rate: 50},
			{at: 3100 * time.Millisecond, ok: 1, rate: 62.5, why: "raise"},
			{at: 5100 * time.Millisecond, ok: 1, rate: 78.125, why: "raise"},
			{at: 7100 * time.Millisecond, ok: 1, rate: 97, why: "raise"},
			{at: 9100 * time.Millisecond, ok: 1, rate: 97}, // 97 % of the ceiling of 100
			{at: 21 * time.Second, ok: 1, rate: 100, why: "raise"},
			{at: 24 * time.Second, ok: 1, rate: 100},
		}},
		{"unlimited configured rate: recovery above 1000 returns to unlimited", rate.Inf, 4, []step{
			{at: 0, ok: 900, rate: rate.Inf},
			{at: 10 * time.Millisecond, is29: true, rate: 810, why: "cut"},
			{at: 1100 * time.Millisecond, ok: 96, rate: 810},
			{at: 3100 * time.Millisecond, ok: 1, rate: 873, why: "raise"}, // 97 % of the ceiling of 900
			{at: 21 * time.Second, ok: 1, rate: rate.Inf, why: "raise"},
		}},
		{"successes older than a second are not counted", 1000, 4, []step{
			{at: 0, ok: 500, rate: 1000},
			{at: 1500 * time.Millisecond, ok: 10, rate: 1000},
			{at: 1600 * time.Millisecond, is29: true, rate: 9, why: "cut"},
		}},
		{"a limited verdict expires a minute after its last cut", 1000, 4, []step{
			{at: 0, ok: 100, rate: 1000},
			{at: 100 * time.Millisecond, is29: true, rate: 90, why: "cut"},
			{at: 1200 * time.Millisecond, ok: 96, rate: 90},
			{at: 3100 * time.Millisecond, ok: 1, rate: 97, why: "raise"},
			{at: 21 * time.Second, ok: 1, rate: 121.25, why: "raise"},
			// a new trial: its rate may go below the old clean rate
			{at: 90 * time.Second, is29: true, rate: 60.625, why: "cut"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newAdaptive(tc.base, tc.conc)
			if a.burst() != tc.conc {
				t.Fatalf("initial burst %d, want %d", a.burst(), tc.conc)
			}
			for i, s := range tc.steps {
				now := t0.Add(s.at)
				var why string
				for range s.ok {
					_, why = a.onOK(now)
				}
				if s.is29 {
					_, why = a.on429(now)
				}
				if !near(a.cur, s.rate) || why != s.why {
					t.Fatalf("step %d (%v): rate %v (%q), want %v (%q)", i, s.at, a.cur, why, s.rate, s.why)
				}
				wantBurst := 1
				if a.cur == tc.base {
					wantBurst = tc.conc
				}
				if a.burst() != wantBurst {
					t.Fatalf("step %d: burst %d, want %d", i, a.burst(), wantBurst)
				}
			}
		})
	}
}

func near(a, b rate.Limit) bool {
	if a == b {
		return true
	}
	d := float64(a - b)
	return d < 1e-9*float64(b) && d > -1e-9*float64(b)
}

// fakeClock is a settable clock for Client.cfg.now.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (f *fakeClock) Now() time.Time { f.mu.Lock(); defer f.mu.Unlock(); return f.now }
func (f *fakeClock) Add(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
}

// TestRateAdaptsOn429 checks, over HTTP with an injected clock, that a 429 cuts the client's
// rate and the limiter's burst, and that successes restore it only as time passes.
func TestRateAdaptsOn429(t *testing.T) {
	var n atomic.Int32
	clk := &fakeClock{now: time.Date(2026, 11, 28, 1, 0, 0, 0, time.UTC)}
	var changes []RateChange
	c := newTestClient(t, clk, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			w.WriteHeader(429)
			return
		}
		w.WriteHeader(200)
	}), WithRate(1000), WithConcurrency(4), WithRateObserver(func(ch RateChange) { changes = append(changes, ch) }))
	p := c.pacer
	if c.CurrentRate() != 1000 || p.lim.Burst() != 4 {
		t.Fatalf("rate %v burst %d", c.CurrentRate(), p.lim.Burst())
	}
	gets := func(n int) {
		t.Helper()
		for range n {
			if _, err := get(context.Background(), c); err != nil {
				t.Fatal(err)
			}
		}
	}
	gets(1)
	// no success before the 429: halved; burst 1
	type pace struct {
		Rate  float64
		Limit rate.Limit
		Burst int
	}
	if diff := cmp.Diff(pace{Rate: 500, Limit: 500, Burst: 1}, pace{Rate: c.CurrentRate(), Limit: p.lim.Limit(), Burst: p.lim.Burst()}); diff != "" {
		t.Fatalf("after a 429 (-want +got):\n%s", diff)
	}
	gets(20)
	clk.Add(1500 * time.Millisecond)
	gets(100)
	if r := c.CurrentRate(); r != 500 {
		t.Fatalf("the rate rose during the trial: %v", r)
	}
	want := 500.0
	for range 6 {
		clk.Add(2 * time.Second)
		gets(1)
		want = min(1000, want*1.25)
		if r := c.CurrentRate(); r < want*0.999999 || r > want*1.000001 || p.lim.Limit() != rate.Limit(r) {
			t.Fatalf("rate %v (limiter %v), want %v", r, p.lim.Limit(), want)
		}
	}
	if c.CurrentRate() != 1000 || p.lim.Burst() != 4 {
		t.Fatalf("not recovered: rate %v burst %d", c.CurrentRate(), p.lim.Burst())
	}
	st := c.Stats()
	if st.RateCuts != 1 || st.RateRaises != 4 || len(changes) != 5 || changes[0].Reason != "cut" || changes[4].To != 1000 {
		t.Fatalf("stats: %d cuts, %d raises; observed %+v", st.RateCuts, st.RateRaises, changes)
	}
}

// TestPause checks the shared not-before instant: it only ever moves later, every attempt
// waits for it, and a cancel ends the wait.
func TestPause(t *testing.T) {
	var hits atomic.Int32
	clk := &fakeClock{now: time.Date(2026, 11, 28, 1, 0, 0, 0, time.UTC)}
	c := newTestClient(t, clk, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(200)
	}))
	p := c.pacer
	p.pause(time.Hour)
	first := p.pauseUntil
	p.pause(time.Minute)
	if p.pauseUntil != first {
		t.Fatal("a shorter pause shortened the one in force")
	}
	p.pause(2 * time.Hour)
	if !p.pauseUntil.After(first) {
		t.Fatal("a longer pause did not extend the one in force")
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := get(ctx, c)
		done <- err
	}()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	if hits.Load() != 0 {
		t.Fatal("a request reached the server during the pause")
	}
	// once the clock passes the instant, requests flow again
	clk.Add(3 * time.Hour)
	if _, err := get(context.Background(), c); err != nil {
		t.Fatal(err)
	}
}

// newTestClient returns a client of an httptest server running h, on the clock clk, without
// a rate limit unless opts set one.
func newTestClient(t *testing.T, clk *fakeClock, h http.Handler, opts ...Option) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	opts = append([]Option{WithBaseURL(srv.URL + "/wb/apis"), WithRate(0), WithBackoff(time.Millisecond, time.Millisecond),
		func(c *config) { c.now = clk.Now }}, opts...)
	c, err := New("tok-SECRET-pacer", opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// get is GET /user, its body not looked at.
func get(ctx context.Context, c *Client) (time.Time, error) {
	return c.Get(ctx, "/user", func([]byte) error { return nil })
}
