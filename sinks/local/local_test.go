package local_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/sinks"
	"github.com/wbexport/wbexport/sinks/local"
	"github.com/wbexport/wbexport/sinks/local/localtest"
	"github.com/wbexport/wbexport/sinks/parquetfile"
	"github.com/wbexport/wbexport/sinks/sinktest"
	"github.com/wbexport/wbexport/sinks/tablefile"
)

// checkedHarness returns a sinktest.Harness whose destinations are fresh temp directories with
// a checked allocator each that must end with zero bytes allocated (the sink's Parquet buffers
// are all released); opts are passed to every local.New.
func checkedHarness(opts ...local.Option) sinktest.Harness {
	return func(t *testing.T) sinktest.Destination {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		t.Cleanup(func() { mem.AssertSize(t, 0) })
		return &localtest.Destination{Root: t.TempDir(), Opts: append([]local.Option{local.WithAllocator(mem)}, opts...)}
	}
}

func TestConformance(t *testing.T) {
	sinktest.Run(t, checkedHarness())
}

// TestConformanceRotated runs the suite with tiny row groups and files so that partitions hold
// several files and the manifest/rename logic handles them.
func TestConformanceRotated(t *testing.T) {
	sinktest.Run(t, checkedHarness(local.WithParquetOptions(
		parquetfile.WithRowGroupBytes(2<<10), parquetfile.WithFileBytes(4<<10), parquetfile.WithSliceRows(2),
		parquetfile.WithCompression(parquetfile.Snappy))))
}

// TestConformanceCSV runs the suite with CSV files (wbexport run --format csv), rotated at a
// tiny size so that partitions hold several files; the destination reads them back with
// sinktest.ReadCSV.
func TestConformanceCSV(t *testing.T) {
	sinktest.Run(t, checkedHarness(local.WithFormat(tablefile.CSV), local.WithParquetOptions(parquetfile.WithFileBytes(4<<10))))
}

func TestRotatedPartitionHasSeveralFiles(t *testing.T) {
	d := &localtest.Destination{Root: t.TempDir(), Opts: []local.Option{local.WithParquetOptions(
		parquetfile.WithRowGroupBytes(2<<10), parquetfile.WithFileBytes(4<<10), parquetfile.WithSliceRows(8))}}
	users, _ := schemas.Lookup(schemas.Users)
	run := sinktest.NewRun(t, sinktest.Date1, users)
	s := d.Open(t, run)
	rec := sinktest.SampleRecords(memory.DefaultAllocator, users, 200, 1, sinktest.WithDate(run.Date()))
	want := sinktest.CanonicalRows(rec)
	if err := s.Write(t.Context(), users.Name, rec); err != nil {
		t.Fatal(err)
	}
	rec.Release()
	res, err := s.Commit(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if tr := res.Tables[users.Name]; tr.Files < 3 || tr.Rows != 200 || tr.Bytes <= 0 || tr.Location != local.PartitionDir(d.Root, users.Name, run.Date()) {
		t.Errorf("result = %+v, want >= 3 files, 200 rows, location = partition dir", tr)
	}
	got, ok := d.Read(t, users.Name, run.Date())
	if !ok {
		t.Fatal("not published")
	}
	if diff := sinktest.DiffRows(want, got); diff != "" {
		t.Fatal(diff)
	}
}

// discardSink accepts writes (used to recompute what another process wrote).
type discardSink struct{ sinks.Sink }

func (discardSink) Write(context.Context, schemas.TableID, arrow.RecordBatch) error { return nil }

func write(t *testing.T, s sinks.Sink, run sinks.RunInfo, seed int64) map[schemas.TableID][]sinktest.Row {
	t.Helper()
	out := map[schemas.TableID][]sinktest.Row{}
	for i, tbl := range run.Tables {
		rec := sinktest.SampleRecords(memory.DefaultAllocator, tbl, 3+i, seed*10+int64(i), sinktest.WithDate(run.Date()), sinktest.WithRunID(run.RunID))
		out[tbl.Name] = sinktest.CanonicalRows(rec)
		if err := s.Write(t.Context(), tbl.Name, rec); err != nil {
			t.Fatal(err)
		}
		rec.Release()
	}
	return out
}

func open(t *testing.T, root string, run sinks.RunInfo) *local.Sink {
	t.Helper()
	s, err := local.New(t.Context(), root, run)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

func stagingEntries(t *testing.T, root string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(root, local.StagingDir))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// publishSteps records the publish steps of a successful commit of two tables.
func publishSteps(t *testing.T, previous bool) []string {
	root := t.TempDir()
	tables := []*schemas.Table{mustTable(schemas.Users), mustTable(schemas.Goals)}
	if previous {
		run := sinktest.NewRun(t, sinktest.Date1, tables...)
		s := open(t, root, run)
		write(t, s, run, 1)
		if _, err := s.Commit(t.Context()); err != nil {
			t.Fatal(err)
		}
		s.Close()
	}
	var steps []string
	defer local.SetPublishHook(func(step string) error { steps = append(steps, step); return nil })()
	run := sinktest.NewRun(t, sinktest.Date1, tables...)
	s := open(t, root, run)
	write(t, s, run, 2)
	if _, err := s.Commit(t.Context()); err != nil {
		t.Fatal(err)
	}
	s.Close()
	return steps
}

func mustTable(id schemas.TableID) *schemas.Table {
	t, ok := schemas.Lookup(id)
	if !ok {
		panic(id)
	}
	return t
}

var errCrash = errors.New("simulated crash")

// TestCrashAtEveryPublishStep interrupts Commit before each publish step (as if the process
// died there), checks that readers see, per table, the old snapshot, the new snapshot or
// nothing published (inside the swap window) — never a mix — and that the next run repairs:
// rolled back before the commit point (journal), rolled forward after it.
func TestCrashAtEveryPublishStep(t *testing.T) {
	for _, previous := range []bool{true, false} {
		steps := publishSteps(t, previous)
		wantSteps := 2 + 2*4 // journal, cleanup, 4 steps per table without a previous snapshot
		if previous {
			wantSteps += 2 * 2 // remove-success and move-old
		}
		if len(steps) != wantSteps || steps[0] != "journal" || steps[len(steps)-1] != "cleanup" {
			t.Fatalf("previous=%t: publish steps = %v", previous, steps)
		}
		for _, crashAt := range steps {
			t.Run(fmt.Sprintf("previous=%t/%s", previous, crashAt), func(t *testing.T) {
				root := t.TempDir()
				tables := []*schemas.Table{mustTable(schemas.Users), mustTable(schemas.Goals)}
				var old map[schemas.TableID][]sinktest.Row
				if previous {
					run1 := sinktest.NewRun(t, sinktest.Date1, tables...)
					s := open(t, root, run1)
					old = write(t, s, run1, 1)
					if _, err := s.Commit(t.Context()); err != nil {
						t.Fatal(err)
					}
					s.Close()
				}

				run2 := sinktest.NewRun(t, sinktest.Date1, tables...)
				s := open(t, root, run2)
				newRows := write(t, s, run2, 2)
				restore := local.SetPublishHook(func(step string) error {
					if step == crashAt {
						return errCrash
					}
					return nil
				})
				_, err := s.Commit(t.Context())
				restore()
				if !errors.Is(err, errCrash) {
					t.Fatalf("Commit = %v, want the simulated crash", err)
				}
				s.SimulateCrash()

				committed := crashAt != "journal"
				check := func(afterRepair bool) {
					t.Helper()
					for _, tbl := range tables {
						got, published, err := localtest.ReadPartition(root, tbl.Name, sinktest.Date1)
						if err != nil {
							t.Fatalf("%s (repaired=%t): %v", tbl.Name, afterRepair, err)
						}
						switch {
						case afterRepair && committed, afterRepair && !committed && !previous:
							want := newRows[tbl.Name]
							if !committed {
								if published {
									t.Errorf("%s: published after a crash before the commit point", tbl.Name)
								}
								continue
							}
							if !published {
								t.Fatalf("%s: not published after repair", tbl.Name)
							}
							if d := sinktest.DiffRows(want, got); d != "" {
								t.Errorf("%s after repair: want the new snapshot:\n%s", tbl.Name, d)
							}
						case afterRepair:
							if d := sinktest.DiffRows(old[tbl.Name], got); !published || d != "" {
								t.Errorf("%s after repair: want the old snapshot (published=%t):\n%s", tbl.Name, published, d)
							}
						case published:
							dOld := sinktest.DiffRows(old[tbl.Name], got)
							dNew := sinktest.DiffRows(newRows[tbl.Name], got)
							if (dOld != "" || !previous) && dNew != "" {
								t.Errorf("%s after crash: published rows are neither the old nor the new snapshot", tbl.Name)
							}
							if !committed && dOld != "" {
								t.Errorf("%s: crash before the commit point changed published data", tbl.Name)
							}
						case !committed && previous:
							t.Errorf("%s: crash before the commit point unpublished the old snapshot", tbl.Name)
						}
					}
				}
				check(false)

				// The next run (newer id) repairs on open, before writing anything.
				run3 := sinktest.NewRun(t, sinktest.Date2, tables...)
				s3 := open(t, root, run3)
				if left := stagingEntries(t, root); !slices.Equal(left, []string{run3.RunID}) {
					t.Errorf("staging after repair = %v, want only the new run's", left)
				}
				check(true)
				if err := s3.Close(); err != nil {
					t.Fatal(err)
				}
				if left := stagingEntries(t, root); len(left) != 0 {
					t.Errorf("staging after close = %v", left)
				}
			})
		}
	}
}

func TestLiveOlderRunIsNotCleaned(t *testing.T) {
	root := t.TempDir()
	tables := []*schemas.Table{mustTable(schemas.Teams)}
	run1 := sinktest.NewRun(t, sinktest.Date1, tables...)
	run2 := sinktest.NewRun(t, sinktest.Date2, tables...)
	s1 := open(t, root, run1)
	want := write(t, s1, run1, 1)
	s2 := open(t, root, run2) // must not touch run1's staging: run1 is alive (locked)
	write(t, s2, run2, 2)
	if _, err := s1.Commit(t.Context()); err != nil {
		t.Fatalf("older live run's commit after a newer run opened: %v", err)
	}
	s1.Close()
	if _, err := s2.Commit(t.Context()); err != nil {
		t.Fatal(err)
	}
	s2.Close()
	got, ok, err := localtest.ReadPartition(root, schemas.Teams, sinktest.Date1)
	if err != nil || !ok {
		t.Fatalf("read: %v published=%t", err, ok)
	}
	if d := sinktest.DiffRows(want[schemas.Teams], got); d != "" {
		t.Error(d)
	}
	// Opening the same run twice is refused while it is alive.
	s3 := open(t, root, run2)
	defer s3.Close()
	if _, err := local.New(t.Context(), root, run2); err == nil || !strings.Contains(err.Error(), "already open") {
		t.Errorf("second New for a live run = %v, want 'already open'", err)
	}
}

func TestDeadUncommittedRunIsRemoved(t *testing.T) {
	root := t.TempDir()
	tables := []*schemas.Table{mustTable(schemas.Teams)}
	run1 := sinktest.NewRun(t, sinktest.Date1, tables...)
	s1 := open(t, root, run1)
	write(t, s1, run1, 1)
	s1.SimulateCrash()
	if left := stagingEntries(t, root); !slices.Equal(left, []string{run1.RunID}) {
		t.Fatalf("staging after crash = %v", left)
	}
	run2 := sinktest.NewRun(t, sinktest.Date1, tables...)
	s2 := open(t, root, run2)
	if left := stagingEntries(t, root); !slices.Equal(left, []string{run2.RunID}) {
		t.Errorf("staging after next open = %v, want only %s", left, run2.RunID)
	}
	s2.Close()
	if _, ok, _ := localtest.ReadPartition(root, schemas.Teams, sinktest.Date1); ok {
		t.Error("dead uncommitted run published data")
	}
}

func TestUnwritableRoot(t *testing.T) {
	// Tests may run as root, which ignores permission bits, so make the path impossible
	// instead: its parent is a regular file (ENOTDIR for everyone).
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	run := sinktest.NewRun(t, sinktest.Date1)
	cases := []struct {
		name, root, setup, want string
	}{
		{"root under a file", filepath.Join(file, "out"), "", "cannot create root dir " + filepath.Join(file, "out") + ": not a directory"},
		{"staging is a file", filepath.Join(dir, "r2"), local.StagingDir, "cannot create staging dir " + filepath.Join(dir, "r2", local.StagingDir, run.RunID) + ": not a directory"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.setup != "" {
				os.MkdirAll(c.root, 0o755)
				os.WriteFile(filepath.Join(c.root, c.setup), nil, 0o644)
			}
			_, err := local.New(t.Context(), c.root, run)
			if err == nil {
				t.Fatal("New succeeded")
			}
			if !strings.HasPrefix(err.Error(), "sink file://"+c.root+": ") || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error = %q, want prefix %q and %q", err, "sink file://"+c.root, c.want)
			}
		})
	}
	if err := local.CheckRoot(filepath.Join(file, "out")); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("CheckRoot(unwritable) = %v", err)
	}
	good := filepath.Join(dir, "good")
	if err := local.CheckRoot(good); err != nil {
		t.Errorf("CheckRoot(good) = %v", err)
	}
	if entries, _ := os.ReadDir(good); len(entries) != 0 {
		t.Errorf("Check left files behind: %v", entries)
	}
}

func TestCloseAndAbortLeaveNoStaging(t *testing.T) {
	for _, abort := range []bool{false, true} {
		root := t.TempDir()
		run := sinktest.NewRun(t, sinktest.Date1, mustTable(schemas.Goals))
		s := open(t, root, run)
		write(t, s, run, 1)
		if abort {
			if err := s.Abort(t.Context()); err != nil {
				t.Fatal(err)
			}
			if err := s.Write(t.Context(), schemas.Goals, nil); err == nil {
				t.Error("Write after Abort succeeded")
			}
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if left := stagingEntries(t, root); len(left) != 0 {
			t.Errorf("abort=%t: staging left: %v", abort, left)
		}
		if _, err := os.Stat(filepath.Join(root, string(schemas.Goals))); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("abort=%t: table dir exists after an uncommitted run", abort)
		}
	}
}

func TestLedgerFileLayout(t *testing.T) {
	root := t.TempDir()
	run := sinktest.NewRun(t, sinktest.Date1, mustTable(schemas.Goals))
	s := open(t, root, run)
	if _, err := s.Commit(t.Context()); err != nil {
		t.Fatal(err)
	}
	rec := sinktest.LedgerRow(memory.DefaultAllocator, run, "succeeded")
	defer rec.Release()
	if err := s.AppendLedger(t.Context(), rec); err != nil {
		t.Fatal(err)
	}
	if err := s.AppendLedger(t.Context(), rec); err == nil {
		t.Error("second AppendLedger succeeded")
	}
	s.Close()
	dir := local.PartitionDir(root, schemas.SyncRuns, run.Date())
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := []string{"part-" + run.RunID + ".parquet"}; !slices.Equal(names, want) {
		t.Errorf("ledger dir holds %v, want %v", names, want)
	}
}

func TestParseURL(t *testing.T) {
	for _, c := range []struct{ in, want, err string }{
		{"file://./wbexport-out", "./wbexport-out", ""},
		{local.DefaultURL, "./wbexport-out", ""},
		{"file:///var/lib/wb", "/var/lib/wb", ""},
		{"file://localhost/var/lib/wb", "/var/lib/wb", ""},
		{"file://rel/dir", "rel/dir", ""},
		{"file:///a%20b", "/a b", ""},
		{"/plain/path", "/plain/path", ""},
		{"s3://bucket/x", "", "not a file:// URL"},
		{"file://", "", "empty path"},
		{"file:///x?y=1", "", "query"},
	} {
		got, err := local.ParseURL(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("ParseURL(%q) = %q, %v; want error %q", c.in, got, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("ParseURL(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}

func TestOpenURL(t *testing.T) {
	root := t.TempDir()
	run := sinktest.NewRun(t, sinktest.Date1, mustTable(schemas.Teams))
	s, err := local.Open(t.Context(), "file://"+root, run)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.URL() != "file://"+root || s.Root() != root {
		t.Errorf("URL() = %q, Root() = %q", s.URL(), s.Root())
	}
	if err := s.Check(t.Context()); err != nil {
		t.Errorf("Check: %v", err)
	}
	if _, err := local.Open(t.Context(), "s3://b/p", run); err == nil {
		t.Error("Open(s3://...) succeeded")
	}
}

// TestCommitRollsForwardNewerDeadRun: run B opens first, then run A (newer id) crashes after
// its commit point with half its partitions swapped. B's Commit must first finish A (A
// committed first) and then publish B, so B wins on every table and nothing is left over.
func TestCommitRollsForwardNewerDeadRun(t *testing.T) {
	root := t.TempDir()
	tables := []*schemas.Table{mustTable(schemas.Users), mustTable(schemas.Goals)}
	runB := sinktest.NewRun(t, sinktest.Date1, tables...)
	sB := open(t, root, runB)
	wantB := write(t, sB, runB, 2)

	runA := sinktest.NewRun(t, sinktest.Date1, tables...)
	sA := open(t, root, runA)
	write(t, sA, runA, 1)
	restore := local.SetPublishHook(func(step string) error {
		if step == "move-new/goals" {
			return errCrash
		}
		return nil
	})
	_, err := sA.Commit(t.Context())
	restore()
	if !errors.Is(err, errCrash) {
		t.Fatalf("Commit A = %v", err)
	}
	sA.SimulateCrash()

	if _, err := sB.Commit(t.Context()); err != nil {
		t.Fatalf("Commit B: %v", err)
	}
	sB.Close()
	assertPublished(t, root, tables, wantB, "want run B's rows")
	if left := stagingEntries(t, root); len(left) != 0 {
		t.Errorf("staging left: %v", left)
	}
}

// TestStuckRunDoesNotOverwriteLaterCommit: run A fails after its commit point but stays alive
// (locked) while run B commits the same date; when A finally closes, the next run's recovery
// must see that B superseded A's partitions and leave B's data in place.
func TestStuckRunDoesNotOverwriteLaterCommit(t *testing.T) {
	root := t.TempDir()
	tables := []*schemas.Table{mustTable(schemas.Users), mustTable(schemas.Goals)}
	runA := sinktest.NewRun(t, sinktest.Date1, tables...)
	sA := open(t, root, runA)
	write(t, sA, runA, 1)
	restore := local.SetPublishHook(func(step string) error {
		if step == "move-new/goals" {
			return errCrash
		}
		return nil
	})
	_, err := sA.Commit(t.Context())
	restore()
	if !errors.Is(err, errCrash) {
		t.Fatalf("Commit A = %v", err)
	}
	if err := sA.Abort(t.Context()); err == nil || !strings.Contains(err.Error(), "commit point") {
		t.Errorf("Abort after the commit point = %v, want an error saying it cannot be discarded", err)
	}

	runB := sinktest.NewRun(t, sinktest.Date1, tables...)
	sB := open(t, root, runB)
	wantB := write(t, sB, runB, 2)
	if _, err := sB.Commit(t.Context()); err != nil { // A is alive: not recovered here
		t.Fatalf("Commit B: %v", err)
	}
	sB.Close()
	if err := sA.Close(); err != nil {
		t.Fatal(err)
	}
	if left := stagingEntries(t, root); !slices.Equal(left, []string{runA.RunID}) {
		t.Fatalf("staging = %v, want A's journaled staging kept for recovery", left)
	}

	runC := sinktest.NewRun(t, sinktest.Date2, tables...)
	sC := open(t, root, runC)
	sC.Close()
	assertPublished(t, root, tables, wantB, "recovery of the stuck run overwrote the later commit")
	if left := stagingEntries(t, root); len(left) != 0 {
		t.Errorf("staging left: %v", left)
	}
}

// TestStaleLedgerTempRemoved: a process that died inside AppendLedger leaves a temp file; the
// next run removes it, but never the temp file of a run that is still alive.
func TestStaleLedgerTempRemoved(t *testing.T) {
	root := t.TempDir()
	tables := []*schemas.Table{mustTable(schemas.Teams)}
	dead := sinktest.NewRun(t, sinktest.Date1, tables...)
	alive := sinktest.NewRun(t, sinktest.Date1, tables...)
	sAlive := open(t, root, alive)
	defer sAlive.Close()
	if _, err := sAlive.Commit(t.Context()); err != nil {
		t.Fatal(err)
	}
	dir := local.PartitionDir(root, schemas.SyncRuns, sinktest.Date1)
	os.MkdirAll(dir, 0o755)
	deadTmp := filepath.Join(dir, ".part-"+dead.RunID+".parquet.tmp")
	aliveTmp := filepath.Join(dir, ".part-"+alive.RunID+".parquet.tmp")
	for _, p := range []string{deadTmp, aliveTmp} {
		if err := os.WriteFile(p, []byte("partial"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	next := sinktest.NewRun(t, sinktest.Date2, tables...)
	s := open(t, root, next)
	s.Close()
	if _, err := os.Stat(deadTmp); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("dead run's ledger temp file still there (%v)", err)
	}
	if _, err := os.Stat(aliveTmp); err != nil {
		t.Errorf("live run's ledger temp file removed: %v", err)
	}
}

// assertPublished checks that every table's Date1 partition is published and holds want's
// rows; what says what a difference means.
func assertPublished(t *testing.T, root string, tables []*schemas.Table, want map[schemas.TableID][]sinktest.Row, what string) {
	t.Helper()
	for _, tbl := range tables {
		got, ok, err := localtest.ReadPartition(root, tbl.Name, sinktest.Date1)
		if err != nil || !ok {
			t.Fatalf("%s: published=%t err=%v", tbl.Name, ok, err)
		}
		if d := sinktest.DiffRows(want[tbl.Name], got); d != "" {
			t.Errorf("%s: %s:\n%s", tbl.Name, what, d)
		}
	}
}
