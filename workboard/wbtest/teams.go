package wbtest

import (
	"net/http"
	"net/url"
)

// handleTeam serves GET /team: one team with ?team_id=, ?id= or ?external_id=, else a page of
// the caller's teams, or of every team with ?include=org_teams (Data-Admin).
func (s *Server) handleTeam(r *http.Request, c caller) (reply, *apiError) {
	q := r.URL.Query()
	limit, offset, err := s.paging(q)
	if err != nil {
		return reply{}, err
	}
	if v := firstOf(q, "team_id", "id", "external_id"); v != "" {
		t, err := s.teamOf(q, v)
		if err != nil {
			return reply{}, err
		}
		return reply{key: "team", total: 1, writeValue: func(e *encoder) { s.writeTeam(e, t, false) }}, nil
	}
	var ts []*Team
	switch inc := q.Get("include"); inc {
	case "org_teams":
		if !c.admin {
			return reply{}, errInsufficient
		}
		ts = s.org.Teams
	case "":
		ts = s.teamsOf(c.user.ID)
	default:
		return reply{}, badRequest("invalid_request", "include must be org_teams, got %q.", inc)
	}
	lo, hi := window(len(ts), limit, offset)
	page := ts[lo:hi]
	return reply{key: "team", total: len(ts), writeValue: func(e *encoder) {
		e.beginArray()
		for _, t := range page {
			s.writeTeam(e, t, false)
		}
		e.endArray()
	}}, nil
}

// teamOf resolves the team GET /team asks for by v, the first of ?team_id=, ?id= and
// ?external_id= that is set.
func (s *Server) teamOf(q url.Values, v string) (*Team, *apiError) {
	if q.Get("external_id") != "" && q.Get("team_id") == "" && q.Get("id") == "" {
		var t *Team
		for _, x := range s.org.Teams {
			if x.ExternalID != "" && x.ExternalID == v {
				t = x
			}
		}
		if t == nil {
			return nil, badRequest("invalid_resource_id", "no team with external_id %q.", v)
		}
		return t, nil
	}
	id, err := parseID(v, "team_id")
	if err != nil {
		return nil, err
	}
	t := s.org.Team(id)
	if t == nil {
		return nil, badRequest("invalid_resource_id", "team %d does not exist.", id)
	}
	return t, nil
}

// firstOf returns the first non-empty value of keys in q.
func firstOf(q url.Values, keys ...string) string {
	for _, k := range keys {
		if v := q.Get(k); v != "" {
			return v
		}
	}
	return ""
}

// teamsOf lists the teams uid is a member of, in team_id order.
func (s *Server) teamsOf(uid int64) []*Team {
	var out []*Team
	for _, t := range s.org.Teams {
		for _, m := range t.Members {
			if m.UserID == uid {
				out = append(out, t)
				break
			}
		}
	}
	return out
}

// handleTeamByID serves GET /team/{id}, with team_members[].
func (s *Server) handleTeamByID(r *http.Request, c caller) (reply, *apiError) {
	id, err := parseID(r.PathValue("id"), "team id")
	if err != nil {
		return reply{}, err
	}
	t := s.org.Team(id)
	if t == nil {
		return reply{}, badRequest("invalid_resource_id", "team %d does not exist.", id)
	}
	return reply{key: "team", total: 1, writeValue: func(e *encoder) { s.writeTeam(e, t, true) }}, nil
}

// writeTeam writes a team object; members adds team_members[].
func (s *Server) writeTeam(e *encoder, t *Team, members bool) {
	e.beginObject()
	e.quotedInt("team_id", t.ID)
	e.str("external_id", t.ExternalID)
	e.quotedInt("parent_team_id", t.ParentID)
	e.name("dotted_team_ids")
	e.beginArray()
	for _, id := range t.DottedTeamIDs {
		e.quotedIntValue(id)
	}
	e.endArray()
	e.str("team_name", t.Name)
	e.quotedInt("team_owner", t.OwnerID)
	e.str("team_type", t.Type)
	e.optionalStr("level", t.Level)
	e.str("created_from", t.CreatedFrom)
	e.quotedInt("created_at", t.CreatedAt)
	e.quotedInt("updated_at", t.UpdatedAt)
	e.str("team_state", t.State)
	if members {
		e.name("team_members")
		e.beginArray()
		for _, m := range t.Members {
			u := s.org.User(m.UserID)
			e.beginObject()
			e.quotedInt("id", u.ID)
			e.str("first_name", u.FirstName)
			e.str("last_name", u.LastName)
			e.str("email", u.Email)
			e.str("team_role", m.Role)
			e.endObject()
		}
		e.endArray()
	}
	e.endObject()
}
