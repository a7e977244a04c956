package wbtest

import (
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// handleUser serves GET /user: the token's user (or ?user_id=), optionally with
// user_reports_to_me (?include=org_reports), or a list with ?include=org_members (Data-Admin,
// paged) or ?include=team_members (everyone in the caller's teams).
func (s *Server) handleUser(r *http.Request, c caller) (reply, *apiError) {
	q := r.URL.Query()
	customAttrs := q.Get("custom_attributes") == "1"
	limit, offset, err := s.paging(q)
	if err != nil {
		return reply{}, err
	}
	switch inc := q.Get("include"); inc {
	case "org_members":
		if !c.admin {
			return reply{}, errInsufficient
		}
		lo, hi := window(len(s.org.Users), limit, offset)
		return s.userList(len(s.org.Users), s.org.Users[lo:hi], userOrgMember, customAttrs), nil
	case "team_members":
		us := s.teamMembersOf(c.user.ID)
		return s.userList(len(us), us, userPlain, customAttrs), nil
	case "", "org_reports":
		u, err := s.userOf(q, c)
		if err != nil {
			return reply{}, err
		}
		return reply{key: "user", total: 1, writeValue: func(e *encoder) {
			e.beginObject()
			s.writeUserFields(e, u, userPlain, customAttrs)
			if inc == "org_reports" {
				s.writeReportsTo(e, u)
			}
			e.endObject()
		}}, nil
	default:
		return reply{}, badRequest("invalid_request", "include must be org_members, team_members or org_reports, got %q.", inc)
	}
}

// userList is a reply listing us (one page of total users).
func (s *Server) userList(total int, us []*User, mode userMode, customAttrs bool) reply {
	return reply{key: "user", total: total, writeValue: func(e *encoder) {
		e.beginArray()
		for _, u := range us {
			s.writeUser(e, u, mode, customAttrs)
		}
		e.endArray()
	}}
}

// teamMembersOf lists the members of uid's teams (uid included), in user_id order.
func (s *Server) teamMembersOf(uid int64) []*User {
	seen := map[int64]bool{}
	var us []*User
	for _, t := range s.teamsOf(uid) {
		for _, m := range t.Members {
			if !seen[m.UserID] {
				seen[m.UserID] = true
				us = append(us, s.org.User(m.UserID))
			}
		}
	}
	sort.Slice(us, func(i, j int) bool { return us[i].ID < us[j].ID })
	return us
}

// userOf is the user GET /user answers for: ?user_id= (another user needs a Data-Admin token)
// or else the caller.
func (s *Server) userOf(q url.Values, c caller) (*User, *apiError) {
	v := q.Get("user_id")
	if v == "" {
		return c.user, nil
	}
	u, err := s.userRef(v, "user_id")
	if err != nil {
		return nil, err
	}
	if !c.admin && u.ID != c.user.ID {
		return nil, errInsufficient
	}
	return u, nil
}

// writeReportsTo writes the user_reports_to_me member: the users that have u as a manager.
func (s *Server) writeReportsTo(e *encoder, u *User) {
	roles := map[string]string{"1": "direct", "2": "dotted"}
	e.name("user_reports_to_me")
	e.beginArray()
	for _, x := range s.org.Users {
		for _, m := range x.Managers {
			if m.UserID == u.ID {
				e.beginObject()
				e.quotedInt("user_id", x.ID)
				e.str("org_role", roles[m.Role])
				e.endObject()
			}
		}
	}
	e.endArray()
}

// handleUserByID serves GET /user/{id}.
func (s *Server) handleUserByID(r *http.Request, c caller) (reply, *apiError) {
	u, err := s.pathUser(r, c)
	if err != nil {
		return reply{}, err
	}
	customAttrs := r.URL.Query().Get("custom_attributes") == "1"
	return reply{key: "user", total: 1, writeValue: func(e *encoder) { s.writeUser(e, u, userPlain, customAttrs) }}, nil
}

// pathUser is the user of the path's {id} (an id or e-mail); a user other than the caller
// needs a Data-Admin token.
func (s *Server) pathUser(r *http.Request, c caller) (*User, *apiError) {
	u, err := s.userRef(r.PathValue("id"), "user id")
	if err != nil {
		return nil, err
	}
	if !c.admin && u.ID != c.user.ID {
		return nil, errInsufficient
	}
	return u, nil
}

// userRef resolves a user id or e-mail.
func (s *Server) userRef(v, what string) (*User, *apiError) {
	if strings.Contains(v, "@") {
		for _, u := range s.org.Users {
			if strings.EqualFold(u.Email, v) {
				return u, nil
			}
		}
		return nil, badRequest("invalid_resource_id", "%s %q: no such user.", what, v)
	}
	id, err := parseID(v, what)
	if err != nil {
		return nil, err
	}
	u := s.org.User(id)
	if u == nil {
		return nil, badRequest("invalid_resource_id", "%s %d: no such user.", what, id)
	}
	return u, nil
}

// userMode selects the members of a user object, which differ per endpoint.
type userMode int

const (
	userPlain     userMode = iota // GET /user, /user/{id}: create_at integer, is_read_only
	userOrgMember                 // include=org_members: create_at string, org_user_roles
	userGoals                     // /user/{id}/goal: no is_read_only (caller adds goal, goal_count)
)

// writeUser writes a user object; mode selects its members, customAttrs adds
// profile.custom_attributes.
func (s *Server) writeUser(e *encoder, u *User, mode userMode, customAttrs bool) {
	e.beginObject()
	s.writeUserFields(e, u, mode, customAttrs)
	e.endObject()
}

// writeUserFields writes a user's members into an open object.
func (s *Server) writeUserFields(e *encoder, u *User, mode userMode, customAttrs bool) {
	e.quotedInt("user_id", u.ID)
	e.str("user_name", u.UserName)
	e.str("email", u.Email)
	e.str("first_name", u.FirstName)
	e.str("last_name", u.LastName)
	e.str("wb_email", u.WBEmail)
	e.optionalStr("cell_num", u.CellNum)
	e.name("create_at")
	if mode == userOrgMember {
		e.quotedIntValue(u.CreateAt)
	} else {
		e.intValue(u.CreateAt)
	}
	e.quotedInt("last_visited_at", u.LastVisitedAt)
	e.str("picture", u.Picture)
	e.str("time_zone", u.TimeZone)
	e.str("external_id", u.ExternalID)
	e.str("created_from", u.CreatedFrom)
	e.quotedInt("org_id", s.org.ID)
	e.str("status", u.Status)
	s.writeManagers(e, u)
	if mode != userGoals {
		e.name("is_read_only")
		e.boolValue(u.IsReadOnly)
	}
	e.name("profile")
	e.beginObject()
	e.str("title", u.Title)
	e.str("company", u.Company)
	if customAttrs {
		writeUserAttributes(e, u.CustomAttributes)
	}
	e.endObject()
	if mode == userOrgMember {
		e.name("org_user_roles")
		if u.OrgUserRoles == "" {
			e.nullValue()
		} else {
			e.stringValue(u.OrgUserRoles)
		}
	}
}

// writeManagers writes the manager member: false when u has no manager, else an array.
func (s *Server) writeManagers(e *encoder, u *User) {
	e.name("manager")
	if len(u.Managers) == 0 {
		e.boolValue(false)
		return
	}
	e.beginArray()
	for _, m := range u.Managers {
		mu := s.org.User(m.UserID)
		e.beginObject()
		e.quotedInt("user_id", mu.ID)
		e.str("email", mu.Email)
		e.str("first_name", mu.FirstName)
		e.str("last_name", mu.LastName)
		e.str("picture", mu.Picture)
		e.str("external_id", mu.ExternalID)
		e.str("role", m.Role)
		e.endObject()
	}
	e.endArray()
}

// writeUserAttributes writes profile.custom_attributes (null when the user has none).
func writeUserAttributes(e *encoder, as []UserAttribute) {
	e.name("custom_attributes")
	if as == nil {
		e.nullValue()
		return
	}
	e.beginArray()
	for _, a := range as {
		e.beginObject()
		e.quotedInt("id", a.ID)
		e.str("name", a.Name)
		e.str("value", a.Value)
		e.endObject()
	}
	e.endArray()
}
