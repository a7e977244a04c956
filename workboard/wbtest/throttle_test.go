package wbtest

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
)

// inProcess answers GET path through s.Transport() (no network), as "status[+ra=N]".
func inProcess(t *testing.T, s *Server, path string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1"+APIPrefix+path, nil)
	req.Header.Set("Authorization", "Bearer "+s.Credentials().AdminToken)
	resp, err := s.Transport().RoundTrip(req)
	if err != nil {
		return "error"
	}
	defer resp.Body.Close()
	if _, err := io.ReadAll(resp.Body); err != nil {
		t.Fatal(err)
	}
	out := fmt.Sprint(resp.StatusCode)
	if ra := resp.Header.Get("Retry-After"); ra != "" {
		out += "+ra=" + ra
	}
	return out
}

// TestThrottleRegimes checks each server-side regime answer by answer on the bubble's virtual
// clock: what is accepted, what is refused, the Retry-After, and that WithThrottleFor ends it.
func TestThrottleRegimes(t *testing.T) {
	type at struct {
		after time.Duration // since the previous request
		want  string
	}
	for _, tc := range []struct {
		name string
		opts []Option
		seq  []at
	}{
		{"token bucket: burst of the rate, then a token per 1/rate; Retry-After the wait, rounded up", []Option{WithRateLimit(2)}, []at{
			{0, "200"}, {0, "200"}, {0, "429+ra=1"}, {400 * time.Millisecond, "429+ra=1"}, {100 * time.Millisecond, "200"}, {0, "429+ra=1"},
		}},
		{"token bucket without Retry-After", []Option{WithLimit(Limit{Rate: 1, NoRetryAfter: true})}, []at{
			{0, "200"}, {0, "429"}, {time.Second, "200"},
		}},
		{"fixed window: N per window, then 429 until its end", []Option{WithLimit(Limit{Requests: 2, Window: 3 * time.Second})}, []at{
			{0, "200"}, {0, "200"}, {0, "429+ra=3"}, {1500 * time.Millisecond, "429+ra=2"}, {1400 * time.Millisecond, "429+ra=1"},
			{100 * time.Millisecond, "200"}, {2 * time.Second, "200"}, {0, "429+ra=1"}, {time.Second, "200"},
		}},
		{"outages: For at the start of every Every, from the first Every on", []Option{WithOutages(Outages{Every: 10 * time.Second, For: 2 * time.Second})}, []at{
			{0, "200"}, {9 * time.Second, "200"}, {time.Second, "503"}, {1900 * time.Millisecond, "503"}, {100 * time.Millisecond, "200"},
			{8 * time.Second, "503"},
		}},
		{"outages with Retry-After", []Option{WithOutages(Outages{Every: 5 * time.Second, For: time.Second, RetryAfter: 1500 * time.Millisecond})}, []at{
			{0, "200"}, {5 * time.Second, "503+ra=2"},
		}},
		{"throttle for: the limit ends", []Option{WithRateLimit(1), WithThrottleFor(5 * time.Second)}, []at{
			{0, "200"}, {0, "429+ra=1"}, {5 * time.Second, "200"}, {0, "200"}, {0, "200"},
		}},
		{"throttle for: the faults end", []Option{WithFaults(FaultConfig{Rate: 1, Kinds: []FaultKind{Fault429}}), WithThrottleFor(time.Second)}, []at{
			{0, "429+ra=1"}, {time.Second, "200"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := NewServer(smallOrg(), tc.opts...)
				var got, want []string
				for _, a := range tc.seq {
					time.Sleep(a.after)
					got, want = append(got, inProcess(t, s, "/user")), append(want, a.want)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Fatalf("answers (-want +got):\n%s", diff)
				}
			})
		})
	}
}

// TestThrottleStats: the limit's 429s count as RateLimited, the outages' 503s as Unavailable.
func TestThrottleStats(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := NewServer(smallOrg(), WithRateLimit(1), WithOutages(Outages{Every: 2 * time.Second, For: time.Second}))
		for range 3 {
			inProcess(t, s, "/user")
		}
		time.Sleep(2 * time.Second)
		inProcess(t, s, "/user")
		st := s.Stats()
		if st.RateLimited != 2 || st.Unavailable != 1 || !strings.Contains(st.String(), "rate_limited=2 unavailable=1") {
			t.Fatalf("stats %v", st)
		}
	})
}

// TestTransportFaults: over the in-process transport a reset or truncated fault is a
// transport error, and everything else is an answer.
func TestTransportFaults(t *testing.T) {
	for kind, want := range map[FaultKind]string{FaultReset: "error", FaultTruncated: "error", Fault503: "503"} {
		s := NewServer(smallOrg(), WithFaults(FaultConfig{Rate: 1, Kinds: []FaultKind{kind}}))
		if got := inProcess(t, s, "/user"); got != want {
			t.Errorf("%s: %s, want %s", kind, got, want)
		}
	}
}

// TestTeamMetrics checks the three variants of GET /metric?team_id=.
func TestTeamMetrics(t *testing.T) {
	org := Generate(OrgConfig{Seed: 4, Users: 30, Teams: 4, Goals: 80})
	team := org.Teams[1]
	ids := func(ts *TestServer) []int64 {
		t.Helper()
		d := get(t, ts, fmt.Sprintf("/metric?team_id=%d&limit=100", team.ID), ts.AdminToken).data(t)
		var out []int64
		for _, m := range arr(t, d["metric"], "metric") {
			out = append(out, idOf(t, m, "metric_id"))
		}
		if totalCount(t, d) != len(out) {
			t.Fatalf("totalCount %d, %d listed", totalCount(t, d), len(out))
		}
		return out
	}
	members := map[int64]bool{}
	for _, m := range team.Members {
		members[m.UserID] = true
	}
	var all, active, withMembers []int64
	for _, g := range org.Goals {
		for _, k := range g.KeyResults {
			if g.TeamID == team.ID {
				all = append(all, k.ID)
				if g.Status == "1" {
					active = append(active, k.ID)
				}
			}
			if g.TeamID == team.ID || g.TeamID == 0 && members[g.OwnerID] {
				withMembers = append(withMembers, k.ID)
			}
		}
	}
	if len(active) == len(all) || len(withMembers) == len(all) {
		t.Fatalf("the org does not tell the variants apart: %d, %d active, %d with members", len(all), len(active), len(withMembers))
	}
	for m, want := range map[TeamMetrics][]int64{TeamMetricsAll: all, TeamMetricsSubset: active, TeamMetricsMembers: withMembers} {
		if diff := cmp.Diff(want, ids(Start(t, org, WithTeamMetrics(m)))); diff != "" {
			t.Errorf("%s (-want +got):\n%s", m, diff)
		}
	}
	if m, err := ParseTeamMetrics(""); m != TeamMetricsAll || err != nil {
		t.Errorf("ParseTeamMetrics(\"\") = %q, %v", m, err)
	}
	if _, err := ParseTeamMetrics("some"); err == nil {
		t.Error("ParseTeamMetrics accepted an unknown variant")
	}
}
