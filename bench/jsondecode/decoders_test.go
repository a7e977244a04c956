package jsondecode

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"sync"
	"testing"

	"github.com/wbexport/wbexport/extract/wbtest"
)

// pages are emulator bodies: GET /goal pages of 100 goals and GET /metric?goal_id= bodies.
// The org has 300 goals by default (WBEXPORT_BENCH_GOALS overrides).
var (
	pagesOnce             sync.Once
	goalPages, metricPage [][]byte
	goalBytes, metricSize int64
)

func pages(tb testing.TB) ([][]byte, [][]byte) {
	pagesOnce.Do(func() {
		n := 300
		if v, err := strconv.Atoi(os.Getenv("WBEXPORT_BENCH_GOALS")); err == nil && v > 0 {
			n = v
		}
		org := wbtest.Generate(wbtest.OrgConfig{Seed: 1, Goals: n, Users: max(50, n/5), Teams: max(8, n/25), KRsPerGoal: 3, CheckinsPerKR: 10})
		srv := wbtest.NewServer(org)
		get := func(path string) []byte {
			req := httptest.NewRequest(http.MethodGet, wbtest.APIPrefix+path, nil)
			req.Header.Set("Authorization", "Bearer "+srv.Credentials().AdminToken)
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, req)
			if rec.Code != 200 {
				panic(fmt.Sprintf("GET %s: %d", path, rec.Code))
			}
			return rec.Body.Bytes()
		}
		for off := 0; off < n; off += 100 {
			p := get("/goal?goal_status=" + url.QueryEscape("1,2") + "&custom_attributes=1&include=custom_permission&limit=100&offset=" + strconv.Itoa(off))
			goalPages = append(goalPages, p)
			goalBytes += int64(len(p))
		}
		for _, g := range org.Goals {
			p := get("/metric?goal_id=" + strconv.FormatInt(g.ID, 10) + "&include_metric_data=yes")
			metricPage = append(metricPage, p)
			metricSize += int64(len(p))
		}
	})
	return goalPages, metricPage
}

// TestDecodersAgree checks that every decoder sees the same records on every page (so the
// benchmarks compare equal work).
func TestDecodersAgree(t *testing.T) {
	gp, mp := pages(t)
	for _, d := range Decoders[1:] {
		for i, p := range gp {
			want, err := Decoders[0].Goals(p)
			if err != nil {
				t.Fatal(err)
			}
			got, err := d.Goals(p)
			if err != nil || got != want {
				t.Fatalf("%s: goals page %d: %+v, %v; extract: %+v", d.Name, i, got, err, want)
			}
		}
		for i, p := range mp {
			want, err := Decoders[0].Metrics(p)
			if err != nil {
				t.Fatal(err)
			}
			got, err := d.Metrics(p)
			if err != nil || got != want {
				t.Fatalf("%s: metrics body %d: %+v, %v; extract: %+v", d.Name, i, got, err, want)
			}
		}
	}
	if len(Decoders) < 3 {
		t.Fatalf("decoders: %d", len(Decoders))
	}
}

// BenchmarkDecode decodes pages round-robin; MB/s is JSON throughput, allocs/op per page.
// rows/s counts the records the page yields (goals + comments, or key results + history).
func BenchmarkDecode(b *testing.B) {
	gp, mp := pages(b)
	for _, kind := range []struct {
		name  string
		pages [][]byte
		size  int64
		fn    func(Decoder) func([]byte) (Counts, error)
	}{
		{"goals", gp, goalBytes, func(d Decoder) func([]byte) (Counts, error) { return d.Goals }},
		{"metrics", mp, metricSize, func(d Decoder) func([]byte) (Counts, error) { return d.Metrics }},
	} {
		for _, d := range Decoders {
			b.Run(kind.name+"/"+d.Name, func(b *testing.B) {
				fn := kind.fn(d)
				b.SetBytes(kind.size / int64(len(kind.pages)))
				b.ReportAllocs()
				rows, i := 0, 0
				for b.Loop() {
					c, err := fn(kind.pages[i%len(kind.pages)])
					if err != nil {
						b.Fatal(err)
					}
					rows += c.Goals + c.GoalComments + c.KeyResults + c.Checkins + c.Confidence + c.KRComments
					i++
				}
				b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
			})
		}
	}
}
