package wbtest

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// fresh returns a client that never reuses connections (faults may close them).
func fresh(timeout time.Duration) *http.Client {
	return &http.Client{Timeout: timeout, Transport: &http.Transport{DisableKeepAlives: true}}
}

// outcome classifies one raw exchange: "200", "429+ra", "502 text/html", "conn-error",
// "truncated", "timeout".
func outcome(c *http.Client, url, token string) string {
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := c.Do(req)
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return "timeout"
		}
		return "conn-error"
	}
	defer resp.Body.Close()
	if _, err := io.ReadAll(resp.Body); err != nil {
		return "truncated"
	}
	s := fmt.Sprint(resp.StatusCode)
	if ra := resp.Header.Get("Retry-After"); ra != "" {
		if at, err := http.ParseTime(ra); err == nil && at.After(time.Now()) {
			ra = "date"
		}
		s += "+ra=" + ra
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		s += " " + ct
	}
	return s
}

func TestEachFaultKindHappens(t *testing.T) {
	org := smallOrg()
	cases := []struct {
		kind FaultKind
		want string
	}{
		{Fault429, "429+ra=2"},
		{Fault429NoRetry, "429"},
		{Fault429Date, "429+ra=date"},
		{Fault500, "500"},
		{Fault502, "502"},
		{Fault503, "503"},
		{FaultHTML, "502 text/html"},
		{FaultReset, "conn-error"},
		{FaultTruncated, "truncated"},
		{FaultSlow, "timeout"},
	}
	for _, c := range cases {
		t.Run(string(c.kind), func(t *testing.T) {
			ts := Start(t, org, WithFaults(FaultConfig{Rate: 1, Kinds: []FaultKind{c.kind},
				RetryAfter: 1500 * time.Millisecond, SlowDelay: 400 * time.Millisecond}))
			timeout := 10 * time.Second
			if c.kind == FaultSlow {
				timeout = 50 * time.Millisecond // shorter than SlowDelay
			}
			for i := 0; i < 3; i++ {
				if got := outcome(fresh(timeout), ts.BaseURL+"/goal", ts.AdminToken); got != c.want {
					t.Fatalf("attempt %d: %s, want %s", i, got, c.want)
				}
			}
			if c.kind == FaultSlow { // with enough patience the slow answer is a normal one
				if got := outcome(fresh(0), ts.BaseURL+"/goal", ts.AdminToken); got != "200" {
					t.Fatalf("patient client: %s", got)
				}
			}
			if st := ts.Emulator.Stats(); st.Faults[c.kind] < 3 || st.TotalFaults() != st.Faults[c.kind] {
				t.Fatalf("stats %v", st)
			}
			if c.kind != FaultSlow && c.kind != FaultReset && c.kind != FaultTruncated {
				r := get(t, ts, "/goal", ts.AdminToken)
				if c.kind == FaultHTML {
					if !strings.Contains(string(r.body), "<html>502 Bad Gateway</html>") {
						t.Fatalf("html body %q", r.body)
					}
				} else if m := r.json(t); m["success"] != false || m["error"] == "" {
					t.Fatalf("fault body %s", r.body)
				}
			}
		})
	}
	// The OAuth endpoint is not subject to API faults.
	ts := Start(t, org, WithFaults(FaultConfig{Rate: 1, Kinds: []FaultKind{Fault500}}))
	if r := do(t, nil, mustReq(http.MethodPost, ts.URL+OAuthTokenPath)); r.status != 400 {
		t.Fatalf("oauth under faults: %d", r.status)
	}
}

func mustReq(method, url string) *http.Request {
	r, err := http.NewRequest(method, url, nil)
	if err != nil {
		panic(err)
	}
	return r
}

func faultSequence(t *testing.T, seed int64) []string {
	org := smallOrg()
	ts := Start(t, org, WithFaults(FaultConfig{Rate: 0.4, Seed: seed}))
	var seq []string
	for i := 0; i < 40; i++ {
		g := org.Goals[i%len(org.Goals)]
		seq = append(seq, outcome(fresh(0), fmt.Sprintf("%s/metric?goal_id=%d", ts.BaseURL, g.ID), ts.AdminToken))
	}
	return seq
}

func TestFaultsAreDeterministic(t *testing.T) {
	a, b, c := faultSequence(t, 9), faultSequence(t, 9), faultSequence(t, 10)
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatalf("same seed, different faults:\n%v\n%v", a, b)
	}
	if fmt.Sprint(a) == fmt.Sprint(c) {
		t.Fatal("different seeds gave the same fault sequence")
	}
	kinds := map[string]bool{}
	for _, o := range a {
		kinds[o] = true
	}
	if !kinds["200"] || len(kinds) < 4 {
		t.Fatalf("rate 0.4 over 40 requests gave only %v", kinds)
	}
}

func TestRetriedRequestEventuallySucceeds(t *testing.T) {
	org := smallOrg()
	ts := Start(t, org, WithFaults(FaultConfig{Rate: 0.99, Kinds: []FaultKind{Fault500, Fault503, FaultReset, FaultTruncated}}))
	for _, g := range org.Goals[:15] {
		url := fmt.Sprintf("%s/metric?goal_id=%d", ts.BaseURL, g.ID)
		ok := false
		for attempt := 0; attempt <= DefaultMaxConsecutiveFault && !ok; attempt++ {
			ok = outcome(fresh(0), url, ts.AdminToken) == "200"
		}
		if !ok {
			t.Fatalf("goal %d: still failing after %d retries", g.ID, DefaultMaxConsecutiveFault)
		}
	}
	st := ts.Emulator.Stats()
	if st.TotalFaults() < 15 {
		t.Fatalf("too few faults injected: %v", st)
	}
	if got := st.ByEndpoint["GET /wb/apis/metric"]; got != st.Requests || got != 15+st.TotalFaults() {
		t.Fatalf("ByEndpoint %v, requests %d, faults %d", st.ByEndpoint, st.Requests, st.TotalFaults())
	}

	always := Start(t, org, WithFaults(FaultConfig{Rate: 1, Kinds: []FaultKind{Fault503}}))
	for i := 0; i < 6; i++ {
		if got := outcome(fresh(0), always.BaseURL+"/user", always.AdminToken); got != "503" {
			t.Fatalf("rate 1.0, attempt %d: %s", i, got)
		}
	}
}

func TestServerRateLimit(t *testing.T) {
	ts := Start(t, smallOrg(), WithRateLimit(0.5)) // burst 1, then one request per 2 s
	var limited int
	for i := 0; i < 5; i++ {
		r := get(t, ts, "/user", ts.AdminToken)
		if r.status == 429 {
			limited++
			if r.header.Get("Retry-After") == "" {
				t.Fatal("429 without Retry-After")
			}
		}
	}
	if limited == 0 || ts.Emulator.Stats().RateLimited != int64(limited) {
		t.Fatalf("limited %d, stats %v", limited, ts.Emulator.Stats())
	}
}

func TestConcurrentRequests(t *testing.T) {
	org := smallOrg()
	ts := Start(t, org, WithFaults(FaultConfig{Rate: 0.2, Kinds: []FaultKind{Fault500, Fault429}}), WithGoalDrift(2),
		WithLatency(time.Millisecond, time.Millisecond))
	var wg sync.WaitGroup
	const workers, each = 8, 25
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				g := org.Goals[(w*each+i)%len(org.Goals)]
				path := []string{fmt.Sprintf("/metric?goal_id=%d&include_metric_data=yes", g.ID),
					fmt.Sprintf("/goal?goal_status=1,2&limit=5&offset=%d", i%3*5), "/user?include=org_members"}[i%3]
				req, _ := http.NewRequest(http.MethodGet, ts.BaseURL+path, nil)
				req.Header.Set("Authorization", "Bearer "+ts.AdminToken)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 && resp.StatusCode != 500 && resp.StatusCode != 429 {
					t.Errorf("%s: %d", path, resp.StatusCode)
				}
			}
		}(w)
	}
	wg.Wait()
	if st := ts.Emulator.Stats(); st.Requests != workers*each || st.TotalFaults() == 0 {
		t.Fatalf("stats %v", st)
	}
}

func TestParseFaultKinds(t *testing.T) {
	got, err := ParseFaultKinds("429, 500,reset")
	if err != nil || fmt.Sprint(got) != "[429 500 reset]" {
		t.Fatalf("%v %v", got, err)
	}
	if all, _ := ParseFaultKinds("all"); len(all) != len(AllFaultKinds) {
		t.Fatal("all")
	}
	if _, err := ParseFaultKinds("429,bogus"); err == nil || !strings.Contains(err.Error(), "bogus") {
		t.Fatalf("bad kind: %v", err)
	}
}

// TestLatencyIsALowerBound checks that with WithLatency no answer (data, rate-limit 429 or
// fault) arrives before its latency: the emulator's own rendering time is counted towards the
// latency, never subtracted from it.
func TestLatencyIsALowerBound(t *testing.T) {
	org := smallOrg()
	const lat = 15 * time.Millisecond
	ts := Start(t, org, WithLatency(lat, 0), WithRateLimit(5),
		WithFaults(FaultConfig{Rate: 0.3, Kinds: []FaultKind{Fault500, Fault429}}))
	codes := map[int]int{}
	for i := 0; i < 20; i++ {
		path := []string{"/goal?goal_status=1,2&limit=5", fmt.Sprintf("/metric?goal_id=%d", org.Goals[i%len(org.Goals)].ID)}[i%2]
		req, _ := http.NewRequest(http.MethodGet, ts.BaseURL+path, nil)
		req.Header.Set("Authorization", "Bearer "+ts.AdminToken)
		start := time.Now()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if el := time.Since(start); el < lat {
			t.Fatalf("%s answered %d after %v, before its latency %v", path, resp.StatusCode, el, lat)
		}
		codes[resp.StatusCode]++
	}
	if codes[200] == 0 || codes[429]+codes[500] == 0 {
		t.Fatalf("want data and error answers, got %v", codes)
	}
}
