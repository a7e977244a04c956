package bigquery_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/sinks/sinktest"
)

// BenchmarkWriteCommit measures staging (Parquet via the shared writer) plus Commit (upload,
// load job, poll) of 5000 users rows against bqtest. bqtest decodes the Parquet too, so the
// figure is an upper bound of the sink's own cost. Run with -benchtime=3x; it is not a CI gate.
func BenchmarkWriteCommit(b *testing.B) {
	users, _ := schemas.Lookup(schemas.Users)
	const rows = 5000
	rec := sinktest.SampleRecords(memory.DefaultAllocator, users, rows, 1, sinktest.WithDate("2026-03-01"))
	defer rec.Release()
	e := newEnv(b)
	var bytes int64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s := e.open(runInfo(fmt.Sprintf("run-%d", i), "2026-03-01", users))
		if err := s.Write(context.Background(), users.Name, rec); err != nil {
			b.Fatal(err)
		}
		res, err := s.Commit(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		bytes = res.Tables[users.Name].Bytes
		s.Close()
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(bytes), "parquet-bytes")
}
