package bigquery_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strings"
	"testing"
	"time"

	bq "cloud.google.com/go/bigquery"
	"cloud.google.com/go/civil"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/api/iterator"

	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/sinks"
	"github.com/wbexport/wbexport/sinks/bigquery"
	"github.com/wbexport/wbexport/sinks/bigquery/bqtest"
	"github.com/wbexport/wbexport/sinks/sinktest"
)

const (
	testProject = "test-project"
	testDataset = "workboard"
)

// env is one fresh bqtest server plus a client reading through the wire protocol.
type env struct {
	t      testing.TB
	srv    *bqtest.Server
	client *bq.Client
	cfg    bigquery.Config
}

func newEnv(t testing.TB, opts ...bqtest.Option) *env {
	t.Helper()
	srv := bqtest.NewServer(opts...)
	t.Cleanup(srv.Close)
	client, err := srv.Client(context.Background(), testProject)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	cfg := bigquery.Config{
		Project: testProject, Dataset: testDataset, Location: "EU",
		PollInterval: time.Millisecond, MaxPollInterval: 5 * time.Millisecond, RetryInterval: time.Millisecond,
		TempDir: t.TempDir(), Labels: map[string]string{"team": "okr"},
	}
	// The sink's own Arrow/Parquet memory must be released by Close (sinks are closed by
	// cleanups registered later, which run first).
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	cfg.Allocator = mem
	return &env{t: t, srv: srv, client: client, cfg: cfg}
}

func (e *env) open(run sinks.RunInfo) *bigquery.Sink {
	e.t.Helper()
	s, err := bigquery.New(context.Background(), e.cfg, run, e.srv.ClientOptions()...)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { s.Close() })
	return s
}

func runInfo(runID, date string, tables ...*schemas.Table) sinks.RunInfo {
	d, err := time.Parse(time.DateOnly, date)
	if err != nil {
		panic(err)
	}
	if len(tables) == 0 {
		tables = schemas.DataTables()
	}
	return sinks.RunInfo{RunID: runID, SnapshotDate: d, Tables: tables, Version: "v0.1.0-test"}
}

// read returns the rows of table's partition of date, read through the real client's
// table.Read (tabledata.list), in canonical form, and whether the table exists.
func (e *env) read(table schemas.TableID, date string) ([]sinktest.Row, bool) {
	e.t.Helper()
	ctx := context.Background()
	ref := string(table)
	if date != "" {
		ref += "$" + strings.ReplaceAll(date, "-", "")
	}
	meta, err := e.client.Dataset(testDataset).Table(string(table)).Metadata(ctx)
	if err != nil {
		if strings.Contains(err.Error(), "404") {
			return nil, false
		}
		e.t.Fatal(err)
	}
	it := e.client.Dataset(testDataset).Table(ref).Read(ctx)
	it.PageInfo().MaxSize = max(3, int(meta.NumRows/4)) // exercise paging (several pages)
	var rows []sinktest.Row
	for {
		var vals []bq.Value
		err := it.Next(&vals)
		if err == iterator.Done {
			break
		}
		if err != nil {
			e.t.Fatalf("reading %s: %v", ref, err)
		}
		rows = append(rows, canonical(e.t, meta.Schema, vals))
	}
	return rows, true
}

// canonical converts client values into sinktest's canonical row form.
func canonical(t testing.TB, schema bq.Schema, vals []bq.Value) sinktest.Row {
	r := sinktest.Row{}
	for i, f := range schema {
		v := vals[i]
		if f.Repeated {
			list, _ := v.([]bq.Value)
			if f.Type == bq.IntegerFieldType {
				out := []int64{}
				for _, x := range list {
					out = append(out, x.(int64))
				}
				r[f.Name] = out
			} else {
				out := []string{}
				for _, x := range list {
					out = append(out, x.(string))
				}
				r[f.Name] = out
			}
			continue
		}
		switch x := v.(type) {
		case civil.Date:
			r[f.Name] = x.String()
		case time.Time:
			r[f.Name] = sinktest.CanonicalTime(x)
		default:
			r[f.Name] = x
		}
	}
	return r
}

func checked(t *testing.T) *memory.CheckedAllocator {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	return mem
}

// writeSample writes n sample rows (seed) of every run table and returns them canonically.
func writeSample(t *testing.T, mem memory.Allocator, s sinks.Sink, run sinks.RunInfo, n int, seed int64, edge bool) map[schemas.TableID][]sinktest.Row {
	t.Helper()
	want := map[schemas.TableID][]sinktest.Row{}
	for _, tb := range run.Tables {
		recs := []arrow.RecordBatch{sinktest.SampleRecords(mem, tb, n, seed, sinktest.WithDate(run.Date()), sinktest.WithRunID(run.RunID))}
		if edge {
			recs = append(recs, sinktest.EdgeRecords(mem, tb, sinktest.WithDate(run.Date()), sinktest.WithRunID(run.RunID)))
		}
		for _, rec := range recs {
			if err := s.Write(context.Background(), tb.Name, rec); err != nil {
				t.Fatal(err)
			}
			want[tb.Name] = append(want[tb.Name], sinktest.CanonicalRows(rec)...)
			rec.Release()
		}
	}
	return want
}

func (e *env) assertTable(t *testing.T, table schemas.TableID, date string, want []sinktest.Row) {
	t.Helper()
	got, ok := e.read(table, date)
	if !ok {
		t.Fatalf("table %s does not exist", table)
	}
	sinktest.SortRows(want)
	sinktest.SortRows(got)
	if d := sinktest.DiffRows(want, got); d != "" {
		t.Errorf("table %s partition %s differs:\n%s", table, date, d)
	}
}

// TestRoundTripAllTables exports sample and edge rows of every table and reads them back
// through the client: ground-truth equality of every table.
func TestRoundTripAllTables(t *testing.T) {
	mem := checked(t)
	e := newEnv(t)
	run := runInfo("0190a5e0-0000-7000-8000-000000000001", "2026-03-01")
	s := e.open(run)
	want := writeSample(t, mem, s, run, 7, 1, true)
	res, err := s.Commit(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	jobs := map[string]bqtest.JobInfo{} // by destination
	for _, j := range e.srv.Jobs() {
		jobs[j.Destination] = j
	}
	if len(jobs) != len(run.Tables) {
		t.Errorf("%d jobs, want one per table (%d): %+v", len(jobs), len(run.Tables), e.srv.Jobs())
	}
	for _, tb := range run.Tables {
		e.assertTable(t, tb.Name, run.Date(), want[tb.Name])
		job := jobs[testDataset+"."+string(tb.Name)+"$20260301"]
		tr := res.Tables[tb.Name]
		if tr.Bytes <= 0 {
			t.Errorf("%s: result reports %d bytes", tb.Name, tr.Bytes)
		}
		wantTR := sinks.TableResult{Rows: int64(len(want[tb.Name])), Files: 1, Bytes: tr.Bytes,
			Location: fmt.Sprintf("%s.%s.%s$20260301", testProject, testDataset, tb.Name), JobIDs: []string{job.ID}}
		if diff := cmp.Diff(wantTR, tr); diff != "" {
			t.Errorf("%s: result (-want +got):\n%s", tb.Name, diff)
		}
	}
	// Table metadata from schemas/.
	for _, tb := range run.Tables {
		md, err := e.client.Dataset(testDataset).Table(string(tb.Name)).Metadata(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		type tableMeta struct {
			Partitioning           *bq.TimePartitioning
			Clustering             *bq.Clustering
			Description, TeamLabel string
			RequirePartitionFilter bool
			FirstColumnDescription string
		}
		wantMD := tableMeta{
			Partitioning:           &bq.TimePartitioning{Type: bq.DayPartitioningType, Field: schemas.ColSnapshotDate},
			Clustering:             &bq.Clustering{Fields: tb.ClusterBy},
			Description:            tb.Description,
			TeamLabel:              "okr",
			FirstColumnDescription: tb.Columns[0].Description,
		}
		gotMD := tableMeta{md.TimePartitioning, md.Clustering, md.Description, md.Labels["team"], md.RequirePartitionFilter, md.Schema[0].Description}
		if diff := cmp.Diff(wantMD, gotMD); diff != "" {
			t.Errorf("%s: table metadata (-want +got):\n%s", tb.Name, diff)
		}
	}
	dmd, err := e.client.Dataset(testDataset).Metadata(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if dmd.Location != "EU" {
		t.Errorf("dataset location %s, want EU", dmd.Location)
	}
	// Jobs: one per table, labelled, deterministic ids, WRITE_TRUNCATE into the decorator.
	idRe := regexp.MustCompile(`^wbexport_0190a5e0-0000-7000-8000-000000000001_[a-z_]+_20260301_[0-9a-f]{16}$`)
	for _, tb := range run.Tables {
		dest := testDataset + "." + string(tb.Name) + "$20260301"
		job := jobs[dest]
		if !idRe.MatchString(job.ID) {
			t.Errorf("%s: job id %q does not match %s", tb.Name, job.ID, idRe)
		}
		wantJob := bqtest.JobInfo{Project: testProject, ID: job.ID, Location: "EU", Type: "LOAD", Destination: dest,
			WriteDisposition: "WRITE_TRUNCATE", State: "DONE",
			Labels: map[string]string{"wbexport_table": string(tb.Name), "wbexport_run_id": run.RunID, "wbexport_version": "v0_1_0-test", "team": "okr"}}
		if diff := cmp.Diff(wantJob, job); diff != "" {
			t.Errorf("%s: load job (-want +got):\n%s", tb.Name, diff)
		}
	}
}

// TestRerunSameDate replaces exactly the date's partition; another date stays.
func TestRerunSameDateAndTwoDates(t *testing.T) {
	mem := checked(t)
	e := newEnv(t)
	ctx := context.Background()
	goals, _ := schemas.Lookup(schemas.Goals)
	var want = map[string][]sinktest.Row{}
	for i, c := range []struct {
		run  string
		date string
		n    int
	}{
		{"run-a", "2026-03-01", 5},
		{"run-b", "2026-03-02", 4},
		{"run-c", "2026-03-01", 6}, // rerun of the first date with other rows
	} {
		run := runInfo(c.run, c.date, goals)
		s := e.open(run)
		w := writeSample(t, mem, s, run, c.n, int64(i+1), false)
		if _, err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		want[c.date] = w[schemas.Goals]
	}
	e.assertTable(t, schemas.Goals, "2026-03-01", want["2026-03-01"])
	e.assertTable(t, schemas.Goals, "2026-03-02", want["2026-03-02"])
	all, _ := e.read(schemas.Goals, "")
	if len(all) != 6+4 {
		t.Errorf("table has %d rows, want 10 (two partitions)", len(all))
	}
}

// TestEmptyTableReplacesPartition: a table without rows publishes an empty partition.
func TestEmptyTableReplacesPartition(t *testing.T) {
	mem := checked(t)
	e := newEnv(t)
	ctx := context.Background()
	users, _ := schemas.Lookup(schemas.Users)
	run := runInfo("run-1", "2026-03-01", users)
	s := e.open(run)
	writeSample(t, mem, s, run, 3, 1, false)
	if _, err := s.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	s2 := e.open(runInfo("run-2", "2026-03-01", users))
	res, err := s2.Commit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rows, ok := e.read(schemas.Users, "2026-03-01"); !ok || len(rows) != 0 || res.Tables[schemas.Users].Rows != 0 {
		t.Errorf("after an empty rerun: %d rows (exists %v), result %+v", len(rows), ok, res.Tables[schemas.Users])
	}
}

// TestSchemaAdditionApplied: an existing table with one column fewer gets the column.
func TestSchemaAdditionApplied(t *testing.T) {
	mem := checked(t)
	e := newEnv(t)
	ctx := context.Background()
	users, _ := schemas.Lookup(schemas.Users)
	if err := e.client.Dataset(testDataset).Create(ctx, &bq.DatasetMetadata{Location: "EU"}); err != nil {
		t.Fatal(err)
	}
	full := bigquery.TableSchema(users)
	var old bq.Schema
	for _, f := range full {
		if f.Name != "profile_company" && f.Name != "user_name" {
			old = append(old, f)
		}
	}
	// user_name was REQUIRED in the old table, to check relaxation as well.
	for _, f := range old {
		if f.Name == "email" {
			c := *f
			c.Required = true
			*f = c
		}
	}
	err := e.client.Dataset(testDataset).Table(string(schemas.Users)).Create(ctx, &bq.TableMetadata{
		Schema:           old,
		TimePartitioning: &bq.TimePartitioning{Type: bq.DayPartitioningType, Field: schemas.ColSnapshotDate},
	})
	if err != nil {
		t.Fatal(err)
	}
	run := runInfo("run-1", "2026-03-01", users)
	s := e.open(run)
	want := writeSample(t, mem, s, run, 6, 3, false)
	if _, err := s.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	md, err := e.client.Dataset(testDataset).Table(string(schemas.Users)).Metadata(ctx)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]*bq.FieldSchema{}
	for _, f := range md.Schema {
		names[f.Name] = f
	}
	if names["profile_company"] == nil || names["user_name"] == nil || len(md.Schema) != len(full) {
		t.Fatalf("columns not added: %d columns", len(md.Schema))
	}
	if names["email"].Required {
		t.Errorf("email still REQUIRED, want relaxed to NULLABLE")
	}
	if md.Description != users.Description || md.Labels["team"] != "okr" || names["user_id"].Description == "" {
		t.Errorf("description/labels not brought up to date: %q %v", md.Description, md.Labels)
	}
	e.assertTable(t, schemas.Users, run.Date(), want[schemas.Users])
}

// TestIncompatibleSchemaRefused: a type change stops the run before any job is inserted.
func TestIncompatibleSchemaRefused(t *testing.T) {
	mem := checked(t)
	e := newEnv(t)
	ctx := context.Background()
	goals, _ := schemas.Lookup(schemas.Goals)
	teams, _ := schemas.Lookup(schemas.Teams)
	if err := e.client.Dataset(testDataset).Create(ctx, &bq.DatasetMetadata{Location: "EU"}); err != nil {
		t.Fatal(err)
	}
	bad := bigquery.TableSchema(goals)
	for i, f := range bad {
		c := *f
		switch f.Name {
		case "goal_progress":
			c.Type = bq.StringFieldType
		case "goal_permission":
			c.Repeated = false
		}
		bad[i] = &c
	}
	bad = append(bad, &bq.FieldSchema{Name: "legacy_col", Type: bq.StringFieldType})
	if err := e.client.Dataset(testDataset).Table(string(schemas.Goals)).Create(ctx, &bq.TableMetadata{
		Schema:           bad,
		TimePartitioning: &bq.TimePartitioning{Type: bq.DayPartitioningType, Field: schemas.ColSnapshotDate},
	}); err != nil {
		t.Fatal(err)
	}
	run := runInfo("run-1", "2026-03-01", teams, goals)
	s := e.open(run)
	writeSample(t, mem, s, run, 3, 1, false)
	_, err := s.Commit(ctx)
	var se *bigquery.SchemaError
	if !errors.As(err, &se) {
		t.Fatalf("Commit error %v, want *SchemaError", err)
	}
	msg := err.Error()
	for _, w := range []string{"goals: column goal_progress: type FLOAT in the table, STRING wanted",
		"goal_permission: mode NULLABLE in the table, REPEATED wanted", "legacy_col", "nothing was loaded"} {
		// goal_progress is FLOAT in schemas/ and STRING in the table.
		w = strings.Replace(w, "type FLOAT in the table, STRING wanted", "type STRING in the table, FLOAT wanted", 1)
		if !strings.Contains(msg, w) {
			t.Errorf("error %q does not mention %q", msg, w)
		}
	}
	if jobs := e.srv.Jobs(); len(jobs) != 0 {
		t.Errorf("server saw %d jobs, want none", len(jobs))
	}
	if _, ok := e.read(schemas.Teams, ""); ok {
		t.Errorf("teams table was created although the run was refused")
	}
}

// TestFailedLoadLeavesOtherPartitions: a failing job reports table + job id + reason; the
// table keeps its other partitions and the failed date's previous content.
func TestFailedLoadLeavesOtherPartitions(t *testing.T) {
	mem := checked(t)
	e := newEnv(t)
	ctx := context.Background()
	goals, _ := schemas.Lookup(schemas.Goals)
	teams, _ := schemas.Lookup(schemas.Teams)
	run1 := runInfo("run-1", "2026-03-01", teams, goals)
	s := e.open(run1)
	want1 := writeSample(t, mem, s, run1, 4, 1, false)
	if _, err := s.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	run2 := runInfo("run-2", "2026-03-01", teams, goals)
	s2 := e.open(run2)
	want2 := writeSample(t, mem, s2, run2, 5, 2, false)
	e.srv.FailNextLoad(string(schemas.Goals), "quotaExceeded", "Quota exceeded: too many table update operations")
	_, err := s2.Commit(ctx)
	var je *bigquery.JobError
	if !errors.As(err, &je) {
		t.Fatalf("Commit error %v, want *JobError", err)
	}
	var goalsJob string
	for _, j := range e.srv.Jobs() {
		if j.Labels["wbexport_table"] == string(schemas.Goals) && j.Labels["wbexport_run_id"] == "run-2" {
			goalsJob = j.ID
		}
	}
	for _, w := range []string{"table goals", goalsJob, "quotaExceeded", "Quota exceeded"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not name %q", err, w)
		}
	}
	e.assertTable(t, schemas.Goals, "2026-03-01", want1[schemas.Goals]) // untouched
	e.assertTable(t, schemas.Teams, "2026-03-01", want2[schemas.Teams]) // replaced
	// The failure can still be recorded in the ledger.
	ledger, _ := schemas.Lookup(schemas.SyncRuns)
	rec := sinktest.SampleRecords(mem, ledger, 1, 9, sinktest.WithDate("2026-03-01"), sinktest.WithRunID("run-2"))
	defer rec.Release()
	if err := s2.AppendLedger(ctx, rec); err != nil {
		t.Fatal(err)
	}
	if rows, _ := e.read(schemas.SyncRuns, ""); len(rows) != 1 {
		t.Errorf("ledger has %d rows, want 1", len(rows))
	}
}

// TestDuplicateInsertAttaches: the first jobs.insert response is lost (503 after the job was
// created); the retry gets 409 and attaches: one job, rows once.
func TestDuplicateInsertAttaches(t *testing.T) {
	mem := checked(t)
	e := newEnv(t)
	ctx := context.Background()
	teams, _ := schemas.Lookup(schemas.Teams)
	run := runInfo("run-1", "2026-03-01", teams)
	s := e.open(run)
	want := writeSample(t, mem, s, run, 5, 1, false)
	e.srv.FailInsertResponses(1)
	res, err := s.Commit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	jobs := e.srv.Jobs()
	if len(jobs) != 1 || jobs[0].ID != res.Tables[schemas.Teams].JobIDs[0] {
		t.Fatalf("jobs %+v, want exactly the one of result %v", jobs, res.Tables[schemas.Teams].JobIDs)
	}
	inserts := 0
	for _, r := range e.srv.Requests() {
		if r.Method == "POST" && strings.HasSuffix(r.Path, "/jobs") {
			inserts++
		}
	}
	if inserts != 2 {
		t.Errorf("%d jobs.insert requests, want 2 (the lost one and the retry)", inserts)
	}
	e.assertTable(t, schemas.Teams, run.Date(), want[schemas.Teams])
}

// TestPollFailuresAreRetried: 5xx on job polls do not fail the run.
func TestPollFailuresAreRetried(t *testing.T) {
	mem := checked(t)
	e := newEnv(t, bqtest.WithPollsUntilDone(2))
	ctx := context.Background()
	teams, _ := schemas.Lookup(schemas.Teams)
	run := runInfo("run-1", "2026-03-01", teams)
	s := e.open(run)
	want := writeSample(t, mem, s, run, 3, 1, false)
	e.srv.FailPolls(1)
	if _, err := s.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	e.assertTable(t, schemas.Teams, run.Date(), want[schemas.Teams])
}

// TestResumableUpload forces the chunked upload path with a small chunk size.
func TestResumableUpload(t *testing.T) {
	mem := checked(t)
	e := newEnv(t)
	e.cfg.ChunkSize = 256 << 10 // googleapi's minimum chunk
	ctx := context.Background()
	users, _ := schemas.Lookup(schemas.Users)
	run := runInfo("run-1", "2026-03-01", users)
	s := e.open(run)
	want := writeSample(t, mem, s, run, 6000, 1, true)
	res, err := s.Commit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if b := res.Tables[schemas.Users].Bytes; b <= 2*int64(e.cfg.ChunkSize) {
		t.Fatalf("staged file is %d bytes; the test needs more than two chunks", b)
	}
	var initiations, chunks int
	for _, r := range e.srv.Requests() {
		if strings.Contains(r.Query, "uploadType=resumable") {
			if strings.Contains(r.Query, "upload_id=") {
				chunks++
			} else {
				initiations++
			}
		}
	}
	if initiations != 1 || chunks < 3 {
		t.Errorf("resumable upload: %d initiations, %d chunk requests; want 1 and >= 3", initiations, chunks)
	}
	e.assertTable(t, schemas.Users, run.Date(), want[schemas.Users])
}

// TestGCSStaging loads from gs:// objects uploaded through the GCS JSON API subset of bqtest.
func TestGCSStaging(t *testing.T) {
	mem := checked(t)
	e := newEnv(t)
	e.cfg.GCSStaging = "gs://wb-staging/loads"
	e.cfg.StorageOptions = e.srv.StorageClientOptions()
	ctx := context.Background()
	teams, _ := schemas.Lookup(schemas.Teams)
	goals, _ := schemas.Lookup(schemas.Goals)
	run := runInfo("run-1", "2026-03-01", teams, goals)
	s := e.open(run)
	want := writeSample(t, mem, s, run, 4, 1, false)
	if _, err := s.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	for _, j := range e.srv.Jobs() {
		if len(j.SourceURIs) != 1 || !strings.HasPrefix(j.SourceURIs[0], "gs://wb-staging/loads/run-1/wbexport_run-1_") {
			t.Errorf("job %s source URIs %v", j.ID, j.SourceURIs)
		}
	}
	if objs := e.srv.Objects(); len(objs) != 0 {
		t.Errorf("staging objects left behind: %v", objs)
	}
	e.assertTable(t, schemas.Teams, run.Date(), want[schemas.Teams])
	e.assertTable(t, schemas.Goals, run.Date(), want[schemas.Goals])
}

// TestLedgerAppends: AppendLedger appends (WRITE_APPEND) into the date's ledger partition.
func TestLedgerAppends(t *testing.T) {
	mem := checked(t)
	e := newEnv(t)
	ctx := context.Background()
	ledger, _ := schemas.Lookup(schemas.SyncRuns)
	teams, _ := schemas.Lookup(schemas.Teams)
	var want []sinktest.Row
	for i, id := range []string{"run-1", "run-2"} {
		run := runInfo(id, "2026-03-01", teams)
		s := e.open(run)
		writeSample(t, mem, s, run, 2, int64(i), false)
		if _, err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		rec := sinktest.SampleRecords(mem, ledger, 1, int64(i), sinktest.WithDate(run.Date()), sinktest.WithRunID(id))
		want = append(want, sinktest.CanonicalRows(rec)...)
		if err := s.AppendLedger(ctx, rec); err != nil {
			t.Fatal(err)
		}
		rec.Release()
	}
	e.assertTable(t, schemas.SyncRuns, "2026-03-01", want)
	for _, j := range e.srv.Jobs() {
		if strings.Contains(j.Destination, string(schemas.SyncRuns)) && (j.WriteDisposition != "WRITE_APPEND" || !strings.HasSuffix(j.Destination, "$20260301")) {
			t.Errorf("ledger job %+v", j)
		}
	}
}

// TestWriteValidation: unknown tables and mismatching schemas are refused at Write.
func TestWriteValidation(t *testing.T) {
	mem := checked(t)
	e := newEnv(t)
	teams, _ := schemas.Lookup(schemas.Teams)
	users, _ := schemas.Lookup(schemas.Users)
	s := e.open(runInfo("run-1", "2026-03-01", teams))
	rec := sinktest.SampleRecords(mem, users, 1, 1)
	defer rec.Release()
	if err := s.Write(context.Background(), schemas.Users, rec); err == nil || !strings.Contains(err.Error(), `"users" is not one of the run's tables`) {
		t.Errorf("Write to a table outside the run: %v", err)
	}
	if err := s.Write(context.Background(), schemas.Teams, rec); err == nil || !strings.Contains(err.Error(), "teams") {
		t.Errorf("Write of users rows to teams: %v", err)
	}
	other := sinktest.SampleRecords(mem, teams, 2, 1, sinktest.WithDate("2026-02-28"))
	defer other.Release()
	if err := s.Write(context.Background(), schemas.Teams, other); err == nil ||
		!strings.Contains(err.Error(), "table teams: row 0 of the batch has snapshot_date 2026-02-28, the run's snapshot date is 2026-03-01") {
		t.Errorf("Write of rows of another date: %v", err)
	}
	if err := s.Abort(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(e.srv.Requests()) != 0 {
		t.Errorf("server saw requests before Commit: %v", e.srv.Requests())
	}
}

// TestCheck: access + dry run; an incompatible existing table fails the check.
func TestCheck(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	s := e.open(runInfo("run-1", "2026-03-01"))
	if err := s.Check(ctx); err != nil {
		t.Fatalf("Check on an empty project: %v", err)
	}
	dry := false
	for _, r := range e.srv.Requests() {
		if r.Method == "POST" && strings.HasSuffix(r.Path, "/jobs") {
			dry = true
		}
	}
	if !dry || len(e.srv.Jobs()) != 0 {
		t.Errorf("Check: dry run sent %v, jobs stored %d", dry, len(e.srv.Jobs()))
	}
	if err := e.client.Dataset(testDataset).Create(ctx, &bq.DatasetMetadata{Location: "EU"}); err != nil {
		t.Fatal(err)
	}
	if err := e.client.Dataset(testDataset).Table(string(schemas.Teams)).Create(ctx, &bq.TableMetadata{
		Schema: bq.Schema{{Name: "team_id", Type: bq.StringFieldType}},
	}); err != nil {
		t.Fatal(err)
	}
	err := s.Check(ctx)
	var se *bigquery.SchemaError
	if !errors.As(err, &se) || len(se.Tables[schemas.Teams]) == 0 {
		t.Errorf("Check with an incompatible teams table: %v", err)
	}
	// Location mismatch, with a check-only sink (zero RunInfo).
	e.cfg.Location = "US"
	s2 := e.open(sinks.RunInfo{})
	if _, err := s2.Commit(ctx); err == nil || !strings.Contains(err.Error(), "without a run") {
		t.Errorf("Commit on a check-only sink: %v", err)
	}
	if err := s2.Check(ctx); err == nil || !strings.Contains(err.Error(), "location EU") {
		t.Errorf("Check with a dataset in another location: %v", err)
	}
}

func TestParseURL(t *testing.T) {
	for _, c := range []struct {
		in, project, dataset, err string
	}{
		{in: "bigquery://my-project/workboard", project: "my-project", dataset: "workboard"},
		{in: "bigquery://example.com:my-project/wb_raw/", project: "example.com:my-project", dataset: "wb_raw"},
		{in: "s3://bucket/x", err: "scheme must be bigquery://"},
		{in: "bigquery:///ds", err: "project is empty"},
		{in: "bigquery://My_Project/ds", err: `project "My_Project" is not a valid GCP project id`},
		{in: "bigquery://my-project/", err: "dataset is empty"},
		{in: "bigquery://my-project/work-board", err: `dataset "work-board" is not a valid BigQuery dataset id`},
		{in: "bigquery://my-project/a/b", err: "more than one segment"},
		{in: "bigquery://user:secret@my-project/ds", err: "no user info"},
	} {
		cfg, err := bigquery.ParseURL(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("ParseURL(%q) error %v, want %q", c.in, err, c.err)
			}
			if err != nil && strings.Contains(err.Error(), "secret") {
				t.Errorf("ParseURL(%q) leaks the password: %v", c.in, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseURL(%q): %v", c.in, err)
			continue
		}
		if diff := cmp.Diff(bigquery.Config{Project: c.project, Dataset: c.dataset, Location: bigquery.DefaultLocation}, cfg); diff != "" {
			t.Errorf("ParseURL(%q) (-want +got):\n%s", c.in, diff)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	base := bigquery.Config{Project: "my-project", Dataset: "wb"}
	for _, c := range []struct {
		mod func(*bigquery.Config)
		err string
	}{
		{func(c *bigquery.Config) {}, ""},
		{func(c *bigquery.Config) { c.GCSStaging = "s3://x/y" }, "must start with gs://"},
		{func(c *bigquery.Config) { c.GCSStaging = "gs://B/y" }, "not a valid bucket name"},
		{func(c *bigquery.Config) { c.Labels = map[string]string{"Team": "x"} }, `label key "Team"`},
		{func(c *bigquery.Config) { c.Labels = map[string]string{"team": "OKR"} }, `value "OKR"`},
		{func(c *bigquery.Config) { c.Location = "us central" }, "location"},
		{func(c *bigquery.Config) { c.PartitionExpiration = -time.Hour }, "negative"},
	} {
		cfg := base
		c.mod(&cfg)
		err := cfg.Validate()
		if (c.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), c.err)) {
			t.Errorf("Validate(%+v) = %v, want %q", cfg, err, c.err)
		}
	}
}

func TestJobIDDeterministic(t *testing.T) {
	run := runInfo("0190a5e0-0000-7000-8000-000000000001", "2026-03-01")
	a := bigquery.JobID("p", "d", "_sync_runs", run, "abc")
	if a != bigquery.JobID("p", "d", "_sync_runs", run, "abc") {
		t.Error("job id not deterministic")
	}
	if a == bigquery.JobID("p", "d", "_sync_runs", run, "abd") || a == bigquery.JobID("p", "d2", "_sync_runs", run, "abc") {
		t.Error("job id ignores content or dataset")
	}
	if !(regexp.MustCompile(`^[A-Za-z0-9_-]+$`).MatchString(a) && len(a) <= 1024) || !strings.HasPrefix(a, "wbexport_0190a5e0-0000-7000-8000-000000000001__sync_runs_20260301_") {
		t.Errorf("job id %q", a)
	}
	if got := bigquery.LabelValue("V1.2.3+Dirty"); got != "v1_2_3_dirty" {
		t.Errorf("LabelValue = %q", got)
	}
}

// TestPartitionExpiration: data tables get the expiration, the ledger does not.
func TestPartitionExpiration(t *testing.T) {
	mem := checked(t)
	e := newEnv(t)
	e.cfg.PartitionExpiration = 400 * 24 * time.Hour
	ctx := context.Background()
	teams, _ := schemas.Lookup(schemas.Teams)
	ledger, _ := schemas.Lookup(schemas.SyncRuns)
	run := runInfo("run-1", "2026-03-01", teams)
	s := e.open(run)
	writeSample(t, mem, s, run, 1, 1, false)
	if _, err := s.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	rec := sinktest.SampleRecords(mem, ledger, 1, 1, sinktest.WithDate(run.Date()), sinktest.WithRunID("run-1"))
	defer rec.Release()
	if err := s.AppendLedger(ctx, rec); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[schemas.TableID]time.Duration{schemas.Teams: e.cfg.PartitionExpiration, schemas.SyncRuns: 0} {
		md, err := e.client.Dataset(testDataset).Table(string(name)).Metadata(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if md.TimePartitioning.Expiration != want {
			t.Errorf("%s: partition expiration %v, want %v", name, md.TimePartitioning.Expiration, want)
		}
	}
}

var _ = math.NaN
var _ = array.NewInt64Builder

// TestGCSStagingResumable stages a file larger than the chunk size: the GCS client uses the
// resumable upload, then the load reads the object.
func TestGCSStagingResumable(t *testing.T) {
	mem := checked(t)
	e := newEnv(t)
	e.cfg.GCSStaging = "gs://wb-staging"
	e.cfg.StorageOptions = e.srv.StorageClientOptions()
	e.cfg.ChunkSize = 256 << 10
	ctx := context.Background()
	users, _ := schemas.Lookup(schemas.Users)
	run := runInfo("run-1", "2026-03-01", users)
	s := e.open(run)
	want := writeSample(t, mem, s, run, 6000, 1, true)
	res, err := s.Commit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if b := res.Tables[schemas.Users].Bytes; b <= 2*int64(e.cfg.ChunkSize) {
		t.Fatalf("staged file is %d bytes; the test needs more than two chunks", b)
	}
	chunks := 0
	for _, r := range e.srv.Requests() {
		if strings.HasPrefix(r.Path, "/upload/storage/v1/b/wb-staging/o") && strings.Contains(r.Query, "upload_id=") {
			chunks++
		}
	}
	if chunks < 3 {
		t.Errorf("%d GCS chunk requests, want >= 3", chunks)
	}
	if jobs := e.srv.Jobs(); len(jobs) != 1 || len(jobs[0].SourceURIs) != 1 {
		t.Errorf("jobs %+v", jobs)
	}
	e.assertTable(t, schemas.Users, run.Date(), want[schemas.Users])
}
