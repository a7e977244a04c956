package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/wbexport/wbexport/extract/wbtest"
)

// Recorded page files: one response body per line (JSON lines), in request order.
const (
	goalsFile   = "goals.jsonl"   // GET /goal?...&limit=100&offset=K, as the client asks for it
	metricsFile = "metrics.jsonl" // GET /metric?goal_id=G&include_metric_data=yes, one per goal
)

// runRecord serves a generated org from the emulator in-process and records the response
// bodies the exporter's client would fetch for goals and key results.
func runRecord(args []string) error {
	fs := flag.NewFlagSet("record", flag.ExitOnError)
	goals := fs.Int("goals", 200000, "goals in the org")
	krs := fs.Int("krs-per-goal", 3, "mean key results per goal")
	checkins := fs.Int("checkins", 10, "mean check-in slots per key result")
	seed := fs.Int64("seed", 1, "org seed")
	dir := fs.String("dir", "", "directory to write goals.jsonl and metrics.jsonl into (required)")
	_ = fs.Parse(args)
	if *dir == "" {
		return fmt.Errorf("record: -dir is required")
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return err
	}
	t0 := time.Now()
	cfg := orgConfig(*goals, *seed)
	cfg.KRsPerGoal, cfg.CheckinsPerKR = *krs, *checkins
	org := wbtest.Generate(cfg)
	nkr, nci, _, _ := org.Counts()
	fmt.Fprintf(os.Stderr, "org: %d goals, %d key results, %d check-ins (generated in %s)\n", len(org.Goals), nkr, nci, time.Since(t0).Round(time.Millisecond))
	srv := wbtest.NewServer(org, wbtest.WithDefaultGoalStatus("1,2"))
	tok := srv.Credentials().AdminToken
	get := func(path string) ([]byte, error) {
		req := httptest.NewRequest(http.MethodGet, wbtest.APIPrefix+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			return nil, fmt.Errorf("record: GET %s: HTTP %d: %s", path, rec.Code, rec.Body.String())
		}
		b := rec.Body.Bytes()
		if bytes.IndexByte(b, '\n') >= 0 { // keep one body per line
			var c bytes.Buffer
			if err := json.Compact(&c, b); err != nil {
				return nil, fmt.Errorf("record: GET %s: %w", path, err)
			}
			b = c.Bytes()
		}
		return b, nil
	}
	write := func(name string, paths func(yield func(string) bool)) (int, int64, error) {
		f, err := os.Create(filepath.Join(*dir, name))
		if err != nil {
			return 0, 0, err
		}
		w := bufio.NewWriterSize(f, 1<<20)
		n, size := 0, int64(0)
		for p := range paths {
			b, gerr := get(p)
			if gerr != nil {
				f.Close()
				return n, size, gerr
			}
			w.Write(b)
			w.WriteByte('\n')
			n++
			size += int64(len(b)) + 1
		}
		if err := w.Flush(); err != nil {
			f.Close()
			return n, size, err
		}
		return n, size, f.Close()
	}
	q := "/goal?goal_status=" + url.QueryEscape("1,2") + "&custom_attributes=1&include=custom_permission&limit=100&offset="
	gp, gb, err := write(goalsFile, func(yield func(string) bool) {
		for off := 0; off < len(org.Goals); off += 100 {
			if !yield(q + strconv.Itoa(off)) {
				return
			}
		}
	})
	if err != nil {
		return err
	}
	mp, mb, err := write(metricsFile, func(yield func(string) bool) {
		for _, g := range org.Goals {
			if !yield("/metric?goal_id=" + strconv.FormatInt(g.ID, 10) + "&include_metric_data=yes") {
				return
			}
		}
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "recorded %d goal pages (%.1f MiB) and %d metric bodies (%.1f MiB) into %s in %s\n",
		gp, mib(gb), mp, mib(mb), *dir, time.Since(t0).Round(time.Millisecond))
	emit(result{"bench": "record", "goals": len(org.Goals), "key_results": nkr, "checkins": nci,
		"goal_pages": gp, "goal_bytes": gb, "metric_pages": mp, "metric_bytes": mb, "seconds": time.Since(t0).Seconds()})
	return nil
}
