package wbtest

import (
	"net/http"
	"strconv"
)

// UserGoalsCap is how many goals GET /user/{id}/goal returns at most (WorkBoard caps it at 15).
const UserGoalsCap = 15

func (s *Server) handleUserGoals(r *http.Request, c caller, out *envelope) *apiError {
	u, err := s.pathUser(r, c)
	if err != nil {
		return err
	}
	var gs []*Goal
	for _, g := range s.org.Goals {
		if g.OwnerID == u.ID && len(gs) < UserGoalsCap {
			gs = append(gs, g)
		}
	}
	out.key, out.total = "user", 1
	w := &out.w
	w.obj()
	s.writeUserFields(w, u, userGoals, false)
	w.key("goal")
	if len(gs) == 0 {
		w.arr()
		w.endArr()
	} else {
		w.obj()
		for i, g := range gs {
			w.key(strconv.Itoa(i))
			s.writeGoal(w, g, goalUser, goalOpts{})
		}
		w.ks("goals_count", strconv.Itoa(len(gs)))
		w.endObj()
	}
	w.ks("goal_count", strconv.Itoa(len(gs)))
	w.endObj()
	return nil
}

func (s *Server) handleUserGoal(r *http.Request, c caller, out *envelope) *apiError {
	u, err := s.pathUser(r, c)
	if err != nil {
		return err
	}
	gid, err := parseID(r.PathValue("gid"), "goal id")
	if err != nil {
		return err
	}
	g := s.goalByID(gid)
	if g == nil {
		return badRequest("invalid_resource_id", "goal %d does not exist.", gid)
	}
	out.key, out.total = "user", 1
	w := &out.w
	w.obj()
	s.writeUserFields(w, u, userGoals, false)
	w.key("goal")
	n := 0
	if g.OwnerID == u.ID {
		s.writeGoal(w, g, goalUser, goalOpts{})
		n = 1
	} else {
		w.arr()
		w.endArr()
	}
	w.ks("goal_count", strconv.Itoa(n))
	w.endObj()
	return nil
}
