package decode

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"slices"
	"testing"
)

// TestNothingDropped feeds every read-side fixture and hand-written body with a new member
// injected into every object below data.<key> (records, nested objects, list items, wrappers,
// {id, name} objects) and checks that each lands in the decoded records: in a column that
// keeps JSON verbatim or in a record's Extra. It is the test of the README's promise that a
// new API field is never silently lost.
func TestNothingDropped(t *testing.T) {
	keys := map[string]string{"user": "user", "users": "user", "team": "team", "goal": "goal", "goals": "goal", "metric": "metric", "metrics": "metric",
		"tags": "tags", "metric_krtags": "metrics", "goal_alignment": "alignment"}
	n := 0
	for _, fx := range bodyCases() {
		name, f, dec, prefix := fx.name, fx.path, fx.dec, fx.key
		n++
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			body, marks := injectMembers(t, b, keys[prefix])
			if len(marks) == 0 {
				t.Skip("no object below data." + keys[prefix])
			}
			p, err := dec(body)
			if err != nil {
				t.Fatalf("decoding with new members: %v", err)
			}
			got, err := json.Marshal(plain(reflect.ValueOf(p)))
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range marks {
				if m.at == noRow[name] {
					continue
				}
				if !bytes.Contains(got, []byte(m.value)) {
					t.Errorf("a new member at %s was dropped", m.at)
				}
			}
		})
	}
	if n < 15 {
		t.Fatalf("only %d cases", n)
	}
}

// noRow names, per body, the one object whose members have no record to land in: a key result
// without tags gives no key_result_tags row (its own fields are in key_results).
var noRow = map[string]string{"metric_krtags": "/data/metrics/1/zz_new"}

// mark is a member injected at a place in a body, with a value found nowhere else.
type mark struct{ at, value string }

// injectMembers returns body with a member "zz_new" added to every object below data.<key>
// (the lists' numeric-keyed object forms excepted: a member there is a counter, not data),
// each with a value of its own.
func injectMembers(t *testing.T, body []byte, key string) ([]byte, []mark) {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	var v map[string]any
	if err := d.Decode(&v); err != nil {
		t.Fatal(err)
	}
	data, _ := v["data"].(map[string]any)
	if data == nil {
		return body, nil
	}
	var marks []mark
	var walk func(x any, at string, record bool)
	walk = func(x any, at string, record bool) {
		switch x := x.(type) {
		case map[string]any:
			names := make([]string, 0, len(x))
			for k := range x {
				names = append(names, k)
			}
			slices.Sort(names)
			numeric := slices.ContainsFunc(names, isDigits)
			for _, k := range names {
				walk(x[k], at+"/"+k, record || numeric)
			}
			if record && !numeric {
				m := mark{at: at + "/zz_new", value: fmt.Sprintf("zz-mark-%d", len(marks))}
				x["zz_new"] = m.value
				marks = append(marks, m)
			}
		case []any:
			for i, e := range x {
				walk(e, fmt.Sprintf("%s/%d", at, i), true)
			}
		}
	}
	walk(data[key], "/data/"+key, true)
	out, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return out, marks
}
