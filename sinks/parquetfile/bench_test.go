package parquetfile_test

import (
	"io"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/sinks/parquetfile"
	"github.com/wbexport/wbexport/sinks/sinktest"
)

type discard struct{ n int64 }

func (d *discard) Write(p []byte) (int, error) { d.n += int64(len(p)); return len(p), nil }
func (d *discard) Close() error                { return nil }

// BenchmarkParquetWriter measures writing sample rows (goals: strings, lists, timestamps,
// JSON) to a discarding destination, per codec. Reports rows/s and output bytes/row.
func BenchmarkParquetWriter(b *testing.B) {
	tbl, _ := schemas.Lookup(schemas.Goals)
	const batchRows, batches = 4096, 8
	recs := make([]arrow.RecordBatch, batches)
	for i := range recs {
		recs[i] = sinktest.SampleRecords(memory.DefaultAllocator, tbl, batchRows, int64(i+1))
	}
	defer func() {
		for _, r := range recs {
			r.Release()
		}
	}()
	for _, comp := range []parquetfile.Compression{parquetfile.Zstd, parquetfile.Snappy, parquetfile.None} {
		b.Run(string(comp), func(b *testing.B) {
			b.ReportAllocs()
			var out int64
			for b.Loop() {
				d := &discard{}
				w, err := parquetfile.NewWriter(tbl, func(string) (io.WriteCloser, error) { return d, nil },
					parquetfile.WithCompression(comp))
				if err != nil {
					b.Fatal(err)
				}
				for _, r := range recs {
					if err := w.Write(r); err != nil {
						b.Fatal(err)
					}
				}
				if _, err := w.Close(); err != nil {
					b.Fatal(err)
				}
				out = d.n
			}
			rows := float64(batchRows * batches)
			b.ReportMetric(rows*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(float64(out)/rows, "bytes/row")
		})
	}
}
