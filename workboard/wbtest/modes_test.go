package wbtest

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestUserQueryModes(t *testing.T) {
	org := smallOrg()
	ts := Start(t, org)
	me := org.User(org.TokenUserID)
	other := org.Users[5]

	// user_id by id and by e-mail (Data-Admin); an ordinary token may only ask for itself.
	for _, ref := range []string{fmt.Sprint(other.ID), url.QueryEscape(other.Email)} {
		if id := idOf(t, get(t, ts, "/user?user_id="+ref, ts.AdminToken).data(t)["user"], "user_id"); id != other.ID {
			t.Errorf("user_id=%s gave %d", ref, id)
		}
	}
	if r := get(t, ts, fmt.Sprintf("/user?user_id=%d", other.ID), ts.UserToken); r.json(t)["error"] != "insufficient_access" {
		t.Errorf("user token, other user_id: %s", r.body)
	}
	if r := get(t, ts, "/user?user_id=nobody@example.com", ts.AdminToken); r.json(t)["error"] != "invalid_resource_id" {
		t.Errorf("unknown e-mail: %s", r.body)
	}

	// include=team_members: members of the caller's teams, the caller included.
	mine := map[int64]bool{}
	for _, tm := range org.Teams {
		in := false
		for _, m := range tm.Members {
			in = in || m.UserID == me.ID
		}
		for _, m := range tm.Members {
			if in {
				mine[m.UserID] = true
			}
		}
	}
	us := arr(t, get(t, ts, "/user?include=team_members", ts.UserToken).data(t)["user"], "user")
	if len(us) != len(mine) || !mine[me.ID] {
		t.Fatalf("team_members: %d users, want %d", len(us), len(mine))
	}
	for _, u := range us {
		if !mine[idOf(t, u, "user_id")] {
			t.Fatalf("team_members returned user %d from another team", idOf(t, u, "user_id"))
		}
	}

	// include=org_reports.
	var boss *User
	reports := map[int64]string{}
	for _, u := range org.Users {
		for _, m := range u.Managers {
			if boss == nil && m.Role == "1" {
				boss = org.User(m.UserID)
			}
		}
	}
	for _, u := range org.Users {
		for _, m := range u.Managers {
			if m.UserID == boss.ID {
				reports[u.ID] = map[string]string{"1": "direct", "2": "dotted"}[m.Role]
			}
		}
	}
	ru := get(t, ts, fmt.Sprintf("/user?include=org_reports&user_id=%d", boss.ID), ts.AdminToken).data(t)["user"].(map[string]any)
	rs := arr(t, ru["user_reports_to_me"], "user_reports_to_me")
	if len(rs) != len(reports) {
		t.Fatalf("org_reports: %d, want %d", len(rs), len(reports))
	}
	for _, r := range rs {
		if reports[idOf(t, r, "user_id")] != r.(map[string]any)["org_role"] {
			t.Fatalf("org_reports entry %v", r)
		}
	}
	if r := get(t, ts, "/user?include=everything", ts.AdminToken); r.status != 400 || r.json(t)["error"] != "invalid_request" {
		t.Errorf("bad include: %s", r.body)
	}

	// /user/{id}/goal/{gid} for a goal the user does not own → goal: [].
	var foreign *Goal
	for _, g := range org.Goals {
		if g.OwnerID != me.ID {
			foreign = g
			break
		}
	}
	u := get(t, ts, fmt.Sprintf("/user/%d/goal/%d", me.ID, foreign.ID), ts.UserToken).data(t)["user"].(map[string]any)
	if g, ok := u["goal"].([]any); !ok || len(g) != 0 || u["goal_count"] != "0" {
		t.Fatalf("foreign goal: goal %v goal_count %v", u["goal"], u["goal_count"])
	}
}

func TestTeamQueryModes(t *testing.T) {
	org := smallOrg()
	ts := Start(t, org)
	me := org.TokenUserID
	want := 0
	for _, tm := range org.Teams {
		for _, m := range tm.Members {
			if m.UserID == me {
				want++
			}
		}
	}
	d := get(t, ts, "/team", ts.UserToken).data(t)
	if n := len(arr(t, d["team"], "team")); n != want || totalCount(t, d) != want || want == 0 {
		t.Fatalf("user's teams: %d (totalCount %d), want %d", n, totalCount(t, d), want)
	}
	var ext *Team
	for _, tm := range org.Teams {
		if tm.ExternalID != "" && tm.ParentID != 0 {
			ext = tm
		}
	}
	for _, q := range []string{fmt.Sprintf("team_id=%d", ext.ID), fmt.Sprintf("id=%d", ext.ID), "external_id=" + ext.ExternalID} {
		if id := idOf(t, get(t, ts, "/team?"+q, ts.AdminToken).data(t)["team"], "team_id"); id != ext.ID {
			t.Errorf("%s gave team %d", q, id)
		}
	}
	for q, code := range map[string]string{"include=all": "invalid_request", "external_id=nope": "invalid_resource_id", "team_id=1": "invalid_resource_id"} {
		if r := get(t, ts, "/team?"+q, ts.AdminToken); r.status != 400 || r.json(t)["error"] != code {
			t.Errorf("%s: %d %s", q, r.status, r.body)
		}
	}
}

func TestListenAndCredentials(t *testing.T) {
	cr := Credentials{AdminToken: "admin-secret", UserToken: "user-secret"}
	s := NewServer(smallOrg(), WithCredentials(cr))
	got := s.Credentials()
	type creds struct {
		AdminToken, UserToken       string
		HasClientHash, HasAdminCode bool
	}
	want := creds{AdminToken: "admin-secret", UserToken: "user-secret", HasClientHash: true, HasAdminCode: true}
	if diff := cmp.Diff(want, creds{AdminToken: got.AdminToken, UserToken: got.UserToken, HasClientHash: got.ClientHash != "", HasAdminCode: got.AdminCode != ""}); diff != "" {
		t.Fatalf("credentials (-want +got):\n%s", diff)
	}
	l, err := Listen("127.0.0.1:0", s)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(l.BaseURL, "http://127.0.0.1:") || !strings.HasSuffix(l.BaseURL, APIPrefix) {
		t.Fatalf("BaseURL %q", l.BaseURL)
	}
	req, _ := http.NewRequest(http.MethodGet, l.BaseURL+"/user", nil)
	req.Header.Set("Authorization", "Bearer admin-secret")
	if r := do(t, nil, req); r.status != 200 {
		t.Fatalf("live server: %d %s", r.status, r.body)
	}
	if err := l.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := l.Wait(); err != nil {
		t.Fatalf("Wait after Shutdown: %v", err)
	}
	if _, err := Listen("256.0.0.1:0", s); err == nil {
		t.Fatal("Listen on a bad address succeeded")
	}
}
