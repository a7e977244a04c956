package decode

import (
	"github.com/go-json-experiment/json/jsontext"
	"github.com/wbexport/wbexport/workboard"
)

// teamWire is a team as GET /team?include=org_teams (no members) or GET /team/{id} (with
// team_members[]) sends it.
type teamWire struct {
	TeamID        id               `json:"team_id"`
	ExternalID    str              `json:"external_id"`
	ParentTeamID  id               `json:"parent_team_id"` // "0" or "" for a root team
	DottedTeamIDs ids              `json:"dotted_team_ids"`
	TeamName      str              `json:"team_name"`
	TeamOwner     id               `json:"team_owner"`
	TeamType      str              `json:"team_type"`
	Level         str              `json:"level"`
	CreatedFrom   str              `json:"created_from"`
	CreatedAt     epoch            `json:"created_at"`
	UpdatedAt     epoch            `json:"updated_at"`
	TeamState     str              `json:"team_state"`
	TeamMembers   list[memberWire] `json:"team_members"`
	Extra         jsontext.Value   `json:",embed"`
}

// memberWire is one entry of team_members[]: the user's id is id (user_id when id is absent).
type memberWire struct {
	ID        id             `json:"id"`
	UserID    id             `json:"user_id"`
	FirstName str            `json:"first_name"`
	LastName  str            `json:"last_name"`
	Email     str            `json:"email"`
	TeamRole  str            `json:"team_role"`
	Extra     jsontext.Value `json:",embed"`
}

func (w *teamWire) check() error {
	if !w.TeamID.Valid {
		return missing("team_id", "missing")
	}
	return nil
}

func (w *memberWire) check() error {
	if !w.ID.Valid && !w.UserID.Valid {
		return missing("id", "missing")
	}
	return nil
}

func (w *teamWire) team() workboard.Team {
	return workboard.Team{
		TeamID: w.TeamID.V, ExternalID: w.ExternalID.Opt, ParentTeamID: nonZero(w.ParentTeamID),
		DottedTeamIDs: w.DottedTeamIDs, TeamName: w.TeamName.Opt, TeamOwner: w.TeamOwner.Opt,
		TeamType: w.TeamType.Opt, Level: w.Level.Opt, CreatedFrom: w.CreatedFrom.Opt,
		CreatedAt: w.CreatedAt.Opt, UpdatedAt: w.UpdatedAt.Opt, TeamState: w.TeamState.Opt,
		Extra: extraOf(w.Extra),
	}
}

func (w *memberWire) member(teamID int64) workboard.TeamMember {
	user := w.ID
	if !user.Valid {
		user = w.UserID
	}
	return workboard.TeamMember{TeamID: teamID, UserID: user.V, FirstName: w.FirstName.Opt,
		LastName: w.LastName.Opt, Email: w.Email.Opt, TeamRole: w.TeamRole.Opt, Extra: extraOf(w.Extra)}
}

// nonZero is v, not valid when it is 0 (a root team's parent, a personal goal's team).
func nonZero(v id) workboard.Opt[int64] {
	if v.V == 0 {
		return workboard.Opt[int64]{}
	}
	return v.Opt
}

// Teams decodes GET /team (an array of teams) or GET /team/{id} (one team with its
// team_members[], which become TeamMember records).
func Teams(body []byte) (*Page, error) {
	p, err := records(body, "team", "team_id", func(p *Page, v jsontext.Value) error {
		var w teamWire
		if err := decodeObject(v, &w); err != nil {
			return err
		}
		t := w.team()
		p.Teams = append(p.Teams, t)
		for i := range w.TeamMembers {
			p.TeamMembers = append(p.TeamMembers, w.TeamMembers[i].member(t.TeamID))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	p.Items = len(p.Teams)
	return p, nil
}
