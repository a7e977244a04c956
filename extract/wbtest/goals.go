package wbtest

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

type goalForm int

const (
	goalList   goalForm = iota // GET /goal lists: goal_workstreams, goal_metrics_count
	goalSingle                 // GET /goal/{id}, /goal?id=: plus last_metric_comment per KR
	goalUser                   // /user/{id}/goal: no goal_workstreams / goal_metrics_count
)

type goalOpts struct {
	customAttrs bool  // custom_attributes=1
	customPerm  bool  // include=custom_permission
	onlyKR      int64 // /goal/{gid}/metric/{mid}: narrow goal_metrics to that KR
}

func (s *Server) writeGoal(w *jw, g *Goal, form goalForm, o goalOpts) {
	w.obj()
	w.kid("goal_id", g.ID)
	w.ks("goal_name", g.Name)
	w.ks("goal_narrative", g.Narrative)
	w.kidName("goal_type", g.Type)
	w.kid("goal_owner", g.OwnerID)
	w.kid("goal_create_at", g.CreateAt)
	w.kid("goal_modified_at", g.ModifiedAt)
	w.kid("goal_created_by", g.CreatedBy)
	w.kid("goal_updated_by", g.UpdatedBy)
	w.kid("goal_start_date", g.StartDate)
	w.kid("goal_target_date", g.TargetDate)
	w.knum("goal_progress", g.Progress)
	w.ks("goal_progress_color", g.ProgressColor)
	w.ks("goal_status", g.Status)
	w.ks("goal_permission", g.Permission)
	w.key("goal_category")
	w.arr()
	for _, c := range g.Categories {
		w.obj()
		w.ks("id", c.ID)
		w.ks("name", c.Name)
		w.endObj()
	}
	w.endArr()
	if form != goalUser {
		w.key("goal_workstreams")
		w.arr()
		for _, c := range g.Workstreams {
			w.obj()
			w.ks("id", c.ID)
			w.ks("name", c.Name)
			w.endObj()
		}
		w.endArr()
	}
	w.ks("goal_owner_full_name", g.OwnerFullName)
	if g.TeamID == 0 {
		w.key("goal_team_id")
		w.null()
		w.key("goal_team_name")
		w.null()
	} else {
		w.kid("goal_team_id", g.TeamID)
		w.ks("goal_team_name", g.TeamName)
	}
	w.key("goal_metrics")
	w.arr()
	n := 0
	for _, k := range g.KeyResults {
		if o.onlyKR != 0 && k.ID != o.onlyKR {
			continue
		}
		n++
		s.writeGoalMetric(w, k, form == goalSingle)
	}
	w.endArr()
	if form != goalUser {
		w.ks("goal_metrics_count", strconv.Itoa(n))
	}
	w.key("goal_comments")
	w.arr()
	for _, c := range g.Comments {
		w.obj()
		w.kid("comment_id", c.ID)
		w.ks("comment_text", c.Text)
		w.kid("comment_owner", c.OwnerID)
		w.ks("comment_owner_name", c.OwnerName)
		w.kid("comment_added_at", c.AddedAt)
		w.kid("comment_last_updated", c.LastUpdated)
		w.endObj()
	}
	w.endArr()
	w.ks("goal_comments_count", strconv.Itoa(len(g.Comments)))
	for _, f := range g.Extra {
		w.key(f.Name)
		w.raw(f.Value)
	}
	if o.customAttrs && form != goalUser {
		w.key("custom_attributes")
		if g.CustomAttributes == nil {
			w.null()
		} else {
			w.arr()
			for _, a := range g.CustomAttributes {
				w.obj()
				w.kid("id", a.ID)
				w.ks("name", a.Name)
				w.ks("value", a.Value)
				w.ks("status", a.Status)
				w.endObj()
			}
			w.endArr()
		}
	}
	if o.customPerm && form != goalUser {
		w.key("goal_custom_permission")
		w.obj()
		ids := make([]string, len(g.PermissionTeamIDs))
		for i, id := range g.PermissionTeamIDs {
			ids[i] = itoa(id)
		}
		w.ks("goal_permission_team_ids", strings.Join(ids, ","))
		w.endObj()
	}
	w.endObj()
}

func (s *Server) goalByID(id int64) *Goal {
	if g := s.org.Goal(id); g != nil {
		return g
	}
	return s.driftByID[id]
}

func parseGoalStatus(v string) (map[string]bool, *apiError) {
	set := map[string]bool{}
	for _, p := range strings.Split(v, ",") {
		p = strings.TrimSpace(p)
		if p != "1" && p != "2" {
			return nil, badRequest("invalid_request", "goal_status must be 1, 2 or 1,2, got %q.", v)
		}
		set[p] = true
	}
	return set, nil
}

func goalOptsOf(q url.Values) goalOpts {
	return goalOpts{customAttrs: q.Get("custom_attributes") == "1", customPerm: q.Get("include") == "custom_permission"}
}

func (s *Server) handleGoal(r *http.Request, c caller, out *envelope) *apiError {
	q := r.URL.Query()
	out.key = "goal"
	opts := goalOptsOf(q)
	if _, _, err := s.paging(q); err != nil {
		return err
	}
	if v := q.Get("id"); v != "" {
		id, err := parseID(v, "id")
		if err != nil {
			return err
		}
		g := s.goalByID(id)
		if g == nil {
			return badRequest("invalid_resource_id", "goal %d does not exist.", id)
		}
		out.total = 1
		s.writeGoal(&out.w, g, goalSingle, opts)
		return nil
	}
	gs := q.Get("goal_status")
	if !q.Has("goal_status") {
		gs = s.cfg.defaultGoalStatus
	}
	status, err := parseGoalStatus(gs)
	if err != nil {
		return err
	}
	limit, offset, err := s.paging(q)
	if err != nil {
		return err
	}
	var team *Team
	pred := func(g *Goal) bool { return status[g.Status] && (c.admin || g.OwnerID == c.user.ID) }
	if v := q.Get("team_id"); v != "" {
		id, err := parseID(v, "team_id")
		if err != nil {
			return err
		}
		if team = s.org.Team(id); team == nil {
			return badRequest("invalid_resource_id", "team %d does not exist.", id)
		}
		pred = func(g *Goal) bool { return status[g.Status] && g.TeamID == team.ID }
	} else if v := q.Get("goal_owner_id"); v != "" {
		u, err := s.userRef(v, "goal_owner_id")
		if err != nil {
			return err
		}
		pred = func(g *Goal) bool { return status[g.Status] && g.OwnerID == u.ID }
	}
	page, total := s.goalPage(pred, limit, offset)
	out.total = total
	w := &out.w
	size := 0
	for _, g := range page {
		size += len(s.listGoal(g, opts)) + 160 // room for wrappers
	}
	w.b = make([]byte, 0, size+16)
	w.arr()
	switch {
	case s.cfg.flatGoals:
		for _, g := range page {
			w.raw(s.listGoal(g, opts))
		}
	case team != nil:
		if len(page) > 0 {
			owner := s.org.User(team.OwnerID)
			w.obj()
			w.key("team_id")
			w.int(team.ID)
			w.ks("team_name", team.Name)
			w.kid("team_owner_id", owner.ID)
			w.ks("team_owner_email", owner.Email)
			w.key("team_goals")
			w.arr()
			for _, g := range page {
				w.raw(s.listGoal(g, opts))
			}
			w.endArr()
			w.endObj()
		}
	default:
		for i := 0; i < len(page); {
			u := s.org.User(page[i].OwnerID)
			w.obj()
			w.kid("user_id", u.ID)
			w.ks("user_email", u.Email)
			w.ks("user_first_name", u.FirstName)
			w.ks("user_last_name", u.LastName)
			w.key("people_goals")
			w.arr()
			for ; i < len(page) && page[i].OwnerID == u.ID; i++ {
				w.raw(s.listGoal(page[i], opts))
			}
			w.endArr()
			w.endObj()
		}
	}
	w.endArr()
	return nil
}

func (s *Server) handleGoalByID(r *http.Request, c caller, out *envelope) *apiError {
	id, err := parseID(r.PathValue("id"), "goal id")
	if err != nil {
		return err
	}
	g := s.goalByID(id)
	if g == nil {
		return badRequest("invalid_resource_id", "goal %d does not exist.", id)
	}
	opts := goalOptsOf(r.URL.Query())
	if v := r.PathValue("mid"); v != "" {
		mid, err := parseID(v, "metric id")
		if err != nil {
			return err
		}
		if k := s.org.KeyResult(mid); k == nil || k.GoalID != g.ID {
			return badRequest("invalid_resource_id", "metric %d does not exist in goal %d.", mid, g.ID)
		}
		opts.onlyKR = mid
	}
	out.key, out.total = "goal", 1
	s.writeGoal(&out.w, g, goalSingle, opts)
	return nil
}
