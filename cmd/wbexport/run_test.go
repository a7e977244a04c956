package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wbexport/wbexport/internal/pipeline"
	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/sinks/local/localtest"
	"github.com/wbexport/wbexport/sinks/sinktest"
	"github.com/wbexport/wbexport/workboard/wbtest"
)

// TestRunTwiceSameDateIsIdempotent runs the real CLI entry point against the emulator over
// HTTP, twice for the same snapshot date: every table is published with _SUCCESS, the second
// run replaces the first (same rows by primary key, no duplicates), and the ledger has two rows.
func TestRunTwiceSameDateIsIdempotent(t *testing.T) {
	org := wbtest.Generate(wbtest.OrgConfig{Seed: 3, Users: 10, Teams: 3, Goals: 15, KRsPerGoal: 2, CheckinsPerKR: 3})
	ts := wbtest.Start(t, org)
	t.Setenv("WORKBOARD_TOKEN", ts.AdminToken)
	out := t.TempDir()
	args := []string{"run", "--api-url", ts.BaseURL, "--sink", "file://" + out, "--snapshot-date", "2026-01-15", "--allow-backdate",
		"--rate", "500", "--log-level", "warn", "--summary-file", filepath.Join(out, "..", "summary.json")}

	read := func() map[schemas.TableID][]sinktest.Row {
		got := map[schemas.TableID][]sinktest.Row{}
		for _, tb := range schemas.DataTables() {
			rows, published, err := localtest.ReadPartition(out, tb.Name, "2026-01-15")
			if err != nil || !published {
				t.Fatalf("%s: published=%v err=%v", tb.Name, published, err)
			}
			sinktest.SortRows(stripLineage(rows))
			got[tb.Name] = rows
		}
		return got
	}
	if code := run(args); code != ExitOK {
		t.Fatalf("first run exit %d", code)
	}
	first := read()
	if len(first[schemas.Goals]) != len(org.Goals) {
		t.Fatalf("goals: %d rows, org has %d", len(first[schemas.Goals]), len(org.Goals))
	}
	if code := run(args); code != ExitOK {
		t.Fatalf("second run exit %d", code)
	}
	second := read()
	for name, rows := range first {
		if d := sinktest.DiffRows(rows, second[name]); d != "" {
			t.Errorf("%s differs after rerun:\n%s", name, d)
		}
	}
	ledger, err := localtest.ReadLedger(out)
	if err != nil || len(ledger) != 2 {
		t.Fatalf("ledger: %d rows, err %v", len(ledger), err)
	}
	js, err := os.ReadFile(filepath.Join(out, "..", "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var sum pipeline.Summary
	if err := json.Unmarshal(js, &sum); err != nil {
		t.Fatalf("summary file: %v", err)
	}
	type outcome struct {
		Status    string
		ExitCode  int
		GoalsRows int64
	}
	want := outcome{Status: pipeline.StatusSucceeded, ExitCode: ExitOK, GoalsRows: int64(len(org.Goals))}
	if diff := cmp.Diff(want, outcome{sum.Status, sum.ExitCode, sum.Tables[schemas.Goals].Rows}); diff != "" {
		t.Errorf("summary file (-want +got):\n%s", diff)
	}
}

// TestExitCodes checks the documented exit codes of common failures.
func TestExitCodes(t *testing.T) {
	ts := wbtest.Start(t, wbtest.Generate(wbtest.OrgConfig{Seed: 1, Users: 4, Teams: 1, Goals: 2}))
	out := t.TempDir()
	base := []string{"run", "--api-url", ts.BaseURL, "--sink", "file://" + out, "--log-level", "error"}
	for _, tc := range []struct {
		name  string
		token string
		args  []string
		want  int
	}{
		{"bad token", "not-a-valid-token", nil, ExitAuth},
		{"ordinary token lacks Data-Admin", ts.UserToken, nil, ExitAuth},
		// unnamed, goal_alignments would be left empty with a warning; named, it must fail
		{"goal_alignments named without Data-Admin", ts.UserToken, []string{"--tables", "goals,goal_alignments"}, ExitAuth},
		{"bad snapshot date", ts.AdminToken, []string{"--snapshot-date", "28/11/2026"}, ExitUsage},
		{"unknown flag", ts.AdminToken, []string{"--no-such-flag"}, ExitUsage},
		{"unknown table", ts.AdminToken, []string{"--tables", "goals,nope"}, ExitUsage},
		{"unknown sink scheme", ts.AdminToken, []string{"--sink", "ftp://x/y"}, ExitUsage},
		{"plain http to a non-loopback host", ts.AdminToken, []string{"--api-url", "http://example.com/wb/apis"}, ExitUsage},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("WORKBOARD_TOKEN", tc.token)
			if got := run(append(append([]string{}, base...), tc.args...)); got != tc.want {
				t.Fatalf("exit %d, want %d", got, tc.want)
			}
		})
	}
	// Nothing was published by any of the failing runs.
	if entries, _ := os.ReadDir(filepath.Join(out, string(schemas.Goals))); len(entries) != 0 {
		t.Fatalf("a failing run published %v", entries)
	}
}

// TestSelectTables checks how --tables resolves: each named data table once, in export order
// whatever the order given, and a usage error for a name that is not a data table.
func TestSelectTables(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want []schemas.TableID
	}{
		{"default is every data table", nil, schemas.IDs(schemas.DataTables())},
		{"export order", []string{"goal_comments", "users", "goals"}, []schemas.TableID{schemas.Users, schemas.Goals, schemas.GoalComments}},
		{"repeated names once", []string{"goals", "key_results", "goals", " goals "}, []schemas.TableID{schemas.Goals, schemas.KeyResults}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tables, err := selectTables(tc.args)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, schemas.IDs(tables)); diff != "" {
				t.Errorf("selectTables(%q) (-want +got):\n%s", tc.args, diff)
			}
		})
	}
	for _, args := range [][]string{{"goals", "goalz"}, {"_sync_runs"}, {"goals", ""}} {
		_, err := selectTables(args)
		if exitCode(err) != ExitUsage || !strings.Contains(err.Error(), "unknown table") {
			t.Errorf("selectTables(%q) = %v (exit code %d), want a usage error naming the unknown table", args, err, exitCode(err))
		}
	}
}

// stripLineage drops the lineage columns _run_id and _extracted_at, which differ between runs.
func stripLineage(rows []sinktest.Row) []sinktest.Row {
	for _, r := range rows {
		delete(r, schemas.ColRunID)
		delete(r, schemas.ColExtractedAt)
	}
	return rows
}
