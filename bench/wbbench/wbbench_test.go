package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wbexport/wbexport/workboard/wbtest"
)

// results runs fn with the result lines captured and returns them decoded.
func results(t *testing.T, fn func() error) []map[string]any {
	t.Helper()
	var buf bytes.Buffer
	old := out
	out = &buf
	defer func() { out = old }()
	if err := fn(); err != nil {
		t.Fatal(err)
	}
	var rs []map[string]any
	dec := json.NewDecoder(&buf)
	for dec.More() {
		var r map[string]any
		if err := dec.Decode(&r); err != nil {
			t.Fatal(err)
		}
		rs = append(rs, r)
	}
	return rs
}

// TestRecordAndCPU records a small org in two chunks and runs the CPU path over it: every goal,
// key result and check-in of the generated orgs must come out as a Parquet row.
func TestRecordAndCPU(t *testing.T) {
	dir := t.TempDir()
	rec := results(t, func() error { return runRecord([]string{"-goals", "150", "-chunk", "100", "-dir", dir}) })
	if len(rec) != 1 {
		t.Fatalf("record: %d results", len(rec))
	}
	var krs, cis int
	for k, n := range []int{100, 50} {
		a, b, _, _ := wbtest.Generate(orgConfig(n, int64(1+k))).Counts()
		krs, cis = krs+a, cis+b
	}
	if got := int(rec[0]["key_results"].(float64)); got != krs {
		t.Errorf("record: %d key results, want %d", got, krs)
	}
	for _, decoders := range []string{"1", "3"} {
		res := results(t, func() error {
			return runCPU([]string{"-dir", dir, "-out", filepath.Join(t.TempDir(), "pq"), "-decoders", decoders})
		})
		if len(res) != 1 {
			t.Fatalf("cpu: %d results", len(res))
		}
		rows := res[0]["rows_by_table"].(map[string]any)
		for table, want := range map[string]int{"goals": 150, "key_results": krs, "key_result_checkins": cis} {
			if got := int(rows[table].(float64)); got != want {
				t.Errorf("cpu -decoders %s: %s: %d rows, want %d", decoders, table, got, want)
			}
		}
		if res[0]["parquet_bytes"].(float64) <= 0 {
			t.Errorf("cpu -decoders %s: no Parquet written", decoders)
		}
	}
	// a page that does not decode names its file and line, whichever path decodes it
	lines, err := os.ReadFile(filepath.Join(dir, metricsFile))
	if err != nil {
		t.Fatal(err)
	}
	nl := bytes.IndexByte(lines, '\n')
	broken := append(append(append([]byte(nil), lines[:nl+1]...), "{\"success\": tru\n"...), lines[nl+1:]...)
	if err := os.WriteFile(filepath.Join(dir, metricsFile), broken, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, decoders := range []string{"1", "3"} {
		err := runCPU([]string{"-dir", dir, "-out", filepath.Join(t.TempDir(), "pq"), "-decoders", decoders})
		if err == nil || !strings.Contains(err.Error(), metricsFile+" line 2:") {
			t.Errorf("cpu -decoders %s over a broken line 2: err = %v", decoders, err)
		}
	}
}

// TestExtract runs the floor benchmark on a tiny org, with and without a server rate limit.
func TestExtract(t *testing.T) {
	res := results(t, func() error {
		return runExtract([]string{"-goals", "40", "-latency", "2ms", "-jitter", "1ms", "-conc", "1,4"})
	})
	if len(res) != 2 {
		t.Fatalf("extract: %d results", len(res))
	}
	for _, r := range res {
		if !fullExportRequests(r["requests"]) || r["rows"].(float64) <= 0 || r["wall_over_floor"].(float64) <= 0 {
			t.Errorf("extract: %v", r)
		}
	}
	res = results(t, func() error {
		return runExtract([]string{"-goals", "40", "-latency", "1ms", "-conc", "4", "-rate-limit", "40"})
	})
	if len(res) != 1 || !fullExportRequests(res[0]["requests"]) || res[0]["throughput_rps"] == nil {
		t.Errorf("extract with rate limit: %v", res)
	}
	// -full: the whole pipeline; every row the plain extraction counted is written
	full := results(t, func() error {
		return runExtract([]string{"-goals", "40", "-latency", "1ms", "-conc", "4", "-full"})
	})
	if len(full) != 1 || full[0]["bench"] != "extract-full" || !fullExportRequests(full[0]["requests"]) ||
		full[0]["rows"].(float64) != res0rows(t, res) {
		t.Errorf("extract -full: %v (plain extraction: %v)", full, res)
	}
}

// fullExportRequests reports whether n is the request count of a full export of the 40-goal
// org of TestExtract: 1 user page, 1 team page, 8 team calls, 1 goal page, 8 team key-result
// listings, 9 per-goal calls for what they leave out (--kr-listing auto), 1 tag page, 1 krtags
// batch (28), plus one alignment call per goal no earlier answer covered: at least one, at most
// one per goal (which trees arrive first depends on the concurrency).
func fullExportRequests(n any) bool {
	v, ok := n.(float64)
	return ok && v > 28 && v <= 28+40
}

// res0rows is the row count of the first result.
func res0rows(t *testing.T, res []map[string]any) float64 {
	t.Helper()
	if len(res) == 0 {
		t.Fatal("no results")
	}
	return res[0]["rows"].(float64)
}

// TestRequests counts the requests of a small org by each strategy: auto makes fewer than goal
// in all and at most half as many for key results, and exports the very same rows.
func TestRequests(t *testing.T) {
	rs := results(t, func() error { return runRequests([]string{"-goals", "120"}) })
	byListing := map[string]float64{}
	for _, r := range rs {
		if r["bench"] == "requests" {
			byListing[r["kr_listing"].(string)] = r["requests"].(float64)
		}
	}
	sum := rs[len(rs)-1]
	if sum["identical_rows_auto_goal"] != true || byListing["auto"] >= byListing["goal"] || len(byListing) != 3 ||
		sum["kr_goal_over_auto"].(float64) < 2 {
		t.Fatalf("requests %v, summary %v", byListing, sum)
	}
}

// TestRegimesSmoke runs the token-bucket regime on a tiny org: an export line with its floor
// and a recovery line (which may give up, the recovery window being short here).
func TestRegimesSmoke(t *testing.T) {
	rs := results(t, func() error {
		return runRegimes([]string{"-only", "token bucket", "-limit-goals", "40", "-recover-after", "500ms", "-recover-max", "1s"})
	})
	if len(rs) != 2 || rs[0]["bench"] != "regime" || rs[0]["rows_equal_ground_truth"] != true || rs[0]["floor_s"] == nil || rs[1]["bench"] != "recovery" {
		t.Fatalf("results %v", rs)
	}
}
