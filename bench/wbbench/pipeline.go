package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/wbexport/wbexport/extract"
	"github.com/wbexport/wbexport/internal/pipeline"
	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/sinks"
	"github.com/wbexport/wbexport/sinks/local"
	"github.com/wbexport/wbexport/transform"
	"github.com/wbexport/wbexport/workboard"
)

// runPipeline runs the same export as `wbexport run` (extract client → pipeline.Run → local
// Parquet sink) against an API URL (an emulator in another process), sampling the heap every
// 100 ms and writing a heap profile each time the in-use heap reaches a new maximum: the
// profile left at the end shows what holds memory at the peak. The token is read from
// WORKBOARD_TOKEN.
func runPipeline(args []string) error {
	fs := flag.NewFlagSet("pipeline", flag.ExitOnError)
	api := fs.String("api-url", "", "API root, e.g. http://127.0.0.1:PORT/wb/apis (required)")
	out := fs.String("out", "", "local sink directory (required)")
	conc := fs.Int("conc", 16, "client concurrency")
	heapProfile := fs.String("heapprofile", "", "write the heap profile at the largest in-use heap to this file")
	_ = fs.Parse(args)
	tok := os.Getenv("WORKBOARD_TOKEN")
	if *api == "" || *out == "" || tok == "" {
		return errors.New("pipeline: -api-url, -out and WORKBOARD_TOKEN are required")
	}
	ctx := context.Background()
	wc, err := workboard.New(tok, workboard.WithBaseURL(*api), workboard.WithConcurrency(*conc), workboard.WithRate(100000))
	if err != nil {
		return err
	}
	c, err := extract.New(wc)
	if err != nil {
		return err
	}
	run := sinks.RunInfo{RunID: transform.RunID(), SnapshotDate: time.Now().UTC().Truncate(24 * time.Hour), Tables: schemas.DataTables(), Version: "bench"}
	sink, err := local.New(ctx, *out, run)
	if err != nil {
		return err
	}
	defer sink.Close()

	var mu sync.Mutex
	var peak uint64
	var peakAt time.Duration
	start := time.Now()
	sample := func() {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		mu.Lock()
		defer mu.Unlock()
		if ms.HeapInuse <= peak {
			return
		}
		peak, peakAt = ms.HeapInuse, time.Since(start)
		if *heapProfile != "" {
			if f, err := os.Create(*heapProfile); err == nil {
				_ = pprof.Lookup("heap").WriteTo(f, 0)
				f.Close()
			}
		}
	}
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				sample()
			}
		}
	}()
	sum, err := pipeline.Run(ctx, pipeline.Config{Extractor: c, Plan: extract.FullPlan(), Sink: sink, Run: run,
		SinkName: "file://" + *out, APIBase: c.Client().BaseURL(), Alloc: memory.NewGoAllocator()})
	close(done)
	if err != nil {
		return err
	}
	wall := time.Since(start)
	ru := getRusage()
	var rows int64
	for _, t := range sum.Tables {
		rows += t.Rows
	}
	fmt.Fprintf(os.Stderr, "pipeline: %d rows in %.1fs, peak heap in use %.0f MiB at %.1fs, peak RSS %.0f MiB\n",
		rows, wall.Seconds(), mib(int64(peak)), peakAt.Seconds(), mib(ru.MaxRSSB))
	emit(result{"bench": "pipeline", "rows": rows, "wall_s": wall.Seconds(), "peak_heap_inuse_mib": mib(int64(peak)),
		"peak_at_s": peakAt.Seconds(), "peak_rss_mib": mib(ru.MaxRSSB), "cpu_s": ru.CPU.Seconds()})
	return nil
}
