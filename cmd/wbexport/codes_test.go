package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/wbexport/wbexport/workboard/wbtest"
)

// TestErrorCodeExitCodes maps every WorkBoard error code of the reference and of the seed
// (issue #15) to what a run does with it: skip the item (exit 0, or 1 when more items are
// skipped than --max-skipped allows) or fail with the documented exit code and a line naming
// the code.
func TestErrorCodeExitCodes(t *testing.T) {
	org := wbtest.Generate(wbtest.OrgConfig{Seed: 4, Users: 6, Teams: 2, Goals: 8, KRsPerGoal: 2, CheckinsPerKR: 2})
	everywhere := func(code string, status int) wbtest.OddAnswer {
		return wbtest.OddAnswer{Kind: wbtest.OddError, Code: code, Status: status}
	}
	perGoal := func(code string) wbtest.OddAnswer {
		return wbtest.OddAnswer{Kind: wbtest.OddError, Code: code, Path: "/metric", Query: "goal_id="}
	}
	cases := []struct {
		name string
		odd  wbtest.OddAnswer
		args []string
		code int
		want string // substring of the last stderr line ("" when the run succeeds)
	}{
		{"auth_code_expired", everywhere("auth_code_expired", 400), nil, ExitAuth, "renew it"},
		{"invalid_access_token", everywhere("invalid_access_token", 400), nil, ExitAuth, "invalid_access_token"},
		{"invalid_token", everywhere("invalid_token", 401), nil, ExitAuth, "invalid_token"},
		{"insufficient_access", everywhere("insufficient_access", 400), nil, ExitAuth, "Data-Admin"},
		{"invalid_request", everywhere("invalid_request", 400), nil, ExitFailed, "invalid_request"},
		{"missing_required_parameters", everywhere("missing_required_parameters", 400), nil, ExitFailed, "missing_required_parameters"},
		{"deleted_metric", wbtest.OddAnswer{Kind: wbtest.OddDeletedMetric, Path: "/metric"}, nil, ExitTransient, "deleted_metric"},
		{"html 404", wbtest.OddAnswer{Kind: wbtest.OddHTML404, Path: "/metric"}, nil, ExitFailed, "HTTP 404"},
		{"invalid_resource_id skipped", perGoal("invalid_resource_id"), []string{"--max-skipped", "1"}, ExitOK, ""},
		{"invalid_goal_id skipped", perGoal("invalid_goal_id"), []string{"--max-skipped", "1"}, ExitOK, ""},
		{"invalid_goal_id beyond --max-skipped", perGoal("invalid_goal_id"), nil, ExitFailed, "--max-skipped"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			emu := wbtest.Start(t, org, wbtest.WithOddAnswers(tc.odd))
			args := append([]string{"run", "--api-url", emu.BaseURL, "--sink", "file://" + filepath.Join(t.TempDir(), "out"),
				"--kr-listing", "goal", "--max-attempts", "2", "--log-level", "error", "--progress", "never",
				"--summary-file", filepath.Join(t.TempDir(), "summary.json")}, tc.args...)
			r := runCLI(t, []string{"WORKBOARD_TOKEN=" + emu.AdminToken}, args...)
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", r.code, tc.code, r.stderr)
			}
			lines := strings.Split(strings.TrimRight(r.stderr, "\n"), "\n")
			if last := lines[len(lines)-1]; tc.want != "" && !strings.Contains(last, tc.want) {
				t.Errorf("last stderr line %q does not contain %q", last, tc.want)
			}
		})
	}
}
