package wbtest

import (
	"net/url"
	"strconv"
	"strings"
)

// goalForm selects the members of a goal object, which differ per endpoint.
type goalForm int

const (
	goalList   goalForm = iota // GET /goal lists: goal_workstreams, goal_metrics_count
	goalSingle                 // GET /goal/{id}, /goal?id=: plus last_metric_comment per KR
	goalUser                   // /user/{id}/goal: no goal_workstreams / goal_metrics_count
)

// goalOpts are the query options that change a goal object.
type goalOpts struct {
	customAttrs bool  // custom_attributes=1
	customPerm  bool  // include=custom_permission
	onlyKR      int64 // /goal/{gid}/metric/{mid}: narrow goal_metrics to that KR
}

// goalOptsOf reads the goal options of a query.
func goalOptsOf(q url.Values) goalOpts {
	return goalOpts{customAttrs: q.Get("custom_attributes") == "1", customPerm: q.Get("include") == "custom_permission"}
}

// writeGoal writes a goal object in the given form.
func (s *Server) writeGoal(e *encoder, g *Goal, form goalForm, o goalOpts) {
	e.beginObject()
	e.quotedInt("goal_id", g.ID)
	e.str("goal_name", g.Name)
	e.str("goal_narrative", g.Narrative)
	e.idName("goal_type", g.Type)
	e.quotedInt("goal_owner", g.OwnerID)
	e.quotedInt("goal_create_at", g.CreateAt)
	e.quotedInt("goal_modified_at", g.ModifiedAt)
	e.quotedInt("goal_created_by", g.CreatedBy)
	e.quotedInt("goal_updated_by", g.UpdatedBy)
	e.quotedInt("goal_start_date", g.StartDate)
	e.quotedInt("goal_target_date", g.TargetDate)
	e.quotedDecimal("goal_progress", g.Progress)
	e.str("goal_progress_color", g.ProgressColor)
	e.str("goal_status", g.Status)
	e.str("goal_permission", g.Permission)
	writeIDNames(e, "goal_category", g.Categories)
	if form != goalUser {
		writeIDNames(e, "goal_workstreams", g.Workstreams)
	}
	e.str("goal_owner_full_name", g.OwnerFullName)
	if g.TeamID == 0 {
		e.name("goal_team_id")
		e.nullValue()
		e.name("goal_team_name")
		e.nullValue()
	} else {
		e.quotedInt("goal_team_id", g.TeamID)
		e.str("goal_team_name", g.TeamName)
	}
	s.writeGoalMetrics(e, g, form, o.onlyKR)
	writeGoalComments(e, g.Comments)
	for _, f := range g.Extra {
		e.name(f.Name)
		e.rawValue(f.Value)
	}
	if o.customAttrs && form != goalUser {
		writeGoalAttributes(e, g.CustomAttributes)
	}
	if o.customPerm && form != goalUser {
		writeGoalPermission(e, g.PermissionTeamIDs)
	}
	e.endObject()
}

// writeIDNames writes the member n as an array of {"id", "name"} objects.
func writeIDNames(e *encoder, n string, vs []IDName) {
	e.name(n)
	e.beginArray()
	for _, v := range vs {
		e.idNameValue(v)
	}
	e.endArray()
}

// writeGoalMetrics writes goal_metrics[] (only the key result onlyKR when it is not 0) and,
// except in the user form, goal_metrics_count.
func (s *Server) writeGoalMetrics(e *encoder, g *Goal, form goalForm, onlyKR int64) {
	e.name("goal_metrics")
	e.beginArray()
	n := 0
	for _, k := range g.KeyResults {
		if onlyKR != 0 && k.ID != onlyKR {
			continue
		}
		n++
		s.writeGoalMetric(e, k, form == goalSingle)
	}
	e.endArray()
	if form != goalUser {
		e.quotedInt("goal_metrics_count", int64(n))
	}
}

// writeGoalComments writes goal_comments[] and goal_comments_count.
func writeGoalComments(e *encoder, cs []GoalComment) {
	e.name("goal_comments")
	e.beginArray()
	for _, c := range cs {
		e.beginObject()
		e.quotedInt("comment_id", c.ID)
		e.str("comment_text", c.Text)
		e.quotedInt("comment_owner", c.OwnerID)
		e.str("comment_owner_name", c.OwnerName)
		e.quotedInt("comment_added_at", c.AddedAt)
		e.quotedInt("comment_last_updated", c.LastUpdated)
		e.endObject()
	}
	e.endArray()
	e.quotedInt("goal_comments_count", int64(len(cs)))
}

// writeGoalAttributes writes custom_attributes (null when the goal has none).
func writeGoalAttributes(e *encoder, as []GoalAttribute) {
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
		e.str("status", a.Status)
		e.endObject()
	}
	e.endArray()
}

// writeGoalPermission writes goal_custom_permission, whose team ids are one comma-separated
// string.
func writeGoalPermission(e *encoder, teamIDs []int64) {
	ids := make([]string, len(teamIDs))
	for i, id := range teamIDs {
		ids[i] = strconv.FormatInt(id, 10)
	}
	e.name("goal_custom_permission")
	e.beginObject()
	e.str("goal_permission_team_ids", strings.Join(ids, ","))
	e.endObject()
}
