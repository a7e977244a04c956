package wbtest

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// bigCfg is the size of the exporter's benchmark: 5,000 goals and about 150,000 check-ins.
var bigCfg = OrgConfig{Seed: 1, Users: 800, Teams: 60, Goals: 5000, KRsPerGoal: 3, CheckinsPerKR: 10}

var (
	bigOnce sync.Once
	bigOrg  *Org
)

func big() *Org {
	bigOnce.Do(func() { bigOrg = Generate(bigCfg) })
	return bigOrg
}

func BenchmarkGenerate5000Goals(b *testing.B) {
	for i := 0; i < b.N; i++ {
		Generate(bigCfg)
	}
}

// benchHandler measures the handler alone (no network), for one request kind.
func benchHandler(b *testing.B, path func(i int) string) {
	org := big()
	s := NewServer(org)
	tok := s.Credentials().AdminToken
	b.ReportAllocs()
	b.ResetTimer()
	var bytes int64
	for i := 0; i < b.N; i++ {
		req := httptest.NewRequest(http.MethodGet, APIPrefix+path(i), nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatalf("%s: %d", path(i), rec.Code)
		}
		bytes += int64(rec.Body.Len())
	}
	b.SetBytes(bytes / int64(b.N))
}

func BenchmarkGoalPage100(b *testing.B) {
	benchHandler(b, func(i int) string {
		return fmt.Sprintf("/goal?goal_status=1,2&custom_attributes=1&limit=100&offset=%d", (i%50)*100)
	})
}

func BenchmarkMetricsOfGoalWithData(b *testing.B) {
	org := big()
	benchHandler(b, func(i int) string {
		return fmt.Sprintf("/metric?goal_id=%d&include_metric_data=yes", org.Goals[i%len(org.Goals)].ID)
	})
}

// BenchmarkHTTPParallel measures requests per second over real loopback HTTP with parallel
// clients (the /metric per-goal calls that dominate an export).
func BenchmarkHTTPParallel(b *testing.B) {
	org := big()
	ts := Start(b, org)
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	var n sync.Mutex
	i := 0
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n.Lock()
			g := org.Goals[i%len(org.Goals)]
			i++
			n.Unlock()
			req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/metric?goal_id=%d&include_metric_data=yes", ts.BaseURL, g.ID), nil)
			req.Header.Set("Authorization", "Bearer "+ts.AdminToken)
			resp, err := c.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}
