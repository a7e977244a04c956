package extract

import (
	"context"
	"errors"
	"time"

	"github.com/wbexport/wbexport/workboard"
	"github.com/wbexport/wbexport/workboard/decode"
)

// users is GET ep, decoded as users.
func users(ctx context.Context, c *workboard.Client, ep string) (p *decode.Page, at time.Time, err error) {
	at, err = c.Get(ctx, ep, func(b []byte) (err error) {
		p, err = decode.Users(b)
		return err
	})
	return p, at, err
}

// Me returns the token's own user (GET /user).
func Me(ctx context.Context, c *workboard.Client) (*workboard.User, error) {
	const ep = "/user"
	p, at, err := users(ctx, c, ep)
	if err != nil {
		return nil, err
	}
	if len(p.Users) == 0 {
		return nil, &workboard.DecodeError{Endpoint: ep, Offset: -1, Index: -1, Entity: "user", Field: "data.user", Msg: "no user in the response"}
	}
	u := p.Users[0]
	u.Meta = workboard.Meta{ExtractedAt: at, Endpoint: ep}
	return &u, nil
}

// CheckResult is what Check found out about the token.
type CheckResult struct {
	BaseURL    string          `json:"base_url"`
	User       *workboard.User `json:"-"`
	UserID     int64           `json:"user_id"`
	Email      string          `json:"email"`
	DataAdmin  bool            `json:"data_admin"`  // include=org_members works
	OrgMembers int64           `json:"org_members"` // totalCount of the org member listing, -1 when unknown
	Problem    string          `json:"problem,omitempty"`
	Hint       string          `json:"hint,omitempty"`
}

// Check verifies the token (GET /user), the identity it belongs to, and Data-Admin rights
// (GET /user?include=org_members&limit=1). A token problem is returned as an error matching
// workboard.ErrAuth; missing Data-Admin rights are reported in the result (DataAdmin false,
// Problem).
func Check(ctx context.Context, c *workboard.Client) (*CheckResult, error) {
	me, err := Me(ctx, c)
	if err != nil {
		return nil, err
	}
	res := &CheckResult{BaseURL: c.BaseURL(), User: me, UserID: me.UserID, Email: me.Email.V, OrgMembers: -1}
	p, _, err := users(ctx, c, "/user?include=org_members&limit=1&offset=0")
	if err == nil {
		res.DataAdmin = true
		if p.TotalCount.Valid {
			res.OrgMembers = p.TotalCount.V
		}
		return res, nil
	}
	err = atOffset(err, 0)
	var ae *workboard.APIError
	if errors.As(err, &ae) && !ae.IsAuth() && ae.RetryCause == "" {
		res.Problem = "the token cannot list the organisation's members (" + err.Error() + ")"
		res.Hint = (&workboard.APIError{HTTPStatus: 403}).Hint()
		return res, nil
	}
	return res, err
}
