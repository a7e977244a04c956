// Package local is the default wbexport sink: Parquet files on a local (or mounted) file
// system, addressed as file://PATH (default file://./wbexport-out).
//
// # Layout
//
//	<root>/<table>/snapshot_date=YYYY-MM-DD/part-00000.parquet   data files (parquetfile; .csv: csvfile)
//	<root>/<table>/snapshot_date=YYYY-MM-DD/_manifest.json       parquetfile.Manifest
//	<root>/<table>/snapshot_date=YYYY-MM-DD/_SUCCESS             written last: partition complete
//	<root>/_sync_runs/snapshot_date=YYYY-MM-DD/part-<run_id>.parquet   run ledger, one file per run
//	<root>/_staging/<run_id>/...                                 a run's staging area (same FS)
//	<root>/.wbexport.lock                                        publish lock (flock)
//
// Readers must only read partitions that have a _SUCCESS file, and only the files listed in
// its _manifest.json (or every part-*.parquet file, which is the same set when _SUCCESS is
// present).
//
// # All or nothing per run
//
// Every file of a run is written under <root>/_staging/<run_id>/<table>/snapshot_date=D/. Nothing
// is visible to readers before Commit. Commit finishes every table's files (fsync), writes
// the run's commit journal _staging/<run_id>/_COMMIT.json (atomically, fsynced) — the commit
// point — and then publishes each partition; see publish.go for the steps and the recovery
// state machine. Abort, Close without Commit, a failed Commit before the commit point or a
// killed process leave published data exactly as it was. A run killed after the commit point
// is rolled forward by the next run that opens the same root, so every partition of the dead
// run ends up published, never a mix of old and new files.
//
// # Locking
//
// Two locks, both flock(2) based (advisory, released by the kernel when the process dies, so a
// crashed run never leaves a stale lock behind):
//
//   - <root>/.wbexport.lock serialises publishing and recovery: held by Commit while it
//     publishes and by New while it repairs or removes dead runs' staging directories and
//     creates its own.
//   - <root>/_staging/<run_id>/.lock is held by a live run for its whole life. Staging
//     directories are created and locked under the publish lock, so under that lock a staging
//     directory whose .lock can be taken belongs to a dead run. New (and Commit, before it
//     publishes) rolls dead runs that reached their commit point forward, whatever their age,
//     and deletes dead uncommitted runs older than itself (run ids are UUIDv7, so they sort by
//     start time). Locked (live) directories are never touched. New also removes ledger
//     temp files (.part-<run_id>.parquet.tmp) of runs that are not alive.
//
// flock does not work across NFS clients on every system; do not point two machines at one
// NFS root concurrently.
package local

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/sinks"
	"github.com/wbexport/wbexport/sinks/parquetfile"
	"github.com/wbexport/wbexport/sinks/tablefile"
)

// DefaultURL is the default sink location.
const DefaultURL = "file://./wbexport-out"

// Directory and file names inside the root.
const (
	StagingDir  = "_staging"
	LockName    = ".wbexport.lock"
	runLockName = ".lock"
	journalName = "_COMMIT.json"
	oldDir      = "_old"
)

// ParseURL returns the root directory of a file:// URL: file://./rel, file://rel,
// file:///abs/path (or a plain path). Query strings and hosts other than "", "." and
// "localhost" are rejected.
func ParseURL(raw string) (string, error) {
	if !strings.Contains(raw, "://") {
		if raw == "" {
			return "", errors.New("sink: empty path")
		}
		return raw, nil
	}
	if !strings.HasPrefix(raw, "file://") {
		return "", fmt.Errorf("sink %s: not a file:// URL", raw)
	}
	rest := strings.TrimPrefix(raw, "file://")
	if strings.ContainsAny(rest, "?#") {
		return "", fmt.Errorf("sink %s: query and fragment are not supported", raw)
	}
	switch {
	case strings.HasPrefix(rest, "/"):
		// file:///abs
	case strings.HasPrefix(rest, "localhost/"):
		rest = strings.TrimPrefix(rest, "localhost")
	default:
		// file://./rel or file://rel: a relative path (not RFC 8089, but what users type).
	}
	p, err := url.PathUnescape(rest)
	if err != nil {
		return "", fmt.Errorf("sink %s: %w", raw, err)
	}
	if p == "" {
		return "", fmt.Errorf("sink %s: empty path", raw)
	}
	return p, nil
}

// Option configures a Sink.
type Option func(*config)

type config struct {
	pq     []parquetfile.Option
	mem    memory.Allocator
	format tablefile.Format
}

// WithParquetOptions passes options to every parquetfile.Writer the sink creates (compression,
// row group and file sizes). The sink always sets the allocator, run metadata and file names.
func WithParquetOptions(opts ...parquetfile.Option) Option {
	return func(c *config) { c.pq = append(c.pq, opts...) }
}

// WithFormat sets the file format of data and ledger files (default tablefile.Parquet):
// tablefile.CSV writes part-NNNNN.csv files (sinks/csvfile) in the same layout, with the same
// manifests and _SUCCESS markers.
func WithFormat(f tablefile.Format) Option { return func(c *config) { c.format = f } }

// WithAllocator sets the allocator for Parquet writing (default memory.DefaultAllocator).
func WithAllocator(mem memory.Allocator) Option { return func(c *config) { c.mem = mem } }

type state int

const (
	stateOpen state = iota
	stateCommitted
	stateAborted
	stateFailed // Commit failed; see Sink.journaled
	stateClosed
)

// Sink writes one run to a local root. See the package documentation. Not safe for concurrent
// use.
type Sink struct {
	root    string // absolute
	url     string
	run     sinks.RunInfo
	cfg     config
	tables  map[schemas.TableID]*schemas.Table
	writers map[schemas.TableID]tablefile.Writer
	stage   string // <root>/_staging/<run_id>
	runLock *os.File
	st      state
	// journaled is set once the commit journal is durable: from then on the run is committed
	// and its staging directory must survive until publishing finishes.
	journaled bool
	ledgered  bool
}

var (
	_ sinks.Sink    = (*Sink)(nil)
	_ sinks.Checker = (*Sink)(nil)
)

// New opens a sink for run under root (a directory path, created if missing). It repairs or
// removes staging directories left by dead older runs (see the package doc), then creates and
// locks this run's staging directory. ctx bounds the wait for the publish lock.
func New(ctx context.Context, root string, run sinks.RunInfo, opts ...Option) (*Sink, error) {
	cfg := config{mem: memory.DefaultAllocator, format: tablefile.Parquet}
	for _, o := range opts {
		o(&cfg)
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("sink file://%s: %w", root, err)
	}
	s := &Sink{
		root:    abs,
		url:     "file://" + abs,
		run:     run,
		cfg:     cfg,
		tables:  map[schemas.TableID]*schemas.Table{},
		writers: map[schemas.TableID]tablefile.Writer{},
	}
	if err := validRunID(run.RunID); err != nil {
		return nil, fmt.Errorf("sink %s: %w", s.url, err)
	}
	if run.SnapshotDate.IsZero() {
		return nil, fmt.Errorf("sink %s: run %s has no snapshot date", s.url, run.RunID)
	}
	for _, t := range run.Tables {
		if t.Ledger {
			return nil, fmt.Errorf("sink %s: the ledger %s is not a data table of a run", s.url, t.Name)
		}
		s.tables[t.Name] = t
	}
	s.stage = filepath.Join(abs, StagingDir, run.RunID)
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, s.pathErr("cannot create root dir", abs, err)
	}
	unlock, err := s.lockRoot(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if err := s.recoverDeadRuns(); err != nil {
		return nil, err
	}
	if err := s.cleanLedgerTemps(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(s.stage, 0o755); err != nil {
		return nil, s.pathErr("cannot create staging dir", s.stage, err)
	}
	lk, ok, err := tryLock(filepath.Join(s.stage, runLockName))
	if err != nil {
		os.RemoveAll(s.stage)
		return nil, s.pathErr("cannot lock staging dir", s.stage, err)
	}
	if !ok {
		return nil, fmt.Errorf("sink %s: run %s is already open (staging dir %s is locked)", s.url, run.RunID, s.stage)
	}
	s.runLock = lk
	return s, nil
}

// Open is New for a file:// URL (see ParseURL), e.g. DefaultURL.
func Open(ctx context.Context, rawURL string, run sinks.RunInfo, opts ...Option) (*Sink, error) {
	root, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	return New(ctx, root, run, opts...)
}

func validRunID(id string) error {
	if id == "" {
		return errors.New("run has no id")
	}
	if id == "." || id == ".." || strings.ContainsAny(id, `/\`+"\x00") || strings.HasPrefix(id, ".") || id == oldDir {
		return fmt.Errorf("run id %q cannot name a directory", id)
	}
	return nil
}

// URL returns the sink's location as file:// URL of its absolute root (no secrets).
func (s *Sink) URL() string { return s.url }

// Root returns the absolute root directory.
func (s *Sink) Root() string { return s.root }

// PartitionDir returns where table's partition for date (YYYY-MM-DD) is published.
func PartitionDir(root string, table schemas.TableID, date string) string {
	return filepath.Join(root, string(table), schemas.ColSnapshotDate+"="+date)
}

// pathErr formats "sink file://ROOT: what PATH: cause" without repeating the path the
// *fs.PathError already holds.
func (s *Sink) pathErr(what, path string, err error) error {
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		err = pe.Err
	case errors.As(err, &le):
		err = le.Err
	}
	return fmt.Errorf("sink %s: %s %s: %w", s.url, what, path, err)
}

// Check verifies that the root can be created and written, by creating, syncing and removing
// a probe file. It does not touch any data.
func (s *Sink) Check(ctx context.Context) error {
	return CheckRoot(s.root)
}

// CheckRoot is Check without a run: it verifies root is a writable directory.
func CheckRoot(root string) error {
	abs, err := filepath.Abs(root)
	if err != nil {
		return fmt.Errorf("sink file://%s: %w", root, err)
	}
	s := &Sink{url: "file://" + abs}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return s.pathErr("cannot create root dir", abs, err)
	}
	f, err := os.CreateTemp(abs, ".wbexport-check-*")
	if err != nil {
		return s.pathErr("root dir is not writable:", abs, err)
	}
	name := f.Name()
	_, err = f.Write([]byte("wbexport write probe\n"))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if rerr := os.Remove(name); err == nil {
		err = rerr
	}
	if err != nil {
		return s.pathErr("cannot write probe file", name, err)
	}
	return nil
}

// Write stages rec for table. See sinks.Sink.
func (s *Sink) Write(ctx context.Context, table schemas.TableID, rec arrow.RecordBatch) error {
	if s.st != stateOpen {
		return fmt.Errorf("sink %s: write %s: run is %s", s.url, table, s.st)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("sink %s: write %s: %w", s.url, table, err)
	}
	t, ok := s.tables[table]
	if !ok {
		return fmt.Errorf("sink %s: write: table %q is not exported by this run (tables: %s)", s.url, table, s.tableList())
	}
	if rec == nil {
		return fmt.Errorf("sink %s: write %s: nil record batch", s.url, table)
	}
	if err := parquetfile.CheckSchema(t, rec.Schema()); err != nil {
		return fmt.Errorf("sink %s: write: %w", s.url, err)
	}
	w, err := s.writer(t)
	if err != nil {
		return err
	}
	if err := w.Write(rec); err != nil {
		return fmt.Errorf("sink %s: write: %w", s.url, err)
	}
	return nil
}

func (s *Sink) tableList() string {
	names := make([]string, 0, len(s.tables))
	for n := range s.tables {
		names = append(names, string(n))
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

func (s *Sink) stagedDir(table schemas.TableID) string {
	return filepath.Join(s.stage, string(table), schemas.ColSnapshotDate+"="+s.run.Date())
}

func (s *Sink) writer(t *schemas.Table) (tablefile.Writer, error) {
	if w, ok := s.writers[t.Name]; ok {
		return w, nil
	}
	dir := s.stagedDir(t.Name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, s.pathErr("cannot create staging dir", dir, err)
	}
	w, err := tablefile.NewWriter(s.fileConfig(), t, fileFactory(dir), nil)
	if err != nil {
		return nil, fmt.Errorf("sink %s: %w", s.url, err)
	}
	s.writers[t.Name] = w
	return w, nil
}

func (s *Sink) fileConfig() tablefile.Config {
	return tablefile.Config{Format: s.cfg.format, Parquet: s.cfg.pq, Alloc: s.cfg.mem, Run: s.run}
}

// fileFactory creates files in dir; Close fsyncs them, Abort removes them.
func fileFactory(dir string) parquetfile.FileFactory {
	return func(name string) (io.WriteCloser, error) {
		f, err := os.OpenFile(filepath.Join(dir, name), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
		if err != nil {
			return nil, err
		}
		return &syncFile{File: f}, nil
	}
}

type syncFile struct{ *os.File }

func (f *syncFile) Close() error {
	err := f.File.Sync()
	if cerr := f.File.Close(); err == nil {
		err = cerr
	}
	return err
}

func (f *syncFile) Abort() error {
	f.File.Close()
	return os.Remove(f.File.Name())
}

// Commit finishes every table and publishes the run. See the package doc and publish.go.
func (s *Sink) Commit(ctx context.Context) (*sinks.Result, error) {
	if s.st != stateOpen {
		return nil, fmt.Errorf("sink %s: commit: run is %s", s.url, s.st)
	}
	res, err := s.commit(ctx)
	if err != nil {
		s.st = stateFailed
		return nil, err
	}
	s.st = stateCommitted
	return res, nil
}

func (s *Sink) abortWriters() {
	for _, w := range s.writers {
		w.Abort()
	}
}

// Abort discards the run's staged files. After a Commit that failed past its commit point
// the run can no longer be discarded: Abort then returns an error and leaves the staging
// directory for the next run to finish publishing.
func (s *Sink) Abort(ctx context.Context) error {
	switch s.st {
	case stateClosed:
		return fmt.Errorf("sink %s: abort: run is closed", s.url)
	case stateCommitted:
		return fmt.Errorf("sink %s: abort: run %s is already committed", s.url, s.run.RunID)
	case stateAborted:
		return nil
	}
	s.abortWriters()
	if s.journaled {
		return fmt.Errorf("sink %s: abort: run %s failed after its commit point; the next run on this root finishes publishing it", s.url, s.run.RunID)
	}
	s.st = stateAborted
	if err := s.removeStaging(); err != nil {
		return err
	}
	return nil
}

// removeStaging deletes the run's staged data but keeps the staging directory and its .lock
// until Close, so that the run counts as alive while it may still append its ledger row.
func (s *Sink) removeStaging() error {
	entries, err := os.ReadDir(s.stage)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return s.pathErr("cannot remove staging dir", s.stage, err)
	}
	for _, e := range entries {
		if e.Name() == runLockName {
			continue
		}
		if err := os.RemoveAll(filepath.Join(s.stage, e.Name())); err != nil {
			return s.pathErr("cannot remove staging dir", s.stage, err)
		}
	}
	return nil
}

// AppendLedger writes rec (rows of _sync_runs) as
// <root>/_sync_runs/snapshot_date=D/part-<run_id>.parquet (.csv with WithFormat(tablefile.CSV)), atomically (temp file, fsync,
// rename, fsync dir). It may be called once per run, before or after Commit/Abort.
func (s *Sink) AppendLedger(ctx context.Context, rec arrow.RecordBatch) error {
	if s.st == stateClosed {
		return fmt.Errorf("sink %s: append ledger: run is closed", s.url)
	}
	if s.ledgered {
		return fmt.Errorf("sink %s: append ledger: run %s already appended its ledger rows", s.url, s.run.RunID)
	}
	t, _ := schemas.Lookup(schemas.SyncRuns)
	if rec == nil {
		return fmt.Errorf("sink %s: append ledger: nil record batch", s.url)
	}
	if err := parquetfile.CheckSchema(t, rec.Schema()); err != nil {
		return fmt.Errorf("sink %s: append ledger: %w", s.url, err)
	}
	dir := PartitionDir(s.root, schemas.SyncRuns, s.run.Date())
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return s.pathErr("cannot create ledger dir", dir, err)
	}
	ext := s.cfg.format.Ext()
	namer := func(i int) string {
		if i == 0 {
			return "part-" + s.run.RunID + ext
		}
		return fmt.Sprintf("part-%s-%05d%s", s.run.RunID, i, ext)
	}
	var tmps []string
	factory := func(name string) (io.WriteCloser, error) {
		f, err := os.OpenFile(filepath.Join(dir, "."+name+".tmp"), os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
		if err != nil {
			return nil, err
		}
		tmps = append(tmps, f.Name())
		return &syncFile{File: f}, nil
	}
	w, err := tablefile.NewWriter(s.fileConfig(), t, factory, namer)
	if err != nil {
		return fmt.Errorf("sink %s: append ledger: %w", s.url, err)
	}
	cleanup := func() {
		for _, p := range tmps {
			os.Remove(p)
		}
	}
	if err := w.Write(rec); err != nil {
		w.Abort()
		cleanup()
		return fmt.Errorf("sink %s: append ledger: %w", s.url, err)
	}
	files, err := w.Close()
	if err != nil {
		cleanup()
		return fmt.Errorf("sink %s: append ledger: %w", s.url, err)
	}
	for _, f := range files {
		final := filepath.Join(dir, f.Name)
		if err := os.Rename(filepath.Join(dir, "."+f.Name+".tmp"), final); err != nil {
			cleanup()
			return s.pathErr("cannot publish ledger file", final, err)
		}
	}
	if err := syncDir(dir); err != nil {
		return s.pathErr("cannot sync ledger dir", dir, err)
	}
	s.ledgered = true
	return nil
}

// Close releases the run. Without a successful Commit it discards the staged files (unless a
// failed Commit passed its commit point: then the staging directory stays for the next run to
// finish publishing). Close never publishes.
func (s *Sink) Close() error {
	if s.st == stateClosed {
		return nil
	}
	var err error
	if s.st == stateOpen || s.st == stateFailed {
		s.abortWriters()
	}
	if !s.journaled || s.st == stateCommitted {
		if rerr := os.RemoveAll(s.stage); rerr != nil {
			err = s.pathErr("cannot remove staging dir", s.stage, rerr)
		}
	}
	s.st = stateClosed
	if s.runLock != nil {
		unlock(s.runLock)
		s.runLock = nil
	}
	return err
}

func (st state) String() string {
	switch st {
	case stateOpen:
		return "open"
	case stateCommitted:
		return "committed"
	case stateAborted:
		return "aborted"
	case stateFailed:
		return "failed"
	case stateClosed:
		return "closed"
	}
	return "?"
}

// syncDir fsyncs a directory so that renames and creations in it are durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
