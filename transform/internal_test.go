package transform

import (
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/workboard"
)

func TestIsEmptyJSON(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"", true}, {"  ", true}, {"null", true}, {" null\n", true}, {"[]", true}, {"{}", true}, {"[ \n ]", true}, {"{ }", true},
		{"{", false}, {"[", false}, {"0", false}, {`""`, false}, {"[0]", false}, {`{"a":1}`, false}, {"[}", false}, {"nul", false},
	} {
		if got := isEmptyJSON([]byte(tc.in)); got != tc.want {
			t.Errorf("isEmptyJSON(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

// TestAppenderMismatch: an appender that does not match its table's schema fails loudly
// instead of shifting values into other columns.
func TestAppenderMismatch(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	lv := &lineageValues{runID: "r", date: dateOf(time.Now())}
	m := workboard.Meta{ExtractedAt: time.Now()}
	tests := []struct {
		name   string
		table  schemas.TableID
		append func(w *tableBuilder)
		want   string
	}{
		{"wrong table", schemas.Goals, func(w *tableBuilder) { appendCheckin(w, &workboard.Checkin{Meta: m}) }, "writes metric_data_id where the schema has column 0 goal_id"},
		{"wrong type", schemas.KeyResultCheckins, func(w *tableBuilder) {
			w.begin(1, "")
			w.optString("metric_data_id", workboard.Opt[string]{})
		}, "writes column metric_data_id as string but the schema has int64"},
		{"short row", schemas.TeamMembers, func(w *tableBuilder) {
			w.begin(1, "")
			w.int64("team_id", 1)
			w.int64("user_id", 1)
		}, "filled 2 of 10 columns (first missing: first_name)"},
		{"long row", schemas.TeamMembers, func(w *tableBuilder) {
			appendTeamMember(w, &workboard.TeamMember{Meta: m})
			w.int64("bonus", 1)
		}, "writes column bonus beyond the schema's 10 columns"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tb, _ := schemas.Lookup(tc.table)
			w := newTableBuilder(mem, tb, lv)
			defer w.rb.Release()
			tc.append(w)
			err := w.end()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("end() = %v, want error containing %q", err, tc.want)
			}
		})
	}
}
