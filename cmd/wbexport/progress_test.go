package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/wbexport/wbexport/extract"
	"github.com/wbexport/wbexport/internal/pipeline"
	"github.com/wbexport/wbexport/workboard/wbtest"
)

// TestRunLogsProgress runs the CLI off a terminal against an emulator with a server limit the
// client's rate exceeds: stderr gets JSON progress lines (calls, rows as an object, rate,
// seconds) and a line for the rate change, and the summary tells the strategy and the
// requests per goal, by each --kr-listing.
func TestRunLogsProgress(t *testing.T) {
	org := wbtest.Generate(wbtest.OrgConfig{Seed: 3, Users: 10, Teams: 3, Goals: 30, KRsPerGoal: 2, CheckinsPerKR: 3})
	perGoal := map[string]float64{}
	for _, listing := range []string{"auto", "goal"} {
		t.Run(listing, func(t *testing.T) {
			ts := wbtest.Start(t, org, wbtest.WithRateLimit(10), wbtest.WithLatency(20*time.Millisecond, 0))
			t.Setenv("WORKBOARD_TOKEN", ts.AdminToken)
			var stdout, stderr bytes.Buffer
			root := newRootCmd()
			root.SetArgs([]string{"run", "--api-url", ts.BaseURL, "--sink", "file://" + t.TempDir(), "--rate", "40",
				"--log-format", "json", "--progress-interval", "100ms", "--kr-listing", listing})
			root.SetOut(&stdout)
			root.SetErr(&stderr)
			if err := root.ExecuteContext(context.Background()); err != nil {
				t.Fatalf("run: %v\n%s", err, stderr.String())
			}
			var progress, rate int
			for _, l := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
				var m map[string]any
				if err := json.Unmarshal([]byte(l), &m); err != nil {
					t.Fatalf("not JSON: %s", l)
				}
				switch m["msg"] {
				case "progress":
					progress++
					_, rows := m["rows"].(map[string]any)
					_, calls := m["calls"].(float64)
					_, elapsed := m["elapsed_s"].(float64)
					_, perSecond := m["rate_per_s"].(float64)
					if !rows || !calls || !elapsed || !perSecond {
						t.Fatalf("progress line without rows, calls, elapsed_s or rate_per_s: %s", l)
					}
				case "api rate changed":
					rate++
				case "extracted":
					if _, ok := m["rows"].(map[string]any); !ok {
						t.Fatalf("extracted without rows as an object: %s", l)
					}
				}
			}
			if progress == 0 || rate == 0 {
				t.Fatalf("%d progress lines, %d rate lines:\n%s", progress, rate, stderr.String())
			}
			var sum pipeline.Summary
			if err := json.Unmarshal(stdout.Bytes(), &sum); err != nil {
				t.Fatal(err)
			}
			if sum.API.KRListing != listing || sum.API.RequestsPerGoal <= 0 || sum.API.HTTP429 == 0 {
				t.Fatalf("summary: kr_listing %q, requests_per_goal %v, 429s %d", sum.API.KRListing, sum.API.RequestsPerGoal, sum.API.HTTP429)
			}
			perGoal[listing] = float64(sum.API.Requests-sum.API.Retries["429"]) / float64(len(org.Goals))
		})
	}
	if perGoal["auto"] >= perGoal["goal"] {
		t.Errorf("requests per goal: auto %.2f, goal %.2f", perGoal["auto"], perGoal["goal"])
	}
}

func TestRunFlagsUsage(t *testing.T) {
	for _, args := range [][]string{
		{"run", "--kr-listing", "team-ish"},
		{"run", "--progress-interval", "-1s"},
		{"emulate", "--rate-limit", "5", "--window-limit", "10"},
		{"emulate", "--team-metrics", "most"},
		{"emulate", "--outage-every", "1s", "--outage-for", "2s"},
	} {
		t.Setenv("WORKBOARD_TOKEN", "tok")
		if args[0] == "run" {
			args = append(args, "--sink", "file://"+t.TempDir())
		} else {
			args = append(args, "--addr", "127.0.0.1:0", "--goals", "5")
		}
		if code := run(args); code != ExitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, ExitUsage)
		}
	}
}

func TestStatusLine(t *testing.T) {
	for _, tc := range []struct {
		st   extract.Status
		want string
	}{
		{extract.Status{Running: true, Calls: 12, Expected: -1, Rate: 5}, "api           12 calls · 5.0 req/s"},
		{extract.Status{Running: true, Calls: 50, Expected: 100, Elapsed: 10 * time.Second, Rate: 2.5, HTTP429: 3},
			"api           50 / 100 calls · 2.5 req/s · 3 × 429 · ETA 20s"},
		{extract.Status{Running: true, Calls: 50, Expected: 100, Elapsed: 10 * time.Second, Rate: math.Inf(1)},
			"api           50 / 100 calls · unlimited rate · ETA 10s"},
	} {
		if got := statusLine(tc.st); got != tc.want {
			t.Errorf("statusLine(%+v) = %q, want %q", tc.st, got, tc.want)
		}
	}
}
