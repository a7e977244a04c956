package decode

import (
	"fmt"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/wbexport/wbexport/workboard"
)

// goalWire is a goal as GET /goal sends it, flat or inside a wrapper.
type goalWire struct {
	GoalID            id                     `json:"goal_id"`
	GoalName          str                    `json:"goal_name"`
	GoalNarrative     str                    `json:"goal_narrative"`
	GoalType          idName                 `json:"goal_type"`
	GoalOwner         id                     `json:"goal_owner"`
	GoalOwnerFullName str                    `json:"goal_owner_full_name"`
	GoalCreateAt      epoch                  `json:"goal_create_at"`
	GoalModifiedAt    epoch                  `json:"goal_modified_at"`
	GoalCreatedBy     id                     `json:"goal_created_by"`
	GoalUpdatedBy     id                     `json:"goal_updated_by"`
	GoalStartDate     epoch                  `json:"goal_start_date"`
	GoalTargetDate    epoch                  `json:"goal_target_date"`
	GoalProgress      num                    `json:"goal_progress"`
	GoalProgressColor str                    `json:"goal_progress_color"`
	GoalStatus        str                    `json:"goal_status"`
	GoalPermission    csv                    `json:"goal_permission"`
	GoalCategory      idList                 `json:"goal_category"`
	GoalWorkstreams   idList                 `json:"goal_workstreams"`
	GoalTeamID        id                     `json:"goal_team_id"` // null, "" or "0" for a personal goal
	GoalTeamName      str                    `json:"goal_team_name"`
	GoalMetricsCount  id                     `json:"goal_metrics_count"`
	GoalCommentsCount id                     `json:"goal_comments_count"`
	CustomPermission  object[permissionWire] `json:"goal_custom_permission"` // with include=custom_permission
	CustomAttributes  raw                    `json:"custom_attributes"`      // with custom_attributes=1
	GoalMetrics       list[goalMetricWire]   `json:"goal_metrics"`
	GoalComments      list[commentWire]      `json:"goal_comments"`
	Extra             jsontext.Value         `json:",embed"`
}

type permissionWire struct {
	TeamIDs ids            `json:"goal_permission_team_ids"`
	Extra   jsontext.Value `json:",embed"`
}

// goalMetricWire is one entry of goal_metrics[]: the key result's current state, of which
// only the id is used (key results come from /metric).
type goalMetricWire struct {
	MetricID id `json:"metric_id"`
}

type commentWire struct {
	CommentID          id             `json:"comment_id"`
	CommentText        str            `json:"comment_text"`
	CommentOwner       id             `json:"comment_owner"`
	CommentOwnerName   str            `json:"comment_owner_name"`
	CommentAddedAt     epoch          `json:"comment_added_at"`
	CommentLastUpdated epoch          `json:"comment_last_updated"`
	Extra              jsontext.Value `json:",embed"`
}

func (w *goalWire) check() error {
	if !w.GoalID.Valid {
		return missing("goal_id", "missing")
	}
	return nil
}

func (w *goalMetricWire) check() error {
	if !w.MetricID.Valid {
		return missing("metric_id", "missing")
	}
	return nil
}

func (w *commentWire) check() error {
	if !w.CommentID.Valid {
		return missing("comment_id", "missing")
	}
	return nil
}

// add appends the goal and its comments to p.
func (w *goalWire) add(p *Page) *workboard.Goal {
	var metricIDs []int64
	for _, m := range w.GoalMetrics {
		metricIDs = append(metricIDs, m.MetricID.V)
	}
	var ex extra
	ex.add("", w.Extra)
	ex.add("goal_custom_permission.", w.CustomPermission.V.Extra)
	p.Goals = append(p.Goals, workboard.Goal{
		GoalID: w.GoalID.V, GoalName: w.GoalName.Opt, GoalNarrative: w.GoalNarrative.Opt, GoalType: w.GoalType.Opt,
		GoalOwner: w.GoalOwner.Opt, GoalOwnerFullName: w.GoalOwnerFullName.Opt, GoalCreateAt: w.GoalCreateAt.Opt,
		GoalModifiedAt: w.GoalModifiedAt.Opt, GoalCreatedBy: w.GoalCreatedBy.Opt, GoalUpdatedBy: w.GoalUpdatedBy.Opt,
		GoalStartDate: w.GoalStartDate.Opt, GoalTargetDate: w.GoalTargetDate.Opt, GoalProgress: w.GoalProgress.Opt,
		GoalProgressColor: w.GoalProgressColor.Opt, GoalStatus: w.GoalStatus.Opt, GoalPermission: w.GoalPermission,
		GoalCategory: w.GoalCategory, GoalWorkstreams: w.GoalWorkstreams, GoalTeamID: nonZero(w.GoalTeamID),
		GoalTeamName: w.GoalTeamName.Opt, GoalMetricsCount: w.GoalMetricsCount.Opt,
		GoalCommentsCount: w.GoalCommentsCount.Opt, GoalPermissionTeamIDs: w.CustomPermission.V.TeamIDs,
		CustomAttributesJSON: []byte(w.CustomAttributes), MetricIDs: metricIDs, Extra: ex.build(),
	})
	for _, c := range w.GoalComments {
		p.GoalComments = append(p.GoalComments, workboard.GoalComment{
			CommentID: c.CommentID.V, GoalID: w.GoalID.V, CommentText: c.CommentText.Opt,
			CommentOwner: c.CommentOwner.Opt, CommentOwnerName: c.CommentOwnerName.Opt,
			CommentAddedAt: c.CommentAddedAt.Opt, CommentLastUpdated: c.CommentLastUpdated.Opt,
			Extra: extraOf(c.Extra),
		})
	}
	return &p.Goals[len(p.Goals)-1]
}

// goalItem is what an item of data.goal is read as first, to tell its shape: a flat goal (it
// has goal_id), or a wrapper of the goals of one owner (people_goals, with user_id) or of one
// team (team_goals, with team_id and team_name). The three shapes may mix in one page.
type goalItem struct {
	GoalID      jsontext.Value `json:"goal_id"`
	PeopleGoals jsontext.Value `json:"people_goals"`
	TeamGoals   jsontext.Value `json:"team_goals"`
	UserID      id             `json:"user_id"`
	TeamID      id             `json:"team_id"`
	TeamName    str            `json:"team_name"`
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
	its, err := items(env.Resource)
	if err != nil {
		return nil, goalsError("data.goal", "/data/goal", err)
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
		return goalsError(field, at, badType("an object", v))
	}
	var w goalItem
	if err := unmarshal(v, &w); err != nil {
		return goalsError(field, at, err)
	}
	switch {
	case w.PeopleGoals != nil:
		return p.addWrapped(field+".people_goals", at.AppendToken("people_goals"), w.PeopleGoals, func(g *workboard.Goal) {
			if !g.GoalOwner.Valid && w.UserID.Valid {
				g.GoalOwner = w.UserID.Opt
			}
		})
	case w.TeamGoals != nil:
		return p.addWrapped(field+".team_goals", at.AppendToken("team_goals"), w.TeamGoals, func(g *workboard.Goal) {
			if !g.GoalTeamID.Valid && w.TeamID.Valid {
				g.GoalTeamID = w.TeamID.Opt
				if !g.GoalTeamName.Valid {
					g.GoalTeamName = w.TeamName.Opt
				}
			}
		})
	case w.GoalID != nil:
		var g goalWire
		if err := decodeObject(v, &g); err != nil {
			return recordError("goal", len(p.Goals), findID(v, "goal_id"), at, err)
		}
		g.add(p)
		return nil
	}
	return &workboard.DecodeError{Offset: -1, Entity: "goal", Index: i, Field: "goal_id", Path: string(at),
		Msg: "item of data.goal is neither a goal (no goal_id) nor a people_goals/team_goals wrapper"}
}

// addWrapped adds the goals of a wrapper's list and hands each to fill.
func (p *Page) addWrapped(field string, at jsontext.Pointer, list jsontext.Value, fill func(*workboard.Goal)) error {
	its, err := items(list)
	if err != nil {
		return goalsError(field, at, err)
	}
	n := len(p.Goals)
	for j, it := range its {
		if it.v.Kind() != '{' {
			return goalsError(fmt.Sprintf("%s[%d]", field, j), path(at, it.name), badType("a goal object", it.v))
		}
		var g goalWire
		if err := decodeObject(it.v, &g); err != nil {
			return recordError("goal", n+j, findID(it.v, "goal_id"), path(at, it.name), err)
		}
		fill(g.add(p))
	}
	return nil
}

// goalsError is err in the item or wrapper named field (data.goal[2].team_goals), outside any
// one goal.
func goalsError(field string, at jsontext.Pointer, err error) error {
	ptr, msg := where(err)
	if f := fieldName(ptr); f != "" {
		field += "." + f
	}
	return &workboard.DecodeError{Offset: -1, Entity: "goal", Index: -1, Field: field, Path: string(at + ptr), Msg: msg}
}
