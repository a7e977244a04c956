package parquetfile_test

import (
	"runtime"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/sinks/parquetfile"
	"github.com/wbexport/wbexport/sinks/sinktest"
)

// BenchmarkParquetWriterTable writes sample rows of every table (zstd, the default codec) to a
// discarding destination, synchronously and with encode-ahead: one op is one whole file of
// 2 × 4,096 rows. Reports rows/s, output bytes/row and heap allocations per row. The writer's
// allocator is checked for leaks.
func BenchmarkParquetWriterTable(b *testing.B) {
	const batchRows, batches = 4096, 2
	for _, tbl := range schemas.All() {
		for _, md := range benchModes {
			b.Run(string(tbl.Name)+"/"+md.name, func(b *testing.B) {
				recs := make([]arrow.RecordBatch, batches)
				for i := range recs {
					recs[i] = sinktest.SampleRecords(memory.DefaultAllocator, tbl, batchRows, int64(i+1))
				}
				defer func() {
					for _, r := range recs {
						r.Release()
					}
				}()
				mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
				var out int64
				var ms0, ms1 runtime.MemStats
				runtime.ReadMemStats(&ms0)
				b.ReportAllocs()
				for b.Loop() {
					out = writeAll(b, md, tbl, recs, parquetfile.WithAllocator(mem))
				}
				runtime.ReadMemStats(&ms1)
				mem.AssertSize(b, 0)
				rows := float64(batchRows * batches)
				b.ReportMetric(rows*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
				b.ReportMetric(float64(out)/rows, "bytes/row")
				b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/(rows*float64(b.N)), "allocs/row")
			})
		}
	}
}
