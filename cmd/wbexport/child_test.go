package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// The test binary doubles as the wbexport binary: started with $WBEXPORT_TEST_CHILD_ARGS (a
// JSON list of arguments) it runs the CLI entry point and exits with its code, before any test
// runs. Subprocess tests (kills, signals, exact stdout/stderr) use it instead of building the
// binary, so they run the same code under the same flags (-race included).
const childArgsEnv = "WBEXPORT_TEST_CHILD_ARGS"

func init() {
	a, ok := os.LookupEnv(childArgsEnv)
	if !ok {
		return
	}
	var args []string
	if err := json.Unmarshal([]byte(a), &args); err != nil {
		os.Stderr.WriteString("bad " + childArgsEnv + ": " + err.Error() + "\n")
		os.Exit(99)
	}
	os.Exit(run(args))
}

// childCmd prepares the CLI as a subprocess with args and env (KEY=VALUE). The parent's
// WORKBOARD_* and WBEXPORT_* variables are not passed on.
func childCmd(t testing.TB, ctx context.Context, env []string, args ...string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	js, _ := json.Marshal(args)
	cmd := exec.CommandContext(ctx, os.Args[0])
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "WORKBOARD_") || strings.HasPrefix(kv, "WBEXPORT_") {
			continue
		}
		cmd.Env = append(cmd.Env, kv)
	}
	cmd.Env = append(cmd.Env, env...)
	cmd.Env = append(cmd.Env, childArgsEnv+"="+string(js))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	return cmd, &stdout, &stderr
}

// cliResult is what one CLI subprocess did.
type cliResult struct {
	code           int
	stdout, stderr string
}

// runCLI runs the CLI to completion as a subprocess (bounded by a generous timeout that only
// guards against hangs).
func runCLI(t testing.TB, env []string, args ...string) cliResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd, stdout, stderr := childCmd(t, ctx, env, args...)
	err := cmd.Run()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("run %v: %v", args, err)
		}
		code = ee.ExitCode()
	}
	return cliResult{code: code, stdout: stdout.String(), stderr: stderr.String()}
}
