// Package sinks defines where exported records go. A Sink receives Arrow record batches per
// table for one run (one snapshot date), stages them, and publishes them all at once.
//
// Implementations: sinks/local (Parquet or CSV on a local file system, the default), sinks/s3
// (Parquet or CSV on S3 and S3-compatible stores), sinks/bigquery (BigQuery load jobs) and
// sinks/xlsx (one Excel workbook). Every implementation passes the conformance suite in
// sinks/sinktest (the workbook with the suite's options for a one-snapshot destination).
//
// Sinks see Arrow records and schemas only; they know nothing about WorkBoard.
package sinks

import (
	"context"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/wbexport/wbexport/schemas"
)

// RunInfo identifies the run a sink writes for.
type RunInfo struct {
	RunID        string           // UUIDv7 of the run
	SnapshotDate time.Time        // the snapshot day, midnight UTC; every data table's partition
	Tables       []*schemas.Table // the data tables this run exports (the ledger is implied)
	Version      string           // wbexport version, for labels and metadata
}

// Date returns the snapshot date as YYYY-MM-DD.
func (r RunInfo) Date() string { return r.SnapshotDate.UTC().Format("2006-01-02") }

// Sink is one run's writer. Methods are not safe for concurrent use unless an implementation
// says so; the pipeline calls them from one goroutine.
//
// The life of a run: Write any number of batches for any of RunInfo.Tables, then either Commit
// (publish) or Abort (discard). After either, AppendLedger may be called once to append the
// run's _sync_runs row, then Close. A Sink must never make staged data visible to readers before
// Commit, and Commit must replace each table's snapshot_date partition as a whole, so rerunning
// the same date is idempotent. If Commit fails, what was published before the run stays as it
// was as far as the store allows (each implementation documents its publish window).
type Sink interface {
	// Write stages rec for table. rec's schema must equal the table's Arrow schema (see
	// schemas.Table.Arrow). Write does not keep rec after it returns unless it Retains it.
	Write(ctx context.Context, table schemas.TableID, rec arrow.RecordBatch) error
	// Commit finishes staging and publishes every table of the run. A table that received no
	// rows is published as an empty partition (it replaces the previous snapshot of that date).
	Commit(ctx context.Context) (*Result, error)
	// Abort discards everything this run staged. Published data is untouched.
	Abort(ctx context.Context) error
	// AppendLedger appends rec (rows of the _sync_runs schema) to the run ledger.
	AppendLedger(ctx context.Context, rec arrow.RecordBatch) error
	// Close releases resources. It does not publish.
	Close() error
}

// Checker is implemented by sinks that can verify their configuration and permissions without
// writing data (wbexport check --sink).
type Checker interface {
	Check(ctx context.Context) error
}

// Result describes what Commit published.
type Result struct {
	Tables map[schemas.TableID]TableResult
}

// TableResult describes one published table partition.
type TableResult struct {
	Rows     int64    `json:"rows"`
	Files    int      `json:"files"`
	Bytes    int64    `json:"bytes"`
	Location string   `json:"location"`          // where readers find it (path, URL, table$partition)
	JobIDs   []string `json:"job_ids,omitempty"` // BigQuery load jobs
}
