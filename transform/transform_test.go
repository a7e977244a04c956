package transform_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/google/go-cmp/cmp"
	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/transform"
	"github.com/wbexport/wbexport/transform/transformtest"
	"github.com/wbexport/wbexport/workboard"
)

var (
	snapDay   = time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	extracted = time.Date(2026, 11, 27, 3, 4, 5, 678912345, time.UTC) // sub-µs part is dropped
	runID     = "01960000-0000-7000-8000-000000000001"
	lin       = transform.Lineage{RunID: runID, SnapshotDate: snapDay}
	meta      = workboard.Meta{ExtractedAt: extracted, Endpoint: "/goal?limit=100&offset=0"}
)

// ts returns a time with a sub-microsecond part and its expected TIMESTAMP value.
func ts(sec int64) time.Time { return time.Unix(sec, 987654321).UTC() }
func us(sec int64) time.Time { return time.Unix(sec, 987654000).UTC() }

func s(v string) workboard.Opt[string]   { return workboard.Some(v) }
func i(v int64) workboard.Opt[int64]     { return workboard.Some(v) }
func f(v float64) workboard.Opt[float64] { return workboard.Some(v) }
func t(v int64) workboard.Opt[time.Time] { return workboard.Some(ts(v)) }

// Unicode that must survive byte for byte: accents, combining marks, CJK, emoji with ZWJ and
// skin tone, RTL, and a NUL-free control-ish tab.
const (
	uniName  = "Zoë Ñúñez-Łukasz 👩🏽‍💻"
	uniCJK   = "目標達成 🎯 進捗"
	uniMixed = "e\u0301 مرحبا\t\"quoted\" \\ back"
)

func lineageWant(extra any) transformtest.Row {
	return transformtest.Row{
		schemas.ColSnapshotDate: "2026-11-27",
		schemas.ColRunID:        runID,
		schemas.ColExtractedAt:  time.Date(2026, 11, 27, 3, 4, 5, 678912000, time.UTC),
		schemas.ColExtra:        extra,
	}
}

func merge(a, b transformtest.Row) transformtest.Row {
	out := transformtest.Row{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

const extraJSON = `{"beta_flag":"ü✓","new_field":[1,2]}`

type tableCase struct {
	table schemas.TableID
	batch workboard.Batch
	want  []transformtest.Row
}

// fullCases have every field of every record populated with distinct values.
func fullCases() []tableCase {
	return []tableCase{
		{
			table: schemas.Users,
			batch: workboard.Batch{Users: []workboard.User{{
				Meta: meta, UserID: 101, UserName: s("zoe"), Email: s("zoe@example.com"),
				FirstName: s(uniName), LastName: s(uniCJK), WBEmail: s("zoe@wb.example"),
				CellNum: s("+49 170 0000"), CreateAt: t(1600000000), LastVisitedAt: t(1700000000),
				Picture: s("https://img/zoe.png"), TimeZone: s("Europe/Berlin"), ExternalID: s("HR-1"),
				CreatedFrom: s("sso"), OrgID: i(7), Status: s("active"),
				OrgUserRoles: []string{"6", "10"},
				Managers:     []workboard.Manager{{UserID: 5, Role: "2"}, {UserID: 3, Role: "1"}, {UserID: 4, Role: "1"}, {UserID: 9, Role: "2"}},
				IsReadOnly:   workboard.Some(true), ProfileTitle: s("CTO"), ProfileCompany: s(uniMixed),
				CustomAttributesJSON: json.RawMessage(`[{"id":"1","name":"Büro","value":"東京"}]`),
				Extra:                workboard.Extra(extraJSON),
			}}},
			want: []transformtest.Row{merge(transformtest.Row{
				"user_id": int64(101), "user_name": "zoe", "email": "zoe@example.com",
				"first_name": uniName, "last_name": uniCJK, "wb_email": "zoe@wb.example",
				"cell_num": "+49 170 0000", "create_at": us(1600000000), "last_visited_at": us(1700000000),
				"picture": "https://img/zoe.png", "time_zone": "Europe/Berlin", "external_id": "HR-1",
				"created_from": "sso", "org_id": int64(7), "status": "active",
				"org_user_roles": []string{"6", "10"}, "direct_manager_user_id": int64(3),
				"manager_user_ids": []int64{5, 3, 4, 9}, "dotted_manager_user_ids": []int64{5, 9},
				"is_read_only": true, "profile_title": "CTO", "profile_company": uniMixed,
				"custom_attributes": `[{"id":"1","name":"Büro","value":"東京"}]`,
			}, lineageWant(extraJSON))},
		},
		{
			table: schemas.Teams,
			batch: workboard.Batch{Teams: []workboard.Team{{
				Meta: meta, TeamID: 20, ExternalID: s("T-20"), ParentTeamID: i(2), DottedTeamIDs: []int64{3, 4},
				TeamName: s(uniCJK), TeamOwner: i(101), TeamType: s("functional"), Level: s("2"),
				CreatedFrom: s("api"), CreatedAt: t(1500000000), UpdatedAt: t(1510000000), TeamState: s("1"),
				Extra: workboard.Extra(extraJSON),
			}}},
			want: []transformtest.Row{merge(transformtest.Row{
				"team_id": int64(20), "external_id": "T-20", "parent_team_id": int64(2), "dotted_team_ids": []int64{3, 4},
				"team_name": uniCJK, "team_owner": int64(101), "team_type": "functional", "level": "2",
				"created_from": "api", "created_at": us(1500000000), "updated_at": us(1510000000), "team_state": "1",
			}, lineageWant(extraJSON))},
		},
		{
			table: schemas.TeamMembers,
			batch: workboard.Batch{TeamMembers: []workboard.TeamMember{{
				Meta: meta, TeamID: 20, UserID: 101, FirstName: s(uniName), LastName: s("Doe"),
				Email: s("zoe@example.com"), TeamRole: s("co_manager"), Extra: workboard.Extra(extraJSON),
			}}},
			want: []transformtest.Row{merge(transformtest.Row{
				"team_id": int64(20), "user_id": int64(101), "first_name": uniName, "last_name": "Doe",
				"email": "zoe@example.com", "team_role": "co_manager",
			}, lineageWant(extraJSON))},
		},
		{
			table: schemas.Goals,
			batch: workboard.Batch{Goals: []workboard.Goal{{
				Meta: meta, GoalID: 3001, GoalName: s(uniCJK), GoalNarrative: s(uniMixed),
				GoalType: workboard.Some(workboard.IDName{ID: "1", Name: "Team"}), GoalOwner: i(101),
				GoalOwnerFullName: s(uniName), GoalCreateAt: t(1600000001), GoalModifiedAt: t(1600000002),
				GoalCreatedBy: i(102), GoalUpdatedBy: i(103), GoalStartDate: t(1600000003), GoalTargetDate: t(1600000004),
				GoalProgress: f(63.96), GoalProgressColor: s("amber"), GoalStatus: s("2"),
				GoalPermission:  []string{"team", "internal"},
				GoalCategory:    []workboard.IDName{{ID: "11", Name: "Growth 📈"}, {ID: "12", Name: "品質"}},
				GoalWorkstreams: []workboard.IDName{{ID: "21", Name: "WS one"}},
				GoalTeamID:      i(20), GoalTeamName: s("Platform"), GoalMetricsCount: i(3), GoalCommentsCount: i(2),
				GoalPermissionTeamIDs: []int64{20, 21},
				CustomAttributesJSON:  json.RawMessage(`[{"id":"4","name":"Risk","value":"hoch","status":"1"}]`),
				MetricIDs:             []int64{1, 2, 3},
				Extra:                 workboard.Extra(extraJSON),
			}}},
			want: []transformtest.Row{merge(transformtest.Row{
				"goal_id": int64(3001), "goal_name": uniCJK, "goal_narrative": uniMixed,
				"goal_type_id": "1", "goal_type_name": "Team", "goal_owner": int64(101),
				"goal_owner_full_name": uniName, "goal_create_at": us(1600000001), "goal_modified_at": us(1600000002),
				"goal_created_by": int64(102), "goal_updated_by": int64(103), "goal_start_date": us(1600000003),
				"goal_target_date": us(1600000004), "goal_progress": 63.96, "goal_progress_color": "amber",
				"goal_status": "2", "goal_permission": []string{"team", "internal"},
				"goal_category_ids": []int64{11, 12}, "goal_category_names": []string{"Growth 📈", "品質"},
				"goal_workstream_ids": []int64{21}, "goal_workstream_names": []string{"WS one"},
				"goal_team_id": int64(20), "goal_team_name": "Platform", "goal_metrics_count": int64(3),
				"goal_comments_count": int64(2), "goal_permission_team_ids": []int64{20, 21},
				"custom_attributes": `[{"id":"4","name":"Risk","value":"hoch","status":"1"}]`,
			}, lineageWant(extraJSON))},
		},
		{
			table: schemas.KeyResults,
			batch: workboard.Batch{KeyResults: []workboard.KeyResult{{
				Meta: meta, MetricID: 4001, GoalID: 3001, MetricName: s(uniName), MetricOwner: i(101), MetricRealOwner: i(102),
				MetricUpdateInterval: workboard.Some(workboard.IDName{ID: "2", Name: "Weekly"}), MetricUpdateIntervalDay: s("Friday"),
				MetricUnit:         workboard.Some(workboard.IDName{ID: "2", Name: "Currency"}),
				MetricProgressType: workboard.Some(workboard.IDName{ID: "3", Name: "Average"}),
				MetricCountingType: workboard.Some(workboard.IDName{ID: "1", Name: "Counting up"}),
				MetricInitialData:  f(-1.5), MetricTarget: f(1e6), MetricAchieveTarget: f(0.25), MetricProgress: f(12.5),
				MetricProgressColor: s("red"), MetricCreateAt: t(1600000010), MetricModifiedAt: t(1600000011),
				MetricCreatedBy: i(103), MetricUpdatedBy: i(104), MetricLastUpdate: t(1600000012), MetricNextUpdate: t(1600000013),
				MetricSourceFrom: s("7"), MetricStatus: s("3"), MetricPermission: []string{"any"},
				TargetDate: t(1600000014), MetricMITStartDate: t(1600000015), MetricMITEndDate: t(1600000016),
				MetricGoalSource:     []int64{3002, 3003},
				MetricAutomationJSON: json.RawMessage(`{"source_plugins":["x"]}`),
				ChildKRJSON:          json.RawMessage(`[{"id":"9","name":"Q1 ✓"}]`),
				Extra:                workboard.Extra(extraJSON),
			}}},
			want: []transformtest.Row{merge(transformtest.Row{
				"metric_id": int64(4001), "goal_id": int64(3001), "metric_name": uniName, "metric_owner": int64(101),
				"metric_real_owner": int64(102), "metric_update_interval_id": "2", "metric_update_interval_name": "Weekly",
				"metric_update_interval_day": "Friday", "metric_unit_id": "2", "metric_unit_name": "Currency",
				"metric_progress_type_id": "3", "metric_progress_type_name": "Average",
				"metric_counting_type_id": "1", "metric_counting_type_name": "Counting up",
				"metric_initial_data": -1.5, "metric_target": 1e6, "metric_achieve_target": 0.25, "metric_progress": 12.5,
				"metric_progress_color": "red", "metric_create_at": us(1600000010), "metric_modified_at": us(1600000011),
				"metric_created_by": int64(103), "metric_updated_by": int64(104), "metric_last_update": us(1600000012),
				"metric_next_update": us(1600000013), "metric_source_from": "7", "metric_status": "3",
				"metric_permission": []string{"any"}, "target_date": us(1600000014),
				"metric_mit_start_date": us(1600000015), "metric_mit_end_date": us(1600000016),
				"metric_goal_source": []int64{3002, 3003}, "metric_automation": `{"source_plugins":["x"]}`,
				"child_kr": `[{"id":"9","name":"Q1 ✓"}]`,
			}, lineageWant(extraJSON))},
		},
		{
			table: schemas.KeyResultCheckins,
			batch: workboard.Batch{Checkins: []workboard.Checkin{{
				Meta: meta, MetricDataID: 5001, MetricID: 4001, GoalID: 3001, CreatedAt: t(1600000020),
				Value: f(42.125), UpdatedAt: t(1600000021), CreatedBy: i(101), Comment: s(uniCJK),
				Extra: workboard.Extra(extraJSON),
			}}},
			want: []transformtest.Row{merge(transformtest.Row{
				"metric_data_id": int64(5001), "metric_id": int64(4001), "goal_id": int64(3001),
				"metric_data_created_at": us(1600000020), "metric_data_value": 42.125,
				"metric_data_updated_at": us(1600000021), "metric_data_created_by": int64(101), "metric_data_comment": uniCJK,
			}, lineageWant(extraJSON))},
		},
		{
			table: schemas.KeyResultConf,
			batch: workboard.Batch{Confidence: []workboard.Confidence{{
				Meta: meta, MetricID: 4001, ModifiedAt: ts(1600000030), Ordinal: 1, GoalID: 3001,
				Confidence: s("2"), Comment: s(uniName), MetricDataID: i(5001), Extra: workboard.Extra(extraJSON),
			}}},
			want: []transformtest.Row{merge(transformtest.Row{
				"metric_id": int64(4001), "modified_at": us(1600000030), "ordinal": int64(1), "goal_id": int64(3001),
				"confidence": "2", "comment": uniName, "metric_data_id": int64(5001),
			}, lineageWant(extraJSON))},
		},
		{
			table: schemas.KeyResultComments,
			batch: workboard.Batch{KRComments: []workboard.KRComment{{
				Meta: meta, MetricID: 4001, ModifiedAt: ts(1600000040), Ordinal: 2, GoalID: 3001,
				Comment: s(uniMixed), Extra: workboard.Extra(extraJSON),
			}}},
			want: []transformtest.Row{merge(transformtest.Row{
				"metric_id": int64(4001), "modified_at": us(1600000040), "ordinal": int64(2), "goal_id": int64(3001),
				"comment": uniMixed,
			}, lineageWant(extraJSON))},
		},
		{
			table: schemas.GoalComments,
			batch: workboard.Batch{GoalComments: []workboard.GoalComment{{
				Meta: meta, CommentID: 6001, GoalID: 3001, CommentText: s(uniCJK), CommentOwner: i(101),
				CommentOwnerName: s(uniName), CommentAddedAt: t(1600000050), CommentLastUpdated: t(1600000051),
				Extra: workboard.Extra(extraJSON),
			}}},
			want: []transformtest.Row{merge(transformtest.Row{
				"comment_id": int64(6001), "goal_id": int64(3001), "comment_text": uniCJK, "comment_owner": int64(101),
				"comment_owner_name": uniName, "comment_added_at": us(1600000050), "comment_last_updated": us(1600000051),
			}, lineageWant(extraJSON))},
		},
		{
			table: schemas.Tags,
			batch: workboard.Batch{Tags: []workboard.Tag{{
				Meta: meta, TagID: 501, TagName: s(uniCJK), TagStatus: s("2"), GroupID: i(40), GroupName: s(uniName),
				GroupStatus: s("1"), CreatedDate: t(1600000060), CreatedBy: i(101), UpdatedDate: t(1600000061), UpdatedBy: i(102),
				Extra: workboard.Extra(extraJSON),
			}}},
			want: []transformtest.Row{merge(transformtest.Row{
				"tag_id": int64(501), "tag_name": uniCJK, "tag_status": "2", "group_id": int64(40), "group_name": uniName,
				"group_status": "1", "created_date": us(1600000060), "created_by": int64(101), "updated_date": us(1600000061),
				"updated_by": int64(102),
			}, lineageWant(extraJSON))},
		},
		{
			table: schemas.KeyResultTags,
			batch: workboard.Batch{KRTags: []workboard.KRTag{{
				Meta: meta, MetricID: 4001, TagID: 501, MetricName: s(uniMixed), TagName: s(uniCJK), TagStatus: s("1"),
				GroupID: i(40), GroupName: s(uniName), GroupStatus: s("2"), UpdatedDate: t(1600000061), UpdatedBy: i(102),
				Extra: workboard.Extra(extraJSON),
			}}},
			want: []transformtest.Row{merge(transformtest.Row{
				"metric_id": int64(4001), "tag_id": int64(501), "metric_name": uniMixed, "tag_name": uniCJK, "tag_status": "1",
				"group_id": int64(40), "group_name": uniName, "group_status": "2", "updated_date": us(1600000061),
				"updated_by": int64(102),
			}, lineageWant(extraJSON))},
		},
		{
			table: schemas.GoalAlignments,
			batch: workboard.Batch{Alignments: []workboard.GoalAlignment{{
				AlignmentNode: workboard.AlignmentNode{Meta: meta, GoalID: 3002, ParentGoalID: i(3001), GoalName: s(uniMixed),
					GoalOwner: i(101), GoalTeamName: s(uniName), GoalTargetDate: t(1600000070), GoalProgress: f(64.29),
					GoalProgressColor: s("amber"), Extra: workboard.Extra(extraJSON)},
				Depth: 1, RootGoalID: 3001, PathGoalIDs: []int64{3001, 3002},
			}}},
			want: []transformtest.Row{merge(transformtest.Row{
				"goal_id": int64(3002), "parent_goal_id": int64(3001), "depth": int64(1), "root_goal_id": int64(3001),
				"path_goal_ids": []int64{3001, 3002}, "goal_name": uniMixed, "goal_owner": int64(101), "goal_team_name": uniName,
				"goal_target_date": us(1600000070), "goal_progress": 64.29, "goal_progress_color": "amber",
			}, lineageWant(extraJSON))},
		},
	}
}

// nullCases have only the required fields set; every Opt is invalid, every slice nil.
func nullCases() []tableCase {
	m := workboard.Meta{ExtractedAt: extracted}
	mod := ts(1600000030)
	return []tableCase{
		{schemas.Users, workboard.Batch{Users: []workboard.User{{Meta: m, UserID: 1, Managers: []workboard.Manager{{UserID: 8, Role: "2"}}}}},
			[]transformtest.Row{merge(nulls(schemas.Users), transformtest.Row{"user_id": int64(1), "manager_user_ids": []int64{8}, "dotted_manager_user_ids": []int64{8}})}},
		{schemas.Teams, workboard.Batch{Teams: []workboard.Team{{Meta: m, TeamID: 2}}},
			[]transformtest.Row{merge(nulls(schemas.Teams), transformtest.Row{"team_id": int64(2)})}},
		{schemas.TeamMembers, workboard.Batch{TeamMembers: []workboard.TeamMember{{Meta: m, TeamID: 2, UserID: 1}}},
			[]transformtest.Row{merge(nulls(schemas.TeamMembers), transformtest.Row{"team_id": int64(2), "user_id": int64(1)})}},
		{schemas.Goals, workboard.Batch{Goals: []workboard.Goal{{Meta: m, GoalID: 3, CustomAttributesJSON: json.RawMessage(" [ ] "), Extra: workboard.Extra("{}")}}},
			[]transformtest.Row{merge(nulls(schemas.Goals), transformtest.Row{"goal_id": int64(3)})}},
		{schemas.KeyResults, workboard.Batch{KeyResults: []workboard.KeyResult{{Meta: m, MetricID: 4, GoalID: 3, MetricAutomationJSON: json.RawMessage("null"), ChildKRJSON: json.RawMessage("[]"),
			MetricUnit: workboard.Some(workboard.IDName{})}}},
			[]transformtest.Row{merge(nulls(schemas.KeyResults), transformtest.Row{"metric_id": int64(4), "goal_id": int64(3)})}},
		{schemas.KeyResultCheckins, workboard.Batch{Checkins: []workboard.Checkin{{Meta: m, MetricDataID: 5, MetricID: 4, GoalID: 3}}},
			[]transformtest.Row{merge(nulls(schemas.KeyResultCheckins), transformtest.Row{"metric_data_id": int64(5), "metric_id": int64(4), "goal_id": int64(3)})}},
		{schemas.KeyResultConf, workboard.Batch{Confidence: []workboard.Confidence{{Meta: m, MetricID: 4, ModifiedAt: mod, GoalID: 3}}},
			[]transformtest.Row{merge(nulls(schemas.KeyResultConf), transformtest.Row{"metric_id": int64(4), "modified_at": us(1600000030), "ordinal": int64(0), "goal_id": int64(3)})}},
		{schemas.KeyResultComments, workboard.Batch{KRComments: []workboard.KRComment{{Meta: m, MetricID: 4, ModifiedAt: mod, GoalID: 3}}},
			[]transformtest.Row{merge(nulls(schemas.KeyResultComments), transformtest.Row{"metric_id": int64(4), "modified_at": us(1600000030), "ordinal": int64(0), "goal_id": int64(3)})}},
		{schemas.GoalComments, workboard.Batch{GoalComments: []workboard.GoalComment{{Meta: m, CommentID: 6, GoalID: 3}}},
			[]transformtest.Row{merge(nulls(schemas.GoalComments), transformtest.Row{"comment_id": int64(6), "goal_id": int64(3)})}},
		{schemas.Tags, workboard.Batch{Tags: []workboard.Tag{{Meta: m, TagID: 7}}},
			[]transformtest.Row{merge(nulls(schemas.Tags), transformtest.Row{"tag_id": int64(7)})}},
		{schemas.KeyResultTags, workboard.Batch{KRTags: []workboard.KRTag{{Meta: m, MetricID: 4, TagID: 7}}},
			[]transformtest.Row{merge(nulls(schemas.KeyResultTags), transformtest.Row{"metric_id": int64(4), "tag_id": int64(7)})}},
		{schemas.GoalAlignments, workboard.Batch{Alignments: []workboard.GoalAlignment{{AlignmentNode: workboard.AlignmentNode{Meta: m, GoalID: 3}, RootGoalID: 3}}},
			[]transformtest.Row{merge(nulls(schemas.GoalAlignments), transformtest.Row{"goal_id": int64(3), "depth": int64(0), "root_goal_id": int64(3)})}},
	}
}

// nulls returns the expected row of a record with nothing but its keys: NULL for every nullable
// column, an empty list for every list column, lineage values for lineage columns.
func nulls(table schemas.TableID) transformtest.Row {
	tb, _ := schemas.Lookup(table)
	row := transformtest.Row{}
	for _, c := range tb.Columns {
		switch {
		case c.Type == schemas.ListInt64:
			row[c.Name] = []int64{}
		case c.Type == schemas.ListString:
			row[c.Name] = []string{}
		default:
			row[c.Name] = nil
		}
	}
	return merge(row, lineageWant(nil))
}

func runCase(t *testing.T, tc tableCase, opts ...transform.Option) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	var col transformtest.Collector
	defer col.Release()
	tr, err := transform.New(mem, lin, col.Emit, opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Release()
	ctx := context.Background()
	if err := tr.Add(ctx, &tc.batch); err != nil {
		t.Fatal(err)
	}
	if err := tr.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if got := col.Tables(); len(got) != 1 || got[0] != tc.table {
		t.Fatalf("records emitted for tables %v, want only %s", got, tc.table)
	}
	tbl, _ := schemas.Lookup(tc.table)
	for _, rec := range col.Records(tc.table) {
		if !rec.Schema().Equal(tbl.Arrow()) || !rec.Schema().Metadata().Equal(tbl.Arrow().Metadata()) {
			t.Fatalf("schema of emitted record differs from schemas.%s.Arrow():\n%s\nwant\n%s", tc.table, rec.Schema(), tbl.Arrow())
		}
		for c := range int(rec.NumCols()) {
			if rec.Column(c).Len() != int(rec.NumRows()) {
				t.Fatalf("column %s has %d values in a record of %d rows", rec.ColumnName(c), rec.Column(c).Len(), rec.NumRows())
			}
		}
	}
	got := col.Rows(tc.table)
	if len(got) != len(tc.want) {
		t.Fatalf("%d rows, want %d", len(got), len(tc.want))
	}
	for r := range tc.want {
		compareRow(t, tbl, r, got[r], tc.want[r])
	}
	if n := tr.Rows()[tc.table]; n != int64(len(tc.want)) {
		t.Errorf("Rows()[%s] = %d, want %d", tc.table, n, len(tc.want))
	}
}

// compareRow checks every schema column of got against want; want must name every column of
// the schema and nothing else, so a new column without an expectation fails the test.
func compareRow(t *testing.T, tbl *schemas.Table, r int, got, want transformtest.Row) {
	t.Helper()
	for name := range want {
		if tbl.ColumnIndex(name) < 0 {
			t.Errorf("test expects column %s which table %s does not have", name, tbl.Name)
		}
	}
	for _, c := range tbl.Columns {
		w, ok := want[c.Name]
		if !ok {
			t.Errorf("row %d: no expectation for column %s.%s: extend the test", r, tbl.Name, c.Name)
			continue
		}
		g := got[c.Name]
		if !reflect.DeepEqual(g, w) {
			t.Errorf("row %d: %s.%s = %#v, want %#v", r, tbl.Name, c.Name, g, w)
		}
		if g == nil && !c.Nullable {
			t.Errorf("row %d: required column %s.%s is null", r, tbl.Name, c.Name)
		}
	}
}

func TestFullyPopulated(t *testing.T) {
	for _, tc := range fullCases() {
		t.Run(string(tc.table), func(t *testing.T) {
			runCase(t, tc)
			// A fully populated record must leave no column null: a column without an
			// appender, or an appender writing the wrong field, shows up here.
			for _, c := range mustTable(t, tc.table).Columns {
				if tc.want[0][c.Name] == nil {
					t.Errorf("fully populated %s row expects NULL in %s", tc.table, c.Name)
				}
				if l, ok := tc.want[0][c.Name].([]int64); ok && len(l) == 0 {
					t.Errorf("fully populated %s row expects empty list in %s", tc.table, c.Name)
				}
				if l, ok := tc.want[0][c.Name].([]string); ok && len(l) == 0 {
					t.Errorf("fully populated %s row expects empty list in %s", tc.table, c.Name)
				}
			}
		})
	}
}

func TestAllNull(t *testing.T) {
	for _, tc := range nullCases() {
		t.Run(string(tc.table), func(t *testing.T) { runCase(t, tc) })
	}
}

// TestEveryTableCovered fails when a data table has no test case (and so, in practice, when a
// new table is added without an appender).
func TestEveryTableCovered(t *testing.T) {
	full, null := map[schemas.TableID]bool{}, map[schemas.TableID]bool{}
	for _, tc := range fullCases() {
		full[tc.table] = true
	}
	for _, tc := range nullCases() {
		null[tc.table] = true
	}
	tr, err := transform.New(nil, lin, func(context.Context, schemas.TableID, arrowRec) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Release()
	if diff := cmp.Diff(schemas.IDs(schemas.DataTables()), tr.Tables()); diff != "" {
		t.Errorf("tables built by transform (-want +got):\n%s", diff)
	}
	for _, tbl := range schemas.DataTables() {
		if !full[tbl.Name] || !null[tbl.Name] {
			t.Errorf("table %s has no fully-populated or all-null test case", tbl.Name)
		}
	}
}

func mustTable(t *testing.T, id schemas.TableID) *schemas.Table {
	t.Helper()
	tb, ok := schemas.Lookup(id)
	if !ok {
		t.Fatalf("no table %s", id)
	}
	return tb
}

func TestBatching(t *testing.T) {
	mk := func(n int) *workboard.Batch {
		b := &workboard.Batch{}
		for k := range n {
			b.Checkins = append(b.Checkins, workboard.Checkin{Meta: meta, MetricDataID: int64(k + 1), MetricID: 1, GoalID: 1,
				Comment: s(strings.Repeat("x", 100))})
		}
		return b
	}
	tests := []struct {
		name string
		opts []transform.Option
		adds []int // rows per Add call
		want []int64
	}{
		{"rows", []transform.Option{transform.WithBatchRows(3)}, []int{10}, []int64{3, 3, 3, 1}},
		{"rows across adds", []transform.Option{transform.WithBatchRows(4)}, []int{3, 3, 3}, []int64{4, 4, 1}},
		{"exact", []transform.Option{transform.WithBatchRows(5)}, []int{5, 5}, []int64{5, 5}},
		{"defaults", nil, []int{7}, []int64{7}},
		// Each row is well over 100 bytes, so a 300-byte limit emits every 3 rows at most.
		{"bytes", []transform.Option{transform.WithBatchBytes(300)}, []int{7}, []int64{2, 2, 2, 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			var col transformtest.Collector
			defer col.Release()
			tr, err := transform.New(mem, lin, col.Emit, tc.opts...)
			if err != nil {
				t.Fatal(err)
			}
			defer tr.Release()
			next := 0
			for _, n := range tc.adds {
				b := mk(n)
				for k := range b.Checkins {
					b.Checkins[k].MetricDataID = int64(next + k + 1)
				}
				next += n
				if err := tr.Add(context.Background(), b); err != nil {
					t.Fatal(err)
				}
			}
			if err := tr.Flush(context.Background()); err != nil {
				t.Fatal(err)
			}
			var sizes []int64
			for _, r := range col.Records(schemas.KeyResultCheckins) {
				sizes = append(sizes, r.NumRows())
			}
			if !reflect.DeepEqual(sizes, tc.want) {
				t.Fatalf("batch sizes %v, want %v", sizes, tc.want)
			}
			for k, row := range col.Rows(schemas.KeyResultCheckins) {
				if row["metric_data_id"] != int64(k+1) {
					t.Fatalf("row %d has metric_data_id %v: rows reordered or lost", k, row["metric_data_id"])
				}
			}
			if got := tr.Batches()[schemas.KeyResultCheckins]; got != len(tc.want) {
				t.Errorf("Batches() = %d, want %d", got, len(tc.want))
			}
		})
	}
}

func TestWithTables(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	var col transformtest.Collector
	defer col.Release()
	tr, err := transform.New(mem, lin, col.Emit, transform.WithTables(schemas.KeyResults))
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Release()
	var all workboard.Batch
	for _, tc := range fullCases() {
		b := tc.batch
		all.Users = append(all.Users, b.Users...)
		all.Goals = append(all.Goals, b.Goals...)
		all.KeyResults = append(all.KeyResults, b.KeyResults...)
		all.Checkins = append(all.Checkins, b.Checkins...)
	}
	if err := tr.Add(context.Background(), &all); err != nil {
		t.Fatal(err)
	}
	if err := tr.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]schemas.TableID{schemas.KeyResults}, col.Tables()); diff != "" {
		t.Fatalf("emitted tables (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[schemas.TableID]int64{schemas.KeyResults: 1}, tr.Rows()); diff != "" {
		t.Fatalf("Rows() (-want +got):\n%s", diff)
	}
}

func TestNewErrors(t *testing.T) {
	emit := transform.Emit(func(context.Context, schemas.TableID, arrowRec) error { return nil })
	tests := []struct {
		name string
		lin  transform.Lineage
		emit transform.Emit
		opts []transform.Option
		want string
	}{
		{"no run id", transform.Lineage{SnapshotDate: snapDay}, emit, nil, "no run id"},
		{"no date", transform.Lineage{RunID: "x"}, emit, nil, "no snapshot date"},
		{"no emit", lin, nil, nil, "emit callback is nil"},
		{"unknown table", lin, emit, []transform.Option{transform.WithTables("goalz")}, `unknown table "goalz"`},
		{"ledger table", lin, emit, []transform.Option{transform.WithTables(schemas.SyncRuns)}, "run ledger"},
		{"rows", lin, emit, []transform.Option{transform.WithBatchRows(0)}, "batch rows must be positive"},
		{"bytes", lin, emit, []transform.Option{transform.WithBatchBytes(-1)}, "batch bytes must be positive"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := transform.New(nil, tc.lin, tc.emit, tc.opts...)
			if err == nil {
				tr.Release()
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}

// TestBadInput checks that bad records give an error naming table, row, column and endpoint,
// and that the Transformer then refuses further use without leaking memory.
func TestBadInput(t *testing.T) {
	tests := []struct {
		name  string
		batch workboard.Batch
		want  []string
	}{
		{"category id", workboard.Batch{Goals: []workboard.Goal{{Meta: meta, GoalID: 7, GoalCategory: []workboard.IDName{{ID: "1", Name: "a"}, {ID: "x1", Name: "b"}}}}},
			[]string{"table goals", "goal_id=7", "goal_category_ids", `goal_category[1].id "x1"`, "/goal?limit=100&offset=0"}},
		{"workstream id", workboard.Batch{Goals: []workboard.Goal{{Meta: meta, GoalID: 8, GoalWorkstreams: []workboard.IDName{{ID: "", Name: "b"}}}}},
			[]string{"goal_id=8", `goal_workstreams[0].id ""`}},
		{"json", workboard.Batch{KeyResults: []workboard.KeyResult{{Meta: meta, MetricID: 9, GoalID: 1, ChildKRJSON: json.RawMessage(`[{"id":`)}}},
			[]string{"table key_results", "metric_id=9", "child_kr", "not valid JSON"}},
		{"extra", workboard.Batch{Checkins: []workboard.Checkin{{Meta: meta, MetricDataID: 10, MetricID: 1, GoalID: 1, Extra: workboard.Extra("{oops")}}},
			[]string{"key_result_checkins", "metric_data_id=10", "_extra"}},
		{"utf8 string", workboard.Batch{Users: []workboard.User{{Meta: meta, UserID: 13, LastName: s("ok"), FirstName: s("Zo\xeb")}}},
			[]string{"table users", "user_id=13", "column first_name", "not valid UTF-8"}},
		{"utf8 list", workboard.Batch{Goals: []workboard.Goal{{Meta: meta, GoalID: 14, GoalCategory: []workboard.IDName{{ID: "1", Name: "\xff"}}}}},
			[]string{"goal_id=14", "goal_category_names", "not valid UTF-8"}},
		{"utf8 json", workboard.Batch{Goals: []workboard.Goal{{Meta: meta, GoalID: 15, Extra: workboard.Extra("{\"a\":\"\xff\"}")}}},
			[]string{"goal_id=15", "_extra", "JSON text is not valid UTF-8"}},
		{"extracted at", workboard.Batch{Teams: []workboard.Team{{TeamID: 11}}},
			[]string{"table teams", "team_id=11", "_extracted_at", "no extraction time"}},
		{"modified at", workboard.Batch{KRComments: []workboard.KRComment{{Meta: meta, MetricID: 12, GoalID: 1}}},
			[]string{"key_result_comments", "metric_id=12", "modified_at", "required time is missing"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			var col transformtest.Collector
			defer col.Release()
			tr, err := transform.New(mem, lin, col.Emit)
			if err != nil {
				t.Fatal(err)
			}
			defer tr.Release()
			err = tr.Add(context.Background(), &tc.batch)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if err2 := tr.Flush(context.Background()); err2 == nil {
				t.Error("Flush after a failed Add succeeded")
			}
		})
	}
}

func TestEmitError(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	boom := errors.New("disk full")
	calls := 0
	tr, err := transform.New(mem, lin, func(_ context.Context, table schemas.TableID, rec arrowRec) error {
		calls++
		return boom
	}, transform.WithBatchRows(1))
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Release()
	b := fullCases()[0].batch
	b.Users = append(b.Users, b.Users[0])
	err = tr.Add(context.Background(), &b)
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "users") {
		t.Fatalf("Add error = %v, want wrapped %v naming the table", err, boom)
	}
	if calls != 1 {
		t.Fatalf("emit called %d times after failing, want 1", calls)
	}
}

func TestCanceled(t *testing.T) {
	tr, err := transform.New(nil, lin, func(context.Context, schemas.TableID, arrowRec) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Release()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	b := fullCases()[0].batch
	if err := tr.Add(ctx, &b); !errors.Is(err, context.Canceled) {
		t.Fatalf("Add on canceled context = %v", err)
	}
}

func TestUseAfterRelease(t *testing.T) {
	tr, err := transform.New(nil, lin, func(context.Context, schemas.TableID, arrowRec) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	tr.Release()
	tr.Release() // idempotent
	if err := tr.Flush(context.Background()); err == nil {
		t.Fatal("Flush after Release succeeded")
	}
}

// TestSnapshotDateIsUTCDay: a snapshot time given in another zone is written as its UTC day.
func TestSnapshotDateIsUTCDay(t *testing.T) {
	zone := time.FixedZone("UTC+10", 10*3600)
	tc := nullCases()[1]
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	var col transformtest.Collector
	defer col.Release()
	tr, err := transform.New(mem, transform.Lineage{RunID: runID, SnapshotDate: time.Date(2026, 11, 28, 5, 0, 0, 0, zone)}, col.Emit)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Release()
	if err := tr.Add(context.Background(), &tc.batch); err != nil {
		t.Fatal(err)
	}
	if err := tr.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := col.Rows(schemas.Teams)[0][schemas.ColSnapshotDate]; got != "2026-11-27" {
		t.Fatalf("snapshot_date = %v, want 2026-11-27", got)
	}
}
