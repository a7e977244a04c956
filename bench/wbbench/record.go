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

	"github.com/wbexport/wbexport/workboard/wbtest"
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
	chunkGoals := fs.Int("chunk", 20000, "generate the org in chunks of this many goals (seeds seed, seed+1, ...) to bound memory; ids repeat across chunks")
	dir := fs.String("dir", "", "directory to write goals.jsonl and metrics.jsonl into (required)")
	_ = fs.Parse(args)
	if *dir == "" {
		return fmt.Errorf("record: -dir is required")
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return err
	}
	chunk := *chunkGoals
	if chunk <= 0 || chunk > *goals {
		chunk = *goals
	}
	t0 := time.Now()
	files := map[string]*bufio.Writer{}
	for _, name := range []string{goalsFile, metricsFile} {
		f, err := os.Create(filepath.Join(*dir, name))
		if err != nil {
			return err
		}
		defer f.Close()
		files[name] = bufio.NewWriterSize(f, 1<<20)
	}
	var gp, mp, nkr, nci, ngoals int
	var gb, mb int64
	for k := 0; ngoals < *goals; k++ {
		cfg := orgConfig(min(chunk, *goals-ngoals), *seed+int64(k))
		cfg.KRsPerGoal, cfg.CheckinsPerKR = *krs, *checkins
		org := wbtest.Generate(cfg)
		a, b, _, _ := org.Counts()
		nkr, nci, ngoals = nkr+a, nci+b, ngoals+len(org.Goals)
		n, size, err := recordOrg(org, files)
		if err != nil {
			return err
		}
		gp, gb, mp, mb = gp+n[0], gb+size[0], mp+n[1], mb+size[1]
		fmt.Fprintf(os.Stderr, "chunk %d: %d goals (seed %d), %d of %d done, %s\n", k, len(org.Goals), cfg.Seed, ngoals, *goals, time.Since(t0).Round(time.Second))
	}
	for _, w := range files {
		if err := w.Flush(); err != nil {
			return err
		}
	}
	fmt.Fprintf(os.Stderr, "recorded %d goal pages (%.1f MiB) and %d metric bodies (%.1f MiB) into %s in %s\n",
		gp, mib(gb), mp, mib(mb), *dir, time.Since(t0).Round(time.Millisecond))
	emit(result{"bench": "record", "goals": ngoals, "chunk_goals": chunk, "key_results": nkr, "checkins": nci,
		"goal_pages": gp, "goal_bytes": gb, "metric_pages": mp, "metric_bytes": mb, "seconds": time.Since(t0).Seconds()})
	return nil
}

// recordOrg appends the bodies of org's goal pages and per-goal metric calls to the files.
func recordOrg(org *wbtest.Org, files map[string]*bufio.Writer) ([2]int, [2]int64, error) {
	var n [2]int
	var size [2]int64
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
	put := func(i int, name, path string) error {
		b, err := get(path)
		if err != nil {
			return err
		}
		w := files[name]
		w.Write(b)
		if err := w.WriteByte('\n'); err != nil {
			return err
		}
		n[i]++
		size[i] += int64(len(b)) + 1
		return nil
	}
	q := "/goal?goal_status=" + url.QueryEscape("1,2") + "&custom_attributes=1&include=custom_permission&limit=100&offset="
	for off := 0; off < len(org.Goals); off += 100 {
		if err := put(0, goalsFile, q+strconv.Itoa(off)); err != nil {
			return n, size, err
		}
	}
	for _, g := range org.Goals {
		if err := put(1, metricsFile, "/metric?goal_id="+strconv.FormatInt(g.ID, 10)+"&include_metric_data=yes"); err != nil {
			return n, size, err
		}
	}
	return n, size, nil
}
