package wbtest

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// jw is a minimal append-only JSON writer that keeps members in the order written, so the
// emulator controls key order and JSON types exactly (WorkBoard mixes strings and numbers
// per field; encoding/json struct tags would hide that).
type jw struct {
	b       []byte
	first   []bool
	pending bool // a key was written; the next value needs no separator
}

func (w *jw) sep() {
	if w.pending {
		w.pending = false
		return
	}
	if n := len(w.first); n > 0 {
		if !w.first[n-1] {
			w.b = append(w.b, ',')
		}
		w.first[n-1] = false
	}
}

func (w *jw) obj()    { w.sep(); w.b = append(w.b, '{'); w.first = append(w.first, true) }
func (w *jw) arr()    { w.sep(); w.b = append(w.b, '['); w.first = append(w.first, true) }
func (w *jw) endObj() { w.b = append(w.b, '}'); w.first = w.first[:len(w.first)-1] }
func (w *jw) endArr() { w.b = append(w.b, ']'); w.first = w.first[:len(w.first)-1] }

func (w *jw) key(k string) {
	w.sep()
	w.b = appendJSONString(w.b, k)
	w.b = append(w.b, ':')
	w.pending = true
}

func (w *jw) str(v string)   { w.sep(); w.b = appendJSONString(w.b, v) }
func (w *jw) int(v int64)    { w.sep(); w.b = strconv.AppendInt(w.b, v, 10) }
func (w *jw) null()          { w.sep(); w.b = append(w.b, "null"...) }
func (w *jw) boolean(v bool) { w.sep(); w.b = strconv.AppendBool(w.b, v) }
func (w *jw) raw(v []byte)   { w.sep(); w.b = append(w.b, v...) }
func (w *jw) ks(k, v string) { w.key(k); w.str(v) }

// kid writes an integer as a JSON string ("123"), the way WorkBoard sends ids and epochs.
func (w *jw) kid(k string, v int64) {
	w.key(k)
	w.sep()
	w.b = append(w.b, '"')
	w.b = strconv.AppendInt(w.b, v, 10)
	w.b = append(w.b, '"')
}

// knum writes a decimal as a JSON string ("63.96").
func (w *jw) knum(k string, v float64) {
	w.key(k)
	w.numStr(v)
}

func (w *jw) numStr(v float64) {
	w.sep()
	w.b = append(w.b, '"')
	w.b = strconv.AppendFloat(w.b, v, 'f', -1, 64)
	w.b = append(w.b, '"')
}
func (w *jw) kidName(k string, v IDName) {
	w.key(k)
	w.obj()
	w.ks("id", v.ID)
	w.ks("name", v.Name)
	w.endObj()
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

const hexDigits = "0123456789abcdef"

func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+n]...)
		}
		i += n
	}
	return append(b, '"')
}

// ---- users and teams --------------------------------------------------------------------

type userMode int

const (
	userPlain     userMode = iota // GET /user, /user/{id}: create_at integer, is_read_only
	userOrgMember                 // include=org_members: create_at string, org_user_roles
	userGoals                     // /user/{id}/goal: no is_read_only (caller adds goal, goal_count)
)

// writeUserFields writes a user's members into an open object.
func (s *Server) writeUserFields(w *jw, u *User, mode userMode, customAttrs bool) {
	w.kid("user_id", u.ID)
	w.ks("user_name", u.UserName)
	w.ks("email", u.Email)
	w.ks("first_name", u.FirstName)
	w.ks("last_name", u.LastName)
	w.ks("wb_email", u.WBEmail)
	w.key("cell_num")
	if u.CellNum == nil {
		w.null()
	} else {
		w.str(*u.CellNum)
	}
	w.key("create_at")
	if mode == userOrgMember {
		w.str(itoa(u.CreateAt))
	} else {
		w.int(u.CreateAt)
	}
	w.kid("last_visited_at", u.LastVisitedAt)
	w.ks("picture", u.Picture)
	w.ks("time_zone", u.TimeZone)
	w.ks("external_id", u.ExternalID)
	w.ks("created_from", u.CreatedFrom)
	w.kid("org_id", s.org.ID)
	w.ks("status", u.Status)
	w.key("manager")
	if len(u.Managers) == 0 {
		w.boolean(false)
	} else {
		w.arr()
		for _, m := range u.Managers {
			mu := s.org.User(m.UserID)
			w.obj()
			w.kid("user_id", mu.ID)
			w.ks("email", mu.Email)
			w.ks("first_name", mu.FirstName)
			w.ks("last_name", mu.LastName)
			w.ks("picture", mu.Picture)
			w.ks("external_id", mu.ExternalID)
			w.ks("role", m.Role)
			w.endObj()
		}
		w.endArr()
	}
	if mode != userGoals {
		w.key("is_read_only")
		w.boolean(u.IsReadOnly)
	}
	w.key("profile")
	w.obj()
	w.ks("title", u.Title)
	w.ks("company", u.Company)
	if customAttrs {
		w.key("custom_attributes")
		if u.CustomAttributes == nil {
			w.null()
		} else {
			w.arr()
			for _, a := range u.CustomAttributes {
				w.obj()
				w.kid("id", a.ID)
				w.ks("name", a.Name)
				w.ks("value", a.Value)
				w.endObj()
			}
			w.endArr()
		}
	}
	w.endObj()
	if mode == userOrgMember {
		w.key("org_user_roles")
		if u.OrgUserRoles == "" {
			w.null()
		} else {
			w.str(u.OrgUserRoles)
		}
	}
}

func (s *Server) writeUser(w *jw, u *User, mode userMode, customAttrs bool) {
	w.obj()
	s.writeUserFields(w, u, mode, customAttrs)
	w.endObj()
}

func writeIDList(w *jw, ids []int64) {
	w.arr()
	for _, id := range ids {
		w.str(itoa(id))
	}
	w.endArr()
}

func (s *Server) writeTeam(w *jw, t *Team, members bool) {
	w.obj()
	w.kid("team_id", t.ID)
	w.ks("external_id", t.ExternalID)
	w.kid("parent_team_id", t.ParentID)
	w.key("dotted_team_ids")
	writeIDList(w, t.DottedTeamIDs)
	w.ks("team_name", t.Name)
	w.kid("team_owner", t.OwnerID)
	w.ks("team_type", t.Type)
	w.key("level")
	if t.Level == nil {
		w.null()
	} else {
		w.str(*t.Level)
	}
	w.ks("created_from", t.CreatedFrom)
	w.kid("created_at", t.CreatedAt)
	w.kid("updated_at", t.UpdatedAt)
	w.ks("team_state", t.State)
	if members {
		w.key("team_members")
		w.arr()
		for _, m := range t.Members {
			u := s.org.User(m.UserID)
			w.obj()
			w.kid("id", u.ID)
			w.ks("first_name", u.FirstName)
			w.ks("last_name", u.LastName)
			w.ks("email", u.Email)
			w.ks("team_role", m.Role)
			w.endObj()
		}
		w.endArr()
	}
	w.endObj()
}

// ---- goals ------------------------------------------------------------------------------

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

// writeMetricCommon writes the members shared by goal_metrics[] items and /metric objects.
func writeMetricCommon(w *jw, k *KeyResult) {
	w.kid("metric_id", k.ID)
	w.kid("metric_owner", k.OwnerID)
	w.kid("metric_real_owner", k.RealOwnerID)
	w.ks("metric_name", k.Name)
	w.kidName("metric_update_interval", k.Interval)
	w.ks("metric_update_interval_day", k.IntervalDay)
	w.kidName("metric_unit", k.Unit)
	w.kidName("metric_progress_type", k.ProgressType)
	w.kidName("metric_counting_type", k.CountingType)
	w.knum("metric_initial_data", k.InitialData)
	w.knum("metric_target", k.Target)
	w.knum("metric_achieve_target", k.Achieved)
	w.kid("metric_create_at", k.CreateAt)
	w.kid("metric_modified_at", k.ModifiedAt)
	w.kid("metric_created_by", k.CreatedBy)
	w.kid("metric_updated_by", k.UpdatedBy)
	w.knum("metric_progress", k.Progress)
	w.ks("metric_progress_color", k.ProgressColor)
	w.kid("metric_last_update", k.LastUpdate)
	w.kid("metric_next_update", k.NextUpdate)
}

// LastComment returns the KR's most recent comment as of AsOf (what goal_metrics[] items of
// a single-goal response carry as last_metric_comment), and false when there is none.
func (k *KeyResult) LastComment() (KRComment, bool) {
	if len(k.Comments) == 0 {
		return KRComment{}, false
	}
	return k.Comments[len(k.Comments)-1], true
}

func (s *Server) writeGoalMetric(w *jw, k *KeyResult, lastComment bool) {
	w.obj()
	writeMetricCommon(w, k)
	w.ks("metric_source_from", k.SourceText)
	w.ks("metric_source_from_id", k.SourceCode)
	if lastComment {
		c, _ := k.LastComment()
		w.key("last_metric_comment")
		w.obj()
		w.ks("comment", c.Comment)
		w.kid("comment_last_updated", c.ModifiedAt)
		w.endObj()
	}
	w.endObj()
}

// writeMetric writes a /metric object. single: the id was in the path (metric_data_id in
// metric_confidence[]); data: include_metric_data=yes.
func (s *Server) writeMetric(w *jw, k *KeyResult, single, data bool) {
	w.obj()
	writeMetricCommon(w, k)
	w.ks("metric_source_from", k.SourceCode)
	w.kid("metric_goal_id", k.GoalID)
	w.ks("metric_status", k.Status)
	w.ks("metric_permission", k.Permission)
	w.key("metric_confidence")
	w.arr()
	for _, c := range k.Confidence {
		w.obj()
		w.ks("confidence", c.Value)
		w.ks("comment", c.Comment)
		w.kid("modified_at", c.ModifiedAt)
		if single {
			w.key("metric_data_id")
			w.int(c.MetricDataID)
		}
		w.endObj()
	}
	w.endArr()
	w.key("child_kr")
	w.arr()
	w.endArr()
	w.key("metric_automation")
	if k.AutomationJSON == "" {
		w.null()
	} else {
		w.raw([]byte(k.AutomationJSON))
	}
	w.kid("target_date", k.TargetDate)
	if data {
		w.key("metric_data")
		w.arr()
		for _, d := range k.MetricData {
			w.obj()
			w.kid("metric_data_id", d.ID)
			w.key("metric_data_value")
			if d.Value == nil {
				w.null()
			} else {
				w.numStr(*d.Value)
			}
			w.kid("metric_data_created_at", d.CreatedAt)
			if d.CreatedBy == 0 {
				w.ks("metric_data_created_by", "")
			} else {
				w.kid("metric_data_created_by", d.CreatedBy)
			}
			w.kid("metric_data_updated_at", d.UpdatedAt)
			w.ks("metric_data_comment", d.Comment)
			w.endObj()
		}
		w.endArr()
		w.key("metric_comments")
		w.arr()
		for _, c := range k.Comments {
			w.obj()
			w.ks("comment", c.Comment)
			w.kid("modified_at", c.ModifiedAt)
			w.endObj()
		}
		w.endArr()
	}
	w.endObj()
}
