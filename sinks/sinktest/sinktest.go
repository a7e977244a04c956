// Package sinktest is the conformance suite every sinks.Sink implementation must pass, in the
// spirit of cloudquery's destination plugin tests. A sink package's tests call Run with a
// Harness that creates a fresh destination (a temp dir, an S3 bucket on a test server, a
// dataset on the BigQuery test server) and reads published data back through an independent
// path.
package sinktest

import (
	"testing"

	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/sinks"
)

// Row is a published row in canonical form: column name → value, where a value is nil (NULL),
// int64, float64, string, bool, time.Time (UTC, microsecond precision) for TIMESTAMP, a
// "YYYY-MM-DD" string for DATE, []string or []int64 for list columns (never nil: empty slice).
type Row map[string]any

// Destination is one fresh, empty destination (created per sub-test by a Harness).
type Destination interface {
	// Open returns a new sink writing to this destination for run. Called several times per
	// destination to observe reruns and replacement.
	Open(t testing.TB, run sinks.RunInfo) sinks.Sink
	// Read returns what readers see as published for table at snapshot date (YYYY-MM-DD):
	// rows, and whether the partition is published at all (e.g. _SUCCESS present / partition
	// exists). Reads go through an independent path (parquet-go, the BigQuery client's
	// table.Read, ...), not through the sink.
	Read(t testing.TB, table schemas.TableID, date string) (rows []Row, published bool)
	// Ledger returns every _sync_runs row published so far.
	Ledger(t testing.TB) []Row
}

// Harness creates a fresh Destination for one sub-test.
type Harness func(t *testing.T) Destination
