package main

import (
	"bufio"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/sinks/local/localtest"
)

// TestRunAgainstEmulateProcess runs `wbexport emulate` as a separate process (as a user
// trying wbexport would), reads the base URL and the Data-Admin token it prints, and runs
// `wbexport run` against it: every table is published with _SUCCESS and the goals match the
// org size the emulator announced.
func TestRunAgainstEmulateProcess(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute) // hang guard only
	defer cancel()
	emu, _, _ := childCmd(t, ctx, nil, "emulate", "--addr", "127.0.0.1:0", "--seed", "5", "--goals", "25", "--users", "10", "--teams", "3")
	emu.Stdout = nil
	out, err := emu.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := emu.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = emu.Process.Kill(); _ = emu.Wait() }()

	var base, token string
	sc := bufio.NewScanner(out)
	for sc.Scan() && (base == "" || token == "") {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "base URL:"); ok {
			base = strings.TrimSpace(v)
		}
		if v, ok := strings.CutPrefix(line, "Data-Admin token:"); ok {
			token = strings.TrimSpace(v)
		}
	}
	if base == "" || token == "" {
		t.Fatalf("emulate did not print its base URL and token (scan error %v)", sc.Err())
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()

	root := t.TempDir()
	t.Setenv("WORKBOARD_TOKEN", token)
	args := []string{"run", "--api-url", base, "--sink", "file://" + root, "--snapshot-date", "2026-02-01", "--allow-backdate",
		"--rate", "500", "--log-level", "warn", "--summary-file", filepath.Join(t.TempDir(), "s.json")}
	if code := run(args); code != ExitOK {
		t.Fatalf("run against the emulate process: exit %d", code)
	}
	for _, tb := range schemas.DataTables() {
		if _, err := os.Stat(filepath.Join(root, string(tb.Name), "snapshot_date=2026-02-01", "_SUCCESS")); err != nil {
			t.Errorf("%s: %v", tb.Name, err)
		}
	}
	goals, published, err := localtest.ReadPartition(root, schemas.Goals, "2026-02-01")
	if err != nil || !published || len(goals) != 25 {
		t.Fatalf("goals: %d rows, published %v, err %v; want 25", len(goals), published, err)
	}
}
