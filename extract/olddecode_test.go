package extract

// This file keeps the previous decoder (a hand-written scanner that re-scans nested values
// once per depth level) as a differential oracle for the streaming decoder in decode.go:
// FuzzDecodeDiff and TestDecodeDiffCorpus feed both the same bodies and require the same
// records and the same errors on every well-formed body. It is test code only; the binary
// ships one decoder.

import (
	"fmt"
	"time"
)

// oldDecodeEnvelope decodes the frame of a v1 response body and picks out data.<key>. It returns
// a *DecodeError for non-JSON or malformed frames, and an *APIError (HTTPStatus 0) when the
// body says "success": false. It is a pure function over bytes.
func oldDecodeEnvelope(body []byte, key string) (*Envelope, error) {
	env := &Envelope{}
	b := trimValue(body)
	if kind(b) != '{' {
		return nil, &DecodeError{Offset: -1, Index: -1, Msg: "expected a JSON object, got " + describeRaw(b)}
	}
	end, err := objectEachEnd(b, func(k, v []byte) error {
		switch string(k) {
		case "success":
			o, err := pBool("success", v)
			env.Success = o
			return err
		case "message":
			if kind(v) == '"' {
				s, _ := unquote(v)
				env.Message = s
			}
		case "error":
			s, err := pStr("error", v)
			env.Code = s.V
			return err
		case "error_description":
			s, _ := pStr("error_description", v)
			env.Desc = s.V
		case "data":
			env.Data = v
		}
		return nil
	})
	if err == nil && end < len(b) {
		// b is trimmed: anything after the object is not JSON (the body is not checked with
		// json.Valid before decoding)
		err = fmt.Errorf("invalid character %q after the top-level object (offset %d)", b[end], end)
	}
	if err != nil {
		return nil, decodeErr("", -1, "", err)
	}
	if env.Success.Valid && !env.Success.V {
		code := env.Code
		if code == "" {
			code = env.Message
		}
		return env, &APIError{Offset: -1, Code: code, Description: env.Desc}
	}
	if env.Code != "" && !env.Success.Valid {
		return env, &APIError{Offset: -1, Code: env.Code, Description: env.Desc}
	}
	if env.Data == nil {
		return nil, &DecodeError{Offset: -1, Index: -1, Field: "data", Msg: "response has no data object"}
	}
	switch kind(env.Data) {
	case '{':
	case '[':
		if isEmptyArray(env.Data) { // PHP empty array for "no data"
			return env, nil
		}
		fallthrough
	default:
		return nil, &DecodeError{Offset: -1, Index: -1, Field: "data", Msg: "want an object, got " + describeRaw(env.Data)}
	}
	err = objectEach(env.Data, func(k, v []byte) error {
		switch string(k) {
		case "totalCount":
			o, err := pCount("data.totalCount", v)
			if err != nil {
				return err
			}
			if o.Valid && o.V < 0 {
				return &fieldError{Field: "data.totalCount", Msg: fmt.Sprintf("negative totalCount %d", o.V)}
			}
			env.TotalCount = o
		case key:
			env.Resource = v
		}
		return nil
	})
	if err != nil {
		return nil, decodeErr("", -1, "", err)
	}
	return env, nil
}

// oldDecodeUsersPage decodes GET /user (object or array forms) into User records.
func oldDecodeUsersPage(body []byte) (*Page, error) {
	env, err := oldDecodeEnvelope(body, "user")
	if err != nil {
		return nil, err
	}
	p := &Page{TotalCount: env.TotalCount}
	var ex extraBuf
	err = eachItem(env.Resource, func(i int, item []byte) error {
		u, err := oldDecodeUser(item, &ex)
		if err == nil {
			err = ex.takeErr()
		}
		if err != nil {
			return decodeErr("user", i, findID(item, "user_id"), err)
		}
		p.Users = append(p.Users, u)
		return nil
	})
	if err != nil {
		return nil, decodeErr("user", -1, "", asFieldErr("data.user", err))
	}
	p.Items = len(p.Users)
	return p, nil
}

func oldDecodeUser(b []byte, ex *extraBuf) (User, error) {
	var u User
	var err error
	var hasID bool
	ex.reset()
	err = objectEach(b, func(k, v []byte) error {
		var err error
		switch string(k) {
		case "user_id":
			var o Opt[int64]
			o, err = pID("user_id", v)
			u.UserID, hasID = o.V, o.Valid
		case "user_name":
			u.UserName, err = pStr("user_name", v)
		case "email":
			u.Email, err = pStr("email", v)
		case "first_name":
			u.FirstName, err = pStr("first_name", v)
		case "last_name":
			u.LastName, err = pStr("last_name", v)
		case "wb_email":
			u.WBEmail, err = pStr("wb_email", v)
		case "cell_num":
			u.CellNum, err = pStr("cell_num", v)
		case "create_at":
			u.CreateAt, err = pTime("create_at", v)
		case "last_visited_at":
			u.LastVisitedAt, err = pTime("last_visited_at", v)
		case "picture":
			u.Picture, err = pStr("picture", v)
		case "time_zone":
			u.TimeZone, err = pStr("time_zone", v)
		case "external_id":
			u.ExternalID, err = pStr("external_id", v)
		case "created_from":
			u.CreatedFrom, err = pStr("created_from", v)
		case "org_id":
			u.OrgID, err = pID("org_id", v)
		case "status":
			u.Status, err = pStr("status", v)
		case "org_user_roles":
			u.OrgUserRoles, err = pCSV("org_user_roles", v)
		case "manager":
			u.Managers, err = decodeManagers(v)
		case "is_read_only":
			u.IsReadOnly, err = pBool("is_read_only", v)
		case "profile":
			err = decodeProfile(&u, v, ex)
		default:
			ex.add(k, v)
		}
		return err
	})
	if err != nil {
		return u, err
	}
	if !hasID {
		return u, &fieldError{Field: "user_id", Msg: "missing"}
	}
	u.Extra = ex.build()
	return u, nil
}

// oldDecodeTeamsPage decodes GET /team (array) or GET /team/{id} (object with team_members[])
// into Team and TeamMember records.
func oldDecodeTeamsPage(body []byte) (*Page, error) {
	env, err := oldDecodeEnvelope(body, "team")
	if err != nil {
		return nil, err
	}
	p := &Page{TotalCount: env.TotalCount}
	var ex extraBuf
	err = eachItem(env.Resource, func(i int, item []byte) error {
		t, members, err := oldDecodeTeam(item, &ex)
		if err == nil {
			err = ex.takeErr()
		}
		if err != nil {
			return decodeErr("team", i, findID(item, "team_id"), err)
		}
		p.Teams = append(p.Teams, t)
		p.TeamMembers = append(p.TeamMembers, members...)
		return nil
	})
	if err != nil {
		return nil, decodeErr("team", -1, "", asFieldErr("data.team", err))
	}
	p.Items = len(p.Teams)
	return p, nil
}

func oldDecodeTeam(b []byte, ex *extraBuf) (Team, []TeamMember, error) {
	var t Team
	var hasID bool
	var membersRaw []byte
	ex.reset()
	err := objectEach(b, func(k, v []byte) error {
		var err error
		switch string(k) {
		case "team_id":
			var o Opt[int64]
			o, err = pID("team_id", v)
			t.TeamID, hasID = o.V, o.Valid
		case "external_id":
			t.ExternalID, err = pStr("external_id", v)
		case "parent_team_id":
			t.ParentTeamID, err = pZeroID("parent_team_id", v)
		case "dotted_team_ids":
			t.DottedTeamIDs, err = pIDList("dotted_team_ids", v)
		case "team_name":
			t.TeamName, err = pStr("team_name", v)
		case "team_owner":
			t.TeamOwner, err = pID("team_owner", v)
		case "team_type":
			t.TeamType, err = pStr("team_type", v)
		case "level":
			t.Level, err = pStr("level", v)
		case "created_from":
			t.CreatedFrom, err = pStr("created_from", v)
		case "created_at":
			t.CreatedAt, err = pTime("created_at", v)
		case "updated_at":
			t.UpdatedAt, err = pTime("updated_at", v)
		case "team_state":
			t.TeamState, err = pStr("team_state", v)
		case "team_members":
			membersRaw = v
		default:
			ex.add(k, v)
		}
		return err
	})
	if err != nil {
		return t, nil, err
	}
	if !hasID {
		return t, nil, &fieldError{Field: "team_id", Msg: "missing"}
	}
	t.Extra = ex.build()
	var members []TeamMember
	if membersRaw != nil {
		err = eachItemOf("team_members", membersRaw, func(i int, item []byte) error {
			m := TeamMember{TeamID: t.TeamID}
			var has bool
			const f = "team_members"
			ex.reset()
			err := objectEach(item, func(k, v []byte) error {
				var err error
				switch string(k) {
				case "id", "user_id":
					var o Opt[int64]
					o, err = pID("id", v)
					m.UserID, has = o.V, o.Valid
				case "first_name":
					m.FirstName, err = pStr("first_name", v)
				case "last_name":
					m.LastName, err = pStr("last_name", v)
				case "email":
					m.Email, err = pStr("email", v)
				case "team_role":
					m.TeamRole, err = pStr("team_role", v)
				default:
					ex.add(k, v)
				}
				return err
			})
			if err != nil {
				return prefixField(err, f, i)
			}
			if !has {
				return &fieldError{Field: fmt.Sprintf("%s[%d].id", f, i), Msg: "missing"}
			}
			m.Extra = ex.build()
			members = append(members, m)
			return nil
		})
		if err != nil {
			return t, nil, asFieldErr("team_members", err)
		}
	}
	return t, members, nil
}

// goalWrapper is what a people_goals / team_goals wrapper tells about the goals inside it.
type goalWrapper struct {
	Kind     string // "flat", "people", "team"
	UserID   Opt[int64]
	TeamID   Opt[int64]
	TeamName Opt[string]
}

// eachGoal normalises the three data.goal shapes (flat goal objects, people_goals user
// wrappers, team_goals team wrappers with an integer team_id; also mixed in one array, and the
// numeric-keyed / [] forms) into a stream of goal objects.
func eachGoal(resource []byte, fn func(goal []byte, w goalWrapper) error) error {
	return eachItem(resource, func(i int, item []byte) error {
		if kind(item) != '{' {
			return &fieldError{Field: fmt.Sprintf("data.goal[%d]", i), Msg: "want an object, got " + describeRaw(item)}
		}
		var people, team []byte
		var hasGoalID bool
		var w goalWrapper
		err := objectEach(item, func(k, v []byte) error {
			var err error
			switch string(k) {
			case "people_goals":
				people = v
			case "team_goals":
				team = v
			case "goal_id":
				hasGoalID = true
			case "user_id":
				w.UserID, err = pID("user_id", v)
			case "team_id":
				w.TeamID, err = pID("team_id", v)
			case "team_name":
				w.TeamName, err = pStr("team_name", v)
			}
			return err
		})
		if err != nil {
			return prefixField(err, "data.goal", i)
		}
		switch {
		case people != nil || team != nil:
			inner, field := people, "people_goals"
			w.Kind = "people"
			if people == nil {
				inner, field, w.Kind = team, "team_goals", "team"
			}
			err := eachItem(inner, func(j int, g []byte) error {
				if kind(g) != '{' {
					return &fieldError{Field: fmt.Sprintf("data.goal[%d].%s[%d]", i, field, j), Msg: "want a goal object, got " + describeRaw(g)}
				}
				return fn(g, w)
			})
			if err != nil {
				return asFieldErr(fmt.Sprintf("data.goal[%d].%s", i, field), err)
			}
			return nil
		case hasGoalID:
			return fn(item, goalWrapper{Kind: "flat"})
		}
		return &DecodeError{Offset: -1, Entity: "goal", Index: i, Field: "goal_id",
			Msg: "item of data.goal is neither a goal (no goal_id) nor a people_goals/team_goals wrapper"}
	})
}

// oldDecodeGoalsPage decodes GET /goal in any of its shapes into Goal and GoalComment records.
// Goal.MetricIDs holds the ids of the goal's goal_metrics[].
func oldDecodeGoalsPage(body []byte) (*Page, error) {
	env, err := oldDecodeEnvelope(body, "goal")
	if err != nil {
		return nil, err
	}
	p := &Page{TotalCount: env.TotalCount}
	var ex extraBuf
	n := 0
	err = eachGoal(env.Resource, func(item []byte, w goalWrapper) error {
		idx := n
		n++
		g, comments, err := oldDecodeGoal(item, w, &ex)
		if err == nil {
			err = ex.takeErr()
		}
		if err != nil {
			return decodeErr("goal", idx, findID(item, "goal_id"), err)
		}
		p.Goals = append(p.Goals, g)
		p.GoalComments = append(p.GoalComments, comments...)
		return nil
	})
	if err != nil {
		return nil, decodeErr("goal", -1, "", err)
	}
	p.Items = len(p.Goals)
	return p, nil
}

func oldDecodeGoal(b []byte, w goalWrapper, ex *extraBuf) (Goal, []GoalComment, error) {
	var g Goal
	var hasID bool
	var commentsRaw []byte
	ex.reset()
	err := objectEach(b, func(k, v []byte) error {
		var err error
		switch string(k) {
		case "goal_id":
			var o Opt[int64]
			o, err = pID("goal_id", v)
			g.GoalID, hasID = o.V, o.Valid
		case "goal_name":
			g.GoalName, err = pStr("goal_name", v)
		case "goal_narrative":
			g.GoalNarrative, err = pStr("goal_narrative", v)
		case "goal_type":
			g.GoalType, err = pIDName("goal_type", v)
		case "goal_owner":
			g.GoalOwner, err = pID("goal_owner", v)
		case "goal_owner_full_name":
			g.GoalOwnerFullName, err = pStr("goal_owner_full_name", v)
		case "goal_create_at":
			g.GoalCreateAt, err = pTime("goal_create_at", v)
		case "goal_modified_at":
			g.GoalModifiedAt, err = pTime("goal_modified_at", v)
		case "goal_created_by":
			g.GoalCreatedBy, err = pID("goal_created_by", v)
		case "goal_updated_by":
			g.GoalUpdatedBy, err = pID("goal_updated_by", v)
		case "goal_start_date":
			g.GoalStartDate, err = pTime("goal_start_date", v)
		case "goal_target_date":
			g.GoalTargetDate, err = pTime("goal_target_date", v)
		case "goal_progress":
			g.GoalProgress, err = pNum("goal_progress", v)
		case "goal_progress_color":
			g.GoalProgressColor, err = pStr("goal_progress_color", v)
		case "goal_status":
			g.GoalStatus, err = pStr("goal_status", v)
		case "goal_permission":
			g.GoalPermission, err = pCSV("goal_permission", v)
		case "goal_category":
			g.GoalCategory, err = pIDNameList("goal_category", v)
		case "goal_workstreams":
			g.GoalWorkstreams, err = pIDNameList("goal_workstreams", v)
		case "goal_team_id":
			g.GoalTeamID, err = pZeroID("goal_team_id", v)
		case "goal_team_name":
			g.GoalTeamName, err = pStr("goal_team_name", v)
		case "goal_metrics_count":
			g.GoalMetricsCount, err = pCount("goal_metrics_count", v)
		case "goal_comments_count":
			g.GoalCommentsCount, err = pCount("goal_comments_count", v)
		case "goal_custom_permission":
			err = decodeCustomPermission(&g, v, ex)
		case "custom_attributes":
			g.CustomAttributesJSON, err = pRaw("custom_attributes", v, false)
		case "goal_metrics":
			err = eachItemOf("goal_metrics", v, func(i int, m []byte) error {
				if kind(m) != '{' {
					return &fieldError{Field: fmt.Sprintf("goal_metrics[%d]", i), Msg: "want an object, got " + describeRaw(m)}
				}
				var id Opt[int64]
				e := objectEach(m, func(mk, mv []byte) error {
					if string(mk) == "metric_id" {
						var err error
						id, err = pID("metric_id", mv)
						return err
					}
					return nil
				})
				if e != nil {
					return prefixField(e, "goal_metrics", i)
				}
				if !id.Valid {
					return &fieldError{Field: fmt.Sprintf("goal_metrics[%d].metric_id", i), Msg: "missing"}
				}
				g.MetricIDs = append(g.MetricIDs, id.V)
				return nil
			})
			err = asFieldErr("goal_metrics", err)
		case "goal_comments":
			commentsRaw = v
		default:
			ex.add(k, v)
		}
		return err
	})
	if err != nil {
		return g, nil, err
	}
	if !hasID {
		return g, nil, &fieldError{Field: "goal_id", Msg: "missing"}
	}
	if !g.GoalTeamID.Valid && w.Kind == "team" && w.TeamID.Valid {
		g.GoalTeamID = w.TeamID
		if !g.GoalTeamName.Valid {
			g.GoalTeamName = w.TeamName
		}
	}
	if !g.GoalOwner.Valid && w.Kind == "people" && w.UserID.Valid {
		g.GoalOwner = w.UserID
	}
	g.Extra = ex.build()
	var comments []GoalComment
	if commentsRaw != nil {
		err = eachItemOf("goal_comments", commentsRaw, func(i int, item []byte) error {
			c := GoalComment{GoalID: g.GoalID}
			var has bool
			const f = "goal_comments"
			ex.reset()
			err := objectEach(item, func(k, v []byte) error {
				var err error
				switch string(k) {
				case "comment_id":
					var o Opt[int64]
					o, err = pID("comment_id", v)
					c.CommentID, has = o.V, o.Valid
				case "comment_text":
					c.CommentText, err = pStr("comment_text", v)
				case "comment_owner":
					c.CommentOwner, err = pID("comment_owner", v)
				case "comment_owner_name":
					c.CommentOwnerName, err = pStr("comment_owner_name", v)
				case "comment_added_at":
					c.CommentAddedAt, err = pTime("comment_added_at", v)
				case "comment_last_updated":
					c.CommentLastUpdated, err = pTime("comment_last_updated", v)
				default:
					ex.add(k, v)
				}
				return err
			})
			if err != nil {
				return prefixField(err, f, i)
			}
			if !has {
				return &fieldError{Field: fmt.Sprintf("%s[%d].comment_id", f, i), Msg: "missing"}
			}
			c.Extra = ex.build()
			comments = append(comments, c)
			return nil
		})
		if err != nil {
			return g, nil, asFieldErr("goal_comments", err)
		}
	}
	return g, comments, nil
}

// oldDecodeMetricsPage decodes GET /metric?goal_id=G&include_metric_data=yes (array) or
// GET /metric/{id}?include_metric_data=yes (object) into KeyResult records plus their
// metric_data[] (Checkin), metric_confidence[] (Confidence) and metric_comments[] (KRComment).
// A key result without metric_goal_id gets GoalID 0; callers that know the goal fill it in.
func oldDecodeMetricsPage(body []byte) (*Page, error) {
	env, err := oldDecodeEnvelope(body, "metric")
	if err != nil {
		return nil, err
	}
	p := &Page{TotalCount: env.TotalCount}
	var ex extraBuf
	err = eachItem(env.Resource, func(i int, item []byte) error {
		err := oldDecodeMetric(item, p, &ex)
		if err == nil {
			err = ex.takeErr()
		}
		if err != nil {
			return decodeErr("metric", i, findID(item, "metric_id"), err)
		}
		return nil
	})
	if err != nil {
		return nil, decodeErr("metric", -1, "", asFieldErr("data.metric", err))
	}
	p.Items = len(p.KeyResults)
	return p, nil
}

func oldDecodeMetric(b []byte, p *Page, ex *extraBuf) error {
	if kind(b) != '{' {
		return &fieldError{Field: "data.metric", Msg: "want an object, got " + describeRaw(b)}
	}
	var m KeyResult
	var hasID bool
	var dataRaw, confRaw, commRaw []byte
	ex.reset()
	err := objectEach(b, func(k, v []byte) error {
		var err error
		switch string(k) {
		case "metric_id":
			var o Opt[int64]
			o, err = pID("metric_id", v)
			m.MetricID, hasID = o.V, o.Valid
		case "metric_goal_id":
			var o Opt[int64]
			o, err = pID("metric_goal_id", v)
			m.GoalID = o.V
		case "metric_name":
			m.MetricName, err = pStr("metric_name", v)
		case "metric_owner":
			m.MetricOwner, err = pID("metric_owner", v)
		case "metric_real_owner":
			m.MetricRealOwner, err = pID("metric_real_owner", v)
		case "metric_update_interval":
			m.MetricUpdateInterval, err = pIDName("metric_update_interval", v)
		case "metric_update_interval_day":
			m.MetricUpdateIntervalDay, err = pStr("metric_update_interval_day", v)
		case "metric_unit":
			m.MetricUnit, err = pIDName("metric_unit", v)
		case "metric_progress_type":
			m.MetricProgressType, err = pIDName("metric_progress_type", v)
		case "metric_counting_type":
			m.MetricCountingType, err = pIDName("metric_counting_type", v)
		case "metric_initial_data":
			m.MetricInitialData, err = pNum("metric_initial_data", v)
		case "metric_target":
			m.MetricTarget, err = pNum("metric_target", v)
		case "metric_achieve_target":
			m.MetricAchieveTarget, err = pNum("metric_achieve_target", v)
		case "metric_progress":
			m.MetricProgress, err = pNum("metric_progress", v)
		case "metric_progress_color":
			m.MetricProgressColor, err = pStr("metric_progress_color", v)
		case "metric_create_at":
			m.MetricCreateAt, err = pTime("metric_create_at", v)
		case "metric_modified_at":
			m.MetricModifiedAt, err = pTime("metric_modified_at", v)
		case "metric_created_by":
			m.MetricCreatedBy, err = pID("metric_created_by", v)
		case "metric_updated_by":
			m.MetricUpdatedBy, err = pID("metric_updated_by", v)
		case "metric_last_update":
			m.MetricLastUpdate, err = pTime("metric_last_update", v)
		case "metric_next_update":
			m.MetricNextUpdate, err = pTime("metric_next_update", v)
		case "metric_source_from":
			m.MetricSourceFrom, err = pStr("metric_source_from", v)
		case "metric_status":
			m.MetricStatus, err = pStr("metric_status", v)
		case "metric_permission":
			m.MetricPermission, err = pCSV("metric_permission", v)
		case "target_date":
			m.TargetDate, err = pTime("target_date", v)
		case "metric_mit_start_date":
			m.MetricMITStartDate, err = pTime("metric_mit_start_date", v)
		case "metric_mit_end_date":
			m.MetricMITEndDate, err = pTime("metric_mit_end_date", v)
		case "metric_goal_source":
			m.MetricGoalSource, err = pIDList("metric_goal_source", v)
		case "metric_automation":
			m.MetricAutomationJSON, err = pRaw("metric_automation", v, false)
		case "child_kr":
			m.ChildKRJSON, err = pRaw("child_kr", v, true)
		case "metric_data":
			dataRaw = v
		case "metric_confidence":
			confRaw = v
		case "metric_comments":
			commRaw = v
		default:
			ex.add(k, v)
		}
		return err
	})
	if err != nil {
		return err
	}
	if !hasID {
		return &fieldError{Field: "metric_id", Msg: "missing"}
	}
	m.Extra = ex.build()
	p.KeyResults = append(p.KeyResults, m)

	if dataRaw != nil {
		err = eachItemOf("metric_data", dataRaw, func(i int, item []byte) error {
			c := Checkin{MetricID: m.MetricID, GoalID: m.GoalID}
			var has bool
			const f = "metric_data"
			ex.reset()
			err := objectEach(item, func(k, v []byte) error {
				var err error
				switch string(k) {
				case "metric_data_id":
					var o Opt[int64]
					o, err = pID("metric_data_id", v)
					c.MetricDataID, has = o.V, o.Valid
				case "metric_data_value":
					c.Value, err = pNum("metric_data_value", v)
				case "metric_data_created_at":
					c.CreatedAt, err = pTime("metric_data_created_at", v)
				case "metric_data_created_by":
					c.CreatedBy, err = pZeroID("metric_data_created_by", v)
				case "metric_data_updated_at":
					c.UpdatedAt, err = pTime("metric_data_updated_at", v)
				case "metric_data_comment":
					c.Comment, err = pStr("metric_data_comment", v)
				default:
					ex.add(k, v)
				}
				return err
			})
			if err != nil {
				return prefixField(err, f, i)
			}
			if !has {
				return &fieldError{Field: fmt.Sprintf("%s[%d].metric_data_id", f, i), Msg: "missing"}
			}
			c.Extra = ex.build()
			p.Checkins = append(p.Checkins, c)
			return nil
		})
		if err != nil {
			return asFieldErr("metric_data", err)
		}
	}
	if confRaw != nil {
		ord := map[int64]int64{}
		err = eachItemOf("metric_confidence", confRaw, func(i int, item []byte) error {
			c := Confidence{MetricID: m.MetricID, GoalID: m.GoalID}
			var mod Opt[time.Time]
			const f = "metric_confidence"
			ex.reset()
			err := objectEach(item, func(k, v []byte) error {
				var err error
				switch string(k) {
				case "modified_at":
					mod, err = pTime("modified_at", v)
				case "confidence":
					c.Confidence, err = pStr("confidence", v)
				case "comment":
					c.Comment, err = pStr("comment", v)
				case "metric_data_id":
					c.MetricDataID, err = pID("metric_data_id", v)
				default:
					ex.add(k, v)
				}
				return err
			})
			if err != nil {
				return prefixField(err, f, i)
			}
			if !mod.Valid {
				return &fieldError{Field: fmt.Sprintf("%s[%d].modified_at", f, i), Msg: "missing or zero (needed as part of the key)"}
			}
			c.ModifiedAt = mod.V
			c.Ordinal = ord[mod.V.Unix()]
			ord[mod.V.Unix()]++
			c.Extra = ex.build()
			p.Confidence = append(p.Confidence, c)
			return nil
		})
		if err != nil {
			return asFieldErr("metric_confidence", err)
		}
	}
	if commRaw != nil {
		ord := map[int64]int64{}
		err = eachItemOf("metric_comments", commRaw, func(i int, item []byte) error {
			c := KRComment{MetricID: m.MetricID, GoalID: m.GoalID}
			var mod Opt[time.Time]
			const f = "metric_comments"
			ex.reset()
			err := objectEach(item, func(k, v []byte) error {
				var err error
				switch string(k) {
				case "modified_at":
					mod, err = pTime("modified_at", v)
				case "comment":
					c.Comment, err = pStr("comment", v)
				default:
					ex.add(k, v)
				}
				return err
			})
			if err != nil {
				return prefixField(err, f, i)
			}
			if !mod.Valid {
				return &fieldError{Field: fmt.Sprintf("%s[%d].modified_at", f, i), Msg: "missing or zero (needed as part of the key)"}
			}
			c.ModifiedAt = mod.V
			c.Ordinal = ord[mod.V.Unix()]
			ord[mod.V.Unix()]++
			c.Extra = ex.build()
			p.KRComments = append(p.KRComments, c)
			return nil
		})
		if err != nil {
			return asFieldErr("metric_comments", err)
		}
	}
	return nil
}
