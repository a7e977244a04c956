package wbtest

import "net/http"

// alignmentLevels is how deep GET /goal/{id}/alignment nests: the first node and two levels
// of goal_alignments[] below it.
const alignmentLevels = 3

// handleGoalAlignment serves GET /goal/{id}/alignment (Data-Admin): data.alignment[] holds
// one node, the goal's parent when it is aligned, else the goal itself, with its aligned
// goals nested in goal_alignments[] down to three levels.
func (s *Server) handleGoalAlignment(r *http.Request, c caller) (reply, *apiError) {
	if !c.admin {
		return reply{}, errInsufficient
	}
	g, err := s.goalRef(r.PathValue("id"), "goal_id")
	if err != nil {
		return reply{}, err
	}
	top := g
	if g.ParentID != 0 {
		top = s.org.Goal(g.ParentID)
	}
	return reply{key: "alignment", total: 1, writeValue: func(e *encoder) {
		e.beginArray()
		s.writeAlignmentNode(e, top, alignmentLevels)
		e.endArray()
	}}, nil
}

// writeAlignmentNode writes g as an alignment node (every value a string) with its aligned
// goals down to levels levels (g's included).
func (s *Server) writeAlignmentNode(e *encoder, g *Goal, levels int) {
	e.beginObject()
	e.quotedInt("goal_id", g.ID)
	e.str("goal_name", g.Name)
	e.quotedInt("goal_owner", g.OwnerID)
	e.str("goal_team_name", g.TeamName)
	e.quotedInt("goal_target_date", g.TargetDate)
	e.quotedDecimal("goal_progress", g.Progress)
	e.str("goal_progress_color", g.ProgressColor)
	e.name("goal_alignments")
	e.beginArray()
	if levels > 1 {
		for _, c := range s.org.Goals {
			if c.ParentID == g.ID {
				s.writeAlignmentNode(e, c, levels-1)
			}
		}
	}
	e.endArray()
	e.endObject()
}
