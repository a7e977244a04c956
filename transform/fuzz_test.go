package transform_test

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/transform"
	"github.com/wbexport/wbexport/transform/transformtest"
	"github.com/wbexport/wbexport/workboard"
)

// FuzzGoalValues: whatever text and JSON a goal carries, transform either stores strings byte
// for byte and JSON verbatim, or (for invalid JSON only) fails with an error; it never panics
// or leaks.
func FuzzGoalValues(f *testing.F) {
	for _, seed := range []struct{ name, cat, extra string }{
		{"plain", "1", `{"a":1}`}, {uniCJK, "42", ""}, {uniName, "x", "null"}, {"", "-5", "{"},
		{"\x00\xff", "9223372036854775807", `[ ]`}, {"e\u0301", "1", `{"k":"\u00e9"}`},
	} {
		f.Add(seed.name, seed.cat, seed.extra)
	}
	f.Fuzz(func(t *testing.T, name, catID, extra string) {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		var col transformtest.Collector
		defer col.Release()
		tr, err := transform.New(mem, lin, col.Emit)
		if err != nil {
			t.Fatal(err)
		}
		defer tr.Release()
		g := workboard.Goal{Meta: meta, GoalID: 1, GoalName: workboard.Opt[string]{V: name, Valid: true},
			GoalCategory: []workboard.IDName{{ID: catID, Name: name}}, Extra: workboard.Extra(extra)}
		err = tr.Add(context.Background(), &workboard.Batch{Goals: []workboard.Goal{g}})
		if err == nil {
			err = tr.Flush(context.Background())
		}
		_, catErr := strconv.ParseInt(catID, 10, 64)
		wantErr := catErr != nil || !utf8.ValidString(name) ||
			(!isEmptyJSONText(extra) && (!json.Valid([]byte(extra)) || !utf8.ValidString(extra)))
		if (err != nil) != wantErr {
			t.Fatalf("name %q, category id %q, extra %q: error %v, want error: %v", name, catID, extra, err, wantErr)
		}
		if err != nil {
			return // bad ids, invalid UTF-8 and invalid JSON are rejected with an error
		}
		rows := col.Rows(schemas.Goals)
		if len(rows) != 1 {
			t.Fatalf("%d rows", len(rows))
		}
		r := rows[0]
		if r["goal_name"] != name || r["goal_category_names"].([]string)[0] != name {
			t.Fatalf("name %q came back as %q", name, r["goal_name"])
		}
		if got := r[schemas.ColExtra]; got != nil {
			if got != extra || !json.Valid([]byte(extra)) {
				t.Fatalf("_extra %q came back as %q", extra, got)
			}
		}
	})
}

// isEmptyJSONText mirrors transform's rule: empty, null, [] and {} (white space aside) are none.
func isEmptyJSONText(s string) bool {
	t := strings.TrimSpace(s)
	if t == "" || t == "null" {
		return true
	}
	if len(t) < 2 || strings.TrimSpace(t[1:len(t)-1]) != "" {
		return false
	}
	return t[0] == '[' && t[len(t)-1] == ']' || t[0] == '{' && t[len(t)-1] == '}'
}
