//go:build unix

package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wbexport/wbexport/internal/chaos"
	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/sinks/local"
	"github.com/wbexport/wbexport/sinks/local/localtest"
	"github.com/wbexport/wbexport/sinks/sinktest"
	"github.com/wbexport/wbexport/workboard/wbtest"
)

const crashDate = "2026-03-01"

// crashIterations is how many runs TestCrashSafety kills (raise it with
// $WBEXPORT_CRASH_ITERATIONS for a longer soak).
func crashIterations(t *testing.T) int {
	if v := os.Getenv("WBEXPORT_CRASH_ITERATIONS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("WBEXPORT_CRASH_ITERATIONS=%q", v)
		}
		return n
	}
	return 12
}

// crashOrgs are two days of one seeded org: exporting either into the same snapshot date
// gives different partition contents, so a partition mixing two runs' files cannot go unseen.
func crashOrgs() [2]*wbtest.Org {
	day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	base := wbtest.Generate(wbtest.OrgConfig{Seed: 21, Users: 12, Teams: 3, Goals: 30, KRsPerGoal: 2, CheckinsPerKR: 4, AsOf: day, Anchor: day})
	return [2]*wbtest.Org{base, base.At(day.AddDate(0, 0, 20))}
}

func crashArgs(apiURL, root string) []string {
	return []string{"run", "--api-url", apiURL, "--sink", "file://" + root, "--snapshot-date", crashDate, "--allow-backdate",
		"--rate", "1000", "--concurrency", "2", "--log-level", "warn", "--progress", "never",
		"--summary-file", filepath.Join(filepath.Dir(root), "summary.json")}
}

// snapshotOf reads every data table's published partition (lineage removed).
func snapshotOf(t *testing.T, root string) map[schemas.TableID][]sinktest.Row {
	t.Helper()
	out := map[schemas.TableID][]sinktest.Row{}
	for _, tb := range schemas.DataTables() {
		rows, ok, err := localtest.ReadPartition(root, tb.Name, crashDate)
		if err != nil || !ok {
			t.Fatalf("%s: published=%v err=%v", tb.Name, ok, err)
		}
		out[tb.Name] = stripLineage(rows)
	}
	return out
}

// TestCrashSafety kills `wbexport run` (SIGKILL) at random points of many runs — during
// extraction, staging, the commit and publishing — and checks after every kill that each
// published partition is exactly one run's complete snapshot (the previous or the killed one,
// never a mix, never duplicates, _SUCCESS only over a complete partition whose manifest
// matches its files), and that the next run succeeds, publishes exactly its snapshot and
// leaves no staging behind.
func TestCrashSafety(t *testing.T) {
	orgs := crashOrgs()
	var urls [2]string
	for i, org := range orgs {
		// Latency stretches a run over a few hundred milliseconds so kills land in every phase.
		urls[i] = wbtest.Start(t, org, wbtest.WithLatency(3*time.Millisecond, 6*time.Millisecond)).BaseURL
	}
	token := wbtest.NewServer(orgs[0]).Credentials().AdminToken
	env := []string{"WORKBOARD_TOKEN=" + token}
	root := filepath.Join(t.TempDir(), "out")

	// The two references, and how long a whole run takes (to spread the kills over it).
	var ref [2]map[schemas.TableID][]sinktest.Row
	var dur time.Duration
	for i := range orgs {
		start := time.Now()
		if r := runCLI(t, env, crashArgs(urls[i], root)...); r.code != 0 {
			t.Fatalf("reference run %d: exit %d\n%s", i, r.code, r.stderr)
		}
		dur = max(dur, time.Since(start))
		ref[i] = snapshotOf(t, root)
	}
	if sinktest.DiffRows(ref[0][schemas.KeyResultCheckins], ref[1][schemas.KeyResultCheckins]) == "" {
		t.Fatal("the two days' snapshots are equal; mixes could not be detected")
	}
	t.Logf("a run takes about %v", dur)

	last := 1 // the org of the last successful run
	phases := map[string]int{}
	for i := range crashIterations(t) {
		seed := uint64(1000 + i)
		rng := rand.New(rand.NewPCG(seed, seed))
		victim := rng.IntN(2)
		// Half the kills anywhere in the run, half in its last part (commit and publish).
		frac := 0.95 * rng.Float64()
		if i%2 == 1 {
			frac = 0.5 + 0.45*rng.Float64()
		}
		delay := time.Duration(frac * float64(dur))

		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		cmd, _, stderr := childCmd(t, ctx, env, crashArgs(urls[victim], root)...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(delay)
		killErr := cmd.Process.Signal(syscall.SIGKILL)
		werr := cmd.Wait()
		cancel()
		phase := crashPhase(t, root, werr, killErr)
		phases[phase]++
		t.Logf("iteration %d (seed %d): org %d killed after %v: %s", i, seed, victim, delay.Round(time.Millisecond), phase)
		if phase == "finished" && cmd.ProcessState.ExitCode() != 0 {
			t.Fatalf("iteration %d: the run failed on its own: %s", i, stderr)
		}

		// Every published partition is one run's complete snapshot.
		checkPartitions(t, fmt.Sprintf("iteration %d (seed %d)", i, seed), root, ref[last], ref[victim], true)

		// Every third time, `wbexport gc` repairs first: afterwards no staging is left and every
		// partition is published (rolled forward or never touched).
		if i%3 == 2 {
			if r := runCLI(t, nil, "gc", "--sink", "file://"+root, "--log-level", "warn"); r.code != 0 {
				t.Fatalf("iteration %d (seed %d): gc: exit %d\n%s", i, seed, r.code, r.stderr)
			}
			if left := stagingDirs(t, root); len(left) != 0 {
				t.Fatalf("iteration %d (seed %d): staging left behind after gc: %v", i, seed, left)
			}
			checkPartitions(t, fmt.Sprintf("iteration %d (seed %d) after gc", i, seed), root, ref[last], ref[victim], false)
		}

		// The next run succeeds (repairing or discarding the dead run) and publishes exactly its
		// snapshot.
		next := rng.IntN(2)
		if r := runCLI(t, env, crashArgs(urls[next], root)...); r.code != 0 {
			t.Fatalf("iteration %d (seed %d): run after the kill: exit %d\n%s", i, seed, r.code, r.stderr)
		}
		got := snapshotOf(t, root)
		for _, tb := range schemas.DataTables() {
			if d := sinktest.DiffRows(ref[next][tb.Name], got[tb.Name]); d != "" {
				t.Fatalf("iteration %d (seed %d): %s after the repairing run:\n%s", i, seed, tb.Name, d)
			}
		}
		if left := stagingDirs(t, root); len(left) != 0 {
			t.Fatalf("iteration %d (seed %d): staging left behind after a successful run: %v", i, seed, left)
		}
		last = next
	}
	t.Logf("kills by phase: %v", phases)
}

// checkPartitions checks that every data partition under root with _SUCCESS holds exactly one
// run's complete snapshot equal to a or b (rows of one _run_id, manifest matching the files).
// Without mayBeUnpublished, every partition must have _SUCCESS.
func checkPartitions(t *testing.T, what, root string, a, b map[schemas.TableID][]sinktest.Row, mayBeUnpublished bool) {
	t.Helper()
	for _, tb := range schemas.DataTables() {
		rows, ok, err := localtest.ReadPartition(root, tb.Name, crashDate)
		if err != nil {
			t.Fatalf("%s: %s: %v", what, tb.Name, err)
		}
		if !ok {
			if !mayBeUnpublished {
				t.Fatalf("%s: %s is not published", what, tb.Name)
			}
			t.Logf("%s: %s has no _SUCCESS (killed inside its publish window)", what, tb.Name)
			continue
		}
		runs := map[any]bool{}
		for _, r := range rows {
			runs[r[schemas.ColRunID]] = true
		}
		if len(runs) > 1 {
			t.Fatalf("%s: %s mixes rows of %d runs", what, tb.Name, len(runs))
		}
		got := stripLineage(rows)
		if sinktest.DiffRows(a[tb.Name], got) != "" && sinktest.DiffRows(b[tb.Name], got) != "" {
			t.Fatalf("%s: %s is neither the previous nor the killed run's snapshot:\n%s", what, tb.Name, sinktest.DiffRows(b[tb.Name], got))
		}
	}
}

// crashPhase tells where a killed run was, from what it left on disk.
func crashPhase(t *testing.T, root string, waitErr, killErr error) string {
	t.Helper()
	if killErr != nil || waitErr == nil {
		return "finished"
	}
	dirs := stagingDirs(t, root)
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(root, local.StagingDir, d, "_COMMIT.json")); err == nil {
			return "after-commit-point"
		}
	}
	if len(dirs) > 0 {
		return "extracting-or-staging"
	}
	return "starting"
}

func stagingDirs(t *testing.T, root string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(root, local.StagingDir))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

// TestSignalStopsRunCleanly sends SIGINT or SIGTERM to a run in the middle of its extraction:
// the process must exit on its own (within a generous bound that only guards against a hang),
// with exit code 1 and an "interrupted" message, publish nothing and leave no staging.
func TestSignalStopsRunCleanly(t *testing.T) {
	org := crashOrgs()[0]
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			fast := wbtest.Start(t, org)
			// Slow answers: the run would take many seconds.
			slow := wbtest.Start(t, org, wbtest.WithLatency(40*time.Millisecond, 0))
			env := []string{"WORKBOARD_TOKEN=" + fast.AdminToken}
			root := filepath.Join(t.TempDir(), "out")
			if r := runCLI(t, env, crashArgs(fast.BaseURL, root)...); r.code != 0 {
				t.Fatalf("first run: exit %d\n%s", r.code, r.stderr)
			}
			before := (&chaos.Local{Root: root}).Published(t)

			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			args := crashArgs(slow.BaseURL, root)
			args = append(args, "--concurrency", "1")
			cmd, _, stderr := childCmd(t, ctx, env, args...)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			for slow.Emulator.Stats().Requests < 5 {
				if ctx.Err() != nil {
					t.Fatal("the run made no requests")
				}
				time.Sleep(5 * time.Millisecond)
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case <-done:
			case <-time.After(60 * time.Second):
				cmd.Process.Kill()
				t.Fatalf("the run did not stop within 60s of %v", sig)
			}
			if code := cmd.ProcessState.ExitCode(); code != ExitFailed {
				t.Fatalf("exit %d after %v, want %d\n%s", code, sig, ExitFailed, stderr)
			}
			lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
			if last := lines[len(lines)-1]; !strings.Contains(last, "interrupted: nothing of this run was published") {
				t.Errorf("last stderr line: %q", last)
			}
			if d := before.Diff((&chaos.Local{Root: root}).Published(t)); d != "" {
				t.Errorf("an interrupted run changed published data:\n%s", d)
			}
			if left := stagingDirs(t, root); len(left) != 0 {
				t.Errorf("an interrupted run left staging behind: %v", left)
			}
			ledger, err := localtest.ReadLedger(root)
			if err != nil {
				t.Fatal(err)
			}
			if n := len(ledger); n != 2 || ledger[0]["status"] == ledger[1]["status"] {
				t.Errorf("ledger: want one succeeded and one failed row, got %d rows: %v", n, fmt.Sprint(statuses(ledger)))
			}
		})
	}
}

func statuses(rows []sinktest.Row) []any {
	var out []any
	for _, r := range rows {
		out = append(out, r["status"])
	}
	return out
}
