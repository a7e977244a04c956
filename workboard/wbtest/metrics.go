package wbtest

import (
	"fmt"
	"net/http"
	"net/url"
)

// handleMetric serves GET /metric: one key result with ?metric_id=, else the key results of
// ?goal_id=, of ?team_id= (the only paged form), or by default those the token's user owns.
// ?include_metric_data=yes adds metric_data[] and metric_comments[].
func (s *Server) handleMetric(r *http.Request, c caller) (reply, *apiError) {
	q := r.URL.Query()
	data := q.Get("include_metric_data") == "yes"
	if v := q.Get("metric_id"); v != "" {
		k, err := s.metricRef(v, "metric_id")
		if err != nil {
			return reply{}, err
		}
		return reply{key: "metric", total: 1, writeValue: func(e *encoder) { s.writeMetric(e, k, false, data) }}, nil
	}
	krs, paged, err := s.metricsOf(q, c)
	if err != nil {
		return reply{}, err
	}
	total := len(krs)
	limit, offset, err := s.paging(q) // validated in every form, applied with team_id only
	if err != nil {
		return reply{}, err
	}
	if paged {
		lo, hi := window(len(krs), limit, offset)
		krs = krs[lo:hi]
	}
	metrics := make([][]byte, len(krs))
	for i, k := range krs {
		metrics[i] = s.listMetric(k, data)
	}
	return reply{key: "metric", total: total, writeValue: func(e *encoder) {
		e.beginArray()
		for _, m := range metrics {
			e.encodedValue(m)
		}
		e.endArray()
	}}, nil
}

// metricsOf lists the key results a GET /metric without ?metric_id= asks for; paged reports
// whether limit and offset apply (?team_id=).
func (s *Server) metricsOf(q url.Values, c caller) (krs []*KeyResult, paged bool, err *apiError) {
	switch {
	case q.Get("goal_id") != "":
		g, err := s.goalRef(q.Get("goal_id"), "goal_id")
		if err != nil {
			return nil, false, err
		}
		return g.KeyResults, false, nil
	case q.Get("team_id") != "":
		id, err := parseID(q.Get("team_id"), "team_id")
		if err != nil {
			return nil, false, err
		}
		if s.org.Team(id) == nil {
			return nil, false, badRequest("invalid_resource_id", "team %d does not exist.", id)
		}
		return s.teamMetrics(s.org.Team(id)), true, nil
	default:
		for _, g := range s.org.Goals {
			for _, k := range g.KeyResults {
				if k.OwnerID == c.user.ID {
					krs = append(krs, k)
				}
			}
		}
		return krs, false, nil
	}
}

// TeamMetrics is what GET /metric?team_id=T lists (WithTeamMetrics). The API reference
// documents it as "metrics of that team" (§5.5); whether that means the key results of the
// team's goals only, or also others, is unknown, so the emulator has three variants.
type TeamMetrics string

// The variants of GET /metric?team_id=T.
const (
	// TeamMetricsAll lists the key results of every goal of team T (the default).
	TeamMetricsAll TeamMetrics = "all"
	// TeamMetricsSubset leaves out the key results of T's closed goals (a listing that covers
	// only part of what goal_metrics names, so a client's fallback is exercised).
	TeamMetricsSubset TeamMetrics = "subset"
	// TeamMetricsMembers adds the key results of the personal goals owned by T's members, so
	// the same key result can be listed by several teams.
	TeamMetricsMembers TeamMetrics = "members"
)

// ParseTeamMetrics parses a TeamMetrics name ("" is TeamMetricsAll).
func ParseTeamMetrics(s string) (TeamMetrics, error) {
	switch m := TeamMetrics(s); m {
	case "":
		return TeamMetricsAll, nil
	case TeamMetricsAll, TeamMetricsSubset, TeamMetricsMembers:
		return m, nil
	}
	return "", fmt.Errorf("wbtest: unknown team metrics variant %q (want all, subset or members)", s)
}

// WithTeamMetrics selects what GET /metric?team_id= lists (default TeamMetricsAll).
func WithTeamMetrics(m TeamMetrics) Option { return func(c *config) { c.teamMetrics = m } }

// teamMetrics returns the key results GET /metric?team_id= lists for team t, in goal order.
func (s *Server) teamMetrics(t *Team) []*KeyResult {
	members := map[int64]bool{}
	if s.cfg.teamMetrics == TeamMetricsMembers {
		for _, m := range t.Members {
			members[m.UserID] = true
		}
	}
	var krs []*KeyResult
	for _, g := range s.org.Goals {
		switch {
		case g.TeamID == t.ID && (s.cfg.teamMetrics != TeamMetricsSubset || g.Status == "1"):
		case g.TeamID == 0 && members[g.OwnerID]:
		default:
			continue
		}
		krs = append(krs, g.KeyResults...)
	}
	return krs
}

// handleMetricByID serves GET /metric/{id}, whose metric_confidence[] entries carry
// metric_data_id.
func (s *Server) handleMetricByID(r *http.Request, c caller) (reply, *apiError) {
	k, err := s.metricRef(r.PathValue("id"), "metric id")
	if err != nil {
		return reply{}, err
	}
	data := r.URL.Query().Get("include_metric_data") == "yes"
	return reply{key: "metric", total: 1, writeValue: func(e *encoder) { s.writeMetric(e, k, true, data) }}, nil
}

// metricRef resolves the key result id v (what names it in errors).
func (s *Server) metricRef(v, what string) (*KeyResult, *apiError) {
	id, err := parseID(v, what)
	if err != nil {
		return nil, err
	}
	k := s.org.KeyResult(id)
	if k == nil {
		return nil, badRequest("invalid_resource_id", "metric %d does not exist.", id)
	}
	return k, nil
}

// LastComment returns the KR's most recent comment as of AsOf (what goal_metrics[] items of
// a single-goal response carry as last_metric_comment), and false when there is none.
func (k *KeyResult) LastComment() (KRComment, bool) {
	if len(k.Comments) == 0 {
		return KRComment{}, false
	}
	return k.Comments[len(k.Comments)-1], true
}

// writeGoalMetric writes a goal_metrics[] item; lastComment adds last_metric_comment (single
// goal responses).
func (s *Server) writeGoalMetric(e *encoder, k *KeyResult, lastComment bool) {
	e.beginObject()
	writeMetricCommon(e, k)
	e.str("metric_source_from", k.SourceText)
	e.str("metric_source_from_id", k.SourceCode)
	if lastComment {
		c, _ := k.LastComment()
		e.name("last_metric_comment")
		e.beginObject()
		e.str("comment", c.Comment)
		e.quotedInt("comment_last_updated", c.ModifiedAt)
		e.endObject()
	}
	e.endObject()
}

// writeMetric writes a /metric object. single: the id was in the path (metric_data_id in
// metric_confidence[]); data: include_metric_data=yes.
func (s *Server) writeMetric(e *encoder, k *KeyResult, single, data bool) {
	e.beginObject()
	writeMetricCommon(e, k)
	e.str("metric_source_from", k.SourceCode)
	e.quotedInt("metric_goal_id", k.GoalID)
	e.str("metric_status", k.Status)
	e.str("metric_permission", k.Permission)
	writeConfidence(e, k.Confidence, single)
	e.name("child_kr")
	e.emptyArray()
	e.name("metric_automation")
	if k.AutomationJSON == "" {
		e.nullValue()
	} else {
		e.rawValue([]byte(k.AutomationJSON))
	}
	e.quotedInt("target_date", k.TargetDate)
	if data {
		writeMetricData(e, k.MetricData)
		writeMetricComments(e, k.Comments)
	}
	e.endObject()
}

// writeMetricCommon writes the members shared by goal_metrics[] items and /metric objects.
func writeMetricCommon(e *encoder, k *KeyResult) {
	e.quotedInt("metric_id", k.ID)
	e.quotedInt("metric_owner", k.OwnerID)
	e.quotedInt("metric_real_owner", k.RealOwnerID)
	e.str("metric_name", k.Name)
	e.idName("metric_update_interval", k.Interval)
	e.str("metric_update_interval_day", k.IntervalDay)
	e.idName("metric_unit", k.Unit)
	e.idName("metric_progress_type", k.ProgressType)
	e.idName("metric_counting_type", k.CountingType)
	e.quotedDecimal("metric_initial_data", k.InitialData)
	e.quotedDecimal("metric_target", k.Target)
	e.quotedDecimal("metric_achieve_target", k.Achieved)
	e.quotedInt("metric_create_at", k.CreateAt)
	e.quotedInt("metric_modified_at", k.ModifiedAt)
	e.quotedInt("metric_created_by", k.CreatedBy)
	e.quotedInt("metric_updated_by", k.UpdatedBy)
	e.quotedDecimal("metric_progress", k.Progress)
	e.str("metric_progress_color", k.ProgressColor)
	e.quotedInt("metric_last_update", k.LastUpdate)
	e.quotedInt("metric_next_update", k.NextUpdate)
}

// writeConfidence writes metric_confidence[]; withDataID adds each entry's metric_data_id as a
// JSON number (GET /metric/{id} only).
func writeConfidence(e *encoder, cs []Confidence, withDataID bool) {
	e.name("metric_confidence")
	e.beginArray()
	for _, c := range cs {
		e.beginObject()
		e.str("confidence", c.Value)
		e.str("comment", c.Comment)
		e.quotedInt("modified_at", c.ModifiedAt)
		if withDataID {
			e.name("metric_data_id")
			e.intValue(c.MetricDataID)
		}
		e.endObject()
	}
	e.endArray()
}

// writeMetricData writes metric_data[]: a missed check-in has a null value and, when nobody
// entered it, metric_data_created_by "".
func writeMetricData(e *encoder, ds []MetricData) {
	e.name("metric_data")
	e.beginArray()
	for _, d := range ds {
		e.beginObject()
		e.quotedInt("metric_data_id", d.ID)
		e.name("metric_data_value")
		if d.Value == nil {
			e.nullValue()
		} else {
			e.quotedDecimalValue(*d.Value)
		}
		e.quotedInt("metric_data_created_at", d.CreatedAt)
		if d.CreatedBy == 0 {
			e.str("metric_data_created_by", "")
		} else {
			e.quotedInt("metric_data_created_by", d.CreatedBy)
		}
		e.quotedInt("metric_data_updated_at", d.UpdatedAt)
		e.str("metric_data_comment", d.Comment)
		e.endObject()
	}
	e.endArray()
}

// writeMetricComments writes metric_comments[].
func writeMetricComments(e *encoder, cs []KRComment) {
	e.name("metric_comments")
	e.beginArray()
	for _, c := range cs {
		e.beginObject()
		e.str("comment", c.Comment)
		e.quotedInt("modified_at", c.ModifiedAt)
		e.endObject()
	}
	e.endArray()
}
