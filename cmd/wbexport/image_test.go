//go:build unix

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wbexport/wbexport/internal/pipeline"
	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/sinks/local/localtest"
	"github.com/wbexport/wbexport/sinks/sinktest"
	"github.com/wbexport/wbexport/workboard/wbtest"
)

// TestContainerImage runs `wbexport run` inside the container image $WBEXPORT_IMAGE (make
// test-image builds it and sets it) against the emulator on the host, writing to a directory
// mounted at /data, and checks what it published: every table, value for value the rows a run
// of the same binary on the host publishes, written by the image's non-root user; stdout one
// JSON summary line. $WBEXPORT_PODMAN names the container CLI (default podman).
func TestContainerImage(t *testing.T) {
	image := os.Getenv("WBEXPORT_IMAGE")
	if image == "" {
		t.Skip("WBEXPORT_IMAGE is not set (make test-image builds the image and runs this test)")
	}
	engine := os.Getenv("WBEXPORT_PODMAN")
	if engine == "" {
		engine = "podman"
	}
	org := wbtest.Generate(wbtest.OrgConfig{Seed: 9, Users: 15, Teams: 4, Goals: 30, KRsPerGoal: 3, CheckinsPerKR: 4})
	ts := wbtest.Start(t, org)
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o777); err != nil { // the image's user (65532) writes here
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	container := func(args ...string) (stdout, stderr string, code int) {
		t.Helper()
		cmd := exec.CommandContext(ctx, engine, append([]string{"run", "--rm", "--network", "host",
			"-e", "WORKBOARD_TOKEN", "-v", dir + ":/data", image}, args...)...)
		cmd.Env = append(os.Environ(), "WORKBOARD_TOKEN="+ts.AdminToken)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		if ee, ok := err.(*exec.ExitError); ok {
			return out.String(), errb.String(), ee.ExitCode()
		} else if err != nil {
			t.Fatalf("%s %v: %v", engine, args, err)
		}
		return out.String(), errb.String(), 0
	}

	if out, stderr, code := container("--version"); code != 0 || !strings.HasPrefix(out, "wbexport ") {
		t.Fatalf("--version in the image: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	day := time.Now().UTC().Format(time.DateOnly)
	out, stderr, code := container("run", "--api-url", ts.BaseURL, "--sink", "file:///data/out", "--rate", "500",
		"--log-format", "gcp", "--snapshot-date", day)
	if code != 0 {
		t.Fatalf("run in the image: exit %d\nstderr:\n%s", code, stderr)
	}
	if strings.Count(out, "\n") != 1 {
		t.Errorf("stdout is not one summary line:\n%s", out)
	}
	var sum pipeline.Summary
	if err := json.Unmarshal([]byte(out), &sum); err != nil || sum.Status != pipeline.StatusSucceeded || sum.Sink != "file:///data/out" {
		t.Fatalf("summary: %v %+v", err, sum)
	}

	// The same export on the host, by this binary.
	host := filepath.Join(t.TempDir(), "host")
	r := runCLI(t, []string{"WORKBOARD_TOKEN=" + ts.AdminToken}, "run", "--api-url", ts.BaseURL, "--sink", "file://"+host, "--rate", "500", "--log-level", "warn", "--snapshot-date", day)
	if r.code != 0 {
		t.Fatalf("host run: exit %d\n%s", r.code, r.stderr)
	}
	root := filepath.Join(dir, "out")
	for _, tb := range schemas.DataTables() {
		got, ok, err := localtest.ReadPartition(root, tb.Name, day)
		if err != nil || !ok {
			t.Fatalf("%s: published %v, %v", tb.Name, ok, err)
		}
		want, _, err := localtest.ReadPartition(host, tb.Name, day)
		if err != nil {
			t.Fatal(err)
		}
		if d := sinktest.DiffRows(stripLineage(want), stripLineage(got)); d != "" {
			t.Errorf("%s: the image published other rows than the host run:\n%s", tb.Name, d)
		}
		if tb.Name == schemas.Goals && len(got) != len(org.Goals) {
			t.Errorf("goals: %d rows, the org has %d", len(got), len(org.Goals))
		}
	}
	st, err := os.Stat(filepath.Join(root, string(schemas.Goals)))
	if err != nil {
		t.Fatal(err)
	}
	if uid := st.Sys().(*syscall.Stat_t).Uid; uid != 65532 {
		t.Errorf("the image wrote as uid %d, want the non-root user 65532", uid)
	}
}
