package extract

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/wbexport/wbexport/workboard"
	"github.com/wbexport/wbexport/workboard/wbtest"
)

// oddOrg is the org the odd-answer tests export.
func oddOrg() *wbtest.Org {
	return wbtest.Generate(wbtest.OrgConfig{Seed: 19, Users: 12, Teams: 3, Goals: 30, KRsPerGoal: 2, CheckinsPerKR: 3})
}

// exportOdd exports org through the emulator with the odd answers, quick retries and the
// given plan and options.
func exportOdd(t *testing.T, p Plan, odd []wbtest.OddAnswer, opts ...any) (*gather, *Report, error) {
	t.Helper()
	ts := wbtest.Start(t, oddOrg(), wbtest.WithOddAnswers(odd...))
	ex := newExporter(t, ts.BaseURL, ts.AdminToken, append([]any{workboard.WithRate(0), workboard.WithMaxAttempts(3),
		workboard.WithBackoff(time.Millisecond, 2*time.Millisecond), WithPageSize(7)}, opts...)...)
	g := &gather{}
	rep, err := ex.Export(context.Background(), p, g.emit)
	return g, rep, err
}

// TestNotFoundIsWorkBoardsCodeOnly: only WorkBoard's not-found codes skip an item; a proxy's
// HTML 404, a deleted_metric 500 fail the export (nothing is skipped), and the key results
// of a skipped goal are still fetched one by one, so none is lost.
func TestNotFoundIsWorkBoardsCodeOnly(t *testing.T) {
	byGoal := FullPlan()
	byGoal.KRListing = KRByGoal
	ref, _, err := exportOdd(t, byGoal, nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		plan    Plan
		odd     wbtest.OddAnswer
		opts    []any
		wantErr string // "" = the export must be complete
	}{
		{"html 404 on every per-goal /metric", byGoal, wbtest.OddAnswer{Kind: wbtest.OddHTML404, Path: "/metric"}, nil, "HTTP 404"},
		{"html 404 on every /team/{id}", FullPlan(), wbtest.OddAnswer{Kind: wbtest.OddHTML404, Path: "/team/"}, nil, "HTTP 404"},
		{"html 404 on the team key-result listings", FullPlan(), wbtest.OddAnswer{Kind: wbtest.OddHTML404, Path: "/metric", Query: "team_id="}, nil, "HTTP 404"},
		{"deleted_metric 500 on every /metric", byGoal, wbtest.OddAnswer{Kind: wbtest.OddDeletedMetric, Path: "/metric"}, nil, "deleted_metric"},
		{"goals not found: their key results fetched one by one", byGoal, wbtest.OddAnswer{Kind: wbtest.OddError, Code: "invalid_goal_id", Path: "/metric", Query: "goal_id="}, []any{WithMaxSkipped(1)}, ""},
		{"more goals not found than allowed", byGoal, wbtest.OddAnswer{Kind: wbtest.OddError, Code: "invalid_goal_id", Path: "/metric", Query: "goal_id="}, nil, "more than the 2 % allowed"},
		{"goals and their key results not found", byGoal, wbtest.OddAnswer{Kind: wbtest.OddError, Code: "invalid_goal_id", Path: "/metric"}, nil, "more than the 2 % allowed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, rep, err := exportOdd(t, tc.plan, []wbtest.OddAnswer{tc.odd}, tc.opts...)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
				}
				if errors.Is(err, workboard.ErrNotFound) {
					t.Errorf("err %v is classified not-found", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Skipped) == 0 {
				t.Error("no goal was reported skipped")
			}
			ign := cmpopts.IgnoreFields(workboard.Meta{}, "Endpoint", "ExtractedAt")
			sorted := cmpopts.SortSlices(func(a, b workboard.KeyResult) bool { return a.MetricID < b.MetricID })
			if d := cmp.Diff(ref.b.KeyResults, got.b.KeyResults, ign, sorted); d != "" {
				t.Errorf("key results differ from a clean export (-want +got):\n%s", d)
			}
		})
	}
}

// TestOddListingPagesFail: a listing page without its resource (missing, null, data: []) is a
// decode error naming the endpoint, page and field; a totalCount too small (equal to the
// first page) is found by the page after the last one. None may end in a short export.
func TestOddListingPagesFail(t *testing.T) {
	tests := []struct {
		name    string
		odd     wbtest.OddAnswer
		wantErr []string
	}{
		{"no goal key from offset 14", wbtest.OddAnswer{Kind: wbtest.OddMissingKey, Path: "/goal", FromOffset: 14},
			[]string{"/goal?", "page offset ", "data.goal", "missing"}},
		{"goal null on page 1", wbtest.OddAnswer{Kind: wbtest.OddNullKey, Path: "/goal"}, []string{"page offset 0", "data.goal", "got null"}},
		{"data [] on every goal page", wbtest.OddAnswer{Kind: wbtest.OddEmptyData, Path: "/goal"}, []string{"page offset 0", "data.goal", "missing"}},
		{"data [] on every user page", wbtest.OddAnswer{Kind: wbtest.OddEmptyData, Path: "/user"}, []string{"/user?", "data.user", "missing"}},
		{"team null on /team/{id}", wbtest.OddAnswer{Kind: wbtest.OddNullKey, Path: "/team/"}, []string{"/team/", "data.team"}},
		{"metric key missing on per-goal calls", wbtest.OddAnswer{Kind: wbtest.OddMissingKey, Path: "/metric"}, []string{"/metric?", "data.metric", "missing"}},
		{"users totalCount equal to the page", wbtest.OddAnswer{Kind: wbtest.OddShortTotal, Path: "/user"}, []string{"/user?", "page offset 7", "totalCount 7"}},
		{"goals totalCount equal to the page", wbtest.OddAnswer{Kind: wbtest.OddShortTotal, Path: "/goal"}, []string{"/goal?", "page offset 7", "this page after the last one"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := exportOdd(t, FullPlan(), []wbtest.OddAnswer{tc.odd})
			if err == nil {
				t.Fatal("the export succeeded")
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

// TestCheckinsDedupedAcrossKeyResults: one check-in slot (metric_data_id) that comes with
// many key results, of many goals and pages, is exported once and the drops are reported.
func TestCheckinsDedupedAcrossKeyResults(t *testing.T) {
	for _, listing := range []KRListing{KRByGoal, KRByTeam, KRAuto} {
		t.Run(string(listing), func(t *testing.T) {
			p := FullPlan()
			p.KRListing = listing
			got, rep, err := exportOdd(t, p, []wbtest.OddAnswer{{Kind: wbtest.OddSharedCheckin, Path: "/metric"}})
			if err != nil {
				t.Fatal(err)
			}
			seen := map[int64]int{}
			for _, c := range got.b.Checkins {
				seen[c.MetricDataID]++
			}
			for id, n := range seen {
				if n > 1 {
					t.Errorf("check-in %d exported %d times", id, n)
				}
			}
			if seen[1] != 1 || !strings.Contains(strings.Join(rep.Warnings, "\n"), "check-ins dropped") {
				t.Errorf("shared check-in exported %d times; warnings %q", seen[1], rep.Warnings)
			}
		})
	}
}

// TestKeyResultsThatNeverArriveFailTheExport: a key result that a goal's goal_metrics lists,
// that no listing returned and whose own call brings nothing (an empty answer, not "not
// found") fails the export instead of being left out.
func TestKeyResultsThatNeverArriveFailTheExport(t *testing.T) {
	ts := wbtest.Start(t, oddOrg())
	empty := []byte(`{"success":true,"data":{"totalCount":0,"metric":[]}}`)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := strings.TrimPrefix(r.URL.Path, wbtest.APIPrefix); p == "/metric" || strings.HasPrefix(p, "/metric/") && p != "/metric/krtags" {
			writeJSON(w, 200, empty)
			return
		}
		ts.Emulator.ServeHTTP(w, r)
	})
	p := FullPlan()
	p.KRListing = KRByGoal
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	ex := newExporter(t, srv.URL+wbtest.APIPrefix, ts.AdminToken, workboard.WithRate(0))
	_, err := ex.Export(context.Background(), p, (&gather{}).emit)
	if !errors.Is(err, ErrIncomplete) || !strings.Contains(err.Error(), "listed in goal_metrics never arrived") {
		t.Fatalf("err = %v, want ErrIncomplete naming the key results", err)
	}
}
