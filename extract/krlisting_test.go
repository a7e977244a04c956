package extract

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/workboard"
	"github.com/wbexport/wbexport/workboard/wbtest"
)

// inProcess returns an exporter of em through its in-process transport (for synctest
// bubbles); opts as for newExporter.
func inProcess(t *testing.T, em *wbtest.Server, opts ...any) *Exporter {
	t.Helper()
	return newExporter(t, "http://127.0.0.1"+wbtest.APIPrefix, em.Credentials().AdminToken,
		append([]any{workboard.WithHTTPClient(&http.Client{Transport: em.Transport()})}, opts...)...)
}

// krCalls is what an export's key-result requests should be for one strategy and one
// variant of GET /metric?team_id=: per-goal calls, per-key-result calls, and whether teams
// are listed.
type krCalls struct{ perGoal, perKR int64 }

// wantKRCalls works out, from the ground truth, which goals and key results the team
// listings of variant v leave out.
func wantKRCalls(org *wbtest.Org, listing KRListing, v wbtest.TeamMetrics) krCalls {
	if listing == KRByGoal {
		return krCalls{perGoal: int64(len(org.Goals))}
	}
	listed := map[int64]bool{} // teams that own goals
	for _, g := range org.Goals {
		listed[g.TeamID] = g.TeamID != 0
	}
	member := map[int64]bool{} // users in a listed team
	for _, tm := range org.Teams {
		for _, m := range tm.Members {
			member[m.UserID] = member[m.UserID] || listed[tm.ID]
		}
	}
	var c krCalls
	for _, g := range org.Goals {
		covered := g.TeamID != 0 && (v != wbtest.TeamMetricsSubset || g.Status == "1") ||
			g.TeamID == 0 && v == wbtest.TeamMetricsMembers && member[g.OwnerID]
		switch {
		case covered:
		case listing == KRAuto:
			c.perGoal++
		default:
			c.perKR += int64(len(g.KeyResults))
		}
	}
	return c
}

// TestExportKRListings exports one org by each strategy against each variant of the team
// listing, with 10 % injected faults, and checks that the rows equal the ground truth and
// that the calls are exactly those the strategy promises: team listings, then per goal (auto)
// or per key result (team) only what they left out.
func TestExportKRListings(t *testing.T) {
	org := wbtest.Generate(wbtest.OrgConfig{Seed: 21, Users: 60, Teams: 10, Goals: 240})
	faults := wbtest.FaultConfig{Rate: 0.1, Kinds: []wbtest.FaultKind{wbtest.Fault429, wbtest.Fault500, wbtest.Fault503, wbtest.FaultReset, wbtest.FaultTruncated}}
	requests := map[KRListing]int64{}
	for _, v := range []wbtest.TeamMetrics{wbtest.TeamMetricsAll, wbtest.TeamMetricsSubset, wbtest.TeamMetricsMembers} {
		for _, listing := range []KRListing{KRAuto, KRByTeam, KRByGoal} {
			t.Run(string(v)+"/"+string(listing), func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					em := wbtest.NewServer(org, wbtest.WithTeamMetrics(v), wbtest.WithFaults(faults))
					ex := inProcess(t, em, workboard.WithRate(50), workboard.WithMaxAttempts(10))
					p := FullPlan()
					p.KRListing = listing
					g := &gather{}
					rep, err := ex.Export(context.Background(), p, g.emit)
					if err != nil {
						t.Fatalf("export: %v\nemulator: %v", err, em.Stats())
					}
					compareOrg(t, org, &g.b)
					t.Logf("%d requests: %v", rep.Requests, em.Stats())
					want := wantKRCalls(org, listing, v)
					var got krCalls
					if es := rep.Endpoints["key_results"]; es != nil {
						got.perGoal, got.perKR = int64(es.Requests), 0
						if listing == KRByTeam {
							got.perGoal, got.perKR = 0, int64(es.Requests)
						}
					}
					if got != want {
						t.Errorf("per-goal and per-key-result calls %+v, want %+v", got, want)
					}
					byTeam := rep.Endpoints["key_results_by_team"]
					if (byTeam != nil) != (listing != KRByGoal) {
						t.Errorf("team listings: %+v", byTeam)
					}
					if rep.KRListing != string(listing) || rep.RequestsPerGoal <= 0 {
						t.Errorf("report: kr_listing %q, requests_per_goal %v", rep.KRListing, rep.RequestsPerGoal)
					}
					if v == wbtest.TeamMetricsSubset && listing == KRAuto && !strings.Contains(strings.Join(rep.Warnings, "\n"), "did not return all key results") {
						t.Errorf("no warning about the team listings' gaps: %q", rep.Warnings)
					}
					if v == wbtest.TeamMetricsAll {
						requests[listing] = rep.Requests - rep.Retries["429"] - rep.Retries["5xx"] - rep.Retries["conn"] - rep.Retries["truncated"] - rep.Retries["timeout"]
						for _, other := range []string{"tags", "key_result_tags", "goal_alignments"} { // the same for every listing
							if es := rep.Endpoints[other]; es != nil {
								requests[listing] -= int64(es.Requests)
							}
						}
					}
				})
			})
		}
	}
	t.Logf("requests (faults' retries left out): %v", requests)
	if requests[KRAuto]*2 > requests[KRByGoal] {
		t.Errorf("auto made %d requests, by goal %d: want at most half", requests[KRAuto], requests[KRByGoal])
	}
}

// TestExportRegimes exports through each throttling regime (a token bucket, a fixed window, a
// limit without Retry-After, a quota trickle of each 429 form, bursts of 503), with 5xx and
// broken connections injected on top, by each key-result strategy, and checks the rows
// against the ground truth. The bubble's virtual clock makes minutes of throttling take
// milliseconds.
func TestExportRegimes(t *testing.T) {
	org := wbtest.Generate(wbtest.OrgConfig{Seed: 13, Users: 30, Teams: 5, Goals: 90})
	other := []wbtest.FaultKind{wbtest.Fault500, wbtest.Fault502, wbtest.FaultReset}
	trickle := func(k wbtest.FaultKind) wbtest.Option {
		return wbtest.WithFaults(wbtest.FaultConfig{Rate: 0.15, Kinds: append([]wbtest.FaultKind{k, k}, other...)})
	}
	faults := wbtest.WithFaults(wbtest.FaultConfig{Rate: 0.05, Kinds: other})
	for _, rg := range []struct {
		name string
		opts []wbtest.Option
	}{
		{"token bucket", []wbtest.Option{wbtest.WithRateLimit(10), faults}},
		{"fixed window", []wbtest.Option{wbtest.WithLimit(wbtest.Limit{Requests: 20, Window: 2 * time.Second}), faults}},
		{"limit without Retry-After", []wbtest.Option{wbtest.WithLimit(wbtest.Limit{Rate: 10, NoRetryAfter: true}), faults}},
		{"trickle 429", []wbtest.Option{trickle(wbtest.Fault429)}},
		{"trickle 429-bare", []wbtest.Option{trickle(wbtest.Fault429NoRetry)}},
		{"trickle 429-date", []wbtest.Option{trickle(wbtest.Fault429Date)}},
		{"503 bursts", []wbtest.Option{wbtest.WithOutages(wbtest.Outages{Every: 5 * time.Second, For: time.Second}), faults}},
	} {
		for _, listing := range []KRListing{KRAuto, KRByTeam, KRByGoal} {
			t.Run(rg.name+"/"+string(listing), func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					em := wbtest.NewServer(org, append(rg.opts, wbtest.WithLatency(20*time.Millisecond, 10*time.Millisecond))...)
					ex := inProcess(t, em, workboard.WithRate(20), workboard.WithMaxAttempts(10))
					p := FullPlan()
					p.KRListing = listing
					g := &gather{}
					if _, err := ex.Export(context.Background(), p, g.emit); err != nil {
						t.Fatalf("export: %v\nemulator: %v", err, em.Stats())
					}
					st := em.Stats()
					if st.RateLimited+st.Unavailable+st.TotalFaults() == 0 {
						t.Fatalf("the regime never answered: %v", st)
					}
					compareOrg(t, org, &g.b)
				})
			})
		}
	}
}

// TestSkipGoalsWithoutKRs: goals whose goal_metrics_count is 0 (here the goals WithGoalDrift
// adds while the listing runs) get no key-result call, whatever the strategy.
func TestSkipGoalsWithoutKRs(t *testing.T) {
	org := wbtest.Generate(wbtest.OrgConfig{Seed: 8, Users: 10, Teams: 2, Goals: 40})
	for _, listing := range []KRListing{KRAuto, KRByGoal} {
		t.Run(string(listing), func(t *testing.T) {
			ts := wbtest.Start(t, org, wbtest.WithGoalDrift(6))
			ex := newExporter(t, ts.BaseURL, ts.AdminToken, workboard.WithRate(0), WithPageSize(20))
			p := FullPlan()
			p.KRListing = listing
			rep, err := ex.Export(context.Background(), p, (&gather{}).emit)
			if err != nil {
				t.Fatal(err)
			}
			calls := int64(rep.Endpoints["key_results"].Requests)
			want := int64(len(org.Goals)) // per goal: every goal with key results
			if listing == KRAuto {
				want = int64(wantKRCalls(org, KRAuto, wbtest.TeamMetricsAll).perGoal)
			}
			if rep.GoalsWithoutKRs != 6 || calls != want {
				t.Fatalf("%d goals without key results, %d per-goal calls; want 6 and %d", rep.GoalsWithoutKRs, calls, want)
			}
		})
	}
}

// TestAutoVerifiesCoverage: after the team listings, auto calls per goal exactly the goals
// whose key results they did not all return, and those whose goal_metrics_count says
// goal_metrics may be incomplete. In the fixture org team 52033's listing returns goal 90114's
// two key results; the other teams' listings are empty; goal 90133 is personal.
func TestAutoVerifiesCoverage(t *testing.T) {
	for _, tc := range []struct {
		name  string
		count string // goal 90114's goal_metrics_count
		want  string
	}{
		{"count matches", "2", "[90101 90127 90133 90140]"},
		{"count above goal_metrics", "3", "[90101 90114 90127 90133 90140]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			var perGoal []int
			org := fixtureOrg(t)
			mux := http.NewServeMux()
			mux.Handle("/", org)
			mux.HandleFunc("/wb/apis/goal", func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Query().Get("offset") != "0" {
					org.ServeHTTP(w, r)
					return
				}
				b := bytes.Replace(fixture(t, "goal_list_page1.json"), []byte(`"goal_metrics_count": "2"`), []byte(`"goal_metrics_count": "`+tc.count+`"`), 1)
				writeJSON(w, 200, b)
			})
			mux.HandleFunc("/wb/apis/metric", func(w http.ResponseWriter, r *http.Request) {
				q := r.URL.Query()
				switch {
				case q.Get("team_id") == "52033":
					writeJSON(w, 200, fixture(t, "metric_list.json"))
					return
				case q.Get("goal_id") != "":
					id, _ := strconv.Atoi(q.Get("goal_id"))
					mu.Lock()
					perGoal = append(perGoal, id)
					mu.Unlock()
				}
				org.ServeHTTP(w, r)
			})
			ex := newTestExporter(t, mux, WithPageSize(3), fixtureSkips)
			col := &collector{}
			rep, err := ex.Export(context.Background(), plan(t, schemas.KeyResults), col.emit)
			if err != nil {
				t.Fatal(err)
			}
			sort.Ints(perGoal)
			if fmt.Sprint(perGoal) != tc.want {
				t.Fatalf("per-goal calls %v, want %s", perGoal, tc.want)
			}
			// 90114's two key results come once, from the team listing (a per-goal call of
			// 90114 repeats them and they are dropped); no other call returns any
			if rep.Rows[schemas.KeyResults] != 2 || rep.Endpoints["key_results_by_team"].Fetched != 2 {
				t.Fatalf("rows %v, by team %+v", rep.Rows, rep.Endpoints["key_results_by_team"])
			}
		})
	}
}
