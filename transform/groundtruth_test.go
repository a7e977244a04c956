package transform_test

// The key correctness test of the pipeline's front half: a synthetic org is served over HTTP
// by the emulator (workboard/wbtest), exported by the real exporter (extract.Exporter.Export) into
// transform, and EVERY column of EVERY row of EVERY data table is compared with a value
// computed here from the emulator's Go ground truth (wbtest.Org), never from the client's
// records. Expected values follow the documented contract: ids INT64, epoch seconds → UTC
// timestamps with 0 meaning NULL, "" → NULL, comma lists → lists, {id,name} pairs split,
// JSON columns compared as JSON values.

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/wbexport/wbexport/extract"
	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/transform"
	"github.com/wbexport/wbexport/transform/transformtest"
	"github.com/wbexport/wbexport/workboard"
	"github.com/wbexport/wbexport/workboard/wbtest"
)

// ---- expected values from the ground truth ---------------------------------------------

func gtStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func gtStrPtr(s *string) any {
	if s == nil {
		return nil
	}
	return gtStr(*s)
}

func gtTime(epoch int64) any {
	if epoch == 0 {
		return nil
	}
	return time.Unix(epoch, 0).UTC()
}

func gtID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func gtCSV(s string) []string {
	out := []string{}
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func gtIDs(ids []int64) []int64 { return append([]int64{}, ids...) }

func gtIDName(p wbtest.IDName) (id, name any) {
	if p.ID == "" && p.Name == "" {
		return nil, nil
	}
	return gtStr(p.ID), gtStr(p.Name)
}

// jsonValue marks an expected JSON column: compared as a decoded JSON value, so formatting
// and key order do not matter but every value does.
type jsonValue struct{ v any }

func gtJSON(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		panic(err)
	}
	switch x := out.(type) {
	case nil:
		return nil
	case []any:
		if len(x) == 0 {
			return nil
		}
	case map[string]any:
		if len(x) == 0 {
			return nil
		}
	}
	return jsonValue{out}
}

// jsonSubset marks an expected JSON column of which only some members are known: the column
// must hold exactly the top-level members of v, each containing v's value (objects: at least
// v's members, each containing v's; arrays: as many items, each containing v's; anything
// else: equal). It is used for the members kept whole in _extra (manager[], goal_metrics[]),
// which repeat many values the ground truth holds elsewhere.
type jsonSubset struct{ v map[string]any }

func gtSubset(v map[string]any) any {
	if len(v) == 0 {
		return nil
	}
	return jsonSubset{gtJSON(v).(jsonValue).v.(map[string]any)}
}

// contains reports whether got contains want (see jsonSubset).
func contains(got, want any) bool {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return false
		}
		for k, wv := range w {
			if gv, ok := g[k]; !ok || !contains(gv, wv) {
				return false
			}
		}
		return true
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return false
		}
		for i := range w {
			if !contains(g[i], w[i]) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(got, want)
}

// rowKey identifies a row by its primary key without snapshot_date.
func rowKey(tbl *schemas.Table, r transformtest.Row) string {
	var parts []string
	for _, k := range tbl.PrimaryKey {
		if k == schemas.ColSnapshotDate {
			continue
		}
		v := r[k]
		if tm, ok := v.(time.Time); ok {
			v = tm.Unix()
		}
		parts = append(parts, fmt.Sprintf("%s=%v", k, v))
	}
	return strings.Join(parts, ",")
}

// options are the optional API parts the client requested (observed on the wire): without
// them the API does not send the fields, and the columns are NULL / empty by contract.
type options struct {
	userAttrs  bool // custom_attributes=1 on GET /user?include=org_members
	goalAttrs  bool // custom_attributes=1 on GET /goal
	customPerm bool // include=custom_permission on GET /goal
}

// expectations builds the expected rows of every data table from the org. perKR selects the
// per-key-result fetch plan (GET /metric/{id}), which also yields metric_confidence[].metric_data_id.
func expectations(org *wbtest.Org, perKR bool, opt options) map[schemas.TableID][]transformtest.Row {
	exp := map[schemas.TableID][]transformtest.Row{}
	add := func(table schemas.TableID, r transformtest.Row) { exp[table] = append(exp[table], r) }

	for _, u := range org.Users {
		direct := any(nil)
		all, dotted := []int64{}, []int64{}
		for _, m := range u.Managers {
			all = append(all, m.UserID)
			if m.Role == "1" && direct == nil {
				direct = m.UserID
			}
			if m.Role == "2" {
				dotted = append(dotted, m.UserID)
			}
		}
		var attrs any
		if opt.userAttrs && u.CustomAttributes != nil {
			list := []map[string]string{}
			for _, a := range u.CustomAttributes {
				list = append(list, map[string]string{"id": strconv.FormatInt(a.ID, 10), "name": a.Name, "value": a.Value})
			}
			attrs = gtJSON(list)
		}
		var extra any
		if len(u.Managers) > 0 { // manager[] carries the managers' names: kept whole
			ms := []any{}
			for _, m := range u.Managers {
				mu := org.User(m.UserID)
				ms = append(ms, map[string]any{"user_id": strconv.FormatInt(m.UserID, 10), "role": m.Role,
					"email": mu.Email, "first_name": mu.FirstName, "last_name": mu.LastName})
			}
			extra = gtSubset(map[string]any{"manager": ms})
		}
		add(schemas.Users, transformtest.Row{
			"user_id": u.ID, "user_name": gtStr(u.UserName), "email": gtStr(u.Email),
			"first_name": gtStr(u.FirstName), "last_name": gtStr(u.LastName), "wb_email": gtStr(u.WBEmail),
			"cell_num": gtStrPtr(u.CellNum), "create_at": gtTime(u.CreateAt), "last_visited_at": gtTime(u.LastVisitedAt),
			"picture": gtStr(u.Picture), "time_zone": gtStr(u.TimeZone), "external_id": gtStr(u.ExternalID),
			"created_from": gtStr(u.CreatedFrom), "org_id": org.ID, "status": gtStr(u.Status),
			"org_user_roles": gtCSV(u.OrgUserRoles), "direct_manager_user_id": direct,
			"manager_user_ids": all, "dotted_manager_user_ids": dotted, "is_read_only": u.IsReadOnly,
			"profile_title": gtStr(u.Title), "profile_company": gtStr(u.Company), "custom_attributes": attrs,
			schemas.ColExtra: extra,
		})
	}
	for _, t := range org.Teams {
		add(schemas.Teams, transformtest.Row{
			"team_id": t.ID, "external_id": gtStr(t.ExternalID), "parent_team_id": gtID(t.ParentID),
			"dotted_team_ids": gtIDs(t.DottedTeamIDs), "team_name": gtStr(t.Name), "team_owner": gtID(t.OwnerID),
			"team_type": gtStr(t.Type), "level": gtStrPtr(t.Level), "created_from": gtStr(t.CreatedFrom),
			"created_at": gtTime(t.CreatedAt), "updated_at": gtTime(t.UpdatedAt), "team_state": gtStr(t.State),
			schemas.ColExtra: nil,
		})
		for _, m := range t.Members {
			u := org.User(m.UserID)
			add(schemas.TeamMembers, transformtest.Row{
				"team_id": t.ID, "user_id": m.UserID, "first_name": gtStr(u.FirstName), "last_name": gtStr(u.LastName),
				"email": gtStr(u.Email), "team_role": gtStr(m.Role), schemas.ColExtra: nil,
			})
		}
	}
	for _, g := range org.Goals {
		typeID, typeName := gtIDName(g.Type)
		catIDs, catNames, wsIDs, wsNames := []int64{}, []string{}, []int64{}, []string{}
		for _, c := range g.Categories {
			id, _ := strconv.ParseInt(c.ID, 10, 64)
			catIDs, catNames = append(catIDs, id), append(catNames, c.Name)
		}
		for _, c := range g.Workstreams {
			id, _ := strconv.ParseInt(c.ID, 10, 64)
			wsIDs, wsNames = append(wsIDs, id), append(wsNames, c.Name)
		}
		var attrs any
		if opt.goalAttrs && g.CustomAttributes != nil {
			list := []map[string]string{}
			for _, a := range g.CustomAttributes {
				list = append(list, map[string]string{"id": strconv.FormatInt(a.ID, 10), "name": a.Name, "value": a.Value, "status": a.Status})
			}
			attrs = gtJSON(list)
		}
		extra := map[string]any{}
		for _, f := range g.Extra {
			extra[f.Name] = f.Value
		}
		if len(g.KeyResults) > 0 { // goal_metrics[] has the key results' current state: kept whole
			ms := []any{}
			for _, k := range g.KeyResults {
				ms = append(ms, map[string]any{"metric_id": strconv.FormatInt(k.ID, 10), "metric_name": k.Name,
					"metric_source_from": k.SourceText, "metric_source_from_id": k.SourceCode})
			}
			extra["goal_metrics"] = ms
		}
		owner := org.User(g.OwnerID) // the goal listing's people_goals wrapper
		extra["wrapper.user_id"], extra["wrapper.user_email"] = strconv.FormatInt(owner.ID, 10), owner.Email
		extra["wrapper.user_first_name"], extra["wrapper.user_last_name"] = owner.FirstName, owner.LastName
		permTeams := []int64{}
		if opt.customPerm {
			permTeams = gtIDs(g.PermissionTeamIDs)
		}
		var teamID, teamName any
		if g.TeamID != 0 {
			teamID, teamName = g.TeamID, gtStr(g.TeamName)
		}
		add(schemas.Goals, transformtest.Row{
			"goal_id": g.ID, "goal_name": gtStr(g.Name), "goal_narrative": gtStr(g.Narrative),
			"goal_type_id": typeID, "goal_type_name": typeName, "goal_owner": gtID(g.OwnerID),
			"goal_owner_full_name": gtStr(g.OwnerFullName), "goal_create_at": gtTime(g.CreateAt),
			"goal_modified_at": gtTime(g.ModifiedAt), "goal_created_by": gtID(g.CreatedBy), "goal_updated_by": gtID(g.UpdatedBy),
			"goal_start_date": gtTime(g.StartDate), "goal_target_date": gtTime(g.TargetDate),
			"goal_progress": g.Progress, "goal_progress_color": gtStr(g.ProgressColor), "goal_status": gtStr(g.Status),
			"goal_permission": gtCSV(g.Permission), "goal_category_ids": catIDs, "goal_category_names": catNames,
			"goal_workstream_ids": wsIDs, "goal_workstream_names": wsNames,
			"goal_team_id": teamID, "goal_team_name": teamName,
			"goal_metrics_count": int64(len(g.KeyResults)), "goal_comments_count": int64(len(g.Comments)),
			"goal_permission_team_ids": permTeams,
			"custom_attributes":        attrs,
			schemas.ColExtra:           gtSubset(extra),
		})
		for _, c := range g.Comments {
			add(schemas.GoalComments, transformtest.Row{
				"comment_id": c.ID, "goal_id": g.ID, "comment_text": gtStr(c.Text), "comment_owner": gtID(c.OwnerID),
				"comment_owner_name": gtStr(c.OwnerName), "comment_added_at": gtTime(c.AddedAt),
				"comment_last_updated": gtTime(c.LastUpdated), schemas.ColExtra: nil,
			})
		}
		for _, k := range g.KeyResults {
			ivID, ivName := gtIDName(k.Interval)
			unID, unName := gtIDName(k.Unit)
			ptID, ptName := gtIDName(k.ProgressType)
			ctID, ctName := gtIDName(k.CountingType)
			var automation any
			if k.AutomationJSON != "" {
				var v any
				if err := json.Unmarshal([]byte(k.AutomationJSON), &v); err != nil {
					panic(err)
				}
				automation = gtJSON(v)
			}
			add(schemas.KeyResults, transformtest.Row{
				"metric_id": k.ID, "goal_id": g.ID, "metric_name": gtStr(k.Name), "metric_owner": gtID(k.OwnerID),
				"metric_real_owner":         gtID(k.RealOwnerID),
				"metric_update_interval_id": ivID, "metric_update_interval_name": ivName,
				"metric_update_interval_day": gtStr(k.IntervalDay),
				"metric_unit_id":             unID, "metric_unit_name": unName,
				"metric_progress_type_id": ptID, "metric_progress_type_name": ptName,
				"metric_counting_type_id": ctID, "metric_counting_type_name": ctName,
				"metric_initial_data": k.InitialData, "metric_target": k.Target, "metric_achieve_target": k.Achieved,
				"metric_progress": k.Progress, "metric_progress_color": gtStr(k.ProgressColor),
				"metric_create_at": gtTime(k.CreateAt), "metric_modified_at": gtTime(k.ModifiedAt),
				"metric_created_by": gtID(k.CreatedBy), "metric_updated_by": gtID(k.UpdatedBy),
				"metric_last_update": gtTime(k.LastUpdate), "metric_next_update": gtTime(k.NextUpdate),
				"metric_source_from": gtStr(k.SourceCode), "metric_status": gtStr(k.Status),
				"metric_permission": gtCSV(k.Permission), "target_date": gtTime(k.TargetDate),
				// The emulator generates no multi-interval (MIT) or source-7 key results.
				"metric_mit_start_date": nil, "metric_mit_end_date": nil, "metric_goal_source": []int64{},
				"metric_automation": automation, "child_kr": nil, schemas.ColExtra: nil,
			})
			for _, d := range k.MetricData {
				var v any
				if d.Value != nil {
					v = *d.Value
				}
				add(schemas.KeyResultCheckins, transformtest.Row{
					"metric_data_id": d.ID, "metric_id": k.ID, "goal_id": g.ID,
					"metric_data_created_at": gtTime(d.CreatedAt), "metric_data_value": v,
					"metric_data_updated_at": gtTime(d.UpdatedAt), "metric_data_created_by": gtID(d.CreatedBy),
					"metric_data_comment": gtStr(d.Comment), schemas.ColExtra: nil,
				})
			}
			seen := map[int64]int64{}
			for _, c := range k.Confidence {
				var dataID any
				if perKR {
					dataID = c.MetricDataID
				}
				add(schemas.KeyResultConf, transformtest.Row{
					"metric_id": k.ID, "modified_at": gtTime(c.ModifiedAt), "ordinal": seen[c.ModifiedAt], "goal_id": g.ID,
					"confidence": gtStr(c.Value), "comment": gtStr(c.Comment), "metric_data_id": dataID, schemas.ColExtra: nil,
				})
				seen[c.ModifiedAt]++
			}
			seen = map[int64]int64{}
			for _, c := range k.Comments {
				add(schemas.KeyResultComments, transformtest.Row{
					"metric_id": k.ID, "modified_at": gtTime(c.ModifiedAt), "ordinal": seen[c.ModifiedAt], "goal_id": g.ID,
					"comment": gtStr(c.Comment), schemas.ColExtra: nil,
				})
				seen[c.ModifiedAt]++
			}
		}
	}
	for _, g := range org.Goals {
		path := []int64{g.ID}
		for p := g.ParentID; p != 0; p = org.Goal(p).ParentID {
			path = append([]int64{p}, path...)
		}
		add(schemas.GoalAlignments, transformtest.Row{
			"goal_id": g.ID, "parent_goal_id": gtID(g.ParentID), "depth": int64(len(path) - 1), "root_goal_id": path[0],
			"path_goal_ids": path, "goal_name": gtStr(g.Name), "goal_owner": gtID(g.OwnerID), "goal_team_name": gtStr(g.TeamName),
			"goal_target_date": gtTime(g.TargetDate), "goal_progress": g.Progress, "goal_progress_color": gtStr(g.ProgressColor),
			schemas.ColExtra: nil,
		})
	}
	for _, t := range org.Tags {
		add(schemas.Tags, transformtest.Row{
			"tag_id": t.ID, "tag_name": gtStr(t.Name), "tag_status": gtStr(t.Status), "group_id": gtID(t.GroupID),
			"group_name": gtStr(t.GroupName), "group_status": gtStr(t.GroupStatus), "created_date": gtTime(t.CreatedDate),
			"created_by": gtID(t.CreatedBy), "updated_date": gtTime(t.UpdatedDate), "updated_by": gtID(t.UpdatedBy),
			schemas.ColExtra: nil,
		})
	}
	for _, g := range org.Goals {
		for _, k := range g.KeyResults {
			for _, id := range k.TagIDs {
				t := org.Tag(id)
				add(schemas.KeyResultTags, transformtest.Row{
					"metric_id": k.ID, "tag_id": id, "metric_name": gtStr(k.Name), "tag_name": gtStr(t.Name),
					"tag_status": gtStr(t.Status), "group_id": gtID(t.GroupID), "group_name": gtStr(t.GroupName),
					"group_status": gtStr(t.GroupStatus), "updated_date": gtTime(cmp.Or(t.UpdatedDate, t.CreatedDate)),
					"updated_by":     gtID(cmp.Or(t.UpdatedBy, t.CreatedBy)),
					schemas.ColExtra: nil,
				})
			}
		}
	}
	return exp
}

// ---- the test ---------------------------------------------------------------------------

// requestLog records the request URIs an emulator received.
type requestLog struct {
	mu   sync.Mutex
	uris []string
}

func (l *requestLog) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l.mu.Lock()
		l.uris = append(l.uris, r.URL.RequestURI())
		l.mu.Unlock()
		h.ServeHTTP(w, r)
	})
}

// requested reports whether some request to path (under the API prefix) carried the query
// parameter key=value.
func (l *requestLog) requested(path, key, value string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, u := range l.uris {
		pu, err := url.Parse(u)
		if err != nil || pu.Path != wbtest.APIPrefix+path {
			continue
		}
		if pu.Query().Get(key) == value {
			return true
		}
	}
	return false
}

func TestGroundTruth(t *testing.T) {
	org := wbtest.Generate(wbtest.OrgConfig{Seed: 7, Users: 25, Teams: 5, Goals: 40, KRsPerGoal: 3, CheckinsPerKR: 6})
	for _, mode := range []struct {
		name   string
		perKR  bool
		faults float64
	}{
		{"per goal", false, 0},
		// Faults must not change a single value: retries are invisible in the output. (429s
		// are left out: they make the client slow its rate down, which extract's own tests
		// cover; here they would only cost seconds.)
		// The API also refuses the key-result tag batches here: they are halved until they pass.
		{"per key result with faults", true, 0.1},
	} {
		t.Run(mode.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			maxKRTagIDs := wbtest.DefaultMaxKRTagIDs
			if mode.faults > 0 {
				maxKRTagIDs = 7
			}
			emu := wbtest.NewServer(org, wbtest.WithFaults(wbtest.FaultConfig{Rate: mode.faults, Kinds: []wbtest.FaultKind{
				wbtest.Fault500, wbtest.Fault502, wbtest.Fault503, wbtest.FaultHTML,
				wbtest.FaultReset, wbtest.FaultTruncated,
			}}), wbtest.WithMaxKRTagIDs(maxKRTagIDs))
			var log requestLog
			srv := httptest.NewServer(log.wrap(emu))
			defer srv.Close()
			c, err := workboard.New(emu.Credentials().AdminToken, workboard.WithBaseURL(srv.URL+wbtest.APIPrefix),
				workboard.WithRate(0), workboard.WithBackoff(time.Millisecond, 5*time.Millisecond))
			if err != nil {
				t.Fatal(err)
			}
			client, err := extract.New(c, extract.WithPageSize(7))
			if err != nil {
				t.Fatal(err)
			}
			var col transformtest.Collector
			defer col.Release()
			lin := transform.Lineage{RunID: transform.RunID(), SnapshotDate: org.AsOf}
			// Small batches so rows cross record boundaries.
			tr, err := transform.New(mem, lin, col.Emit, transform.WithBatchRows(50))
			if err != nil {
				t.Fatal(err)
			}
			defer tr.Release()
			plan := extract.FullPlan()
			plan.PerKeyResult = mode.perKR
			before := time.Now().UTC().Truncate(time.Microsecond)
			report, err := client.Export(context.Background(), plan, tr.Add)
			if err != nil {
				t.Fatalf("export: %v (report %+v)", err, report)
			}
			if err := tr.Flush(context.Background()); err != nil {
				t.Fatal(err)
			}
			after := time.Now().UTC()
			if mode.faults > 0 && emu.Stats().TotalFaults() == 0 {
				t.Fatal("no fault was injected")
			}
			if refused := strings.Contains(strings.Join(report.Warnings, "\n"), "GET /metric/krtags refused"); refused != (mode.faults > 0) {
				t.Errorf("key-result tag batches refused and halved: %v, want %v (warnings %q)", refused, mode.faults > 0, report.Warnings)
			}
			exp := expectations(org, mode.perKR, options{
				userAttrs:  log.requested("/user", "custom_attributes", "1"),
				goalAttrs:  log.requested("/goal", "custom_attributes", "1"),
				customPerm: log.requested("/goal", "include", "custom_permission"),
			})
			if !log.requested("/user", "custom_attributes", "1") {
				t.Error("the user listing did not ask for custom_attributes=1: users.custom_attributes would stay NULL")
			}
			checkCoverage(t, exp)
			snap := org.AsOf.UTC().Format("2006-01-02")
			for _, tbl := range schemas.DataTables() {
				got := col.Rows(tbl.Name)
				want := exp[tbl.Name]
				if len(want) == 0 {
					t.Errorf("%s: the org has no rows for this table; the test would prove nothing", tbl.Name)
				}
				for _, rec := range col.Records(tbl.Name) {
					if !rec.Schema().Equal(tbl.Arrow()) {
						t.Fatalf("%s: record schema differs from the table's Arrow schema", tbl.Name)
					}
				}
				compareTable(t, tbl, got, want, lin.RunID, snap, before, after)
				if n := tr.Rows()[tbl.Name]; n != int64(len(want)) {
					t.Errorf("%s: transform counted %d rows, ground truth has %d", tbl.Name, n, len(want))
				}
			}
		})
	}
}

// checkCoverage fails when the generated org lacks the cases the comparison is meant to
// exercise, so the test cannot silently become vacuous.
func checkCoverage(t *testing.T, exp map[schemas.TableID][]transformtest.Row) {
	t.Helper()
	count := func(table schemas.TableID, pred func(transformtest.Row) bool) int {
		n := 0
		for _, r := range exp[table] {
			if pred(r) {
				n++
			}
		}
		return n
	}
	nonASCII := func(v any) bool {
		s, _ := v.(string)
		for _, r := range s {
			if r > 0x7f {
				return true
			}
		}
		return false
	}
	for _, c := range []struct {
		what  string
		table schemas.TableID
		pred  func(transformtest.Row) bool
	}{
		{"missed check-ins (null value)", schemas.KeyResultCheckins, func(r transformtest.Row) bool { return r["metric_data_value"] == nil }},
		{"entered check-ins", schemas.KeyResultCheckins, func(r transformtest.Row) bool { return r["metric_data_value"] != nil }},
		{"personal goals (null team)", schemas.Goals, func(r transformtest.Row) bool { return r["goal_team_id"] == nil }},
		{"closed goals", schemas.Goals, func(r transformtest.Row) bool { return r["goal_status"] == "2" }},
		{"goals with undocumented fields in _extra", schemas.Goals, func(r transformtest.Row) bool { return r[schemas.ColExtra] != nil }},
		{"goals with categories", schemas.Goals, func(r transformtest.Row) bool { return len(r["goal_category_ids"].([]int64)) > 0 }},
		{"non-ASCII goal names", schemas.Goals, func(r transformtest.Row) bool { return nonASCII(r["goal_name"]) }},
		{"non-ASCII user names", schemas.Users, func(r transformtest.Row) bool { return nonASCII(r["first_name"]) || nonASCII(r["last_name"]) }},
		{"users without manager", schemas.Users, func(r transformtest.Row) bool { return len(r["manager_user_ids"].([]int64)) == 0 }},
		{"users with a direct manager", schemas.Users, func(r transformtest.Row) bool { return r["direct_manager_user_id"] != nil }},
		{"users with dotted managers", schemas.Users, func(r transformtest.Row) bool { return len(r["dotted_manager_user_ids"].([]int64)) > 0 }},
		{"users with custom attributes", schemas.Users, func(r transformtest.Row) bool { return r["custom_attributes"] != nil }},
		{"unaligned goals", schemas.GoalAlignments, func(r transformtest.Row) bool {
			return r["parent_goal_id"] == nil && !slices.Contains(parents(exp), r["goal_id"].(int64))
		}},
		{"goals three levels deep", schemas.GoalAlignments, func(r transformtest.Row) bool { return r["depth"] == int64(2) }},
		{"archived tags", schemas.Tags, func(r transformtest.Row) bool { return r["tag_status"] == "2" }},
		{"tags never updated", schemas.Tags, func(r transformtest.Row) bool { return r["updated_date"] == nil }},
		{"root teams", schemas.Teams, func(r transformtest.Row) bool { return r["parent_team_id"] == nil }},
		{"confidence entries sharing modified_at", schemas.KeyResultConf, func(r transformtest.Row) bool { return r["ordinal"].(int64) > 0 }},
		{"fractional values", schemas.KeyResults, func(r transformtest.Row) bool {
			v, ok := r["metric_progress"].(float64)
			return ok && v != float64(int64(v))
		}},
	} {
		if count(c.table, c.pred) == 0 {
			t.Errorf("the generated org has no %s (%s): the comparison would not exercise them", c.what, c.table)
		}
	}
}

// parents returns the goals some goal is aligned to.
func parents(exp map[schemas.TableID][]transformtest.Row) []int64 {
	var out []int64
	for _, r := range exp[schemas.GoalAlignments] {
		if p, ok := r["parent_goal_id"].(int64); ok {
			out = append(out, p)
		}
	}
	return out
}

func compareTable(t *testing.T, tbl *schemas.Table, got, want []transformtest.Row, runID, snap string, before, after time.Time) {
	t.Helper()
	byKey := map[string]transformtest.Row{}
	for _, r := range got {
		k := rowKey(tbl, r)
		if _, dup := byKey[k]; dup {
			t.Errorf("%s: duplicate row %s", tbl.Name, k)
		}
		byKey[k] = r
	}
	wantKeys := map[string]bool{}
	errs := 0
	for _, w := range want {
		k := rowKey(tbl, w)
		wantKeys[k] = true
		g, ok := byKey[k]
		if !ok {
			t.Errorf("%s: row %s missing from the export", tbl.Name, k)
			continue
		}
		for _, c := range tbl.Columns {
			gv := g[c.Name]
			var ok bool
			var wv any
			switch c.Name {
			case schemas.ColSnapshotDate:
				wv, ok = snap, gv == snap
			case schemas.ColRunID:
				wv, ok = runID, gv == runID
			case schemas.ColExtractedAt:
				tm, isTime := gv.(time.Time)
				wv, ok = fmt.Sprintf("a time in [%s, %s]", before, after), isTime && !tm.Before(before) && !tm.After(after)
			default:
				var present bool
				wv, present = w[c.Name]
				if !present {
					t.Fatalf("%s: the ground-truth expectation has no value for column %s: extend expectations()", tbl.Name, c.Name)
				}
				ok = equalValue(gv, wv)
			}
			if !ok {
				errs++
				if errs <= 20 {
					t.Errorf("%s %s: column %s = %#v, ground truth %#v", tbl.Name, k, c.Name, gv, wv)
				}
			}
		}
	}
	if errs > 20 {
		t.Errorf("%s: %d mismatching values in total", tbl.Name, errs)
	}
	var extra []string
	for k := range byKey {
		if !wantKeys[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(extra)
	if len(extra) > 0 {
		t.Errorf("%s: %d exported rows not in the ground truth, e.g. %v", tbl.Name, len(extra), extra[:min(3, len(extra))])
	}
}

func equalValue(got, want any) bool {
	if js, ok := want.(jsonSubset); ok {
		s, isStr := got.(string)
		var v map[string]any
		if !isStr || json.Unmarshal([]byte(s), &v) != nil || len(v) != len(js.v) {
			return false
		}
		return contains(v, js.v)
	}
	if jv, ok := want.(jsonValue); ok {
		s, isStr := got.(string)
		if !isStr {
			return false
		}
		var v any
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			return false
		}
		return reflect.DeepEqual(v, jv.v)
	}
	return reflect.DeepEqual(got, want)
}
