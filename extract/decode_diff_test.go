package extract

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// The streaming decoders must give exactly what the previous decoder (olddecode_test.go) gave
// on every well-formed body: the same records, the same Extra, the same errors (type, entity,
// index, object id, field, message). On a malformed body they must refuse it (the old scanner
// let some malformed scalars through, e.g. tru or 007; the new decoder does not).

var diffDecoders = []struct {
	name     string
	old, new func([]byte) (*Page, error)
}{
	{"users", oldDecodeUsersPage, DecodeUsersPage},
	{"teams", oldDecodeTeamsPage, DecodeTeamsPage},
	{"goals", oldDecodeGoalsPage, DecodeGoalsPage},
	{"metrics", oldDecodeMetricsPage, DecodeMetricsPage},
}

// diffBody compares old and new on b and reports the first difference.
func diffBody(t *testing.T, b []byte, key string) {
	t.Helper()
	valid := json.Valid(bytes.TrimSpace(b))
	for _, d := range diffDecoders {
		op, oerr := d.old(b)
		np, nerr := d.new(b)
		if !valid {
			if nerr == nil {
				t.Fatalf("%s: accepted a malformed body %q", d.name, b)
			}
			if nerr.Error() == "" {
				t.Fatalf("%s: empty error", d.name)
			}
			continue
		}
		if !sameErr(oerr, nerr) {
			t.Fatalf("%s: %q\nold error: %#v\nnew error: %#v", d.name, b, oerr, nerr)
		}
		if !reflect.DeepEqual(op, np) {
			t.Fatalf("%s: %q\nold: %+v\nnew: %+v", d.name, b, op, np)
		}
	}
	oe, oerr := oldDecodeEnvelope(b, key)
	ne, nerr := DecodeEnvelope(b, key)
	if !valid {
		if nerr == nil {
			t.Fatalf("envelope: accepted a malformed body %q", b)
		}
		return
	}
	if !sameErr(oerr, nerr) || !reflect.DeepEqual(oe, ne) {
		t.Fatalf("envelope %q: %q\nold: %+v %v\nnew: %+v %v", key, b, oe, oerr, ne, nerr)
	}
}

func sameErr(a, b error) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	var ad, bd *DecodeError
	if errors.As(a, &ad) {
		return errors.As(b, &bd) && *ad == *bd
	}
	var aa, ba *APIError
	if errors.As(a, &aa) {
		return errors.As(b, &ba) && reflect.DeepEqual(aa, ba)
	}
	return a.Error() == b.Error()
}

// diffBodies are every WorkBoard fixture and hand-written quirk body.
func diffBodies(t testing.TB) [][]byte {
	var out [][]byte
	for _, dir := range []string{filepath.Join("..", "testdata", "workboard"), filepath.Join("testdata", "bodies")} {
		files, err := filepath.Glob(filepath.Join(dir, "*"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, b)
		}
	}
	return out
}

// diffQuirks are hand-made bodies for the precedence and repetition rules.
var diffQuirks = []string{
	`{"data":{"goal":[{"goal_id":"x"}]},"success":false,"error":"e"}`,
	`{"success":true,"data":{"goal":[{"goal_id":"x"}],"totalCount":"bad"}}`,
	`{"success":true,"data":{"goal":[{"goal_id":"x"}]},"data":{"goal":[{"goal_id":"2"}]}}`,
	`{"success":true,"data":{"goal":[{"goal_id":"1"}]},"data":[]}`,
	`{"success":true,"data":{"goal":[{"goal_id":"1"}],"goal":[{"goal_id":"2"}]}}`,
	`{"success":true,"data":{"goal":[{"people_goals":[{"goal_id":"x"}],"user_id":"bad"}]}}`,
	`{"success":true,"data":{"goal":[{"team_goals":[{"goal_id":"x"}],"people_goals":[{"goal_id":"3"}],"user_id":"9"}]}}`,
	`{"success":true,"data":{"goal":[{"people_goals":[{"goal_id":"3"}],"team_goals":[{"goal_id":"x"}],"team_id":5}]}}`,
	`{"success":true,"data":{"goal":[{"team_goals":[{"goal_id":"3","goal_team_name":"n"},{"goal_id":"4"}],"team_id":5,"team_name":"T"}]}}`,
	`{"success":true,"data":{"goal":[{"goal_id":"3","goal_comments":[{"comment_id":"x"}],"goal_name":[]}]}}`,
	`{"success":true,"data":{"goal":[{"goal_id":"3","goal_comments":[{"comment_id":"x"}],"goal_comments":[{"comment_id":"5","z":1}]}]}}`,
	`{"success":true,"data":{"goal":[{"goal_comments":[{"comment_id":"x"}]}]}}`,
	`{"success":true,"data":{"goal":[{"goal_id":"3","user_id":"7","zz":{"b":[1, 2]},"a":null},{"goal_id":5,"goal_id":"x"}]}}`,
	`{"success":true,"data":{"goal":[{"goal_id":"3","goal_metrics":[{"metric_id":"1"},{"metric_id":"2","x":[{}]}],"goal_metrics":{"1":{"metric_id":9},"0":{"metric_id":8}}}]}}`,
	`{"success":true,"data":{"goal":{"0":{"goal_id":"1"},"goals_count":"1","1":{"people_goals":{"goal_id":"4"},"user_id":7}}}}`,
	`{"success":true,"data":{"goal":[{"people_goals":[1]}]}}`,
	`{"success":true,"data":{"goal":[{"people_goals":"x"}]}}`,
	`{"success":true,"data":{"goal":[{"people_goals":null,"goal_id":"1"}]}}`,
	`{"success":true,"data":{"goal":"x"}}`,
	`{"success":true,"data":{"goal":{"goal_id":"1","goal_c\u006fmments":[{"comment_id":1}],"k\"ey":1}}}`,
	`{"success":true,"data":{"metric":[{"metric_id":"1","metric_data":[{"metric_data_id":"x"}],"metric_name":{}}]}}`,
	`{"success":true,"data":{"metric":[{"metric_id":"1","metric_data":[{"metric_data_id":"x"}],"metric_confidence":[{}]}]}}`,
	`{"success":true,"data":{"metric":[{"metric_data":[{"metric_data_id":"2"}],"metric_goal_id":"9","metric_id":"1","metric_data":[{"metric_data_id":"3"}]}]}}`,
	`{"success":true,"data":{"metric":[{"metric_id":"1","metric_confidence":[{"modified_at":"5"},{"modified_at":5,"x":1},{"modified_at":"6"}],"metric_comments":[{"modified_at":"5"},{"modified_at":"5"}]}]}}`,
	`{"success":true,"data":{"metric":[{"metric_id":"1","metric_comments":[{"modified_at":"0"}]},{"metric_id":"x"}]}}`,
	`{"success":true,"data":{"metric":[5]}}`,
	`{"success":true,"data":{"metric":{"metric_id":"1","metric_data":{"1":{"metric_data_id":2},"0":{"metric_data_id":1}}}}}`,
	`{"success":true,"data":{"team":[{"team_id":"1","team_members":[{"id":"x"}],"team_name":{}}]}}`,
	`{"success":true,"data":{"team":[{"team_members":[{"id":"2"}],"team_id":"1"},{"team_id":"2","team_members":[{"user_id":3,"q":1}]}]}}`,
	`{"success":true,"data":{"user":[{"user_id":"1","profile":{"title":"t","zz":1},"aa":2,"manager":[{"user_id":"2","role":"1"}]},{"user_id":2,"profile":[]}]}}`,
	`{"success":true,"data":{"user":[{"user_id":"1"},"x"]}}`,
	` {"success":true,"data":{"user":{"user_id":"1"}}} `,
	`{"success":"maybe","data":{"user":{"user_id":"1"}}}`,
	`{"success":true,"error":[],"data":{}}`,
	`{"error":"invalid_token","data":{}}`,
	`{"success":true,"data":{"totalCount":-1,"user":[]}}`,
	`{"success":true,"data":{"totalCount":1,"user":[]},"message":{}}`,
}

func TestDecodeDiffCorpus(t *testing.T) {
	for _, b := range diffBodies(t) {
		for _, key := range []string{"goal", "metric", "user", "team"} {
			diffBody(t, b, key)
		}
	}
	for _, q := range diffQuirks {
		diffBody(t, []byte(q), "goal")
	}
}

// FuzzDecodeDiff: old and new decoders agree on every well-formed body; malformed bodies are
// refused by the new one.
func FuzzDecodeDiff(f *testing.F) {
	for _, b := range diffBodies(f) {
		f.Add(b, "goal")
	}
	for _, q := range diffQuirks {
		f.Add([]byte(q), "metric")
	}
	f.Fuzz(func(t *testing.T, b []byte, key string) {
		diffBody(t, b, key)
	})
}
