package s3_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/sinks"
	"github.com/wbexport/wbexport/sinks/parquetfile"
	"github.com/wbexport/wbexport/sinks/s3"
	"github.com/wbexport/wbexport/sinks/s3/s3test"
)

// faultRun writes users (one small file) and, when run has goals, goals (goalBatches batches of
// ≈4 MB: 3 batches make two 6 MiB+ files, each a multipart upload; 1 batch one file) through
// e's sink, then commits. It returns the first error and the sink (not closed: a failed
// process may die without cleaning up).
func faultRun(e *env, run sinks.RunInfo, seed int64, goalBatches int, opts ...s3.Option) (*s3.Sink, error) {
	e.t.Helper()
	cfg := e.config()
	cfg.Concurrency = 1 // deterministic request order
	opts = append([]s3.Option{s3.WithParquetOptions(
		parquetfile.WithCompression(parquetfile.None), parquetfile.WithFileBytes(6<<20),
		parquetfile.WithRowGroupBytes(1<<20), parquetfile.WithSliceRows(100))}, opts...)
	s, err := s3.New(context.Background(), cfg, run, append([]s3.Option{
		s3.WithCredentials(e.srv.Credentials()), s3.WithAllocator(e.mem), s3.WithMaxAttempts(2),
		s3.WithLogger(slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))),
	}, opts...)...)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { s.Close() })
	write := func() error {
		for _, tbl := range run.Tables {
			switch tbl.Name {
			case schemas.Users:
				e.writeSample(s, run, schemas.Users, 20, seed)
			case schemas.Goals:
				for i := range goalBatches {
					rec := bigRecords(e.mem, run, 1000, 4096, seed*10+int64(i))
					err := s.Write(context.Background(), schemas.Goals, rec)
					rec.Release()
					if err != nil {
						return err
					}
				}
			}
		}
		_, err := s.Commit(context.Background())
		return err
	}
	return s, write()
}

func publishedMarker(e *env, table schemas.TableID) bool {
	return e.exists(e.part(table, date1) + "_SUCCESS")
}

// published returns e.snapshot("") without the staging area.
func (e *env) published() map[string]objInfo {
	e.t.Helper()
	all := e.snapshot("")
	for k := range all {
		if strings.HasPrefix(k, e.prefix+"/_staging/") {
			delete(all, k)
		}
	}
	return all
}

// Request matchers for the proxy's faults.

// copyFrom matches CopyObject requests into table's partition whose source key contains src
// ("/_staging/" publish copies also match "/_backup/" restores: exclude them with notSrc).
func copyFrom(table, src, notSrc string) func(*http.Request, string) bool {
	return func(r *http.Request, key string) bool {
		from, _ := url.PathUnescape(r.Header.Get("X-Amz-Copy-Source"))
		return (table == "" || strings.Contains(key, "/"+table+"/")) && strings.Contains(from, src) &&
			(notSrc == "" || !strings.Contains(from, notSrc))
	}
}

// keySuffix matches requests for keys ending in suffix.
func keySuffix(suffix string) func(*http.Request, string) bool {
	return func(_ *http.Request, key string) bool { return strings.HasSuffix(key, suffix) }
}

// TestFailedRunsLeavePublishedDataAndNextRunRepairs injects 500s at a proxy during upload and
// at every step of publishing, and checks that every object published before the failed run
// is byte-for-byte as it was (same key set, sizes, ETags and SHA-256) — partitions the failed
// run had already published, the one it was publishing and the ones it had not reached — then
// that the next run publishes the full snapshot and removes the dead run's staging.
func TestFailedRunsLeavePublishedDataAndNextRunRepairs(t *testing.T) {
	publishCopy := func(table string) func(*http.Request, string) bool {
		return copyFrom(table, "/_staging/", "/_backup/")
	}
	tests := []struct {
		name   string
		run1   []schemas.TableID // tables of the run that publishes the previous snapshot
		goals2 int               // goal batches of the failed run (default 3)
		opts   []s3.Option
		inject func(p *s3test.Proxy)
		want   string // in the failed run's error
		// journalKept: the journal could not be deleted after the rollback; the next run
		// repeats the (then empty) rollback.
		journalKept bool
	}{
		{
			name:   "UploadPart fails",
			inject: func(p *s3test.Proxy) { p.Fail("UploadPart", 2, 500) },
			want:   "upload s3://",
		},
		{
			name:   "first CopyObject (backup of the first partition) fails",
			inject: func(p *s3test.Proxy) { p.Fail("CopyObject", 0, 500) },
			want:   "nothing was replaced: the previous snapshot is intact",
		},
		{
			name: "CopyObject fails in the first partition",
			inject: func(p *s3test.Proxy) {
				p.FailFunc("CopyObject", publishCopy("users"), 0, 500)
			},
			want: "rolled back 1 partition(s): the previous snapshot is intact",
		},
		{
			// users is published completely, goals's first file replaced, its second fails.
			name: "CopyObject fails inside the second partition",
			inject: func(p *s3test.Proxy) {
				p.FailFunc("CopyObject", publishCopy("goals"), 1, 500)
			},
			want: "rolled back 2 partition(s): the previous snapshot is intact",
		},
		{
			name: "PutObject of the first partition's _SUCCESS fails",
			inject: func(p *s3test.Proxy) {
				p.FailFunc("PutObject", keySuffix("/users/snapshot_date="+date1+"/_SUCCESS"), 0, 500)
			},
			want: "rolled back 1 partition(s): the previous snapshot is intact",
		},
		{
			name: "PutObject of the last partition's _SUCCESS fails",
			inject: func(p *s3test.Proxy) {
				p.FailFunc("PutObject", keySuffix("/goals/snapshot_date="+date1+"/_SUCCESS"), 0, 500)
			},
			want: "rolled back 2 partition(s): the previous snapshot is intact",
		},
		{
			name: "PutObject of the manifest fails",
			inject: func(p *s3test.Proxy) {
				p.FailFunc("PutObject", keySuffix("/goals/snapshot_date="+date1+"/_manifest.json"), 0, 500)
			},
			want: "rolled back 2 partition(s): the previous snapshot is intact",
		},
		{
			// The failed run has one goals file where the previous snapshot has two:
			// deleting the stale part-00001 fails after part-00000 was replaced.
			name:   "DeleteObject of a stale file fails",
			goals2: 1,
			inject: func(p *s3test.Proxy) {
				p.FailFunc("DeleteObject", keySuffix("/goals/snapshot_date="+date1+"/part-00001.parquet"), 0, 500)
			},
			want: "rolled back 2 partition(s): the previous snapshot is intact",
		},
		{
			// Files above the copy threshold are published, backed up and restored with
			// multipart copies; goals's first file (two parts) is replaced, the first part of
			// its second file fails.
			name:   "UploadPartCopy fails inside the second partition",
			opts:   []s3.Option{s3.WithCopyThreshold(4<<20, 5<<20)},
			inject: func(p *s3test.Proxy) { p.FailFunc("UploadPartCopy", publishCopy("goals"), 2, 500) },
			want:   "rolled back 2 partition(s): the previous snapshot is intact",
		},
		{
			// goals did not exist before: rolling back removes the partition the failed run
			// created.
			name: "a new partition is removed again",
			run1: []schemas.TableID{schemas.Users},
			inject: func(p *s3test.Proxy) {
				p.FailFunc("PutObject", keySuffix("/goals/snapshot_date="+date1+"/_SUCCESS"), 0, 500)
			},
			want: "rolled back 2 partition(s): the previous snapshot is intact",
		},
		{
			name:   "the journal cannot be written",
			inject: func(p *s3test.Proxy) { p.FailFunc("PutObject", keySuffix("/_journal.json"), 0, 500) },
			want:   "the previous snapshot is intact",
		},
		{
			// The commit point: every partition is published, deleting the journal fails.
			name:        "deleting the journal fails",
			inject:      func(p *s3test.Proxy) { p.FailFunc("DeleteObject", keySuffix("/_journal.json"), 0, 500) },
			want:        "rolled back 2 partition(s): the previous snapshot is intact",
			journalKept: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			p := e.withProxy()
			if tc.run1 == nil {
				tc.run1 = []schemas.TableID{schemas.Users, schemas.Goals}
			}
			if tc.goals2 == 0 {
				tc.goals2 = 3
			}
			// Run 1 publishes the snapshot the failed run must not damage.
			run1 := newRun(date1, tc.run1...)
			sink1, err := faultRun(e, run1, 1, 3, tc.opts...)
			if err != nil {
				t.Fatalf("run 1: %v", err)
			}
			sink1.Close()
			before := e.published()
			if n := len(e.keys(e.part("goals", date1))); len(tc.run1) == 2 && n != 4 {
				t.Fatalf("setup: goals holds %d objects, want 2 files + manifest + _SUCCESS", n)
			}

			// Run 2 fails; its process "dies" (no Close), leaving its staging behind.
			tc.inject(p)
			run2 := newRun(date1, schemas.Users, schemas.Goals)
			sink2, err := faultRun(e, run2, 2, tc.goals2, tc.opts...)
			if err == nil {
				t.Fatal("run 2 succeeded despite the injected fault")
			}
			t.Logf("run 2 failed as expected: %v", err)
			for _, want := range []string{"s3 sink s3://" + e.bucket, "fault injected", tc.want} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("run 2 error lacks %q", want)
				}
			}
			if _, err := sink2.Commit(context.Background()); err == nil || !strings.Contains(err.Error(), "earlier failure") {
				t.Errorf("Commit after a failure = %v, want an error naming the earlier failure", err)
			}
			if d := diffSnapshots(before, e.published()); d != "" {
				t.Errorf("published objects changed by the failed run:\n%s", d)
			}
			if e.exists(sink2.StagingKey(run2.RunID)+"_journal.json") != tc.journalKept {
				t.Errorf("journal of the rolled-back run present = %v, want %v", !tc.journalKept, tc.journalKept)
			}

			// Run 3 (no faults) publishes the full snapshot and removes run 2's staging.
			p.ClearFaults()
			run3 := newRun(date1, schemas.Users, schemas.Goals)
			sink3, err := faultRun(e, run3, 3, 3, append(tc.opts, s3.WithStaleStagingAge(0))...)
			if err != nil {
				t.Fatalf("run 3: %v", err)
			}
			sink3.Close()
			checkPublished(t, e, run3, date1, schemas.Users, schemas.Goals)
			if st := e.keys(e.prefix + "/_staging/"); len(st) != 0 {
				t.Errorf("staging left after the repair run: %v", st)
			}
			if n := e.multipartUploads(); n != 0 {
				t.Errorf("%d multipart uploads left", n)
			}
			sink2.Close()
		})
	}
}

// checkPublished checks that run published every table's partition for date completely: a
// _SUCCESS, a manifest of run, exactly the files it lists, each with its sha256.
func checkPublished(t *testing.T, e *env, run sinks.RunInfo, date string, tables ...schemas.TableID) {
	t.Helper()
	for _, table := range tables {
		dir := e.part(table, date)
		if !e.exists(dir + "_SUCCESS") {
			t.Errorf("%s has no _SUCCESS", dir)
		}
		body, _ := e.get(dir + "_manifest.json")
		m, err := parquetfile.ParseManifest(string(table), body)
		if err != nil || m.RunID != run.RunID {
			t.Fatalf("%s manifest = %+v, %v; want one of run %s", dir, m, err, run.RunID)
		}
		keys := e.keys(dir)
		if len(keys) != len(m.Files)+2 {
			t.Errorf("%s holds %v, manifest lists %d files", dir, keys, len(m.Files))
		}
		for _, f := range m.Files {
			if got := e.snapshot(dir + f.Name)[""]; got.SHA256 != f.SHA256 {
				t.Errorf("%s%s sha256 differs from the manifest", dir, f.Name)
			}
		}
	}
}

// TestInterruptedRollbackIsFinishedLater: a run whose rollback cannot complete (the store keeps
// failing, or the process is killed) keeps its journal and backups, even through Close; the
// next run's Commit (here for another date) or wbexport gc finishes the rollback from them
// before anything else, restoring every partition byte-for-byte, and removes the dead run's
// staging — once the dead run's lease has expired (a killed process cannot release it; here
// the clocks of the recovering run and gc are past its expiry).
func TestInterruptedRollbackIsFinishedLater(t *testing.T) {
	afterLease := func() time.Time { return time.Now().Add(s3.DefaultLeaseTTL + time.Minute) }
	failGoalsSuccess := func(p *s3test.Proxy) {
		p.FailFunc("PutObject", keySuffix("/goals/snapshot_date="+date1+"/_SUCCESS"), 0, 500)
	}
	crashes := []struct {
		name   string
		inject func(p *s3test.Proxy)
		// left checks the state the failed run left.
		left func(t *testing.T, e *env)
	}{
		{
			// Nothing of the rollback gets through (restores and deletes fail): the state is
			// that of a process killed just before goals' _SUCCESS.
			name: "killed mid-publish",
			inject: func(p *s3test.Proxy) {
				failGoalsSuccess(p)
				p.FailFunc("CopyObject", copyFrom("", "/_backup/", ""), 0, 500)
				p.Fail("DeleteObject", 3, 500) // the publish's deletions (two _SUCCESS, goals's stale file) pass
			},
			left: func(t *testing.T, e *env) {
				if !publishedMarker(e, "users") || publishedMarker(e, "goals") {
					t.Errorf("want users published by the failed run and goals without _SUCCESS")
				}
			},
		},
		{
			// users is restored, goals's restore copies fail: killed mid-rollback.
			name: "killed mid-rollback",
			inject: func(p *s3test.Proxy) {
				failGoalsSuccess(p)
				p.FailFunc("CopyObject", copyFrom("goals", "/_backup/", ""), 0, 500)
			},
			left: func(t *testing.T, e *env) {
				if publishedMarker(e, "goals") {
					t.Errorf("goals has _SUCCESS while half restored")
				}
			},
		},
	}
	recoverers := []struct {
		name string
		run  func(t *testing.T, e *env)
	}{
		{"next run's Commit", func(t *testing.T, e *env) {
			run3 := newRun(date2, schemas.Users, schemas.Goals)
			sink3, err := faultRun(e, run3, 3, 1, s3.WithClock(afterLease))
			if err != nil {
				t.Fatalf("run 3: %v", err)
			}
			sink3.Close()
			checkPublished(t, e, run3, date2, schemas.Users, schemas.Goals)
		}},
		{"wbexport gc", func(t *testing.T, e *env) {
			g := e.open(sinks.RunInfo{}, e.config(), s3.WithClock(afterLease))
			st, err := g.GC(context.Background(), 0)
			if err != nil {
				t.Fatalf("GC: %v", err)
			}
			if len(st.RolledBack) != 1 {
				t.Errorf("GC = %+v, want one run rolled back", st)
			}
		}},
	}
	for _, crash := range crashes {
		for _, rec := range recoverers {
			t.Run(crash.name+"/"+rec.name, func(t *testing.T) {
				e := newEnv(t)
				p := e.withProxy()
				run1 := newRun(date1, schemas.Users, schemas.Goals)
				sink1, err := faultRun(e, run1, 1, 3)
				if err != nil {
					t.Fatalf("run 1: %v", err)
				}
				sink1.Close()
				before := e.published()

				crash.inject(p)
				run2 := newRun(date1, schemas.Users, schemas.Goals)
				sink2, err := faultRun(e, run2, 2, 1)
				if err == nil {
					t.Fatal("run 2 succeeded despite the injected fault")
				}
				t.Logf("run 2 failed as expected: %v", err)
				for _, want := range []string{"fault injected", "rolling back the 2 partitions this run touched failed",
					"left without _SUCCESS", "goals/snapshot_date=" + date1 + "/part-00000.parquet", "_journal.json"} {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("run 2 error lacks %q", want)
					}
				}
				crash.left(t, e)
				p.ClearFaults()
				if err := sink2.Close(); err != nil {
					t.Fatalf("Close: %v", err)
				}
				journal := sink2.StagingKey(run2.RunID) + "_journal.json"
				if !e.exists(journal) {
					t.Fatalf("Close removed %s, which the next run needs", journal)
				}
				body, _ := e.get(journal)
				if !strings.Contains(string(body), `"goals"`) || !strings.Contains(string(body), `"users"`) {
					t.Errorf("journal does not list both partitions:\n%s", body)
				}

				rec.run(t, e)
				after := e.published()
				for k := range after {
					if strings.Contains(k, "snapshot_date="+date2) {
						delete(after, k)
					}
				}
				if d := diffSnapshots(before, after); d != "" {
					t.Errorf("the previous snapshot was not restored:\n%s", d)
				}
				if st := e.keys(e.prefix + "/_staging/"); len(st) != 0 {
					t.Errorf("staging left: %v", st)
				}
				if !strings.Contains(e.logs.String(), "rolled back the unfinished publish of an earlier run") {
					t.Errorf("the recovery was not logged")
				}

				// And the date publishes normally afterwards.
				run4 := newRun(date1, schemas.Users, schemas.Goals)
				s4, err := faultRun(e, run4, 4, 3)
				if err != nil {
					t.Fatalf("run 4: %v", err)
				}
				s4.Close()
				checkPublished(t, e, run4, date1, schemas.Users, schemas.Goals)
			})
		}
	}
}

// TestCanceledMidPublishRollsBack: the run's context ends while the second partition is being
// published; the rollback runs on a context of its own and restores both partitions.
func TestCanceledMidPublishRollsBack(t *testing.T) {
	e := newEnv(t)
	p := e.withProxy()
	run1 := newRun(date1, schemas.Users, schemas.Goals)
	sink1, err := faultRun(e, run1, 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	sink1.Close()
	before := e.published()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Cancel the run when the proxy sees the publish copy of goals's first file (the copy
	// itself goes through).
	p.FailFunc("CopyObject", func(r *http.Request, key string) bool {
		if copyFrom("goals", "/_staging/", "/_backup/")(r, key) {
			cancel()
		}
		return false
	}, 0, 500)
	run2 := newRun(date1, schemas.Users, schemas.Goals)
	cfg := e.config()
	cfg.Concurrency = 1
	sink2 := e.open(run2, cfg, s3.WithParquetOptions(parquetfile.WithCompression(parquetfile.None),
		parquetfile.WithFileBytes(6<<20), parquetfile.WithRowGroupBytes(1<<20), parquetfile.WithSliceRows(100)))
	e.writeSample(sink2, run2, schemas.Users, 20, 2)
	for i := range 3 {
		rec := bigRecords(e.mem, run2, 1000, 4096, 20+int64(i))
		err := sink2.Write(ctx, schemas.Goals, rec)
		rec.Release()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err = sink2.Commit(ctx)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "rolled back 2 partition(s): the previous snapshot is intact") {
		t.Fatalf("Commit = %v, want context.Canceled and a complete rollback", err)
	}
	if d := diffSnapshots(before, e.published()); d != "" {
		t.Errorf("published objects changed:\n%s", d)
	}
	// The copy in flight when the context ended was completed, not abandoned, and then
	// restored from the backup.
	restored := false
	for _, r := range p.Requests() {
		restored = restored || (r.Op == "CopyObject" && r.Status == 200 &&
			copyFrom("goals", "/_backup/", "")(&http.Request{Header: r.Header}, r.Key) &&
			strings.HasSuffix(r.Key, "/part-00000.parquet"))
	}
	if !restored {
		t.Errorf("goals/part-00000.parquet was not restored from its backup")
	}
	if err := sink2.Close(); err != nil {
		t.Fatal(err)
	}
	if st := e.keys(e.prefix + "/_staging/"); len(st) != 0 {
		t.Errorf("staging left after Close: %v", st)
	}
}

// TestUnrecoverableJournalBlocksPublishing: a dead run's journal whose backups are gone cannot
// be rolled back; the next Commit refuses to publish over it, says why and how to give up the
// rollback, and changes nothing.
func TestUnrecoverableJournalBlocksPublishing(t *testing.T) {
	e := newEnv(t)
	p := e.withProxy()
	run1 := newRun(date1, schemas.Users)
	sink1, err := faultRun(e, run1, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	sink1.Close()
	p.FailFunc("PutObject", keySuffix("/users/snapshot_date="+date1+"/_SUCCESS"), 0, 500)
	p.FailFunc("CopyObject", copyFrom("users", "/_backup/", ""), 0, 500)
	run2 := newRun(date1, schemas.Users)
	sink2, err := faultRun(e, run2, 2, 0)
	if err == nil {
		t.Fatal("run 2 succeeded")
	}
	p.ClearFaults()
	sink2.Close()
	backup := sink2.StagingKey(run2.RunID) + "_backup/"
	for _, k := range e.keys(backup) {
		if _, err := e.client.DeleteObject(context.Background(), &awss3.DeleteObjectInput{Bucket: &e.bucket, Key: aws.String(k)}); err != nil {
			t.Fatal(err)
		}
	}
	before := e.snapshot("")

	run3 := newRun(date1, schemas.Users)
	_, err = faultRun(e, run3, 3, 0)
	if err == nil {
		t.Fatal("run 3 published over an unfinished rollback")
	}
	t.Logf("run 3: %v", err)
	for _, want := range []string{"run " + run2.RunID + " died while publishing", "is missing", "wbexport gc --repair --sink", "deletes s3://" + e.bucket + "/" + sink2.StagingKey(run2.RunID) + "_journal.json"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("run 3 error lacks %q", want)
		}
	}
	after := e.snapshot("")
	for k := range after {
		if strings.Contains(k, run3.RunID) {
			delete(after, k) // run 3's own staging (dead process)
		}
	}
	if d := diffSnapshots(before, after); d != "" {
		t.Errorf("run 3 changed objects:\n%s", d)
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
		if _, err := e.client.PutObject(ctx, &awss3.PutObjectInput{Bucket: &e.bucket, Key: aws.String(k), Body: strings.NewReader("x")}); err != nil {
			t.Fatal(err)
		}
	}
	for _, k := range []string{dead, own} {
		if _, err := e.client.CreateMultipartUpload(ctx, &awss3.CreateMultipartUploadInput{
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
		g := e.open(ownRun, e.config(), s3.WithClock(func() time.Time { return clock }))
		st, err := g.GC(ctx, time.Hour)
		if err != nil {
			t.Fatalf("%s: GC: %v", tc.name, err)
		}
		want := s3.GCStats{Runs: tc.wantRuns, Objects: tc.wantObjects, Uploads: tc.wantUploads}
		if diff := cmp.Diff(want, st, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s: GC (-want +got):\n%s", tc.name, diff)
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
