package parquetfile_test

import (
	"io"
	"runtime"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/sinks/parquetfile"
	"github.com/wbexport/wbexport/sinks/sinktest"
)

// TestMemoryBounded writes far more data than one row group and asserts that the live heap
// (measured after a GC every ten batches) stays bounded (the writer never holds the table),
// and, through a checked allocator, that no Arrow memory is left after Close. Row groups of 256 KiB, files of 1 MiB (so footers stay small),
// ~50 MiB of Arrow data, a bound of 12 MiB (measured: ~7-10 MiB, mostly codec state).
//
// With encode-ahead the GC often runs while the encoder goroutine is compressing, so the
// sample then includes the zstd encoder's working state (window and match tables), which a
// synchronous Writer also uses while it encodes but has returned to arrow-go's encoder pool
// by the time Write returns and the test samples. Async modes get 16 MiB more for it (measured:
// async 9-23 MiB with zstd; with no compression 4-5 MiB in every mode). The batches queued
// for the encoder are the test's own, shared, so they add nothing here.
func TestMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("writes ~50 MiB")
	}
	// The default and synchronous modes only: a deeper queue changes nothing here (the
	// batches are shared), and the test is slow under -race (~50 s per mode).
	for _, md := range modes[:2] {
		t.Run(md.name, func(t *testing.T) { testMemoryBounded(t, md) })
	}
}

func testMemoryBounded(t *testing.T, md mode) {
	tbl, _ := schemas.Lookup(schemas.Users)
	wmem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer wmem.AssertSize(t, 0)
	const rowGroup = 256 << 10
	d := &discard{}
	w, err := md.newWriter(tbl, func(string) (io.WriteCloser, error) { return d, nil },
		parquetfile.WithAllocator(wmem), parquetfile.WithRowGroupBytes(rowGroup), parquetfile.WithSliceRows(256),
		parquetfile.WithFileBytes(1<<20))
	if err != nil {
		t.Fatal(err)
	}
	var total, peak int64
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := int64(ms.HeapAlloc)
	recs := make([]arrow.RecordBatch, 4)
	for i := range recs {
		recs[i] = sinktest.SampleRecords(memory.DefaultAllocator, tbl, 1000, int64(i))
		defer recs[i].Release()
	}
	for i := 0; i < 100; i++ {
		rec := recs[i%len(recs)]
		total += parquetfile.RecordBytes(rec)
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
		if i%10 == 9 {
			// Live heap after a GC: what the writer keeps between batches (the test's own
			// data is released by now).
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			peak = max(peak, int64(ms.HeapAlloc)-base)
		}
	}
	if _, err := w.Close(); err != nil {
		t.Fatal(err)
	}
	const syncBound = 12 << 20
	bound := int64(syncBound)
	if md.async() {
		bound += 16 << 20 // the zstd encoder's state, live while the goroutine compresses
	}
	t.Logf("wrote %d Arrow bytes, %d file bytes; peak live heap growth %d bytes", total, d.n, peak)
	if total < 4*syncBound {
		t.Fatalf("test wrote only %d bytes, not enough to show a bound of %d", total, syncBound)
	}
	if peak > bound {
		t.Errorf("peak live heap growth %d bytes exceeds %d (row groups of %d bytes)", peak, bound, rowGroup)
	}
}
