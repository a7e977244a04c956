package wbtest

import (
	"net/http"
	"net/url"
)

func writeIDList(w *jw, ids []int64) {
	w.arr()
	for _, id := range ids {
		w.str(itoa(id))
	}
	w.endArr()
}

func (s *Server) writeTeam(w *jw, t *Team, members bool) {
	w.obj()
	w.kid("team_id", t.ID)
	w.ks("external_id", t.ExternalID)
	w.kid("parent_team_id", t.ParentID)
	w.key("dotted_team_ids")
	writeIDList(w, t.DottedTeamIDs)
	w.ks("team_name", t.Name)
	w.kid("team_owner", t.OwnerID)
	w.ks("team_type", t.Type)
	w.key("level")
	if t.Level == nil {
		w.null()
	} else {
		w.str(*t.Level)
	}
	w.ks("created_from", t.CreatedFrom)
	w.kid("created_at", t.CreatedAt)
	w.kid("updated_at", t.UpdatedAt)
	w.ks("team_state", t.State)
	if members {
		w.key("team_members")
		w.arr()
		for _, m := range t.Members {
			u := s.org.User(m.UserID)
			w.obj()
			w.kid("id", u.ID)
			w.ks("first_name", u.FirstName)
			w.ks("last_name", u.LastName)
			w.ks("email", u.Email)
			w.ks("team_role", m.Role)
			w.endObj()
		}
		w.endArr()
	}
	w.endObj()
}

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

func (s *Server) handleTeam(r *http.Request, c caller, out *envelope) *apiError {
	q := r.URL.Query()
	out.key = "team"
	if _, _, err := s.paging(q); err != nil {
		return err
	}
	if v := firstOf(q, "team_id", "id", "external_id"); v != "" {
		var t *Team
		if q.Get("external_id") != "" && q.Get("team_id") == "" && q.Get("id") == "" {
			for _, x := range s.org.Teams {
				if x.ExternalID != "" && x.ExternalID == v {
					t = x
				}
			}
			if t == nil {
				return badRequest("invalid_resource_id", "no team with external_id %q.", v)
			}
		} else {
			id, err := parseID(v, "team_id")
			if err != nil {
				return err
			}
			if t = s.org.Team(id); t == nil {
				return badRequest("invalid_resource_id", "team %d does not exist.", id)
			}
		}
		out.total = 1
		s.writeTeam(&out.w, t, false)
		return nil
	}
	var ts []*Team
	switch inc := q.Get("include"); inc {
	case "org_teams":
		if !c.admin {
			return errInsufficient
		}
		ts = s.org.Teams
	case "":
		ts = s.teamsOf(c.user.ID)
	default:
		return badRequest("invalid_request", "include must be org_teams, got %q.", inc)
	}
	limit, offset, err := s.paging(q)
	if err != nil {
		return err
	}
	lo, hi := window(len(ts), limit, offset)
	out.total = len(ts)
	out.w.arr()
	for _, t := range ts[lo:hi] {
		s.writeTeam(&out.w, t, false)
	}
	out.w.endArr()
	return nil
}

func firstOf(q url.Values, keys ...string) string {
	for _, k := range keys {
		if v := q.Get(k); v != "" {
			return v
		}
	}
	return ""
}

func (s *Server) handleTeamByID(r *http.Request, c caller, out *envelope) *apiError {
	id, err := parseID(r.PathValue("id"), "team id")
	if err != nil {
		return err
	}
	t := s.org.Team(id)
	if t == nil {
		return badRequest("invalid_resource_id", "team %d does not exist.", id)
	}
	out.key, out.total = "team", 1
	s.writeTeam(&out.w, t, true)
	return nil
}
