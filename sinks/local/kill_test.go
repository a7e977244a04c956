//go:build linux || darwin || freebsd || openbsd || netbsd || dragonfly

package local_test

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/sinks"
	"github.com/wbexport/wbexport/sinks/local"
	"github.com/wbexport/wbexport/sinks/local/localtest"
	"github.com/wbexport/wbexport/sinks/sinktest"
)

const helperEnv = "WBEXPORT_LOCAL_KILL_HELPER"

// TestKillHelper is not a test: run as a subprocess by TestKilledDuringCommit, it opens a run
// on $WBEXPORT_LOCAL_KILL_HELPER's root, writes seed-2 rows, and commits until it reaches the
// step named by $WBEXPORT_LOCAL_KILL_STEP, where it reports and waits to be killed.
func TestKillHelper(t *testing.T) {
	root := os.Getenv(helperEnv)
	if root == "" {
		t.Skip("helper process only")
	}
	step := os.Getenv("WBEXPORT_LOCAL_KILL_STEP")
	tables := []*schemas.Table{mustTable(schemas.Users), mustTable(schemas.Goals)}
	run := sinktest.NewRun(t, sinktest.Date1, tables...)
	s := open(t, root, run)
	fmt.Printf("RUN %s\n", run.RunID)
	write(t, s, run, 2)
	local.SetPublishHook(func(got string) error {
		if got == step {
			fmt.Println("AT-STEP")
			os.Stdout.Sync()
			select {} // wait for SIGKILL
		}
		return nil
	})
	s.Commit(t.Context())
	t.Fatal("commit finished without reaching the step")
}

// TestKilledDuringCommit kills (SIGKILL) a real process in the middle of Commit and checks that
// its locks die with it and the next run repairs the root: rolled back before the commit point,
// rolled forward after it.
func TestKilledDuringCommit(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	for _, step := range []string{"journal", "move-new/goals", "success/users"} {
		t.Run(step, func(t *testing.T) {
			root := t.TempDir()
			tables := []*schemas.Table{mustTable(schemas.Users), mustTable(schemas.Goals)}
			run1 := sinktest.NewRun(t, sinktest.Date1, tables...)
			s := open(t, root, run1)
			old := write(t, s, run1, 1)
			if _, err := s.Commit(t.Context()); err != nil {
				t.Fatal(err)
			}
			s.Close()

			cmd := exec.Command(os.Args[0], "-test.run=^TestKillHelper$", "-test.v")
			cmd.Env = append(os.Environ(), helperEnv+"="+root, "WBEXPORT_LOCAL_KILL_STEP="+step)
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			cmd.Stderr = os.Stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			var runID string
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				line := sc.Text()
				if id, ok := strings.CutPrefix(line, "RUN "); ok {
					runID = id
				}
				if line == "AT-STEP" {
					break
				}
			}
			if runID == "" {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatal("helper did not reach the step")
			}
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			cmd.Wait()

			// Recompute what the dead run wrote (SampleRecords is deterministic).
			d, _ := time.Parse(time.DateOnly, sinktest.Date1)
			deadRun := sinks.RunInfo{RunID: runID, SnapshotDate: d, Tables: tables, Version: sinktest.Version}
			newRows := write(t, discardSink{}, deadRun, 2)

			run3 := sinktest.NewRun(t, sinktest.Date2, tables...)
			s3 := open(t, root, run3) // repairs; would fail or skip if the dead run's lock survived
			if left := stagingEntries(t, root); !slices.Equal(left, []string{run3.RunID}) {
				t.Errorf("staging after repair = %v", left)
			}
			s3.Close()
			want := newRows
			if step == "journal" {
				want = old
			}
			for _, tbl := range tables {
				got, ok, err := localtest.ReadPartition(root, tbl.Name, sinktest.Date1)
				if err != nil || !ok {
					t.Fatalf("%s: published=%t err=%v", tbl.Name, ok, err)
				}
				if diff := sinktest.DiffRows(want[tbl.Name], got); diff != "" {
					t.Errorf("%s after repair:\n%s", tbl.Name, diff)
				}
			}
		})
	}
}
