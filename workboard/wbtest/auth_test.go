package wbtest

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestAuthRules(t *testing.T) {
	org := smallOrg()
	ts := Start(t, org)
	cases := []struct {
		name   string
		path   string
		header string // full Authorization header; "" = none
		status int
		code   string
	}{
		{"bearer", "/user", "Bearer " + ts.AdminToken, 200, ""},
		{"lowercase scheme", "/user", "bearer " + ts.AdminToken, 200, ""},
		{"uppercase scheme", "/user", "BEARER " + ts.UserToken, 200, ""},
		{"missing header", "/user", "", 400, "invalid_access_token"},
		{"wrong token", "/user", "Bearer nope", 400, "invalid_access_token"},
		{"basic scheme", "/user", "Basic " + ts.AdminToken, 400, "invalid_access_token"},
		{"token in query", "/user?token=" + ts.AdminToken, "", 400, "invalid_access_token"},
		{"access_token in query", "/user?access_token=" + ts.AdminToken, "", 400, "invalid_access_token"},
		{"query token refused even with header", "/user?token=" + ts.AdminToken, "Bearer " + ts.AdminToken, 400, "invalid_access_token"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, ts.BaseURL+c.path, nil)
			if c.header != "" {
				req.Header.Set("Authorization", c.header)
			}
			r := do(t, nil, req)
			if r.status != c.status {
				t.Fatalf("status %d, want %d: %s", r.status, c.status, r.body)
			}
			if c.code != "" {
				m := r.json(t)
				type errorBody struct {
					Success, Error   any
					EmptyDescription bool
				}
				want := errorBody{Success: false, Error: c.code}
				got := errorBody{Success: m["success"], Error: m["error"], EmptyDescription: m["error_description"] == ""}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Fatalf("body %s (-want +got):\n%s", r.body, diff)
				}
				if strings.Contains(string(r.body), ts.AdminToken) {
					t.Fatal("error body echoes the token")
				}
			}
		})
	}
	if got := ts.Emulator.Stats().AuthFailures; got != 6 {
		t.Errorf("AuthFailures = %d, want 6", got)
	}
}

func TestAuthFailureStatusOption(t *testing.T) {
	ts := Start(t, smallOrg(), WithAuthFailureStatus(http.StatusUnauthorized))
	if r := get(t, ts, "/goal", "bad"); r.status != 401 || r.json(t)["error"] != "invalid_access_token" {
		t.Fatalf("got %d %s", r.status, r.body)
	}
}

func TestTokenScoping(t *testing.T) {
	org := smallOrg()
	ts := Start(t, org)
	me := org.User(org.TokenUserID)

	// Identity.
	if id := idOf(t, get(t, ts, "/user", ts.UserToken).data(t)["user"], "user_id"); id != me.ID {
		t.Fatalf("/user with the user token is %d, want %d", id, me.ID)
	}
	if id := idOf(t, get(t, ts, "/user", ts.AdminToken).data(t)["user"], "user_id"); id != org.AdminUserID {
		t.Fatalf("/user with the admin token is %d, want %d", id, org.AdminUserID)
	}

	// Data-Admin only.
	for _, p := range []string{"/user?include=org_members", "/team?include=org_teams", fmt.Sprintf("/user/%d", org.AdminUserID)} {
		r := get(t, ts, p, ts.UserToken)
		if r.status != 400 || r.json(t)["error"] != "insufficient_access" {
			t.Errorf("%s with the user token: %d %s", p, r.status, r.body)
		}
		if r := get(t, ts, p, ts.AdminToken); r.status != 200 {
			t.Errorf("%s with the admin token: %d %s", p, r.status, r.body)
		}
	}

	// /goal: the user token sees only its user's goals.
	var own, all int
	for _, g := range org.Goals {
		if g.Status == "1" || g.Status == "2" {
			all++
			if g.OwnerID == me.ID {
				own++
			}
		}
	}
	d := get(t, ts, "/goal?goal_status=1,2&limit=100", ts.UserToken).data(t)
	ids, owners := goalIDsOfPage(t, d)
	if own == 0 || len(ids) != own || totalCount(t, d) != own {
		t.Fatalf("user token /goal: %d goals (totalCount %d), want %d", len(ids), totalCount(t, d), own)
	}
	for _, o := range owners {
		if o != me.ID {
			t.Fatalf("user token sees a goal of user %d", o)
		}
	}
	if n := totalCount(t, get(t, ts, "/goal?goal_status=1,2", ts.AdminToken).data(t)); n != all {
		t.Fatalf("admin /goal totalCount %d, want %d", n, all)
	}

	// /metric without a filter: own KRs only, for either token.
	for _, who := range []struct {
		tok string
		uid int64
	}{{ts.UserToken, me.ID}, {ts.AdminToken, org.AdminUserID}} {
		want := 0
		for _, g := range org.Goals {
			for _, k := range g.KeyResults {
				if k.OwnerID == who.uid {
					want++
				}
			}
		}
		ms := arr(t, get(t, ts, "/metric", who.tok).data(t)["metric"], "metric")
		if len(ms) != want {
			t.Errorf("user %d: /metric gave %d KRs, want %d", who.uid, len(ms), want)
		}
		for _, m := range ms {
			if idOf(t, m, "metric_owner") != who.uid {
				t.Errorf("user %d: /metric returned a KR of %d", who.uid, idOf(t, m, "metric_owner"))
			}
		}
	}
}

func TestOAuthTokenExchange(t *testing.T) {
	ts := Start(t, smallOrg())
	cr := ts.Emulator.Credentials()
	form := func(mod func(url.Values)) response {
		v := url.Values{"client_id": {cr.ClientID}, "client_hash": {cr.ClientHash}, "code": {cr.AdminCode},
			"redirect_uri": {"http://127.0.0.1/cb"}, "state": {"xyz"}}
		mod(v)
		req, _ := http.NewRequest(http.MethodPost, ts.URL+OAuthTokenPath, strings.NewReader(v.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return do(t, nil, req)
	}
	// tokenAnswer holds the parts of a token endpoint answer that the checks below compare.
	type tokenAnswer struct {
		Status                      int
		AccessToken, Error, Success any
	}
	r := form(func(url.Values) {})
	got := tokenAnswer{Status: r.status, AccessToken: r.json(t)["access_token"], Success: r.json(t)["success"]}
	if diff := cmp.Diff(tokenAnswer{Status: 200, AccessToken: ts.AdminToken, Success: true}, got); diff != "" {
		t.Fatalf("admin code: %s (-want +got):\n%s", r.body, diff)
	}
	if r := form(func(v url.Values) { v.Set("code", cr.UserCode) }); r.json(t)["access_token"] != ts.UserToken {
		t.Fatalf("user code: %s", r.body)
	}
	for name, c := range map[string]struct {
		mod  func(url.Values)
		code string
	}{
		"bad code":        {func(v url.Values) { v.Set("code", "nope") }, "invalid_grant"},
		"bad hash":        {func(v url.Values) { v.Set("client_hash", "nope") }, "invalid_client"},
		"bad client":      {func(v url.Values) { v.Set("client_id", "nope") }, "invalid_client"},
		"no redirect_uri": {func(v url.Values) { v.Del("redirect_uri") }, "invalid_request"},
	} {
		r := form(c.mod)
		got := tokenAnswer{Status: r.status, Error: r.json(t)["error"], Success: r.json(t)["success"]}
		if diff := cmp.Diff(tokenAnswer{Status: 400, Error: c.code, Success: false}, got); diff != "" {
			t.Errorf("%s: %s (-want +got):\n%s", name, r.body, diff)
		}
		if strings.Contains(string(r.body), cr.ClientHash) {
			t.Errorf("%s: error echoes the client hash", name)
		}
	}
}

func TestUnknownIDs(t *testing.T) {
	ts := Start(t, smallOrg())
	for _, p := range []string{"/goal/1", "/goal?id=1", "/metric/1", "/metric?goal_id=1", "/metric?metric_id=1",
		"/goal/abc", "/team/1", "/user/1", "/metric?team_id=1"} {
		r := get(t, ts, p, ts.AdminToken)
		if r.status != 400 || r.json(t)["error"] != "invalid_resource_id" {
			t.Errorf("%s: %d %s", p, r.status, r.body)
		}
	}
	if r := get(t, ts, "/nope", ts.AdminToken); r.status != 404 || r.json(t)["success"] != false {
		t.Errorf("unknown path: %d %s", r.status, r.body)
	}
	st := ts.Emulator.Stats()
	type counts struct{ GoalByID, Metric, Requests int64 }
	want := counts{GoalByID: 1, Metric: 3, Requests: 10}
	got := counts{GoalByID: st.ByEndpoint["GET /wb/apis/goal/{id}"], Metric: st.ByEndpoint["GET /wb/apis/metric"], Requests: st.Requests}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ByEndpoint %v (-want +got):\n%s", st.ByEndpoint, diff)
	}
}
