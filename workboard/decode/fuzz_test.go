package decode

import (
	"encoding/json"
	"testing"

	"github.com/wbexport/wbexport/workboard"
)

// FuzzDecodeEnvelope feeds arbitrary bodies to the envelope and page decoders. They must never
// panic, and what they accept must be consistent: Extra is a JSON object, items are counted.
// Seed corpus: testdata/fuzz/FuzzDecodeEnvelope (made from the WorkBoard fixtures).
func FuzzDecodeEnvelope(f *testing.F) {
	f.Add([]byte(`{"success":true,"data":{"totalCount":"2","goal":{"0":{"goal_id":"1"},"goals_count":"1"}}}`), "goal")
	f.Fuzz(func(t *testing.T, b []byte, key string) {
		if env, err := ReadEnvelope(b, key); err == nil && env.Resource != nil && !json.Valid(env.Resource) {
			t.Fatalf("resource is not valid JSON: %q", env.Resource)
		}
		for _, dec := range []func([]byte) (*Page, error){Users, Teams, Goals, metrics} {
			p, err := dec(b)
			if err != nil {
				if err.Error() == "" {
					t.Fatal("empty error text")
				}
				continue
			}
			if n := len(p.Users) + len(p.Teams) + len(p.Goals) + len(p.KeyResults); n != p.Items {
				t.Fatalf("items %d, records %d", p.Items, n)
			}
			checkExtra := func(e workboard.Extra) {
				if e != nil && (!json.Valid(e) || e[0] != '{') {
					t.Fatalf("Extra is not a JSON object: %q", e)
				}
			}
			for _, u := range p.Users {
				checkExtra(u.Extra)
			}
			for _, g := range p.Goals {
				checkExtra(g.Extra)
				if g.GoalID == 0 && !json.Valid(b) {
					t.Fatal("accepted a goal from invalid JSON")
				}
			}
			for _, k := range p.KeyResults {
				checkExtra(k.Extra)
			}
			for _, c := range p.Checkins {
				checkExtra(c.Extra)
			}
		}
	})
}

// FuzzGoalShapes feeds arbitrary data.goal values (flat goals, people_goals / team_goals
// wrappers, numeric-keyed objects, mixed) to Goals: it must not panic, every goal it yields
// has an id, and an item that is not an object is refused.
func FuzzGoalShapes(f *testing.F) {
	f.Add([]byte(`[{"user_id":"1","people_goals":[{"goal_id":"2"}]},{"team_id":3,"team_goals":[{"goal_id":4}]},{"goal_id":"5"}]`))
	f.Add([]byte(`{"0":{"goal_id":"1"},"goals_count":"1"}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, resource []byte) {
		p, err := Goals([]byte(`{"success":true,"data":{"goal":` + string(resource) + `}}`))
		if err != nil {
			return
		}
		if len(p.Goals) != p.Items {
			t.Fatalf("items %d, goals %d", p.Items, len(p.Goals))
		}
		for _, g := range p.Goals {
			if g.GoalID == 0 && !json.Valid(resource) {
				t.Fatalf("goal without an id from %q", resource)
			}
		}
	})
}
