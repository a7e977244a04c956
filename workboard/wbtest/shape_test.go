package wbtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// shape maps every JSON path of a document to the set of JSON types seen there. Array
// elements share the path "<array>[]"; all-digit object keys (PHP-style numeric-keyed
// objects) become "#".
type shape map[string]map[string]bool

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "bool"
	case float64:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func (s shape) add(path string, v any) {
	if s[path] == nil {
		s[path] = map[string]bool{}
	}
	s[path][jsonType(v)] = true
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if isDigits(k) {
				k = "#"
			}
			s.add(path+"."+k, e)
		}
	case []any:
		for _, e := range x {
			s.add(path+"[]", e)
		}
	}
}

func shapeOf(t *testing.T, b []byte) shape {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("invalid JSON: %v\n%s", err, b)
	}
	s := shape{}
	s.add("$", v)
	return s
}

// Paths whose type legitimately differs between two instances of the same response: the
// fixture happens to show one of the documented alternatives.
var flexibleTypes = map[string][]string{
	"cell_num":          {"string", "null"},
	"level":             {"string", "null"},
	"goal_team_id":      {"string", "null"},
	"goal_team_name":    {"string", "null"},
	"manager":           {"bool", "array"},
	"metric_data_value": {"string", "null"},
	"metric_automation": {"object", "null"},
	"org_user_roles":    {"string", "null"},
}

// Undocumented fields the emulator adds on purpose (the client must keep them as extras).
var knownExtras = map[string]bool{"beta_flag": true}

func lastKey(path string) string {
	path = strings.TrimSuffix(path, "[]")
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return strings.TrimSuffix(path[i+1:], "[]")
	}
	return path
}

// compareShapes checks that got has the fixture's key sets and JSON types.
func compareShapes(t *testing.T, name string, want, got shape) {
	t.Helper()
	for _, e := range shapeDiff(want, got) {
		t.Errorf("%s: %s", name, e)
	}
}

// shapeDiff lists how got differs structurally from want (sorted).
func shapeDiff(want, got shape) []string {
	var errs []string
	for p, wt := range want {
		gt, ok := got[p]
		if !ok {
			errs = append(errs, "missing path "+p)
			continue
		}
		allowed := map[string]bool{}
		for k := range wt {
			allowed[k] = true
		}
		for _, k := range flexibleTypes[lastKey(p)] {
			allowed[k] = true
		}
		for k := range gt {
			if !allowed[k] {
				errs = append(errs, fmt.Sprintf("path %s: type %s, fixture has %v", p, k, keys(wt)))
			}
		}
	}
	for p := range got {
		if _, ok := want[p]; ok {
			continue
		}
		if knownExtras[lastKey(p)] || strings.Contains(p, ".manager[]") && want[parentArray(p)] != nil {
			continue
		}
		// Elements of an array the fixture only shows empty have no fixture paths.
		if pa := parentArray(p); pa != "" && want[pa] != nil && !hasChildren(want, pa) {
			continue
		}
		errs = append(errs, "extra path "+p)
	}
	sort.Strings(errs)
	return errs
}

// parentArray returns the nearest enclosing "x[]"-element's array path ("x"), or "".
func parentArray(p string) string {
	i := strings.LastIndex(p, "[]")
	if i < 0 {
		return ""
	}
	return p[:i]
}

func hasChildren(s shape, arrayPath string) bool {
	_, ok := s[arrayPath+"[]"]
	return ok
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "workboard", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestShapesMatchFixtures is the structural golden test: for every endpoint, the emulator's
// JSON has the same key sets and JSON types as the WorkBoard fixture for that request.
func TestShapesMatchFixtures(t *testing.T) {
	org := smallOrg()
	ts := Start(t, org)
	adm := ts.AdminToken

	// Pick objects that make responses rich (non-empty arrays where the fixture has elements).
	var withGoals, noGoals *User
	ownGoals := map[int64]int{}
	for _, g := range org.Goals {
		ownGoals[g.OwnerID]++
	}
	var ownGoal *Goal
	for _, g := range org.Goals {
		u := org.User(g.OwnerID)
		if ownGoals[u.ID] >= 2 && len(u.Managers) > 0 && len(g.Categories) > 0 && len(g.Comments) > 0 &&
			g.TeamID != 0 && len(g.Extra) == 0 && ownGoal == nil {
			withGoals, ownGoal = u, g
		}
	}
	for _, u := range org.Users {
		if ownGoals[u.ID] == 0 && len(u.Managers) > 0 && noGoals == nil {
			noGoals = u
		}
	}
	var richGoal *Goal
	var richKR *KeyResult
	for _, g := range org.Goals {
		if g.TeamID == 0 || len(g.Comments) == 0 || len(g.Extra) > 0 || len(g.Workstreams) > 0 || len(g.Categories) == 0 {
			continue
		}
		for _, k := range g.KeyResults {
			missed := false
			for _, d := range k.MetricData {
				missed = missed || d.Value == nil
			}
			if missed && len(k.Confidence) > 0 && len(k.Comments) > 0 && k.AutomationJSON == "" && richKR == nil {
				richGoal, richKR = g, k
			}
		}
	}
	if withGoals == nil || noGoals == nil || richKR == nil {
		t.Fatal("smallOrg lacks the variety this test needs; change its seed")
	}
	var team *Team
	for _, tm := range org.Teams {
		if tm.ID == richGoal.TeamID {
			team = tm
		}
	}

	var tagged, untagged *KeyResult
	var alignedTo *Goal // a root with aligned goals, none of which has any
	children := map[int64]int{}
	for _, g := range org.Goals {
		children[g.ParentID]++
		for _, k := range g.KeyResults {
			if len(k.TagIDs) > 1 && tagged == nil {
				tagged = k
			}
			if len(k.TagIDs) == 0 && untagged == nil {
				untagged = k
			}
		}
	}
	for _, g := range org.Goals {
		leaves := g.ParentID == 0 && children[g.ID] > 0
		for _, c := range org.Goals {
			leaves = leaves && (c.ParentID != g.ID || children[c.ID] == 0)
		}
		if leaves && alignedTo == nil {
			alignedTo = g
		}
	}
	if tagged == nil || untagged == nil || alignedTo == nil {
		t.Fatal("smallOrg lacks the tags or alignments this test needs; change its seed")
	}

	id := func(v int64) string { return fmt.Sprint(v) }
	cases := []struct {
		fixture string
		path    string
	}{
		{"user_me.json", "/user"},
		{"user_org_members_page1.json", "/user?include=org_members&limit=100"},
		{"user_org_members_page2.json", "/user?include=org_members&limit=100"},
		{"user_by_id.json", "/user/" + id(withGoals.ID) + "?custom_attributes=1"},
		{"user_goals.json", "/user/" + id(withGoals.ID) + "/goal"},
		{"user_goals_empty.json", "/user/" + id(noGoals.ID) + "/goal"},
		{"user_goal_by_id.json", "/user/" + id(withGoals.ID) + "/goal/" + id(ownGoal.ID)},
		{"team_list.json", "/team?include=org_teams&limit=100"},
		{"team_by_id.json", "/team/" + id(team.ID)},
		{"goal_list_page1.json", "/goal?goal_status=1,2&limit=100"},
		{"goal_list_page2.json", "/goal?goal_status=1,2&limit=100"},
		{"goal_list_by_team.json", "/goal?goal_status=1,2&team_id=" + id(team.ID)},
		{"goal_list_empty.json", "/goal?goal_owner_id=" + id(noGoals.ID)},
		{"goal_by_id.json", "/goal/" + id(richGoal.ID) + "?custom_attributes=1&include=custom_permission"},
		{"goal_metric_by_id.json", "/goal/" + id(richGoal.ID) + "/metric/" + id(richKR.ID)},
		{"metric_list.json", "/metric?goal_id=" + id(richGoal.ID)},
		{"metric_list_team_page1.json", "/metric?limit=1&team_id=" + id(team.ID)},
		{"metric_by_id.json", "/metric/" + id(richKR.ID)},
		{"metric_by_id_with_data.json", "/metric/" + id(richKR.ID) + "?include_metric_data=yes"},
		{"tags_list.json", "/tags?limit=100"},
		{"metric_krtags.json", "/metric/krtags?metric_ids=" + id(tagged.ID) + "," + id(untagged.ID)},
		{"goal_alignment.json", "/goal/" + id(alignedTo.ID) + "/alignment"},
		{"error_400_invalid_token.json", "/goal?token=x"},
		{"error_400_bad_request.json", "/goal?goal_status=3"},
	}
	for _, c := range cases {
		t.Run(c.fixture, func(t *testing.T) {
			r := get(t, ts, c.path, adm)
			if strings.HasPrefix(c.fixture, "error_") {
				if r.status != http.StatusBadRequest {
					t.Fatalf("status %d, want 400", r.status)
				}
			} else if r.status != http.StatusOK {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			compareShapes(t, c.path, shapeOf(t, fixture(t, c.fixture)), shapeOf(t, r.body))
		})
	}

	t.Run("oauth_token.json", func(t *testing.T) {
		cr := ts.Emulator.Credentials()
		resp, err := http.PostForm(ts.URL+OAuthTokenPath, url.Values{"client_id": {cr.ClientID},
			"client_hash": {cr.ClientHash}, "code": {cr.AdminCode}, "redirect_uri": {"http://localhost/cb"}, "state": {"s"}})
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b json.RawMessage
		if err := json.NewDecoder(resp.Body).Decode(&b); err != nil {
			t.Fatal(err)
		}
		compareShapes(t, "oauth", shapeOf(t, fixture(t, "oauth_token.json")), shapeOf(t, b))
	})
}

// TestShapeCheckerCatchesDrift makes sure the structural comparison can fail.
func TestShapeCheckerCatchesDrift(t *testing.T) {
	want := shapeOf(t, []byte(`{"a":"1","b":[{"c":1}],"d":null}`))
	cases := map[string]string{
		"type changed": `{"a":1,"b":[{"c":1}],"d":null}`,
		"key missing":  `{"b":[{"c":1}],"d":null}`,
		"extra key":    `{"a":"1","b":[{"c":1,"e":2}],"d":null}`,
		"nested type":  `{"a":"1","b":[{"c":"1"}],"d":null}`,
		"array→object": `{"a":"1","b":{"c":1},"d":null}`,
	}
	for name, doc := range cases {
		if d := shapeDiff(want, shapeOf(t, []byte(doc))); len(d) == 0 {
			t.Errorf("%s: no difference reported", name)
		}
	}
	if d := shapeDiff(want, shapeOf(t, []byte(`{"a":"2","b":[{"c":5},{"c":6}],"d":null}`))); len(d) != 0 {
		t.Errorf("same shape reported as different: %v", d)
	}
}
