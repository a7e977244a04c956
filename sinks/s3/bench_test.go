package s3sink_test

import (
	"context"
	"testing"

	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/sinks/parquetfile"
	s3sink "github.com/wbexport/wbexport/sinks/s3"
)

// BenchmarkWriteCommit measures end-to-end throughput of one run against versitygw on
// loopback: Parquet encoding (no compression) streamed as 5 MiB multipart parts, then the
// publish protocol. Each op writes 2000 goals rows with 4 KiB strings (≈8 MiB). Run with
// go test -run '^$' -bench WriteCommit -benchtime 5x -benchmem ./sinks/s3/
func BenchmarkWriteCommit(b *testing.B) {
	e := newEnv(b)
	cfg := e.config()
	cfg.PartSize, cfg.Concurrency = s3sink.MinPartSize, 4
	seedRun := newRun(date1, schemas.Goals)
	rec := bigRecords(e.mem, seedRun, 2000, 4096, 1)
	defer rec.Release()
	b.SetBytes(parquetfile.RecordBytes(rec))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		run := newRun(date1, schemas.Goals)
		s, err := s3sink.New(context.Background(), cfg, run, s3sink.WithCredentials(e.srv.Credentials()),
			s3sink.WithAllocator(e.mem),
			s3sink.WithParquetOptions(parquetfile.WithCompression(parquetfile.None)))
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
