package extract

import (
	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/workboard"
	"github.com/wbexport/wbexport/workboard/decode"
)

// seen are the ids accepted so far, per record kind: a record whose id was seen is a
// duplicate (an item repeated across pages while the listing shifted) and is dropped.
type seen struct {
	users, teams, goals, goalComments, krs map[int64]bool
	members                                map[[2]int64]bool // (team id, user id)
	// pageCheckins are the metric_data_ids of the page being accepted (cleared per page).
	pageCheckins map[int64]bool
}

func newSeen() seen {
	return seen{users: map[int64]bool{}, teams: map[int64]bool{}, goals: map[int64]bool{},
		goalComments: map[int64]bool{}, krs: map[int64]bool{}, members: map[[2]int64]bool{},
		pageCheckins: map[int64]bool{}}
}

// The accept functions filter the page's slices in place (the page is not used after
// accept), stamp Meta, and return the batch to emit with the new and duplicate item counts.

func (r *run) acceptUsers(p *decode.Page, m workboard.Meta) (*workboard.Batch, int, int) {
	out := p.Users[:0]
	for _, u := range p.Users {
		if !r.seen.users[u.UserID] {
			r.seen.users[u.UserID] = true
			u.Meta = m
			out = append(out, u)
		}
	}
	return &workboard.Batch{Users: out}, len(out), len(p.Users) - len(out)
}

func (r *run) acceptTeams(p *decode.Page, m workboard.Meta) (*workboard.Batch, int, int) {
	out := p.Teams[:0]
	for _, t := range p.Teams {
		if !r.seen.teams[t.TeamID] {
			r.seen.teams[t.TeamID] = true
			if r.plan.Has(schemas.TeamMembers) {
				r.teamIDs = append(r.teamIDs, t.TeamID)
			}
			t.Meta = m
			out = append(out, t)
		}
	}
	n := len(out)
	if !r.plan.Has(schemas.Teams) {
		out = nil
	}
	return &workboard.Batch{Teams: out}, n, len(p.Teams) - n
}

func (r *run) acceptMembers(p *decode.Page, m workboard.Meta) (*workboard.Batch, int, int) {
	out := p.TeamMembers[:0]
	for _, tm := range p.TeamMembers {
		k := [2]int64{tm.TeamID, tm.UserID}
		if !r.seen.members[k] {
			r.seen.members[k] = true
			tm.Meta = m
			out = append(out, tm)
		}
	}
	return &workboard.Batch{TeamMembers: out}, len(out), len(p.TeamMembers) - len(out)
}

// acceptGoals also records, for the key-result calls, each new goal's id and the ids of its
// key results (goal_metrics).
func (r *run) acceptGoals(p *decode.Page, m workboard.Meta) (*workboard.Batch, int, int) {
	b := &workboard.Batch{Goals: p.Goals[:0], GoalComments: p.GoalComments[:0]}
	fresh := 0
	for _, g := range p.Goals {
		if r.seen.goals[g.GoalID] {
			continue
		}
		fresh++
		r.seen.goals[g.GoalID] = true
		if r.plan.needKRs() {
			for _, mid := range g.MetricIDs {
				r.krRefs = append(r.krRefs, [2]int64{g.GoalID, mid})
			}
			if !r.plan.PerKeyResult {
				r.goalIDs = append(r.goalIDs, g.GoalID)
				r.goalsMore.Broadcast()
			}
		}
		if r.plan.Has(schemas.Goals) {
			g.Meta = m
			b.Goals = append(b.Goals, g)
		}
	}
	if r.plan.Has(schemas.GoalComments) {
		for _, gc := range p.GoalComments {
			if !r.seen.goalComments[gc.CommentID] {
				r.seen.goalComments[gc.CommentID] = true
				gc.Meta = m
				b.GoalComments = append(b.GoalComments, gc)
			}
		}
	}
	return b, fresh, len(p.Goals) - fresh
}

// acceptKRs drops key results whose metric_id was already accepted, together with everything
// nested in them (check-ins, confidence, comments). Check-ins are de-duplicated by
// metric_data_id within the page only: they arrive nested in their key result, so one seen on
// an earlier page came with that page's key result and is dropped with its duplicate here.
// Keeping no run-wide check-in id set keeps the export's memory independent of the number of
// check-ins (3 million at 100k goals).
func (r *run) acceptKRs(p *decode.Page, m workboard.Meta) (*workboard.Batch, int, int) {
	b := &workboard.Batch{KeyResults: p.KeyResults[:0], Checkins: p.Checkins[:0], Confidence: p.Confidence[:0],
		KRComments: p.KRComments[:0]}
	dropped := map[int64]bool{}
	fresh := 0
	for _, k := range p.KeyResults {
		if r.seen.krs[k.MetricID] {
			dropped[k.MetricID] = true
			continue
		}
		fresh++
		r.seen.krs[k.MetricID] = true
		if r.plan.Has(schemas.KeyResults) {
			k.Meta = m
			b.KeyResults = append(b.KeyResults, k)
		}
	}
	if r.plan.Has(schemas.KeyResultCheckins) {
		clear(r.seen.pageCheckins)
		for _, c := range p.Checkins {
			if !dropped[c.MetricID] && !r.seen.pageCheckins[c.MetricDataID] {
				r.seen.pageCheckins[c.MetricDataID] = true
				c.Meta = m
				b.Checkins = append(b.Checkins, c)
			}
		}
	}
	if r.plan.Has(schemas.KeyResultConf) {
		for _, c := range p.Confidence {
			if !dropped[c.MetricID] {
				c.Meta = m
				b.Confidence = append(b.Confidence, c)
			}
		}
	}
	if r.plan.Has(schemas.KeyResultComments) {
		for _, c := range p.KRComments {
			if !dropped[c.MetricID] {
				c.Meta = m
				b.KRComments = append(b.KRComments, c)
			}
		}
	}
	return b, fresh, len(p.KeyResults) - fresh
}
