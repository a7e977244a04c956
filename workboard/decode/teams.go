package decode

import (
	"github.com/go-json-experiment/json/jsontext"
	"github.com/wbexport/wbexport/workboard"
)

// teamWire is a team as GET /team?include=org_teams (no members) or GET /team/{id} (with
// team_members[]) sends it.
type teamWire struct {
	workboard.Team
	TeamID      workboard.Opt[int64] `json:"team_id"`
	TeamMembers list[memberWire]     `json:"team_members"`
	Unknown     jsontext.Value       `json:",embed"`
}

// memberWire is one entry of team_members[]: the user's id is id (user_id when id is absent).
type memberWire struct {
	workboard.TeamMember
	ID      workboard.Opt[int64] `json:"id"`
	UserID  workboard.Opt[int64] `json:"user_id"`
	Unknown jsontext.Value       `json:",embed"`
}

func (w *teamWire) check() error { return required(w.TeamID, "team_id") }

func (w *memberWire) check() error {
	if !w.ID.Valid {
		w.ID = w.UserID
	}
	return required(w.ID, "id")
}

// Teams decodes GET /team (an array of teams) or GET /team/{id} (one team with its
// team_members[], which become TeamMember records).
func Teams(body []byte) (*Page, error) {
	p, err := records(body, "team", "team_id", func(p *Page, v jsontext.Value) error {
		var w teamWire
		if err := decodeObject(v, &w); err != nil {
			return err
		}
		t := w.Team
		t.TeamID, t.ParentTeamID, t.Extra = w.TeamID.V, nonZero(t.ParentTeamID), extraOf(w.Unknown, "", nil) // "0" for a root team
		p.Teams = append(p.Teams, t)
		for _, m := range w.TeamMembers {
			m.TeamMember.TeamID, m.TeamMember.UserID, m.Extra = t.TeamID, m.ID.V, extraOf(m.Unknown, "", nil)
			p.TeamMembers = append(p.TeamMembers, m.TeamMember)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	p.Items = len(p.Teams)
	return p, nil
}

// nonZero is v, not valid when it is 0 (a root team's parent, a personal goal's team).
func nonZero(v workboard.Opt[int64]) workboard.Opt[int64] {
	if v.V == 0 {
		return workboard.Opt[int64]{}
	}
	return v
}

// required is a *fieldError for member when id is not valid.
func required(id workboard.Opt[int64], member string) error {
	if !id.Valid {
		return missing(member, "missing")
	}
	return nil
}
