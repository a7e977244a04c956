package s3_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/sinks/s3"
)

// TestServerHasConditionalWrites: the lease relies on conditional PUTs; the test server
// (versitygw) must refuse a second If-None-Match: * write and a write with a stale If-Match.
func TestServerHasConditionalWrites(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	key := aws.String(e.prefix + "/_staging/_cond-test")
	n := 0
	put := func(ifNoneMatch, ifMatch *string) (*awss3.PutObjectOutput, error) {
		n++ // a different body each time: ETags are content hashes
		return e.client.PutObject(ctx, &awss3.PutObjectInput{Bucket: &e.bucket, Key: key, Body: strings.NewReader(strings.Repeat("x", n)),
			IfNoneMatch: ifNoneMatch, IfMatch: ifMatch})
	}
	first, err := put(aws.String("*"), nil)
	if err != nil {
		t.Fatalf("first If-None-Match write: %v", err)
	}
	if _, err := put(aws.String("*"), nil); err == nil {
		t.Fatal("a second If-None-Match: * write succeeded")
	}
	if _, err := put(nil, first.ETag); err != nil {
		t.Fatalf("If-Match with the current ETag: %v", err)
	}
	if _, err := put(nil, first.ETag); err == nil {
		t.Fatal("If-Match with a stale ETag succeeded")
	}
}

// putLease writes the lease object as another run would (run id, expiry).
func (e *env) putLease(runID string, expires time.Time) {
	e.t.Helper()
	b, _ := json.Marshal(map[string]any{"run_id": runID, "holder": "run", "acquired_at": time.Now().UTC(), "expires_at": expires.UTC()})
	if _, err := e.client.PutObject(context.Background(), &awss3.PutObjectInput{Bucket: &e.bucket,
		Key: aws.String(e.prefix + "/_staging/_lease.json"), Body: strings.NewReader(string(b))}); err != nil {
		e.t.Fatal(err)
	}
}

// TestOverlappingRuns: a run never rolls back a live run's publish (the live run holds the
// prefix's lease: the other fails with ErrLeaseHeld, exit 4, changing nothing); a dead run's
// expired lease is taken over; a dead run that cannot be rolled back makes Commit and gc fail
// naming the repair, gc --repair gives it up, and the next run publishes.
func TestOverlappingRuns(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	run1 := newRun(date1, schemas.Users)
	if _, err := faultRun(e, run1, 1, 0); err != nil {
		t.Fatal(err)
	}
	if e.exists(e.prefix + "/_staging/_lease.json") {
		t.Fatal("the lease is still there after a successful Commit")
	}
	// Run B is publishing: it holds the lease and has a journal (whose backups are not there).
	b := newRun(date1, schemas.Users)
	journal, _ := json.Marshal(map[string]any{"version": 1, "run_id": b.RunID, "snapshot_date": date1, "partitions": []any{map[string]any{
		"table": "users", "dir": e.part(schemas.Users, date1), "backup": e.prefix + "/_staging/" + b.RunID + "/_backup/users/",
		"objects": []any{map[string]any{"name": "_SUCCESS", "size": 0, "etag": "x"}}}}})
	journalKey := e.prefix + "/_staging/" + b.RunID + "/_journal.json"
	if _, err := e.client.PutObject(ctx, &awss3.PutObjectInput{Bucket: &e.bucket, Key: aws.String(journalKey), Body: strings.NewReader(string(journal))}); err != nil {
		t.Fatal(err)
	}
	e.putLease(b.RunID, time.Now().Add(time.Hour))
	before := e.published()

	runA := newRun(date1, schemas.Users)
	_, err := faultRun(e, runA, 2, 0)
	if !errors.Is(err, s3.ErrLeaseHeld) || !strings.Contains(err.Error(), b.RunID) {
		t.Fatalf("run A during B's publish: err = %v, want ErrLeaseHeld naming %s", err, b.RunID)
	}
	if d := diffSnapshots(before, e.published()); d != "" || !e.exists(journalKey) {
		t.Fatalf("run A changed published data or B's journal (journal there: %v):\n%s", e.exists(journalKey), d)
	}
	g := e.open(newRun(date1), e.config())
	if _, err := g.GC(ctx, 0); !errors.Is(err, s3.ErrLeaseHeld) {
		t.Fatalf("gc during B's publish: err = %v, want ErrLeaseHeld", err)
	}

	// B died: its lease expired. The next run takes the lease over and tries to roll B back,
	// which cannot work (B's backups are gone): it stops, naming the repair.
	e.putLease(b.RunID, time.Now().Add(-time.Minute))
	_, err = faultRun(e, newRun(date1, schemas.Users), 3, 0)
	var stuck *s3.StuckError
	if !errors.As(err, &stuck) || stuck.RunID != b.RunID || !strings.Contains(err.Error(), "wbexport gc --repair --sink s3://"+e.bucket) {
		t.Fatalf("run after B died: err = %v, want a StuckError for %s naming gc --repair", err, b.RunID)
	}
	if _, err := g.GC(ctx, 0); !errors.As(err, &stuck) {
		t.Fatalf("gc: err = %v, want the StuckError", err)
	}
	st, err := g.GC(ctx, time.Hour, s3.GCRepair())
	if err != nil {
		t.Fatalf("gc --repair: %v", err)
	}
	if d := cmp.Diff(s3.GCStats{Runs: []string{b.RunID}, Repaired: []string{b.RunID}}, st, cmpopts.IgnoreFields(s3.GCStats{}, "Objects", "Uploads"), cmpopts.EquateEmpty()); d != "" {
		t.Errorf("gc --repair (-want +got):\n%s", d)
	}
	run4 := newRun(date1, schemas.Users)
	if _, err := faultRun(e, run4, 4, 0); err != nil {
		t.Fatalf("run after the repair: %v", err)
	}
	checkPublished(t, e, run4, date1, schemas.Users)
}
