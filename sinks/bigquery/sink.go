// Package bigquery publishes a run's tables to BigQuery with load jobs (never streaming inserts).
//
// Usage (credentials come from Application Default Credentials, never from flags):
//
//	cfg, err := bigquery.ParseURL("bigquery://my-project/workboard") // then set Location etc.
//	s, err := bigquery.New(ctx, cfg, run)
//	... s.Write(ctx, schemas.Users, rec) ...
//	res, err := s.Commit(ctx)
//	s.AppendLedger(ctx, ledgerRec)
//	s.Close()
//
// During Write each table's batches are written through the shared Parquet writer
// (sinks/parquetfile, one file per table, no rotation) into a temp file; nothing reaches
// BigQuery before Commit. Commit then
//
//  1. creates the dataset (in Config.Location) and every missing table from schemas/ (DAY
//     partitioning on snapshot_date, clustering, descriptions, labels);
//  2. compares existing tables with schemas/: added columns (and REQUIRED→NULLABLE) are
//     applied with an etag-guarded metadata update; any other difference stops the run with a
//     *SchemaError before any load job is inserted;
//  3. inserts one load job per table into the partition decorator table$YYYYMMDD with
//     WRITE_TRUNCATE (a rerun of the same date replaces exactly that day), uploading the
//     Parquet file with the job (multipart, or resumable above Config.ChunkSize) or, with
//     Config.GCSStaging, from a staged gs:// object;
//  4. waits for all jobs, polling with exponential backoff.
//
// Job ids are deterministic: wbexport_<run>_<table>_<yyyymmdd>_<hash of project, dataset,
// table, date, run and file sha256>. A jobs.insert retried after a lost response gets 409
// duplicate and attaches to the existing job (Client.JobFromIDLocation) instead of loading
// twice. Every job carries the labels wbexport_run_id, wbexport_table and wbexport_version.
//
// Publish window: each table's partition is replaced atomically by its own job; tables are
// not replaced together. If a job fails, Commit returns an error naming the table, the job id
// and BigQuery's reasons; partitions loaded by the other jobs stay replaced, the failed
// table's partition keeps its previous content. A rerun of the date repairs.
//
// AppendLedger loads the _sync_runs row(s) with WRITE_APPEND into _sync_runs$YYYYMMDD.
//
// Running against real BigQuery: see README.md in this directory (WBEXPORT_BQ_PROJECT).
package bigquery

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	bq "cloud.google.com/go/bigquery"
	"cloud.google.com/go/storage"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/option"

	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/sinks"
	"github.com/wbexport/wbexport/sinks/parquetfile"
)

// Sink is the BigQuery sinks.Sink (and sinks.Checker). Not safe for concurrent use.
type Sink struct {
	cfg    Config
	run    sinks.RunInfo
	client *bq.Client
	gcs    *storage.Client
	ds     *bq.Dataset
	tmpDir string

	tables map[schemas.TableID]*schemas.Table
	stages map[schemas.TableID]*stage

	ensured map[schemas.TableID]bq.Schema // table → load schema, after ensureTable
	dsReady bool

	committed, aborted, closed bool
}

var _ sinks.Sink = (*Sink)(nil)
var _ sinks.Checker = (*Sink)(nil)

// stage is one table's Parquet file being written.
type stage struct {
	w     *parquetfile.Writer
	path  string
	files []parquetfile.FileInfo
	err   error
}

// New returns a sink writing run to cfg's dataset. opts are passed to NewClient of
// cloud.google.com/go/bigquery (none in production: Application Default Credentials are used).
// A zero RunInfo gives a sink that can only Check (wbexport check); Write, Commit and
// AppendLedger then fail.
// New does not contact BigQuery.
func New(ctx context.Context, cfg Config, run sinks.RunInfo, opts ...option.ClientOption) (*Sink, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("bigquery: %w", err)
	}
	cfg = cfg.withDefaults()
	client, err := bq.NewClient(ctx, cfg.Project, opts...)
	if err != nil {
		return nil, fmt.Errorf("bigquery: BigQuery client for project %s: %w", cfg.Project, err)
	}
	s := &Sink{cfg: cfg, run: run, client: client, ds: client.Dataset(cfg.Dataset),
		tables: map[schemas.TableID]*schemas.Table{}, stages: map[schemas.TableID]*stage{}, ensured: map[schemas.TableID]bq.Schema{}}
	for _, t := range run.Tables {
		if t.Ledger {
			client.Close()
			return nil, fmt.Errorf("bigquery: run table %s is the ledger; it is written by AppendLedger", t.Name)
		}
		s.tables[t.Name] = t
	}
	if cfg.GCSStaging != "" {
		s.gcs, err = storage.NewClient(ctx, cfg.StorageOptions...)
		if err != nil {
			client.Close()
			return nil, fmt.Errorf("bigquery: GCS client for staging %s: %w", cfg.GCSStaging, err)
		}
	}
	s.tmpDir, err = os.MkdirTemp(cfg.TempDir, "wbexport-bq-")
	if err != nil {
		s.closeClients()
		return nil, fmt.Errorf("bigquery: staging directory: %w", err)
	}
	return s, nil
}

func (s *Sink) partition() string { return s.run.SnapshotDate.UTC().Format("20060102") }

// Write stages rec for table in a temp Parquet file.
func (s *Sink) Write(ctx context.Context, table schemas.TableID, rec arrow.RecordBatch) error {
	if s.committed || s.aborted || s.closed {
		return fmt.Errorf("bigquery: Write(%s) after Commit, Abort or Close", table)
	}
	st, err := s.stageFor(table)
	if err != nil {
		return err
	}
	if err := s.checkPartition(s.tables[table], rec); err != nil {
		return err
	}
	if err := st.w.Write(rec); err != nil {
		return fmt.Errorf("bigquery: staging %s: %w", table, err)
	}
	return nil
}

// checkPartition verifies that every row's partition column holds the run's snapshot date:
// the load into table$YYYYMMDD would fail on any other row (after the whole extraction).
func (s *Sink) checkPartition(t *schemas.Table, rec arrow.RecordBatch) error {
	idx := rec.Schema().FieldIndices(t.PartitionBy)
	if err := parquetfile.CheckSchema(t, rec.Schema()); err != nil {
		return fmt.Errorf("bigquery: staging %s: %w", t.Name, err)
	}
	if len(idx) != 1 {
		return nil
	}
	col, ok := rec.Column(idx[0]).(*array.Date32)
	if !ok {
		return nil
	}
	want := arrow.Date32FromTime(s.run.SnapshotDate)
	for i := 0; i < col.Len(); i++ {
		if col.IsNull(i) || col.Value(i) != want {
			got := "NULL"
			if col.IsValid(i) {
				got = col.Value(i).FormattedString()
			}
			return fmt.Errorf("bigquery: table %s: row %d of the batch has %s %s, the run's snapshot date is %s (rows are loaded into %s$%s)",
				t.Name, i, t.PartitionBy, got, s.run.Date(), t.Name, s.partition())
		}
	}
	return nil
}

func (s *Sink) checkRun() error {
	if s.run.RunID == "" || s.run.SnapshotDate.IsZero() {
		return errors.New("bigquery: the sink was opened without a run (RunID and SnapshotDate are required to write)")
	}
	return nil
}

func (s *Sink) stageFor(table schemas.TableID) (*stage, error) {
	if err := s.checkRun(); err != nil {
		return nil, err
	}
	if st := s.stages[table]; st != nil {
		return st, nil
	}
	t, ok := s.tables[table]
	if !ok {
		return nil, fmt.Errorf("bigquery: table %q is not one of the run's tables", table)
	}
	return s.newStage(t, "")
}

func (s *Sink) newStage(t *schemas.Table, suffix string) (*stage, error) {
	st := &stage{}
	factory := func(name string) (io.WriteCloser, error) {
		f, err := os.CreateTemp(s.tmpDir, string(t.Name)+suffix+"-*.parquet")
		if err != nil {
			return nil, err
		}
		if st.path != "" {
			f.Close()
			os.Remove(f.Name())
			return nil, fmt.Errorf("bigquery: table %s: a load job takes one file; the Parquet writer rotated", t.Name)
		}
		st.path = f.Name()
		return f, nil
	}
	w, err := parquetfile.NewWriter(t, factory, parquetfile.WithRun(s.run), parquetfile.WithFileBytes(0), parquetfile.WithAllocator(s.cfg.Allocator))
	if err != nil {
		return nil, fmt.Errorf("bigquery: Parquet writer for %s: %w", t.Name, err)
	}
	st.w = w
	if suffix == "" {
		s.stages[t.Name] = st
	}
	return st, nil
}

func (st *stage) close() error {
	if st.files != nil || st.err != nil {
		return st.err
	}
	st.files, st.err = st.w.Close()
	if st.err == nil && len(st.files) != 1 {
		st.err = fmt.Errorf("wrote %d files, want 1", len(st.files))
	}
	return st.err
}

// Commit creates or evolves the dataset and tables and loads every table's partition. See
// the package documentation for the order of operations and the publish window.
func (s *Sink) Commit(ctx context.Context) (*sinks.Result, error) {
	if s.committed || s.aborted || s.closed {
		return nil, errors.New("bigquery: Commit after Commit, Abort or Close")
	}
	if err := s.checkRun(); err != nil {
		return nil, err
	}
	s.committed = true
	// Finish staging: every run table gets a file, an empty one when it had no rows.
	var loads []*load
	for _, t := range s.run.Tables {
		st, err := s.stageFor(t.Name)
		if err != nil {
			return nil, err
		}
		if err := st.close(); err != nil {
			return nil, fmt.Errorf("bigquery: staging %s: %w", t.Name, err)
		}
		loads = append(loads, &load{table: t, path: st.path, file: st.files[0], write: bq.WriteTruncate})
	}
	// Tables first, all of them, before any load.
	if err := s.ensure(ctx, s.run.Tables); err != nil {
		return nil, err
	}
	if err := s.runLoads(ctx, loads); err != nil {
		return nil, err
	}
	res := &sinks.Result{Tables: map[schemas.TableID]sinks.TableResult{}}
	for _, l := range loads {
		res.Tables[l.table.Name] = sinks.TableResult{
			Rows: l.file.Rows, Files: 1, Bytes: l.file.Bytes,
			Location: fmt.Sprintf("%s.%s.%s$%s", s.cfg.Project, s.cfg.Dataset, l.table.Name, s.partition()),
			JobIDs:   []string{l.jobID},
		}
	}
	s.removeStages()
	return res, nil
}

// ensure creates the dataset and the tables if missing and applies additive schema changes;
// incompatible differences of any table are reported together before anything is changed.
func (s *Sink) ensure(ctx context.Context, tables []*schemas.Table) error {
	if err := s.ensureDataset(ctx); err != nil {
		return err
	}
	type pending struct {
		t    *schemas.Table
		meta *bq.TableMetadata
		plan schemaPlan
	}
	var todo []pending
	serr := &SchemaError{Dataset: s.cfg.Project + "." + s.cfg.Dataset}
	for _, t := range tables {
		if _, ok := s.ensured[t.Name]; ok {
			continue
		}
		want := TableSchema(t)
		meta, err := s.ds.Table(string(t.Name)).Metadata(ctx)
		if isNotFound(err) {
			todo = append(todo, pending{t: t})
			continue
		}
		if err != nil {
			return fmt.Errorf("bigquery: reading table %s.%s: %w", s.cfg.Dataset, t.Name, err)
		}
		plan := planSchema(meta.Schema, want)
		if tp := meta.TimePartitioning; tp == nil || tp.Field != t.PartitionBy || (tp.Type != "" && tp.Type != bq.DayPartitioningType) {
			plan.problems = append(plan.problems, fmt.Sprintf("table is not DAY-partitioned on %s (partitioning %+v)", t.PartitionBy, tp))
		}
		if len(plan.problems) > 0 {
			serr.add(t.Name, plan.problems)
			continue
		}
		todo = append(todo, pending{t: t, meta: meta, plan: plan})
	}
	if len(serr.Tables) > 0 {
		return serr
	}
	for _, p := range todo {
		if p.meta == nil {
			if err := s.createTable(ctx, p.t); err != nil {
				return err
			}
			s.ensured[p.t.Name] = TableSchema(p.t)
			continue
		}
		var upd bq.TableMetadataToUpdate
		changed := false
		if p.plan.update != nil {
			upd.Schema, changed = p.plan.update, true
		}
		if p.meta.Description != p.t.Description {
			upd.Description, changed = p.t.Description, true
		}
		for k, v := range s.cfg.Labels {
			if p.meta.Labels[k] != v {
				upd.SetLabel(k, v)
				changed = true
			}
		}
		if changed {
			// The etag makes a concurrent change of the table fail this update (412) instead
			// of being overwritten.
			if _, err := s.ds.Table(string(p.t.Name)).Update(ctx, upd, p.meta.ETag); err != nil {
				return fmt.Errorf("bigquery: updating metadata of %s.%s (adding columns %v, relaxing %v): %w", s.cfg.Dataset, p.t.Name, p.plan.added, p.plan.relaxed, err)
			}
		}
		s.ensured[p.t.Name] = p.plan.load
	}
	return nil
}

func (s *Sink) ensureDataset(ctx context.Context) error {
	if s.dsReady {
		return nil
	}
	md, err := s.ds.Metadata(ctx)
	switch {
	case isNotFound(err):
		err = s.ds.Create(ctx, &bq.DatasetMetadata{
			Location:    s.cfg.Location,
			Description: "WorkBoard goal progress exported by wbexport.",
			Labels:      s.cfg.Labels,
		})
		if err != nil && !isDuplicate(err) {
			return fmt.Errorf("bigquery: creating dataset %s.%s in %s: %w", s.cfg.Project, s.cfg.Dataset, s.cfg.Location, err)
		}
	case err != nil:
		return fmt.Errorf("bigquery: reading dataset %s.%s: %w", s.cfg.Project, s.cfg.Dataset, err)
	case !strings.EqualFold(md.Location, s.cfg.Location):
		return fmt.Errorf("bigquery: dataset %s.%s is in location %s, but --bq-location is %s", s.cfg.Project, s.cfg.Dataset, md.Location, s.cfg.Location)
	}
	s.dsReady = true
	return nil
}

func (s *Sink) createTable(ctx context.Context, t *schemas.Table) error {
	tp := &bq.TimePartitioning{Type: bq.DayPartitioningType, Field: t.PartitionBy}
	if !t.Ledger && s.cfg.PartitionExpiration > 0 {
		tp.Expiration = s.cfg.PartitionExpiration
	}
	md := &bq.TableMetadata{
		Description:            t.Description,
		Schema:                 TableSchema(t),
		TimePartitioning:       tp,
		RequirePartitionFilter: false,
		Labels:                 s.cfg.Labels,
	}
	if len(t.ClusterBy) > 0 {
		md.Clustering = &bq.Clustering{Fields: t.ClusterBy}
	}
	err := s.ds.Table(string(t.Name)).Create(ctx, md)
	if err != nil && !isDuplicate(err) {
		return fmt.Errorf("bigquery: creating table %s.%s: %w", s.cfg.Dataset, t.Name, err)
	}
	return nil
}

// AppendLedger appends rec (_sync_runs rows) with a WRITE_APPEND load job into the ledger's
// partition of the snapshot date. It may be called after a failed Commit.
func (s *Sink) AppendLedger(ctx context.Context, rec arrow.RecordBatch) error {
	if s.closed {
		return errors.New("bigquery: AppendLedger after Close")
	}
	if err := s.checkRun(); err != nil {
		return err
	}
	ledger, _ := schemas.Lookup(schemas.SyncRuns)
	st, err := s.newStage(ledger, "-ledger")
	if err != nil {
		return err
	}
	err = s.checkPartition(ledger, rec)
	if err == nil {
		err = st.w.Write(rec)
	}
	if err != nil {
		st.w.Abort()
		if st.path != "" {
			os.Remove(st.path)
		}
		return fmt.Errorf("bigquery: staging ledger rows: %w", err)
	}
	if err := st.close(); err != nil {
		return fmt.Errorf("bigquery: staging ledger rows: %w", err)
	}
	defer os.Remove(st.path)
	if err := s.ensure(ctx, []*schemas.Table{ledger}); err != nil {
		return err
	}
	return s.runLoads(ctx, []*load{{table: ledger, path: st.path, file: st.files[0], write: bq.WriteAppend}})
}

// Abort discards the staged files. Nothing was published (loads happen in Commit only).
func (s *Sink) Abort(ctx context.Context) error {
	s.aborted = true
	s.removeStages()
	return nil
}

func (s *Sink) removeStages() {
	for _, st := range s.stages {
		if st.files == nil && st.err == nil {
			st.w.Abort()
			st.err = errors.New("aborted")
		}
		if st.path != "" {
			os.Remove(st.path)
		}
	}
}

// Close releases the staged files and the clients. It does not publish.
func (s *Sink) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	s.removeStages()
	os.RemoveAll(s.tmpDir)
	return s.closeClients()
}

func (s *Sink) closeClients() error {
	err := s.client.Close()
	if s.gcs != nil {
		err = errors.Join(err, s.gcs.Close())
	}
	return err
}

// Check verifies access without writing: it reads the dataset (a missing dataset is fine: it
// will be created in Config.Location), compares existing tables with schemas/ and runs a
// dry-run "SELECT 1" query in the location.
func (s *Sink) Check(ctx context.Context) error {
	md, err := s.ds.Metadata(ctx)
	switch {
	case isNotFound(err):
	case err != nil:
		return fmt.Errorf("bigquery: check: reading dataset %s.%s: %w", s.cfg.Project, s.cfg.Dataset, err)
	case !strings.EqualFold(md.Location, s.cfg.Location):
		return fmt.Errorf("bigquery: check: dataset %s.%s is in location %s, but --bq-location is %s", s.cfg.Project, s.cfg.Dataset, md.Location, s.cfg.Location)
	default:
		serr := &SchemaError{Dataset: s.cfg.Project + "." + s.cfg.Dataset}
		for _, t := range schemas.All() {
			meta, err := s.ds.Table(string(t.Name)).Metadata(ctx)
			if isNotFound(err) {
				continue
			}
			if err != nil {
				return fmt.Errorf("bigquery: check: reading table %s.%s: %w", s.cfg.Dataset, t.Name, err)
			}
			if p := planSchema(meta.Schema, TableSchema(t)); len(p.problems) > 0 {
				serr.add(t.Name, p.problems)
			}
		}
		if len(serr.Tables) > 0 {
			return serr
		}
	}
	q := s.client.Query("SELECT 1")
	q.DryRun = true
	q.Location = s.cfg.Location
	job, err := q.Run(ctx)
	if err != nil {
		return fmt.Errorf("bigquery: check: dry-run query in project %s (%s): %w", s.cfg.Project, s.cfg.Location, err)
	}
	if st := job.LastStatus(); st != nil && st.Err() != nil {
		return fmt.Errorf("bigquery: check: dry-run query in project %s: %w", s.cfg.Project, st.Err())
	}
	return nil
}

// ---- load jobs ----

type load struct {
	table *schemas.Table
	path  string
	file  parquetfile.FileInfo
	write bq.TableWriteDisposition
	jobID string
	job   *bq.Job
	uri   string // gs:// object when staged on GCS
}

// JobID returns the deterministic load job id of table for run: wbexport_<run>_<table>_
// <yyyymmdd>_<hash>, where hash covers project, dataset, table, date, run and the staged
// file's sha256 (nothing attempt-specific), so a retried insert reuses it.
func JobID(project, dataset string, table schemas.TableID, run sinks.RunInfo, fileSHA256 string) string {
	date := run.SnapshotDate.UTC().Format("20060102")
	h := sha256.Sum256([]byte(strings.Join([]string{project, dataset, string(table), date, run.RunID, fileSHA256}, "\x00")))
	id := fmt.Sprintf("wbexport_%s_%s_%s_%s", jobIDPart(run.RunID), jobIDPart(string(table)), date, hex.EncodeToString(h[:8]))
	if len(id) > 1024 {
		id = id[:1024]
	}
	return id
}

func jobIDPart(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			b[i] = '_'
		}
	}
	return string(b)
}

func (s *Sink) jobLabels(table schemas.TableID) map[string]string {
	l := map[string]string{}
	for k, v := range s.cfg.Labels {
		l[k] = v
	}
	l["wbexport_run_id"] = LabelValue(s.run.RunID)
	l["wbexport_table"] = LabelValue(string(table))
	l["wbexport_version"] = LabelValue(s.run.Version)
	return l
}

// runLoads starts every load, then waits for all of them; failures are joined.
func (s *Sink) runLoads(ctx context.Context, loads []*load) error {
	var errs []error
	var started []*load
	for _, l := range loads {
		if err := s.start(ctx, l); err != nil {
			errs = append(errs, err)
			continue
		}
		started = append(started, l)
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, l := range started {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.wait(ctx, l); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
			if l.uri != "" {
				s.deleteObject(ctx, l.uri)
			}
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	return nil
}

// start inserts the load job of l, retrying transient errors; a 409 duplicate attaches to
// the job inserted by an earlier attempt whose response was lost.
func (s *Sink) start(ctx context.Context, l *load) error {
	l.jobID = JobID(s.cfg.Project, s.cfg.Dataset, l.table.Name, s.run, l.file.SHA256)
	if s.gcs != nil {
		uri, err := s.upload(ctx, l)
		if err != nil {
			return err
		}
		l.uri = uri
	}
	delay := s.cfg.RetryInterval
	var lastErr error
	for attempt := 1; attempt <= s.cfg.InsertAttempts; attempt++ {
		job, err := s.insert(ctx, l)
		if err == nil {
			l.job = job
			return nil
		}
		if isDuplicate(err) {
			job, gerr := s.client.JobFromIDLocation(ctx, l.jobID, s.cfg.Location)
			if gerr != nil {
				return fmt.Errorf("bigquery: table %s: job %s already exists but cannot be read: %w", l.table.Name, l.jobID, gerr)
			}
			l.job = job
			return nil
		}
		lastErr = err
		if !isTransient(err) || attempt == s.cfg.InsertAttempts {
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("bigquery: table %s: inserting load job %s: %w", l.table.Name, l.jobID, ctx.Err())
		case <-time.After(delay):
		}
		delay *= 2
	}
	return fmt.Errorf("bigquery: table %s: inserting load job %s: %w", l.table.Name, l.jobID, lastErr)
}

func (s *Sink) insert(ctx context.Context, l *load) (*bq.Job, error) {
	var src bq.LoadSource
	var f *os.File
	fc := bq.FileConfig{
		SourceFormat:   bq.Parquet,
		Schema:         s.ensured[l.table.Name],
		ParquetOptions: &bq.ParquetOptions{EnableListInference: true, EnumAsString: true},
	}
	if l.uri != "" {
		ref := bq.NewGCSReference(l.uri)
		ref.FileConfig = fc
		src = ref
	} else {
		var err error
		f, err = os.Open(l.path)
		if err != nil {
			return nil, fmt.Errorf("opening staged file: %w", err)
		}
		defer f.Close()
		rs := bq.NewReaderSource(f)
		rs.FileConfig = fc
		src = rs
	}
	tbl := s.ds.Table(string(l.table.Name) + "$" + s.partition())
	loader := tbl.LoaderFrom(src)
	loader.JobID = l.jobID
	loader.Location = s.cfg.Location
	loader.WriteDisposition = l.write
	loader.CreateDisposition = bq.CreateNever
	loader.SchemaUpdateOptions = []string{"ALLOW_FIELD_ADDITION"}
	loader.Labels = s.jobLabels(l.table.Name)
	if s.cfg.ChunkSize > 0 {
		loader.MediaOptions = append(loader.MediaOptions, googleapi.ChunkSize(s.cfg.ChunkSize))
	}
	return loader.Run(ctx)
}

// wait polls the job with exponential backoff until it is done.
func (s *Sink) wait(ctx context.Context, l *load) error {
	delay := s.cfg.PollInterval
	for {
		st := l.job.LastStatus()
		if st == nil || !st.Done() {
			var err error
			st, err = l.job.Status(ctx)
			if err != nil {
				return fmt.Errorf("bigquery: table %s: polling load job %s: %w", l.table.Name, l.jobID, err)
			}
		}
		if st.Done() {
			if err := st.Err(); err != nil {
				return &JobError{Table: l.table.Name, JobID: l.jobID, Location: s.cfg.Location, Errors: jobErrors(st)}
			}
			// Cross-check: BigQuery's count of loaded rows must equal the rows staged.
			if st.Statistics != nil {
				if ls, ok := st.Statistics.Details.(*bq.LoadStatistics); ok && ls.OutputRows != l.file.Rows {
					return fmt.Errorf("bigquery: table %s: load job %s reports %d rows loaded, %d were staged", l.table.Name, l.jobID, ls.OutputRows, l.file.Rows)
				}
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("bigquery: table %s: waiting for load job %s: %w", l.table.Name, l.jobID, ctx.Err())
		case <-time.After(delay):
		}
		delay = min(delay*2, s.cfg.MaxPollInterval)
	}
}

func jobErrors(st *bq.JobStatus) []bq.Error {
	var out []bq.Error
	if e, ok := st.Err().(*bq.Error); ok && e != nil {
		out = append(out, *e)
	}
	for _, e := range st.Errors {
		if e != nil && (len(out) == 0 || *e != out[0]) {
			out = append(out, *e)
		}
	}
	return out
}

// JobError is a load job that finished with an error.
type JobError struct {
	Table           schemas.TableID
	JobID, Location string
	Errors          []bq.Error // BigQuery's errorResult first, then errors[]
}

func (e *JobError) Error() string {
	var parts []string
	for _, x := range e.Errors {
		parts = append(parts, fmt.Sprintf("%s: %s", x.Reason, x.Message))
	}
	return fmt.Sprintf("bigquery: load of table %s failed (job %s, location %s): %s", e.Table, e.JobID, e.Location, strings.Join(parts, "; "))
}

// ---- GCS staging ----

func (s *Sink) upload(ctx context.Context, l *load) (string, error) {
	bucket, prefix, _ := parseGCS(s.cfg.GCSStaging)
	name := fmt.Sprintf("%s/%s.parquet", s.run.RunID, l.jobID)
	if prefix != "" {
		name = prefix + "/" + name
	}
	uri := "gs://" + bucket + "/" + name
	f, err := os.Open(l.path)
	if err != nil {
		return "", fmt.Errorf("bigquery: table %s: opening staged file: %w", l.table.Name, err)
	}
	defer f.Close()
	w := s.gcs.Bucket(bucket).Object(name).NewWriter(ctx)
	w.ContentType = "application/vnd.apache.parquet"
	if s.cfg.ChunkSize > 0 {
		w.ChunkSize = s.cfg.ChunkSize
	}
	if _, err := io.Copy(w, f); err != nil {
		w.Close()
		return "", fmt.Errorf("bigquery: table %s: uploading %s: %w", l.table.Name, uri, err)
	}
	if err := w.Close(); err != nil {
		return "", fmt.Errorf("bigquery: table %s: uploading %s: %w", l.table.Name, uri, err)
	}
	return uri, nil
}

func (s *Sink) deleteObject(ctx context.Context, uri string) {
	bucket, name, _ := strings.Cut(strings.TrimPrefix(uri, "gs://"), "/")
	_ = s.gcs.Bucket(bucket).Object(name).Delete(ctx) // best effort; a lifecycle rule cleans up leftovers
}

// ---- errors ----

func isNotFound(err error) bool {
	var e *googleapi.Error
	return errors.As(err, &e) && e.Code == 404
}

func isDuplicate(err error) bool {
	var e *googleapi.Error
	return errors.As(err, &e) && e.Code == 409
}

func isTransient(err error) bool {
	var e *googleapi.Error
	if errors.As(err, &e) {
		return e.Code == 429 || e.Code >= 500
	}
	return errors.Is(err, io.ErrUnexpectedEOF) || strings.Contains(err.Error(), "connection reset") || strings.Contains(err.Error(), "connection refused")
}
