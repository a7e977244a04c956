package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/wbexport/wbexport/workboard/wbtest"
)

// newEmulateCmd returns `wbexport emulate`: serve a generated WorkBoard organisation from the
// in-memory emulator (workboard/wbtest) until SIGINT/SIGTERM.
func newEmulateCmd() *cobra.Command {
	var (
		addr, asOf, anchor, faults, goalStatus       string
		seed                                         int64
		users, teams, goals, krs, checkins           int
		faultRate                                    float64
		faultSeed                                    int64
		retryAfter, slowDelay, latency, jitter       time.Duration
		rateLimit                                    float64
		maxLimit, authStatus, goalDrift, pageOverlap int
		rejectOverLimit, countAsString, flatGoals    bool
		limitBare                                    bool
		windowLimit                                  int
		window, outageEvery, outageFor, outageRA     time.Duration
		throttleFor                                  time.Duration
		teamMetrics                                  string
	)
	cmd := &cobra.Command{
		Use:   "emulate",
		Short: "Serve a generated WorkBoard organisation from the local API emulator",
		Long: `emulate serves a seeded, generated WorkBoard organisation over HTTP with WorkBoard's API
shapes (under /wb/apis) and OAuth token endpoint (/wb/oauth/token), for trying wbexport without
a WorkBoard account and for load and fault testing. It prints the API base URL and the
emulator's own Data-Admin and ordinary test tokens, then serves until interrupted.

--as-of D shows the organisation as of the end of day D (UTC). Use the same --seed and
--anchor with successive --as-of days to see goals trend (same ids, more check-ins).

Faults (--fault-rate, --faults) are test-only behaviours: ` + fmt.Sprint(wbtest.AllFaultKinds) + `.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			day := func(flag, v string) (time.Time, error) {
				if v == "" {
					return time.Time{}, nil
				}
				d, err := time.Parse("2006-01-02", v)
				if err != nil {
					return time.Time{}, usageError("--%s %q: want a date like 2026-01-31", flag, v)
				}
				return d, nil
			}
			asOfDay, err := day("as-of", asOf)
			if err != nil {
				return err
			}
			if asOfDay.IsZero() {
				asOfDay = time.Now().UTC().Truncate(24 * time.Hour)
			}
			anchorDay, err := day("anchor", anchor)
			if err != nil {
				return err
			}
			if anchorDay.IsZero() {
				anchorDay = asOfDay
			}
			kinds, err := wbtest.ParseFaultKinds(faults)
			if err != nil {
				return usageError("--faults: %v", err)
			}
			if faultRate < 0 || faultRate > 1 {
				return usageError("--fault-rate %v: want a probability between 0 and 1", faultRate)
			}
			users, teams = orgSize(goals, users, teams)
			if users < 2 || teams < 1 || goals < 1 || krs < 1 || checkins < 1 {
				return usageError("--users must be >= 2 and --teams, --goals, --krs-per-goal, --checkins >= 1")
			}
			if maxLimit < 1 {
				return usageError("--max-limit %d: want >= 1", maxLimit)
			}
			if _, err := wbtestGoalStatus(goalStatus); err != nil {
				return err
			}
			org := wbtest.Generate(wbtest.OrgConfig{Seed: seed, Users: users, Teams: teams, Goals: goals,
				KRsPerGoal: krs, CheckinsPerKR: checkins,
				AsOf:   asOfDay.AddDate(0, 0, 1), // end of the --as-of day
				Anchor: anchorDay.AddDate(0, 0, 1)})
			opts := []wbtest.Option{
				wbtest.WithMaxLimit(maxLimit),
				wbtest.WithAuthFailureStatus(authStatus),
				wbtest.WithDefaultGoalStatus(goalStatus),
				wbtest.WithLatency(latency, jitter),
				wbtest.WithFaults(wbtest.FaultConfig{Rate: faultRate, Kinds: kinds, Seed: faultSeed,
					RetryAfter: retryAfter, SlowDelay: slowDelay}),
			}
			if rejectOverLimit {
				opts = append(opts, wbtest.WithRejectOverLimit())
			}
			if countAsString {
				opts = append(opts, wbtest.WithTotalCountAsString())
			}
			if flatGoals {
				opts = append(opts, wbtest.WithFlatGoals())
			}
			limit, err := emulatedLimit(rateLimit, windowLimit, window, limitBare)
			if err != nil {
				return err
			}
			tm, err := wbtest.ParseTeamMetrics(teamMetrics)
			if err != nil {
				return usageError("--team-metrics: %v", err)
			}
			if outageEvery < 0 || outageFor < 0 || outageFor > outageEvery || throttleFor < 0 {
				return usageError("--outage-for must be between 0 and --outage-every, and --throttle-for >= 0")
			}
			opts = append(opts, wbtest.WithLimit(limit), wbtest.WithTeamMetrics(tm), wbtest.WithThrottleFor(throttleFor),
				wbtest.WithOutages(wbtest.Outages{Every: outageEvery, For: outageFor, RetryAfter: outageRA}))
			if goalDrift != 0 {
				opts = append(opts, wbtest.WithGoalDrift(goalDrift))
			}
			if pageOverlap > 0 {
				opts = append(opts, wbtest.WithPageOverlap(pageOverlap))
			}
			em := wbtest.NewServer(org, opts...)
			live, err := wbtest.Listen(addr, em)
			if err != nil {
				return usageError("--addr %s: %v", addr, err)
			}
			cr := em.Credentials()
			nkr, nci, _, _ := org.Counts()
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "WorkBoard emulator: %d users, %d teams, %d goals, %d key results, %d check-ins as of %s\n",
				len(org.Users), len(org.Teams), len(org.Goals), nkr, nci, asOfDay.Format("2006-01-02"))
			fmt.Fprintf(out, "base URL:          %s\n", live.BaseURL)
			fmt.Fprintf(out, "Data-Admin token:  %s\n", cr.AdminToken)
			fmt.Fprintf(out, "user token:        %s\n", cr.UserToken)
			fmt.Fprintf(out, "OAuth token URL:   %s%s (client_id %s, client_hash %s, code %s)\n",
				live.URL, wbtest.OAuthTokenPath, cr.ClientID, cr.ClientHash, cr.AdminCode)
			fmt.Fprintf(out, "try: WORKBOARD_TOKEN=%s wbexport run --api-url %s ...\n", cr.AdminToken, live.BaseURL)

			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			select {
			case <-ctx.Done():
			case err := <-waitErr(live):
				return err
			}
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			err = live.Shutdown(sctx)
			fmt.Fprintf(cmd.ErrOrStderr(), "emulator stopped: %s\n", em.Stats())
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&addr, "addr", "127.0.0.1:8080", "listen address (port 0 picks a free port)")
	f.Int64Var(&seed, "seed", 1, "generator seed; the same seed gives the same organisation")
	f.IntVar(&users, "users", 0, "number of users (default: goals/5, at least 50; the org demo makes)")
	f.IntVar(&teams, "teams", 0, "number of teams (default: goals/25, at least 8)")
	f.IntVar(&goals, "goals", 500, "number of goals")
	f.IntVar(&krs, "krs-per-goal", wbtest.DefaultKRsPerGoal, "mean key results per goal")
	f.IntVar(&checkins, "checkins", wbtest.DefaultCheckinsPerKR, "mean check-ins per key result (as of --anchor)")
	f.StringVar(&asOf, "as-of", "", "show the organisation as of the end of this UTC day, YYYY-MM-DD (default today)")
	f.StringVar(&anchor, "anchor", "", "day the history is laid out around, YYYY-MM-DD (default --as-of); keep it fixed across --as-of days")
	f.Float64Var(&faultRate, "fault-rate", 0, "probability (0..1) that an API request is answered with an injected fault")
	f.StringVar(&faults, "faults", "429,429-bare,500,502,503,html,reset,truncated", "comma list of fault kinds, or all")
	f.Int64Var(&faultSeed, "fault-seed", 0, "fault generator seed (0 = --seed)")
	f.DurationVar(&retryAfter, "retry-after", wbtest.DefaultRetryAfter, "Retry-After of injected 429s")
	f.DurationVar(&slowDelay, "slow-delay", wbtest.DefaultSlowDelay, "delay of the slow fault kind")
	f.DurationVar(&latency, "latency", 0, "fixed latency added to every API response")
	f.DurationVar(&jitter, "jitter", 0, "random extra latency, uniform in [0, jitter)")
	f.Float64Var(&rateLimit, "rate-limit", 0, "server-side limit in requests per second, a token bucket (0 = none); beyond it 429 + Retry-After")
	f.IntVar(&windowLimit, "window-limit", 0, "server-side limit of this many requests per --window, a fixed window (0 = none); beyond it 429 + Retry-After to the window's end")
	f.DurationVar(&window, "window", time.Second, "the fixed window of --window-limit")
	f.BoolVar(&limitBare, "limit-no-retry-after", false, "answer the limit's 429s without Retry-After")
	f.DurationVar(&outageEvery, "outage-every", 0, "bursts of 503: every this long (0 = none) …")
	f.DurationVar(&outageFor, "outage-for", 0, "… answer every request 503 for this long")
	f.DurationVar(&outageRA, "outage-retry-after", 0, "Retry-After of the outages' 503s (0 = none)")
	f.DurationVar(&throttleFor, "throttle-for", 0, "serve the limits, outages and faults only this long after the first API request (0 = always)")
	f.StringVar(&teamMetrics, "team-metrics", string(wbtest.TeamMetricsAll), "what GET /metric?team_id= lists: all (the team's goals' key results), subset (those of its active goals only), members (also its members' personal goals')")
	f.IntVar(&maxLimit, "max-limit", wbtest.DefaultMaxLimit, "largest page size honoured (larger limits are clamped)")
	f.BoolVar(&rejectOverLimit, "reject-over-limit", false, "answer limits above --max-limit with 400 instead of clamping")
	f.BoolVar(&countAsString, "total-count-as-string", false, "send data.totalCount as a numeric string")
	f.BoolVar(&flatGoals, "flat-goals", false, "structure drift: flat goal objects in data.goal[] instead of people_goals wrappers")
	f.IntVar(&authStatus, "auth-status", wbtest.DefaultAuthFailureStatus, "HTTP status of invalid-token answers")
	f.StringVar(&goalStatus, "default-goal-status", wbtest.DefaultGoalStatus, "goal_status applied when a /goal request sends none (1, 2 or 1,2)")
	f.IntVar(&goalDrift, "goal-drift", 0, "goals created (>0) or deleted (<0) between the first and later /goal pages")
	f.IntVar(&pageOverlap, "page-overlap", 0, "repeat this many goals at the start of every later /goal page")
	return cmd
}

// orgSize returns the users and teams of a generated org of goals goals: the given numbers, or
// for 0 the defaults `demo` and `emulate` share (goals/5 users, at least 50; goals/25 teams, at
// least 8), so both make the same org for the same --goals and --seed.
func orgSize(goals, users, teams int) (int, int) {
	if users == 0 {
		users = max(50, goals/5)
	}
	if teams == 0 {
		teams = max(8, goals/25)
	}
	return users, teams
}

func waitErr(l *wbtest.Live) <-chan error {
	ch := make(chan error, 1)
	go func() { ch <- l.Wait() }()
	return ch
}

func wbtestGoalStatus(v string) (string, error) {
	switch v {
	case "1", "2", "1,2", "2,1":
		return v, nil
	}
	return "", usageError("--default-goal-status %q: want 1, 2 or 1,2", v)
}

// emulatedLimit is the server-side limit of the emulate flags: a token bucket (--rate-limit)
// or a fixed window (--window-limit per --window), not both.
func emulatedLimit(rate float64, n int, window time.Duration, bare bool) (wbtest.Limit, error) {
	switch {
	case rate < 0 || n < 0:
		return wbtest.Limit{}, usageError("--rate-limit and --window-limit must be >= 0")
	case rate > 0 && n > 0:
		return wbtest.Limit{}, usageError("--rate-limit and --window-limit are two kinds of limit: give one")
	case n > 0 && window <= 0:
		return wbtest.Limit{}, usageError("--window must be > 0")
	case n > 0:
		return wbtest.Limit{Requests: n, Window: window, NoRetryAfter: bare}, nil
	}
	return wbtest.Limit{Rate: rate, NoRetryAfter: bare}, nil
}
