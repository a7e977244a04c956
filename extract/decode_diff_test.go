package extract

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/go-json-experiment/json/jsontext"
)

// diffBody also holds the fast mode of the tokenizer to the jsontext mode (fastBody).
//
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
	fastBody(t, b, key)
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

// valueSpans returns the byte ranges of every value (names: every member name) in the JSON
// text b.
func valueSpans(t testing.TB, b []byte, names bool) [][2]int {
	d := jsontext.NewDecoder(bytes.NewReader(b), jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	var out [][2]int
	var open []int
	for {
		k := d.PeekKind()
		if k == 0 {
			return out
		}
		kd, n := d.StackIndex(d.StackDepth())
		isName := kd == '{' && n%2 == 0
		switch k {
		case '{', '[':
			if _, err := d.ReadToken(); err != nil {
				t.Fatal(err)
			}
			open = append(open, int(d.InputOffset())-1)
		case '}', ']':
			if _, err := d.ReadToken(); err != nil {
				t.Fatal(err)
			}
			if !names {
				out = append(out, [2]int{open[len(open)-1], int(d.InputOffset())})
			}
			open = open[:len(open)-1]
		default:
			v, err := d.ReadValue()
			if err != nil {
				t.Fatal(err)
			}
			if isName == names {
				out = append(out, [2]int{int(d.InputOffset()) - len(v), int(d.InputOffset())})
			}
		}
	}
}

// TestDecodeDiffMutations replaces values of every fixture and quirk body, one at a time, with
// values of other kinds and the quirk forms (null, "", "0", [], {}, numeric-keyed objects, ...),
// and member names with other known names, and requires the old and new decoders to agree on
// each variant.
func TestDecodeDiffMutations(t *testing.T) {
	alts := []string{`null`, `""`, `"0"`, `0`, `[]`, `{}`, `"x"`, `true`, `-1.5`, `"12"`, `[{}]`, `{"0":{"a":1},"c":2}`, `" 7 "`, `[1,"2"]`}
	// member names swapped for other names the decoders know (repeats, wrappers, lists)
	names := []string{`"goal_id"`, `"people_goals"`, `"team_goals"`, `"data"`, `"success"`, `"error"`, `"message"`,
		`"metric_data"`, `"metric_confidence"`, `"goal_comments"`, `"goal_metrics"`, `"user_id"`, `"team_id"`, `"0"`,
		`"totalCount"`, `"metric_id"`, `"team_members"`, `"profile"`, `"goal"`, `"metric"`, `"modified_at"`, `"id"`}
	bodies := diffBodies(t)
	for _, q := range diffQuirks {
		bodies = append(bodies, []byte(q))
	}
	budget := 300 // variants per body
	if testing.Short() {
		budget = 30
	}
	variants := 0
	for _, b := range bodies {
		b = bytes.TrimSpace(b)
		if !json.Valid(b) || len(b) == 0 || b[0] != '{' {
			continue
		}
		for _, m := range []struct {
			names bool
			alts  []string
		}{{false, alts}, {true, names}} {
			spans := valueSpans(t, b, m.names)
			stride := max(1, len(spans)*len(m.alts)/budget)
			for i := 0; i < len(spans)*len(m.alts); i += stride {
				sp, alt := spans[i/len(m.alts)], m.alts[i%len(m.alts)]
				v := make([]byte, 0, len(b)+len(alt))
				v = append(append(append(v, b[:sp[0]]...), alt...), b[sp[1]:]...)
				diffBody(t, v, "goal")
				variants++
			}
		}
	}
	t.Logf("%d variants", variants)
}

// TestDecodeDiffEmulator runs diffBody (old decoder against new) on the emulator's goals pages
// and metric bodies.
func TestDecodeDiffEmulator(t *testing.T) {
	goals, metrics := emulatorPages()
	for _, b := range goals {
		diffBody(t, b, "goal")
	}
	for _, b := range metrics {
		diffBody(t, b, "metric")
	}
}
