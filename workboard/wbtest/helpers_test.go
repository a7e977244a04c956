package wbtest

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"testing"
)

// response is one raw HTTP exchange, read with net/http and encoding/json only.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, r.body)
	}
	return m
}

// data returns the envelope's data object after checking success:true.
func (r response) data(t testing.TB) map[string]any {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status %d, body %s", r.status, r.body)
	}
	m := r.json(t)
	if m["success"] != true {
		t.Fatalf("success is not true: %s", r.body)
	}
	d, ok := m["data"].(map[string]any)
	if !ok {
		t.Fatalf("data is not an object: %s", r.body)
	}
	return d
}

func do(t testing.TB, c *http.Client, req *http.Request) response {
	t.Helper()
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", req.Method, req.URL.Path, err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// get requests ts.BaseURL+path with "Authorization: Bearer token" (no header when token is "").
func get(t testing.TB, ts *TestServer, path, token string) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, ts.BaseURL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return do(t, nil, req)
}

func totalCount(t testing.TB, d map[string]any) int {
	t.Helper()
	switch v := d["totalCount"].(type) {
	case float64:
		return int(v)
	case string:
		n, err := strconv.Atoi(v)
		if err != nil {
			t.Fatalf("totalCount %q is not numeric", v)
		}
		return n
	}
	t.Fatalf("totalCount has type %T", d["totalCount"])
	return 0
}

func idOf(t testing.TB, m any, key string) int64 {
	t.Helper()
	obj, ok := m.(map[string]any)
	if !ok {
		t.Fatalf("not an object: %v", m)
	}
	s, ok := obj[key].(string)
	if !ok {
		t.Fatalf("%s is %T, want string", key, obj[key])
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("%s %q: %v", key, s, err)
	}
	return n
}

func arr(t testing.TB, v any, what string) []any {
	t.Helper()
	a, ok := v.([]any)
	if !ok {
		t.Fatalf("%s is %T, want array", what, v)
	}
	return a
}

// smallOrg is the org most tests use: small but with every feature present.
func smallOrg() *Org {
	return Generate(OrgConfig{Seed: 7, Users: 30, Teams: 10, Goals: 40, KRsPerGoal: 3, CheckinsPerKR: 8})
}

// goalIDsOfPage flattens a /goal page (wrappers or flat) into goal ids, with owner ids.
func goalIDsOfPage(t testing.TB, d map[string]any) (ids []int64, owners []int64) {
	t.Helper()
	for _, w := range arr(t, d["goal"], "data.goal") {
		wm := w.(map[string]any)
		var inner []any
		switch {
		case wm["people_goals"] != nil:
			inner = arr(t, wm["people_goals"], "people_goals")
		case wm["team_goals"] != nil:
			inner = arr(t, wm["team_goals"], "team_goals")
		default:
			inner = []any{w}
		}
		for _, g := range inner {
			ids = append(ids, idOf(t, g, "goal_id"))
			owners = append(owners, idOf(t, g, "goal_owner"))
		}
	}
	return ids, owners
}
