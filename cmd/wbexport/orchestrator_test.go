package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/pflag"

	"github.com/wbexport/wbexport/internal/pipeline"
	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/sinks/local/localtest"
	"github.com/wbexport/wbexport/workboard/wbtest"
)

// smallOrg is a quick org for the orchestration tests.
func smallOrg() *wbtest.Org {
	return wbtest.Generate(wbtest.OrgConfig{Seed: 5, Users: 6, Teams: 2, Goals: 6, KRsPerGoal: 2, CheckinsPerKR: 2})
}

// TestSummaryIsOneJSONLineOffTTY runs the CLI with stdout on a pipe, as an orchestrator does:
// stdout is exactly one line, the whole summary as JSON (Airflow's XCom keeps the last line).
// The logs, in the gcp format, are JSON lines on stderr with Cloud Logging's severity, message
// and time fields.
func TestSummaryIsOneJSONLineOffTTY(t *testing.T) {
	org := smallOrg()
	ts := wbtest.Start(t, org)
	out := filepath.Join(t.TempDir(), "out")
	r := runCLI(t, []string{"WORKBOARD_TOKEN=" + ts.AdminToken}, "run", "--api-url", ts.BaseURL, "--sink", "file://"+out,
		"--rate", "500", "--log-format", "gcp", "--log-level", "debug")
	if r.code != ExitOK {
		t.Fatalf("exit %d; stderr:\n%s", r.code, r.stderr)
	}
	if strings.Count(r.stdout, "\n") != 1 || !strings.HasSuffix(r.stdout, "\n") {
		t.Fatalf("stdout is not one line:\n%s", r.stdout)
	}
	var sum pipeline.Summary
	if err := json.Unmarshal([]byte(r.stdout), &sum); err != nil {
		t.Fatalf("stdout is not the summary JSON: %v\n%s", err, r.stdout)
	}
	if sum.Status != pipeline.StatusSucceeded || sum.Tables[schemas.Goals].Rows != int64(len(org.Goals)) || sum.Backdated {
		t.Errorf("summary: status %s, goals %d rows (org has %d), backdated %v", sum.Status, sum.Tables[schemas.Goals].Rows, len(org.Goals), sum.Backdated)
	}

	severities := map[string]int{}
	for _, line := range strings.Split(strings.TrimRight(r.stderr, "\n"), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("stderr line is not JSON: %v\n%s", err, line)
		}
		sev, _ := m["severity"].(string)
		switch sev {
		case "DEBUG", "INFO", "WARNING", "ERROR":
		default:
			t.Errorf("severity %q is not a Cloud Logging severity: %s", m["severity"], line)
		}
		severities[sev]++
		if msg, _ := m["message"].(string); msg == "" {
			t.Errorf("no message: %s", line)
		}
		if ts, _ := m["time"].(string); ts == "" {
			t.Errorf("no time: %s", line)
		} else if _, err := time.Parse(time.RFC3339Nano, ts); err != nil {
			t.Errorf("time %q: %v", ts, err)
		}
		for _, k := range []string{"level", "msg"} {
			if _, ok := m[k]; ok {
				t.Errorf("slog's %q key left in a gcp line: %s", k, line)
			}
		}
	}
	if severities["INFO"] == 0 || severities["DEBUG"] == 0 {
		t.Errorf("severities seen %v, want DEBUG and INFO lines", severities)
	}
}

// TestGCPErrorLine: with --log-format gcp the final error line is a Cloud Logging entry too.
func TestGCPErrorLine(t *testing.T) {
	r := runCLI(t, []string{"WORKBOARD_TOKEN=x"}, "run", "--log-format", "gcp", "--snapshot-date", "2020-01-01")
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	var m map[string]string
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &m); err != nil {
		t.Fatalf("last stderr line is not JSON: %v\n%s", err, r.stderr)
	}
	if r.code != ExitUsage || m["severity"] != "ERROR" || !strings.HasPrefix(m["message"], "wbexport: --snapshot-date 2020-01-01") || m["time"] == "" {
		t.Errorf("exit %d, last line %v", r.code, m)
	}
}

// TestGCPSeverity pins the level → severity mapping.
func TestGCPSeverity(t *testing.T) {
	var b bytes.Buffer
	lg, err := (&logFlags{format: "gcp", level: "debug"}).logger(&b)
	if err != nil {
		t.Fatal(err)
	}
	lg.Debug("d")
	lg.Info("i", "k", 1)
	lg.Warn("w")
	lg.Error("e")
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatal(err)
		}
		got = append(got, m["severity"].(string)+":"+m["message"].(string))
	}
	if diff := cmp.Diff([]string{"DEBUG:d", "INFO:i", "WARNING:w", "ERROR:e"}, got); diff != "" {
		t.Errorf("gcp lines (-want +got):\n%s", diff)
	}
}

// TestTransientExitCode: a failure that a later run may not meet exits 4 (an unreachable API,
// an API throttling beyond --max-attempts), a failure that a rerun meets again exits 1 (an
// answer that does not decode). The summary carries the same code, and nothing is published.
func TestTransientExitCode(t *testing.T) {
	org := smallOrg()
	throttled := wbtest.Start(t, org, wbtest.WithFaults(wbtest.FaultConfig{Rate: 1, Kinds: []wbtest.FaultKind{wbtest.Fault429NoRetry}}))
	down := wbtest.Start(t, org, wbtest.WithFaults(wbtest.FaultConfig{Rate: 1, Kinds: []wbtest.FaultKind{wbtest.Fault503}}))
	bad, badToken := craftServer(t, org, editGoals(t, setGoalField("goal_progress", "sixty")))
	for _, tc := range []struct {
		name       string
		url, token string
		want       int
		line       string
	}{
		{"API unreachable", "http://" + closedPort(t) + "/wb/apis", "tok", ExitTransient, "connection refused"},
		{"throttled past --max-attempts", throttled.BaseURL, throttled.AdminToken, ExitTransient, "429"},
		{"API answers 503", down.BaseURL, down.AdminToken, ExitTransient, "503"},
		{"decode error", bad.URL + wbtest.APIPrefix, badToken, ExitFailed, "goal_progress"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			out := filepath.Join(dir, "out")
			r := runCLI(t, []string{"WORKBOARD_TOKEN=" + tc.token}, "run", "--api-url", tc.url, "--sink", "file://"+out,
				"--max-attempts", "2", "--log-level", "error")
			if r.code != tc.want {
				t.Fatalf("exit %d, want %d; stderr:\n%s", r.code, tc.want, r.stderr)
			}
			if !strings.Contains(r.stderr, tc.line) {
				t.Errorf("stderr does not name %q:\n%s", tc.line, r.stderr)
			}
			var sum pipeline.Summary
			if err := json.Unmarshal([]byte(r.stdout), &sum); err != nil {
				t.Fatalf("summary: %v\n%s", err, r.stdout)
			}
			if sum.ExitCode != tc.want || sum.Status != pipeline.StatusFailed {
				t.Errorf("summary: exit_code %d status %s, want %d failed", sum.ExitCode, sum.Status, tc.want)
			}
			for _, tb := range schemas.DataTables() {
				if _, published, _ := localtest.ReadPartition(out, tb.Name, sum.SnapshotDate); published {
					t.Errorf("%s published by a failed run", tb.Name)
				}
			}
		})
	}
}

// TestSnapshotDateRule pins which snapshot dates a run accepts: today or yesterday in
// --timezone; any other day only with --allow-backdate, and then as backdated.
func TestSnapshotDateRule(t *testing.T) {
	// 23:30 UTC on 2026-12-05 is already 2026-12-06 in Berlin and still 2026-12-05 in New York.
	now := time.Date(2026, 12, 5, 23, 30, 0, 0, time.UTC)
	for _, tc := range []struct {
		date, tz  string
		allow     bool
		want      string // the day, or "usage" for a usage error
		backdated bool
	}{
		{"", "UTC", false, "2026-12-05", false},
		{"", "Europe/Berlin", false, "2026-12-06", false},
		{"", "America/New_York", false, "2026-12-05", false},
		{"2026-12-05", "UTC", false, "2026-12-05", false},
		{"2026-12-04", "UTC", false, "2026-12-04", false}, // yesterday: a nightly job after midnight
		{"2026-12-03", "UTC", false, "usage", false},
		{"2026-12-04", "Europe/Berlin", false, "usage", false}, // two days ago in Berlin
		{"2026-12-06", "UTC", false, "usage", false},           // tomorrow
		{"2026-12-06", "Europe/Berlin", false, "2026-12-06", false},
		{"2020-01-01", "UTC", false, "usage", false},
		{"2020-01-01", "UTC", true, "2020-01-01", true},
		{"2026-12-05", "UTC", true, "2026-12-05", false},
		{"2026-13-01", "UTC", true, "usage", false},
		{"", "Mars/Olympus", false, "usage", false},
		{"", "Local", false, "usage", false},
	} {
		f := dateFlags{date: tc.date, timezone: tc.tz, allowBackdate: tc.allow}
		day, backdated, err := f.day(now)
		got := day.Format(time.DateOnly)
		if err != nil {
			if exitCode(err) != ExitUsage {
				t.Errorf("%+v: error %v is not a usage error", tc, err)
			}
			got = "usage"
		}
		if got != tc.want || backdated != tc.backdated {
			t.Errorf("%+v: got %s backdated=%v, want %s backdated=%v (err %v)", tc, got, backdated, tc.want, tc.backdated, err)
		}
	}
}

// TestBackdateRefusedOrRecorded runs the CLI with a past --snapshot-date: refused (exit 2, one
// line naming --allow-backdate, nothing published), then accepted with --allow-backdate and
// recorded as backdated in the summary and the ledger.
func TestBackdateRefusedOrRecorded(t *testing.T) {
	ts := wbtest.Start(t, smallOrg())
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	env := []string{"WORKBOARD_TOKEN=" + ts.AdminToken}
	args := []string{"run", "--api-url", ts.BaseURL, "--sink", "file://" + out, "--snapshot-date", "2020-01-01", "--log-level", "error"}
	r := runCLI(t, env, args...)
	if r.code != ExitUsage {
		t.Fatalf("exit %d, want %d; stderr:\n%s", r.code, ExitUsage, r.stderr)
	}
	if lines := strings.Split(strings.TrimSpace(r.stderr), "\n"); len(lines) != 1 || !strings.Contains(lines[0], "--allow-backdate") {
		t.Errorf("want one stderr line naming --allow-backdate, got:\n%s", r.stderr)
	}
	if r.stdout != "" {
		t.Errorf("a refused run printed a summary: %s", r.stdout)
	}
	if _, published, _ := localtest.ReadPartition(out, schemas.Goals, "2020-01-01"); published {
		t.Errorf("a refused run published")
	}

	r = runCLI(t, env, append(args, "--allow-backdate")...)
	if r.code != ExitOK {
		t.Fatalf("with --allow-backdate: exit %d; stderr:\n%s", r.code, r.stderr)
	}
	var sum pipeline.Summary
	if err := json.Unmarshal([]byte(r.stdout), &sum); err != nil {
		t.Fatal(err)
	}
	if !sum.Backdated || sum.SnapshotDate != "2020-01-01" {
		t.Errorf("summary: backdated %v snapshot_date %s", sum.Backdated, sum.SnapshotDate)
	}
	ledger, err := localtest.ReadLedger(out)
	if err != nil || len(ledger) != 1 {
		t.Fatalf("ledger: %d rows, %v", len(ledger), err)
	}
	var recorded pipeline.Summary
	if err := json.Unmarshal([]byte(ledger[0]["summary"].(string)), &recorded); err != nil {
		t.Fatal(err)
	}
	if !recorded.Backdated {
		t.Errorf("the ledger's summary does not record the run as backdated: %s", ledger[0]["summary"])
	}
}

// TestHumanSummary checks the terminal summary: per-table rows, the destination and what to
// run next; for a failure the error and whether to retry.
func TestHumanSummary(t *testing.T) {
	ok := &pipeline.Summary{RunID: "r1", SnapshotDate: "2026-12-06", Status: pipeline.StatusSucceeded, Sink: "file:///data/out",
		DurationSeconds: 2.5, Tables: map[schemas.TableID]pipeline.TableSummary{
			schemas.Users: {Rows: 10, Bytes: 2048, Location: "file:///data/out/users/snapshot_date=2026-12-06"},
			schemas.Goals: {Rows: 42, Bytes: 3 << 20, Location: "file:///data/out/goals/snapshot_date=2026-12-06"},
		}}
	var b bytes.Buffer
	writeHuman(&b, ok)
	for _, want := range []string{"succeeded in 2.5s", "snapshot 2026-12-06 → file:///data/out", "users", "10 rows", "goals", "42 rows", "3.0 MiB", "52 rows in 2 tables, 3.0 MiB", "next:", "_SUCCESS"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("human summary lacks %q:\n%s", want, b.String())
		}
	}
	b.Reset()
	writeHuman(&b, &pipeline.Summary{RunID: "r2", SnapshotDate: "2026-12-06", Status: pipeline.StatusFailed, ExitCode: ExitTransient, Error: "workboard API GET /goal: HTTP 503", Sink: "file:///data/out"})
	for _, want := range []string{"FAILED", "exit 4", "HTTP 503", "rerun the same --snapshot-date 2026-12-06 later"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("failure summary lacks %q:\n%s", want, b.String())
		}
	}
}

// TestCommandsListOnlyTheirFlags: check and gc take only the flags they use (no Parquet, export
// or BigQuery-load flags), and demo writes to --sink as run does.
func TestCommandsListOnlyTheirFlags(t *testing.T) {
	root := newRootCmd()
	flags := func(name string) map[string]bool {
		cmd, _, err := root.Find([]string{name})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]bool{}
		cmd.Flags().VisitAll(func(f *pflag.Flag) { out[f.Name] = true })
		return out
	}
	check, gc, demo, run := flags("check"), flags("gc"), flags("demo"), flags("run")
	for _, name := range []string{"format", "parquet-compression", "parquet-row-group-bytes", "parquet-file-bytes",
		"s3-part-size", "s3-concurrency", "bq-partition-expiration", "gcs-staging", "rate", "concurrency", "page-size",
		"tables", "snapshot-date", "progress"} {
		if check[name] {
			t.Errorf("check lists --%s, which it does not use", name)
		}
		if gc[name] {
			t.Errorf("gc lists --%s, which it does not use", name)
		}
	}
	for _, name := range []string{"s3-sse", "s3-kms-key-id", "s3-storage-class", "bq-location", "api-url", "token-file"} {
		if gc[name] {
			t.Errorf("gc lists --%s, which it does not use", name)
		}
	}
	for _, name := range []string{"sink", "s3-endpoint", "s3-sse", "bq-location", "api-url", "token-file", "max-attempts"} {
		if !check[name] {
			t.Errorf("check lacks --%s", name)
		}
	}
	for _, name := range []string{"sink", "s3-endpoint", "s3-path-style", "s3-region", "s3-profile", "older-than"} {
		if !gc[name] {
			t.Errorf("gc lacks --%s", name)
		}
	}
	if demo["out"] || !demo["sink"] || !demo["format"] || !run["sink"] || !run["format"] || !run["allow-backdate"] || demo["allow-backdate"] {
		t.Errorf("demo and run: one spelling of the output (--sink, --format); --allow-backdate only for run")
	}
}

// TestEnumeratedFlagsRejectUnknownValues: every flag with a fixed set of values refuses another
// one with a usage error (exit 2) before anything runs.
func TestEnumeratedFlagsRejectUnknownValues(t *testing.T) {
	t.Setenv("WORKBOARD_TOKEN", "wbt-not-used")
	out := "file://" + t.TempDir()
	for _, args := range [][]string{
		{"run", "--sink", out, "--progress", "maybe"},
		{"run", "--sink", out, "--log-format", "xml"},
		{"run", "--sink", out, "--log-level", "loud"},
		{"run", "--sink", out, "--format", "tsv"},
		{"run", "--sink", out, "--region", "mars"},
		{"run", "--sink", out, "--parquet-compression", "lz4"},
		{"run", "--sink", "s3://bucket-ok/p", "--s3-sse", "rot13"},
		{"run", "--sink", "xlsx://" + t.TempDir() + "/x.xlsx", "--format", "csv"},
		{"run", "--sink", "xlsx://" + t.TempDir() + "/x.xls"},
		{"run", "--sink", out, "--timezone", "Mars/Olympus"},
		{"demo", "--sink", out, "--progress", "maybe"},
		{"schema", "--format", "yaml"},
		{"check", "--log-format", "xml"},
		{"gc", "--sink", out, "--log-format", "xml"},
		{"emulate", "--default-goal-status", "3"},
		{"emulate", "--faults", "gremlins"},
	} {
		if code := run(args); code != ExitUsage {
			t.Errorf("wbexport %s: exit %d, want %d", strings.Join(args, " "), code, ExitUsage)
		}
	}
}

// TestVersionFlag: wbexport --version prints what wbexport version prints.
func TestVersionFlag(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"version"}} {
		r := runCLI(t, nil, args...)
		if r.code != ExitOK || r.stdout != versionLine()+"\n" {
			t.Errorf("wbexport %s: exit %d, stdout %q, want %q", args[0], r.code, r.stdout, versionLine())
		}
	}
}
