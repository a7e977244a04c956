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
	rate       rate.Limit
	cut, raise bool // the last event of the step cut / raised the rate
}

// TestAdaptive drives the rate adaptation with explicit times (no clock) and checks each
// state transition.
func TestAdaptive(t *testing.T) {
	t0 := time.Date(2026, 11, 28, 1, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name  string
		base  rate.Limit
		conc  int
		steps []step
	}{
		{"cut to 90 % of last second's successes, recover +10 % per 5 s up to 95 % of the ceiling", 100000, 16, []step{
			{at: 0, ok: 200, rate: 100000},
			{at: 500 * time.Millisecond, is29: true, rate: 180, cut: true},
			// a burst of 429s answering requests in flight within the second counts once
			{at: 900 * time.Millisecond, is29: true, rate: 180},
			{at: 1400 * time.Millisecond, ok: 1, rate: 180},
			// 5 s after the cut: one raise, capped at 95 % of the 200/s the server accepted
			{at: 5500 * time.Millisecond, ok: 1, rate: 190, raise: true},
			{at: 8 * time.Second, ok: 1, rate: 190},
			// at the ceiling: no probe above it ...
			{at: 10500 * time.Millisecond, ok: 1, rate: 190},
			{at: 30 * time.Second, ok: 1, rate: 190},
			// ... until 60 s have passed since the cut without another 429
			{at: 60500 * time.Millisecond, ok: 1, rate: 209, raise: true},
			{at: 66 * time.Second, ok: 1, rate: 229.9, raise: true},
		}},
		{"a new cut sets a new ceiling", 100000, 16, []step{
			{at: 0, ok: 400, rate: 100000},
			{at: 500 * time.Millisecond, is29: true, rate: 360, cut: true},
			{at: 1600 * time.Millisecond, ok: 200, rate: 360},
			{at: 1700 * time.Millisecond, is29: true, rate: 180, cut: true},
			{at: 7 * time.Second, ok: 1, rate: 190, raise: true},
			{at: 13 * time.Second, ok: 1, rate: 190},
		}},
		{"no successes known: halve; from an unlimited rate start at 4 × C", rate.Inf, 4, []step{
			{at: 0, is29: true, rate: 8, cut: true},
			{at: 2 * time.Second, is29: true, rate: 4, cut: true},
		}},
		{"a later cut after a pause halves at most", 1000, 4, []step{
			{at: 0, ok: 100, rate: 1000},
			{at: 100 * time.Millisecond, is29: true, rate: 90, cut: true},
			// the pacer was paused: only 2 successes in the last second
			{at: 2 * time.Second, ok: 2, rate: 90},
			{at: 2100 * time.Millisecond, is29: true, rate: 45, cut: true},
		}},
		{"every cut lowers by at least 10 %", 1000, 4, []step{
			{at: 0, ok: 100, rate: 1000},
			{at: 100 * time.Millisecond, is29: true, rate: 90, cut: true},
			{at: 1200 * time.Millisecond, ok: 100, rate: 90},
			{at: 1300 * time.Millisecond, is29: true, rate: 81, cut: true},
		}},
		{"floor of 0.5 req/s", 1000, 4, []step{
			{at: 0, is29: true, rate: 500, cut: true},
			{at: 2 * time.Second, ok: 1, rate: 500},
			{at: 2100 * time.Millisecond, is29: true, rate: 250, cut: true},
			{at: 4 * time.Second, is29: true, rate: 125, cut: true},
			{at: 6 * time.Second, is29: true, rate: 62.5, cut: true},
			{at: 8 * time.Second, is29: true, rate: 31.25, cut: true},
			{at: 10 * time.Second, is29: true, rate: 15.625, cut: true},
			{at: 12 * time.Second, is29: true, rate: 7.8125, cut: true},
			{at: 14 * time.Second, is29: true, rate: 3.90625, cut: true},
			{at: 16 * time.Second, is29: true, rate: 1.953125, cut: true},
			{at: 18 * time.Second, is29: true, rate: 0.9765625, cut: true},
			{at: 20 * time.Second, is29: true, rate: 0.5, cut: true},
			{at: 22 * time.Second, is29: true, rate: 0.5, cut: true},
		}},
		{"a configured rate below the floor is the floor", 0.2, 1, []step{
			{at: 0, is29: true, rate: 0.2, cut: true},
		}},
		{"recovery stops at the configured rate", 100, 4, []step{
			{at: 0, ok: 100, rate: 100},
			{at: 10 * time.Millisecond, is29: true, rate: 90, cut: true},
			{at: 6 * time.Second, ok: 1, rate: 95, raise: true},
			{at: 12 * time.Second, ok: 1, rate: 95},
			{at: 61 * time.Second, ok: 1, rate: 100, raise: true},
			{at: 70 * time.Second, ok: 1, rate: 100},
		}},
		{"unlimited configured rate: recovery above 1000 returns to unlimited", rate.Inf, 4, []step{
			{at: 0, ok: 1000, rate: rate.Inf},
			{at: 10 * time.Millisecond, is29: true, rate: 900, cut: true},
			{at: 6 * time.Second, ok: 1, rate: 950, raise: true},
			{at: 61 * time.Second, ok: 1, rate: rate.Inf, raise: true},
		}},
		{"successes older than a second are not counted", 1000, 4, []step{
			{at: 0, ok: 500, rate: 1000},
			{at: 1500 * time.Millisecond, ok: 10, rate: 1000},
			{at: 1600 * time.Millisecond, is29: true, rate: 9, cut: true},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newAdaptive(tc.base, tc.conc)
			if a.burst() != tc.conc {
				t.Fatalf("initial burst %d, want %d", a.burst(), tc.conc)
			}
			for i, s := range tc.steps {
				now := t0.Add(s.at)
				var cut, raised bool
				for range s.ok {
					_, raised = a.onOK(now)
				}
				if s.is29 {
					_, cut = a.on429(now)
				}
				if !near(a.cur, s.rate) || cut != s.cut || raised != s.raise {
					t.Fatalf("step %d (%v): rate %v cut %v raise %v, want %v %v %v", i, s.at, a.cur, cut, raised, s.rate, s.cut, s.raise)
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
	c := newTestClient(t, clk, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			w.WriteHeader(429)
			return
		}
		w.WriteHeader(200)
	}), WithRate(1000), WithConcurrency(4))
	p := c.pacer
	if c.CurrentRate() != 1000 || p.lim.Burst() != 4 {
		t.Fatalf("rate %v burst %d", c.CurrentRate(), p.lim.Burst())
	}
	if _, err := get(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	// no success before the 429: halved; burst 1
	type pace struct {
		Rate  float64
		Limit rate.Limit
		Burst int
	}
	if diff := cmp.Diff(pace{Rate: 500, Limit: 500, Burst: 1}, pace{Rate: c.CurrentRate(), Limit: p.lim.Limit(), Burst: p.lim.Burst()}); diff != "" {
		t.Fatalf("after a 429 (-want +got):\n%s", diff)
	}
	for range 20 {
		if _, err := get(context.Background(), c); err != nil {
			t.Fatal(err)
		}
	}
	if r := c.CurrentRate(); r != 500 {
		t.Fatalf("successes without time passing must not raise the rate, got %v", r)
	}
	want := 500.0
	for range 30 {
		clk.Add(5 * time.Second)
		if _, err := get(context.Background(), c); err != nil {
			t.Fatal(err)
		}
		want = min(1000, want*1.1)
		if r := c.CurrentRate(); r < want*0.999999 || r > want*1.000001 || p.lim.Limit() != rate.Limit(r) {
			t.Fatalf("rate %v (limiter %v), want %v", r, p.lim.Limit(), want)
		}
	}
	if c.CurrentRate() != 1000 || p.lim.Burst() != 4 {
		t.Fatalf("not recovered: rate %v burst %d", c.CurrentRate(), p.lim.Burst())
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
