package decode

import (
	"fmt"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/wbexport/wbexport/workboard"
)

// goalWire is a goal as GET /goal sends it, flat or inside a wrapper: the Goal's own fields,
// and what needs a second look.
type goalWire struct {
	workboard.Goal
	GoalID           workboard.Opt[int64] `json:"goal_id"`
	CustomPermission object[struct {      // with include=custom_permission
		TeamIDs []int64        `json:"goal_permission_team_ids"`
		Unknown jsontext.Value `json:",embed"`
	}] `json:"goal_custom_permission"`
	GoalMetrics  list[goalMetricWire] `json:"goal_metrics"` // the key results' current state: ids here, the rest kept whole in Extra
	GoalComments list[commentWire]    `json:"goal_comments"`
	Unknown      jsontext.Value       `json:",embed"`
}

type goalMetricWire struct {
	MetricID workboard.Opt[int64] `json:"metric_id"`
}

type commentWire struct {
	workboard.GoalComment
	CommentID workboard.Opt[int64] `json:"comment_id"`
	Unknown   jsontext.Value       `json:",embed"`
}

func (w *goalWire) check() error       { return required(w.GoalID, "goal_id") }
func (w *goalMetricWire) check() error { return required(w.MetricID, "metric_id") }
func (w *commentWire) check() error    { return required(w.CommentID, "comment_id") }

// add appends the goal and its comments to p; kept are the goal's members kept whole in Extra
// and its wrapper's members.
func (w *goalWire) add(p *Page, kept []item) *workboard.Goal {
	g, perm := w.Goal, w.CustomPermission.V
	g.GoalID, g.GoalTeamID, g.GoalPermissionTeamIDs = w.GoalID.V, nonZero(g.GoalTeamID), perm.TeamIDs // no team: null, "" or "0"
	for _, m := range w.GoalMetrics {
		g.MetricIDs = append(g.MetricIDs, m.MetricID.V)
	}
	g.Extra = extraOf(w.Unknown, "goal_custom_permission.", perm.Unknown, kept...)
	p.Goals = append(p.Goals, g)
	for _, c := range w.GoalComments {
		c.GoalComment.CommentID, c.GoalComment.GoalID, c.Extra = c.CommentID.V, g.GoalID, extraOf(c.Unknown, "", nil)
		p.GoalComments = append(p.GoalComments, c.GoalComment)
	}
	return &p.Goals[len(p.Goals)-1]
}

// goalItem is what an item of data.goal is read as first, to tell its shape: a flat goal (it
// has goal_id), or a wrapper of the goals of one owner (people_goals, with user_id) or of one
// team (team_goals, with team_id and team_name). The three shapes may mix in one page.
type goalItem struct {
	GoalID      jsontext.Value        `json:"goal_id"`
	PeopleGoals jsontext.Value        `json:"people_goals"`
	TeamGoals   jsontext.Value        `json:"team_goals"`
	UserID      workboard.Opt[int64]  `json:"user_id"`
	TeamID      workboard.Opt[int64]  `json:"team_id"`
	TeamName    workboard.Opt[string] `json:"team_name"`
}

// Goals decodes GET /goal in any of its shapes (flat goals, people_goals and team_goals
// wrappers, numeric-keyed objects) into Goal and GoalComment records. A goal without a team or
// owner of its own gets its wrapper's. Goal.MetricIDs holds the ids of its goal_metrics[].
func Goals(body []byte) (*Page, error) {
	env, err := ReadEnvelope(body, "goal")
	if err != nil {
		return nil, inRecord(err, "goal")
	}
	p := &Page{TotalCount: env.TotalCount}
	its, err := resourceItems(env.Resource)
	if err != nil {
		return nil, decodeError("goal", -1, "", "/data/goal", "data.goal", err)
	}
	for i, it := range its {
		if err := p.addGoalItem(i, path("/data/goal", it.name), it.v); err != nil {
			return nil, err
		}
	}
	p.Items = len(p.Goals)
	return p, nil
}

func (p *Page) addGoalItem(i int, at jsontext.Pointer, v jsontext.Value) error {
	field := fmt.Sprintf("data.goal[%d]", i)
	if v.Kind() != '{' {
		return decodeError("goal", -1, "", at, field, badType("an object", v))
	}
	var w goalItem
	if err := unmarshal(v, &w); err != nil {
		return decodeError("goal", -1, "", at, field, err)
	}
	switch {
	case w.PeopleGoals != nil:
		return p.addWrapped(field+".people_goals", at.AppendToken("people_goals"), w.PeopleGoals, wrapperMembers(v, "people_goals"), func(g *workboard.Goal) {
			if !g.GoalOwner.Valid && w.UserID.Valid {
				g.GoalOwner = w.UserID
			}
		})
	case w.TeamGoals != nil:
		return p.addWrapped(field+".team_goals", at.AppendToken("team_goals"), w.TeamGoals, wrapperMembers(v, "team_goals"), func(g *workboard.Goal) {
			if !g.GoalTeamID.Valid && w.TeamID.Valid {
				g.GoalTeamID = w.TeamID
				if !g.GoalTeamName.Valid {
					g.GoalTeamName = w.TeamName
				}
			}
		})
	case w.GoalID != nil:
		var g goalWire
		if err := decodeObject(v, &g); err != nil {
			return decodeError("goal", len(p.Goals), findID(v, "goal_id"), at, "", err)
		}
		g.add(p, keptWhole(v, goalRules()))
		return nil
	}
	return &workboard.DecodeError{Offset: -1, Entity: "goal", Index: i, Field: "goal_id", Path: string(at),
		Msg: "item of data.goal is neither a goal (no goal_id) nor a people_goals/team_goals wrapper"}
}

// addWrapped adds the goals of a wrapper's list, with the wrapper's other members wrap in
// their Extra, and hands each to fill.
func (p *Page) addWrapped(field string, at jsontext.Pointer, list jsontext.Value, wrap []item, fill func(*workboard.Goal)) error {
	its, err := items(list)
	if err != nil {
		return decodeError("goal", -1, "", at, field, err)
	}
	n := len(p.Goals)
	for j, it := range its {
		if it.v.Kind() != '{' {
			return decodeError("goal", -1, "", path(at, it.name), fmt.Sprintf("%s[%d]", field, j), badType("a goal object", it.v))
		}
		var g goalWire
		if err := decodeObject(it.v, &g); err != nil {
			return decodeError("goal", n+j, findID(it.v, "goal_id"), path(at, it.name), "", err)
		}
		fill(g.add(p, append(keptWhole(it.v, goalRules()), wrap...)))
	}
	return nil
}
