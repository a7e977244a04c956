package decode

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/wbexport/wbexport/workboard"
)

// TestErrorMessages pins the text and the JSON Pointer of the error each bad body gives, in
// testdata/golden/errors.txt (go test -update rewrites it). The messages are what an operator
// reads in a failed run, so a change to them shows in review.
func TestErrorMessages(t *testing.T) {
	cases := []struct {
		name, key, body string
	}{
		{"not JSON", "user", `<html>proxy</html>`},
		{"cut short", "user", `{"success":true,"data":{"user":[{"user_id":"1"`},
		{"trailing data", "user", `{"success":true,"data":{"user":{"user_id":"1"}}} <html>`},
		{"invalid literal in a record", "user", `{"success":true,"data":{"user":[{"user_id":"1"},{"user_id":"2","x":tru}]}}`},
		{"error body", "user", `{"success":false,"error":"invalid_token","error_description":"expired"}`},
		{"deleted metric", "metric", `{"success":false,"message":"deleted_metric","data":{"errorCode":500,"message":"deleted_metric"}}`},
		{"success 0 without an error", "user", `{"success":0,"data":{"user":[]}}`},
		{"no data", "user", `{"success":true,"message":"x"}`},
		{"data not an object", "user", `{"success":true,"data":"x"}`},
		{"success not a boolean", "user", `{"success":"maybe","data":{}}`},
		{"bad totalCount", "goal", `{"success":true,"data":{"totalCount":"many","goal":[]}}`},
		{"negative totalCount", "goal", `{"success":true,"data":{"totalCount":-3,"goal":[]}}`},
		{"resource not a list", "goal", `{"success":true,"data":{"goal":"x"}}`},
		{"resource missing", "goal", `{"success":true,"data":{"totalCount":50}}`},
		{"resource null", "goal", `{"success":true,"data":{"totalCount":50,"goal":null}}`},
		{"resource false", "user", `{"success":true,"data":{"user":false}}`},
		{"data an empty array", "goal", `{"success":true,"data":[]}`},
		{"item not an object", "metric", `{"success":true,"data":{"metric":[5]}}`},
		{"user id missing", "user", `{"success":true,"data":{"user":[{"email":"a@b.c"}]}}`},
		{"manager not a list", "user", `{"success":true,"data":{"user":{"user_id":"1","manager":"boss"}}}`},
		{"manager id bad", "user", `{"success":true,"data":{"user":{"user_id":"1","manager":[{"user_id":"me"}]}}}`},
		{"profile not an object", "user", `{"success":true,"data":{"user":{"user_id":"1","profile":"x"}}}`},
		{"invalid UTF-8", "goal", "{\"success\":true,\"data\":{\"goal\":{\"goal_id\":\"7\",\"goal_name\":\"a\xff\"}}}"},
		{"member id bad", "team", `{"success":true,"data":{"team":{"team_id":"3","team_members":[{"id":"1"},{"id":[]}]}}}`},
		{"member id missing", "team", `{"success":true,"data":{"team":{"team_id":"3","team_members":[{"email":"x"}]}}}`},
		{"dotted team id bad", "team", `{"success":true,"data":{"team":{"team_id":"3","dotted_team_ids":["1",{}]}}}`},
		{"goal item neither goal nor wrapper", "goal", `{"success":true,"data":{"goal":[{"goal_name":"x"}]}}`},
		{"wrapper team_id bad", "goal", `{"success":true,"data":{"goal":[{"team_id":"abc","team_goals":[]}]}}`},
		{"wrapped goal not an object", "goal", `{"success":true,"data":{"goal":[{"people_goals":[1]}]}}`},
		{"wrapped goal progress bad", "goal", `{"success":true,"data":{"goal":[{"user_id":"1","people_goals":[{"goal_id":"4"},{"goal_id":"5","goal_progress":"abc"}]}]}}`},
		{"category id bad", "goal", `{"success":true,"data":{"goal":{"goal_id":"7","goal_category":[{"id":"1","name":"a"},{"id":{},"name":"b"}]}}}`},
		{"goal_type name bad", "goal", `{"success":true,"data":{"goal":{"goal_id":"7","goal_type":{"id":"1","name":[1]}}}}`},
		{"goal_metrics id missing", "goal", `{"success":true,"data":{"goal":{"goal_id":"7","goal_metrics":[{"metric_name":"x"}]}}}`},
		{"comment id bad", "goal", `{"success":true,"data":{"goal":{"goal_id":"7","goal_comments":[{"comment_id":"x"}]}}}`},
		{"custom permission bad", "goal", `{"success":true,"data":{"goal":{"goal_id":"7","goal_custom_permission":{"goal_permission_team_ids":"a,b"}}}}`},
		{"metric id missing", "metric", `{"success":true,"data":{"metric":[{"metric_name":"x"}]}}`},
		{"check-in value bad", "metric", `{"success":true,"data":{"metric":{"metric_id":"5","metric_data":[{"metric_data_id":"9","metric_data_value":"lots"}]}}}`},
		{"timestamp bad", "metric", `{"success":true,"data":{"metric":{"metric_id":"5","metric_create_at":"yesterday"}}}`},
		{"timestamp in milliseconds", "metric", `{"success":true,"data":{"metric":{"metric_id":"5","metric_create_at":"1750240500000000"}}}`},
		{"timestamp beyond the year 9999", "metric", `{"success":true,"data":{"metric":{"metric_id":"5","metric_create_at":999999999999}}}`},
		{"timestamp with underscores", "metric", `{"success":true,"data":{"metric":{"metric_id":"5","metric_create_at":"1_750_240_500"}}}`},
		{"number with underscores", "metric", `{"success":true,"data":{"metric":{"metric_id":"5","metric_data":[{"metric_data_id":"9","metric_data_value":"1_0"}]}}}`},
		{"number in hexadecimal", "metric", `{"success":true,"data":{"metric":{"metric_id":"5","metric_data":[{"metric_data_id":"9","metric_data_value":"0x1p4"}]}}}`},
		{"confidence modified_at missing", "metric", `{"success":true,"data":{"metric":{"metric_id":"5","metric_confidence":[{"confidence":"3"}]}}}`},
		{"numeric key out of range", "metric", `{"success":true,"data":{"metric":{"metric_id":"5","metric_data":{"99999999999999999999":{}}}}}`},
	}
	var b strings.Builder
	for _, c := range cases {
		_, err := map[string]func([]byte) (*Page, error){"user": Users, "team": Teams, "goal": Goals, "metric": metrics}[c.key]([]byte(c.body))
		if err == nil {
			t.Errorf("%s: decoded without error", c.name)
			continue
		}
		fmt.Fprintf(&b, "%s\n\t%v\n", c.name, err)
		var de *workboard.DecodeError
		if errors.As(err, &de) && de.Path != "" {
			fmt.Fprintf(&b, "\tat %s\n", de.Path)
		}
	}
	golden := filepath.Join("testdata", "golden", "errors.txt")
	if *update {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./workboard/decode -run TestErrorMessages -update)", err)
	}
	if diff := cmp.Diff(string(want), b.String()); diff != "" {
		t.Fatalf("error messages differ from %s (-want +got):\n%s", golden, diff)
	}
}
