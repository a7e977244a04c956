package wbtest

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// endpointsFor lists requests covering every endpoint for an org.
func endpointsFor(org *Org) []string {
	g, k := org.Goals[0], org.Goals[0].KeyResults[0]
	return []string{
		"/user", "/user?include=org_members&limit=100", fmt.Sprintf("/user/%d?custom_attributes=1", org.Users[2].ID),
		fmt.Sprintf("/user/%d/goal", g.OwnerID), "/team?include=org_teams&limit=100", fmt.Sprintf("/team/%d", org.Teams[1].ID),
		"/goal?goal_status=1,2&limit=100&custom_attributes=1&include=custom_permission",
		fmt.Sprintf("/goal/%d", g.ID), fmt.Sprintf("/metric?goal_id=%d&include_metric_data=yes", g.ID),
		fmt.Sprintf("/metric/%d?include_metric_data=yes", k.ID), "/metric",
	}
}

func TestGenerateDeterministic(t *testing.T) {
	cfg := OrgConfig{Seed: 42, Users: 20, Teams: 5, Goals: 25, KRsPerGoal: 3, CheckinsPerKR: 6}
	a, b := Start(t, Generate(cfg)), Start(t, Generate(cfg))
	cfg.Seed = 43
	c := Start(t, Generate(cfg))
	if a.AdminToken != b.AdminToken || a.AdminToken == c.AdminToken {
		t.Error("tokens are not a deterministic function of the seed")
	}
	differs := 0
	for _, p := range endpointsFor(a.Emulator.Org()) {
		ra, rb, rc := get(t, a, p, a.AdminToken), get(t, b, p, b.AdminToken), get(t, c, p, c.AdminToken)
		if ra.status != 200 {
			t.Fatalf("%s: %d %s", p, ra.status, ra.body)
		}
		if !bytes.Equal(ra.body, rb.body) {
			t.Errorf("%s: same seed gave different JSON", p)
		}
		if !bytes.Equal(ra.body, rc.body) {
			differs++
		}
	}
	if differs == 0 {
		t.Error("a different seed gave identical JSON everywhere")
	}
}

func TestAsOfGrowthKeepsIDsStable(t *testing.T) {
	day0 := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	cfg := OrgConfig{Seed: 3, Users: 25, Teams: 5, Goals: 60, KRsPerGoal: 3, CheckinsPerKR: 10, AsOf: day0}
	early := Generate(cfg)
	later := early.At(day0.AddDate(0, 0, 3))
	cfg.AsOf, cfg.Anchor = day0.AddDate(0, 0, 3), day0
	if !sameOrg(later, Generate(cfg)) {
		t.Fatal("Org.At and Generate with the same Anchor disagree")
	}
	type size struct{ Users, Teams, Goals int }
	if diff := cmp.Diff(size{len(early.Users), len(early.Teams), len(early.Goals)}, size{len(later.Users), len(later.Teams), len(later.Goals)}); diff != "" {
		t.Fatalf("structure changed with AsOf (-early +later):\n%s", diff)
	}
	before := early.At(day0.AddDate(0, 0, -20))
	for _, tm := range before.Teams {
		if tm.UpdatedAt > before.AsOf.Unix() {
			t.Fatalf("team %d updated after AsOf", tm.ID)
		}
	}
	for _, u := range before.Users {
		if u.LastVisitedAt > before.AsOf.Unix() {
			t.Fatalf("user %d visited after AsOf", u.ID)
		}
	}
	_, c0, _, _ := early.Counts()
	_, c1, _, _ := later.Counts()
	if c1 <= c0 {
		t.Errorf("check-ins did not grow: %d → %d", c0, c1)
	}
	moved := 0
	for i, g := range early.Goals {
		lg := later.Goals[i]
		type identity struct {
			ID, OwnerID int64
			KeyResults  int
		}
		if diff := cmp.Diff(identity{g.ID, g.OwnerID, len(g.KeyResults)}, identity{lg.ID, lg.OwnerID, len(lg.KeyResults)}); diff != "" {
			t.Fatalf("goal %d: identity changed (-early +later):\n%s", g.ID, diff)
		}
		if g.Progress != lg.Progress {
			moved++
		}
		for j, k := range g.KeyResults {
			lk := lg.KeyResults[j]
			if k.ID != lk.ID || len(lk.MetricData) < len(k.MetricData) {
				t.Fatalf("KR %d: id changed or history shrank", k.ID)
			}
			for n, d := range k.MetricData {
				ld := lk.MetricData[n]
				if d.ID != ld.ID || d.CreatedAt != ld.CreatedAt {
					t.Fatalf("KR %d slot %d: id/due changed", k.ID, n)
				}
				if d.Value != nil {
					type entered struct {
						Value     *float64
						UpdatedAt int64
					}
					if diff := cmp.Diff(entered{d.Value, d.UpdatedAt}, entered{ld.Value, ld.UpdatedAt}); diff != "" {
						t.Fatalf("KR %d slot %d: an entered value changed (-early +later):\n%s", k.ID, d.ID, diff)
					}
				}
			}
			for _, d := range lk.MetricData {
				if d.CreatedAt >= later.AsOf.Unix() {
					t.Fatalf("KR %d: slot %d due after AsOf is listed", k.ID, d.ID)
				}
			}
		}
	}
	if moved == 0 {
		t.Error("no goal's progress moved over three days")
	}
}

func sameOrg(a, b *Org) bool {
	if len(a.Goals) != len(b.Goals) {
		return false
	}
	sa, sb := NewServer(a), NewServer(b)
	for i := range a.Goals {
		o := goalOpts{customAttrs: true, customPerm: true}
		wa := render(func(e *encoder) { sa.writeGoal(e, a.Goals[i], goalSingle, o) })
		wb := render(func(e *encoder) { sb.writeGoal(e, b.Goals[i], goalSingle, o) })
		if !bytes.Equal(wa, wb) {
			return false
		}
		for j, k := range a.Goals[i].KeyResults {
			ka := render(func(e *encoder) { sa.writeMetric(e, k, true, true) })
			kb := render(func(e *encoder) { sb.writeMetric(e, b.Goals[i].KeyResults[j], true, true) })
			if !bytes.Equal(ka, kb) {
				return false
			}
		}
	}
	return true
}

// wantProgress recomputes a KR's achieved value and progress from its history, independently
// of the generator's code path.
func wantProgress(k *KeyResult) (achieved, progress float64) {
	var vals []float64
	for _, d := range k.MetricData {
		if d.Value != nil {
			vals = append(vals, *d.Value)
		}
	}
	dec := map[string]float64{"1": 100, "2": 1, "3": 10}[k.Unit.ID]
	r := func(x float64) float64 { return math.Round(x*dec) / dec }
	achieved = k.InitialData
	if len(vals) > 0 {
		sum := 0.0
		for _, v := range vals {
			sum += v
		}
		switch k.ProgressType.Name {
		case "Last Update":
			achieved = vals[len(vals)-1]
		case "Total":
			achieved = r(k.InitialData + sum)
		case "Average":
			achieved = r(sum / float64(len(vals)))
		}
	}
	var p float64
	if k.CountingType.Name == "Exact To Target" {
		p = 100 - math.Abs(achieved-k.Target)/math.Abs(k.Target-k.InitialData)*100
	} else {
		p = (achieved - k.InitialData) / (k.Target - k.InitialData) * 100
	}
	return achieved, math.Round(math.Max(0, math.Min(100, p))*100) / 100
}

func TestProgressIsConsistent(t *testing.T) {
	org := Generate(OrgConfig{Seed: 11})
	for _, g := range org.Goals {
		sum := 0.0
		for _, k := range g.KeyResults {
			a, p := wantProgress(k)
			if a != k.Achieved || p != k.Progress {
				t.Fatalf("KR %d: achieved/progress %v/%v, want %v/%v", k.ID, k.Achieved, k.Progress, a, p)
			}
			if k.ProgressColor != ColorFor(k.Progress) {
				t.Fatalf("KR %d: colour %q for %v", k.ID, k.ProgressColor, k.Progress)
			}
			sum += k.Progress
		}
		want := math.Round(sum/float64(len(g.KeyResults))*100) / 100
		if g.Progress != want || g.ProgressColor != ColorFor(want) {
			t.Fatalf("goal %d: progress %v (%s), want %v", g.ID, g.Progress, g.ProgressColor, want)
		}
	}
	for _, c := range []struct {
		p    float64
		want string
	}{{100, "green"}, {70, "green"}, {69.99, "amber"}, {50, "amber"}, {49.99, "red"}, {0, "red"}} {
		if got := ColorFor(c.p); got != c.want {
			t.Errorf("ColorFor(%v) = %q, want %q", c.p, got, c.want)
		}
	}
}

// TestContentIsRealistic checks that the default-size org exercises every quirk a client
// must handle.
func TestContentIsRealistic(t *testing.T) {
	org := Generate(OrgConfig{Seed: 1, Users: 50, Teams: 8, Goals: 300, KRsPerGoal: 3, CheckinsPerKR: 10})
	has := map[string]int{}
	for _, u := range org.Users {
		switch {
		case u.Managers == nil:
			has["manager false"]++
		default:
			for _, m := range u.Managers {
				has["manager role "+m.Role]++
			}
		}
		if !isASCII(u.FirstName + u.LastName) {
			has["non-ascii name"]++
		}
		if u.CellNum == nil {
			has["null cell_num"]++
		}
	}
	for _, tm := range org.Teams {
		for _, m := range tm.Members {
			has["team role "+m.Role]++
		}
		if tm.Level == nil {
			has["null level"]++
		}
	}
	for _, g := range org.Goals {
		if g.TeamID == 0 {
			has["personal goal"]++
		}
		if g.Status == "2" {
			has["closed goal"]++
		}
		if len(g.Comments) > 0 {
			has["goal comment"]++
		}
		if len(g.Extra) > 0 {
			has["extra field"]++
		}
		if !isASCII(g.Name) {
			has["non-ascii goal"]++
		}
		if len(g.KeyResults) != 3 {
			has["KR count varies"]++
		}
		for _, k := range g.KeyResults {
			if k.Target != math.Trunc(k.Target) {
				has["decimal target"]++
			}
			if k.AutomationJSON != "" {
				has["automation"]++
			}
			if len(k.Comments) > 0 {
				has["KR comment"]++
			}
			for _, d := range k.MetricData {
				if d.Value == nil {
					has["missed check-in"]++
					type update struct {
						UpdatedAt, CreatedBy int64
						Comment              string
					}
					if diff := cmp.Diff(update{}, update{d.UpdatedAt, d.CreatedBy, d.Comment}); diff != "" {
						t.Fatalf("KR %d: missed slot %d has update data (-want +got):\n%s", k.ID, d.ID, diff)
					}
				}
			}
			for i := 1; i < len(k.Confidence); i++ {
				if k.Confidence[i].ModifiedAt == k.Confidence[i-1].ModifiedAt {
					has["same-time confidence"]++
				}
			}
			if len(k.Confidence) > 1 {
				has["confidence change"]++
			}
		}
	}
	for _, want := range []string{"manager false", "manager role 1", "manager role 2", "non-ascii name", "null cell_num",
		"team role manager", "team role member", "team role co_manager", "null level", "personal goal", "closed goal",
		"goal comment", "extra field", "non-ascii goal", "KR count varies", "decimal target", "automation", "KR comment",
		"missed check-in", "same-time confidence", "confidence change"} {
		if has[want] == 0 {
			t.Errorf("no %s in a 300-goal org", want)
		}
	}
	emoji := false
	for _, u := range org.Users {
		for _, r := range u.FirstName {
			emoji = emoji || r >= 0x1F300
		}
	}
	if !emoji {
		t.Error("no emoji in any user name")
	}
	krs, checkins, _, _ := org.Counts()
	if want := 300 * 3 * 10; math.Abs(float64(checkins-want)) > 0.1*float64(want) || math.Abs(float64(krs-900)) > 90 {
		t.Errorf("%d KRs / %d check-ins, want about 900 / %d", krs, checkins, want)
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// TestWireMatchesGroundTruth decodes /metric and /goal JSON with encoding/json and compares it
// to the exported Go values.
func TestWireMatchesGroundTruth(t *testing.T) {
	org := smallOrg()
	ts := Start(t, org)
	for _, g := range org.Goals {
		d := get(t, ts, fmt.Sprintf("/metric?goal_id=%d&include_metric_data=yes", g.ID), ts.AdminToken).data(t)
		ms := arr(t, d["metric"], "metric")
		if len(ms) != len(g.KeyResults) || totalCount(t, d) != len(g.KeyResults) {
			t.Fatalf("goal %d: %d metrics on the wire, %d in the org", g.ID, len(ms), len(g.KeyResults))
		}
		for i, m := range ms {
			k := g.KeyResults[i]
			mm := m.(map[string]any)
			if idOf(t, m, "metric_id") != k.ID || idOf(t, m, "metric_goal_id") != g.ID {
				t.Fatalf("metric %d: ids differ", k.ID)
			}
			for key, want := range map[string]float64{"metric_progress": k.Progress, "metric_target": k.Target,
				"metric_achieve_target": k.Achieved, "metric_initial_data": k.InitialData} {
				got, err := strconv.ParseFloat(mm[key].(string), 64)
				if err != nil || got != want {
					t.Fatalf("metric %d %s = %v, want %v", k.ID, key, mm[key], want)
				}
			}
			rows := arr(t, mm["metric_data"], "metric_data")
			if len(rows) != len(k.MetricData) {
				t.Fatalf("metric %d: %d rows, want %d", k.ID, len(rows), len(k.MetricData))
			}
			for j, row := range rows {
				rm, want := row.(map[string]any), k.MetricData[j]
				if idOf(t, row, "metric_data_id") != want.ID || rm["metric_data_created_at"] != strconv.FormatInt(want.CreatedAt, 10) {
					t.Fatalf("metric %d row %d: id/created_at differ", k.ID, j)
				}
				if want.Value == nil {
					missed := map[string]any{"metric_data_value": nil, "metric_data_updated_at": "0", "metric_data_created_by": ""}
					got := map[string]any{}
					for key := range missed {
						got[key] = rm[key]
					}
					if diff := cmp.Diff(missed, got); diff != "" {
						t.Fatalf("metric %d row %d: missed slot not sent as null/\"0\"/\"\" (-want +got):\n%s", k.ID, j, diff)
					}
				} else if v, _ := strconv.ParseFloat(rm["metric_data_value"].(string), 64); v != *want.Value {
					t.Fatalf("metric %d row %d: value %v, want %v", k.ID, j, rm["metric_data_value"], *want.Value)
				}
			}
			if len(arr(t, mm["metric_confidence"], "metric_confidence")) != len(k.Confidence) ||
				len(arr(t, mm["metric_comments"], "metric_comments")) != len(k.Comments) {
				t.Fatalf("metric %d: confidence/comments count differ", k.ID)
			}
		}
		gd := get(t, ts, fmt.Sprintf("/goal/%d", g.ID), ts.AdminToken).data(t)["goal"].(map[string]any)
		if p, _ := strconv.ParseFloat(gd["goal_progress"].(string), 64); p != g.Progress {
			t.Fatalf("goal %d: goal_progress %v, want %v", g.ID, gd["goal_progress"], g.Progress)
		}
		if (g.TeamID == 0) != (gd["goal_team_id"] == nil) || (g.TeamID == 0) != (gd["goal_team_name"] == nil) {
			t.Fatalf("goal %d: personal goal team fields wrong: %v", g.ID, gd["goal_team_id"])
		}
	}
}
