package decode

import (
	"errors"
	"strings"
	"testing"

	"github.com/wbexport/wbexport/workboard"
)

// pageDecoders are the decoders Export runs on 2xx bodies, with a fixture each.
var pageDecoders = []struct {
	fixture string
	decode  func([]byte) (*Page, error)
}{
	{"user_org_members_page1.json", Users},
	{"user_me.json", Users},
	{"team_list.json", Teams},
	{"team_by_id.json", Teams},
	{"goal_list_page1.json", Goals},
	{"goal_list_by_team.json", Goals},
	{"metric_list.json", metrics},
	{"metric_by_id_with_data.json", metrics},
}

// TestDecodersRejectEveryPrefix: the client checks a 2xx body only when its decoder fails, so
// a body cut short must make the decoder fail (the client then classifies it as retryable
// truncation). Every proper prefix of every fixture must be refused.
func TestDecodersRejectEveryPrefix(t *testing.T) {
	for _, d := range pageDecoders {
		b := fixture(t, d.fixture)
		if _, err := d.decode(b); err != nil {
			t.Fatalf("%s: %v", d.fixture, err)
		}
		full := len(strings.TrimRight(string(b), " \r\n\t"))
		for n := 0; n < full; n++ {
			if _, err := d.decode(b[:n]); err == nil {
				t.Fatalf("%s: prefix of %d of %d bytes decoded without error", d.fixture, n, full)
			}
		}
	}
}

// TestDecodersRejectInvalidJSON: a body that is not valid JSON is refused, also where the
// decoder keeps a value raw (Extra, custom_attributes) or after the top-level object, and the
// error names the member.
func TestDecodersRejectInvalidJSON(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		decode     func([]byte) (*Page, error)
		field      string
	}{
		{"trailing data", `{"success":true,"data":{"user":{"user_id":"1"}}} <html>`, Users, ""},
		{"second object", `{"success":true,"data":{"user":{"user_id":"1"}}}{}`, Users, ""},
		{"bad literal in an unknown field", `{"success":true,"data":{"user":{"user_id":"1","x":tru}}}`, Users, "x"},
		{"bad nested value kept in Extra", `{"success":true,"data":{"user":{"user_id":"1","x":{"a" 1}}}}`, Users, "x"},
		{"bad custom_attributes", `{"success":true,"data":{"goal":[{"goal_id":"1","custom_attributes":{"a":[1,]}}]}}`, Goals, "custom_attributes"},
		{"bad metric_automation", `{"success":true,"data":{"metric":[{"metric_id":"1","metric_automation":[nul]}]}}`, metrics, "metric_automation"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.decode([]byte(tc.body))
			var de *workboard.DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("err %v, want a *DecodeError", err)
			}
			if de.Field != tc.field {
				t.Fatalf("field %q, want %q (%v)", de.Field, tc.field, err)
			}
		})
	}
}
