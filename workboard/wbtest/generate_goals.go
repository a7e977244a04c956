package wbtest

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"
)

// goalDraw is what a goal's key results are drawn against.
type goalDraw struct {
	goal    *Goal
	owner   *User
	closed  bool
	end     int64 // when a closed goal's period ended
	horizon int64 // up to when an active goal's check-ins are scheduled
}

// goal draws the gi-th goal with its key results, their history and the goal's comments.
// The first goal belongs to the ordinary token's user, so that user owns a goal and a KR.
func (g *generator) goal(gi int) *goalPlan {
	r := g.r
	g.goalID += 1 + int64(r.IntN(3))
	gp := &goalPlan{}
	d := &goalDraw{goal: &gp.g, owner: g.randomUser()}
	if gi == 0 {
		d.owner = g.p.users[1]
	}
	goal, owner := d.goal, d.owner
	goal.ID = g.goalID
	goal.OwnerID, goal.OwnerFullName = owner.ID, owner.FullName()
	goal.CreatedBy = owner.ID
	d.closed = gi > 0 && r.IntN(100) < 20
	personal := r.IntN(100) < 15
	goal.Status = "1"
	if d.closed {
		goal.Status = "2"
	}
	goal.Name = goalNames[r.IntN(len(goalNames))]
	if r.IntN(3) == 0 {
		goal.Narrative = "Company objective for the period. Owner: " + owner.FirstName + "."
	}
	if personal {
		goal.Type = IDName{"2", "Individual"}
		goal.Permission = []string{"owner,manager", "owner,manager,internal"}[r.IntN(2)]
	} else {
		g.teamGoal(goal, owner)
	}
	g.goalLabels(goal)
	d.end = g.anchor - int64(7+r.IntN(40))*day
	d.horizon = g.anchor + int64(14+r.IntN(60))*day
	nk := g.cfg.KRsPerGoal
	if nk > 1 {
		nk += r.IntN(3) - 1
	}
	start := g.anchor // the earliest check-in slot
	for ki := 0; ki < nk; ki++ {
		kp := g.keyResult(ki, d)
		start = min(start, kp.slots[0].due)
		gp.krs = append(gp.krs, kp)
	}
	g.goalDates(d, gp.krs, start)
	gp.comments = g.goalComments(goal, owner)
	return gp
}

// teamGoal makes goal a team goal of one of the owner's teams (any team when the owner has
// none), visible to that team and its parent.
func (g *generator) teamGoal(goal *Goal, owner *User) {
	r := g.r
	goal.Type = IDName{"1", "Team"}
	goal.Permission = []string{"team,report,internal", "team,internal", "team,report,internal,any"}[r.IntN(3)]
	ts := g.memberOf[owner.ID]
	var t *Team
	if len(ts) > 0 {
		t = ts[r.IntN(len(ts))]
	} else {
		t = g.p.teams[r.IntN(len(g.p.teams))]
	}
	goal.TeamID, goal.TeamName = t.ID, t.Name
	goal.PermissionTeamIDs = []int64{t.ID}
	if t.ParentID != 0 {
		goal.PermissionTeamIDs = append(goal.PermissionTeamIDs, t.ParentID)
	}
}

// goalLabels draws the goal's categories, workstream, custom attributes and, on a few goals,
// the undocumented beta_flag field.
func (g *generator) goalLabels(goal *Goal) {
	r := g.r
	nc := r.IntN(3)
	perm := r.Perm(len(categories))
	for i := 0; i < nc; i++ {
		goal.Categories = append(goal.Categories, categories[perm[i]])
	}
	sort.Slice(goal.Categories, func(i, j int) bool { return goal.Categories[i].ID < goal.Categories[j].ID })
	if r.IntN(100) < 25 {
		goal.Workstreams = []IDName{workstreams[r.IntN(len(workstreams))]}
	}
	budget := ""
	if r.IntN(2) == 0 {
		budget = fmt.Sprintf("BC-%04d", r.IntN(10000))
	}
	goal.CustomAttributes = []GoalAttribute{
		{ID: 31, Name: "Strategic Theme", Value: themes[r.IntN(len(themes))], Status: "1"},
		{ID: 34, Name: "Budget Code", Value: budget, Status: "1"},
	}
	if r.IntN(100) < 5 {
		goal.Extra = []RawField{{Name: "beta_flag", Value: json.RawMessage("true")}}
	}
}

// goalDates sets the goal's start (a few days before its earliest check-in slot, start),
// target and creation dates, then its key results' creation times, target dates and
// source texts.
func (g *generator) goalDates(d *goalDraw, krs []*krPlan, start int64) {
	r, goal := g.r, d.goal
	goal.StartDate = time.Unix(start, 0).UTC().Truncate(24*time.Hour).Unix() - int64(r.IntN(4))*day
	if d.closed {
		goal.TargetDate = d.end
	} else {
		goal.TargetDate = time.Unix(d.horizon, 0).UTC().Truncate(24 * time.Hour).Unix()
	}
	goal.CreateAt = goal.StartDate - int64(1+r.IntN(10))*day + int64(r.IntN(int(day)))
	for ki, kp := range krs {
		kp.k.CreateAt = goal.CreateAt + int64(60*(ki+1)+r.IntN(3000))
		kp.k.TargetDate = goal.TargetDate
		if kp.k.SourceCode == "10" {
			kp.k.SourceText = "Datastream: " + kp.k.Name
		} else {
			kp.k.SourceText = g.p.userByID(kp.k.OwnerID).FullName()
		}
	}
}

// goalComments draws up to three comments between the goal's start and target dates, most by
// its owner, some edited later.
func (g *generator) goalComments(goal *Goal, owner *User) []GoalComment {
	r := g.r
	var cs []GoalComment
	for i, nc := 0, r.IntN(4); i < nc && i < 3; i++ {
		g.commentID += 1 + int64(r.IntN(2))
		at := goal.StartDate + int64(r.IntN(int(goal.TargetDate-goal.StartDate+1)))
		who := owner
		if r.IntN(3) == 0 {
			who = g.randomUser()
		}
		c := GoalComment{ID: g.commentID, Text: goalComments[r.IntN(len(goalComments))], OwnerID: who.ID,
			OwnerName: who.FullName(), AddedAt: at, LastUpdated: at}
		if r.IntN(5) == 0 {
			c.LastUpdated = at + int64(r.IntN(int(3*day)))
		}
		cs = append(cs, c)
	}
	return cs
}

// userByID finds a user of the plan by id (users are in id order).
func (p *orgPlan) userByID(id int64) *User {
	i := sort.Search(len(p.users), func(i int) bool { return p.users[i].ID >= id })
	return p.users[i]
}
