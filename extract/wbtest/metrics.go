package wbtest

import (
	"net/http"
)

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

func (s *Server) handleMetric(r *http.Request, c caller, out *envelope) *apiError {
	q := r.URL.Query()
	data := q.Get("include_metric_data") == "yes"
	out.key = "metric"
	if v := q.Get("metric_id"); v != "" {
		id, err := parseID(v, "metric_id")
		if err != nil {
			return err
		}
		k := s.org.KeyResult(id)
		if k == nil {
			return badRequest("invalid_resource_id", "metric %d does not exist.", id)
		}
		out.total = 1
		s.writeMetric(&out.w, k, false, data)
		return nil
	}
	var krs []*KeyResult
	paged := false
	switch {
	case q.Get("goal_id") != "":
		id, err := parseID(q.Get("goal_id"), "goal_id")
		if err != nil {
			return err
		}
		g := s.goalByID(id)
		if g == nil {
			return badRequest("invalid_resource_id", "goal %d does not exist.", id)
		}
		krs = g.KeyResults
	case q.Get("team_id") != "":
		id, err := parseID(q.Get("team_id"), "team_id")
		if err != nil {
			return err
		}
		if s.org.Team(id) == nil {
			return badRequest("invalid_resource_id", "team %d does not exist.", id)
		}
		for _, g := range s.org.Goals {
			if g.TeamID == id {
				krs = append(krs, g.KeyResults...)
			}
		}
		paged = true
	default:
		for _, g := range s.org.Goals {
			for _, k := range g.KeyResults {
				if k.OwnerID == c.user.ID {
					krs = append(krs, k)
				}
			}
		}
	}
	out.total = len(krs)
	limit, offset, err := s.paging(q) // validated in every mode, applied with team_id only
	if err != nil {
		return err
	}
	if paged {
		lo, hi := window(len(krs), limit, offset)
		krs = krs[lo:hi]
	}
	out.w.arr()
	for _, k := range krs {
		out.w.raw(s.listMetric(k, data))
	}
	out.w.endArr()
	return nil
}

func (s *Server) handleMetricByID(r *http.Request, c caller, out *envelope) *apiError {
	id, err := parseID(r.PathValue("id"), "metric id")
	if err != nil {
		return err
	}
	k := s.org.KeyResult(id)
	if k == nil {
		return badRequest("invalid_resource_id", "metric %d does not exist.", id)
	}
	out.key, out.total = "metric", 1
	s.writeMetric(&out.w, k, true, r.URL.Query().Get("include_metric_data") == "yes")
	return nil
}
