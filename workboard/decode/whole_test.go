package decode

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestKeptWhole checks the members a record's columns hold only in part: each is kept whole
// in Extra under its own name, and a member the columns hold all of is not.
func TestKeptWhole(t *testing.T) {
	goal := func(members string) []byte {
		return []byte(`{"success":true,"data":{"goal":[{"goal_id":"1"` + members + `}]}}`)
	}
	user := func(members string) []byte {
		return []byte(`{"success":true,"data":{"user":[{"user_id":"5"` + members + `}]}}`)
	}
	metric := func(members string) []byte {
		return []byte(`{"success":true,"data":{"metric":[{"metric_id":"9","metric_goal_id":"1"` + members + `}]}}`)
	}
	for _, tc := range []struct {
		name   string
		decode func([]byte) (*Page, error)
		body   []byte
		want   string // the record's Extra
	}{
		{"held {id,name} and ids", Goals, goal(`,"goal_type":{"id":"1","name":"Team"},"goal_category":[{"id":"12","name":"Customer"}],"goal_metrics":[{"metric_id":"7"}]`), ""},
		{"none values", Goals, goal(`,"goal_type":null,"goal_category":false,"goal_workstreams":"","goal_metrics":[]`), ""},
		{"{id,name} with another member", Goals, goal(`,"goal_type":{"id":"1","name":"Team","color":"red"}`),
			`{"goal_type":{"id":"1","name":"Team","color":"red"}}`},
		{"null item in an {id,name} list", Goals, goal(`,"goal_category":[{"id":"12","name":"Customer"},null]`),
			`{"goal_category":[{"id":"12","name":"Customer"},null]}`},
		{"{id,name} list as a numeric-keyed object", Goals, goal(`,"goal_category":{"1":{"id":"15","name":"Revenue"},"0":{"id":"12","name":"Customer","x":1},"count":"2"}`),
			`{"goal_category":[{"id":"12","name":"Customer","x":1},{"id":"15","name":"Revenue"}]}`},
		{"goal_metrics with more than ids", Goals, goal(`,"goal_metrics":[{"metric_id":"7","metric_source_from":"Priya Raman","metric_source_from_id":"1"}]`),
			`{"goal_metrics":[{"metric_id":"7","metric_source_from":"Priya Raman","metric_source_from_id":"1"}]}`},
		{"repeated member: the last counts", Goals, goal(`,"goal_type":{"id":"1","x":2},"goal_type":{"id":"1","name":"Team"}`), ""},
		{"wrapper members", Goals, []byte(`{"success":true,"data":{"goal":[{"user_id":"5","user_email":"a@example.com","people_goals":[{"goal_id":"1"}]}]}}`),
			`{"wrapper.user_email":"a@example.com","wrapper.user_id":"5"}`},
		{"held managers", Users, user(`,"manager":[{"user_id":"3","role":"1"}]`), ""},
		{"manager without user_id", Users, user(`,"manager":[{"user_id":"3","role":"1"},{"role":"2","email":"x@example.com"}]`),
			`{"manager":[{"user_id":"3","role":"1"},{"role":"2","email":"x@example.com"}]}`},
		{"manager with more members", Users, user(`,"manager":[{"user_id":"3","role":"1","first_name":"Priya"}]`),
			`{"manager":[{"user_id":"3","role":"1","first_name":"Priya"}]}`},
		{"key result {id,name} with another member", metrics, metric(`,"metric_unit":{"id":"2","name":"Currency","symbol":"€"}`),
			`{"metric_unit":{"id":"2","name":"Currency","symbol":"€"}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := tc.decode(tc.body)
			if err != nil {
				t.Fatal(err)
			}
			var got []byte
			switch {
			case len(p.Goals) == 1:
				got = p.Goals[0].Extra
			case len(p.Users) == 1:
				got = p.Users[0].Extra
			case len(p.KeyResults) == 1:
				got = p.KeyResults[0].Extra
			default:
				t.Fatalf("want one record, got %+v", p.Batch)
			}
			if diff := cmp.Diff(tc.want, string(got)); diff != "" {
				t.Errorf("Extra (-want +got):\n%s", diff)
			}
		})
	}
}
