package transform_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/google/uuid"
	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/transform"
	"github.com/wbexport/wbexport/transform/transformtest"
	"github.com/wbexport/wbexport/workboard"
)

func TestLedger(t *testing.T) {
	started := time.Date(2026, 11, 27, 1, 0, 0, 123456789, time.UTC)
	finished := started.Add(90 * time.Second)
	full := transform.LedgerRow{
		RunID: runID, SnapshotDate: snapDay, Status: transform.StatusFailed, StartedAt: started, FinishedAt: finished,
		Version: "v1.2.3", Sink: "s3://bucket/prefix", APIBaseURL: "https://www.myworkboard.com/wb/apis",
		Tables: []schemas.TableID{schemas.Users, schemas.Goals}, Summary: json.RawMessage(`{"rows":{"goals":3},"note":"ü"}`),
		Error: "extract: GET /goal: 500 ✗", RequestsPerGoal: workboard.Some(0.35),
	}
	ok := full
	ok.Status, ok.Error, ok.Summary, ok.Tables, ok.RequestsPerGoal = transform.StatusSucceeded, "", nil, nil, workboard.Opt[float64]{}
	tests := []struct {
		name string
		row  transform.LedgerRow
		want transformtest.Row
	}{
		{"failed, everything set", full, transformtest.Row{
			"run_id": runID, "snapshot_date": "2026-11-27", "status": "failed",
			"started_at":       time.Date(2026, 11, 27, 1, 0, 0, 123456000, time.UTC),
			"finished_at":      time.Date(2026, 11, 27, 1, 1, 30, 123456000, time.UTC),
			"wbexport_version": "v1.2.3", "sink": "s3://bucket/prefix", "api_base_url": "https://www.myworkboard.com/wb/apis",
			"tables": []string{"users", "goals"}, "summary": `{"rows":{"goals":3},"note":"ü"}`, "error": "extract: GET /goal: 500 ✗",
			"requests_per_goal": 0.35,
		}},
		{"succeeded, optional fields empty", ok, transformtest.Row{
			"run_id": runID, "snapshot_date": "2026-11-27", "status": "succeeded",
			"started_at":       time.Date(2026, 11, 27, 1, 0, 0, 123456000, time.UTC),
			"finished_at":      time.Date(2026, 11, 27, 1, 1, 30, 123456000, time.UTC),
			"wbexport_version": "v1.2.3", "sink": "s3://bucket/prefix", "api_base_url": "https://www.myworkboard.com/wb/apis",
			"tables": []string{}, "summary": nil, "error": nil, "requests_per_goal": nil,
		}},
	}
	tbl := mustTable(t, schemas.SyncRuns)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			rec, err := transform.Ledger(mem, tc.row)
			if err != nil {
				t.Fatal(err)
			}
			defer rec.Release()
			if !rec.Schema().Equal(tbl.Arrow()) {
				t.Fatalf("ledger schema %s, want %s", rec.Schema(), tbl.Arrow())
			}
			rows := transformtest.Rows(rec)
			if len(rows) != 1 {
				t.Fatalf("%d rows", len(rows))
			}
			compareRow(t, tbl, 0, rows[0], tc.want)
		})
	}
}

func TestLedgerErrors(t *testing.T) {
	good := transform.LedgerRow{RunID: runID, SnapshotDate: snapDay, Status: transform.StatusSucceeded,
		StartedAt: snapDay, FinishedAt: snapDay, Version: "v", Sink: "file:///x", APIBaseURL: "http://x"}
	tests := []struct {
		name string
		mod  func(*transform.LedgerRow)
		want string
	}{
		{"status", func(r *transform.LedgerRow) { r.Status = "ok" }, `status "ok"`},
		{"missing", func(r *transform.LedgerRow) { r.Sink, r.FinishedAt = "", time.Time{} }, "missing [FinishedAt Sink]"},
		{"summary json", func(r *transform.LedgerRow) { r.Summary = json.RawMessage("{") }, "table _sync_runs, run " + runID + ": column summary: not valid JSON"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			row := good
			tc.mod(&row)
			rec, err := transform.Ledger(mem, row)
			if err == nil {
				rec.Release()
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}

func TestRunID(t *testing.T) {
	var prev string
	seen := map[string]bool{}
	for range 100 {
		id := transform.RunID()
		u, err := uuid.Parse(id)
		if err != nil {
			t.Fatal(err)
		}
		if u.Version() != 7 || u.Variant() != uuid.RFC4122 {
			t.Fatalf("%s is version %d variant %v, want a UUIDv7", id, u.Version(), u.Variant())
		}
		if seen[id] {
			t.Fatalf("duplicate run id %s", id)
		}
		seen[id] = true
		if prev != "" && id <= prev {
			t.Fatalf("run ids not increasing: %s after %s", id, prev)
		}
		prev = id
	}
}
