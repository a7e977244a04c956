package wbtest

import (
	"net/http"
	"strconv"
)

// UserGoalsCap is how many goals GET /user/{id}/goal returns at most (WorkBoard caps it at 15).
const UserGoalsCap = 15

// handleUserGoals serves GET /user/{id}/goal: the user object with the user's first
// UserGoalsCap goals in a numeric-keyed object {"0":{...},"1":{...},"goals_count":"2"}, or []
// when the user owns none.
func (s *Server) handleUserGoals(r *http.Request, c caller) (reply, *apiError) {
	u, err := s.pathUser(r, c)
	if err != nil {
		return reply{}, err
	}
	var gs []*Goal
	for _, g := range s.org.Goals {
		if g.OwnerID == u.ID && len(gs) < UserGoalsCap {
			gs = append(gs, g)
		}
	}
	return reply{key: "user", total: 1, writeValue: func(e *encoder) {
		e.beginObject()
		s.writeUserFields(e, u, userGoals, false)
		e.name("goal")
		if len(gs) == 0 {
			e.emptyArray()
		} else {
			e.beginObject()
			for i, g := range gs {
				e.name(strconv.Itoa(i))
				s.writeGoal(e, g, goalUser, goalOpts{})
			}
			e.quotedInt("goals_count", int64(len(gs)))
			e.endObject()
		}
		e.quotedInt("goal_count", int64(len(gs)))
		e.endObject()
	}}, nil
}

// handleUserGoal serves GET /user/{id}/goal/{gid}: the user object with the goal, or with []
// when the user does not own it.
func (s *Server) handleUserGoal(r *http.Request, c caller) (reply, *apiError) {
	u, err := s.pathUser(r, c)
	if err != nil {
		return reply{}, err
	}
	g, err := s.goalRef(r.PathValue("gid"), "goal id")
	if err != nil {
		return reply{}, err
	}
	owned := g.OwnerID == u.ID
	return reply{key: "user", total: 1, writeValue: func(e *encoder) {
		e.beginObject()
		s.writeUserFields(e, u, userGoals, false)
		e.name("goal")
		n := 0
		if owned {
			s.writeGoal(e, g, goalUser, goalOpts{})
			n = 1
		} else {
			e.emptyArray()
		}
		e.quotedInt("goal_count", int64(n))
		e.endObject()
	}}, nil
}
