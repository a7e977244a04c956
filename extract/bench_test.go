package extract

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"

	"github.com/wbexport/wbexport/extract/wbtest"
)

// synthPage builds a page of n copies of the resource object found at data.<key> of fixture,
// with distinct ids, wrapped as wrap(items).
func synthPage(b testing.TB, fixtureName, key, idField string, n int, wrap func(items string) string) []byte {
	b.Helper()
	var env struct {
		Data map[string]json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(fixture(b, fixtureName), &env); err != nil {
		b.Fatal(err)
	}
	obj := map[string]any{}
	if err := json.Unmarshal(env.Data[key], &obj); err != nil {
		b.Fatal(err)
	}
	var items bytes.Buffer
	for i := 0; i < n; i++ {
		obj[idField] = fmt.Sprint(1000000 + i)
		js, _ := json.Marshal(obj)
		if i > 0 {
			items.WriteByte(',')
		}
		items.Write(js)
	}
	return []byte(wrap(items.String()))
}

func goalsPage100(b testing.TB) []byte {
	return synthPage(b, "goal_by_id.json", "goal", "goal_id", 100, func(items string) string {
		return `{"success":true,"message":"","data":{"totalCount":"100000","goal":[{"user_id":"180231","user_email":"p@example.com","people_goals":[` + items + `]}]}}`
	})
}

func metricsPage20(b testing.TB) []byte {
	return synthPage(b, "metric_by_id_with_data.json", "metric", "metric_id", 20, func(items string) string {
		return `{"success":true,"message":"","data":{"totalCount":20,"metric":[` + items + `]}}`
	})
}

func TestSynthPagesDecode(t *testing.T) {
	p, err := DecodeGoalsPage(goalsPage100(t))
	if err != nil || len(p.Goals) != 100 {
		t.Fatalf("%v %d", err, len(p.Goals))
	}
	m, err := DecodeMetricsPage(metricsPage20(t))
	if err != nil || len(m.KeyResults) != 20 || len(m.Checkins) != 20*8 {
		t.Fatalf("%v %d %d", err, len(m.KeyResults), len(m.Checkins))
	}
}

// BenchmarkDecodeGoalsPage decodes one page of 100 goals (a people_goals wrapper holding
// copies of goal_by_id.json's goal with custom attributes, categories and KR stubs).
func BenchmarkDecodeGoalsPage(b *testing.B) {
	body := goalsPage100(b)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeGoalsPage(body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeMetricsPage decodes one /metric page of 20 key results, each with 8
// metric_data rows, confidence and comments (metric_by_id_with_data.json).
func BenchmarkDecodeMetricsPage(b *testing.B) {
	body := metricsPage20(b)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeMetricsPage(body); err != nil {
			b.Fatal(err)
		}
	}
}

// emulatorPages are emulator bodies like bench/jsondecode's: the GET /goal pages (100 goals
// each, people_goals wrappers) and the GET /metric?goal_id= bodies of a 200-goal org.
var emulatorPages = sync.OnceValues(func() ([][]byte, [][]byte) {
	const n = 200
	org := wbtest.Generate(wbtest.OrgConfig{Seed: 1, Goals: n, Users: 50, Teams: 8, KRsPerGoal: 3, CheckinsPerKR: 10})
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
	var goals, metrics [][]byte
	for off := 0; off < n; off += 100 {
		goals = append(goals, get("/goal?goal_status=1%2C2&custom_attributes=1&include=custom_permission&limit=100&offset="+strconv.Itoa(off)))
	}
	for _, g := range org.Goals {
		metrics = append(metrics, get("/metric?goal_id="+strconv.FormatInt(g.ID, 10)+"&include_metric_data=yes"))
	}
	return goals, metrics
})

// BenchmarkDecodeOldNew compares, in one process, the streaming decoders (new) with the
// previous scanner-based ones kept as the test oracle (old), on emulator pages and on the
// synthetic pages above. MB/s is JSON throughput; one op is one page.
func BenchmarkDecodeOldNew(b *testing.B) {
	goals, metrics := emulatorPages()
	for _, c := range []struct {
		name     string
		pages    [][]byte
		old, new func([]byte) (*Page, error)
	}{
		{"goals", goals, oldDecodeGoalsPage, DecodeGoalsPage},
		{"metrics", metrics, oldDecodeMetricsPage, DecodeMetricsPage},
		{"goals100", [][]byte{goalsPage100(b)}, oldDecodeGoalsPage, DecodeGoalsPage},
		{"metrics20", [][]byte{metricsPage20(b)}, oldDecodeMetricsPage, DecodeMetricsPage},
		{"users100", [][]byte{usersPage100(b)}, oldDecodeUsersPage, DecodeUsersPage},
		{"team50", [][]byte{teamPage(b)}, oldDecodeTeamsPage, DecodeTeamsPage},
	} {
		var size int64
		for _, p := range c.pages {
			size += int64(len(p))
		}
		for _, d := range []struct {
			name string
			fn   func([]byte) (*Page, error)
		}{{"old", c.old}, {"new", c.new}} {
			b.Run(c.name+"/"+d.name, func(b *testing.B) {
				b.SetBytes(size / int64(len(c.pages)))
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					if _, err := d.fn(c.pages[i%len(c.pages)]); err != nil {
						b.Fatal(err)
					}
					i++
				}
			})
		}
	}
}
