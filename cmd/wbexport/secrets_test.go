package main

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/sinks/local/localtest"
	"github.com/wbexport/wbexport/sinks/sinktest"
	"github.com/wbexport/wbexport/workboard/wbtest"
)

// Recognisable secrets: if any of them (or a long enough piece of one) shows up anywhere, the
// test names where.
var testSecrets = wbtest.Credentials{
	AdminToken: "wbtok-ADMIN-5ecret-9f8e7d6c5b4a39281706",
	UserToken:  "wbtok-USER-5ecret-0a1b2c3d4e5f60718293",
	ClientID:   "wbexport-test-client",
	ClientHash: "wbhash-5ecret-c0ffee00deadbeef1234",
	AdminCode:  "wbcode-5ecret-admin-4242",
	UserCode:   "wbcode-5ecret-user-4343",
}

const wrongToken = "wbtok-WRONG-5ecret-11223344556677"

// secretPieces are the strings that must never appear: every secret, and its 16-byte middle
// (catches a secret that was cut or wrapped in a log).
func secretPieces() []string {
	var out []string
	for _, s := range []string{testSecrets.AdminToken, testSecrets.UserToken, testSecrets.ClientHash, testSecrets.AdminCode, wrongToken} {
		out = append(out, s, s[len(s)/2-8:len(s)/2+8])
	}
	return out
}

func assertNoSecret(t *testing.T, where string, b []byte) {
	t.Helper()
	for _, s := range secretPieces() {
		if bytes.Contains(b, []byte(s)) {
			t.Errorf("secret %q found in %s", s, where)
		}
	}
}

// TestSecretsNeverLeak obtains a token with `auth exchange` (OAuth client hash from the
// environment) against the emulator, exports with it at debug log level through injected
// faults (so retry and error paths log too), runs once more with a rejected token, and greps
// every output — stdout, stderr, the summary file, every file written (token file excepted),
// and every table and ledger value — for the secrets.
func TestSecretsNeverLeak(t *testing.T) {
	org := wbtest.Generate(wbtest.OrgConfig{Seed: 6, Users: 8, Teams: 2, Goals: 12, KRsPerGoal: 2, CheckinsPerKR: 3})
	ts := wbtest.Start(t, org, wbtest.WithCredentials(testSecrets),
		wbtest.WithFaults(wbtest.FaultConfig{Rate: 0.15, Seed: 2, Kinds: wbtest.DefaultFaultKinds}))
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "wb.token")
	root := filepath.Join(dir, "out")
	summary := filepath.Join(dir, "summary.json")
	var outputs []cliResult

	// 1. auth exchange: the token goes to a 0600 file, nowhere else.
	r := runCLI(t, []string{"WORKBOARD_CLIENT_HASH=" + testSecrets.ClientHash, "WORKBOARD_OAUTH_CODE=" + testSecrets.AdminCode},
		"auth", "exchange", "--client-id", testSecrets.ClientID, "--redirect-uri", "https://example.com/callback",
		"--token-url", ts.URL+wbtest.OAuthTokenPath, "--out", tokenFile, "--log-level", "debug")
	if r.code != 0 {
		t.Fatalf("auth exchange: exit %d\n%s", r.code, r.stderr)
	}
	outputs = append(outputs, r)
	st, err := os.Stat(tokenFile)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("token file mode %v, want 0600", st.Mode().Perm())
	}
	if b, _ := os.ReadFile(tokenFile); strings.TrimSpace(string(b)) != testSecrets.AdminToken {
		t.Fatalf("token file does not hold the exchanged token")
	}

	// 2. A full export at debug level, JSON logs, through 15 % API faults (key results by
	// goal: enough requests for the faults to hit some).
	r = runCLI(t, nil, "run", "--api-url", ts.BaseURL, "--token-file", tokenFile, "--sink", "file://"+root, "--kr-listing", "goal",
		"--snapshot-date", "2026-03-01", "--allow-backdate", "--log-level", "debug", "--log-format", "json", "--progress", "never",
		"--summary-file", summary, "--rate", "1000", "--max-attempts", "8", "--request-timeout", "5s")
	if r.code != 0 {
		t.Fatalf("run: exit %d\n%s", r.code, r.stderr)
	}
	if ts.Emulator.Stats().TotalFaults() == 0 {
		t.Fatal("no faults injected: the error paths were not exercised")
	}
	if !strings.Contains(r.stderr, `"level":"DEBUG"`) {
		t.Fatal("no debug log lines: the test would not see what debug logging prints")
	}
	outputs = append(outputs, r)

	// 3. A rejected token, and an ordinary user's token: the failure messages must not echo them.
	for _, tok := range []string{wrongToken, testSecrets.UserToken} {
		r = runCLI(t, []string{"WORKBOARD_TOKEN=" + tok}, "run", "--api-url", ts.BaseURL, "--sink", "file://"+root,
			"--snapshot-date", "2026-03-01", "--allow-backdate", "--log-level", "debug", "--progress", "never", "--summary-file", summary+".failed")
		if r.code != ExitAuth {
			t.Fatalf("run with a bad token: exit %d, want %d\n%s", r.code, ExitAuth, r.stderr)
		}
		outputs = append(outputs, r)
	}

	for i, o := range outputs {
		assertNoSecret(t, "stdout of command "+string(rune('1'+i)), []byte(o.stdout))
		assertNoSecret(t, "stderr of command "+string(rune('1'+i)), []byte(o.stderr))
	}
	// Every file written (raw bytes: manifests, summaries, Parquet footers and pages).
	n := 0
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || p == tokenFile {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		n++
		assertNoSecret(t, p, b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < len(schemas.DataTables()) {
		t.Fatalf("only %d files written", n)
	}
	// Every table value, decoded (Parquet pages are compressed, so raw bytes are not enough).
	for _, tb := range schemas.DataTables() {
		rows, ok, err := localtest.ReadPartition(root, tb.Name, "2026-03-01")
		if err != nil || !ok {
			t.Fatalf("%s: published=%v err=%v", tb.Name, ok, err)
		}
		assertNoSecretInRows(t, tb.Name, rows)
	}
	ledger, err := localtest.ReadLedger(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(ledger) < 2 {
		t.Fatalf("ledger has %d rows, want the succeeded and the failed runs", len(ledger))
	}
	assertNoSecretInRows(t, schemas.SyncRuns, ledger)
}

func assertNoSecretInRows(t *testing.T, table schemas.TableID, rows []sinktest.Row) {
	t.Helper()
	var b strings.Builder
	for _, r := range rows {
		for _, v := range r {
			b.WriteString(sinktest.FormatValue(v))
			b.WriteByte('\n')
		}
	}
	assertNoSecret(t, "table "+string(table), []byte(b.String()))
}

// TestTokenFileReadableByOthersWarns: a token file readable by group or others still works
// but the run warns (without the token).
func TestTokenFileReadableByOthersWarns(t *testing.T) {
	org := wbtest.Generate(wbtest.OrgConfig{Seed: 2, Users: 4, Teams: 1, Goals: 3, KRsPerGoal: 1, CheckinsPerKR: 1})
	ts := wbtest.Start(t, org, wbtest.WithCredentials(testSecrets))
	dir := t.TempDir()
	for _, tc := range []struct {
		mode os.FileMode
		warn bool
	}{{0o600, false}, {0o640, true}, {0o644, true}} {
		f := filepath.Join(dir, "token-"+tc.mode.String())
		if err := os.WriteFile(f, []byte(testSecrets.AdminToken+"\n"), tc.mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(f, tc.mode); err != nil { // umask-proof
			t.Fatal(err)
		}
		r := runCLI(t, nil, "run", "--api-url", ts.BaseURL, "--token-file", f, "--sink", "file://"+filepath.Join(dir, "out"),
			"--snapshot-date", "2026-03-01", "--allow-backdate", "--progress", "never", "--summary-file", filepath.Join(dir, "sum.json"))
		if r.code != 0 {
			t.Fatalf("mode %v: exit %d\n%s", tc.mode, r.code, r.stderr)
		}
		warned := strings.Contains(r.stderr, "level=WARN") && strings.Contains(r.stderr, "readable")
		if warned != tc.warn {
			t.Errorf("mode %v: warned=%v, want %v; stderr:\n%s", tc.mode, warned, tc.warn, r.stderr)
		}
		assertNoSecret(t, "stderr", []byte(r.stderr))
	}
}

// TestNoWayToWeakenTransport: there is no flag to pass a token on the command line or to turn
// TLS verification off, and plain HTTP is refused for non-loopback hosts even through the
// environment.
func TestNoWayToWeakenTransport(t *testing.T) {
	r := runCLI(t, nil, "run", "--help")
	if r.code != 0 {
		t.Fatalf("run --help: exit %d", r.code)
	}
	for _, bad := range []string{"--token ", "--token=", "insecure", "skip-verify", "no-verify", "tls-verify"} {
		if strings.Contains(r.stdout, bad) {
			t.Errorf("run --help offers %q", bad)
		}
	}
	r = runCLI(t, []string{"WORKBOARD_TOKEN=x", "WBEXPORT_API_URL=http://workboard.example.com/wb/apis"}, "run", "--sink", "file://"+t.TempDir())
	if r.code != ExitUsage || !strings.Contains(r.stderr, "must use https") {
		t.Errorf("plain HTTP API URL from the environment: exit %d, stderr %q", r.code, r.stderr)
	}
}

// TestEchoedSecretsRedacted: a server that echoes the Authorization header in an error body
// (400 error_description, or a 200 success:false message) must not get the token onto
// stderr, the summary file or the ledger's error and summary columns.
func TestEchoedSecretsRedacted(t *testing.T) {
	org := wbtest.Generate(wbtest.OrgConfig{Seed: 2, Users: 4, Teams: 1, Goals: 3, KRsPerGoal: 1, CheckinsPerKR: 1})
	for _, odd := range []wbtest.OddAnswer{
		{Kind: wbtest.OddEchoToken, Path: "/metric"},
		{Kind: wbtest.OddEchoToken200, Path: "/goal"},
	} {
		t.Run(string(odd.Kind), func(t *testing.T) {
			ts := wbtest.Start(t, org, wbtest.WithCredentials(testSecrets), wbtest.WithOddAnswers(odd))
			dir := t.TempDir()
			root, summary := filepath.Join(dir, "out"), filepath.Join(dir, "summary.json")
			r := runCLI(t, []string{"WORKBOARD_TOKEN=" + testSecrets.AdminToken}, "run", "--api-url", ts.BaseURL, "--sink", "file://"+root,
				"--kr-listing", "goal", "--log-level", "debug", "--progress", "never", "--summary-file", summary)
			if r.code == 0 {
				t.Fatalf("run succeeded against a server rejecting every %s call", odd.Path)
			}
			if !strings.Contains(r.stderr, "[REDACTED]") {
				t.Errorf("the echoed credential is not shown as [REDACTED]; stderr:\n%s", r.stderr)
			}
			assertNoSecret(t, "stderr", []byte(r.stderr))
			b, err := os.ReadFile(summary)
			if err != nil {
				t.Fatal(err)
			}
			assertNoSecret(t, "summary file", b)
			ledger, err := localtest.ReadLedger(root)
			if err != nil || len(ledger) != 1 {
				t.Fatalf("ledger: %d rows, %v", len(ledger), err)
			}
			assertNoSecretInRows(t, schemas.SyncRuns, ledger)
		})
	}
}
