package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/wbexport/wbexport/extract"
	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/sinks/parquetfile"
	"github.com/wbexport/wbexport/transform"
	"github.com/wbexport/wbexport/workboard"
	"github.com/wbexport/wbexport/workboard/decode"
)

// cpuTables are the tables compared with DuckDB (bench/duckdb_json.py writes the same three).
var cpuTables = []schemas.TableID{schemas.Goals, schemas.KeyResults, schemas.KeyResultCheckins}

// runCPU decodes the recorded pages, builds Arrow batches and writes zstd Parquet files (one
// writer per table, like a sink) with no network, and reports rows/s, CPU time and peak RSS.
// Like the exporter, it decodes pages on -decoders goroutines (the exporter decodes each body
// on the worker that fetched it) and hands them to one goroutine that transforms and writes
// (the exporter's queue consumer); -decoders 1 runs everything on one goroutine.
func runCPU(args []string) error {
	fs := flag.NewFlagSet("cpu", flag.ExitOnError)
	dir := fs.String("dir", "", "directory holding goals.jsonl and metrics.jsonl (wbbench record)")
	out := fs.String("out", "", "output directory for Parquet files (emptied first; required)")
	defaultTables := make([]string, len(cpuTables))
	for i, id := range cpuTables {
		defaultTables[i] = string(id)
	}
	tables := fs.String("tables", strings.Join(defaultTables, ","), "tables to write, comma list, or all")
	repeat := fs.Int("repeat", 1, "read the recording this many times (ids repeat; nothing is de-duplicated)")
	rowGroup := fs.Int64("row-group-bytes", parquetfile.DefaultRowGroupBytes, "Parquet row group size (Arrow bytes), parquetfile.WithRowGroupBytes")
	decoders := fs.Int("decoders", runtime.GOMAXPROCS(0), "goroutines decoding pages (1: decode, transform and write on one goroutine)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile to this file")
	_ = fs.Parse(args)
	stop, err := startCPUProfile(*cpuProfile)
	if err != nil {
		return err
	}
	defer stop()
	if *dir == "" || *out == "" {
		return errors.New("cpu: -dir and -out are required")
	}
	var ids []schemas.TableID
	plan := extract.FullPlan()
	if *tables != "all" {
		for _, n := range strings.Split(*tables, ",") {
			ids = append(ids, schemas.TableID(n))
		}
		if plan, err = extract.PlanFor(ids...); err != nil {
			return fmt.Errorf("cpu: -tables: %w", err)
		}
	}
	if err := os.RemoveAll(*out); err != nil {
		return err
	}
	alloc := memory.NewGoAllocator()
	writers := map[schemas.TableID]*parquetfile.Writer{}
	writerFor := func(table schemas.TableID) (*parquetfile.Writer, error) {
		if w := writers[table]; w != nil {
			return w, nil
		}
		tbl, ok := schemas.Lookup(table)
		if !ok {
			return nil, fmt.Errorf("cpu: unknown table %q", table)
		}
		tdir := filepath.Join(*out, string(table))
		if err := os.MkdirAll(tdir, 0o755); err != nil {
			return nil, err
		}
		w, err := parquetfile.NewWriter(tbl, func(name string) (io.WriteCloser, error) {
			return os.Create(filepath.Join(tdir, name))
		}, parquetfile.WithAllocator(alloc), parquetfile.WithCompression(parquetfile.Zstd),
			parquetfile.WithRowGroupBytes(*rowGroup))
		if err != nil {
			return nil, err
		}
		writers[table] = w
		return w, nil
	}
	ctx := context.Background()
	day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var opts []transform.Option
	if ids != nil {
		opts = append(opts, transform.WithTables(ids...))
	}
	tr, err := transform.New(alloc, transform.Lineage{RunID: transform.RunID(), SnapshotDate: day},
		func(_ context.Context, table schemas.TableID, rec arrow.RecordBatch) error {
			w, err := writerFor(table)
			if err != nil {
				return err
			}
			return w.Write(rec)
		}, opts...)
	if err != nil {
		return err
	}
	defer tr.Release()

	before := getRusage()
	start := time.Now()
	var inBytes int64
	var pages int
	meta := workboard.Meta{ExtractedAt: time.Now().UTC()}
	for r := 0; r < *repeat; r++ {
		for _, f := range []struct {
			name   string
			decode func([]byte) (*decode.Page, error)
		}{{goalsFile, decode.Goals}, {metricsFile, func(b []byte) (*decode.Page, error) {
			return decode.Metrics(b, plan.History()) // as the exporter decodes for its plan
		}}} {
			n, size, err := decodeLines(filepath.Join(*dir, f.name), *decoders, f.decode, func(p *decode.Page) error {
				stamp(&p.Batch, meta)
				return tr.Add(ctx, &p.Batch)
			})
			if err != nil {
				return fmt.Errorf("cpu: %s line %d: %w", f.name, n+1, err)
			}
			pages += n
			inBytes += size
		}
	}
	if err := tr.Flush(ctx); err != nil {
		return err
	}
	var outBytes int64
	for _, w := range writers {
		files, err := w.Close()
		if err != nil {
			return err
		}
		for _, fi := range files {
			outBytes += fi.Bytes
		}
	}
	wall := time.Since(start)
	after := getRusage()
	rows := tr.Rows()
	var total int64
	var keys []string
	for k, v := range rows {
		total += v
		keys = append(keys, string(k))
	}
	sort.Strings(keys)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Fprintf(os.Stderr, "cpu: %d pages, %.1f MiB JSON → %d rows (%s) → %.1f MiB Parquet in %.2fs (CPU %.2fs): %.0f rows/s, %.1f MiB/s JSON, peak RSS %.0f MiB\n",
		pages, mib(inBytes), total, strings.Join(keys, ","), mib(outBytes), wall.Seconds(), (after.CPU - before.CPU).Seconds(),
		float64(total)/wall.Seconds(), mib(inBytes)/wall.Seconds(), mib(after.MaxRSSB))
	emit(result{"bench": "cpu", "engine": "wbexport", "tables": keys, "rows_by_table": rows, "rows": total, "pages": pages,
		"json_bytes": inBytes, "parquet_bytes": outBytes, "wall_s": wall.Seconds(), "cpu_s": (after.CPU - before.CPU).Seconds(),
		"rows_per_s": float64(total) / wall.Seconds(), "json_mib_per_s": mib(inBytes) / wall.Seconds(),
		"peak_rss_mib": mib(after.MaxRSSB), "gc_cycles": ms.NumGC, "repeat": *repeat, "row_group_bytes": *rowGroup,
		"decoders": *decoders})
	return nil
}

// stamp sets what the client's accept step sets on every record: its Meta.
func stamp(b *workboard.Batch, m workboard.Meta) {
	for i := range b.Goals {
		b.Goals[i].Meta = m
	}
	for i := range b.GoalComments {
		b.GoalComments[i].Meta = m
	}
	for i := range b.KeyResults {
		b.KeyResults[i].Meta = m
	}
	for i := range b.Checkins {
		b.Checkins[i].Meta = m
	}
	for i := range b.Confidence {
		b.Confidence[i].Meta = m
	}
	for i := range b.KRComments {
		b.KRComments[i].Meta = m
	}
}

// eachLine calls fn with every line of a JSON lines file (the slice is reused).
func eachLine(path string, fn func([]byte) error) (int, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 4<<20)
	var buf []byte
	n, size := 0, int64(0)
	for {
		line, err := r.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			buf = append(buf[:0], line...)
			for errors.Is(err, bufio.ErrBufferFull) {
				line, err = r.ReadSlice('\n')
				buf = append(buf, line...)
			}
			line = buf
		}
		if len(line) > 0 && line[len(line)-1] == '\n' {
			line = line[:len(line)-1]
		}
		if len(line) > 0 {
			size += int64(len(line)) + 1
			if ferr := fn(line); ferr != nil {
				return n, size, ferr
			}
			n++
		}
		if err == io.EOF {
			return n, size, nil
		}
		if err != nil {
			return n, size, err
		}
	}
}

// decodeLines decodes every line of a JSON lines file with decode and calls use with each page,
// on one goroutine. With workers > 1, lines are decoded on that many goroutines (use still
// runs on one goroutine, in whatever order pages finish, as in the exporter); it returns the
// lines read, their bytes, and the first error.
func decodeLines(path string, workers int, dec func([]byte) (*decode.Page, error), use func(*decode.Page) error) (int, int64, error) {
	if workers <= 1 {
		return eachLine(path, func(line []byte) error {
			p, err := dec(line)
			if err != nil {
				return err
			}
			return use(p)
		})
	}
	type job struct {
		n    int
		line []byte
	}
	type done struct {
		n   int
		p   *decode.Page
		err error
	}
	jobs := make(chan job, 4*workers)
	pages := make(chan done, 4*workers)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				p, err := dec(j.line)
				select {
				case pages <- done{j.n, p, err}:
				case <-stop:
					return
				}
			}
		}()
	}
	var n, sent int
	var size int64
	var readErr error
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		defer close(jobs)
		n, size, readErr = eachLine(path, func(line []byte) error {
			sent++
			select {
			case jobs <- job{sent - 1, append([]byte(nil), line...)}: // eachLine reuses line
				return nil
			case <-stop:
				return errStopped
			}
		})
	}()
	go func() { wg.Wait(); close(pages) }()
	var first error
	failedAt := -1
	for d := range pages {
		if first != nil {
			continue
		}
		if d.err != nil {
			first, failedAt = d.err, d.n
		} else if err := use(d.p); err != nil {
			first = err
		}
		if first != nil {
			close(stop)
		}
	}
	<-readDone
	if first != nil {
		if failedAt >= 0 {
			n = failedAt // the caller names the line
		}
		return n, size, first
	}
	if readErr != nil && !errors.Is(readErr, errStopped) {
		return n, size, readErr
	}
	return n, size, nil
}

var errStopped = errors.New("stopped")
