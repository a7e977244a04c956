package wbtest

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// pageAll walks path&limit=L&offset=k·L until offset >= totalCount, returning every page's
// item ids and the totalCount of each page.
func pageAll(t *testing.T, ts *TestServer, path string, limit int, ids func(map[string]any) []int64) (pages [][]int64, totals []int) {
	t.Helper()
	step := limit
	if step == 0 {
		step = DefaultPageSize
	}
	for off := 0; ; off += step {
		p := fmt.Sprintf("%s&offset=%d", path, off)
		if limit > 0 {
			p += fmt.Sprintf("&limit=%d", limit)
		}
		d := get(t, ts, p, ts.AdminToken).data(t)
		pages = append(pages, ids(d))
		totals = append(totals, totalCount(t, d))
		if off+step >= totals[len(totals)-1] || len(pages) > 1000 {
			return pages, totals
		}
	}
}

func listIDs(key, idKey string) func(*testing.T) func(map[string]any) []int64 {
	return func(t *testing.T) func(map[string]any) []int64 {
		return func(d map[string]any) []int64 {
			var out []int64
			for _, x := range arr(t, d[key], key) {
				out = append(out, idOf(t, x, idKey))
			}
			return out
		}
	}
}

func TestPagingArithmetic(t *testing.T) {
	org := Generate(OrgConfig{Seed: 5, Users: 37, Teams: 23, Goals: 61, KRsPerGoal: 2, CheckinsPerKR: 3})
	ts := Start(t, org)
	team := org.Goals[0].TeamID
	if team == 0 {
		team = org.Goals[1].TeamID
	}
	goalIDs := func(t *testing.T) func(map[string]any) []int64 {
		return func(d map[string]any) []int64 { ids, _ := goalIDsOfPage(t, d); return ids }
	}
	endpoints := []struct {
		name string
		path string
		ids  func(*testing.T) func(map[string]any) []int64
		want int
	}{
		{"goals", "/goal?goal_status=1,2", goalIDs, len(org.Goals)},
		{"users", "/user?include=org_members", listIDs("user", "user_id"), len(org.Users)},
		{"teams", "/team?include=org_teams", listIDs("team", "team_id"), len(org.Teams)},
		{"team metrics", fmt.Sprintf("/metric?team_id=%d", team), listIDs("metric", "metric_id"), -1},
	}
	for _, e := range endpoints {
		for _, limit := range []int{0, 1, 7, 15, 100} {
			t.Run(fmt.Sprintf("%s/limit=%d", e.name, limit), func(t *testing.T) {
				pages, totals := pageAll(t, ts, e.path, limit, e.ids(t))
				eff := limit
				if eff == 0 {
					eff = DefaultPageSize
				}
				seen := map[int64]bool{}
				sum := 0
				for i, p := range pages {
					if totals[i] != totals[0] {
						t.Fatalf("totalCount changed between pages: %v", totals)
					}
					if len(p) > eff {
						t.Fatalf("page %d has %d items, limit %d", i, len(p), eff)
					}
					if i < len(pages)-1 && len(p) != eff {
						t.Fatalf("non-final page %d has %d items, want %d", i, len(p), eff)
					}
					sum += len(p)
					for _, id := range p {
						if seen[id] {
							t.Fatalf("id %d served twice", id)
						}
						seen[id] = true
					}
				}
				if sum != totals[0] || (e.want >= 0 && sum != e.want) {
					t.Fatalf("pages hold %d items, totalCount %d, org has %d", sum, totals[0], e.want)
				}
			})
		}
	}
}

func TestGoalWrappersSplitAcrossPages(t *testing.T) {
	org := smallOrg()
	ts := Start(t, org)
	split := 0
	var prevLast int64
	for off := 0; off < len(org.Goals); off += 7 {
		d := get(t, ts, fmt.Sprintf("/goal?goal_status=1,2&limit=7&offset=%d", off), ts.AdminToken).data(t)
		ws := arr(t, d["goal"], "goal")
		for i, w := range ws {
			uid := idOf(t, w, "user_id")
			if i > 0 && idOf(t, ws[i-1], "user_id") == uid {
				t.Fatalf("offset %d: two adjacent wrappers for user %d", off, uid)
			}
			for _, g := range arr(t, w.(map[string]any)["people_goals"], "people_goals") {
				if idOf(t, g, "goal_owner") != uid {
					t.Fatalf("wrapper of user %d holds a goal of %d", uid, idOf(t, g, "goal_owner"))
				}
			}
		}
		if off > 0 && idOf(t, ws[0], "user_id") == prevLast {
			split++
		}
		prevLast = idOf(t, ws[len(ws)-1], "user_id")
	}
	if split == 0 {
		t.Error("no user wrapper was split across two pages")
	}
}

func TestLimitErrorsAndClamping(t *testing.T) {
	org := smallOrg()
	clamp := Start(t, org, WithMaxLimit(10))
	reject := Start(t, org, WithMaxLimit(10), WithRejectOverLimit())
	d := get(t, clamp, "/goal?goal_status=1,2&limit=25", clamp.AdminToken).data(t)
	if ids, _ := goalIDsOfPage(t, d); len(ids) != 10 || totalCount(t, d) != len(org.Goals) {
		t.Fatalf("clamped page: %d goals, totalCount %d", len(ids), totalCount(t, d))
	}
	if r := get(t, reject, "/goal?limit=25", reject.AdminToken); r.status != 400 || r.json(t)["error"] != "invalid_request" {
		t.Fatalf("over-limit with reject: %d %s", r.status, r.body)
	}
	for _, c := range []struct{ q, code string }{
		{"limit=0", "missing_required_parameters"}, {"limit=-3", "missing_required_parameters"},
		{"limit=abc", "invalid_request"}, {"offset=-1", "invalid_request"}, {"offset=x", "invalid_request"},
	} {
		for _, p := range []string{"/goal?", "/user?include=org_members&", "/team?include=org_teams&", "/metric?"} {
			r := get(t, clamp, p+c.q, clamp.AdminToken)
			if r.status != 400 || r.json(t)["error"] != c.code {
				t.Errorf("%s%s: %d %s, want 400 %s", p, c.q, r.status, r.body, c.code)
			}
		}
	}
	// Default page size.
	d = get(t, clamp, "/goal?goal_status=1,2", clamp.AdminToken).data(t)
	if ids, _ := goalIDsOfPage(t, d); len(ids) != DefaultPageSize {
		t.Fatalf("no limit: %d goals, want %d", len(ids), DefaultPageSize)
	}
}

func TestTotalCountAsString(t *testing.T) {
	ts := Start(t, smallOrg(), WithTotalCountAsString())
	for _, p := range []string{"/goal", "/user", "/metric", "/team?include=org_teams"} {
		d := get(t, ts, p, ts.AdminToken).data(t)
		s, ok := d["totalCount"].(string)
		if _, err := strconv.Atoi(s); !ok || err != nil {
			t.Errorf("%s: totalCount %#v, want a numeric string", p, d["totalCount"])
		}
	}
	plain := Start(t, smallOrg())
	if _, ok := get(t, plain, "/goal", plain.AdminToken).data(t)["totalCount"].(float64); !ok {
		t.Error("default totalCount is not a JSON number")
	}
}

func TestFlatGoalsAndShapes(t *testing.T) {
	org := smallOrg()
	flat := Start(t, org, WithFlatGoals())
	d := get(t, flat, "/goal?goal_status=1,2&limit=100", flat.AdminToken).data(t)
	for _, g := range arr(t, d["goal"], "goal") {
		gm := g.(map[string]any)
		if gm["people_goals"] != nil || gm["goal_id"] == nil {
			t.Fatalf("not a flat goal: %v", gm)
		}
	}
	if ids, _ := goalIDsOfPage(t, d); len(ids) != len(org.Goals) {
		t.Fatalf("flat: %d goals, want %d", len(ids), len(org.Goals))
	}

	ts := Start(t, org)
	// team_id → team wrappers with an INTEGER team_id.
	team := org.Goals[1].TeamID
	want := 0
	for _, g := range org.Goals {
		if g.TeamID == team {
			want++
		}
	}
	d = get(t, ts, fmt.Sprintf("/goal?goal_status=1,2&limit=100&team_id=%d", team), ts.AdminToken).data(t)
	ws := arr(t, d["goal"], "goal")
	if len(ws) != 1 || ws[0].(map[string]any)["team_id"] != float64(team) {
		t.Fatalf("team wrappers: %v", d["goal"])
	}
	if ids, _ := goalIDsOfPage(t, d); len(ids) != want || totalCount(t, d) != want {
		t.Fatalf("team %d: %d goals, want %d", team, len(ids), want)
	}
	// id= → a single object.
	g := get(t, ts, fmt.Sprintf("/goal?id=%d", org.Goals[3].ID), ts.AdminToken).data(t)["goal"]
	if idOf(t, g, "goal_id") != org.Goals[3].ID {
		t.Fatal("goal?id= did not return the goal object")
	}
}

func TestGoalStatusFilter(t *testing.T) {
	org := smallOrg()
	ts := Start(t, org)
	count := map[string]int{}
	for _, g := range org.Goals {
		count[g.Status]++
	}
	if count["1"] == 0 || count["2"] == 0 {
		t.Fatal("org needs active and closed goals")
	}
	for _, c := range []struct {
		q    string
		want int
	}{{"", count["1"]}, {"goal_status=1", count["1"]}, {"goal_status=2", count["2"]}, {"goal_status=1,2", len(org.Goals)}} {
		d := get(t, ts, "/goal?limit=100&"+c.q, ts.AdminToken).data(t)
		if ids, _ := goalIDsOfPage(t, d); len(ids) != c.want || totalCount(t, d) != c.want {
			t.Errorf("%q: %d goals (totalCount %d), want %d", c.q, len(ids), totalCount(t, d), c.want)
		}
	}
	if r := get(t, ts, "/goal?goal_status=3", ts.AdminToken); r.status != 400 {
		t.Errorf("goal_status=3: %d", r.status)
	}
	all := Start(t, org, WithDefaultGoalStatus("1,2"))
	if n := totalCount(t, get(t, all, "/goal", all.AdminToken).data(t)); n != len(org.Goals) {
		t.Errorf("WithDefaultGoalStatus(1,2): totalCount %d", n)
	}
}

func collectGoals(t *testing.T, ts *TestServer, limit int) (pages [][]int64, totals []int) {
	return pageAll(t, ts, "/goal?goal_status=1,2", limit, func(d map[string]any) []int64 {
		ids, _ := goalIDsOfPage(t, d)
		return ids
	})
}

func TestGoalDrift(t *testing.T) {
	org := smallOrg()
	n := len(org.Goals)
	for _, c := range []struct {
		drift int
		dups  bool
	}{{3, true}, {-3, false}} {
		t.Run(fmt.Sprint(c.drift), func(t *testing.T) {
			ts := Start(t, org, WithGoalDrift(c.drift))
			pages, totals := collectGoals(t, ts, 10)
			if totals[0] != n || totals[1] != n+c.drift {
				t.Fatalf("totalCount %v, want %d then %d", totals, n, n+c.drift)
			}
			seen, dups := map[int64]bool{}, 0
			for _, p := range pages {
				for _, id := range p {
					if seen[id] {
						dups++
					}
					seen[id] = true
				}
			}
			if c.dups && dups == 0 {
				t.Error("created goals did not make later pages repeat goals")
			}
			if !c.dups && len(seen) >= n {
				t.Errorf("deleted goals did not make the client miss goals (saw %d of %d)", len(seen), n)
			}
			// The change persists: a fresh listing shows the changed set from its first page
			// on, so listing again yields every goal of the final set exactly once.
			again, againTotals := collectGoals(t, ts, 10)
			if againTotals[0] != n+c.drift {
				t.Errorf("first page after drift: totalCount %d, want %d", againTotals[0], n+c.drift)
			}
			final := map[int64]int{}
			for _, p := range again {
				for _, id := range p {
					final[id]++
				}
			}
			if len(final) != n+c.drift {
				t.Errorf("second listing: %d distinct goals, want %d", len(final), n+c.drift)
			}
			for id, k := range final {
				if k != 1 {
					t.Errorf("second listing: goal %d listed %d times", id, k)
				}
			}
		})
	}
	ts := Start(t, org, WithGoalDrift(2))
	for _, g := range ts.Emulator.DriftGoals() {
		if r := get(t, ts, fmt.Sprintf("/metric?goal_id=%d", g.ID), ts.AdminToken); r.status != 200 || totalCount(t, r.data(t)) != 0 {
			t.Errorf("drift goal %d: /metric %d %s", g.ID, r.status, r.body)
		}
	}
}

func TestPageOverlap(t *testing.T) {
	org := smallOrg()
	ts := Start(t, org, WithPageOverlap(3))
	pages, totals := collectGoals(t, ts, 10)
	sum, seen := 0, map[int64]int{}
	for i, p := range pages {
		sum += len(p)
		for _, id := range p {
			seen[id]++
		}
		if i > 0 {
			prev := pages[i-1]
			if fmt.Sprint(prev[len(prev)-3:]) != fmt.Sprint(p[:3]) {
				t.Fatalf("page %d does not start with the last 3 goals of page %d", i, i-1)
			}
		}
	}
	if sum != totals[0] {
		t.Errorf("sum of pages %d != totalCount %d", sum, totals[0])
	}
	if len(seen) != len(org.Goals) {
		t.Errorf("distinct goals %d, want %d", len(seen), len(org.Goals))
	}
}

func TestUserGoalsCap(t *testing.T) {
	org := Generate(OrgConfig{Seed: 2, Users: 2, Teams: 1, Goals: 50, KRsPerGoal: 1, CheckinsPerKR: 2})
	ts := Start(t, org)
	u := org.Users[1]
	owned := 0
	for _, g := range org.Goals {
		if g.OwnerID == u.ID {
			owned++
		}
	}
	if owned <= UserGoalsCap {
		t.Fatalf("user owns only %d goals", owned)
	}
	user := get(t, ts, fmt.Sprintf("/user/%d/goal", u.ID), ts.AdminToken).data(t)["user"].(map[string]any)
	goals := user["goal"].(map[string]any)
	type counts struct {
		Keys                  int
		GoalsCount, GoalCount any
	}
	want := counts{Keys: UserGoalsCap + 1, GoalsCount: strconv.Itoa(UserGoalsCap), GoalCount: "15"}
	if diff := cmp.Diff(want, counts{Keys: len(goals), GoalsCount: goals["goals_count"], GoalCount: user["goal_count"]}); diff != "" {
		t.Fatalf("user goals (-want +got):\n%s", diff)
	}
	for i := 0; i < UserGoalsCap; i++ {
		if _, ok := goals[strconv.Itoa(i)].(map[string]any); !ok {
			t.Fatalf("key %q missing", strconv.Itoa(i))
		}
	}
	if _, ok := user["create_at"].(float64); !ok {
		t.Fatal("create_at is not an integer on /user/{id}/goal")
	}
}
