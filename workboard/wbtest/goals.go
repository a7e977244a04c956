package wbtest

import (
	"net/http"
	"net/url"
	"strings"
)

// handleGoal serves GET /goal: one goal with ?id=, else a page of goals filtered by
// ?goal_status= and by ?team_id= or ?goal_owner_id= (an ordinary token sees only its user's
// goals), grouped in people_goals or team_goals wrappers, or flat with WithFlatGoals.
func (s *Server) handleGoal(r *http.Request, c caller) (reply, *apiError) {
	q := r.URL.Query()
	opts := goalOptsOf(q)
	limit, offset, err := s.paging(q)
	if err != nil {
		return reply{}, err
	}
	if v := q.Get("id"); v != "" {
		g, err := s.goalRef(v, "id")
		if err != nil {
			return reply{}, err
		}
		return reply{key: "goal", total: 1, writeValue: func(e *encoder) { s.writeGoal(e, g, goalSingle, opts) }}, nil
	}
	keep, team, err := s.goalFilter(q, c)
	if err != nil {
		return reply{}, err
	}
	page, total := s.goalPage(keep, limit, offset)
	goals := make([][]byte, len(page))
	for i, g := range page {
		goals[i] = s.listGoal(g, opts)
	}
	return reply{key: "goal", total: total, writeValue: func(e *encoder) {
		switch {
		case s.cfg.flatGoals:
			writeGoalsFlat(e, goals)
		case team != nil:
			s.writeTeamGoals(e, team, goals)
		default:
			s.writePeopleGoals(e, page, goals)
		}
	}}, nil
}

// goalFilter is the set of goals a GET /goal listing pages through, as a predicate, and the
// team of ?team_id= (nil without it).
func (s *Server) goalFilter(q url.Values, c caller) (keep func(*Goal) bool, team *Team, err *apiError) {
	gs := q.Get("goal_status")
	if !q.Has("goal_status") {
		gs = s.cfg.defaultGoalStatus
	}
	status, err := parseGoalStatus(gs)
	if err != nil {
		return nil, nil, err
	}
	if v := q.Get("team_id"); v != "" {
		id, err := parseID(v, "team_id")
		if err != nil {
			return nil, nil, err
		}
		if team = s.org.Team(id); team == nil {
			return nil, nil, badRequest("invalid_resource_id", "team %d does not exist.", id)
		}
		return func(g *Goal) bool { return status[g.Status] && g.TeamID == team.ID }, team, nil
	}
	if v := q.Get("goal_owner_id"); v != "" {
		u, err := s.userRef(v, "goal_owner_id")
		if err != nil {
			return nil, nil, err
		}
		return func(g *Goal) bool { return status[g.Status] && g.OwnerID == u.ID }, nil, nil
	}
	return func(g *Goal) bool { return status[g.Status] && (c.admin || g.OwnerID == c.user.ID) }, nil, nil
}

// parseGoalStatus parses goal_status ("1", "2" or "1,2") into a set of statuses.
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

// writeGoalsFlat writes a page of list-form goals as a plain array (WithFlatGoals).
func writeGoalsFlat(e *encoder, goals [][]byte) {
	e.beginArray()
	for _, g := range goals {
		e.encodedValue(g)
	}
	e.endArray()
}

// writeTeamGoals writes a ?team_id= page: one team_goals wrapper, or [] when the page is
// empty. The wrapper's team_id is a JSON number, unlike every other id.
func (s *Server) writeTeamGoals(e *encoder, team *Team, goals [][]byte) {
	e.beginArray()
	if len(goals) > 0 {
		owner := s.org.User(team.OwnerID)
		e.beginObject()
		e.name("team_id")
		e.intValue(team.ID)
		e.str("team_name", team.Name)
		e.quotedInt("team_owner_id", owner.ID)
		e.str("team_owner_email", owner.Email)
		e.name("team_goals")
		e.beginArray()
		for _, g := range goals {
			e.encodedValue(g)
		}
		e.endArray()
		e.endObject()
	}
	e.endArray()
}

// writePeopleGoals writes a page as people_goals wrappers, one per run of goals of the same
// owner; goals[i] is the list form of page[i].
func (s *Server) writePeopleGoals(e *encoder, page []*Goal, goals [][]byte) {
	e.beginArray()
	for i := 0; i < len(page); {
		u := s.org.User(page[i].OwnerID)
		e.beginObject()
		e.quotedInt("user_id", u.ID)
		e.str("user_email", u.Email)
		e.str("user_first_name", u.FirstName)
		e.str("user_last_name", u.LastName)
		e.name("people_goals")
		e.beginArray()
		for ; i < len(page) && page[i].OwnerID == u.ID; i++ {
			e.encodedValue(goals[i])
		}
		e.endArray()
		e.endObject()
	}
	e.endArray()
}

// handleGoalByID serves GET /goal/{id} and GET /goal/{id}/metric/{mid} (goal_metrics narrowed
// to that key result).
func (s *Server) handleGoalByID(r *http.Request, c caller) (reply, *apiError) {
	g, err := s.goalRef(r.PathValue("id"), "goal id")
	if err != nil {
		return reply{}, err
	}
	opts := goalOptsOf(r.URL.Query())
	if v := r.PathValue("mid"); v != "" {
		mid, err := parseID(v, "metric id")
		if err != nil {
			return reply{}, err
		}
		if k := s.org.KeyResult(mid); k == nil || k.GoalID != g.ID {
			return reply{}, badRequest("invalid_resource_id", "metric %d does not exist in goal %d.", mid, g.ID)
		}
		opts.onlyKR = mid
	}
	return reply{key: "goal", total: 1, writeValue: func(e *encoder) { s.writeGoal(e, g, goalSingle, opts) }}, nil
}

// goalRef resolves the goal id v (what names it in errors); goals that appear with
// WithGoalDrift count.
func (s *Server) goalRef(v, what string) (*Goal, *apiError) {
	id, err := parseID(v, what)
	if err != nil {
		return nil, err
	}
	g := s.goalByID(id)
	if g == nil {
		return nil, badRequest("invalid_resource_id", "goal %d does not exist.", id)
	}
	return g, nil
}

// goalByID returns the goal with that id, a goal of WithGoalDrift included, or nil.
func (s *Server) goalByID(id int64) *Goal {
	if g := s.org.Goal(id); g != nil {
		return g
	}
	return s.driftByID[id]
}
