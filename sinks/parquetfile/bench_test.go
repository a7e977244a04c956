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

// writeAll writes recs through a Writer made by md over a discarding destination, closes it
// and returns the bytes written.
func writeAll(b *testing.B, md mode, tbl *schemas.Table, recs []arrow.RecordBatch, opts ...parquetfile.Option) int64 {
	d := &discard{}
	w, err := md.newWriter(tbl, func(string) (io.WriteCloser, error) { return d, nil }, opts...)
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
	return d.n
}

// benchModes are the encoding modes the benchmarks compare: synchronous (WithEncodeAhead(0))
// and the default encode-ahead.
var benchModes = []mode{{"sync", 0}, {"async", -1}}

// BenchmarkParquetWriter measures writing sample rows (goals: strings, lists, timestamps,
// JSON) to a discarding destination, per codec and encoding mode. The batches are built
// beforehand, so the caller does nothing but Write: async shows the cost of the hand-off,
// not a gain (see BenchmarkParquetWriterProducer). Reports rows/s and output bytes/row.
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
		for _, md := range benchModes {
			b.Run(string(comp)+"/"+md.name, func(b *testing.B) {
				b.ReportAllocs()
				var out int64
				for b.Loop() {
					out = writeAll(b, md, tbl, recs, parquetfile.WithCompression(comp))
				}
				rows := float64(batchRows * batches)
				b.ReportMetric(rows*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
				b.ReportMetric(float64(out)/rows, "bytes/row")
			})
		}
	}
}

// BenchmarkParquetWriterProducer is the exporter's shape: the goroutine calling Write also
// produces the batches (here sinktest.SampleRecords builds each one, standing in for the
// transform), so with encode-ahead building batch i+1 overlaps encoding batch i (given a
// second core). One op builds and writes 8 × 4,096 goal rows (zstd) to a discarding
// destination. Reports rows/s.
func BenchmarkParquetWriterProducer(b *testing.B) {
	tbl, _ := schemas.Lookup(schemas.Goals)
	const batchRows, batches = 4096, 8
	for _, md := range benchModes {
		b.Run(md.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				d := &discard{}
				w, err := md.newWriter(tbl, func(string) (io.WriteCloser, error) { return d, nil })
				if err != nil {
					b.Fatal(err)
				}
				for i := range batches {
					r := sinktest.SampleRecords(memory.DefaultAllocator, tbl, batchRows, int64(i+1))
					err := w.Write(r)
					r.Release()
					if err != nil {
						b.Fatal(err)
					}
				}
				if _, err := w.Close(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(batchRows*batches)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
