package decode

import (
	"encoding/json"
	"errors"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/wbexport/wbexport/workboard"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fixture reads a shared WorkBoard example body (testdata/workboard at the module root).
func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "workboard", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// body reads a hand-written body of this package (testdata/bodies).
func body(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "bodies", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func ts(sec int64) time.Time { return time.Unix(sec, 0).UTC() }

// exactTimes makes cmp compare times by instant and zone: decoded times are UTC, and
// time.Time.Equal, which cmp uses otherwise, ignores the zone.
var exactTimes = cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) && a.Location() == b.Location() })

func TestDecodeEnvelopeQuirks(t *testing.T) {
	tests := []struct {
		name      string
		body      string
		key       string
		wantTotal workboard.Opt[int64]
		wantErr   string // substring; "" = no error
		wantAPI   bool   // error is an *APIError
		wantDec   bool   // error is a *DecodeError
	}{
		{"int total", `{"success":true,"message":"","data":{"totalCount":5,"goal":[]}}`, "goal", workboard.Some[int64](5), "", false, false},
		{"string total", `{"success":true,"data":{"totalCount":"7","goal":[]}}`, "goal", workboard.Some[int64](7), "", false, false},
		{"missing total", `{"success":true,"data":{"goal":[]}}`, "goal", workboard.Opt[int64]{}, "", false, false},
		{"negative total", `{"success":true,"data":{"totalCount":-3,"goal":[]}}`, "goal", workboard.Opt[int64]{}, "negative totalCount -3", false, true},
		{"non-numeric total", `{"success":true,"data":{"totalCount":"many","goal":[]}}`, "goal", workboard.Opt[int64]{}, "data.totalCount", false, true},
		{"success false generic", `{"success":false,"error":"invalid_token","error_description":"bad"}`, "goal", workboard.Opt[int64]{}, "invalid_token", true, false},
		{"success false deleted_metric", string(fixture(t, "error_500_deleted_metric.json")), "metric", workboard.Opt[int64]{}, "deleted_metric", true, false},
		{"no data", `{"success":true,"message":"x"}`, "goal", workboard.Opt[int64]{}, "no data object", false, true},
		{"data is string", `{"success":true,"data":"nope"}`, "goal", workboard.Opt[int64]{}, "field data", false, true},
		{"top level array", `[1,2]`, "goal", workboard.Opt[int64]{}, "expected a JSON object", false, true},
		{"html", `<html>oops</html>`, "goal", workboard.Opt[int64]{}, "expected a JSON object", false, true},
		{"truncated", `{"success":true,"data":{"totalCount":1,"goal":[{"goal_id":"1"`, "goal", workboard.Opt[int64]{}, "unexpected end", false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env, err := ReadEnvelope([]byte(tc.body), tc.key)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if env.TotalCount != tc.wantTotal {
					t.Fatalf("total = %+v, want %+v", env.TotalCount, tc.wantTotal)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error = %v, want it to contain %q", err, tc.wantErr)
			}
			var ae *workboard.APIError
			var de *workboard.DecodeError
			if tc.wantAPI != errors.As(err, &ae) || tc.wantDec != errors.As(err, &de) {
				t.Fatalf("error type %T, wantAPI=%v wantDecode=%v", err, tc.wantAPI, tc.wantDec)
			}
		})
	}
}

// Quirk 1 (object or array) and quirk 7 (create_at int vs string), 4 (manager false/array).
func TestDecodeUsersFixtures(t *testing.T) {
	me, err := Users(fixture(t, "user_me.json"))
	if err != nil {
		t.Fatal(err)
	}
	type meView struct {
		UserID        int64
		CreateAtValid bool
		Managers      []workboard.Manager
	}
	var gotMe []meView
	for _, u := range me.Users {
		gotMe = append(gotMe, meView{UserID: u.UserID, CreateAtValid: u.CreateAt.Valid, Managers: u.Managers})
	}
	if diff := cmp.Diff([]meView{{UserID: 180231, CreateAtValid: true}}, gotMe); diff != "" {
		t.Fatalf("user_me (-want +got):\n%s", diff)
	}
	p1, err := Users(fixture(t, "user_org_members_page1.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(p1.Users) != 3 || p1.TotalCount != workboard.Some[int64](5) {
		t.Fatalf("page1: %d users, total %+v", len(p1.Users), p1.TotalCount)
	}
	u0, u1 := p1.Users[0], p1.Users[1]
	type user0View struct {
		CreateAt     workboard.Opt[time.Time]
		CellNum      workboard.Opt[string]
		Managers     []workboard.Manager
		OrgUserRoles []string
		OrgID        workboard.Opt[int64]
		IsReadOnly   workboard.Opt[bool]
		ProfileTitle workboard.Opt[string]
		Extra        workboard.Extra
	}
	want0 := user0View{CreateAt: workboard.Some(ts(1614708665)), OrgUserRoles: []string{"6", "10"}, OrgID: workboard.Some[int64](4417),
		IsReadOnly: workboard.Some(false), ProfileTitle: workboard.Some("VP Operations")}
	got0 := user0View{CreateAt: u0.CreateAt, CellNum: u0.CellNum, Managers: u0.Managers, OrgUserRoles: u0.OrgUserRoles, OrgID: u0.OrgID,
		IsReadOnly: u0.IsReadOnly, ProfileTitle: u0.ProfileTitle, Extra: u0.Extra}
	if diff := cmp.Diff(want0, got0, exactTimes); diff != "" {
		t.Fatalf("user 0 (-want +got):\n%s", diff)
	}
	type user1View struct {
		Managers []workboard.Manager
		CellNum  workboard.Opt[string]
	}
	want1 := user1View{Managers: []workboard.Manager{{UserID: 180231, Role: "1"}}, CellNum: workboard.Some("+1 555 0134")}
	if diff := cmp.Diff(want1, user1View{Managers: u1.Managers, CellNum: u1.CellNum}); diff != "" {
		t.Fatalf("user 1 (-want +got):\n%s", diff)
	}
	byID, err := Users(fixture(t, "user_by_id.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(byID.Users) != 1 || byID.Users[0].CustomAttributesJSON == nil {
		t.Fatalf("user_by_id: %+v", byID.Users)
	}
	// user with goals: goal / goal_count are not user columns, so they are kept in Extra
	ug, err := Users(fixture(t, "user_goals.json"))
	if err != nil {
		t.Fatal(err)
	}
	if ug.Users[0].CreateAt != workboard.Some(ts(1615303244)) || !strings.Contains(string(ug.Users[0].Extra), `"goal_count"`) {
		t.Fatalf("user_goals: create_at %+v extra %s", ug.Users[0].CreateAt, ug.Users[0].Extra)
	}
}

func TestDecodeUsersQuirks(t *testing.T) {
	p, err := Users(body(t, "users_quirks.json"))
	if err != nil {
		t.Fatal(err)
	}
	if p.TotalCount != workboard.Some[int64](2) || len(p.Users) != 2 {
		t.Fatalf("%+v", p)
	}
	a, b := p.Users[0], p.Users[1]
	type aView struct {
		UserID               int64
		CreateAt             workboard.Opt[time.Time]
		LastVisitedAt        workboard.Opt[time.Time]
		ExternalID           workboard.Opt[string]
		IsReadOnly           workboard.Opt[bool]
		OrgUserRoles         []string
		CustomAttributesJSON json.RawMessage
		Extra                string
	}
	wantA := aView{UserID: 180231, CreateAt: workboard.Some(ts(1614708665)), IsReadOnly: workboard.Some(true),
		OrgUserRoles: []string{"6", "10"}, Extra: `{"profile.pronouns":"she"}`}
	gotA := aView{UserID: a.UserID, CreateAt: a.CreateAt, LastVisitedAt: a.LastVisitedAt, ExternalID: a.ExternalID,
		IsReadOnly: a.IsReadOnly, OrgUserRoles: a.OrgUserRoles, CustomAttributesJSON: a.CustomAttributesJSON, Extra: string(a.Extra)}
	if diff := cmp.Diff(wantA, gotA, exactTimes); diff != "" {
		t.Fatalf("a (-want +got):\n%s", diff)
	}
	// only b's second manager is asserted
	if len(b.Managers) != 2 {
		t.Fatalf("b: %d managers, want 2: %+v", len(b.Managers), b.Managers)
	}
	type bView struct {
		UserID        int64
		LastVisitedAt workboard.Opt[time.Time]
		Manager2      workboard.Manager
		Extra         string
	}
	wantB := bView{UserID: 180245, Manager2: workboard.Manager{UserID: 180262, Role: "2"}, Extra: `{"user_reports_to_me":null}`}
	gotB := bView{UserID: b.UserID, LastVisitedAt: b.LastVisitedAt, Manager2: b.Managers[1], Extra: string(b.Extra)}
	if diff := cmp.Diff(wantB, gotB, exactTimes); diff != "" {
		t.Fatalf("b (-want +got):\n%s", diff)
	}
}

func TestDecodeTeams(t *testing.T) {
	p, err := Teams(fixture(t, "team_list.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Teams) == 0 || len(p.TeamMembers) != 0 {
		t.Fatalf("team_list: %d teams %d members", len(p.Teams), len(p.TeamMembers))
	}
	for _, tm := range p.Teams {
		if tm.TeamID == 52010 && tm.ParentTeamID.Valid {
			t.Fatalf("root team parent_team_id \"0\" must be not valid: %+v", tm.ParentTeamID)
		}
	}
	one, err := Teams(fixture(t, "team_by_id.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(one.Teams) != 1 || len(one.TeamMembers) != 3 {
		t.Fatalf("team_by_id: %d teams, %d members; want 1 and 3", len(one.Teams), len(one.TeamMembers))
	}
	type teamView struct {
		TeamID       int64
		ParentTeamID workboard.Opt[int64]
	}
	if diff := cmp.Diff(teamView{TeamID: 52033, ParentTeamID: workboard.Some[int64](52010)},
		teamView{TeamID: one.Teams[0].TeamID, ParentTeamID: one.Teams[0].ParentTeamID}); diff != "" {
		t.Fatalf("team_by_id team (-want +got):\n%s", diff)
	}
	wantMember := workboard.TeamMember{TeamID: 52033, UserID: 180231, FirstName: workboard.Some("Priya"), LastName: workboard.Some("Raman"),
		Email: workboard.Some("priya.raman@example.com"), TeamRole: workboard.Some("exec_viewer")}
	if diff := cmp.Diff(wantMember, one.TeamMembers[2], exactTimes); diff != "" {
		t.Fatalf("team_by_id member 2 (-want +got):\n%s", diff)
	}
	if one.Teams[0].Extra != nil {
		t.Fatalf("team_members must count as held, Extra = %s", one.Teams[0].Extra)
	}
}

// Quirks 2, 3, 5, 6, 20: the three goal shapes, numeric-keyed objects, ids as numbers.
func TestDecodeGoalsShapes(t *testing.T) {
	tests := []struct {
		name    string
		body    []byte
		total   workboard.Opt[int64]
		ids     []int64
		teamIDs []workboard.Opt[int64]
	}{
		{"people wrappers page1", fixture(t, "goal_list_page1.json"), workboard.Some[int64](5), nil, nil},
		{"team wrappers (int team_id)", fixture(t, "goal_list_by_team.json"), workboard.Some[int64](2), nil, nil},
		{"flat single goal", fixture(t, "goal_by_id.json"), workboard.Some[int64](1), []int64{90114}, nil},
		{"goal of a metric path", fixture(t, "goal_metric_by_id.json"), workboard.Some[int64](1), []int64{90114}, nil},
		{"empty []", fixture(t, "goal_list_empty.json"), workboard.Some[int64](0), []int64{}, nil},
		{"numeric keyed", body(t, "goals_numeric_keyed.json"), workboard.Some[int64](2), []int64{90133, 90140}, nil},
		{"mixed shapes in one array", body(t, "goals_mixed_shapes.json"), workboard.Some[int64](4), []int64{90101, 90114, 90127, 90133},
			[]workboard.Opt[int64]{workboard.Some[int64](52010), workboard.Some[int64](52033), {}, {}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Goals(tc.body)
			if err != nil {
				t.Fatal(err)
			}
			if p.TotalCount != tc.total || p.Items != len(p.Goals) {
				t.Fatalf("total %+v items %d", p.TotalCount, p.Items)
			}
			if tc.ids != nil {
				got := []int64{}
				for _, g := range p.Goals {
					got = append(got, g.GoalID)
				}
				if !equalInts(got, tc.ids) {
					t.Fatalf("ids = %v, want %v", got, tc.ids)
				}
			}
			for i, want := range tc.teamIDs {
				if p.Goals[i].GoalTeamID != want {
					t.Fatalf("goal %d team id = %+v, want %+v", i, p.Goals[i].GoalTeamID, want)
				}
			}
			for _, g := range p.Goals {
				if g.GoalID == 0 {
					t.Fatalf("goal without id: %+v", g)
				}
			}
		})
	}
}

func equalInts(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestDecodeGoalFields(t *testing.T) {
	p, err := Goals(body(t, "goals_mixed_shapes.json"))
	if err != nil {
		t.Fatal(err)
	}
	g0, g1, g2 := p.Goals[0], p.Goals[1], p.Goals[2]
	type g0View struct {
		GoalProgress workboard.Opt[float64]
		GoalCreateAt workboard.Opt[time.Time]
		GoalOwner    workboard.Opt[int64]
	}
	want0 := g0View{GoalProgress: workboard.Some(64.29), GoalCreateAt: workboard.Some(ts(1750240500)), GoalOwner: workboard.Some[int64](180231)}
	got0 := g0View{GoalProgress: g0.GoalProgress, GoalCreateAt: g0.GoalCreateAt, GoalOwner: g0.GoalOwner}
	if diff := cmp.Diff(want0, got0, exactTimes); diff != "" {
		t.Fatalf("g0 (-want +got):\n%s", diff)
	}
	type g1View struct {
		GoalProgress   workboard.Opt[float64]
		GoalModifiedAt workboard.Opt[time.Time]
		GoalTeamName   workboard.Opt[string]
	}
	want1 := g1View{GoalProgress: workboard.Some(63.96), GoalTeamName: workboard.Some("Sales")}
	got1 := g1View{GoalProgress: g1.GoalProgress, GoalModifiedAt: g1.GoalModifiedAt, GoalTeamName: g1.GoalTeamName}
	if diff := cmp.Diff(want1, got1, exactTimes); diff != "" {
		t.Fatalf("g1 (-want +got):\n%s", diff)
	}
	type g2View struct {
		GoalProgress   workboard.Opt[float64]
		GoalStartDate  workboard.Opt[time.Time]
		GoalTargetDate workboard.Opt[time.Time]
		GoalTeamID     workboard.Opt[int64]
		MetricIDs      []int64
	}
	want2 := g2View{MetricIDs: []int64{310580, 310581}}
	got2 := g2View{GoalProgress: g2.GoalProgress, GoalStartDate: g2.GoalStartDate, GoalTargetDate: g2.GoalTargetDate,
		GoalTeamID: g2.GoalTeamID, MetricIDs: g2.MetricIDs}
	if diff := cmp.Diff(want2, got2, exactTimes); diff != "" {
		t.Fatalf("g2 (-want +got):\n%s", diff)
	}
	// unknown keys kept, sorted, compacted; a differently-cased key is not taken for goal_id
	if want := `{"Goal_id":"999","ai_column":null,"zzz_new_field":{"b":1,"a":[1,2]}}`; string(g2.Extra) != want {
		t.Fatalf("extra = %s\nwant   %s", g2.Extra, want)
	}
	type commentView struct {
		CommentID          int64
		GoalID             int64
		CommentLastUpdated workboard.Opt[time.Time]
		CommentAddedAt     workboard.Opt[time.Time]
	}
	var gotComments []commentView
	for _, c := range p.GoalComments {
		gotComments = append(gotComments, commentView{CommentID: c.CommentID, GoalID: c.GoalID,
			CommentLastUpdated: c.CommentLastUpdated, CommentAddedAt: c.CommentAddedAt})
	}
	wantComments := []commentView{{CommentID: 7001, GoalID: 90127, CommentAddedAt: workboard.Some(ts(1750000000))}}
	if diff := cmp.Diff(wantComments, gotComments, exactTimes); diff != "" {
		t.Fatalf("comments (-want +got):\n%s", diff)
	}

	one, err := Goals(fixture(t, "goal_by_id.json"))
	if err != nil {
		t.Fatal(err)
	}
	g := one.Goals[0]
	type gView struct {
		HasCustomAttributes  bool
		Categories           int
		GoalType             workboard.Opt[workboard.IDName]
		HasPermissionTeamIDs bool
		GoalPermission       []string
	}
	wantG := gView{HasCustomAttributes: true, Categories: 2, GoalType: workboard.Some(workboard.IDName{ID: "1", Name: "Team"}),
		HasPermissionTeamIDs: true, GoalPermission: []string{"team", "report", "internal"}}
	gotG := gView{HasCustomAttributes: g.CustomAttributesJSON != nil, Categories: len(g.GoalCategory), GoalType: g.GoalType,
		HasPermissionTeamIDs: len(g.GoalPermissionTeamIDs) != 0, GoalPermission: g.GoalPermission}
	if diff := cmp.Diff(wantG, gotG); diff != "" {
		t.Fatalf("goal_by_id (-want +got):\n%s", diff)
	}
	// goal_metrics[] carries the key results' current state, of which the goal keeps only
	// the ids: the list is kept whole in Extra (metric_source_from is found nowhere else)
	var extra struct {
		GoalMetrics []struct {
			MetricID          string `json:"metric_id"`
			MetricSourceFrom  string `json:"metric_source_from"`
			LastMetricComment struct {
				Comment string `json:"comment"`
			} `json:"last_metric_comment"`
		} `json:"goal_metrics"`
	}
	if err := json.Unmarshal(g.Extra, &extra); err != nil {
		t.Fatalf("goal_by_id Extra %s: %v", g.Extra, err)
	}
	if len(extra.GoalMetrics) != 2 || extra.GoalMetrics[0].MetricID != "310552" || extra.GoalMetrics[0].MetricSourceFrom != "Marcus Oyelaran" ||
		extra.GoalMetrics[1].LastMetricComment.Comment == "" {
		t.Fatalf("goal_by_id Extra %s: want goal_metrics[] whole", g.Extra)
	}
}

// Wrong types produce a typed error naming the object and field.
func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name   string
		decode func([]byte) (*Page, error)
		body   []byte
		entity string
		id     string
		field  string
	}{
		{"goal_progress abc", Goals, body(t, "goals_bad_progress.json"), "goal", "90101", "goal_progress"},
		{"goal without goal_id", Goals, body(t, "goals_missing_goal_id.json"), "goal", "", "goal_id"},
		{"object as id", Goals, body(t, "goals_object_id.json"), "goal", "", "goal_id"},
		{"confidence without modified_at", metrics, body(t, "metrics_conf_missing_modified.json"), "metric", "310552", "metric_confidence[1].modified_at"},
		{"user id as bool", Users, []byte(`{"success":true,"data":{"user":[{"user_id":true}]}}`), "user", "", "user_id"},
		{"manager as string", Users, []byte(`{"success":true,"data":{"user":{"user_id":"1","manager":"boss"}}}`), "user", "1", "manager"},
		{"team id missing", Teams, []byte(`{"success":true,"data":{"team":[{"team_name":"x"}]}}`), "team", "", "team_id"},
		{"metric data value word", metrics, []byte(`{"success":true,"data":{"metric":{"metric_id":"5","metric_data":[{"metric_data_id":"9","metric_data_value":"lots"}]}}}`), "metric", "5", "metric_data[0].metric_data_value"},
		{"timestamp word", metrics, []byte(`{"success":true,"data":{"metric":{"metric_id":"5","metric_create_at":"yesterday"}}}`), "metric", "5", "metric_create_at"},
		{"goal item not object", Goals, []byte(`{"success":true,"data":{"goal":[1]}}`), "goal", "", "data.goal[0]"},
		{"category id object", Goals, []byte(`{"success":true,"data":{"goal":{"goal_id":"7","goal_category":[{"id":"1","name":"a"},{"id":{},"name":"b"}]}}}`), "goal", "7", "goal_category[1].id"},
		{"goal_type name array", Goals, []byte(`{"success":true,"data":{"goal":{"goal_id":"7","goal_type":{"id":"1","name":[1]}}}}`), "goal", "7", "goal_type.name"},
		{"goal_metrics id bad", Goals, []byte(`{"success":true,"data":{"goal":{"goal_id":"7","goal_metrics":[{"metric_id":"x"}]}}}`), "goal", "7", "goal_metrics[0].metric_id"},
		{"wrapper team_id bad", Goals, []byte(`{"success":true,"data":{"goal":[{"team_id":"abc","team_goals":[]}]}}`), "goal", "", "data.goal[0].team_id"},
		{"manager user id bad", Users, []byte(`{"success":true,"data":{"user":{"user_id":"1","manager":[{"user_id":"me"}]}}}`), "user", "1", "manager[0].user_id"},
		{"member id bad", Teams, []byte(`{"success":true,"data":{"team":{"team_id":"3","team_members":[{"id":"1"},{"id":[]}]}}}`), "team", "3", "team_members[1].id"},
		{"dotted team ids bad", Teams, []byte(`{"success":true,"data":{"team":{"team_id":"3","dotted_team_ids":["1",{}]}}}`), "team", "3", "dotted_team_ids[1]"},
		// A list field holding a scalar names the field.
		{"category list is a string", Goals, []byte(`{"success":true,"data":{"goal":{"goal_id":"7","goal_category":"Customer"}}}`), "goal", "7", "goal_category"},
		{"goal_metrics is a number", Goals, []byte(`{"success":true,"data":{"goal":{"goal_id":"7","goal_metrics":5}}}`), "goal", "7", "goal_metrics"},
		{"goal_comments is a string", Goals, []byte(`{"success":true,"data":{"goal":{"goal_id":"7","goal_comments":"none"}}}`), "goal", "7", "goal_comments"},
		{"team_members is a number", Teams, []byte(`{"success":true,"data":{"team":{"team_id":"3","team_members":3}}}`), "team", "3", "team_members"},
		{"metric_data is a string", metrics, []byte(`{"success":true,"data":{"metric":{"metric_id":"5","metric_data":"x"}}}`), "metric", "5", "metric_data"},
		{"metric_confidence is true", metrics, []byte(`{"success":true,"data":{"metric":{"metric_id":"5","metric_confidence":true}}}`), "metric", "5", "metric_confidence"},
		// Invalid UTF-8 in a string is refused, naming the field.
		{"goal_name invalid UTF-8", Goals, []byte("{\"success\":true,\"data\":{\"goal\":{\"goal_id\":\"7\",\"goal_name\":\"a\xff\xfeb\"}}}"), "goal", "7", "goal_name"},
		{"metric_name invalid UTF-8", metrics, []byte("{\"success\":true,\"data\":{\"metric\":{\"metric_id\":\"5\",\"metric_name\":\"\xc3\"}}}"), "metric", "5", "metric_name"},
		{"metric_comments is a number", metrics, []byte(`{"success":true,"data":{"metric":{"metric_id":"5","metric_comments":1}}}`), "metric", "5", "metric_comments"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.decode(tc.body)
			var de *workboard.DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("want *DecodeError, got %T %v", err, err)
			}
			type errAt struct{ Entity, ObjectID, Field string }
			if diff := cmp.Diff(errAt{tc.entity, tc.id, tc.field}, errAt{de.Entity, de.ObjectID, de.Field}); diff != "" {
				t.Fatalf("%v (-want +got):\n%s", err, diff)
			}
			de.Endpoint, de.Offset = "/goal?limit=100&offset=200", 200
			if !strings.Contains(de.Error(), "/goal?limit=100&offset=200 (page offset 200)") {
				t.Fatalf("error text lacks endpoint/offset: %v", de)
			}
		})
	}
}

// Quirks 8, 9, 19, 25: metric_source_from code, target_date, metric_data_id int in confidence,
// "0" sentinels, null values of missed slots, ordinals.
func TestDecodeMetrics(t *testing.T) {
	p, err := metrics(fixture(t, "metric_by_id_with_data.json"))
	if err != nil {
		t.Fatal(err)
	}
	type counts struct {
		KeyResults    int
		HasCheckins   bool
		Confidence    int
		HasKRComments bool
	}
	wantCounts := counts{KeyResults: 1, HasCheckins: true, Confidence: 2, HasKRComments: true}
	gotCounts := counts{KeyResults: len(p.KeyResults), HasCheckins: len(p.Checkins) != 0, Confidence: len(p.Confidence),
		HasKRComments: len(p.KRComments) != 0}
	if diff := cmp.Diff(wantCounts, gotCounts); diff != "" {
		t.Fatalf("counts (-want +got):\n%s", diff)
	}
	kr := p.KeyResults[0]
	type krView struct {
		MetricID             int64
		GoalID               int64
		MetricSourceFrom     workboard.Opt[string]
		TargetDate           workboard.Opt[time.Time]
		MetricTarget         workboard.Opt[float64]
		ChildKRJSON          json.RawMessage
		MetricAutomationJSON json.RawMessage
		Extra                workboard.Extra
	}
	wantKR := krView{MetricID: 310552, GoalID: 90114, MetricSourceFrom: workboard.Some("1"), TargetDate: workboard.Some(ts(1759190400)),
		MetricTarget: workboard.Some(1200000.0)}
	gotKR := krView{MetricID: kr.MetricID, GoalID: kr.GoalID, MetricSourceFrom: kr.MetricSourceFrom, TargetDate: kr.TargetDate,
		MetricTarget: kr.MetricTarget, ChildKRJSON: kr.ChildKRJSON, MetricAutomationJSON: kr.MetricAutomationJSON, Extra: kr.Extra}
	if diff := cmp.Diff(wantKR, gotKR, exactTimes); diff != "" {
		t.Fatalf("kr (-want +got):\n%s", diff)
	}
	// a missed slot: no value, no update, only the due date
	wantMissed := workboard.Checkin{MetricDataID: 88410553, MetricID: 310552, GoalID: 90114, CreatedAt: workboard.Some(ts(1752796800))}
	if diff := cmp.Diff(wantMissed, p.Checkins[2], exactTimes, cmpopts.IgnoreFields(workboard.Checkin{}, "Meta", "Extra")); diff != "" {
		t.Fatalf("missed slot (-want +got):\n%s", diff)
	}
	if p.Confidence[0].MetricDataID != workboard.Some[int64](88410552) || p.Confidence[0].Confidence != workboard.Some("3") {
		t.Fatalf("confidence %+v", p.Confidence[0])
	}

	q, err := metrics(body(t, "metrics_quirks.json"))
	if err != nil {
		t.Fatal(err)
	}
	k := q.KeyResults[0]
	type quirksView struct {
		GoalID               int64
		MetricLastUpdate     workboard.Opt[time.Time]
		MetricNextUpdate     workboard.Opt[time.Time]
		MetricProgress       workboard.Opt[float64]
		MetricGoalSource     []int64
		MetricAutomationJSON string
	}
	wantK := quirksView{MetricProgress: workboard.Some(67.92), MetricGoalSource: []int64{90101, 90114},
		MetricAutomationJSON: `{"source_plugins":[]}`}
	gotK := quirksView{GoalID: k.GoalID, MetricLastUpdate: k.MetricLastUpdate, MetricNextUpdate: k.MetricNextUpdate,
		MetricProgress: k.MetricProgress, MetricGoalSource: k.MetricGoalSource, MetricAutomationJSON: string(k.MetricAutomationJSON)}
	if diff := cmp.Diff(wantK, gotK, exactTimes); diff != "" {
		t.Fatalf("quirks kr (-want +got):\n%s", diff)
	}
	q.SetGoalID(90114)
	type goalIDs struct{ KeyResult0, Checkin0, Confidence2 int64 }
	if diff := cmp.Diff(goalIDs{90114, 90114, 90114}, goalIDs{q.KeyResults[0].GoalID, q.Checkins[0].GoalID, q.Confidence[2].GoalID}); diff != "" {
		t.Fatalf("SetGoalID did not fill (-want +got):\n%s", diff)
	}
	ords := []int64{q.Confidence[0].Ordinal, q.Confidence[1].Ordinal, q.Confidence[2].Ordinal}
	if !equalInts(ords, []int64{0, 1, 0}) {
		t.Fatalf("confidence ordinals %v", ords)
	}
	if q.KRComments[0].Ordinal != 0 || q.KRComments[1].Ordinal != 1 {
		t.Fatalf("comment ordinals %+v", q.KRComments)
	}
	if q.Confidence[2].MetricDataID != workboard.Some[int64](88410557) || q.Confidence[1].MetricDataID.Valid {
		t.Fatalf("metric_data_id forms %+v", q.Confidence)
	}
	c1 := q.Checkins[1]
	type c1View struct {
		Value     workboard.Opt[float64]
		CreatedBy workboard.Opt[int64]
		Extra     string
	}
	wantC1 := c1View{Value: workboard.Some(410000.0), CreatedBy: workboard.Some[int64](180245), Extra: `{"metric_data_source":"api"}`}
	if diff := cmp.Diff(wantC1, c1View{Value: c1.Value, CreatedBy: c1.CreatedBy, Extra: string(c1.Extra)}); diff != "" {
		t.Fatalf("checkin 1 (-want +got):\n%s", diff)
	}

	list, err := metrics(fixture(t, "metric_list.json"))
	if err != nil {
		t.Fatal(err)
	}
	if list.Items != 2 || list.Confidence[0].MetricDataID.Valid {
		t.Fatalf("metric_list %+v", list.KeyResults)
	}
}

func TestItemsForms(t *testing.T) {
	tests := []struct {
		in   string
		want int
		err  bool
	}{
		{`[]`, 0, false}, {`null`, 0, false}, {`false`, 0, false}, {`""`, 0, false}, {``, 0, false},
		{`{"a":1}`, 1, false}, {`[{},{}]`, 2, false}, {`{"0":{},"1":{},"goals_count":"2"}`, 2, false},
		{`{"10":{},"2":{},"goals_count":2}`, 2, false}, {`"str"`, 0, true}, {`12`, 0, true}, {`true`, 0, true},
	}
	for _, tc := range tests {
		its, err := items(jsontext.Value(tc.in))
		if (err != nil) != tc.err || len(its) != tc.want {
			t.Errorf("items(%s) = %d, %v", tc.in, len(its), err)
		}
	}
	// numeric-keyed order follows the numbers, not the text
	its, _ := items(jsontext.Value(`{"10":"b","2":"a"}`))
	var order []string
	for _, it := range its {
		order = append(order, it.name+"="+string(it.v))
	}
	if diff := cmp.Diff([]string{`2="a"`, `10="b"`}, order); diff != "" {
		t.Fatalf("order (-want +got):\n%s", diff)
	}
	// user.goal of GET /user/{id}/goal is such an object
	var u struct {
		Data struct {
			User struct {
				Goal jsontext.Value `json:"goal"`
			} `json:"user"`
		} `json:"data"`
	}
	if err := unmarshal(fixture(t, "user_goals.json"), &u); err != nil {
		t.Fatal(err)
	}
	if its, err := items(u.Data.User.Goal); err != nil || len(its) < 2 {
		t.Fatalf("user_goals goal object: n=%d err=%v", len(its), err)
	}
}

func TestValueParsers(t *testing.T) {
	for _, in := range []string{`"0"`, `0`, `""`, `null`, `" "`} {
		if o, err := parseTime(jsontext.Value(in)); err != nil || o.Valid {
			t.Errorf("parseTime(%s) = %+v, %v; want not valid", in, o, err)
		}
	}
	for _, in := range []string{`"1750240500"`, `1750240500`, `1750240500.0`} {
		if o, err := parseTime(jsontext.Value(in)); err != nil || o != workboard.Some(ts(1750240500)) {
			t.Errorf("parseTime(%s) = %+v, %v", in, o, err)
		}
	}
	for _, in := range []string{`"abc"`, `{}`, `[]`, `true`} {
		if _, err := parseTime(jsontext.Value(in)); err == nil {
			t.Errorf("parseTime(%s) accepted", in)
		}
		if _, err := parseID(jsontext.Value(in)); err == nil {
			t.Errorf("parseID(%s) accepted", in)
		}
	}
	if o, err := parseID(jsontext.Value(`1.5`)); err == nil {
		t.Errorf("parseID(1.5) = %+v", o)
	}
	if o, _ := parseNum(jsontext.Value(`"1e3"`)); o != workboard.Some(1000.0) {
		t.Errorf("parseNum 1e3 = %+v", o)
	}
}

func TestChildren(t *testing.T) {
	tests := []struct {
		in   string
		want []item
	}{
		{`{"a":"x\"y","b":1}`, []item{{"a", jsontext.Value(`"x\"y"`)}, {"b", jsontext.Value("1")}}},
		{`{"a":"x\\","b":"\\\\\""}`, []item{{"a", jsontext.Value(`"x\\"`)}, {"b", jsontext.Value(`"\\\\\""`)}}},
		{`{"k\"ey":[1,"]",{"x":"}"}] , "z" : null}`, []item{{`k"ey`, jsontext.Value(`[1,"]",{"x":"}"}]`)}, {"z", jsontext.Value("null")}}},
	}
	for _, tc := range tests {
		got, err := children(jsontext.Value(tc.in))
		if err != nil {
			t.Fatalf("%s: %v", tc.in, err)
		}
		if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(item{})); diff != "" {
			t.Fatalf("%s (-want +got):\n%s", tc.in, diff)
		}
	}
	for _, bad := range []string{`{"a":"x\"}`, `{"a":1`, `{"a" 1}`, `{a:1}`, `{"a":1,}`, `{"a":}`} {
		if _, err := children(jsontext.Value(bad)); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
}

func metrics(b []byte) (*Page, error) { return Metrics(b, AllHistory) }
