package s3sink_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/sinks"
	"github.com/wbexport/wbexport/sinks/parquetfile"
	s3sink "github.com/wbexport/wbexport/sinks/s3"
	"github.com/wbexport/wbexport/sinks/s3/s3test"
)

// faultRun writes users (one small file) and goals (≈12 MB in two 6 MiB+ files, each a
// multipart upload) through e's sink, then commits. It returns the first error and the sink
// (not closed: a failed process may die without cleaning up).
func faultRun(e *env, run sinks.RunInfo, seed int64, opts ...s3sink.Option) (*s3sink.Sink, error) {
	e.t.Helper()
	cfg := e.config()
	cfg.Concurrency = 1 // deterministic request order
	opts = append([]s3sink.Option{s3sink.WithParquetOptions(
		parquetfile.WithCompression(parquetfile.None), parquetfile.WithFileBytes(6<<20),
		parquetfile.WithRowGroupBytes(1<<20), parquetfile.WithSliceRows(100))}, opts...)
	s, err := s3sink.New(context.Background(), cfg, run, append([]s3sink.Option{
		s3sink.WithCredentials(e.srv.Credentials()), s3sink.WithAllocator(e.mem), s3sink.WithMaxAttempts(2),
	}, opts...)...)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { s.Close() })
	write := func() error {
		e.writeSample(s, run, schemas.Users, 20, seed)
		for i := range 3 {
			rec := bigRecords(e.mem, run, 1000, 4096, seed*10+int64(i))
			err := s.Write(context.Background(), schemas.Goals, rec)
			rec.Release()
			if err != nil {
				return err
			}
		}
		_, err := s.Commit(context.Background())
		return err
	}
	return s, write()
}

func publishedMarker(e *env, table string) bool { return e.exists(e.part(table, date1) + "_SUCCESS") }

// TestFailedRunsLeavePublishedDataAndNextRunRepairs injects 500s at a proxy during upload and
// publish and checks what the previous snapshot looks like afterwards, then that the next run
// repairs everything and removes the dead run's staging.
func TestFailedRunsLeavePublishedDataAndNextRunRepairs(t *testing.T) {
	isSuccess := func(_ *http.Request, key string) bool { return strings.HasSuffix(key, "/_SUCCESS") }
	tests := []struct {
		name   string
		inject func(p *s3test.Proxy)
		// check inspects the state after the failed run; before is the state after run 1.
		check func(t *testing.T, e *env, before, after map[string]objInfo, err error)
	}{
		{
			name:   "UploadPart fails",
			inject: func(p *s3test.Proxy) { p.Fail("UploadPart", 2, 500) },
			check: func(t *testing.T, e *env, before, after map[string]objInfo, err error) {
				if d := diffSnapshots(before, after); d != "" {
					t.Errorf("published data changed:\n%s", d)
				}
				if !strings.Contains(err.Error(), "upload s3://") {
					t.Errorf("error does not name the upload: %v", err)
				}
			},
		},
		{
			name:   "first CopyObject fails",
			inject: func(p *s3test.Proxy) { p.Fail("CopyObject", 0, 500) },
			check: func(t *testing.T, e *env, before, after map[string]objInfo, err error) {
				if d := diffSnapshots(before, after); d != "" {
					t.Errorf("published data changed (the _SUCCESS should have been restored):\n%s", d)
				}
				if !strings.Contains(err.Error(), "previous snapshot is intact") {
					t.Errorf("error = %v", err)
				}
			},
		},
		{
			name:   "CopyObject fails inside the second partition",
			inject: func(p *s3test.Proxy) { p.Fail("CopyObject", 2, 500) }, // users/part-0, goals/part-0 pass
			check: func(t *testing.T, e *env, before, after map[string]objInfo, err error) {
				// users was published completely by the failed run: new files, new marker.
				u := e.part("users", date1)
				if !publishedMarker(e, "users") || after[u+"_manifest.json"] == before[u+"_manifest.json"] {
					t.Errorf("users should hold the failed run's complete snapshot")
				}
				// goals was mid-replacement: no _SUCCESS, so careful readers skip it; its
				// manifest is still the old one.
				g := e.part("goals", date1)
				if publishedMarker(e, "goals") {
					t.Errorf("goals has _SUCCESS while half replaced")
				}
				if after[g+"_manifest.json"] != before[g+"_manifest.json"] {
					t.Errorf("goals manifest changed before its files were all in place")
				}
				if !strings.Contains(err.Error(), "reads as unpublished") {
					t.Errorf("error = %v", err)
				}
			},
		},
		{
			name:   "PutObject of _SUCCESS fails",
			inject: func(p *s3test.Proxy) { p.FailFunc("PutObject", isSuccess, 0, 500) },
			check: func(t *testing.T, e *env, before, after map[string]objInfo, err error) {
				if publishedMarker(e, "users") {
					t.Errorf("users has a _SUCCESS although writing it failed")
				}
				// goals was not reached: byte-for-byte as before.
				g := e.part("goals", date1)
				for k, v := range before {
					if strings.HasPrefix(k, g) && after[k] != v {
						t.Errorf("goals object %s changed", k)
					}
				}
				if !strings.Contains(err.Error(), "_SUCCESS") {
					t.Errorf("error does not name _SUCCESS: %v", err)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			p := e.withProxy()
			// Run 1 publishes the snapshot the failed run must not damage.
			run1 := newRun(date1, schemas.Users, schemas.Goals)
			s1, err := faultRun(e, run1, 1)
			if err != nil {
				t.Fatalf("run 1: %v", err)
			}
			s1.Close()
			before := e.snapshot("")

			// Run 2 fails; its process "dies" (no Close), leaving its staging behind.
			tc.inject(p)
			run2 := newRun(date1, schemas.Users, schemas.Goals)
			s2, err := faultRun(e, run2, 2)
			if err == nil {
				t.Fatal("run 2 succeeded despite the injected fault")
			}
			if !strings.Contains(err.Error(), "s3 sink s3://"+e.bucket) || !strings.Contains(err.Error(), "fault injected") {
				t.Errorf("run 2 error lacks the sink or the server's answer: %v", err)
			}
			t.Logf("run 2 failed as expected: %v", err)
			if _, err := s2.Commit(context.Background()); err == nil || !strings.Contains(err.Error(), "earlier failure") {
				t.Errorf("Commit after a failure = %v, want an error naming the earlier failure", err)
			}
			after := e.snapshot("")
			for k := range after {
				if strings.HasPrefix(k, e.prefix+"/_staging/") {
					delete(after, k)
				}
			}
			tc.check(t, e, before, after, err)

			// Run 3 (no faults) repairs every partition and removes run 2's staging.
			p.ClearFaults()
			run3 := newRun(date1, schemas.Users, schemas.Goals)
			s3, err := faultRun(e, run3, 3, s3sink.WithStaleStagingAge(0))
			if err != nil {
				t.Fatalf("run 3: %v", err)
			}
			s3.Close()
			for _, table := range []string{"users", "goals"} {
				if !publishedMarker(e, table) {
					t.Errorf("%s not published after the repair run", table)
				}
				body, _ := e.get(e.part(table, date1) + "_manifest.json")
				m, err := parquetfile.ParseManifest(table, body)
				if err != nil || m.RunID != run3.RunID {
					t.Fatalf("%s manifest after repair = %+v, %v", table, m, err)
				}
				keys := e.keys(e.part(table, date1))
				if len(keys) != len(m.Files)+2 {
					t.Errorf("%s holds %v, manifest lists %d files", table, keys, len(m.Files))
				}
				for _, f := range m.Files {
					if got := e.snapshot(e.part(table, date1) + f.Name)[""]; got.SHA256 != f.SHA256 {
						t.Errorf("%s/%s sha256 differs from the manifest", table, f.Name)
					}
				}
			}
			if st := e.keys(e.prefix + "/_staging/"); len(st) != 0 {
				t.Errorf("staging left after the repair run: %v", st)
			}
			if n := e.multipartUploads(); n != 0 {
				t.Errorf("%d multipart uploads left", n)
			}
			s2.Close()
		})
	}
}

// TestGC removes dead runs' staging, probes and incomplete multipart uploads by age, and never
// touches published data, the ledger or the sink's own run.
func TestGC(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	run := newRun(date1, schemas.Users)
	s := e.open(run, e.config())
	e.writeSample(s, run, schemas.Users, 10, 1)
	if _, err := s.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	rec := e.ledgerRecord(run)
	defer rec.Release()
	if err := s.AppendLedger(ctx, rec); err != nil {
		t.Fatal(err)
	}
	published := e.snapshot("")

	// Debris of a killed run and of an interrupted check.
	dead, own := "0190aaaa-dead-7000-8000-000000000000", "0190bbbb-live-7000-8000-000000000000"
	for _, k := range []string{
		e.prefix + "/_staging/" + dead + "/users/snapshot_date=2026-03-01/part-00000.parquet",
		e.prefix + "/_staging/" + dead + "/goals/snapshot_date=2026-03-01/part-00000.parquet",
		e.prefix + "/_staging/" + own + "/users/snapshot_date=2026-03-01/part-00000.parquet",
		e.prefix + "/_staging/_probe-0123456789abcdef",
	} {
		if _, err := e.client.PutObject(ctx, &s3.PutObjectInput{Bucket: &e.bucket, Key: aws.String(k), Body: strings.NewReader("x")}); err != nil {
			t.Fatal(err)
		}
	}
	for _, k := range []string{dead, own} {
		if _, err := e.client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{
			Bucket: &e.bucket, Key: aws.String(e.prefix + "/_staging/" + k + "/goals/snapshot_date=2026-03-01/part-00001.parquet")}); err != nil {
			t.Fatal(err)
		}
	}

	ownRun := run
	ownRun.RunID = own
	now := time.Now()
	tests := []struct {
		name        string
		clock       time.Time
		wantRuns    []string
		wantObjects int
		wantUploads int
	}{
		{"fresh debris is kept", now, nil, 0, 0},
		{"old debris is removed", now.Add(3 * time.Hour), []string{dead}, 3, 1},
		{"nothing left", now.Add(3 * time.Hour), nil, 0, 0},
	}
	for _, tc := range tests {
		clock := tc.clock
		g := e.open(ownRun, e.config(), s3sink.WithClock(func() time.Time { return clock }))
		st, err := g.GC(ctx, time.Hour)
		if err != nil {
			t.Fatalf("%s: GC: %v", tc.name, err)
		}
		if strings.Join(st.Runs, ",") != strings.Join(tc.wantRuns, ",") || st.Objects != tc.wantObjects || st.Uploads != tc.wantUploads {
			t.Errorf("%s: GC = %+v, want runs %v, %d objects, %d uploads", tc.name, st, tc.wantRuns, tc.wantObjects, tc.wantUploads)
		}
	}
	if got := e.keys(e.prefix + "/_staging/"); len(got) != 1 || !strings.Contains(got[0], own) {
		t.Errorf("staging after GC = %v, want only the own run's object", got)
	}
	if n := e.multipartUploads(); n != 1 {
		t.Errorf("%d multipart uploads after GC, want the own run's 1", n)
	}
	after := e.snapshot("")
	for k, v := range published {
		if after[k] != v {
			t.Errorf("GC changed published object %s", k)
		}
	}
}
