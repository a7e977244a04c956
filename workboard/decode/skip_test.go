package decode

import (
	"github.com/google/go-cmp/cmp"
	"strings"
	"testing"
)

// TestMetricsHistory: for every History, Metrics gives the full page without the history lists
// it leaves out, on emulator bodies and fixtures.
func TestMetricsHistory(t *testing.T) {
	_, bodies := emulatorPages()
	for _, f := range []string{"metric_by_id.json", "metric_by_id_with_data.json", "metric_list.json", "metric_list_team_page1.json"} {
		bodies = append(bodies, fixture(t, f))
	}
	bodies = append(bodies, metricsPage20(t))
	var entries [3]int
	for bi, body := range bodies {
		full, err := metrics(body)
		if err != nil {
			t.Fatalf("body %d: %v", bi, err)
		}
		entries[0] += len(full.Checkins)
		entries[1] += len(full.Confidence)
		entries[2] += len(full.KRComments)
		for mask := 0; mask < 8; mask++ {
			h := History{Checkins: mask&1 != 0, Confidence: mask&2 != 0, Comments: mask&4 != 0}
			got, err := Metrics(body, h)
			if err != nil {
				t.Fatalf("body %d, history %+v: %v", bi, h, err)
			}
			want := *full
			if !h.Checkins {
				want.Checkins = nil
			}
			if !h.Confidence {
				want.Confidence = nil
			}
			if !h.Comments {
				want.KRComments = nil
			}
			if diff := cmp.Diff(normPage(&want), normPage(got)); diff != "" {
				t.Fatalf("body %d, history %+v: page differs from the full decode without the skipped lists (-want +got):\n%s", bi, h, diff)
			}
		}
	}
	// the corpus must hold every list, or the test proves nothing
	if entries[0] == 0 || entries[1] == 0 || entries[2] == 0 {
		t.Fatalf("corpus lacks a history list: %d check-ins, %d confidence, %d comments", entries[0], entries[1], entries[2])
	}
}

// normPage makes empty and nil record slices equal.
func normPage(p *Page) *Page {
	q := *p
	if len(q.Checkins) == 0 {
		q.Checkins = nil
	}
	if len(q.Confidence) == 0 {
		q.Confidence = nil
	}
	if len(q.KRComments) == 0 {
		q.KRComments = nil
	}
	return &q
}

// TestMetricsHistorySkippedErrors: a bad value in a skipped list does not fail the page (its
// table is not exported); invalid JSON there still does, naming the list.
func TestMetricsHistorySkippedErrors(t *testing.T) {
	const head = `{"success":true,"message":"","data":{"totalCount":1,"metric":[{"metric_id":"7","metric_goal_id":"3","metric_name":"KR",`
	const tail = `}]}}`
	only := History{}
	for _, tc := range []struct {
		name, list, body string
		history          History
		wantErr          string // "" = decodes
	}{
		{"bad confidence value, decoded", "metric_confidence", `"metric_confidence":[{"confidence":"2","modified_at":"yesterday"}]`, AllHistory, "metric_confidence[0].modified_at"},
		{"bad confidence value, skipped", "metric_confidence", `"metric_confidence":[{"confidence":"2","modified_at":"yesterday"}]`, only, ""},
		{"bad check-in value, decoded", "metric_data", `"metric_data":[{"metric_data_id":"x1"}]`, AllHistory, "metric_data[0].metric_data_id"},
		{"bad check-in value, skipped", "metric_data", `"metric_data":[{"metric_data_id":"x1"}]`, only, ""},
		{"comment without modified_at, skipped", "metric_comments", `"metric_comments":[{"comment":"hi"}]`, only, ""},
		{"invalid JSON in a skipped list", "metric_comments", `"metric_comments":[{"comment":"hi",}]`, only, "metric_comments"},
		{"invalid JSON in a skipped check-in list", "metric_data", `"metric_data":[{"metric_data_id":"1" "x":2}]`, only, "metric_data"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Metrics([]byte(head+tc.body+tail), tc.history)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("error %v", err)
				}
				if len(p.KeyResults) != 1 || p.KeyResults[0].MetricID != 7 {
					t.Fatalf("key results %+v", p.KeyResults)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error %v, want one naming %q", err, tc.wantErr)
			}
		})
	}
}
