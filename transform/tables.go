package transform

import "github.com/wbexport/wbexport/workboard"

// The appenders below write one row each, column by column in the order of the table's
// definition in schemas/tables.go. Each call names its column; tableBuilder checks the name,
// the type and that the row is complete.

func appendUser(w *tableBuilder, u *workboard.User) {
	w.begin(u.UserID, u.Endpoint)
	w.int64("user_id", u.UserID)
	w.optString("user_name", u.UserName)
	w.optString("email", u.Email)
	w.optString("first_name", u.FirstName)
	w.optString("last_name", u.LastName)
	w.optString("wb_email", u.WBEmail)
	w.optString("cell_num", u.CellNum)
	w.optTime("create_at", u.CreateAt)
	w.optTime("last_visited_at", u.LastVisitedAt)
	w.optString("picture", u.Picture)
	w.optString("time_zone", u.TimeZone)
	w.optString("external_id", u.ExternalID)
	w.optString("created_from", u.CreatedFrom)
	w.optInt64("org_id", u.OrgID)
	w.optString("status", u.Status)
	w.stringList("org_user_roles", u.OrgUserRoles)
	w.optInt64("direct_manager_user_id", directManager(u.Managers))
	w.managerIDs("manager_user_ids", "", u.Managers)
	w.managerIDs("dotted_manager_user_ids", "2", u.Managers)
	w.optBool("is_read_only", u.IsReadOnly)
	w.optString("profile_title", u.ProfileTitle)
	w.optString("profile_company", u.ProfileCompany)
	w.jsonText("custom_attributes", u.CustomAttributesJSON)
	w.lineage(&u.Meta, u.Extra)
}

// directManager returns the first manager with role "1" (direct).
func directManager(ms []workboard.Manager) workboard.Opt[int64] {
	for _, m := range ms {
		if m.Role == "1" {
			return workboard.Some(m.UserID)
		}
	}
	return workboard.Opt[int64]{}
}

func appendTeam(w *tableBuilder, t *workboard.Team) {
	w.begin(t.TeamID, t.Endpoint)
	w.int64("team_id", t.TeamID)
	w.optString("external_id", t.ExternalID)
	w.optInt64("parent_team_id", t.ParentTeamID)
	w.int64List("dotted_team_ids", t.DottedTeamIDs)
	w.optString("team_name", t.TeamName)
	w.optInt64("team_owner", t.TeamOwner)
	w.optString("team_type", t.TeamType)
	w.optString("level", t.Level)
	w.optString("created_from", t.CreatedFrom)
	w.optTime("created_at", t.CreatedAt)
	w.optTime("updated_at", t.UpdatedAt)
	w.optString("team_state", t.TeamState)
	w.lineage(&t.Meta, t.Extra)
}

func appendTeamMember(w *tableBuilder, m *workboard.TeamMember) {
	w.begin(m.TeamID, m.Endpoint)
	w.int64("team_id", m.TeamID)
	w.int64("user_id", m.UserID)
	w.optString("first_name", m.FirstName)
	w.optString("last_name", m.LastName)
	w.optString("email", m.Email)
	w.optString("team_role", m.TeamRole)
	w.lineage(&m.Meta, m.Extra)
}

func appendGoal(w *tableBuilder, g *workboard.Goal) {
	w.begin(g.GoalID, g.Endpoint)
	w.int64("goal_id", g.GoalID)
	w.optString("goal_name", g.GoalName)
	w.optString("goal_narrative", g.GoalNarrative)
	w.idName("goal_type_id", "goal_type_name", g.GoalType)
	w.optInt64("goal_owner", g.GoalOwner)
	w.optString("goal_owner_full_name", g.GoalOwnerFullName)
	w.optTime("goal_create_at", g.GoalCreateAt)
	w.optTime("goal_modified_at", g.GoalModifiedAt)
	w.optInt64("goal_created_by", g.GoalCreatedBy)
	w.optInt64("goal_updated_by", g.GoalUpdatedBy)
	w.optTime("goal_start_date", g.GoalStartDate)
	w.optTime("goal_target_date", g.GoalTargetDate)
	w.optFloat64("goal_progress", g.GoalProgress)
	w.optString("goal_progress_color", g.GoalProgressColor)
	w.optString("goal_status", g.GoalStatus)
	w.stringList("goal_permission", g.GoalPermission)
	w.idList("goal_category_ids", "goal_category", g.GoalCategory)
	w.nameList("goal_category_names", g.GoalCategory)
	w.idList("goal_workstream_ids", "goal_workstreams", g.GoalWorkstreams)
	w.nameList("goal_workstream_names", g.GoalWorkstreams)
	w.optInt64("goal_team_id", g.GoalTeamID)
	w.optString("goal_team_name", g.GoalTeamName)
	w.optInt64("goal_metrics_count", g.GoalMetricsCount)
	w.optInt64("goal_comments_count", g.GoalCommentsCount)
	w.int64List("goal_permission_team_ids", g.GoalPermissionTeamIDs)
	w.jsonText("custom_attributes", g.CustomAttributesJSON)
	w.lineage(&g.Meta, g.Extra)
}

func appendKeyResult(w *tableBuilder, k *workboard.KeyResult) {
	w.begin(k.MetricID, k.Endpoint)
	w.int64("metric_id", k.MetricID)
	w.int64("goal_id", k.GoalID)
	w.optString("metric_name", k.MetricName)
	w.optInt64("metric_owner", k.MetricOwner)
	w.optInt64("metric_real_owner", k.MetricRealOwner)
	w.idName("metric_update_interval_id", "metric_update_interval_name", k.MetricUpdateInterval)
	w.optString("metric_update_interval_day", k.MetricUpdateIntervalDay)
	w.idName("metric_unit_id", "metric_unit_name", k.MetricUnit)
	w.idName("metric_progress_type_id", "metric_progress_type_name", k.MetricProgressType)
	w.idName("metric_counting_type_id", "metric_counting_type_name", k.MetricCountingType)
	w.optFloat64("metric_initial_data", k.MetricInitialData)
	w.optFloat64("metric_target", k.MetricTarget)
	w.optFloat64("metric_achieve_target", k.MetricAchieveTarget)
	w.optFloat64("metric_progress", k.MetricProgress)
	w.optString("metric_progress_color", k.MetricProgressColor)
	w.optTime("metric_create_at", k.MetricCreateAt)
	w.optTime("metric_modified_at", k.MetricModifiedAt)
	w.optInt64("metric_created_by", k.MetricCreatedBy)
	w.optInt64("metric_updated_by", k.MetricUpdatedBy)
	w.optTime("metric_last_update", k.MetricLastUpdate)
	w.optTime("metric_next_update", k.MetricNextUpdate)
	w.optString("metric_source_from", k.MetricSourceFrom)
	w.optString("metric_status", k.MetricStatus)
	w.stringList("metric_permission", k.MetricPermission)
	w.optTime("target_date", k.TargetDate)
	w.optTime("metric_mit_start_date", k.MetricMITStartDate)
	w.optTime("metric_mit_end_date", k.MetricMITEndDate)
	w.int64List("metric_goal_source", k.MetricGoalSource)
	w.jsonText("metric_automation", k.MetricAutomationJSON)
	w.jsonText("child_kr", k.ChildKRJSON)
	w.lineage(&k.Meta, k.Extra)
}

func appendCheckin(w *tableBuilder, c *workboard.Checkin) {
	w.begin(c.MetricDataID, c.Endpoint)
	w.int64("metric_data_id", c.MetricDataID)
	w.int64("metric_id", c.MetricID)
	w.int64("goal_id", c.GoalID)
	w.optTime("metric_data_created_at", c.CreatedAt)
	w.optFloat64("metric_data_value", c.Value)
	w.optTime("metric_data_updated_at", c.UpdatedAt)
	w.optInt64("metric_data_created_by", c.CreatedBy)
	w.optString("metric_data_comment", c.Comment)
	w.lineage(&c.Meta, c.Extra)
}

func appendConfidence(w *tableBuilder, c *workboard.Confidence) {
	w.begin(c.MetricID, c.Endpoint)
	w.int64("metric_id", c.MetricID)
	w.timestamp("modified_at", c.ModifiedAt)
	w.int64("ordinal", c.Ordinal)
	w.int64("goal_id", c.GoalID)
	w.optString("confidence", c.Confidence)
	w.optString("comment", c.Comment)
	w.optInt64("metric_data_id", c.MetricDataID)
	w.lineage(&c.Meta, c.Extra)
}

func appendKRComment(w *tableBuilder, c *workboard.KRComment) {
	w.begin(c.MetricID, c.Endpoint)
	w.int64("metric_id", c.MetricID)
	w.timestamp("modified_at", c.ModifiedAt)
	w.int64("ordinal", c.Ordinal)
	w.int64("goal_id", c.GoalID)
	w.optString("comment", c.Comment)
	w.lineage(&c.Meta, c.Extra)
}

func appendGoalComment(w *tableBuilder, c *workboard.GoalComment) {
	w.begin(c.CommentID, c.Endpoint)
	w.int64("comment_id", c.CommentID)
	w.int64("goal_id", c.GoalID)
	w.optString("comment_text", c.CommentText)
	w.optInt64("comment_owner", c.CommentOwner)
	w.optString("comment_owner_name", c.CommentOwnerName)
	w.optTime("comment_added_at", c.CommentAddedAt)
	w.optTime("comment_last_updated", c.CommentLastUpdated)
	w.lineage(&c.Meta, c.Extra)
}

func appendTag(w *tableBuilder, t *workboard.Tag) {
	w.begin(t.TagID, t.Endpoint)
	w.int64("tag_id", t.TagID)
	w.optString("tag_name", t.TagName)
	w.optString("tag_status", t.TagStatus)
	w.optInt64("group_id", t.GroupID)
	w.optString("group_name", t.GroupName)
	w.optString("group_status", t.GroupStatus)
	w.optTime("created_date", t.CreatedDate)
	w.optInt64("created_by", t.CreatedBy)
	w.optTime("updated_date", t.UpdatedDate)
	w.optInt64("updated_by", t.UpdatedBy)
	w.lineage(&t.Meta, t.Extra)
}

func appendKRTag(w *tableBuilder, t *workboard.KRTag) {
	w.begin(t.MetricID, t.Endpoint)
	w.int64("metric_id", t.MetricID)
	w.int64("tag_id", t.TagID)
	w.optString("metric_name", t.MetricName)
	w.optString("tag_name", t.TagName)
	w.optString("tag_status", t.TagStatus)
	w.optInt64("group_id", t.GroupID)
	w.optString("group_name", t.GroupName)
	w.optString("group_status", t.GroupStatus)
	w.optTime("updated_date", t.UpdatedDate)
	w.optInt64("updated_by", t.UpdatedBy)
	w.lineage(&t.Meta, t.Extra)
}

func appendAlignment(w *tableBuilder, a *workboard.GoalAlignment) {
	w.begin(a.GoalID, a.Endpoint)
	w.int64("goal_id", a.GoalID)
	w.optInt64("parent_goal_id", a.ParentGoalID)
	w.int64("depth", a.Depth)
	w.int64("root_goal_id", a.RootGoalID)
	w.int64List("path_goal_ids", a.PathGoalIDs)
	w.optString("goal_name", a.GoalName)
	w.optInt64("goal_owner", a.GoalOwner)
	w.optString("goal_team_name", a.GoalTeamName)
	w.optTime("goal_target_date", a.GoalTargetDate)
	w.optFloat64("goal_progress", a.GoalProgress)
	w.optString("goal_progress_color", a.GoalProgressColor)
	w.lineage(&a.Meta, a.Extra)
}
