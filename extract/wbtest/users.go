package wbtest

import (
	"net/http"
	"sort"
	"strings"
)

type userMode int

const (
	userPlain     userMode = iota // GET /user, /user/{id}: create_at integer, is_read_only
	userOrgMember                 // include=org_members: create_at string, org_user_roles
	userGoals                     // /user/{id}/goal: no is_read_only (caller adds goal, goal_count)
)

// writeUserFields writes a user's members into an open object.
func (s *Server) writeUserFields(w *jw, u *User, mode userMode, customAttrs bool) {
	w.kid("user_id", u.ID)
	w.ks("user_name", u.UserName)
	w.ks("email", u.Email)
	w.ks("first_name", u.FirstName)
	w.ks("last_name", u.LastName)
	w.ks("wb_email", u.WBEmail)
	w.key("cell_num")
	if u.CellNum == nil {
		w.null()
	} else {
		w.str(*u.CellNum)
	}
	w.key("create_at")
	if mode == userOrgMember {
		w.str(itoa(u.CreateAt))
	} else {
		w.int(u.CreateAt)
	}
	w.kid("last_visited_at", u.LastVisitedAt)
	w.ks("picture", u.Picture)
	w.ks("time_zone", u.TimeZone)
	w.ks("external_id", u.ExternalID)
	w.ks("created_from", u.CreatedFrom)
	w.kid("org_id", s.org.ID)
	w.ks("status", u.Status)
	w.key("manager")
	if len(u.Managers) == 0 {
		w.boolean(false)
	} else {
		w.arr()
		for _, m := range u.Managers {
			mu := s.org.User(m.UserID)
			w.obj()
			w.kid("user_id", mu.ID)
			w.ks("email", mu.Email)
			w.ks("first_name", mu.FirstName)
			w.ks("last_name", mu.LastName)
			w.ks("picture", mu.Picture)
			w.ks("external_id", mu.ExternalID)
			w.ks("role", m.Role)
			w.endObj()
		}
		w.endArr()
	}
	if mode != userGoals {
		w.key("is_read_only")
		w.boolean(u.IsReadOnly)
	}
	w.key("profile")
	w.obj()
	w.ks("title", u.Title)
	w.ks("company", u.Company)
	if customAttrs {
		w.key("custom_attributes")
		if u.CustomAttributes == nil {
			w.null()
		} else {
			w.arr()
			for _, a := range u.CustomAttributes {
				w.obj()
				w.kid("id", a.ID)
				w.ks("name", a.Name)
				w.ks("value", a.Value)
				w.endObj()
			}
			w.endArr()
		}
	}
	w.endObj()
	if mode == userOrgMember {
		w.key("org_user_roles")
		if u.OrgUserRoles == "" {
			w.null()
		} else {
			w.str(u.OrgUserRoles)
		}
	}
}

func (s *Server) writeUser(w *jw, u *User, mode userMode, customAttrs bool) {
	w.obj()
	s.writeUserFields(w, u, mode, customAttrs)
	w.endObj()
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

func (s *Server) handleUser(r *http.Request, c caller, out *envelope) *apiError {
	q := r.URL.Query()
	ca := q.Get("custom_attributes") == "1"
	out.key = "user"
	if _, _, err := s.paging(q); err != nil {
		return err
	}
	switch inc := q.Get("include"); inc {
	case "org_members":
		if !c.admin {
			return errInsufficient
		}
		limit, offset, err := s.paging(q)
		if err != nil {
			return err
		}
		lo, hi := window(len(s.org.Users), limit, offset)
		out.total = len(s.org.Users)
		out.w.arr()
		for _, u := range s.org.Users[lo:hi] {
			s.writeUser(&out.w, u, userOrgMember, ca)
		}
		out.w.endArr()
		return nil
	case "team_members":
		seen := map[int64]bool{}
		var us []*User
		for _, t := range s.teamsOf(c.user.ID) {
			for _, m := range t.Members {
				if !seen[m.UserID] {
					seen[m.UserID] = true
					us = append(us, s.org.User(m.UserID))
				}
			}
		}
		sort.Slice(us, func(i, j int) bool { return us[i].ID < us[j].ID })
		out.total = len(us)
		out.w.arr()
		for _, u := range us {
			s.writeUser(&out.w, u, userPlain, ca)
		}
		out.w.endArr()
		return nil
	case "", "org_reports":
		u := c.user
		if v := q.Get("user_id"); v != "" {
			var err *apiError
			if u, err = s.userRef(v, "user_id"); err != nil {
				return err
			}
			if !c.admin && u.ID != c.user.ID {
				return errInsufficient
			}
		}
		out.total = 1
		out.w.obj()
		s.writeUserFields(&out.w, u, userPlain, ca)
		if inc == "org_reports" {
			out.w.key("user_reports_to_me")
			out.w.arr()
			for _, x := range s.org.Users {
				for _, m := range x.Managers {
					if m.UserID == u.ID {
						out.w.obj()
						out.w.kid("user_id", x.ID)
						out.w.ks("org_role", map[string]string{"1": "direct", "2": "dotted"}[m.Role])
						out.w.endObj()
					}
				}
			}
			out.w.endArr()
		}
		out.w.endObj()
		return nil
	default:
		return badRequest("invalid_request", "include must be org_members, team_members or org_reports, got %q.", inc)
	}
}

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

func (s *Server) handleUserByID(r *http.Request, c caller, out *envelope) *apiError {
	u, err := s.pathUser(r, c)
	if err != nil {
		return err
	}
	out.key, out.total = "user", 1
	s.writeUser(&out.w, u, userPlain, r.URL.Query().Get("custom_attributes") == "1")
	return nil
}
