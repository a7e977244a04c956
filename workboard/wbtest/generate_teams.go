package wbtest

import (
	"fmt"
	"slices"
)

// teams draws the org's teams: the first is the Executive Team, owned by the Data-Admin user;
// the others are functional teams below an earlier functional team, or working groups.
func (g *generator) teams() {
	id := int64(52000)
	levels := map[int64]int{} // a functional team's level: 1 for the root
	for i := 0; i < g.cfg.Teams; i++ {
		id += 1 + int64(g.r.IntN(5))
		g.p.teams = append(g.p.teams, g.team(i, id, levels))
	}
}

// team draws the i-th team, whose id is id; the teams before it are in g.p.teams.
func (g *generator) team(i int, id int64, levels map[int64]int) *Team {
	r := g.r
	t := &Team{ID: id, Type: "functional", State: "1", CreatedFrom: []string{"web", "api"}[r.IntN(2)]}
	if i == 0 {
		t.Name, t.OwnerID = "Executive Team", g.p.admin
		t.ExternalID = "ORG-EXEC"
	} else {
		t.Name = teamNames[(i-1)%len(teamNames)]
		if i-1 >= len(teamNames) {
			t.Name = fmt.Sprintf("%s %d", t.Name, (i-1)/len(teamNames)+1)
		}
		t.OwnerID = g.randomUser().ID
		if r.IntN(100) < 80 {
			t.ExternalID = fmt.Sprintf("ORG-%d", 100+i)
		}
	}
	if i > 0 && r.IntN(100) < 20 {
		t.Type = "working_group"
	} else {
		lvl := 1
		if i > 0 {
			lvl = g.placeTeam(t, levels) + 1
		}
		levels[t.ID] = lvl
		s := fmt.Sprint(lvl)
		t.Level = &s
	}
	if i > 2 && r.IntN(100) < 5 {
		t.State = "0"
	}
	t.CreatedAt = g.anchor - int64(60+r.IntN(1200))*day - int64(r.IntN(int(day)))
	t.UpdatedAt = t.CreatedAt + int64(r.IntN(int(g.anchor-t.CreatedAt-day)))
	t.Members = []TeamMember{{UserID: t.OwnerID, Role: "manager"}}
	return t
}

// placeTeam draws t's parent among the earlier functional teams, and sometimes a dotted-line
// team (another of them); it returns the parent's level.
func (g *generator) placeTeam(t *Team, levels map[int64]int) int {
	r := g.r
	var cands []*Team
	for _, x := range g.p.teams {
		if x.Type == "functional" {
			cands = append(cands, x)
		}
	}
	parent := cands[r.IntN(len(cands))]
	t.ParentID = parent.ID
	if len(cands) > 1 && r.IntN(100) < 25 {
		d := cands[r.IntN(len(cands))]
		if d.ID == parent.ID {
			d = cands[(r.IntN(len(cands)-1)+1+slices.Index(cands, parent))%len(cands)]
		}
		t.DottedTeamIDs = []int64{d.ID}
	}
	return levels[parent.ID]
}

// memberships draws team memberships: every user joins one team with a random role, some
// join a second one as a member. It then fills g.memberOf.
func (g *generator) memberships() {
	r := g.r
	roles := []string{"member", "member", "member", "member", "co_manager", "team_admin", "exec_viewer"}
	for _, u := range g.p.users {
		t := g.p.teams[r.IntN(len(g.p.teams))]
		join(t, u.ID, roles[r.IntN(len(roles))])
		if r.IntN(100) < 15 {
			join(g.p.teams[r.IntN(len(g.p.teams))], u.ID, "member")
		}
	}
	g.memberOf = map[int64][]*Team{}
	for _, t := range g.p.teams {
		for _, m := range t.Members {
			g.memberOf[m.UserID] = append(g.memberOf[m.UserID], t)
		}
	}
}

// join adds uid to t with role, unless uid already is a member.
func join(t *Team, uid int64, role string) {
	for _, m := range t.Members {
		if m.UserID == uid {
			return
		}
	}
	t.Members = append(t.Members, TeamMember{UserID: uid, Role: role})
}
