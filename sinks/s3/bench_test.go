package s3_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/sinks/parquetfile"
	"github.com/wbexport/wbexport/sinks/s3"
)

// BenchmarkWriteCommit measures end-to-end throughput of one run against versitygw on
// loopback: Parquet encoding (no compression) streamed as 5 MiB multipart parts, then the
// publish protocol. Each op writes 2000 goals rows with 4 KiB strings (≈8 MiB). Run with
// go test -run '^$' -bench WriteCommit -benchtime 5x -benchmem ./sinks/s3/
func BenchmarkWriteCommit(b *testing.B) {
	e := newEnv(b)
	cfg := e.config()
	cfg.PartSize, cfg.Concurrency = s3.MinPartSize, 4
	seedRun := newRun(date1, schemas.Goals)
	rec := bigRecords(e.mem, seedRun, 2000, 4096, 1)
	defer rec.Release()
	b.SetBytes(parquetfile.RecordBytes(rec))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		run := newRun(date1, schemas.Goals)
		s, err := s3.New(context.Background(), cfg, run, s3.WithCredentials(e.srv.Credentials()),
			s3.WithAllocator(e.mem),
			s3.WithParquetOptions(parquetfile.WithCompression(parquetfile.None)))
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Write(context.Background(), schemas.Goals, rec); err != nil {
			b.Fatal(err)
		}
		if _, err := s.Commit(context.Background()); err != nil {
			b.Fatal(err)
		}
		s.Close()
	}
}

// BenchmarkStreamingMemory writes a ≈32 MiB and a ≈128 MiB table in 2 MiB batches and reports the peak Go
// heap in use while doing so (sampled every millisecond), to show that memory is bounded by
// row group + upload buffers (+ GC slack) rather than the table size: the peak must not grow
// with the table. Measured on 2 shared cores: 77 MiB peak for 35 MiB, 99 MiB for 138 MiB
// (8 MiB row groups, 5 MiB parts, concurrency 4: ≈8 MiB encoded row group, 25 MiB part pool,
// the first part's read buffer, and up to GOGC=100 of garbage).
// Run with go test -run '^$' -bench StreamingMemory -benchtime 1x ./sinks/s3/
func BenchmarkStreamingMemory(b *testing.B) {
	for _, batches := range []int{16, 64} {
		b.Run(fmt.Sprintf("batches=%d", batches), func(b *testing.B) { benchStreamingMemory(b, batches) })
	}
}

func benchStreamingMemory(b *testing.B, batches int) {
	e := newEnv(b)
	cfg := e.config()
	cfg.PartSize, cfg.Concurrency = s3.MinPartSize, 4
	seedRun := newRun(date1, schemas.Goals)
	rec := bigRecords(e.mem, seedRun, 500, 4096, 1) // ≈2 MiB
	defer rec.Release()
	b.SetBytes(int64(batches) * parquetfile.RecordBytes(rec))
	for b.Loop() {
		runtime.GC()
		var base runtime.MemStats
		runtime.ReadMemStats(&base)
		stop := make(chan struct{})
		peak := make(chan uint64)
		go func() {
			var max uint64
			var ms runtime.MemStats
			t := time.NewTicker(time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-stop:
					peak <- max
					return
				case <-t.C:
					runtime.ReadMemStats(&ms)
					max = maxU(max, ms.HeapInuse)
				}
			}
		}()
		run := newRun(date1, schemas.Goals)
		s, err := s3.New(context.Background(), cfg, run, s3.WithCredentials(e.srv.Credentials()),
			s3.WithAllocator(e.mem),
			s3.WithParquetOptions(parquetfile.WithCompression(parquetfile.None), parquetfile.WithRowGroupBytes(8<<20)))
		if err != nil {
			b.Fatal(err)
		}
		for range batches {
			if err := s.Write(context.Background(), schemas.Goals, rec); err != nil {
				b.Fatal(err)
			}
		}
		res, err := s.Commit(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		s.Close()
		close(stop)
		p := <-peak
		b.ReportMetric(float64(p-min(p, base.HeapInuse))/(1<<20), "peak-heap-MiB")
		b.ReportMetric(float64(res.Tables["goals"].Bytes)/(1<<20), "table-MiB")
	}
}

func maxU(a, b uint64) uint64 {
	if a > b {
		return a
	}
	return b
}
