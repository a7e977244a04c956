package transform

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/google/uuid"
	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/workboard"
)

// Run statuses written to _sync_runs.status.
const (
	StatusSucceeded = "succeeded"
	StatusFailed    = "failed"
)

// LedgerRow is the one _sync_runs row of a run. Every field except Summary and Error is
// required. Sink must not carry credentials (the caller strips them).
type LedgerRow struct {
	RunID        string
	SnapshotDate time.Time // its UTC calendar date is written
	Status       string    // StatusSucceeded or StatusFailed
	StartedAt    time.Time
	FinishedAt   time.Time
	Version      string            // wbexport version
	Sink         string            // destination without credentials, e.g. s3://bucket/prefix
	APIBaseURL   string            // WorkBoard API root used
	Tables       []schemas.TableID // tables the run exported
	Summary      json.RawMessage   // run summary JSON; nil for none
	Error        string            // error text of a failed run; "" on success
	// RequestsPerGoal is the run's API requests divided by the goals it listed (none when it
	// listed no goal).
	RequestsPerGoal workboard.Opt[float64]
}

// Ledger builds the one-row _sync_runs record of a run. The caller releases it.
func Ledger(alloc memory.Allocator, row LedgerRow) (arrow.RecordBatch, error) {
	if alloc == nil {
		alloc = memory.DefaultAllocator
	}
	var missing []string
	for _, f := range []struct {
		name string
		zero bool
	}{
		{"RunID", row.RunID == ""}, {"SnapshotDate", row.SnapshotDate.IsZero()}, {"Status", row.Status == ""},
		{"StartedAt", row.StartedAt.IsZero()}, {"FinishedAt", row.FinishedAt.IsZero()},
		{"Version", row.Version == ""}, {"Sink", row.Sink == ""}, {"APIBaseURL", row.APIBaseURL == ""},
	} {
		if f.zero {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("transform: ledger row of run %q: missing %v", row.RunID, missing)
	}
	if row.Status != StatusSucceeded && row.Status != StatusFailed {
		return nil, fmt.Errorf("transform: ledger row of run %s: status %q is neither %q nor %q", row.RunID, row.Status, StatusSucceeded, StatusFailed)
	}
	t, _ := schemas.Lookup(schemas.SyncRuns)
	lv := lineageValues{runID: row.RunID, date: dateOf(row.SnapshotDate)}
	w := newTableBuilder(alloc, t, &lv)
	defer w.rb.Release()
	w.begin(0, "")
	w.string("run_id", row.RunID)
	w.date(schemas.ColSnapshotDate, lv.date)
	w.string("status", row.Status)
	w.timestamp("started_at", row.StartedAt)
	w.timestamp("finished_at", row.FinishedAt)
	w.string("wbexport_version", row.Version)
	w.string("sink", row.Sink)
	w.string("api_base_url", row.APIBaseURL)
	tables := make([]string, len(row.Tables))
	for i, id := range row.Tables {
		tables[i] = string(id)
	}
	w.stringList("tables", tables)
	w.jsonText("summary", row.Summary)
	w.optString("error", optString(row.Error))
	w.optFloat64("requests_per_goal", row.RequestsPerGoal)
	if err := w.end(); err != nil {
		return nil, err
	}
	return w.rb.NewRecordBatch(), nil
}

// RunID returns a new UUIDv7 (time-ordered) run id.
func RunID() string {
	id, err := uuid.NewV7()
	if err != nil {
		// NewV7 only fails when the system's random source fails.
		panic(errors.Join(errors.New("transform: cannot generate run id"), err))
	}
	return id.String()
}
