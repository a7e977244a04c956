package decode

import (
	"github.com/go-json-experiment/json/jsontext"
	"github.com/wbexport/wbexport/workboard"
)

// userWire is a user as GET /user sends it (with or without include=org_members).
type userWire struct {
	UserID        id                  `json:"user_id"`
	UserName      str                 `json:"user_name"`
	Email         str                 `json:"email"`
	FirstName     str                 `json:"first_name"`
	LastName      str                 `json:"last_name"`
	WBEmail       str                 `json:"wb_email"`
	CellNum       str                 `json:"cell_num"`
	CreateAt      epoch               `json:"create_at"` // an integer, or a string with include=org_members
	LastVisitedAt epoch               `json:"last_visited_at"`
	Picture       str                 `json:"picture"`
	TimeZone      str                 `json:"time_zone"`
	ExternalID    str                 `json:"external_id"`
	CreatedFrom   str                 `json:"created_from"`
	OrgID         id                  `json:"org_id"`
	Status        str                 `json:"status"`
	OrgUserRoles  csv                 `json:"org_user_roles"`
	Manager       list[managerWire]   `json:"manager"` // false when the user has none
	IsReadOnly    boolean             `json:"is_read_only"`
	Profile       object[profileWire] `json:"profile"`
	Extra         jsontext.Value      `json:",embed"`
}

// managerWire is one entry of manager[]; entries without user_id are left out.
type managerWire struct {
	UserID id  `json:"user_id"`
	Role   str `json:"role"` // "1" direct, "2" dotted
}

type profileWire struct {
	Title            str            `json:"title"`
	Company          str            `json:"company"`
	CustomAttributes raw            `json:"custom_attributes"`
	Extra            jsontext.Value `json:",embed"`
}

func (w *userWire) check() error {
	if !w.UserID.Valid {
		return missing("user_id", "missing")
	}
	return nil
}

func (w *userWire) user() workboard.User {
	var managers []workboard.Manager
	for _, m := range w.Manager {
		if m.UserID.Valid {
			managers = append(managers, workboard.Manager{UserID: m.UserID.V, Role: m.Role.V})
		}
	}
	var ex extra
	ex.add("", w.Extra)
	ex.add("profile.", w.Profile.V.Extra)
	return workboard.User{
		UserID: w.UserID.V, UserName: w.UserName.Opt, Email: w.Email.Opt, FirstName: w.FirstName.Opt,
		LastName: w.LastName.Opt, WBEmail: w.WBEmail.Opt, CellNum: w.CellNum.Opt, CreateAt: w.CreateAt.Opt,
		LastVisitedAt: w.LastVisitedAt.Opt, Picture: w.Picture.Opt, TimeZone: w.TimeZone.Opt,
		ExternalID: w.ExternalID.Opt, CreatedFrom: w.CreatedFrom.Opt, OrgID: w.OrgID.Opt, Status: w.Status.Opt,
		OrgUserRoles: w.OrgUserRoles, Managers: managers, IsReadOnly: w.IsReadOnly.Opt,
		ProfileTitle: w.Profile.V.Title.Opt, ProfileCompany: w.Profile.V.Company.Opt,
		CustomAttributesJSON: []byte(w.Profile.V.CustomAttributes), Extra: ex.build(),
	}
}

// Users decodes GET /user: the token's own user (an object), one user by id, or the org's
// members (an array, with include=org_members).
func Users(body []byte) (*Page, error) {
	p, err := records(body, "user", "user_id", func(p *Page, v jsontext.Value) error {
		var w userWire
		if err := decodeObject(v, &w); err != nil {
			return err
		}
		p.Users = append(p.Users, w.user())
		return nil
	})
	if err != nil {
		return nil, err
	}
	p.Items = len(p.Users)
	return p, nil
}
