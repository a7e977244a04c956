package s3

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/sinks/parquetfile"
)

// Rollback journal and backups, under the run's staging area.
const (
	journalName = "_journal.json"
	backupDir   = "_backup"
	// rollbackTimeout bounds an in-process rollback, which runs on a context of its own (the
	// run's may have ended). What it does not finish, the next run finishes.
	rollbackTimeout = 10 * time.Minute
	journalVersion  = 1
)

// journal is the undo log of a run's publish, <prefix>/_staging/<run_id>/_journal.json. It
// exists exactly while the run's publish is in progress (or its rollback unfinished): it is
// rewritten before each partition is touched, listing every partition the run may have
// changed and what that partition held before, and deleting it is the run's commit point.
// A journal found by another run's Commit, or by GC, belongs to a run that died while
// publishing or rolling back; its partitions are restored from its backups.
type journal struct {
	Version      int                `json:"version"`
	RunID        string             `json:"run_id"`
	SnapshotDate string             `json:"snapshot_date"`
	Partitions   []journalPartition `json:"partitions"`
}

// journalPartition is one partition the run touched: its key prefix, the key prefix of its
// backup, and the objects it held before (names relative to both prefixes).
type journalPartition struct {
	Table   schemas.TableID `json:"table"`
	Dir     string          `json:"dir"`
	Backup  string          `json:"backup"`
	Objects []journalObject `json:"objects"`
}

type journalObject struct {
	Name string `json:"name"`
	Size int64  `json:"size"`
	ETag string `json:"etag"`
}

func (s *Sink) journalKey(runID string) string { return s.StagingKey(runID) + journalName }

func (s *Sink) backupKey(table schemas.TableID) string {
	return s.StagingKey(s.run.RunID) + backupDir + "/" + string(table) + "/" + partitionName(s.run.Date()) + "/"
}

// backup copies every object of the partition dir (data files, _manifest.json, _SUCCESS)
// server-side into the run's backup area and returns the journal entry describing them.
// Requests run on rctx; ctx is checked between them (see forEach).
func (s *Sink) backup(ctx, rctx context.Context, table schemas.TableID, dir string) (journalPartition, error) {
	bdir := s.backupKey(table)
	jp := journalPartition{Table: table, Dir: dir, Backup: bdir, Objects: []journalObject{}}
	if err := ctx.Err(); err != nil {
		return jp, err
	}
	objs, err := s.list(rctx, dir)
	if err != nil {
		return jp, err
	}
	for _, o := range objs {
		jp.Objects = append(jp.Objects, journalObject{Name: strings.TrimPrefix(o.key, dir), Size: o.size, ETag: o.etag})
	}
	err = forEach(ctx, rctx, s.cfg.Concurrency, objs, func(ctx context.Context, o object) error {
		return s.copyObject(ctx, o.key, bdir+strings.TrimPrefix(o.key, dir), o.size, table)
	})
	if err != nil {
		return jp, fmt.Errorf("back up %s: %w", s.uri(dir), err)
	}
	return jp, nil
}

// putJournal writes the run's journal.
func (s *Sink) putJournal(ctx context.Context) error {
	body, err := json.MarshalIndent(s.journal, "", "  ")
	if err != nil {
		return fmt.Errorf("encode journal: %w", err)
	}
	return s.putSmall(ctx, s.journalKey(s.run.RunID), append(body, '\n'), "application/json", "")
}

// rollback restores every partition the failed publish touched, after cause made it fail,
// and returns the error Commit reports: cause, saying the previous snapshot is intact, or
// cause and the rollback's error, naming what is left inconsistent.
func (s *Sink) rollback(ctx context.Context, cause error) error {
	if s.journal == nil || len(s.journal.Partitions) == 0 {
		return fmt.Errorf("%w (nothing was replaced: the previous snapshot is intact)", cause)
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rollbackTimeout)
	defer cancel()
	n := len(s.journal.Partitions)
	if err := s.undo(rctx, s.journal); err != nil {
		s.rollbackPending = true
		// The journal may be gone (a failed commit-point delete that did happen): put it back
		// so the next run can finish the rollback.
		jerr := s.putJournal(rctx)
		next := "the next run (or wbexport gc) finishes the rollback from " + s.uri(s.journalKey(s.run.RunID))
		if jerr != nil {
			next = fmt.Sprintf("writing the journal %s for the next run failed too (%v): rerun the date to republish it", s.uri(s.journalKey(s.run.RunID)), jerr)
		}
		s.log.Error("publish failed and its rollback is incomplete", "error", cause, "rollback_error", err)
		return fmt.Errorf("%w; rolling back the %d partitions this run touched failed: %w; %s", cause, n, err, next)
	}
	if err := s.deleteObject(rctx, s.journalKey(s.run.RunID)); err != nil {
		// Harmless: the next run repeats the rollback (restoring the same objects) before it
		// publishes.
		s.log.Warn("rolled back, but could not delete the journal; the next run repeats the rollback", "error", err)
	}
	s.log.Warn("publish failed; rolled back every partition it touched", "partitions", n, "error", cause)
	return fmt.Errorf("%w (rolled back %d partition(s): the previous snapshot is intact)", cause, n)
}

// undo restores every partition of j from its backup, the last touched first. It tries every
// partition and joins their errors.
func (s *Sink) undo(ctx context.Context, j *journal) error {
	var errs []error
	for i := len(j.Partitions) - 1; i >= 0; i-- {
		if err := s.undoPartition(ctx, j.Partitions[i]); err != nil {
			errs = append(errs, err)
		}
	}
	return join(errs)
}

// joinedErrors is errors.Join on one line.
type joinedErrors []error

func (j joinedErrors) Error() string {
	msgs := make([]string, len(j))
	for i, err := range j {
		msgs[i] = err.Error()
	}
	return strings.Join(msgs, "; ")
}

func (j joinedErrors) Unwrap() []error { return j }

// join returns nil, errs' only error, or all of them as one error on one line.
func join(errs []error) error {
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	return joinedErrors(errs)
}

// undoPartition makes the partition jp.Dir hold exactly jp.Objects again, copied back from
// jp.Backup: it deletes _SUCCESS, copies back every data file that differs from its backup,
// deletes what the partition did not hold, copies back _manifest.json, then _SUCCESS. An object
// whose size and ETag are those recorded before the run is left alone, so undoing an untouched
// partition makes no change. Undoing is idempotent. On failure the partition is left without
// _SUCCESS and the error names the objects not restored.
func (s *Sink) undoPartition(ctx context.Context, jp journalPartition) error {
	successKey := jp.Dir + parquetfile.SuccessName
	manifestKey := jp.Dir + parquetfile.ManifestName
	fail := func(err error) error {
		return fmt.Errorf("restore %s: %w", s.uri(jp.Dir), err)
	}
	backups, err := s.list(ctx, jp.Backup)
	if err != nil {
		return fail(err)
	}
	bsize := map[string]int64{}
	for _, b := range backups {
		bsize[strings.TrimPrefix(b.key, jp.Backup)] = b.size
	}
	old := map[string]journalObject{}
	for _, o := range jp.Objects {
		if sz, ok := bsize[o.Name]; !ok || sz != o.Size {
			return fail(fmt.Errorf("its backup %s is missing or has the wrong size; the partition was not changed by the rollback", s.uri(jp.Backup+o.Name)))
		}
		old[jp.Dir+o.Name] = o
	}
	liveObjs, err := s.list(ctx, jp.Dir)
	if err != nil {
		return fail(err)
	}
	live := map[string]object{}
	for _, o := range liveObjs {
		live[o.key] = o
	}
	same := func(key string) bool {
		l, ok := live[key]
		o, had := old[key]
		return ok && had && l.size == o.Size && l.etag == o.ETag
	}
	changed := len(live) != len(old)
	for k := range old {
		changed = changed || !same(k)
	}
	if !changed {
		return nil
	}
	s.log.Warn("rolling back partition", "partition", s.uri(jp.Dir), "table", jp.Table)

	// Unpublish while files are restored.
	if _, ok := live[successKey]; ok {
		if err := s.deleteObject(ctx, successKey); err != nil {
			return fail(err)
		}
	}
	var mu sync.Mutex
	var bad []string
	var errs []error
	note := func(key string, err error) {
		mu.Lock()
		defer mu.Unlock()
		bad = append(bad, s.uri(key))
		errs = append(errs, err)
	}
	var g errgroup.Group
	g.SetLimit(s.cfg.Concurrency)
	for key, o := range old {
		if key == successKey || key == manifestKey || same(key) {
			continue
		}
		g.Go(func() error {
			if err := s.copyObject(ctx, jp.Backup+o.Name, key, o.Size, jp.Table); err != nil {
				note(key, err)
			}
			return nil
		})
	}
	for key := range live {
		if _, had := old[key]; had || key == successKey {
			continue
		}
		g.Go(func() error {
			if err := s.deleteObject(ctx, key); err != nil {
				note(key, err)
			}
			return nil
		})
	}
	g.Wait()
	if len(errs) > 0 {
		sort.Strings(bad)
		return fail(fmt.Errorf("left without _SUCCESS; objects not restored: %s: %w", strings.Join(bad, ", "), join(errs)))
	}
	for _, key := range []string{manifestKey, successKey} {
		o, had := old[key]
		if !had || (key == manifestKey && same(key)) {
			continue
		}
		if err := s.copyObject(ctx, jp.Backup+o.Name, key, o.Size, jp.Table); err != nil {
			return fail(fmt.Errorf("left without _SUCCESS; %s not restored: %w", s.uri(key), err))
		}
	}
	return nil
}

// recoverRuns finishes the rollback of every other run that died while publishing (its
// journal is still there), oldest first, and removes those runs' staging. Commit calls it,
// holding the prefix's lease, before publishing, so no run publishes over partitions a dead
// run left half replaced; a live run's journal cannot be there (it holds the lease while it
// has one).
func (s *Sink) recoverRuns(ctx context.Context) error {
	ids, err := s.journaledRuns(ctx, time.Time{})
	if err != nil {
		return err
	}
	for _, id := range ids {
		if _, err := s.recoverRun(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// journaledRuns returns the ids of the other runs that have a journal (last written before
// cutoff, unless cutoff is zero), in key order (run ids are UUIDv7: oldest first).
func (s *Sink) journaledRuns(ctx context.Context, cutoff time.Time) ([]string, error) {
	root := s.key(stagingDir) + "/"
	objs, err := s.list(ctx, root)
	if err != nil {
		return nil, fmt.Errorf("look for unfinished publishes of earlier runs: %w", err)
	}
	var ids []string
	for _, o := range objs {
		id, name, ok := strings.Cut(strings.TrimPrefix(o.key, root), "/")
		if !ok || name != journalName || id == s.run.RunID || (!cutoff.IsZero() && !o.modified.Before(cutoff)) {
			continue
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// StuckError is a dead run's publish that cannot be rolled back (its backups are gone or do
// not match): every Commit and gc stops at it until it is repaired.
type StuckError struct {
	RunID, Date string // the dead run and the snapshot date it was publishing
	Journal     string // its journal's URI
	Sink        string // the sink URL, for the repair command
	Err         error
}

func (e *StuckError) Error() string {
	return fmt.Sprintf("run %s died while publishing %s and rolling its partitions back failed: %v; if the cause cannot be fixed (e.g. its backups are gone), run `wbexport gc --repair --sink %s` to give that rollback up (it deletes %s and the run's staging, leaving its partitions as they are), then rerun --snapshot-date %s",
		e.RunID, e.Date, e.Err, e.Sink, e.Journal, e.Date)
}

func (e *StuckError) Unwrap() error { return e.Err }

// giveUp deletes the dead run id's journal and staging without rolling it back (gc --repair),
// and returns the number of objects deleted.
func (s *Sink) giveUp(ctx context.Context, id string) (int, error) {
	if err := s.deleteObject(ctx, s.journalKey(id)); err != nil {
		return 0, err
	}
	n, err := s.deletePrefix(ctx, s.StagingKey(id))
	return n + 1, err
}

// recoverRun rolls back the dead run id's publish from its journal, deletes the journal, then
// the rest of the run's staging, and returns how many objects it deleted from the staging.
func (s *Sink) recoverRun(ctx context.Context, id string) (int, error) {
	key := s.journalKey(id)
	body, ok, err := s.getSmall(ctx, key)
	if err != nil {
		return 0, fmt.Errorf("read the journal of run %s, %s: %w", id, s.uri(key), err)
	}
	if !ok {
		return 0, nil
	}
	var j journal
	if err := json.Unmarshal(body, &j); err != nil || j.Version != journalVersion || j.RunID != id {
		return 0, fmt.Errorf("the journal of run %s, %s, is not a version-%d journal of that run (%v); delete it to publish without rolling that run back", id, s.uri(key), journalVersion, err)
	}
	s.log.Warn("rolling back the unfinished publish of an earlier run", "dead_run_id", id, "date", j.SnapshotDate, "partitions", len(j.Partitions))
	if err := s.undo(ctx, &j); err != nil {
		return 0, &StuckError{RunID: id, Date: j.SnapshotDate, Journal: s.uri(key), Sink: s.cfg.String(), Err: err}
	}
	// The journal first: without it the rest is plain staging.
	if err := s.deleteObject(ctx, key); err != nil {
		return 0, err
	}
	n, err := s.deletePrefix(ctx, s.StagingKey(id))
	if err != nil {
		s.log.Warn("rolled back an earlier run but could not remove its staging; wbexport gc will", "dead_run_id", id, "error", err)
	}
	s.log.Info("rolled back the unfinished publish of an earlier run", "dead_run_id", id, "partitions", len(j.Partitions))
	return n + 1, nil
}
