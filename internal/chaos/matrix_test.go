package chaos_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/wbexport/wbexport/extract"
	"github.com/wbexport/wbexport/internal/chaos"
	"github.com/wbexport/wbexport/internal/pipeline"
	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/sinks"
	"github.com/wbexport/wbexport/sinks/s3/s3test"
	"github.com/wbexport/wbexport/sinks/sinktest"
	"github.com/wbexport/wbexport/workboard"
	"github.com/wbexport/wbexport/workboard/decode"
	"github.com/wbexport/wbexport/workboard/wbtest"
)

func TestMain(m *testing.M) { os.Exit(s3test.Main(m)) }

// The seeded org every run exports, and the snapshot date every run writes (so each run
// replaces the previous one's partitions).
const (
	date     = "2026-03-01"
	seed     = 8
	goals    = 40
	driftN   = 4 // goals created / deleted between pages
	pageSize = 10
	// maxFaultRounds bounds the API-fault rounds (each a full export) run to see every fault
	// kind at least once.
	maxFaultRounds = 10
)

func testOrg() *wbtest.Org {
	return wbtest.Generate(wbtest.OrgConfig{Seed: seed, Users: 16, Teams: 4, Goals: goals})
}

// tables maps each table to its published rows with the lineage columns removed.
type tables map[schemas.TableID][]sinktest.Row

func stripLineage(rows []sinktest.Row) []sinktest.Row {
	out := make([]sinktest.Row, len(rows))
	for i, r := range rows {
		c := sinktest.Row{}
		for k, v := range r {
			if k != schemas.ColRunID && k != schemas.ColExtractedAt {
				c[k] = v
			}
		}
		out[i] = c
	}
	return out
}

// readAll reads every data table's partition of date; every one must be published.
func readAll(t *testing.T, tgt chaos.Target) tables {
	t.Helper()
	out := tables{}
	for _, tb := range schemas.DataTables() {
		rows, ok := tgt.Read(t, tb.Name, date)
		if !ok {
			t.Errorf("%s: %s partition %s is not published", tgt.Name(), tb.Name, date)
		}
		out[tb.Name] = stripLineage(rows)
	}
	return out
}

// export runs the real pipeline against the emulator ts into tgt. arm, when set, is called
// after the sink was opened. Arrow memory is checked for leaks.
func export(t *testing.T, tgt chaos.Target, ts *wbtest.TestServer, arm func(testing.TB, sinks.RunInfo)) (*pipeline.Summary, error) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	wc, err := workboard.New(ts.AdminToken, workboard.WithBaseURL(ts.BaseURL), workboard.WithRate(0),
		workboard.WithBackoff(time.Millisecond, 5*time.Millisecond), workboard.WithMaxRetryAfter(20*time.Millisecond),
		workboard.WithRequestTimeout(300*time.Millisecond), workboard.WithMaxAttempts(8), workboard.WithConcurrency(4))
	if err != nil {
		t.Fatal(err)
	}
	c, err := extract.New(wc, extract.WithPageSize(pageSize))
	if err != nil {
		t.Fatal(err)
	}
	run := sinktest.NewRun(t, date)
	s := tgt.Open(t, run, mem)
	if arm != nil {
		arm(t, run)
	}
	sum, err := pipeline.Run(context.Background(), pipeline.Config{
		Extractor: c, Plan: extract.FullPlan(), Sink: s, Run: run,
		SinkName: tgt.Name(), APIBase: ts.BaseURL, Alloc: mem, BatchRows: 64,
	})
	if cerr := s.Close(); cerr != nil && err == nil {
		t.Errorf("close: %v", cerr)
	}
	if sum == nil {
		t.Fatal("pipeline.Run returned no summary")
	}
	if (err != nil) != (sum.Status == pipeline.StatusFailed) || (err != nil) != (sum.ExitCode != 0) {
		t.Errorf("summary status %q exit %d does not match the error %v", sum.Status, sum.ExitCode, err)
	}
	return sum, err
}

func equalTables(t *testing.T, what string, want, got tables) {
	t.Helper()
	for _, tb := range schemas.DataTables() {
		if d := sinktest.DiffRows(want[tb.Name], got[tb.Name]); d != "" {
			t.Errorf("%s: table %s differs from the reference (%d rows want, %d got):\n%s", what, tb.Name, len(want[tb.Name]), len(got[tb.Name]), d)
		}
	}
}

// TestFaultMatrix exports the same seeded org into every sink under every fault class and
// checks what readers see against the fault-free reference.
func TestFaultMatrix(t *testing.T) {
	targets := []struct {
		name string
		new  func(t *testing.T) chaos.Target
	}{
		{"local", func(t *testing.T) chaos.Target { return chaos.NewLocal(t) }},
		{"s3", func(t *testing.T) chaos.Target { return chaos.NewS3(t) }},
		{"bigquery", func(t *testing.T) chaos.Target { return chaos.NewBigQuery(t) }},
	}
	for _, tc := range targets {
		t.Run(tc.name, func(t *testing.T) { matrix(t, tc.new(t)) })
	}
}

func matrix(t *testing.T, tgt chaos.Target) {
	org := testOrg()

	// 1. The reference: no faults.
	if _, err := export(t, tgt, wbtest.Start(t, org), nil); err != nil {
		t.Fatalf("reference run: %v", err)
	}
	ref := readAll(t, tgt)
	if len(ref[schemas.Goals]) == 0 || len(ref[schemas.KeyResults]) == 0 || len(ref[schemas.KeyResultCheckins]) == 0 {
		t.Fatalf("reference export is empty: %d goals, %d key results", len(ref[schemas.Goals]), len(ref[schemas.KeyResults]))
	}
	assertUniqueKeys(t, "reference", tgt)

	// 2. 10 % of API requests fail, spread over every fault kind, slow answers past the
	// client's request timeout included. The run must absorb them: exactly the reference.
	t.Run("api-faults", func(t *testing.T) {
		// Rounds with different fault seeds until every kind was injected at least once; every
		// round must publish exactly the reference.
		covered := map[wbtest.FaultKind]int64{}
		for round := range maxFaultRounds {
			ts := wbtest.Start(t, org, wbtest.WithFaults(wbtest.FaultConfig{
				Rate: 0.10, Kinds: wbtest.AllFaultKinds, Seed: int64(3 + round),
				SlowDelay: time.Second, RetryAfter: time.Second,
			}))
			sum, err := export(t, tgt, ts, nil)
			st := ts.Emulator.Stats()
			if err != nil {
				t.Fatalf("round %d: run under API faults failed: %v (emulator: %v)", round, err, st)
			}
			for k, n := range st.Faults {
				covered[k] += n
			}
			t.Logf("round %d: emulator: %v; client retries: %v", round, st, sum.API.Retries)
			equalTables(t, fmt.Sprintf("api-faults round %d", round), ref, readAll(t, tgt))
			assertUniqueKeys(t, "api-faults", tgt)
			if len(covered) == len(wbtest.AllFaultKinds) {
				break
			}
		}
		for _, k := range wbtest.AllFaultKinds {
			if covered[k] == 0 {
				t.Errorf("fault kind %s was never injected in %d rounds", k, maxFaultRounds)
			}
		}
	})

	// 3. Paging drift: goals created or deleted between pages, and overlapping pages.
	for _, dc := range []struct {
		name string
		opts []wbtest.Option
		n    int
	}{
		{"goals-created-mid-export", []wbtest.Option{wbtest.WithGoalDrift(driftN)}, driftN},
		{"goals-deleted-mid-export", []wbtest.Option{wbtest.WithGoalDrift(-driftN)}, -driftN},
		{"overlapping-pages", []wbtest.Option{wbtest.WithPageOverlap(3)}, 0},
	} {
		t.Run(dc.name, func(t *testing.T) {
			before := tgt.Published(t)
			ts := wbtest.Start(t, org, dc.opts...)
			sum, err := export(t, tgt, ts, nil)
			if err != nil {
				// Allowed: fail loudly, publish nothing.
				if d := before.Diff(tgt.Published(t)); d != "" {
					t.Fatalf("failed run (%v) changed published data:\n%s", err, d)
				}
				t.Logf("run failed loudly and published nothing: %v", err)
				return
			}
			es := sum.API.Endpoints["goals"]
			if es == nil {
				t.Fatal("the report has no goals endpoint stats")
			}
			switch {
			case dc.n != 0 && !es.Drift:
				t.Errorf("drift not recorded in the report: %+v", es)
			case dc.n == 0 && es.Duplicates == 0:
				t.Errorf("overlapping pages not recorded as duplicates in the report: %+v", es)
			}
			removed := map[int64]bool{}
			if dc.n < 0 {
				for _, id := range listingOrder(t, org)[:-dc.n] {
					removed[id] = true
				}
			}
			added := map[int64]bool{}
			for _, g := range ts.Emulator.DriftGoals() {
				added[g.ID] = true
			}
			assertDrift(t, ref, readAll(t, tgt), removed, added)
			assertUniqueKeys(t, dc.name, tgt)
		})
	}

	// 3b. Odd answers (a hostile proxy, malformed or short listings, not-found codes): the run
	// fails loudly and publishes nothing, or publishes exactly the reference — never short.
	for _, oc := range []struct {
		name string
		odd  wbtest.OddAnswer
	}{
		{"html-404-on-metric", wbtest.OddAnswer{Kind: wbtest.OddHTML404, Path: "/metric"}},
		{"html-404-on-team", wbtest.OddAnswer{Kind: wbtest.OddHTML404, Path: "/team/"}},
		{"deleted-metric-500", wbtest.OddAnswer{Kind: wbtest.OddDeletedMetric, Path: "/metric"}},
		{"invalid-goal-id-on-metric", wbtest.OddAnswer{Kind: wbtest.OddError, Code: "invalid_goal_id", Path: "/metric"}},
		{"goal-key-missing-from-page-2", wbtest.OddAnswer{Kind: wbtest.OddMissingKey, Path: "/goal", FromOffset: pageSize}},
		{"goal-key-null", wbtest.OddAnswer{Kind: wbtest.OddNullKey, Path: "/goal"}},
		{"goal-data-empty-array", wbtest.OddAnswer{Kind: wbtest.OddEmptyData, Path: "/goal"}},
		{"user-total-too-small", wbtest.OddAnswer{Kind: wbtest.OddShortTotal, Path: "/user"}},
		{"checkin-under-many-key-results", wbtest.OddAnswer{Kind: wbtest.OddSharedCheckin, Path: "/metric"}},
	} {
		t.Run("odd-"+oc.name, func(t *testing.T) {
			before := tgt.Published(t)
			_, err := export(t, tgt, wbtest.Start(t, org, wbtest.WithOddAnswers(oc.odd)), nil)
			if err != nil {
				if d := before.Diff(tgt.Published(t)); d != "" {
					t.Fatalf("failed run (%v) changed published data:\n%s", err, d)
				}
				t.Logf("failed loudly, published nothing: %v", err)
				return
			}
			assertUniqueKeys(t, oc.name, tgt)
			if oc.odd.Kind != wbtest.OddSharedCheckin { // its check-ins differ from the reference by design
				equalTables(t, oc.name, ref, readAll(t, tgt))
			}
		})
	}

	// 4. Sink faults: the run fails loudly, the previous snapshot stays, the rerun repairs.
	for _, f := range tgt.Faults() {
		t.Run("sink-"+f.Name, func(t *testing.T) {
			before := tgt.Published(t)
			ts := wbtest.Start(t, org)
			_, err := export(t, tgt, ts, f.Arm)
			if f.Disarm != nil {
				f.Disarm()
			}
			if f.ExpectSuccess {
				if err != nil {
					t.Fatalf("transient sink fault was not absorbed: %v", err)
				}
				equalTables(t, f.Name, ref, readAll(t, tgt))
				assertUniqueKeys(t, f.Name, tgt)
				return
			}
			if err == nil {
				t.Fatal("run under a sink fault succeeded")
			}
			if !strings.Contains(err.Error(), f.ErrorContains) {
				t.Errorf("error %q does not contain %q", err, f.ErrorContains)
			}
			t.Logf("failed loudly: %v", err)
			after := tgt.Published(t)
			if !f.MayReplace && !f.MayUnpublish {
				if d := before.Diff(after); d != "" {
					t.Errorf("published data changed:\n%s", d)
				}
			} else {
				// Per partition: byte-for-byte as before, or (publish window) the new complete
				// snapshot, or (documented gap) unpublished.
				for _, tb := range schemas.DataTables() {
					b, a := before.Partition(tb.Name, date), after.Partition(tb.Name, date)
					if b.Equal(a) {
						continue
					}
					if slices.Contains(f.Intact, tb.Name) {
						t.Errorf("%s: partition changed although its load failed:\n%s", tb.Name, b.Diff(a))
						continue
					}
					rows, published := tgt.Read(t, tb.Name, date)
					switch {
					case published && f.MayReplace:
						if d := sinktest.DiffRows(ref[tb.Name], stripLineage(rows)); d != "" {
							t.Errorf("%s: replaced partition is not the complete new snapshot:\n%s", tb.Name, d)
						}
					case !published && f.MayUnpublish:
						t.Logf("%s: left unpublished (no _SUCCESS) inside the publish window", tb.Name)
					default:
						t.Errorf("%s: partition changed (published=%v):\n%s", tb.Name, published, b.Diff(a))
					}
				}
			}
			// The rerun publishes the full snapshot.
			if _, err := export(t, tgt, ts, nil); err != nil {
				t.Fatalf("rerun after the sink fault: %v", err)
			}
			equalTables(t, "rerun after "+f.Name, ref, readAll(t, tgt))
			assertUniqueKeys(t, "rerun after "+f.Name, tgt)
		})
	}
}

// assertUniqueKeys checks that no published table holds two rows with the same primary key.
func assertUniqueKeys(t *testing.T, what string, tgt chaos.Target) {
	t.Helper()
	for _, tb := range schemas.DataTables() {
		rows, _ := tgt.Read(t, tb.Name, date)
		seen := map[string]bool{}
		for _, r := range rows {
			var k []string
			for _, c := range tb.PrimaryKey {
				k = append(k, sinktest.FormatValue(r[c]))
			}
			key := strings.Join(k, "|")
			if seen[key] {
				t.Errorf("%s: %s has duplicate primary key (%s) = %s", what, tb.Name, strings.Join(tb.PrimaryKey, ","), key)
			}
			seen[key] = true
		}
	}
}

// assertDrift checks the drift contract: every goal present both when the export started and
// when it ended is exported exactly once with exactly its reference rows in every table
// (key results, check-ins, confidence, comments); goals deleted mid-export (removed) and goals
// created mid-export (added) appear at most once, deleted ones with their reference rows;
// nothing else appears; tables not keyed by goal equal the reference.
func assertDrift(t *testing.T, ref, got tables, removed, added map[int64]bool) {
	t.Helper()
	for _, tb := range schemas.DataTables() {
		if !hasColumn(tb, "goal_id") {
			if d := sinktest.DiffRows(ref[tb.Name], got[tb.Name]); d != "" {
				t.Errorf("%s differs from the reference:\n%s", tb.Name, d)
			}
			continue
		}
		wantBy, gotBy := byGoal(ref[tb.Name]), byGoal(got[tb.Name])
		for id, want := range wantBy {
			g, ok := gotBy[id]
			if removed[id] && !ok {
				continue // deleted mid-export: may be missing
			}
			if d := sinktest.DiffRows(want, g); d != "" {
				t.Errorf("%s: goal %d (removed mid-export: %v) differs from the reference:\n%s", tb.Name, id, removed[id], d)
			}
		}
		for id, g := range gotBy {
			if _, ok := wantBy[id]; ok {
				continue
			}
			if !added[id] {
				t.Errorf("%s: %d rows of goal %d, which is neither in the reference nor created mid-export", tb.Name, len(g), id)
			}
			if tb.Name == schemas.Goals && len(g) != 1 {
				t.Errorf("goal %d created mid-export appears %d times", id, len(g))
			}
		}
	}
}

func hasColumn(tb *schemas.Table, name string) bool {
	for _, c := range tb.Columns {
		if c.Name == name {
			return true
		}
	}
	return false
}

func byGoal(rows []sinktest.Row) map[int64][]sinktest.Row {
	out := map[int64][]sinktest.Row{}
	for _, r := range rows {
		id, _ := r["goal_id"].(int64)
		out[id] = append(out[id], r)
	}
	return out
}

// listingOrder returns the goal ids in the order GET /goal lists them (the order
// WithGoalDrift(-n) deletes from), read from a plain emulator of the same org.
func listingOrder(t *testing.T, org *wbtest.Org) []int64 {
	t.Helper()
	ts := wbtest.Start(t, org)
	req, _ := http.NewRequest("GET", ts.BaseURL+"/goal?goal_status=1%2C2&offset=0&limit=100", nil)
	req.Header.Set("Authorization", "Bearer "+ts.AdminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	p, err := decode.Goals(body)
	if err != nil {
		t.Fatalf("decode /goal: %v", err)
	}
	if len(p.Goals) != len(org.Goals) {
		t.Fatalf("listing has %d goals, the org %d", len(p.Goals), len(org.Goals))
	}
	ids := make([]int64, len(p.Goals))
	for i, g := range p.Goals {
		ids[i] = g.GoalID
	}
	return ids
}
