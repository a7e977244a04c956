package main

import (
	"context"
	"flag"
	"fmt"
	"math"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wbexport/wbexport/extract"
	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/workboard"
	"github.com/wbexport/wbexport/workboard/wbtest"
)

// regime is one way a server throttles, as the emulator serves it (workboard/wbtest), with
// the client's configured rate and the floor of an export's wall time under it.
type regime struct {
	name   string
	opts   []wbtest.Option
	rate   float64 // the client's configured rate (req/s)
	goals  int     // the org exported (bench proportions, see orgConfig)
	floor  func(m regimeRun) float64
	during string // what the floor is made of, for the record
}

// regimeRun is what one export under a regime measured.
type regimeRun struct {
	wall   time.Duration
	server wbtest.Stats
	client workboard.Stats
}

// served is the requests the server answered with data.
func (m regimeRun) served() float64 {
	s := m.server
	return float64(s.Requests - s.RateLimited - s.Unavailable - s.TotalFaults())
}

// The regimes' shape: a server limit of 10 req/s for a client configured at 20; a quota
// trickle of 8 % 429s at the default rate of 5 req/s; bursts of 503 for a client at 10 req/s.
const (
	limitRate   = 10.0
	limitClient = 20.0
	windowN     = 20
	window      = 2 * time.Second
	trickleP    = 0.08
	outageEvery = 10 * time.Second
	outageFor   = 2 * time.Second
)

func regimes(limitGoals, trickleGoals int) []regime {
	limitFloor := func(free float64) func(m regimeRun) float64 {
		// what the server allows: the requests beyond those its limit lets through at once,
		// at its rate
		return func(m regimeRun) float64 { return max(0, m.served()-free) / limitRate }
	}
	windowFloor := func(m regimeRun) float64 {
		// the windows start at the server's first request; the last one's requests may all go
		// at its start
		return (math.Ceil(m.served()/windowN) - 1) * window.Seconds()
	}
	trickleFloor := func(m regimeRun) float64 {
		return float64(m.server.Requests)/workboard.DefaultRate + m.client.RetryAfter.Seconds()
	}
	trickle := func(k wbtest.FaultKind) wbtest.Option {
		return wbtest.WithFaults(wbtest.FaultConfig{Rate: trickleP, Kinds: []wbtest.FaultKind{k}})
	}
	outageFloor := func(m regimeRun) float64 {
		down := 0.0
		for at := outageEvery; at < m.wall; at += outageEvery {
			down += min(outageFor, m.wall-at).Seconds()
		}
		return m.served()/limitRate + down
	}
	return []regime{
		{"token bucket", []wbtest.Option{wbtest.WithRateLimit(limitRate)}, limitClient, limitGoals,
			limitFloor(limitRate), "(served − burst of 10) ÷ 10 req/s"},
		{"fixed window", []wbtest.Option{wbtest.WithLimit(wbtest.Limit{Requests: windowN, Window: window})}, limitClient, limitGoals,
			windowFloor, "(⌈served ÷ 20⌉ − 1) × 2 s: the start of the last window needed"},
		{"limit without Retry-After", []wbtest.Option{wbtest.WithLimit(wbtest.Limit{Rate: limitRate, NoRetryAfter: true})}, limitClient, limitGoals,
			limitFloor(limitRate), "(served − burst of 10) ÷ 10 req/s"},
		{"quota trickle 429", []wbtest.Option{trickle(wbtest.Fault429)}, workboard.DefaultRate, trickleGoals,
			trickleFloor, "requests ÷ 5 req/s + Σ Retry-After"},
		{"quota trickle 429-bare", []wbtest.Option{trickle(wbtest.Fault429NoRetry)}, workboard.DefaultRate, trickleGoals,
			trickleFloor, "requests ÷ 5 req/s + Σ Retry-After"},
		{"quota trickle 429-date", []wbtest.Option{trickle(wbtest.Fault429Date)}, workboard.DefaultRate, trickleGoals,
			trickleFloor, "requests ÷ 5 req/s + Σ Retry-After"},
		{"bursts of 503", []wbtest.Option{wbtest.WithOutages(wbtest.Outages{Every: outageEvery, For: outageFor})}, limitRate, limitGoals,
			outageFloor, "served ÷ 10 req/s + time down"},
	}
}

// runRegimes exports an org through each regime over loopback TCP, with 20 ms + [0, 10 ms) of
// latency per answer and 4 requests in flight, and compares the wall time with the regime's
// floor; then, for each regime, it measures how long the client takes to come back to its
// configured rate once the server stops throttling.
func runRegimes(args []string) error {
	fs := flag.NewFlagSet("regimes", flag.ExitOnError)
	only := fs.String("only", "", "run only the regimes whose name contains this")
	limitGoals := fs.Int("limit-goals", 800, "org of the server-limit and 503 regimes (about 200 requests)")
	trickleGoals := fs.Int("trickle-goals", 1000, "org of the quota-trickle regimes (about 260 requests)")
	recoverAfter := fs.Duration("recover-after", 10*time.Second, "recovery runs: the server throttles this long, then serves normally")
	recoverMax := fs.Duration("recover-max", time.Minute, "recovery runs: give up this long after the throttling ends")
	_ = fs.Parse(args)
	for _, rg := range regimes(*limitGoals, *trickleGoals) {
		if *only != "" && !strings.Contains(rg.name, *only) {
			continue
		}
		if err := regimeExport(rg); err != nil {
			return fmt.Errorf("%s: %w", rg.name, err)
		}
		if err := regimeRecovery(rg, *recoverAfter, *recoverMax); err != nil {
			return fmt.Errorf("%s, recovery: %w", rg.name, err)
		}
	}
	return nil
}

// regimeClient is a client of live at rate with 4 requests in flight, counting rate changes.
func regimeClient(srv *wbtest.Server, live *wbtest.Live, rate float64, restores *atomic.Int64) (*workboard.Client, error) {
	return workboard.New(srv.Credentials().AdminToken, workboard.WithBaseURL(live.BaseURL), workboard.WithRate(rate),
		workboard.WithConcurrency(4), workboard.WithMaxAttempts(10),
		workboard.WithHTTPClient(&http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 6}}),
		workboard.WithRateObserver(func(ch workboard.RateChange) {
			if ch.Reason == "restore" {
				restores.Add(1)
			}
		}))
}

func regimeExport(rg regime) error {
	org := wbtest.Generate(orgConfig(rg.goals, 1))
	srv := wbtest.NewServer(org, append(rg.opts, wbtest.WithLatency(20*time.Millisecond, 10*time.Millisecond))...)
	live, err := wbtest.Listen("127.0.0.1:0", srv)
	if err != nil {
		return err
	}
	defer live.Shutdown(context.Background())
	var restores atomic.Int64
	wc, err := regimeClient(srv, live, rg.rate, &restores)
	if err != nil {
		return err
	}
	ex, err := extract.New(wc)
	if err != nil {
		return err
	}
	start := time.Now()
	rep, err := ex.Export(context.Background(), extract.FullPlan(), func(context.Context, *workboard.Batch) error { return nil })
	m := regimeRun{wall: time.Since(start), server: srv.Stats(), client: wc.Stats()}
	if err != nil {
		return err
	}
	rowsOK := rowsEqualTruth(org, rep)
	floor := rg.floor(m)
	r := result{"bench": "regime", "regime": rg.name, "goals": rg.goals, "client_rate": rg.rate, "concurrency": 4,
		"requests": m.server.Requests, "served": m.served(), "http_429": m.client.HTTP429, "http_503": m.server.Unavailable,
		"retry_after_s": m.client.RetryAfter.Seconds(), "rate_cuts": m.client.RateCuts, "rate_raises": m.client.RateRaises,
		"restores": restores.Load(), "wall_s": m.wall.Seconds(), "floor_s": floor, "floor": rg.during,
		"wall_over_floor":      m.wall.Seconds() / floor,
		"requests_over_rate_s": float64(m.server.Requests) / rg.rate, "rows_equal_ground_truth": rowsOK, "requests_per_goal": rep.RequestsPerGoal}
	fmt.Fprintf(os.Stderr, "regime %-26s %4d requests (%3d 429, %3d 503) wall %6.1fs floor %6.1fs wall/floor %.3f rows ok %v\n",
		rg.name, m.server.Requests, m.client.HTTP429, m.server.Unavailable, m.wall.Seconds(), floor, m.wall.Seconds()/floor, rowsOK)
	emit(r)
	if !rowsOK {
		return fmt.Errorf("rows %v differ from the ground truth", rep.Rows)
	}
	return nil
}

// rowsEqualTruth reports whether an export's row counts are those of the org's ground truth.
func rowsEqualTruth(org *wbtest.Org, rep *extract.Report) bool {
	krs, cis, conf, comments := org.Counts()
	truth := map[schemas.TableID]int64{schemas.Users: int64(len(org.Users)), schemas.Teams: int64(len(org.Teams)),
		schemas.Goals: int64(len(org.Goals)), schemas.KeyResults: int64(krs), schemas.KeyResultCheckins: int64(cis),
		schemas.KeyResultConf: int64(conf), schemas.KeyResultComments: int64(comments)}
	for t, n := range truth {
		if rep.Rows[t] != n {
			return false
		}
	}
	return true
}

// regimeRecovery keeps 4 workers requesting GET /user under the regime for `after`, then with
// the server serving normally until the client's rate is back at its configured rate (or
// `most` has passed), and records when it was back.
func regimeRecovery(rg regime, after, most time.Duration) error {
	org := wbtest.Generate(orgConfig(50, 1))
	srv := wbtest.NewServer(org, append(rg.opts, wbtest.WithLatency(20*time.Millisecond, 10*time.Millisecond), wbtest.WithThrottleFor(after))...)
	live, err := wbtest.Listen("127.0.0.1:0", srv)
	if err != nil {
		return err
	}
	defer live.Shutdown(context.Background())
	var restores atomic.Int64
	wc, err := regimeClient(srv, live, rg.rate, &restores)
	if err != nil {
		return err
	}
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for ctx.Err() == nil {
				_, _ = wc.Get(ctx, "/user", func([]byte) error { return nil })
			}
		})
	}
	start := time.Now()
	time.Sleep(after) // the server's clock starts at the first request, a round trip later
	// back: the start of the spell at the configured rate that lasts 5 s
	lowest, back, at := math.Inf(1), -1.0, time.Duration(-1)
	for now := time.Since(start); now < after+most; now = time.Since(start) {
		r := wc.CurrentRate()
		lowest = min(lowest, r)
		switch {
		case r < rg.rate*0.999:
			at = -1
		case at < 0:
			at = now
		case now-at >= 5*time.Second:
			back = max(0, (at - after).Seconds())
		}
		if back >= 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	stop()
	wg.Wait()
	st := wc.Stats()
	r := result{"bench": "recovery", "regime": rg.name, "client_rate": rg.rate, "throttled_s": after.Seconds(),
		"http_429": st.HTTP429, "rate_cuts": st.RateCuts, "restores": restores.Load(), "lowest_rate_after": lowest, "recovery_s": back}
	if back < 0 {
		r["recovery_s"] = nil
	}
	fmt.Fprintf(os.Stderr, "recovery %-26s back at %.0f req/s %.1fs after the throttling ended (%d 429s while throttled)\n",
		rg.name, rg.rate, back, st.HTTP429)
	emit(r)
	return nil
}
