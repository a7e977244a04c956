package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wbexport/wbexport/workboard/wbtest"
)

// TestRefusedBeforeAnyAPICall: inputs that would fail a run late (after hours of extraction on
// a large org) are usage errors before the first API call, with a line naming them.
func TestRefusedBeforeAnyAPICall(t *testing.T) {
	org := wbtest.Generate(wbtest.OrgConfig{Seed: 4, Users: 4, Teams: 1, Goals: 3, KRsPerGoal: 1, CheckinsPerKR: 1})
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"summary file in a missing directory", []string{"--summary-file", "/nonexistent/dir/s.json"}, "--summary-file /nonexistent/dir/s.json cannot be written"},
		{"summary file is a directory", []string{"--summary-file", os.TempDir()}, "is a directory"},
		{"snapshot date in the year 1", []string{"--snapshot-date", "0001-01-01", "--allow-backdate"}, "outside 1960-01-01..2159-12-31"},
		{"snapshot date in the year 9999", []string{"--snapshot-date", "9999-12-31", "--allow-backdate"}, "outside 1960-01-01..2159-12-31"},
		{"sink at the file system root", []string{"--sink", "file:///"}, "is the file system root"},
		{"extra positional argument", []string{"now"}, `wbexport run takes no arguments, got ["now"]`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ts := wbtest.Start(t, org)
			args := append([]string{"run", "--api-url", ts.BaseURL, "--sink", "file://" + filepath.Join(t.TempDir(), "out"), "--progress", "never"}, tc.args...)
			r := runCLI(t, []string{"WORKBOARD_TOKEN=" + ts.AdminToken}, args...)
			if r.code != ExitUsage {
				t.Fatalf("exit %d, want %d; stderr:\n%s", r.code, ExitUsage, r.stderr)
			}
			if !strings.Contains(r.stderr, tc.want) {
				t.Errorf("stderr %q does not contain %q", r.stderr, tc.want)
			}
			if n := ts.Emulator.Stats().Requests; n != 0 {
				t.Errorf("%d API requests were made before the refusal", n)
			}
		})
	}
}

// TestConfigWarnings: settings that are accepted but may not do what was meant are warned
// about on stderr, naming what wins or what was meant.
func TestConfigWarnings(t *testing.T) {
	org := wbtest.Generate(wbtest.OrgConfig{Seed: 4, Users: 4, Teams: 1, Goals: 3, KRsPerGoal: 1, CheckinsPerKR: 1})
	ts := wbtest.Start(t, org, wbtest.WithCredentials(testSecrets))
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte(testSecrets.AdminToken), 0o600); err != nil {
		t.Fatal(err)
	}
	run := []string{"run", "--api-url", ts.BaseURL, "--sink", "file://" + filepath.Join(dir, "out"), "--progress", "never", "--summary-file", filepath.Join(dir, "s.json")}
	cases := []struct {
		name string
		env  []string
		args []string
		want string // "" = no warning line at all
	}{
		{"mistyped variable", []string{"WORKBOARD_TOKEN=" + testSecrets.AdminToken, "WBEXPORT_SNAPSHOT_DAT=2026-01-01"}, nil,
			"environment variable WBEXPORT_SNAPSHOT_DAT sets no flag and is ignored; did you mean WBEXPORT_SNAPSHOT_DATE?"},
		{"an orchestrator's own variable", []string{"WORKBOARD_TOKEN=" + testSecrets.AdminToken, "WBEXPORT_SCHEDULE=daily"}, nil, ""},
		{"a short variable of the deployment", []string{"WORKBOARD_TOKEN=" + testSecrets.AdminToken, "WBEXPORT_BIN=/usr/local/bin/wbexport"}, nil, ""},
		{"token file and WORKBOARD_TOKEN", []string{"WORKBOARD_TOKEN=" + wrongToken}, []string{"--token-file", tokenFile},
			"both --token-file and WORKBOARD_TOKEN are set: the token of --token-file is used"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, tc.env, append(run, tc.args...)...)
			if r.code != 0 {
				t.Fatalf("exit %d; stderr:\n%s", r.code, r.stderr)
			}
			warned := strings.Contains(r.stderr, "warning") || strings.Contains(r.stderr, "level=WARN")
			if tc.want == "" && warned || tc.want != "" && !strings.Contains(r.stderr, tc.want) {
				t.Errorf("stderr %q, want the warning %q", r.stderr, tc.want)
			}
			assertNoSecret(t, "stderr", []byte(r.stderr))
		})
	}
}

// TestAuthExchangeCodeSources: the authorization code comes from --code-file (a file) or
// WORKBOARD_OAUTH_CODE; --code still works but warns that it shows in process listings.
func TestAuthExchangeCodeSources(t *testing.T) {
	ts := wbtest.Start(t, wbtest.Generate(wbtest.OrgConfig{Seed: 1, Users: 2, Teams: 1, Goals: 1}), wbtest.WithCredentials(testSecrets))
	dir := t.TempDir()
	codeFile := filepath.Join(dir, "code")
	if err := os.WriteFile(codeFile, []byte(testSecrets.AdminCode+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		warn bool
	}{
		{"code file", []string{"--code-file", codeFile}, false},
		{"code flag", []string{"--code", testSecrets.AdminCode}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(dir, tc.name+".token")
			args := append([]string{"auth", "exchange", "--client-id", testSecrets.ClientID, "--redirect-uri", "https://example.com/cb",
				"--token-url", ts.URL + wbtest.OAuthTokenPath, "--out", out}, tc.args...)
			r := runCLI(t, []string{"WORKBOARD_CLIENT_HASH=" + testSecrets.ClientHash}, args...)
			if r.code != 0 {
				t.Fatalf("exit %d; stderr:\n%s", r.code, r.stderr)
			}
			if warned := strings.Contains(r.stderr, "process listing"); warned != tc.warn {
				t.Errorf("warned %v, want %v; stderr:\n%s", warned, tc.warn, r.stderr)
			}
			if b, _ := os.ReadFile(out); strings.TrimSpace(string(b)) != testSecrets.AdminToken {
				t.Error("the token file does not hold the exchanged token")
			}
		})
	}
}
