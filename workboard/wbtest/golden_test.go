package wbtest

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// TestGoldenResponses pins the exact bytes (indented for review) the emulator serves for a
// tiny org, so any change to the generator or the JSON writer is deliberate: rerun with
// -update and review the diff.
func TestGoldenResponses(t *testing.T) {
	org := Generate(OrgConfig{Seed: 1, Users: 4, Teams: 2, Goals: 3, KRsPerGoal: 2, CheckinsPerKR: 3,
		AsOf: time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)})
	ts := Start(t, org)
	g := org.Goals[0]
	cases := map[string]string{
		"user_me":          "/user",
		"user_org_members": "/user?include=org_members&custom_attributes=1",
		"user_goals":       fmt.Sprintf("/user/%d/goal", g.OwnerID),
		"team_list":        "/team?include=org_teams",
		"team_by_id":       fmt.Sprintf("/team/%d", org.Teams[1].ID),
		"goal_list":        "/goal?goal_status=1,2&custom_attributes=1&include=custom_permission",
		"goal_by_id":       fmt.Sprintf("/goal/%d", g.ID),
		"metric_list":      fmt.Sprintf("/metric?goal_id=%d&include_metric_data=yes", g.ID),
		"metric_by_id":     fmt.Sprintf("/metric/%d?include_metric_data=yes", g.KeyResults[0].ID),
		"error_bad_token":  "/user?access_token=x",
	}
	for name, path := range cases {
		t.Run(name, func(t *testing.T) {
			r := get(t, ts, path, ts.AdminToken)
			var got bytes.Buffer
			if err := json.Indent(&got, r.body, "", "  "); err != nil {
				t.Fatalf("invalid JSON: %v", err)
			}
			got.WriteByte('\n')
			file := filepath.Join("testdata", "golden", name+".json")
			if *update {
				if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(file, got.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (run go test -run TestGoldenResponses -update)", err)
			}
			if !bytes.Equal(got.Bytes(), want) {
				gl, wl := strings.Split(got.String(), "\n"), strings.Split(string(want), "\n")
				for i := 0; i < len(gl) && i < len(wl); i++ {
					if gl[i] != wl[i] {
						t.Fatalf("%s differs from %s at line %d:\n got: %s\nwant: %s", path, file, i+1, gl[i], wl[i])
					}
				}
				t.Fatalf("%s differs from %s in length (%d vs %d lines)", path, file, len(gl), len(wl))
			}
		})
	}
}
