package s3_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/sinks/parquetfile"
	"github.com/wbexport/wbexport/sinks/s3"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// TestPublishProtocolGolden records, at a proxy, every S3 request a Commit makes over an
// existing snapshot and compares the sequence with testdata/commit-requests.golden: the
// publish protocol (back up, journal, unpublish, copy, delete stale, manifest, _SUCCESS,
// delete the journal, clean staging) is a contract readers rely on, so any change to it must
// show up in review.
func TestPublishProtocolGolden(t *testing.T) {
	e := newEnv(t)
	p := e.withProxy()
	cfg := e.config()
	cfg.Concurrency = 1

	// The previous snapshot: users in two files, so the rerun has a stale file to delete.
	run1 := newRun(date1, schemas.Users, schemas.Teams)
	s1 := e.open(run1, cfg, s3.WithParquetOptions(parquetfile.WithFileBytes(16<<10),
		parquetfile.WithRowGroupBytes(8<<10), parquetfile.WithSliceRows(50)))
	e.writeSample(s1, run1, schemas.Users, 400, 1)
	e.writeSample(s1, run1, schemas.Teams, 5, 1)
	if _, err := s1.Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
	s1.Close()
	if n := len(e.keys(e.part("users", date1))); n < 4 {
		t.Fatalf("setup: users has %d objects, want ≥ 2 files + manifest + _SUCCESS", n)
	}

	run2 := newRun(date1, schemas.Users, schemas.Teams)
	s2 := e.open(run2, cfg)
	e.writeSample(s2, run2, schemas.Users, 10, 2)
	e.writeSample(s2, run2, schemas.Teams, 3, 2)
	p.Reset()
	if _, err := s2.Commit(context.Background()); err != nil {
		t.Fatal(err)
	}

	var b strings.Builder
	for _, r := range p.Requests() {
		line := r.Op + " " + rel(e, r.Key, run2.RunID)
		switch r.Op {
		case "ListObjectsV2", "ListMultipartUploads":
			line += "?prefix=" + rel(e, r.Query.Get("prefix"), run2.RunID)
			if d := r.Query.Get("delimiter"); d != "" {
				line += "&delimiter=" + d
			}
		case "CopyObject":
			src, _ := url.PathUnescape(r.Header.Get("X-Amz-Copy-Source"))
			line += " <- " + rel(e, strings.TrimPrefix(strings.TrimPrefix(src, "/"), e.bucket+"/"), run2.RunID)
		}
		fmt.Fprintln(&b, strings.TrimSpace(line))
	}
	golden := filepath.Join("testdata", "commit-requests.golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -run TestPublishProtocolGolden -update to create it)", err)
	}
	if got := b.String(); got != string(want) {
		t.Errorf("Commit's requests differ from %s:\n--- got\n%s--- want\n%s", golden, got, want)
	}
}

// rel strips the bucket prefix and replaces the run id, for stable golden output.
func rel(e *env, key, runID string) string {
	key = strings.TrimPrefix(key, e.prefix+"/")
	return strings.ReplaceAll(key, runID, "<run_id>")
}

// TestCanceledContext: a canceled context stops Write and Commit with the context's error and
// publishes nothing; Close removes the staging.
func TestCanceledContext(t *testing.T) {
	e := newEnv(t)
	run := newRun(date1, schemas.Users)
	s := e.open(run, e.config())
	e.writeSample(s, run, schemas.Users, 10, 1)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := s.Commit(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Commit(canceled) = %v, want context.Canceled", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if keys := e.keys(""); len(keys) != 0 {
		t.Fatalf("bucket holds %v after a canceled run", keys)
	}
	if n := e.multipartUploads(); n != 0 {
		t.Fatalf("%d multipart uploads left", n)
	}
}
