package wbtest

import (
	"math"
	"sort"
	"time"
)

// at projects the plan onto the instant asOf: only what exists or happened by then is visible,
// and progress, modification times and next update dates follow from it.
func (p *orgPlan) at(asOf time.Time) *Org {
	cfg := p.cfg
	cfg.AsOf = asOf
	T := asOf.Unix()
	o := &Org{Config: cfg, ID: p.orgID, Name: p.name, AsOf: asOf, AdminUserID: p.admin, TokenUserID: p.tokenU, plan: p}
	for _, u := range p.users {
		c := *u
		if c.LastVisitedAt > T {
			c.LastVisitedAt = T - 3600
		}
		o.Users = append(o.Users, &c)
	}
	for _, t := range p.teams {
		c := *t
		if c.UpdatedAt > T {
			c.UpdatedAt = max(c.CreatedAt, T-3600)
		}
		o.Teams = append(o.Teams, &c)
	}
	for _, gp := range p.goals {
		o.Goals = append(o.Goals, gp.project(T))
	}
	for _, t := range p.tags {
		c := *t
		o.Tags = append(o.Tags, &c)
	}
	o.index()
	return o
}

// project is the goal as of T: its key results as of T, progress as their average, the
// comments added by T, and the latest change as its modification time.
func (gp *goalPlan) project(T int64) *Goal {
	g := gp.g
	g.KeyResults = nil
	g.Comments = nil
	g.ModifiedAt, g.UpdatedBy = g.CreateAt, g.CreatedBy
	var sum float64
	for _, kp := range gp.krs {
		k := kp.project(T)
		g.KeyResults = append(g.KeyResults, k)
		sum += k.Progress
		if k.ModifiedAt > g.ModifiedAt {
			g.ModifiedAt, g.UpdatedBy = k.ModifiedAt, k.UpdatedBy
		}
	}
	if len(g.KeyResults) > 0 {
		g.Progress = round(sum/float64(len(g.KeyResults)), 2)
	}
	g.ProgressColor = ColorFor(g.Progress)
	for _, c := range gp.comments {
		if c.AddedAt <= T {
			if c.LastUpdated > T {
				c.LastUpdated = c.AddedAt
			}
			g.Comments = append(g.Comments, c)
			if c.LastUpdated > g.ModifiedAt {
				g.ModifiedAt = c.LastUpdated
			}
		}
	}
	return &g
}

// project is the key result as of T.
func (kp *krPlan) project(T int64) *KeyResult {
	k := kp.k
	vals := kp.history(&k, T)
	k.Achieved = achieved(&k, vals)
	k.Progress = krProgress(k.CountingType.ID, k.InitialData, k.Target, k.Achieved)
	k.ProgressColor = ColorFor(k.Progress)
	k.ModifiedAt = max(k.CreateAt, k.LastUpdate)
	if n := len(k.Confidence); n > 0 && k.Confidence[n-1].ModifiedAt > k.ModifiedAt {
		k.ModifiedAt = k.Confidence[n-1].ModifiedAt
	}
	k.NextUpdate = kp.nextUpdate(T)
	return &k
}

// history fills k's metric_data rows (slots due before T), its comments and confidence
// entries as of T, and its latest update; it returns the values entered by T, in slot order.
func (kp *krPlan) history(k *KeyResult, T int64) []float64 {
	k.MetricData = make([]MetricData, 0, len(kp.slots))
	k.UpdatedBy = k.CreatedBy
	vals := make([]float64, 0, len(kp.slots))
	for _, s := range kp.slots {
		if s.due >= T {
			break
		}
		md := MetricData{ID: s.id, CreatedAt: s.due}
		if !s.missed && s.updated <= T {
			v := s.value
			md.Value, md.CreatedBy, md.UpdatedAt, md.Comment = &v, s.by, s.updated, s.comment
			vals = append(vals, v)
			if s.updated > k.LastUpdate {
				k.LastUpdate, k.UpdatedBy = s.updated, s.by
			}
			if s.comment != "" {
				k.Comments = append(k.Comments, KRComment{Comment: s.comment, ModifiedAt: s.updated})
			}
		}
		k.MetricData = append(k.MetricData, md)
	}
	for _, c := range kp.extra {
		if c.ModifiedAt <= T {
			k.Comments = append(k.Comments, c)
		}
	}
	sort.SliceStable(k.Comments, func(i, j int) bool { return k.Comments[i].ModifiedAt < k.Comments[j].ModifiedAt })
	for _, c := range kp.conf {
		if c.ModifiedAt <= T {
			k.Confidence = append(k.Confidence, c)
		}
	}
	return vals
}

// achieved is metric_achieve_target from the values entered so far, per progress type: the
// initial value plus their sum (total), their average, or the last one; the initial value
// when there are none.
func achieved(k *KeyResult, vals []float64) float64 {
	if len(vals) == 0 {
		return k.InitialData
	}
	dec := unitDecimals(k.Unit.ID)
	switch k.ProgressType.ID {
	case "2":
		var s float64
		for _, v := range vals {
			s += v
		}
		return round(k.InitialData+s, dec)
	case "3":
		var s float64
		for _, v := range vals {
			s += v
		}
		return round(s/float64(len(vals)), dec)
	default:
		return vals[len(vals)-1]
	}
}

// nextUpdate is the first slot due at or after T; past the last slot, one cadence period after
// it (0 for a key result without slots).
func (kp *krPlan) nextUpdate(T int64) int64 {
	for _, s := range kp.slots {
		if s.due >= T {
			return s.due
		}
	}
	if len(kp.slots) == 0 {
		return 0
	}
	lastDue := kp.slots[len(kp.slots)-1].due
	if kp.monthly {
		return time.Unix(lastDue, 0).UTC().AddDate(0, 1, 0).Unix()
	}
	return lastDue + int64(kp.interval/time.Second)
}

// ColorFor maps a progress percentage to the colour string the emulator sends in
// goal_progress_color / metric_progress_color: "green" (>= 70), "amber" (>= 50), else "red".
// (WorkBoard's literal colour values are unknown; these match the fixtures.)
func ColorFor(progress float64) string {
	switch {
	case progress >= 70:
		return "green"
	case progress >= 50:
		return "amber"
	default:
		return "red"
	}
}

// krProgress derives a KR's progress percent from its initial value, target and achieved value.
func krProgress(countingType string, initial, target, achieved float64) float64 {
	span := target - initial
	if span == 0 {
		return 100
	}
	var p float64
	if countingType == "3" {
		p = 100 - math.Abs(achieved-target)/math.Abs(span)*100
	} else {
		p = (achieved - initial) / span * 100
	}
	return round(math.Max(0, math.Min(100, p)), 2)
}
