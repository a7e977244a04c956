package pipeline_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/wbexport/wbexport/extract"
	"github.com/wbexport/wbexport/internal/pipeline"
	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/sinks"
	"github.com/wbexport/wbexport/sinks/local"
	"github.com/wbexport/wbexport/sinks/local/localtest"
	"github.com/wbexport/wbexport/sinks/sinktest"
	"github.com/wbexport/wbexport/transform"
	"github.com/wbexport/wbexport/workboard"
	"github.com/wbexport/wbexport/workboard/wbtest"
)

var day = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

func newOrg() *wbtest.Org {
	return wbtest.Generate(wbtest.OrgConfig{Seed: 7, Users: 12, Teams: 3, Goals: 20, KRsPerGoal: 2, CheckinsPerKR: 4})
}

func client(t *testing.T, ts *wbtest.TestServer) *extract.Exporter {
	t.Helper()
	c, err := workboard.New(ts.AdminToken, workboard.WithBaseURL(ts.BaseURL), workboard.WithRate(1000),
		workboard.WithConcurrency(4), workboard.WithBackoff(time.Millisecond, 5*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	ex, err := extract.New(c)
	if err != nil {
		t.Fatal(err)
	}
	return ex
}

func runOnce(t *testing.T, root string, ex pipeline.Extractor, wrap func(sinks.Sink) sinks.Sink) (*pipeline.Summary, error) {
	t.Helper()
	return runQueued(t, root, ex, wrap, 0)
}

// runQueued is runOnce with Config.QueueBatches set to queue.
func runQueued(t *testing.T, root string, ex pipeline.Extractor, wrap func(sinks.Sink) sinks.Sink, queue int) (*pipeline.Summary, error) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	run := sinks.RunInfo{RunID: transform.RunID(), SnapshotDate: day, Tables: schemas.DataTables(), Version: "test"}
	var s sinks.Sink
	ls, err := local.New(context.Background(), root, run, local.WithAllocator(mem))
	if err != nil {
		t.Fatal(err)
	}
	s = ls
	if wrap != nil {
		s = wrap(s)
	}
	defer s.Close()
	plan := extract.FullPlan()
	return pipeline.Run(context.Background(), pipeline.Config{
		Extractor: ex, Plan: plan, Sink: s, Run: run, SinkName: "file://" + root, APIBase: "http://emulator", Alloc: mem,
		QueueBatches: queue,
	})
}

// TestRunPublishesEveryTableAndLedger: a clean run publishes every data table (with _SUCCESS),
// row counts equal the emulator's ground truth, and one "succeeded" ledger row carries the
// summary.
func TestRunPublishesEveryTableAndLedger(t *testing.T) {
	org := newOrg()
	ts := wbtest.Start(t, org)
	root := t.TempDir()
	sum, err := runOnce(t, root, client(t, ts), nil)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if sum.Status != pipeline.StatusSucceeded || sum.ExitCode != 0 {
		t.Fatalf("summary status %q exit %d", sum.Status, sum.ExitCode)
	}
	var krs, checkins int
	for _, g := range org.Goals {
		krs += len(g.KeyResults)
		for _, kr := range g.KeyResults {
			checkins += len(kr.MetricData)
		}
	}
	want := map[schemas.TableID]int{schemas.Users: len(org.Users), schemas.Teams: len(org.Teams), schemas.Goals: len(org.Goals),
		schemas.KeyResults: krs, schemas.KeyResultCheckins: checkins}
	for _, tb := range schemas.DataTables() {
		rows, published, err := localtest.ReadPartition(root, tb.Name, "2026-03-02")
		if err != nil {
			t.Fatalf("%s: %v", tb.Name, err)
		}
		if !published {
			t.Errorf("%s: not published", tb.Name)
		}
		if n, ok := want[tb.Name]; ok && len(rows) != n {
			t.Errorf("%s: %d rows, ground truth has %d", tb.Name, len(rows), n)
		}
		if got := sum.Tables[tb.Name].Rows; got != int64(len(rows)) {
			t.Errorf("%s: summary says %d rows, partition has %d", tb.Name, got, len(rows))
		}
	}
	ledger, err := localtest.ReadLedger(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(ledger) != 1 || ledger[0]["status"] != "succeeded" || ledger[0]["run_id"] != sum.RunID {
		t.Fatalf("ledger = %v", ledger)
	}
	var back pipeline.Summary
	if err := json.Unmarshal([]byte(ledger[0]["summary"].(string)), &back); err != nil {
		t.Fatalf("ledger summary is not the run summary: %v", err)
	}
	if back.API == nil || back.API.Requests == 0 {
		t.Fatalf("ledger summary lacks API counters: %+v", back.API)
	}
	if rpg := ledger[0]["requests_per_goal"]; rpg != sum.API.RequestsPerGoal || sum.API.RequestsPerGoal <= 0 {
		t.Fatalf("ledger requests_per_goal %v, summary %v", rpg, sum.API.RequestsPerGoal)
	}
}

// failingExtractor fails after emitting part of the data, like an API that dies mid-run.
type failingExtractor struct{ inner pipeline.Extractor }

var errBoom = errors.New("boom: the API went away")

func (f failingExtractor) Export(ctx context.Context, plan extract.Plan, emit func(context.Context, *workboard.Batch) error) (*extract.Report, error) {
	n := 0
	rep, err := f.inner.Export(ctx, plan, func(ctx context.Context, b *workboard.Batch) error {
		if n++; n > 3 {
			return errBoom
		}
		return emit(ctx, b)
	})
	if err == nil {
		err = errBoom
	}
	return rep, err
}

// failingCommit makes Commit fail, like a sink that dies while publishing.
type failingCommit struct{ sinks.Sink }

func (f failingCommit) Commit(ctx context.Context) (*sinks.Result, error) {
	return nil, errors.New("disk on fire")
}

// failingWrite makes the sink's n-th Write fail, like a disk filling up mid-run.
type failingWrite struct {
	sinks.Sink
	n int
}

var errDiskFull = errors.New("no space left on device (injected)")

func (f *failingWrite) Write(ctx context.Context, table schemas.TableID, rec arrow.RecordBatch) error {
	if f.n--; f.n == 0 {
		return errDiskFull
	}
	return f.Sink.Write(ctx, table, rec)
}

// TestFailedRunPublishesNothingAndRecordsFailure: a run failing during extraction or at publish
// leaves the previous snapshot exactly as it was, and the ledger records the failure.
func TestFailedRunPublishesNothingAndRecordsFailure(t *testing.T) {
	ts := wbtest.Start(t, newOrg())
	for _, tc := range []struct {
		name string
		ex   func(c *extract.Exporter) pipeline.Extractor
		wrap func(sinks.Sink) sinks.Sink
	}{
		{"extract fails", func(c *extract.Exporter) pipeline.Extractor { return failingExtractor{c} }, nil},
		{"commit fails", func(c *extract.Exporter) pipeline.Extractor { return c }, func(s sinks.Sink) sinks.Sink { return failingCommit{s} }},
		{"write fails", func(c *extract.Exporter) pipeline.Extractor { return c }, func(s sinks.Sink) sinks.Sink { return &failingWrite{s, 2} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			c := client(t, ts)
			if _, err := runOnce(t, root, c, nil); err != nil {
				t.Fatal(err)
			}
			before, _, err := localtest.ReadPartition(root, schemas.Goals, "2026-03-02")
			if err != nil {
				t.Fatal(err)
			}
			sum, err := runOnce(t, root, tc.ex(c), tc.wrap)
			if err == nil {
				t.Fatal("run succeeded, want failure")
			}
			if sum.Status != pipeline.StatusFailed || sum.Error == "" || sum.ExitCode == 0 {
				t.Fatalf("summary = %+v", sum)
			}
			after, published, err := localtest.ReadPartition(root, schemas.Goals, "2026-03-02")
			if err != nil || !published || len(after) != len(before) {
				t.Fatalf("previous snapshot damaged: published=%v rows %d→%d err=%v", published, len(before), len(after), err)
			}
			ledger, err := localtest.ReadLedger(root)
			if err != nil {
				t.Fatal(err)
			}
			statuses := map[any]int{}
			for _, r := range ledger {
				statuses[r["status"]]++
			}
			if statuses["succeeded"] != 1 || statuses["failed"] != 1 {
				t.Fatalf("ledger statuses = %v", statuses)
			}
		})
	}
}

// recordingSink counts Writes per table; used to check batch bounds.
type recordingSink struct {
	sinks.Sink
	maxRows int64
}

func (r *recordingSink) Write(ctx context.Context, table schemas.TableID, rec arrow.RecordBatch) error {
	r.maxRows = max(r.maxRows, rec.NumRows())
	return r.Sink.Write(ctx, table, rec)
}

// TestBatchRowsBoundsRecordBatches: BatchRows bounds every record batch handed to the sink.
func TestBatchRowsBoundsRecordBatches(t *testing.T) {
	ts := wbtest.Start(t, newOrg())
	root := t.TempDir()
	run := sinks.RunInfo{RunID: transform.RunID(), SnapshotDate: day, Tables: schemas.DataTables(), Version: "test"}
	ls, err := local.New(context.Background(), root, run)
	if err != nil {
		t.Fatal(err)
	}
	rs := &recordingSink{Sink: ls}
	defer rs.Close()
	if _, err := pipeline.Run(context.Background(), pipeline.Config{
		Extractor: client(t, ts), Plan: extract.FullPlan(), Sink: rs, Run: run, SinkName: "file://x", APIBase: "x", BatchRows: 7,
	}); err != nil {
		t.Fatal(err)
	}
	if rs.maxRows == 0 || rs.maxRows > 7 {
		t.Fatalf("largest batch had %d rows, want 1..7", rs.maxRows)
	}
}

// TestQueueSameOutputAndFirstError: the queue between extraction and transform changes
// neither the published rows (every table, row for row, against a run without a queue) nor
// which error a failed run reports: the sink's own error when the sink fails first, the API's
// when the API fails first (not the context cancellation either causes on the other side).
func TestQueueSameOutputAndFirstError(t *testing.T) {
	ts := wbtest.Start(t, newOrg())
	c := client(t, ts)
	want := map[schemas.TableID][]sinktest.Row{}
	for _, queue := range []int{-1, 1, 0} {
		root := t.TempDir()
		if _, err := runQueued(t, root, c, nil, queue); err != nil {
			t.Fatalf("queue %d: %v", queue, err)
		}
		for _, tbl := range schemas.DataTables() {
			rows, published, err := localtest.ReadPartition(root, tbl.Name, "2026-03-02")
			if err != nil || !published {
				t.Fatalf("queue %d: %s: published=%v err=%v", queue, tbl.Name, published, err)
			}
			for _, r := range rows { // lineage differs from run to run
				delete(r, schemas.ColRunID)
				delete(r, schemas.ColExtractedAt)
			}
			sinktest.SortRows(rows)
			if queue == -1 {
				want[tbl.Name] = rows
				continue
			}
			if diff := sinktest.DiffRows(want[tbl.Name], rows); diff != "" {
				t.Fatalf("queue %d: %s differs from the unqueued run: %s", queue, tbl.Name, diff)
			}
		}
	}
	for _, queue := range []int{-1, 1, 0} {
		_, err := runQueued(t, t.TempDir(), c, func(s sinks.Sink) sinks.Sink { return &failingWrite{s, 3} }, queue)
		if !errors.Is(err, errDiskFull) || strings.HasPrefix(err.Error(), "extract:") || strings.Contains(err.Error(), "context canceled") {
			t.Fatalf("queue %d, sink fails: err = %v, want the sink's error, not an extraction error", queue, err)
		}
		_, err = runQueued(t, t.TempDir(), failingExtractor{c}, nil, queue)
		if !errors.Is(err, errBoom) || strings.Contains(err.Error(), "context canceled") {
			t.Fatalf("queue %d, API fails: err = %v, want the API's error", queue, err)
		}
	}
}
