package local

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/sinks"
	"github.com/wbexport/wbexport/sinks/parquetfile"
)

// Publishing and its recovery state machine.
//
// Commit first closes every table's writer (files fsynced) and fsyncs the staged directories,
// then takes <root>/.wbexport.lock and writes the commit journal
// _staging/<run_id>/_COMMIT.json (temp file, fsync, rename, fsync dir). The journal lists
// every partition of the run with its manifest. Writing it is the COMMIT POINT: before it the
// run can only be discarded, after it the run can only be rolled forward.
//
// Each partition is then published by publishPartition, with
//
//	S = _staging/<run_id>/<table>/snapshot_date=D   the staged files
//	P = <table>/snapshot_date=D                     the published partition
//	O = _staging/<run_id>/_old/<table>/snapshot_date=D   the previous snapshot, moved aside
//
// in these steps (the step names are what testHookPublishStep sees, suffixed "/<table>"):
//
//	remove-success  remove P/_SUCCESS (readers stop trusting P)           [only if P exists]
//	move-old        rename P -> O                                          [only if P exists]
//	move-new        rename S -> P   (the directory swap: P is absent only between these two)
//	manifest        write P/_manifest.json (temp file + rename)
//	success         write P/_SUCCESS, fsync P
//	remove-old      remove O
//
// and finally "cleanup" removes the staging directory. publishPartition decides what is left to
// do from what exists, so the same function finishes an interrupted publish:
//
//	S  P  O   state                                   remaining steps
//	y  n  n   nothing done, no previous snapshot      move-new, manifest, success, remove-old
//	y  y  n   nothing done (or _SUCCESS removed)      remove-success, move-old, move-new, ...
//	y  n  y   old moved aside, new not yet in place   move-new, manifest, success, remove-old
//	n  y  *   new in place                            manifest, success, remove-old (idempotent)
//	n  n  *   impossible under the lock               error
//	y  y  y   only if another run published P later   superseded (below), else error
//
// Superseded (recovery only): if P holds a manifest of another run created after this run's
// journal, a later commit already replaced the partition while this run was dead or stuck, so
// recovery leaves P alone and only drops its own copies (S, O). Journal and manifest times are
// taken under the publish lock from the same clock (a clock stepping backwards across a crash
// could defeat this check).
//
// Recovery (New, and Commit under the lock before its journal): a staging directory whose run
// lock is free belongs to a dead run. Without a journal it is deleted if the run is older than
// the current one (it never reached its commit point; published data was never touched). With
// a journal, whatever its age, every listed partition is driven to "published" by
// publishPartition, then the directory is deleted; doing this before publishing keeps the
// publish order equal to the commit order. So after a crash at any step a reader sees,
// per partition, either the previous snapshot with _SUCCESS, the new snapshot with _SUCCESS, or
// (inside the window) no _SUCCESS — never a mix of old and new files — and the next run leaves
// every partition of the dead run at the new snapshot.

// testHookPublishStep, when set (tests only), is called before each publish step; an error
// stops Commit right there, as if the process had died.
var testHookPublishStep func(step string) error

func hook(step string) error {
	if testHookPublishStep != nil {
		return testHookPublishStep(step)
	}
	return nil
}

type journal struct {
	RunID        string             `json:"run_id"`
	SnapshotDate string             `json:"snapshot_date"`
	CreatedAt    time.Time          `json:"created_at"`
	Partitions   []journalPartition `json:"partitions"`
}

type journalPartition struct {
	Table    schemas.TableID       `json:"table"`
	Manifest *parquetfile.Manifest `json:"manifest"`
}

func (s *Sink) commit(ctx context.Context) (*sinks.Result, error) {
	if err := ctx.Err(); err != nil {
		s.abortWriters()
		return nil, fmt.Errorf("sink %s: commit: %w", s.url, err)
	}
	j := journal{RunID: s.run.RunID, SnapshotDate: s.run.Date()}
	for _, t := range s.run.Tables {
		w, err := s.writer(t)
		if err != nil {
			s.abortWriters()
			return nil, err
		}
		files, err := w.Close()
		if err != nil {
			s.abortWriters()
			return nil, fmt.Errorf("sink %s: commit: %w", s.url, err)
		}
		m := parquetfile.NewManifest(s.run, t, files, time.Now())
		m.Format = string(s.cfg.format)
		j.Partitions = append(j.Partitions, journalPartition{Table: t.Name, Manifest: m})
	}
	for _, t := range s.run.Tables {
		for _, d := range []string{s.stagedDir(t.Name), filepath.Dir(s.stagedDir(t.Name))} {
			if err := syncDir(d); err != nil {
				return nil, s.pathErr("cannot sync staging dir", d, err)
			}
		}
	}
	if err := syncDir(s.stage); err != nil {
		return nil, s.pathErr("cannot sync staging dir", s.stage, err)
	}
	unlockRoot, err := s.lockRoot(ctx)
	if err != nil {
		return nil, err
	}
	defer unlockRoot()
	if err := s.recoverDeadRuns(); err != nil {
		return nil, err
	}

	if err := hook("journal"); err != nil {
		return nil, err
	}
	// The journal's time orders this commit after every manifest published so far (all were
	// written under the lock we hold) and before any later one.
	j.CreatedAt = time.Now().UTC()
	for _, p := range j.Partitions {
		p.Manifest.CreatedAt = j.CreatedAt
	}
	b, err := json.MarshalIndent(j, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("sink %s: commit journal: %w", s.url, err)
	}
	if err := writeFileAtomic(filepath.Join(s.stage, journalName), b); err != nil {
		return nil, s.pathErr("cannot write commit journal", filepath.Join(s.stage, journalName), err)
	}
	s.journaled = true // the commit point

	res := &sinks.Result{Tables: map[schemas.TableID]sinks.TableResult{}}
	for _, p := range j.Partitions {
		if err := publishPartition(s.root, s.stage, &j, p, false); err != nil {
			return nil, fmt.Errorf("sink %s: publish %s: %w (run %s is committed; the next run on this root finishes publishing it)", s.url, p.Table, err, s.run.RunID)
		}
		res.Tables[p.Table] = sinks.TableResult{
			Rows:     p.Manifest.TotalRows,
			Files:    len(p.Manifest.Files),
			Bytes:    p.Manifest.TotalBytes,
			Location: PartitionDir(s.root, p.Table, p.Manifest.SnapshotDate),
		}
	}
	if err := hook("cleanup"); err != nil {
		return nil, err
	}
	if err := s.removeStaging(); err != nil {
		return nil, err
	}
	return res, nil
}

func exists(p string) (bool, error) {
	_, err := os.Lstat(p)
	if err == nil {
		return true, nil
	}
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return false, err
}

// publishPartition drives one partition of journaled run j to "published" (see the state
// table above). It is idempotent. A partition whose published manifest belongs to another run
// that committed later than j (its manifest is newer than j's journal) was superseded while j
// was dead or stuck; when recovering, j then leaves it alone and only drops its own copies.
// (In Commit itself the caller holds the lock, so whatever is published is older.)
func publishPartition(root, stage string, j *journal, p journalPartition, recovering bool) error {
	if p.Manifest == nil {
		return fmt.Errorf("journal entry for %s has no manifest", p.Table)
	}
	part := schemas.ColSnapshotDate + "=" + p.Manifest.SnapshotDate
	S := filepath.Join(stage, string(p.Table), part)
	P := filepath.Join(root, string(p.Table), part)
	O := filepath.Join(stage, oldDir, string(p.Table), part)
	sOK, err := exists(S)
	if err != nil {
		return err
	}
	pOK, err := exists(P)
	if err != nil {
		return err
	}
	oOK, err := exists(O)
	if err != nil {
		return err
	}
	if pOK && recovering {
		superseded, err := supersededBy(P, j)
		if err != nil {
			return err
		}
		if superseded {
			return os.RemoveAll(O)
		}
	}
	step := func(name string) error { return hook(name + "/" + string(p.Table)) }
	switch {
	case sOK && pOK && oOK:
		return fmt.Errorf("inconsistent state: %s, %s and %s all exist", S, P, O)
	case !sOK && !pOK:
		return fmt.Errorf("inconsistent state: staged %s and published %s are both missing", S, P)
	}
	if sOK {
		if pOK {
			if err := step("remove-success"); err != nil {
				return err
			}
			if err := os.Remove(filepath.Join(P, parquetfile.SuccessName)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
			if err := syncDir(P); err != nil {
				return err
			}
			if err := step("move-old"); err != nil {
				return err
			}
			if err := os.MkdirAll(filepath.Dir(O), 0o755); err != nil {
				return err
			}
			if err := os.Rename(P, O); err != nil {
				return err
			}
			if err := syncDirs(filepath.Dir(O), filepath.Dir(P)); err != nil {
				return err
			}
		}
		if err := step("move-new"); err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(P), 0o755); err != nil {
			return err
		}
		if err := os.Rename(S, P); err != nil {
			return err
		}
		if err := syncDirs(filepath.Dir(P), filepath.Dir(S)); err != nil {
			return err
		}
	}
	if err := step("manifest"); err != nil {
		return err
	}
	mb, err := p.Manifest.Marshal()
	if err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(P, parquetfile.ManifestName), mb); err != nil {
		return err
	}
	if err := step("success"); err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(P, parquetfile.SuccessName), nil); err != nil {
		return err
	}
	if err := step("remove-old"); err != nil {
		return err
	}
	return os.RemoveAll(O)
}

// supersededBy reports whether the partition at P was published by another run after j's
// commit point: its manifest names another run and was created after j's journal. A missing
// manifest means P is j's own half-published directory (or a previous snapshot whose manifest
// j is about to move aside), never a newer run's: runs write the manifest before _SUCCESS and
// hold the publish lock while doing so.
func supersededBy(P string, j *journal) (bool, error) {
	b, err := os.ReadFile(filepath.Join(P, parquetfile.ManifestName))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	var m parquetfile.Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return false, fmt.Errorf("%s: %w", filepath.Join(P, parquetfile.ManifestName), err)
	}
	return m.RunID != j.RunID && m.CreatedAt.After(j.CreatedAt), nil
}

func syncDirs(dirs ...string) error {
	for _, d := range dirs {
		if err := syncDir(d); err != nil {
			return err
		}
	}
	return nil
}

// writeFileAtomic writes b to path via a temp file in the same directory: write, fsync,
// rename, fsync the directory.
func writeFileAtomic(path string, b []byte) error {
	dir := filepath.Dir(path)
	tmp := filepath.Join(dir, "."+filepath.Base(path)+".tmp")
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return syncDir(dir)
}

// lockRoot takes <root>/.wbexport.lock, waiting (polling) until it is free or ctx is done.
func (s *Sink) lockRoot(ctx context.Context) (func(), error) {
	path := filepath.Join(s.root, LockName)
	for {
		f, ok, err := tryLock(path)
		if err != nil {
			return nil, s.pathErr("cannot take lock", path, err)
		}
		if ok {
			// The pid is informational only (the flock is the lock).
			f.Truncate(0)
			f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
			return func() { unlock(f) }, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("sink %s: waiting for lock %s (another wbexport run is publishing): %w", s.url, path, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// recoverDeadRuns repairs or deletes the staging directories of dead runs. The caller holds
// the root lock, under which every live run's staging directory is created and locked
// atomically, so an unlocked staging directory belongs to a dead run. A dead run that reached
// its commit point is rolled forward whatever its age (its commit happened before anything
// that is about to be published now); an uncommitted one is deleted only when it is older than
// this run (the rule the package doc states; newer leftovers wait for a newer run). New calls
// this before creating the run's staging directory, Commit again before publishing, so the
// publish order always follows the commit order.
func (s *Sink) recoverDeadRuns() error {
	base := filepath.Join(s.root, StagingDir)
	entries, err := os.ReadDir(base)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return nil // nothing to recover; creating the staging dir reports a non-directory
	}
	if err != nil {
		return s.pathErr("cannot list staging dir", base, err)
	}
	for _, e := range entries {
		name := e.Name()
		if !e.IsDir() || name == s.run.RunID {
			continue
		}
		dir := filepath.Join(base, name)
		journaled, err := exists(filepath.Join(dir, journalName))
		if err != nil {
			return s.pathErr("cannot inspect staging dir", dir, err)
		}
		if !journaled && name > s.run.RunID {
			continue // a newer run that has not committed (alive or not): leave it
		}
		lk, ok, err := tryLock(filepath.Join(dir, runLockName))
		if errors.Is(err, fs.ErrNotExist) {
			continue // the run closed and removed its directory meanwhile
		}
		if err != nil {
			return s.pathErr("cannot lock staging dir of run "+name, dir, err)
		}
		if !ok {
			continue // alive
		}
		err = recoverRun(s.root, dir)
		unlock(lk)
		if err != nil {
			return fmt.Errorf("sink %s: recovering dead run %s: %w", s.url, name, err)
		}
	}
	return nil
}

// recoverRun finishes (journaled) or discards (not journaled) a dead run's staging dir.
func recoverRun(root, dir string) error {
	b, err := os.ReadFile(filepath.Join(dir, journalName))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		// Never reached its commit point.
	case err != nil:
		return err
	default:
		var j journal
		if err := json.Unmarshal(b, &j); err != nil {
			return fmt.Errorf("journal %s: %w", filepath.Join(dir, journalName), err)
		}
		for _, p := range j.Partitions {
			if err := publishPartition(root, dir, &j, p, true); err != nil {
				return fmt.Errorf("publish %s: %w", p.Table, err)
			}
		}
	}
	return os.RemoveAll(dir)
}

// cleanLedgerTemps removes temp files AppendLedger left behind when its process died
// (<root>/_sync_runs/snapshot_date=D/.part-<run_id>[-NNNNN].parquet.tmp, or .csv.tmp). A run is alive while
// its staging directory's .lock is held (kept until Close), so a temp file is removed only when
// no staging directory of its run is locked. The caller holds the root lock.
func (s *Sink) cleanLedgerTemps() error {
	temps, err := filepath.Glob(filepath.Join(s.root, string(schemas.SyncRuns), schemas.ColSnapshotDate+"=*", ".part-*.tmp"))
	if err != nil {
		return err
	}
	for _, tmp := range temps {
		id := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(tmp), ".part-"), ".tmp")
		id = strings.TrimSuffix(id, filepath.Ext(id))
		candidates := []string{id}
		if i := strings.LastIndexByte(id, '-'); i > 0 {
			candidates = append(candidates, id[:i]) // rotated ledger file: <run_id>-NNNNN
		}
		alive := false
		for _, c := range candidates {
			if c == s.run.RunID {
				alive = true
				break
			}
			if validRunID(c) != nil {
				continue
			}
			lk, ok, err := tryLock(filepath.Join(s.root, StagingDir, c, runLockName))
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				return s.pathErr("cannot lock staging dir of run "+c, filepath.Join(s.root, StagingDir, c), err)
			}
			if !ok {
				alive = true
				break
			}
			unlock(lk)
		}
		if !alive {
			if err := os.Remove(tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return s.pathErr("cannot remove stale ledger temp file", tmp, err)
			}
		}
	}
	return nil
}
