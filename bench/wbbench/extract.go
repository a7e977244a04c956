package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	"github.com/wbexport/wbexport/extract"
	"github.com/wbexport/wbexport/internal/pipeline"
	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/sinks"
	"github.com/wbexport/wbexport/sinks/local"
	"github.com/wbexport/wbexport/transform"
	"github.com/wbexport/wbexport/workboard"
	"github.com/wbexport/wbexport/workboard/wbtest"
)

// orgConfig is the benchmark org for n goals: users and teams scale like `wbexport demo`
// (goals/5 users, goals/25 teams), 3 key results per goal, 10 check-in slots per key result.
func orgConfig(goals int, seed int64) wbtest.OrgConfig {
	return wbtest.OrgConfig{Seed: seed, Goals: goals, Users: max(50, goals/5), Teams: max(8, goals/25),
		KRsPerGoal: 3, CheckinsPerKR: 10}
}

// runExtract measures wall time of a full extract.Exporter.Export against the emulator (over
// loopback TCP) with injected latency, and compares it with the API floor
// (requests ÷ C) × mean latency. Records are counted and dropped (emit does no work), so the
// number is the client's pacing and decoding, not the transform or the sink.
func runExtract(args []string) error {
	fs := flag.NewFlagSet("extract", flag.ExitOnError)
	goals := fs.Int("goals", 5000, "goals in the org (3 key results and ~30 check-ins each)")
	seed := fs.Int64("seed", 1, "org seed")
	latency := fs.Duration("latency", 20*time.Millisecond, "fixed latency per API response")
	jitter := fs.Duration("jitter", 10*time.Millisecond, "uniform random extra latency [0, jitter)")
	concs := fs.String("conc", "1,4,16,32", "client concurrencies to run, comma list")
	rateLimit := fs.Float64("rate-limit", 0, "server-side rate limit in requests/s (0: none); beyond it 429 + Retry-After")
	clientRate := fs.Float64("client-rate", 100000, "client-side rate limit (--rate), set high so it is not the bottleneck")
	pageSize := fs.Int("page-size", extract.DefaultPageSize, "page size of paged listings")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the runs to this file")
	full := fs.Bool("full", false, "run the whole export (pipeline.Run: transform and a local Parquet sink in a temporary directory, as `wbexport run` does) instead of counting rows")
	queue := fs.Int("queue", 0, "with -full: pipeline.Config.QueueBatches (0: default; -1: no queue)")
	_ = fs.Parse(args)
	stop, err := startCPUProfile(*cpuProfile)
	if err != nil {
		return err
	}
	defer stop()
	cs, err := parseInts(*concs)
	if err != nil {
		return err
	}
	t0 := time.Now()
	org := wbtest.Generate(orgConfig(*goals, *seed))
	krs, cis, _, _ := org.Counts()
	fmt.Fprintf(os.Stderr, "org: %d goals, %d key results, %d check-ins (generated in %s)\n", len(org.Goals), krs, cis, time.Since(t0).Round(time.Millisecond))
	meanLat := *latency + *jitter/2
	for _, c := range cs {
		opts := []wbtest.Option{wbtest.WithLatency(*latency, *jitter)}
		if *rateLimit > 0 {
			opts = append(opts, wbtest.WithRateLimit(*rateLimit))
		}
		srv := wbtest.NewServer(org, opts...)
		live, err := wbtest.Listen("127.0.0.1:0", srv)
		if err != nil {
			return err
		}
		rt := &timingTransport{next: &http.Transport{MaxIdleConnsPerHost: c + 2}}
		wc, err := workboard.New(srv.Credentials().AdminToken, workboard.WithBaseURL(live.BaseURL),
			workboard.WithHTTPClient(&http.Client{Transport: rt}), workboard.WithConcurrency(c), workboard.WithRate(*clientRate))
		if err != nil {
			return err
		}
		cl, err := extract.New(wc, extract.WithPageSize(*pageSize))
		if err != nil {
			return err
		}
		var rows int64
		before := getRusage()
		start := time.Now()
		var rep *extract.Report
		if *full {
			rep, rows, err = fullRun(cl, *queue)
		} else {
			rep, err = cl.Export(context.Background(), extract.FullPlan(), func(_ context.Context, b *workboard.Batch) error {
				rows += int64(b.Len())
				return nil
			})
		}
		wall := time.Since(start)
		after := getRusage()
		st := srv.Stats()
		_ = live.Shutdown(context.Background())
		if err != nil {
			return fmt.Errorf("concurrency %d: %w", c, err)
		}
		ok := st.Requests - st.RateLimited // answered with data (no faults are injected)
		floor := time.Duration(float64(ok) / float64(c) * float64(meanLat))
		bench := "extract"
		if *full {
			bench = "extract-full"
			if *queue != 0 {
				bench = fmt.Sprintf("extract-full-queue%d", *queue)
			}
		}
		r := result{"bench": bench, "goals": *goals, "concurrency": c, "latency_ms": ms(*latency), "jitter_ms": ms(*jitter),
			"mean_latency_ms": ms(meanLat), "requests": ok, "client_requests": rep.Requests, "http_429": st.RateLimited,
			"rows": rows, "wall_s": wall.Seconds(), "floor_s": floor.Seconds(), "wall_over_floor": wall.Seconds() / floor.Seconds(),
			"cpu_s": (after.CPU - before.CPU).Seconds(), "throttle_wait_ms": rep.ThrottleWaitMS, "bytes": rep.BytesReceived}
		// the floor again, from the round trips the client actually saw (injected latency plus
		// the emulator's and the loaded machine's own delays): wall over it is the pacer's own cost
		rtt := rt.mean()
		seen := time.Duration(float64(rt.n.Load()) / float64(c) * float64(rtt))
		r["observed_rtt_ms"] = ms(rtt)
		r["observed_floor_s"] = seen.Seconds()
		r["wall_over_observed_floor"] = wall.Seconds() / seen.Seconds()
		line := fmt.Sprintf("%s C=%-3d requests=%d wall=%.2fs floor=%.2fs wall/floor=%.3f (observed rtt %.1fms: wall/observed floor=%.3f) cpu=%.2fs",
			bench, c, ok, wall.Seconds(), floor.Seconds(), wall.Seconds()/floor.Seconds(), ms(rtt), wall.Seconds()/seen.Seconds(), (after.CPU - before.CPU).Seconds())
		if *rateLimit > 0 {
			// with a server limit the floor is the allowed rate: ok requests at rateLimit/s
			// (the server's bucket starts full, so the first `burst` requests are free)
			burst := max(1, int(*rateLimit))
			rlFloor := float64(max(0, int(ok)-burst)) / *rateLimit
			r["rate_limit"] = *rateLimit
			r["throughput_rps"] = float64(ok) / wall.Seconds()
			r["throughput_over_limit"] = float64(ok) / wall.Seconds() / *rateLimit
			r["rate_floor_s"] = rlFloor
			r["retries_429"] = rep.Retries["429"]
			line += fmt.Sprintf(" | limit=%.0f/s throughput=%.1f/s (%.1f%%) 429s=%d", *rateLimit, float64(ok)/wall.Seconds(),
				100*float64(ok)/wall.Seconds() / *rateLimit, st.RateLimited)
		}
		fmt.Fprintln(os.Stderr, line)
		emit(r)
	}
	return nil
}

// timingTransport measures each round trip from sending the request to reading the whole body.
type timingTransport struct {
	next  http.RoundTripper
	n, ns atomic.Int64
}

func (t *timingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	t.n.Add(1)
	t.ns.Add(int64(time.Since(start)))
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, err
}

func (t *timingTransport) mean() time.Duration {
	if n := t.n.Load(); n > 0 {
		return time.Duration(t.ns.Load() / n)
	}
	return 0
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// fullRun runs what `wbexport run` runs (pipeline.Run: extract → transform → local Parquet
// sink → publish) into a temporary directory it removes afterwards, and returns the rows
// written.
func fullRun(cl *extract.Exporter, queue int) (*extract.Report, int64, error) {
	dir, err := os.MkdirTemp("", "wbbench-full-")
	if err != nil {
		return nil, 0, err
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	run := sinks.RunInfo{RunID: transform.RunID(), SnapshotDate: time.Now().UTC().Truncate(24 * time.Hour), Tables: schemas.DataTables(), Version: "bench"}
	sink, err := local.New(ctx, dir, run)
	if err != nil {
		return nil, 0, err
	}
	defer sink.Close()
	sum, err := pipeline.Run(ctx, pipeline.Config{Extractor: cl, Plan: extract.FullPlan(), Sink: sink, Run: run,
		SinkName: "file://" + dir, APIBase: cl.Client().BaseURL(), QueueBatches: queue})
	var rows int64
	for _, t := range sum.Tables {
		rows += t.Rows
	}
	return sum.API, rows, err
}
