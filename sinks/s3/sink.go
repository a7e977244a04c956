package s3

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
	tmtypes "github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager/types"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/sinks"
	"github.com/wbexport/wbexport/sinks/parquetfile"
	"github.com/wbexport/wbexport/sinks/tablefile"
)

// Key layout under Config.Prefix.
const (
	stagingDir  = "_staging"
	probePrefix = "_probe-"
	// ContentTypeParquet is the Content-Type of the Parquet objects.
	ContentTypeParquet = "application/vnd.apache.parquet"
	// TagRunID is the object tag carrying the run id on every object the sink writes.
	TagRunID = "wbexport-run-id"
	// TagTable is the object tag carrying the table name on data and ledger objects.
	TagTable = "wbexport-table"
)

var runIDRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)

type state int

const (
	stateOpen state = iota
	stateCommitted
	stateAborted
	stateFailed
	stateClosed
)

// Sink writes one run's tables as Parquet to S3 (or an S3-compatible store) and publishes them
// with the protocol described in the package documentation. Create it with New. Like every
// sinks.Sink, it is not safe for concurrent use.
type Sink struct {
	cfg    Config
	opts   options
	run    sinks.RunInfo
	log    *slog.Logger
	client *awss3.Client
	tm     *transfermanager.Client

	// uploads run under upCtx, which Write/Commit/Abort/Close cancel when their own context
	// ends or the run is abandoned.
	upCtx    context.Context
	upCancel context.CancelFunc

	tables   map[schemas.TableID]*tableState
	order    []*tableState
	state    state
	err      error // why the sink failed
	ledgered bool

	// journal is the undo log of the publish in progress (nil before the first partition).
	journal *journal
	// rollbackPending is set when a failed publish could not be rolled back completely: the
	// journal and backups are then kept for the next run.
	rollbackPending bool
}

type tableState struct {
	table *schemas.Table
	w     tablefile.Writer
	files []parquetfile.FileInfo
}

var (
	_ sinks.Sink    = (*Sink)(nil)
	_ sinks.Checker = (*Sink)(nil)
)

// New validates cfg, builds the S3 client from the AWS default configuration chain (or the
// options) and returns a Sink for run. It makes no request: use Check to verify access.
//
// run.RunID must be a key-safe id (letters, digits, ".", "_", "-"). A Sink created with an
// empty RunID can only Check and GC (for `wbexport check` and `wbexport gc`).
func New(ctx context.Context, cfg Config, run sinks.RunInfo, opts ...Option) (*Sink, error) {
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("s3 sink %s: %w", cfg, err)
	}
	if run.RunID != "" && !runIDRE.MatchString(run.RunID) {
		return nil, fmt.Errorf("s3 sink %s: run id %q is not usable in object keys (want letters, digits, '.', '_', '-')", cfg, run.RunID)
	}
	for i, t := range run.Tables {
		if t == nil {
			return nil, fmt.Errorf("s3 sink %s: RunInfo.Tables[%d] is nil", cfg, i)
		}
		if t.Ledger {
			return nil, fmt.Errorf("s3 sink %s: RunInfo.Tables lists the ledger %s; it is implied", cfg, t.Name)
		}
	}
	o := defaultOptions()
	for _, opt := range opts {
		opt(&o)
	}
	if o.maxAttempts < 1 {
		o.maxAttempts = 1
	}

	loadOpts := []func(*config.LoadOptions) error{
		config.WithRetryMaxAttempts(o.maxAttempts),
		// The SDK's own messages (e.g. "falling back to IMDSv1") go to our slog logger, not
		// straight to stderr.
		config.WithLogger(sdkLogger{o.log}),
	}
	if cfg.Region != "" {
		loadOpts = append(loadOpts, config.WithRegion(cfg.Region))
	}
	if cfg.Profile != "" {
		loadOpts = append(loadOpts, config.WithSharedConfigProfile(cfg.Profile))
	}
	if o.creds != nil {
		loadOpts = append(loadOpts, config.WithCredentialsProvider(o.creds))
	}
	awsCfg, err := config.LoadDefaultConfig(ctx, loadOpts...)
	if err != nil {
		return nil, fmt.Errorf("s3 sink %s: load AWS configuration: %w", cfg, err)
	}
	if o.httpClient != nil {
		// Set after loading: LoadDefaultConfig refuses a plain *http.Client when a CA bundle
		// ($AWS_CA_BUNDLE) is configured.
		awsCfg.HTTPClient = o.httpClient
	}
	if awsCfg.Region == "" {
		if cfg.Endpoint == "" {
			return nil, fmt.Errorf("s3 sink %s: no AWS region: set --s3-region, $AWS_REGION or a region in the AWS profile", cfg)
		}
		awsCfg.Region = "us-east-1"
	}
	client := awss3.NewFromConfig(awsCfg, func(so *awss3.Options) {
		if cfg.Endpoint != "" {
			so.BaseEndpoint = aws.String(cfg.Endpoint)
		}
		so.UsePathStyle = cfg.PathStyle
	})
	tm := transfermanager.New(client, func(to *transfermanager.Options) {
		to.PartSizeBytes = cfg.PartSize
		to.MultipartUploadThreshold = cfg.PartSize
		to.Concurrency = cfg.Concurrency
		// Abort the multipart upload with a fresh context even when the run's was canceled.
		to.FailTimeout = time.Minute
	})

	s := &Sink{
		cfg: cfg, opts: o, run: run, client: client, tm: tm,
		log:    o.log.With("sink", cfg.String(), "run_id", run.RunID),
		tables: map[schemas.TableID]*tableState{},
	}
	s.upCtx, s.upCancel = context.WithCancel(context.WithoutCancel(ctx))
	for _, t := range run.Tables {
		ts := &tableState{table: t}
		s.tables[t.Name] = ts
		s.order = append(s.order, ts)
	}
	return s, nil
}

// Config returns the sink's configuration, with defaults filled in.
func (s *Sink) Config() Config { return s.cfg }

// Client returns the underlying S3 client.
func (s *Sink) Client() *awss3.Client { return s.client }

// key joins the prefix and parts into an object key.
func (s *Sink) key(parts ...string) string {
	all := make([]string, 0, len(parts)+1)
	if s.cfg.Prefix != "" {
		all = append(all, s.cfg.Prefix)
	}
	all = append(all, parts...)
	return strings.Join(all, "/")
}

func partitionName(date string) string { return schemas.ColSnapshotDate + "=" + date }

// PartitionKey returns the key prefix (ending in "/") of table's partition for date.
func (s *Sink) PartitionKey(table schemas.TableID, date string) string {
	return s.key(string(table), partitionName(date)) + "/"
}

// StagingKey returns the key prefix (ending in "/") of run's staging area.
func (s *Sink) StagingKey(runID string) string { return s.key(stagingDir, runID) + "/" }

func (s *Sink) stagedPartitionKey(table schemas.TableID) string {
	return s.StagingKey(s.run.RunID) + string(table) + "/" + partitionName(s.run.Date()) + "/"
}

// LedgerKey returns the key of run's ledger object.
func (s *Sink) LedgerKey(run sinks.RunInfo) string {
	return s.key(string(schemas.SyncRuns), partitionName(run.Date()), "part-"+run.RunID+s.opts.format.Ext())
}

func (s *Sink) uri(key string) string { return "s3://" + s.cfg.Bucket + "/" + key }

func (s *Sink) errorf(format string, args ...any) error {
	return fmt.Errorf("s3 sink %s: "+format, append([]any{s.cfg}, args...)...)
}

// tagging returns the URL-encoded object tags for objects of table ("" for none).
func (s *Sink) tagging(table schemas.TableID) *string {
	v := url.Values{}
	if s.run.RunID != "" {
		v.Set(TagRunID, s.run.RunID)
	}
	if table != "" {
		v.Set(TagTable, string(table))
	}
	if len(v) == 0 {
		return nil
	}
	return aws.String(v.Encode())
}

func (s *Sink) usable(op string) error {
	if s.run.RunID == "" {
		return s.errorf("%s: the sink was created without a run id (only Check and GC are available)", op)
	}
	switch s.state {
	case stateOpen:
		return nil
	case stateCommitted:
		return s.errorf("%s after Commit", op)
	case stateAborted:
		return s.errorf("%s after Abort", op)
	case stateClosed:
		return s.errorf("%s after Close", op)
	}
	return s.errorf("%s after an earlier failure: %w", op, s.err)
}

func (s *Sink) fail(err error) error {
	if s.state == stateOpen {
		s.state, s.err = stateFailed, err
	}
	return err
}

// watch cancels the uploads if ctx ends before the returned stop is called.
func (s *Sink) watch(ctx context.Context) (stop func() bool) {
	return context.AfterFunc(ctx, s.upCancel)
}

// Write stages rec for table: its rows are encoded to Parquet and streamed to
// <prefix>/_staging/<run_id>/<table>/snapshot_date=<date>/part-NNNNN.parquet as a multipart
// upload while they are produced. A record batch whose schema does not match the table is
// rejected without harming the run; any other failure (an upload error) fails the run.
func (s *Sink) Write(ctx context.Context, table schemas.TableID, rec arrow.RecordBatch) error {
	if err := s.usable("Write"); err != nil {
		return err
	}
	ts, ok := s.tables[table]
	if !ok {
		if t, known := schemas.Lookup(table); known && t.Ledger {
			return s.errorf("Write %s: the ledger is written with AppendLedger", table)
		}
		return s.errorf("Write: table %q is not one of this run's tables", table)
	}
	if rec == nil {
		return s.errorf("Write %s: nil record batch", table)
	}
	if err := parquetfile.CheckSchema(ts.table, rec.Schema()); err != nil {
		return s.errorf("Write: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	defer s.watch(ctx)()
	if ts.w == nil {
		w, err := s.newWriter(ts.table, s.stagedPartitionKey(table), nil)
		if err != nil {
			return s.fail(err)
		}
		ts.w = w
	}
	if err := ts.w.Write(rec); err != nil {
		return s.fail(s.errorf("Write %s: %w", table, s.ctxErr(ctx, err)))
	}
	return nil
}

// ctxErr prefers ctx's error when the uploads were canceled because ctx ended.
func (s *Sink) ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil && err != ctx.Err() && errors.Is(err, context.Canceled) {
		return fmt.Errorf("%w (%v)", ctx.Err(), err)
	}
	return err
}

// newWriter returns a Parquet or CSV writer (WithFormat) for table whose files are uploaded under dir. namer, when
// set, overrides the file names.
func (s *Sink) newWriter(table *schemas.Table, dir string, namer func(int) string) (tablefile.Writer, error) {
	cfg := tablefile.Config{Format: s.opts.format, Parquet: s.opts.parquet, Alloc: s.opts.mem, Run: s.run}
	factory := func(name string) (io.WriteCloser, error) {
		return s.startUpload(dir+name, table.Name, s.opts.format.ContentType()), nil
	}
	w, err := tablefile.NewWriter(cfg, table, factory, namer)
	if err != nil {
		return nil, s.errorf("%w", err)
	}
	return w, nil
}

// Commit closes every table's Parquet writer (waiting for its uploads), finishes the rollback
// of any earlier run that died while publishing, then publishes each partition (see the
// package documentation), removes the run's staging area and returns what was published. A
// table that received no rows is published as an empty partition (one zero-row file).
//
// If publishing fails, Commit restores every partition it had touched from the backups it
// made, byte-for-byte, and returns the error, saying "the previous snapshot is intact". If that
// rollback fails too, the error names the objects left inconsistent, and the run's journal and
// backups are kept (also by Close) for the next run's Commit or GC to finish the rollback.
func (s *Sink) Commit(ctx context.Context) (*sinks.Result, error) {
	if err := s.usable("Commit"); err != nil {
		return nil, err
	}
	defer s.watch(ctx)()
	log := s.log
	start := s.opts.now()

	// 1. Finish staging: every file of every table is uploaded before anything is published.
	for _, ts := range s.order {
		if ts.w == nil {
			w, err := s.newWriter(ts.table, s.stagedPartitionKey(ts.table.Name), nil)
			if err != nil {
				return nil, s.fail(err)
			}
			ts.w = w
		}
		files, err := ts.w.Close()
		if err != nil {
			s.abortWriters()
			return nil, s.fail(s.errorf("Commit: staging %s: %w", ts.table.Name, s.ctxErr(ctx, err)))
		}
		ts.files = files
	}
	log.Debug("staged every table", "tables", len(s.order), "elapsed", s.opts.now().Sub(start))

	// 2. Take the prefix's lease: no other run publishes or rolls back meanwhile, so a
	// journal found now belongs to a dead run. Then finish the rollback of any such run, so
	// that nothing is published over partitions it left half replaced.
	l, err := s.acquireLease(ctx, "run")
	if err != nil {
		return nil, s.fail(s.errorf("Commit: %w (this run published nothing)", s.ctxErr(ctx, err)))
	}
	defer l.release(ctx)
	if err := s.recoverRuns(ctx); err != nil {
		return nil, s.fail(s.errorf("Commit: %w (this run published nothing)", s.ctxErr(ctx, err)))
	}

	// 3. Publish partition by partition, journaling each before touching it; on failure roll
	// every touched partition back.
	res := &sinks.Result{Tables: map[schemas.TableID]sinks.TableResult{}}
	for _, ts := range s.order {
		m := parquetfile.NewManifest(s.run, ts.table, ts.files, s.opts.now())
		m.Format = string(s.opts.format)
		if err := s.publish(ctx, ts.table.Name, m); err != nil {
			err = fmt.Errorf("publish %s: %w", ts.table.Name, s.ctxErr(ctx, err))
			return nil, s.fail(s.errorf("Commit: %w", s.rollback(ctx, err)))
		}
		tr := sinks.TableResult{
			Rows: m.TotalRows, Files: len(m.Files), Bytes: m.TotalBytes,
			Location: s.uri(s.PartitionKey(ts.table.Name, s.run.Date())),
		}
		res.Tables[ts.table.Name] = tr
		log.Info("published partition", "table", ts.table.Name, "location", tr.Location,
			"rows", tr.Rows, "files", tr.Files, "bytes", tr.Bytes)
	}
	// The commit point: once the journal is gone, no run rolls this one back.
	if s.journal != nil {
		err := cmp.Or(ctx.Err(), l.check())
		if err == nil {
			rctx, done := detach(ctx) // not abandoned half way: the rollback must know
			err = s.deleteObject(rctx, s.journalKey(s.run.RunID))
			done()
		}
		if err != nil {
			err = fmt.Errorf("complete the publish: %w", s.ctxErr(ctx, err))
			return nil, s.fail(s.errorf("Commit: %w", s.rollback(ctx, err)))
		}
	}
	s.state = stateCommitted

	// 4. Clean up: this run's staging, then stale staging left by dead runs. Publication has
	// succeeded; failures here are only logged.
	if _, err := s.deletePrefix(ctx, s.StagingKey(s.run.RunID)); err != nil {
		log.Warn("could not remove the run's staging area; wbexport gc will", "error", err)
	}
	if s.opts.staleAge >= 0 {
		if st, err := s.collect(ctx, s.opts.staleAge, gcConfig{}); err != nil {
			log.Warn("could not remove stale staging of earlier runs", "error", err)
		} else if st.Objects+st.Uploads > 0 {
			log.Info("removed stale staging of earlier runs", "runs", st.Runs, "objects", st.Objects, "uploads", st.Uploads)
		}
	}
	return res, nil
}

// abortWriters abandons every open writer (aborting their multipart uploads).
func (s *Sink) abortWriters() {
	for _, ts := range s.order {
		if ts.w != nil {
			ts.w.Abort()
		}
	}
}

// Abort abandons the uploads and deletes everything this run staged. Published partitions are
// not touched. After a failed Commit whose rollback could not be completed, the staging area
// (journal and backups) is kept for the next run, which finishes the rollback.
func (s *Sink) Abort(ctx context.Context) error {
	switch s.state {
	case stateAborted, stateClosed:
		return nil
	case stateCommitted:
		return s.errorf("Abort after Commit")
	}
	s.abortWriters()
	s.state = stateAborted
	if s.run.RunID == "" {
		return nil
	}
	if s.rollbackPending {
		s.log.Warn("keeping the staging area: it holds the journal and backups the next run needs to finish rolling back this run's publish",
			"staging", s.uri(s.StagingKey(s.run.RunID)))
		return nil
	}
	if _, err := s.deletePrefix(ctx, s.StagingKey(s.run.RunID)); err != nil {
		return s.errorf("Abort: remove staging (wbexport gc will retry): %w", err)
	}
	return nil
}

// AppendLedger writes rec (rows of the _sync_runs table) as the run's ledger object
// <prefix>/_sync_runs/snapshot_date=<date>/part-<run_id>.parquet. The object is written in
// place: an S3 object becomes visible only once complete, so readers never see a partial
// ledger file. It may be called once, after Commit or Abort (or after a failed Commit).
func (s *Sink) AppendLedger(ctx context.Context, rec arrow.RecordBatch) error {
	if s.run.RunID == "" {
		return s.errorf("AppendLedger: the sink was created without a run id")
	}
	if s.state == stateClosed {
		return s.errorf("AppendLedger after Close")
	}
	if s.ledgered {
		return s.errorf("AppendLedger called twice")
	}
	ledger, _ := schemas.Lookup(schemas.SyncRuns)
	if rec == nil {
		return s.errorf("AppendLedger: nil record batch")
	}
	if err := parquetfile.CheckSchema(ledger, rec.Schema()); err != nil {
		return s.errorf("AppendLedger: %w", err)
	}
	s.ledgered = true
	key := s.LedgerKey(s.run)
	dir, name := key[:strings.LastIndexByte(key, '/')+1], key[strings.LastIndexByte(key, '/')+1:]
	// Every data upload has ended (Commit or Abort); the ledger's upload gets a fresh context
	// so that a context that ended earlier does not cancel it.
	s.upCancel()
	s.upCtx, s.upCancel = context.WithCancel(context.WithoutCancel(ctx))
	defer s.watch(ctx)()
	w, err := s.newWriter(ledger, dir, func(int) string { return name })
	if err != nil {
		return err
	}
	// One file: rotation would produce a second file with the same name.
	if err := w.Write(rec); err != nil {
		w.Abort()
		return s.errorf("AppendLedger %s: %w", s.uri(key), err)
	}
	files, err := w.Close()
	if err != nil {
		return s.errorf("AppendLedger %s: %w", s.uri(key), err)
	}
	if len(files) != 1 {
		return s.errorf("AppendLedger %s: the ledger record was split into %d files", s.uri(key), len(files))
	}
	s.log.Info("appended ledger record", "location", s.uri(key), "rows", files[0].Rows)
	return nil
}

// Close releases the sink. A run that was neither committed nor aborted is aborted: its
// uploads are abandoned and its staging area deleted (best effort, bounded to one minute),
// unless a rollback is pending (see Abort).
func (s *Sink) Close() error {
	if s.state == stateClosed {
		return nil
	}
	var err error
	if s.state == stateOpen || s.state == stateFailed {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		err = s.Abort(ctx)
		cancel()
	}
	s.state = stateClosed
	s.upCancel()
	return err
}

// Check verifies the credentials and the write, list and delete permissions the sink needs
// by writing a small probe object <prefix>/_staging/_probe-<random> (with the configured
// encryption, storage class and tags), listing it and deleting it.
func (s *Sink) Check(ctx context.Context) error {
	b := make([]byte, 8)
	rand.Read(b)
	key := s.key(stagingDir, probePrefix+hex.EncodeToString(b))
	in := &awss3.PutObjectInput{
		Bucket:      aws.String(s.cfg.Bucket),
		Key:         aws.String(key),
		Body:        strings.NewReader("wbexport check probe; safe to delete\n"),
		ContentType: aws.String("text/plain"),
		Tagging:     s.tagging(""),
	}
	s.applyPut(in)
	if _, err := s.client.PutObject(ctx, in); err != nil {
		return s.errorf("check: write probe object %s: %w%s", s.uri(key), err, hint(err))
	}
	out, err := s.client.ListObjectsV2(ctx, &awss3.ListObjectsV2Input{Bucket: aws.String(s.cfg.Bucket), Prefix: aws.String(key)})
	if err != nil {
		s.client.DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: aws.String(s.cfg.Bucket), Key: aws.String(key)})
		return s.errorf("check: list %s: %w%s", s.uri(key), err, hint(err))
	}
	found := false
	for _, o := range out.Contents {
		found = found || aws.ToString(o.Key) == key
	}
	if !found {
		return s.errorf("check: probe object %s was written but is not listed", s.uri(key))
	}
	if _, err := s.client.DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: aws.String(s.cfg.Bucket), Key: aws.String(key)}); err != nil {
		return s.errorf("check: delete probe object %s: %w%s", s.uri(key), err, hint(err))
	}
	return nil
}

// applyPut sets encryption and storage class on a PutObject.
func (s *Sink) applyPut(in *awss3.PutObjectInput) {
	in.ServerSideEncryption, in.SSEKMSKeyId = s.sse()
	in.StorageClass = types.StorageClass(s.cfg.StorageClass)
}

func (s *Sink) sse() (types.ServerSideEncryption, *string) {
	var kms *string
	if s.cfg.SSE == SSEKMS && s.cfg.KMSKeyID != "" {
		kms = aws.String(s.cfg.KMSKeyID)
	}
	return types.ServerSideEncryption(s.cfg.SSE), kms
}

// upload is the io.WriteCloser a Parquet file is written to: a pipe into the transfer
// manager's UploadObject, which sends it as a single PutObject when it is smaller than one
// part and as a multipart upload otherwise. Close waits for the upload to complete; Abort
// abandons it (the transfer manager aborts the multipart upload).
type upload struct {
	key  string
	pw   *io.PipeWriter
	done chan struct{}
	err  error
	once sync.Once
}

var errUploadAborted = errors.New("upload aborted")

func (s *Sink) startUpload(key string, table schemas.TableID, contentType string) *upload {
	pr, pw := io.Pipe()
	u := &upload{key: key, pw: pw, done: make(chan struct{})}
	in := &transfermanager.UploadObjectInput{
		Bucket:       aws.String(s.cfg.Bucket),
		Key:          aws.String(key),
		Body:         pr,
		ContentType:  aws.String(contentType),
		StorageClass: tmtypes.StorageClass(s.cfg.StorageClass),
		Tagging:      s.tagging(table),
	}
	sse, kms := s.sse()
	in.ServerSideEncryption, in.SSEKMSKeyID = tmtypes.ServerSideEncryption(sse), kms
	ctx := s.upCtx
	go func() {
		defer close(u.done)
		_, err := s.tm.UploadObject(ctx, in)
		if err != nil {
			u.err = fmt.Errorf("upload %s: %w%s", s.uri(key), err, hint(err))
			pr.CloseWithError(u.err) // unblocks the Parquet writer
			return
		}
		pr.Close()
	}()
	return u
}

func (u *upload) Write(p []byte) (int, error) { return u.pw.Write(p) }

// Close ends the file and waits for the upload to complete.
func (u *upload) Close() error {
	u.once.Do(func() { u.pw.Close() })
	<-u.done
	return u.err
}

// Abort abandons the upload and waits for the transfer manager to clean up.
func (u *upload) Abort() error {
	u.once.Do(func() { u.pw.CloseWithError(errUploadAborted) })
	<-u.done
	return nil
}
