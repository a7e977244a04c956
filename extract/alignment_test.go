package extract

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/workboard"
	"github.com/wbexport/wbexport/workboard/wbtest"
)

// alignmentRow is what the alignment tests compare of a row.
type alignmentRow struct {
	Goal, Parent, Depth, Root int64
	Path                      string
}

func alignmentRows(as []workboard.GoalAlignment) map[int64]alignmentRow {
	out := map[int64]alignmentRow{}
	for _, a := range as {
		out[a.GoalID] = alignmentRow{a.GoalID, a.ParentGoalID.V, a.Depth, a.RootGoalID, fmt.Sprint(a.PathGoalIDs)}
	}
	return out
}

// TestExportGoalAlignmentsEmulated checks the alignment tree of an emulated org against the
// ground truth, and that the answers' coverage saves calls: fewer calls than goals.
func TestExportGoalAlignmentsEmulated(t *testing.T) {
	org := wbtest.Generate(wbtest.OrgConfig{Seed: 9, Users: 10, Teams: 3, Goals: 60})
	ts := wbtest.Start(t, org)
	ex := newExporter(t, ts.BaseURL, ts.AdminToken, workboard.WithRate(0))
	g := &gather{}
	rep, err := ex.Export(context.Background(), plan(t, schemas.GoalAlignments), g.emit)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int64]alignmentRow{}
	for _, goal := range org.Goals {
		path := []int64{goal.ID}
		for p := goal.ParentID; p != 0; p = org.Goal(p).ParentID {
			path = append([]int64{p}, path...)
		}
		want[goal.ID] = alignmentRow{goal.ID, goal.ParentID, int64(len(path) - 1), path[0], fmt.Sprint(path)}
	}
	if diff := cmp.Diff(want, alignmentRows(g.b.Alignments)); diff != "" {
		t.Errorf("alignment rows (-want +got):\n%s", diff)
	}
	calls := rep.Endpoints["goal_alignments"].Requests
	if calls >= len(org.Goals) || calls == 0 {
		t.Errorf("%d alignment calls for %d goals: want fewer calls than goals", calls, len(org.Goals))
	}
	t.Logf("%d alignment calls for %d goals", calls, len(org.Goals))
}

// alignmentServer serves a flat goal listing of goals and, for GET /goal/{id}/alignment,
// answers[id] (a data.alignment array).
func alignmentServer(t *testing.T, goals []int64, answers map[string]string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/wb/apis/goal", func(w http.ResponseWriter, r *http.Request) {
		var items []string
		if r.URL.Query().Get("offset") == "0" {
			for _, id := range goals {
				items = append(items, fmt.Sprintf(`{"goal_id":"%d"}`, id))
			}
		}
		writeJSON(w, 200, []byte(fmt.Sprintf(`{"success":true,"data":{"totalCount":%d,"goal":[%s]}}`, len(goals), strings.Join(items, ","))))
	})
	mux.HandleFunc("/wb/apis/goal/{id}/alignment", func(w http.ResponseWriter, r *http.Request) {
		a, ok := answers[r.PathValue("id")]
		if !ok {
			t.Errorf("unexpected call for goal %s", r.PathValue("id"))
			a = "[]"
		}
		writeJSON(w, 200, []byte(`{"success":true,"data":{"totalCount":1,"alignment":`+a+`}}`))
	})
	return mux
}

func TestExportGoalAlignmentsEdges(t *testing.T) {
	node := func(id int64, children ...string) string {
		return fmt.Sprintf(`{"goal_id":"%d","goal_alignments":[%s]}`, id, strings.Join(children, ","))
	}
	for _, tc := range []struct {
		name    string
		goals   []int64
		answers map[string]string
		want    map[int64]alignmentRow
		warning string
		calls   int
	}{
		{name: "a root's answer covers two levels below it", goals: []int64{1, 2, 3, 4},
			answers: map[string]string{"1": "[" + node(1, node(2, node(3))) + "]", "4": "[" + node(4) + "]"},
			want: map[int64]alignmentRow{1: {1, 0, 0, 1, "[1]"}, 2: {2, 1, 1, 1, "[1 2]"}, 3: {3, 2, 2, 1, "[1 2 3]"},
				4: {4, 0, 0, 4, "[4]"}}, calls: 2},
		{name: "a parent the listing did not return is kept", goals: []int64{1},
			answers: map[string]string{"1": "[" + node(99, node(1)) + "]"},
			want:    map[int64]alignmentRow{1: {1, 99, 1, 99, "[99 1]"}}, calls: 1},
		{name: "a cycle is broken at its smallest goal", goals: []int64{5, 6},
			answers: map[string]string{"5": "[" + node(6, node(5)) + "]", "6": "[" + node(5, node(6)) + "]"},
			want:    map[int64]alignmentRow{5: {5, 0, 0, 5, "[5]"}, 6: {6, 5, 1, 5, "[5 6]"}},
			warning: "goals [5 6] form a cycle; goal 5 is taken as a root", calls: 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ex := newTestExporter(t, alignmentServer(t, tc.goals, tc.answers), workboard.WithConcurrency(1))
			g := &gather{}
			rep, err := ex.Export(context.Background(), plan(t, schemas.GoalAlignments), g.emit)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, alignmentRows(g.b.Alignments)); diff != "" {
				t.Errorf("alignment rows (-want +got):\n%s", diff)
			}
			if w := strings.Join(rep.Warnings, "\n"); (tc.warning == "") != (w == "") || !strings.Contains(w, tc.warning) {
				t.Errorf("warnings %q, want %q", rep.Warnings, tc.warning)
			}
			if n := rep.Endpoints["goal_alignments"].Requests; n != tc.calls {
				t.Errorf("%d alignment calls, want %d", n, tc.calls)
			}
		})
	}
}

// TestExportGoalAlignmentsAccess: without Data-Admin access the table is left empty with a
// warning, unless the plan named the tables explicitly.
func TestExportGoalAlignmentsAccess(t *testing.T) {
	org := wbtest.Generate(wbtest.OrgConfig{Seed: 9, Users: 6, Teams: 2, Goals: 10})
	ts := wbtest.Start(t, org)
	for _, explicit := range []bool{false, true} {
		t.Run(fmt.Sprint("explicit=", explicit), func(t *testing.T) {
			ex := newExporter(t, ts.BaseURL, ts.UserToken, workboard.WithRate(0))
			p := plan(t, schemas.Goals, schemas.GoalAlignments)
			p.Explicit = explicit
			g := &gather{}
			rep, err := ex.Export(context.Background(), p, g.emit)
			if explicit {
				if !errors.Is(err, workboard.ErrDataAdmin) {
					t.Fatalf("err %v, want a Data-Admin error", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(g.b.Alignments) != 0 || len(g.b.Goals) == 0 || !strings.Contains(strings.Join(rep.Warnings, "\n"), "goal_alignments: skipped") {
				t.Errorf("%d alignment rows, %d goals, warnings %q: want the table skipped with a warning", len(g.b.Alignments), len(g.b.Goals), rep.Warnings)
			}
		})
	}
}
