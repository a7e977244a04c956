package decode

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/wbexport/wbexport/workboard/wbtest"
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
	p, err := Goals(goalsPage100(t))
	if err != nil || len(p.Goals) != 100 {
		t.Fatalf("%v %d", err, len(p.Goals))
	}
	m, err := metrics(metricsPage20(t))
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
		if _, err := Goals(body); err != nil {
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
		if _, err := metrics(body); err != nil {
			b.Fatal(err)
		}
	}
}

// emulatorPages are emulator bodies: the GET /goal pages (100 goals each, people_goals
// wrappers) and the GET /metric?goal_id= bodies of a 200-goal org.
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

// BenchmarkDecodeEnvelope measures the frame decoder alone (success, totalCount, data.<key>
// located and sliced, the resource left raw) over a 100-goal page and a 20-key-result page.
func BenchmarkDecodeEnvelope(b *testing.B) {
	for _, c := range []struct {
		name, key string
		body      []byte
	}{{"goals100", "goal", goalsPage100(b)}, {"metrics20", "metric", metricsPage20(b)}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.body)))
			b.ReportAllocs()
			for b.Loop() {
				env, err := ReadEnvelope(c.body, c.key)
				if err != nil || env.Resource == nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// usersPage100 is a user listing page of 100 copies of the first org member of
// user_org_members_page1.json with distinct ids.
func usersPage100(b testing.TB) []byte {
	return synthPage(b, "user_by_id.json", "user", "user_id", 100, func(items string) string {
		return `{"success":true,"message":"","data":{"totalCount":"100000","user":[` + items + `]}}`
	})
}

// teamPage is GET /team/{id} with 50 members (team_by_id.json's members repeated).
func teamPage(b testing.TB) []byte {
	body := string(fixture(b, "team_by_id.json"))
	i := strings.Index(body, `"team_members"`)
	if i < 0 {
		b.Fatal("team_by_id.json: no team_members")
	}
	open := i + strings.Index(body[i:], "[")
	end := open + strings.Index(body[open:], "]")
	members := strings.TrimSpace(body[open+1 : end])
	var all []string
	for len(all) < 50 {
		all = append(all, members)
	}
	return []byte(body[:open+1] + strings.Join(all, ",") + body[end:])
}

func benchPage(b *testing.B, body []byte, decode func([]byte) (*Page, error), rows func(*Page) int) {
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		p, err := decode(body)
		if err != nil {
			b.Fatal(err)
		}
		n += rows(p)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(max(n, 1)), "ns/row")
}

func BenchmarkDecodeUsersPage(b *testing.B) {
	benchPage(b, usersPage100(b), Users, func(p *Page) int { return len(p.Users) })
}

func BenchmarkDecodeTeamPage(b *testing.B) {
	benchPage(b, teamPage(b), Teams, func(p *Page) int { return len(p.Teams) + len(p.TeamMembers) })
}

func BenchmarkDecodeTeamsList(b *testing.B) {
	benchPage(b, fixture(b, "team_list.json"), Teams, func(p *Page) int { return len(p.Teams) })
}
