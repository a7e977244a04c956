// Command wbbench is the Go harness of wbexport's benchmarks (docs/benchmarks.md). bench/run.sh
// calls its subcommands for the pacing, extraction, CPU-path and instruction-count sections
// (memory, dlt and the soak run `wbexport` itself); pipeline is for finding where memory goes:
//
//	wbbench extract  -goals 5000 -latency 20ms -jitter 10ms -conc 1,4,16,32 [-rate-limit R]
//	    extraction against the API floor: (requests ÷ C) × mean latency
//	wbbench regimes  [-only NAME] [-limit-goals 800] [-trickle-goals 1000]
//	    an export through each throttling regime against its floor, and the recovery after it
//	wbbench requests -goals 500[,N...] [-listings goal,team,auto] [-digest=false]
//	    the requests of a full export by each key-result strategy, and that the rows are the same
//	wbbench record   -goals N -dir DIR
//	    pre-record the emulator's GET /goal pages and GET /metric?goal_id= bodies (JSON lines)
//	wbbench cpu      -dir DIR -out OUT
//	    JSON pages → Arrow → Parquet (zstd) with no network: rows/s, CPU time, peak RSS
//	wbbench pipeline -api-url URL -out DIR -heapprofile FILE   (token in WORKBOARD_TOKEN)
//	    `wbexport run`'s pipeline with a heap profile taken at the largest in-use heap
//
// Results are printed as one JSON object per line on stdout (plus a human summary on stderr),
// so bench/run.sh can collect them. wbbench never asserts a time: it measures and reports.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "extract":
		err = runExtract(os.Args[2:])
	case "regimes":
		err = runRegimes(os.Args[2:])
	case "requests":
		err = runRequests(os.Args[2:])
	case "record":
		err = runRecord(os.Args[2:])
	case "cpu":
		err = runCPU(os.Args[2:])
	case "pipeline":
		err = runPipeline(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "wbbench:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: wbbench extract|regimes|requests|record|cpu|pipeline [flags] (see -h of each)")
	os.Exit(2)
}

// result is one measurement, printed as a JSON line.
type result map[string]any

// out receives the result lines (tests replace it).
var out io.Writer = os.Stdout

func emit(r result) {
	r["go"] = runtime.Version()
	r["gomaxprocs"] = runtime.GOMAXPROCS(0)
	r["load1"] = load1()
	r["at"] = time.Now().UTC().Format(time.RFC3339)
	js, _ := json.Marshal(r)
	fmt.Fprintln(out, string(js))
}

// load1 is the 1-minute load average (the machine is shared; every number carries it).
func load1() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return "?"
	}
	return f[0]
}

// usage of this process so far: user+system CPU and peak RSS.
type rusage struct {
	CPU     time.Duration
	MaxRSSB int64
}

func getRusage() rusage {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	return rusage{CPU: cpu, MaxRSSB: ru.Maxrss * 1024}
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		var n int
		if _, err := fmt.Sscanf(f, "%d", &n); err != nil || n <= 0 {
			return nil, fmt.Errorf("bad number %q in %q", f, s)
		}
		out = append(out, n)
	}
	return out, nil
}

// startCPUProfile starts a CPU profile into path (none when path is empty) and returns the
// function that stops it.
func startCPUProfile(path string) (func(), error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
