package decode

import (
	"encoding/json"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/wbexport/wbexport/workboard"
)

// userWire is a user as GET /user sends it (create_at is an integer, or a string with
// include=org_members): the User's own fields, and what needs a second look.
type userWire struct {
	workboard.User
	UserID  workboard.Opt[int64] `json:"user_id"`
	Manager list[managerWire]    `json:"manager"` // false when the user has none
	Profile object[struct {
		Title            workboard.Opt[string] `json:"title"`
		Company          workboard.Opt[string] `json:"company"`
		CustomAttributes json.RawMessage       `json:"custom_attributes"`
		Unknown          jsontext.Value        `json:",embed"`
	}] `json:"profile"`
	Unknown jsontext.Value `json:",embed"`
}

// managerWire is one entry of manager[]; entries without user_id are left out of the manager
// columns (manager[] is then kept whole in Extra, see keptWhole).
type managerWire struct {
	UserID workboard.Opt[int64]  `json:"user_id"`
	Role   workboard.Opt[string] `json:"role"` // "1" direct, "2" dotted
}

func (w *userWire) check() error { return required(w.UserID, "user_id") }

// Users decodes GET /user: the token's own user (an object), one user by id, or the org's
// members (an array, with include=org_members).
func Users(body []byte) (*Page, error) {
	p, err := records(body, "user", "user_id", func(p *Page, v jsontext.Value) error {
		var w userWire
		if err := decodeObject(v, &w); err != nil {
			return err
		}
		u, prof := w.User, w.Profile.V
		u.UserID, u.ProfileTitle, u.ProfileCompany, u.CustomAttributesJSON = w.UserID.V, prof.Title, prof.Company, prof.CustomAttributes
		for _, m := range w.Manager {
			if m.UserID.Valid {
				u.Managers = append(u.Managers, workboard.Manager{UserID: m.UserID.V, Role: m.Role.V})
			}
		}
		u.Extra = extraOf(w.Unknown, "profile.", prof.Unknown, keptWhole(v, userRules)...)
		p.Users = append(p.Users, u)
		return nil
	})
	if err != nil {
		return nil, err
	}
	p.Items = len(p.Users)
	return p, nil
}
