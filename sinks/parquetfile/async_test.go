package parquetfile_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/sinks/parquetfile"
	"github.com/wbexport/wbexport/sinks/sinktest"
)

// sampleBatches returns sample batches of tbl with the given row counts (seeds 1, 2, ...).
func sampleBatches(mem memory.Allocator, tbl *schemas.Table, sizes ...int) []arrow.RecordBatch {
	recs := make([]arrow.RecordBatch, len(sizes))
	for i, n := range sizes {
		recs[i] = sinktest.SampleRecords(mem, tbl, n, int64(i+1))
	}
	return recs
}

func releaseAll(recs []arrow.RecordBatch) {
	for _, r := range recs {
		r.Release()
	}
}

// TestEncodeAheadSameBytes writes the same batches synchronously and with encode-ahead and
// checks that every mode produces the same files, byte for byte (FileInfo hashes and the
// bytes themselves), including row-group cuts and file rotation. Distinct batches (different
// seeds) in a fixed order make any reordering change the bytes.
func TestEncodeAheadSameBytes(t *testing.T) {
	for _, tc := range []struct {
		name     string
		table    schemas.TableID
		sizes    []int
		opts     []parquetfile.Option
		minFiles int // at least this many files (rotation)
		minRGs   int // at least this many row groups in the first file
	}{
		{name: "one-file", table: schemas.Goals, sizes: []int{50, 1, 0, 300, 7}, minFiles: 1, minRGs: 1},
		{name: "row-groups-and-rotation", table: schemas.Users, sizes: []int{500, 500, 37, 500, 500},
			opts: []parquetfile.Option{parquetfile.WithRowGroupBytes(8 << 10), parquetfile.WithFileBytes(20 << 10),
				parquetfile.WithSliceRows(50), parquetfile.WithCompression(parquetfile.None)},
			minFiles: 3, minRGs: 2},
		{name: "zstd-rotation", table: schemas.KeyResultCheckins, sizes: []int{2000, 3, 2000, 1000},
			opts:     []parquetfile.Option{parquetfile.WithRowGroupBytes(32 << 10), parquetfile.WithFileBytes(24 << 10), parquetfile.WithSliceRows(300)},
			minFiles: 2, minRGs: 2},
		{name: "snappy-no-rows", table: schemas.Teams, opts: []parquetfile.Option{parquetfile.WithCompression(parquetfile.Snappy)}, minFiles: 1, minRGs: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			tbl, _ := schemas.Lookup(tc.table)
			recs := sampleBatches(mem, tbl, tc.sizes...)
			defer releaseAll(recs)
			var ref []parquetfile.FileInfo
			var refFiles *memFiles
			for _, md := range modes {
				m := &memFiles{}
				w, err := md.newWriter(tbl, m.create, append([]parquetfile.Option{parquetfile.WithAllocator(mem),
					parquetfile.WithRunID("run-same-bytes")}, tc.opts...)...)
				if err != nil {
					t.Fatal(err)
				}
				for i, r := range recs {
					if err := w.Write(r); err != nil {
						t.Fatalf("%s: Write %d: %v", md.name, i, err)
					}
				}
				infos, err := w.Close()
				if err != nil {
					t.Fatalf("%s: Close: %v", md.name, err)
				}
				readAll(t, m, infos) // FileInfo matches the bytes; files readable
				if ref == nil {
					ref, refFiles = infos, m
					if len(infos) < tc.minFiles {
						t.Fatalf("%s: %d files, want at least %d", md.name, len(infos), tc.minFiles)
					}
					f := m.open(t, infos[0].Name)
					if len(f.RowGroups()) < tc.minRGs {
						t.Fatalf("%s: %d row groups in %s, want at least %d", md.name, len(f.RowGroups()), infos[0].Name, tc.minRGs)
					}
					continue
				}
				if fmt.Sprint(infos) != fmt.Sprint(ref) {
					t.Fatalf("%s wrote %+v,\n%s wrote %+v", md.name, infos, modes[0].name, ref)
				}
				for _, fi := range infos {
					if !bytes.Equal(m.files[fi.Name].Bytes(), refFiles.files[fi.Name].Bytes()) {
						t.Errorf("%s: %s differs from %s mode's", md.name, fi.Name, modes[0].name)
					}
				}
			}
		})
	}
}

// TestDestinationErrorMidFile makes a destination fail while the Writer streams into it and
// checks, in every mode, that the error surfaces from a Write or from Close, names the table,
// the file and the cause, is returned again by later calls, that the file is abandoned
// (Abort, not Close), that no Arrow memory leaks and that the encoder goroutine has exited.
func TestDestinationErrorMidFile(t *testing.T) { forModes(t, testDestinationErrorMidFile) }

func testDestinationErrorMidFile(t *testing.T, md mode) {
	tbl, _ := schemas.Lookup(schemas.Users)
	opts := []parquetfile.Option{parquetfile.WithRowGroupBytes(8 << 10), parquetfile.WithFileBytes(20 << 10),
		parquetfile.WithSliceRows(50), parquetfile.WithCompression(parquetfile.None)}
	for _, tc := range []struct {
		name    string
		batches int // of rows rows
		rows    int
		file    string // the file whose destination fails
		limit   int    // bytes it accepts
		inClose bool   // the error can only surface from Close (else from Write when synchronous)
	}{
		{"first-byte", 6, 200, "part-00000.parquet", 0, false},
		{"mid-first-file", 6, 200, "part-00000.parquet", 10 << 10, false},
		{"mid-second-file", 6, 200, "part-00001.parquet", 5 << 10, false},
		{"late-in-third-file", 6, 200, "part-00002.parquet", 15 << 10, false},
		{"at-close", 1, 3, "part-00000.parquet", 4, true}, // magic only; the row group is flushed by Close
	} {
		t.Run(tc.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			m := &memFiles{limit: map[string]int{tc.file: tc.limit}}
			w, err := md.newWriter(tbl, m.create, append([]parquetfile.Option{parquetfile.WithAllocator(mem)}, opts...)...)
			if err != nil {
				t.Fatal(err)
			}
			var first error
			for i := 0; i < tc.batches && first == nil; i++ {
				rec := sinktest.SampleRecords(mem, tbl, tc.rows, int64(i+1))
				first = w.Write(rec)
				rec.Release()
			}
			fromWrite := first != nil
			if first == nil {
				_, first = w.Close()
			}
			if first == nil {
				t.Fatalf("no error from Write or Close; files %v", m.order)
			}
			for _, want := range []string{"table " + string(tbl.Name), tc.file, errDiskFull.Error()} {
				if !strings.Contains(first.Error(), want) {
					t.Errorf("error %q does not name %q", first, want)
				}
			}
			if (tc.inClose && fromWrite) || (!tc.inClose && !md.async() && !fromWrite) {
				t.Errorf("error from Write = %t, want %t (or either with encode-ahead): %v", fromWrite, !tc.inClose, first)
			}
			if !errors.Is(first, errDiskFull) {
				t.Errorf("error %q does not wrap the destination's error", first)
			}
			rec := sinktest.SampleRecords(mem, tbl, 1, 99)
			if err := w.Write(rec); err == nil || (fromWrite && err.Error() != first.Error()) {
				t.Errorf("Write after the error = %v, want %v", err, first)
			}
			rec.Release()
			if _, err := w.Close(); err == nil || err.Error() != first.Error() {
				t.Errorf("Close after the error = %v, want the first error %v", err, first)
			}
			if f := m.files[tc.file]; f == nil || !f.aborted || f.closed {
				t.Errorf("failed file %s not abandoned: %+v", tc.file, f)
			}
			if _, exited := parquetfile.EncoderState(w); md.async() && !exited {
				t.Error("encoder goroutine still running after Close")
			}
		})
	}
}

// gateFiles is a FileFactory whose files' first Write blocks: it signals entered and waits
// until release is closed.
type gateFiles struct {
	memFiles
	entered chan struct{}
	release chan struct{}
	once    sync.Once
}

type gateFile struct {
	*memFile
	g *gateFiles
}

func (f *gateFile) Write(p []byte) (int, error) {
	f.g.once.Do(func() {
		close(f.g.entered)
		<-f.g.release
	})
	return f.memFile.Write(p)
}

func (g *gateFiles) create(name string) (io.WriteCloser, error) {
	f, err := g.memFiles.create(name)
	if err != nil {
		return nil, err
	}
	return &gateFile{memFile: f.(*memFile), g: g}, nil
}

// TestAbortWithQueuedBatches blocks the encoder inside the destination, fills the queue and
// aborts: every queued batch is released (checked allocator), the goroutine exits and the file
// is abandoned.
func TestAbortWithQueuedBatches(t *testing.T) {
	tbl, _ := schemas.Lookup(schemas.Users)
	for _, ahead := range []int{1, 3} {
		t.Run(fmt.Sprintf("ahead%d", ahead), func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			g := &gateFiles{entered: make(chan struct{}), release: make(chan struct{})}
			w, err := parquetfile.NewWriter(tbl, g.create, parquetfile.WithAllocator(mem),
				parquetfile.WithEncodeAhead(ahead), parquetfile.WithRowGroupBytes(4<<10), parquetfile.WithSliceRows(50))
			if err != nil {
				t.Fatal(err)
			}
			const rows = 200
			write := func(seed int64) {
				rec := sinktest.SampleRecords(mem, tbl, rows, seed)
				defer rec.Release()
				if err := w.Write(rec); err != nil {
					t.Fatal(err)
				}
			}
			write(1)
			<-g.entered // the encoder holds batch 1 and is blocked in the destination
			for i := 0; i < ahead; i++ {
				write(int64(i + 2))
			}
			if q := parquetfile.Queued(w); q != ahead {
				t.Fatalf("%d batches queued, want %d", q, ahead)
			}
			if got, want := w.Rows(), int64((ahead+1)*rows); got != want {
				t.Errorf("Rows() = %d, want %d (rows accepted by Write)", got, want)
			}
			aborted := make(chan struct{})
			go func() {
				w.Abort()
				close(aborted)
			}()
			for !parquetfile.AbortRequested(w) {
				runtime.Gosched()
			}
			close(g.release)
			<-aborted
			if started, exited := parquetfile.EncoderState(w); !started || !exited {
				t.Errorf("encoder started %t, exited %t after Abort", started, exited)
			}
			if f := g.files["part-00000.parquet"]; f == nil || !f.aborted || f.closed {
				t.Errorf("open file not aborted: %+v", f)
			}
			if len(g.order) != 1 {
				t.Errorf("files created after Abort: %v", g.order)
			}
			if _, err := w.Close(); err == nil || !strings.Contains(err.Error(), "aborted") {
				t.Errorf("Close after Abort = %v, want the abort error", err)
			}
			w.Abort() // still a no-op
		})
	}
}

// TestEncoderGoroutineLifecycle checks when the encoder goroutine runs: only with
// encode-ahead (the default), started by the first Write of a batch with rows, and exited
// once Close or Abort returns, whatever the ending.
func TestEncoderGoroutineLifecycle(t *testing.T) { forModes(t, testEncoderGoroutineLifecycle) }

func testEncoderGoroutineLifecycle(t *testing.T, md mode) {
	tbl, _ := schemas.Lookup(schemas.Goals)
	for _, tc := range []struct {
		name    string
		batches []int
		fail    bool // the destination fails
		end     func(w *parquetfile.Writer)
	}{
		{"close", []int{10, 20}, false, func(w *parquetfile.Writer) { w.Close() }},
		{"close-empty-batch-only", []int{0}, false, func(w *parquetfile.Writer) { w.Close() }},
		{"abort", []int{10, 20, 30}, false, func(w *parquetfile.Writer) { w.Abort() }},
		{"close-then-abort", []int{10}, false, func(w *parquetfile.Writer) { w.Close(); w.Abort() }},
		{"close-after-error", []int{10, 20}, true, func(w *parquetfile.Writer) { w.Close() }},
		{"abort-after-error", []int{10, 20}, true, func(w *parquetfile.Writer) { w.Abort() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			m := &memFiles{}
			if tc.fail {
				m.limit = map[string]int{"part-00000.parquet": 0}
			}
			w, err := md.newWriter(tbl, m.create, parquetfile.WithAllocator(mem))
			if err != nil {
				t.Fatal(err)
			}
			rows := 0
			for i, n := range tc.batches {
				rec := sinktest.SampleRecords(mem, tbl, n, int64(i+1))
				w.Write(rec) // a failure may show here or at the end
				rec.Release()
				rows += n
			}
			started, _ := parquetfile.EncoderState(w)
			if want := md.async() && rows > 0; started != want {
				t.Errorf("encoder goroutine started = %t, want %t", started, want)
			}
			tc.end(w)
			if started, exited := parquetfile.EncoderState(w); started && !exited {
				t.Error("encoder goroutine still running after the Writer ended")
			}
		})
	}
}

// TestObserversRaceFree calls Rows, Files and Table from another goroutine while batches are
// written (with rotation, so Files changes under the observer); run with -race. Rows never
// decreases and ends at the rows written; Files only grows and ends equal to Close's result.
func TestObserversRaceFree(t *testing.T) { forModes(t, testObserversRaceFree) }

func testObserversRaceFree(t *testing.T, md mode) {
	tbl, _ := schemas.Lookup(schemas.Users)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	m := &memFiles{}
	w, err := md.newWriter(tbl, m.create, parquetfile.WithAllocator(mem), parquetfile.WithRowGroupBytes(8<<10),
		parquetfile.WithFileBytes(16<<10), parquetfile.WithSliceRows(100), parquetfile.WithCompression(parquetfile.None))
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var problems []string
	wg.Go(func() {
		var lastRows int64
		lastFiles := 0
		for {
			select {
			case <-stop:
				return
			default:
			}
			r, f := w.Rows(), w.Files()
			if r < lastRows {
				problems = append(problems, fmt.Sprintf("Rows went from %d to %d", lastRows, r))
			}
			if len(f) < lastFiles {
				problems = append(problems, fmt.Sprintf("Files went from %d to %d", lastFiles, len(f)))
			}
			if w.Table() != tbl {
				problems = append(problems, "Table changed")
			}
			lastRows, lastFiles = r, len(f)
			runtime.Gosched()
		}
	})
	const batches, rows = 8, 300
	for i := range batches {
		rec := sinktest.SampleRecords(mem, tbl, rows, int64(i+1))
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
		rec.Release()
	}
	infos, err := w.Close()
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
	if w.Rows() != batches*rows {
		t.Errorf("Rows() = %d after Close, want %d", w.Rows(), batches*rows)
	}
	if fmt.Sprint(w.Files()) != fmt.Sprint(infos) || len(infos) < 2 {
		t.Errorf("Files() = %v, Close returned %v (want the same, rotated)", w.Files(), infos)
	}
}
