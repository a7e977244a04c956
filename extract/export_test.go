package extract

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/wbexport/wbexport/workboard"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/wbexport/wbexport/schemas"
)

// userPager serves GET /user?include=org_members from a list of user ids; page decides what
// one page holds and what totalCount it reports.
type userPager struct {
	mu       sync.Mutex
	requests []int // offsets requested
	page     func(offset, limit int) (ids []int, total string)
}

func (p *userPager) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if r.URL.Path != "/wb/apis/user" || q.Get("include") != "org_members" {
		http.NotFound(w, r)
		return
	}
	off, _ := strconv.Atoi(q.Get("offset"))
	lim, _ := strconv.Atoi(q.Get("limit"))
	p.mu.Lock()
	p.requests = append(p.requests, off)
	p.mu.Unlock()
	ids, total := p.page(off, lim)
	var b strings.Builder
	fmt.Fprintf(&b, `{"success":true,"message":"","data":{`)
	if total != "" {
		fmt.Fprintf(&b, `"totalCount":%s,`, total)
	}
	b.WriteString(`"user":[`)
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"user_id":"%d","email":"u%d@example.com","create_at":"1614708665","manager":false}`, id, id)
	}
	b.WriteString(`]}}`)
	writeJSON(w, 200, []byte(b.String()))
}

// seq returns ids [from, to).
func seq(from, to int) []int {
	var out []int
	for i := from; i < to; i++ {
		out = append(out, i)
	}
	return out
}

// window pages over ids.
func window(ids []int, off, lim int) []int {
	if off >= len(ids) {
		return nil
	}
	return ids[off:min(off+lim, len(ids))]
}

func TestPaging(t *testing.T) {
	all250 := seq(1000, 1250)
	tests := []struct {
		name      string
		page      func(off, lim int) ([]int, string)
		want      []int
		drift     bool
		dups      int64
		maxReqs   int
		wantErr   string
		errIs     error
		opts      []any
		reported  int64
		lastTotal int64
	}{
		{name: "exact", page: func(off, lim int) ([]int, string) { return window(all250, off, lim), "250" },
			want: all250, maxReqs: 3, reported: 250, lastTotal: 250},
		{name: "totalCount as string", page: func(off, lim int) ([]int, string) { return window(all250, off, lim), `"250"` },
			want: all250, maxReqs: 3, reported: 250, lastTotal: 250},
		{name: "total grows mid-export", page: func(off, lim int) ([]int, string) {
			ids := seq(1000, 1330)
			if off == 0 {
				return window(ids, off, lim), "250"
			}
			return window(ids, off, lim), "330"
		}, want: seq(1000, 1330), drift: true, dups: 330, maxReqs: 8, reported: 250, lastTotal: 330},
		{name: "overlapping pages", page: func(off, lim int) ([]int, string) {
			if off == 100 {
				off = 95 // an insert shifted the window
			}
			return window(all250, off, lim), "250"
		}, want: append(seq(1000, 1195), seq(1200, 1250)...), drift: true, dups: 5, maxReqs: 4, reported: 250, lastTotal: 250},
		// Short of an unchanged totalCount, confirmed by asking again: fail, never publish short.
		{name: "empty pages (total too high)", page: func(off, lim int) ([]int, string) {
			return window(seq(1000, 1150), off, lim), "500"
		}, wantErr: "totalCount 500 (asked again: 500), but only 150 items arrived", errIs: ErrShort},
		{name: "totalCount too small (equal to the first page)", page: func(off, lim int) ([]int, string) {
			return window(all250, off, lim), "100"
		}, wantErr: "totalCount 100, but this page after the last one has 100 more items", errIs: ErrShort},
		{name: "page repeating ids", page: func(off, lim int) ([]int, string) {
			if off >= 200 {
				off = 100 // the server ignores large offsets
			}
			return window(seq(1000, 2000), off, lim), "1000"
		}, want: seq(1000, 1200), drift: true, dups: 900, maxReqs: 1000/100 + 2, reported: 1000, lastTotal: 1000},
		{name: "server clamps the page size", page: func(off, lim int) ([]int, string) { return window(all250, off, 40), "250" },
			want: all250, maxReqs: 7, reported: 250, lastTotal: 250},
		{name: "no totalCount", page: func(off, lim int) ([]int, string) { return window(all250, off, lim), "" },
			want: all250, maxReqs: 4, reported: -1, lastTotal: -1},
		{name: "no totalCount, clamped pages", page: func(off, lim int) ([]int, string) { return window(all250, off, 30), "" },
			want: all250, maxReqs: 10, reported: -1, lastTotal: -1},
		{name: "total shrinks", page: func(off, lim int) ([]int, string) {
			if off == 0 {
				return window(all250, off, lim), "250"
			}
			return window(seq(1000, 1180), off, lim), "180"
		}, wantErr: "totalCount 250 (asked again: 250), but only 180 items arrived", errIs: ErrShort},
		{name: "deletion mid-export recovered by listing again", page: func() func(off, lim int) ([]int, string) {
			var zero atomic.Int32
			after := seq(1005, 1250) // the first five users were deleted after page 0 was served
			return func(off, lim int) ([]int, string) {
				if off == 0 && zero.Add(1) == 1 {
					return window(all250, 0, lim), "250"
				}
				return window(after, off, lim), "245"
			}
		}(), want: all250, drift: true, dups: 240, maxReqs: 7, reported: 250, lastTotal: 250},
		{name: "negative total", page: func(off, lim int) ([]int, string) { return nil, "-5" },
			wantErr: "negative totalCount"},
		{name: "absurd total", page: func(off, lim int) ([]int, string) { return window(all250, off, lim), "900000000000" },
			wantErr: "above the limit", errIs: ErrDrift, opts: []any{WithMaxTotal(1_000_000)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := &userPager{page: tc.page}
			ex := newTestExporter(t, p, append([]any{WithPageSize(100), workboard.WithConcurrency(3)}, tc.opts...)...)
			col := &collector{}
			rep, err := ex.Export(context.Background(), plan(t, schemas.Users), col.emit)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || (tc.errIs != nil && !errors.Is(err, tc.errIs)) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				if !strings.Contains(err.Error(), "page offset ") {
					t.Fatalf("error does not name the page: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := userIDs(col.all.Users); fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Fatalf("got %d users, want %d", len(got), len(tc.want))
			}
			wantStats := EndpointStats{ReportedTotal: tc.reported, LastTotal: tc.lastTotal, Fetched: int64(len(tc.want)),
				Duplicates: tc.dups, Drift: tc.drift}
			if diff := cmp.Diff(wantStats, *rep.Endpoints["users"], cmpopts.IgnoreFields(EndpointStats{}, "Requests")); diff != "" {
				t.Fatalf("endpoint stats (-want +got):\n%s", diff)
			}
			if tc.drift && len(rep.Warnings) == 0 {
				t.Fatal("drift not reported in warnings")
			}
			if len(p.requests) > tc.maxReqs {
				t.Fatalf("%d page requests %v, at most %d expected", len(p.requests), p.requests, tc.maxReqs)
			}
			if rep.Rows[schemas.Users] != int64(len(tc.want)) || col.overlap.Load() {
				t.Fatalf("rows %v overlap %v", rep.Rows, col.overlap.Load())
			}
			for _, u := range col.all.Users {
				if !strings.HasPrefix(u.Endpoint, "/user?include=org_members&custom_attributes=1&limit=100&offset=") || u.ExtractedAt.IsZero() {
					t.Fatalf("meta %+v", u.Meta)
				}
			}
		})
	}
}

// fixtureOrg serves the shared fixtures as a tiny org: 5 users in pages of 3, 4 teams, 5 goals
// in pages of 3 (Marcus' wrapper split across the pages), key results for goal 90114, and
// "not found" for team 52061 and goal 90140; two tags, the key result tags of 310552, and the
// alignment tree of goal_alignment.json (90127 and 90114 under 90101; 90133 unaligned).
func fixtureOrg(t *testing.T) http.Handler {
	mux := http.NewServeMux()
	notFound := func(w http.ResponseWriter) {
		writeJSON(w, 400, body(t, "error_invalid_resource_id.json"))
	}
	mux.HandleFunc("/wb/apis/user", func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("offset") {
		case "0":
			writeJSON(w, 200, fixture(t, "user_org_members_page1.json"))
		case "3":
			writeJSON(w, 200, fixture(t, "user_org_members_page2.json"))
		default:
			writeJSON(w, 200, []byte(`{"success":true,"data":{"totalCount":5,"user":[]}}`))
		}
	})
	mux.HandleFunc("/wb/apis/team", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, fixture(t, "team_list.json"))
	})
	mux.HandleFunc("/wb/apis/team/{id}", func(w http.ResponseWriter, r *http.Request) {
		switch r.PathValue("id") {
		case "52033":
			writeJSON(w, 200, fixture(t, "team_by_id.json"))
		case "52061":
			notFound(w)
		default:
			id := r.PathValue("id")
			writeJSON(w, 200, []byte(`{"success":true,"data":{"totalCount":1,"team":{"team_id":"`+id+`","team_members":[{"id":"180231","team_role":"manager"}]}}}`))
		}
	})
	mux.HandleFunc("/wb/apis/goal", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("goal_status") != "1,2" || q.Get("custom_attributes") != "1" {
			writeJSON(w, 400, []byte(`{"success":false,"error":"missing_required_parameters","error_description":"test server wants goal_status=1,2"}`))
			return
		}
		if q.Get("offset") == "0" {
			writeJSON(w, 200, fixture(t, "goal_list_page1.json"))
			return
		}
		writeJSON(w, 200, fixture(t, "goal_list_page2.json"))
	})
	mux.HandleFunc("/wb/apis/metric", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("include_metric_data") != "yes" {
			http.Error(w, "want include_metric_data", 400)
			return
		}
		switch q.Get("goal_id") {
		case "90114":
			writeJSON(w, 200, fixture(t, "metric_list.json"))
		case "90140":
			notFound(w)
		default:
			writeJSON(w, 200, []byte(`{"success":true,"message":"","data":{"totalCount":0,"metric":[]}}`))
		}
	})
	mux.HandleFunc("/wb/apis/tags", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, fixture(t, "tags_list.json"))
	})
	mux.HandleFunc("/wb/apis/metric/krtags", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, fixture(t, "metric_krtags.json"))
	})
	mux.HandleFunc("/wb/apis/goal/{id}/alignment", func(w http.ResponseWriter, r *http.Request) {
		switch id := r.PathValue("id"); id {
		case "90101", "90114", "90127":
			writeJSON(w, 200, fixture(t, "goal_alignment.json"))
		case "90140":
			notFound(w)
		default:
			writeJSON(w, 200, []byte(`{"success":true,"data":{"totalCount":1,"alignment":[{"goal_id":"`+id+`","goal_alignments":[]}]}}`))
		}
	})
	mux.HandleFunc("/wb/apis/metric/{id}", func(w http.ResponseWriter, r *http.Request) {
		switch r.PathValue("id") {
		case "310552":
			writeJSON(w, 200, fixture(t, "metric_by_id_with_data.json"))
		case "310553":
			writeJSON(w, 200, fixture(t, "metric_by_id.json"))
		default:
			notFound(w)
		}
	})
	return mux
}

func TestExportFixtureOrg(t *testing.T) {
	var progress []Progress
	ex := newTestExporter(t, fixtureOrg(t), WithPageSize(3), fixtureSkips, WithProgress(func(p Progress) { progress = append(progress, p) }))
	col := &collector{}
	rep, err := ex.Export(context.Background(), FullPlan(), col.emit)
	if err != nil {
		t.Fatal(err)
	}
	if col.overlap.Load() {
		t.Fatal("emit called concurrently")
	}
	if got := userIDs(col.all.Users); fmt.Sprint(got) != "[180231 180245 180262 180277 180290]" {
		t.Fatalf("users %v", got)
	}
	if len(col.all.Teams) != 4 || len(col.all.TeamMembers) != 3+2 {
		t.Fatalf("teams %d members %d", len(col.all.Teams), len(col.all.TeamMembers))
	}
	var goals []int
	for _, g := range col.all.Goals {
		goals = append(goals, int(g.GoalID))
	}
	sort.Ints(goals)
	if fmt.Sprint(goals) != "[90101 90114 90127 90133 90140]" {
		t.Fatalf("goals %v", goals)
	}
	if len(col.all.KeyResults) != 2 || len(col.all.Confidence) == 0 {
		t.Fatalf("krs %d conf %d", len(col.all.KeyResults), len(col.all.Confidence))
	}
	for _, k := range col.all.KeyResults {
		if k.GoalID != 90114 || k.Endpoint != "/metric?goal_id=90114&include_metric_data=yes" {
			t.Fatalf("kr %+v", k.Meta)
		}
	}
	// goal 90140 answers "not found"; its key result 310540 and the key results that
	// goal_metrics lists but /metric?goal_id= did not return are tried one by one and answer
	// "not found" too
	wantSkipped := []Skipped{{Entity: "goal", ID: 90140}, {Entity: "goal_alignment", ID: 90140}, {Entity: "key_result", ID: 310501}, {Entity: "key_result", ID: 310540}, {Entity: "key_result", ID: 310580},
		{Entity: "key_result", ID: 310581}, {Entity: "key_result", ID: 310599}, {Entity: "team", ID: 52061}}
	if diff := cmp.Diff(wantSkipped, rep.Skipped, cmpopts.IgnoreFields(Skipped{}, "Endpoint", "Reason")); diff != "" {
		t.Fatalf("skipped (-want +got):\n%s", diff)
	}
	if !strings.Contains(strings.Join(rep.Warnings, "\n"), "5 key results listed in goal_metrics were not returned") {
		t.Fatalf("warnings %q", rep.Warnings)
	}
	for i, s := range rep.Skipped {
		if !strings.Contains(s.Reason, "invalid_resource_id") {
			t.Fatalf("skipped[%d] = %+v, want an invalid_resource_id reason", i, s)
		}
	}
	type endpoints struct {
		GoalsFetched int64
		GoalsDrift   bool
		UsersFetched int64
	}
	gotEndpoints := endpoints{GoalsFetched: rep.Endpoints["goals"].Fetched, GoalsDrift: rep.Endpoints["goals"].Drift,
		UsersFetched: rep.Endpoints["users"].Fetched}
	if diff := cmp.Diff(endpoints{GoalsFetched: 5, UsersFetched: 5}, gotEndpoints); diff != "" {
		t.Fatalf("endpoints (-want +got):\n%s", diff)
	}
	type totals struct {
		GoalRows, KeyResultRows int64
		HasRequests, HasBytes   bool
	}
	gotTotals := totals{GoalRows: rep.Rows[schemas.Goals], KeyResultRows: rep.Rows[schemas.KeyResults],
		HasRequests: rep.Requests != 0, HasBytes: rep.BytesReceived != 0}
	if diff := cmp.Diff(totals{GoalRows: 5, KeyResultRows: 2, HasRequests: true, HasBytes: true}, gotTotals); diff != "" {
		t.Fatalf("report (-want +got):\n%s", diff)
	}
	// the parts run concurrently: every entity reports progress, pages counting up per entity
	last := map[string]int{}
	for _, p := range progress {
		if p.PagesDone != last[p.Entity]+1 {
			t.Fatalf("progress of %s out of order: %+v", p.Entity, progress)
		}
		last[p.Entity] = p.PagesDone
	}
	for _, e := range []string{"users", "teams", "team_members", "goals", "key_results"} {
		if last[e] == 0 {
			t.Fatalf("no progress for %s: %+v", e, progress)
		}
	}
	// the report serialises with stable snake_case keys
	js, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{`"requests"`, `"retries":{"429":0,"5xx":0,"conn":0,"timeout":0,"truncated":0}`, `"http_429"`,
		`"throttle_wait_ms"`, `"bytes_received"`, `"rows"`, `"key_result_checkins"`, `"reported_total"`, `"duplicates"`, `"skipped"`, `"duration_ms"`} {
		if !strings.Contains(string(js), k) {
			t.Fatalf("report JSON lacks %s: %s", k, js)
		}
	}
	// rows is keyed by the plain table names
	var decoded struct {
		Rows map[string]int64 `json:"rows"`
	}
	if err := json.Unmarshal(js, &decoded); err != nil {
		t.Fatal(err)
	}
	wantRows := map[string]int64{}
	for id, n := range rep.Rows {
		wantRows[string(id)] = n
	}
	if diff := cmp.Diff(wantRows, decoded.Rows); diff != "" {
		t.Errorf("report JSON rows (-want +got):\n%s", diff)
	}
	if decoded.Rows["goals"] != 5 {
		t.Errorf("report JSON rows[goals] = %d, want 5", decoded.Rows["goals"])
	}
}

func TestExportPlans(t *testing.T) {
	tests := []struct {
		name  string
		plan  Plan
		check func(t *testing.T, b *workboard.Batch, rep *Report)
	}{
		{"users only", plan(t, schemas.Users), func(t *testing.T, b *workboard.Batch, rep *Report) {
			type got struct {
				Users, GoalsTeamsKeyResults int
				GoalsListed                 bool
			}
			g := got{Users: len(b.Users), GoalsTeamsKeyResults: len(b.Goals) + len(b.Teams) + len(b.KeyResults), GoalsListed: rep.Endpoints["goals"] != nil}
			if diff := cmp.Diff(got{Users: 5}, g); diff != "" {
				t.Fatalf("records and goal calls (-want +got):\n%s", diff)
			}
		}},
		{"key results imply listing goals, not emitting them", plan(t, schemas.KeyResults), func(t *testing.T, b *workboard.Batch, rep *Report) {
			type got struct {
				Goals, KeyResults, Checkins int
				GoalsFetched                int64
			}
			g := got{Goals: len(b.Goals), KeyResults: len(b.KeyResults), Checkins: len(b.Checkins), GoalsFetched: rep.Endpoints["goals"].Fetched}
			if diff := cmp.Diff(got{KeyResults: 2, GoalsFetched: 5}, g); diff != "" {
				t.Fatalf("records and goals listed (-want +got):\n%s", diff)
			}
			if _, ok := rep.Rows[schemas.Goals]; ok {
				t.Fatal("rows lists a table not in the plan")
			}
		}},
		{"per key result", perKR(plan(t, schemas.KeyResults, schemas.KeyResultCheckins, schemas.KeyResultConf, schemas.KeyResultComments)),
			func(t *testing.T, b *workboard.Batch, rep *Report) {
				if len(b.KeyResults) != 2 || len(b.Checkins) != 8 {
					t.Fatalf("krs %d checkins %d", len(b.KeyResults), len(b.Checkins))
				}
				var withID int
				for _, c := range b.Confidence {
					if c.MetricDataID.Valid {
						withID++
					}
				}
				if withID == 0 {
					t.Fatal("per-KR fetch should give confidence metric_data_id")
				}
				if len(rep.Skipped) != 5 { // 7 KR ids in goal_metrics, 2 served
					t.Fatalf("skipped %+v", rep.Skipped)
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ex := newTestExporter(t, fixtureOrg(t), WithPageSize(3), fixtureSkips)
			col := &collector{}
			rep, err := ex.Export(context.Background(), tc.plan, col.emit)
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, &col.all, rep)
		})
	}
}

func TestPlanFor(t *testing.T) {
	p, err := PlanFor(schemas.KeyResultCheckins, schemas.Users, schemas.KeyResultCheckins)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]schemas.TableID{schemas.Users, schemas.KeyResultCheckins}, p.Tables()); diff != "" {
		t.Errorf("Tables() in export order, each once (-want +got):\n%s", diff)
	}
	type needs struct{ HasUsers, HasGoals, NeedKRs, NeedGoals bool }
	gotNeeds := needs{HasUsers: p.Has(schemas.Users), HasGoals: p.Has(schemas.Goals), NeedKRs: p.needKRs(), NeedGoals: p.needGoals()}
	if diff := cmp.Diff(needs{HasUsers: true, NeedKRs: true, NeedGoals: true}, gotNeeds); diff != "" {
		t.Errorf("plan %+v (-want +got):\n%s", p, diff)
	}
	for _, id := range []schemas.TableID{"nope", schemas.SyncRuns} {
		if _, err := PlanFor(schemas.Users, id); err == nil || !strings.Contains(err.Error(), string(id)) {
			t.Errorf("PlanFor(users, %s) = %v, want an error naming the table", id, err)
		}
	}
	if diff := cmp.Diff(schemas.IDs(schemas.DataTables()), FullPlan().Tables()); diff != "" {
		t.Errorf("FullPlan().Tables() (-want +got):\n%s", diff)
	}
}

func TestExportFailures(t *testing.T) {
	t.Run("auth error fails fast", func(t *testing.T) {
		var n atomic.Int32
		ex := newTestExporter(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n.Add(1)
			writeJSON(w, 400, fixture(t, "error_400_invalid_token.json"))
		}))
		_, err := ex.Export(context.Background(), FullPlan(), (&collector{}).emit)
		// the four independent parts (users, teams, goals, tags) start together: at most
		// their first requests, none retried, nothing after the error
		if !errors.Is(err, workboard.ErrAuth) || n.Load() < 1 || n.Load() > 4 {
			t.Fatalf("err %v after %d requests", err, n.Load())
		}
	})
	for listing, endpoint := range map[KRListing]string{KRByGoal: "/metric?goal_id=", KRAuto: "/metric?team_id="} {
		t.Run("key-result decode error fails the export, "+string(listing), func(t *testing.T) {
			mux := http.NewServeMux()
			mux.Handle("/", fixtureOrg(t))
			mux.HandleFunc("/wb/apis/metric", func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 200, body(t, "metrics_conf_missing_modified.json"))
			})
			ex := newTestExporter(t, mux, WithPageSize(3), fixtureSkips)
			p := plan(t, schemas.KeyResultConf)
			p.KRListing = listing
			_, err := ex.Export(context.Background(), p, (&collector{}).emit)
			var de *workboard.DecodeError
			if !errors.As(err, &de) || de.ObjectID != "310552" || !strings.Contains(de.Endpoint, endpoint) {
				t.Fatalf("err %v", err)
			}
		})
	}
	t.Run("emit error stops the export", func(t *testing.T) {
		ex := newTestExporter(t, fixtureOrg(t), WithPageSize(3), fixtureSkips)
		boom := errors.New("sink full")
		_, err := ex.Export(context.Background(), FullPlan(), func(context.Context, *workboard.Batch) error { return boom })
		if !errors.Is(err, boom) {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("insufficient access", func(t *testing.T) {
		ex := newTestExporter(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Get("include") == "org_members" {
				writeJSON(w, 400, body(t, "error_insufficient_access.json"))
				return
			}
			writeJSON(w, 200, fixture(t, "user_me.json"))
		}))
		_, err := ex.Export(context.Background(), plan(t, schemas.Users), (&collector{}).emit)
		if !errors.Is(err, workboard.ErrDataAdmin) || errors.Is(err, workboard.ErrAuth) {
			t.Fatalf("err %v", err)
		}
		res, err := Check(context.Background(), ex.Client())
		if err != nil {
			t.Fatalf("check: %v", err)
		}
		type got struct {
			DataAdmin  bool
			UserID     int64
			HasProblem bool
		}
		if diff := cmp.Diff(got{UserID: 180231, HasProblem: true}, got{DataAdmin: res.DataAdmin, UserID: res.UserID, HasProblem: res.Problem != ""}); diff != "" {
			t.Fatalf("check (-want +got):\n%s", diff)
		}
	})
}

func TestCheckOK(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/wb/apis/user", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("include") == "org_members" {
			writeJSON(w, 200, fixture(t, "user_org_members_page1.json"))
			return
		}
		writeJSON(w, 200, fixture(t, "user_me.json"))
	})
	ex := newTestExporter(t, mux)
	res, err := Check(context.Background(), ex.Client())
	if err != nil {
		t.Fatal(err)
	}
	type got struct {
		DataAdmin  bool
		OrgMembers int64
		HasEmail   bool
	}
	if diff := cmp.Diff(got{DataAdmin: true, OrgMembers: 5, HasEmail: true}, got{DataAdmin: res.DataAdmin, OrgMembers: res.OrgMembers, HasEmail: res.Email != ""}); diff != "" {
		t.Fatalf("check (-want +got):\n%s", diff)
	}
}

// A key result that goal_metrics lists but /metric?goal_id= leaves out is fetched by id.
func TestCrossCheckFetchesMissingKR(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("/", fixtureOrg(t))
	mux.HandleFunc("/wb/apis/metric", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("goal_id") == "90114" { // only 310552, not 310553
			writeJSON(w, 200, fixture(t, "metric_by_id_with_data.json"))
			return
		}
		writeJSON(w, 200, []byte(`{"success":true,"message":"","data":{"totalCount":0,"metric":[]}}`))
	})
	ex := newTestExporter(t, mux, WithPageSize(3), fixtureSkips)
	col := &collector{}
	rep, err := ex.Export(context.Background(), plan(t, schemas.KeyResults), col.emit)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int
	for _, k := range col.all.KeyResults {
		ids = append(ids, int(k.MetricID))
		if k.MetricID == 310553 && k.Endpoint != "/metric/310553?include_metric_data=yes" {
			t.Fatalf("310553 came from %s", k.Endpoint)
		}
	}
	sort.Ints(ids)
	if fmt.Sprint(ids) != "[310552 310553]" || len(rep.Warnings) == 0 {
		t.Fatalf("key results %v warnings %v", ids, rep.Warnings)
	}
}

// Cancelling an export stops it promptly, also while per-goal calls are in flight.
func TestExportCancel(t *testing.T) {
	seen := make(chan struct{}, 100)
	mux := http.NewServeMux()
	mux.Handle("/", fixtureOrg(t))
	mux.HandleFunc("/wb/apis/metric", func(w http.ResponseWriter, r *http.Request) {
		seen <- struct{}{}
		<-r.Context().Done()
	})
	ex := newTestExporter(t, mux, WithPageSize(3), fixtureSkips, workboard.WithRequestTimeout(time.Hour))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := ex.Export(ctx, FullPlan(), (&collector{}).emit)
		done <- err
	}()
	<-seen
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v", err)
	}
}

// TestExportOverlapsParts checks the order of requests, not their speed: the users listing is
// answered only once a goal page was requested, and (listing key results by goal) the goal
// listing's later pages only once a key result call was made. An export that ran the parts one
// after another would never satisfy these conditions (its requests would wait until the
// client's timeout and fail). Key results by team wait for the goal listing by design.
func TestExportOverlapsParts(t *testing.T) {
	sawGoal, sawMetric := make(chan struct{}), make(chan struct{})
	var goalOnce, metricOnce sync.Once
	org := fixtureOrg(t)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/wb/apis/goal":
			goalOnce.Do(func() { close(sawGoal) })
			if r.URL.Query().Get("offset") != "0" {
				select {
				case <-sawMetric:
				case <-r.Context().Done():
					return
				}
			}
		case "/wb/apis/metric":
			metricOnce.Do(func() { close(sawMetric) })
		case "/wb/apis/user":
			select {
			case <-sawGoal:
			case <-r.Context().Done():
				return
			}
		}
		org.ServeHTTP(w, r)
	})
	ex := newTestExporter(t, h, WithPageSize(3), fixtureSkips, workboard.WithConcurrency(4), workboard.WithMaxAttempts(1))
	col := &collector{}
	p := FullPlan()
	p.KRListing = KRByGoal
	rep, err := ex.Export(context.Background(), p, col.emit)
	if err != nil {
		t.Fatalf("export: %v", err)
	}
	if rep.Rows[schemas.Users] == 0 || rep.Rows[schemas.KeyResults] == 0 || rep.Endpoints["goals"].Requests < 2 {
		t.Fatalf("rows %v, goal pages %d", rep.Rows, rep.Endpoints["goals"].Requests)
	}
}

func perKR(p Plan) Plan {
	p.PerKeyResult = true
	return p
}
