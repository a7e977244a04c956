package extract

import (
	"fmt"
	"time"
)

// The page decoders below tokenize each body once with a stream (stream.go; in its fast mode
// first, see decodeFast): they descend into data.<key>, the goal wrappers, the records and
// their history arrays in one front-to-back pass, and hand every leaf value, raw, to the p*
// parsers of values.go. Errors keep the precedence of a walk that reads each object in full
// before descending into what it holds: an error in an object's own members beats an error
// inside a nested list it holds that is decoded after the walk (goal_comments, team_members,
// metric_data, ...), the frame (success, error, data.totalCount) beats the records, and a
// member that appears twice counts once, the last time.

// DecodeEnvelope decodes the frame of a v1 response body and picks out data.<key>. It returns
// a *DecodeError for non-JSON or malformed frames, and an *APIError (HTTPStatus 0) when the
// body says "success": false. It is a pure function over bytes.
func DecodeEnvelope(body []byte, key string) (*Envelope, error) {
	return decodeFast(body, func(body []byte, fast bool) (*Envelope, error) {
		env, _, err := decodeFrame(body, key, nil, nil, fast)
		return env, err
	})
}

// decodeFast runs dec over body in the fast mode of the tokenizer (faststream.go) and, when it
// fails, again in jsontext mode, whose result it returns: a body the fast mode refuses, or a
// page with any error, is decoded by jsontext, so errors are always jsontext's.
func decodeFast[T any](body []byte, dec func(body []byte, fast bool) (T, error)) (T, error) {
	if v, err := dec(body, true); err == nil {
		return v, nil
	}
	return dec(body, false)
}

// decodeFrame walks the top-level object of body. For data.<key> it calls res with the stream
// at the resource value (res must read it; nil keeps it raw in Envelope.Resource) and returns
// res's error as resErr, which the caller reports only when err is nil. reset is called before
// each data and data.<key> member (a repeated member replaces what the earlier one gave).
func decodeFrame(body []byte, key string, res func(s *stream) error, reset func(), fast bool) (env *Envelope, resErr, err error) {
	env = &Envelope{}
	b := trimValue(body)
	if kind(b) != '{' {
		return nil, nil, &DecodeError{Offset: -1, Index: -1, Msg: "expected a JSON object, got " + describeRaw(b)}
	}
	s := newStream(b, fast)
	defer s.release()
	var dataErr error
	err = s.object("", nil, "|data|", func(k, v []byte) error {
		switch string(k) {
		case "success":
			o, err := pBool("success", s.raw(v))
			env.Success = o
			return err
		case "message":
			if v = s.raw(v); kind(v) == '"' {
				env.Message, _ = unquote(v)
			}
		case "error":
			str, err := pStr("error", s.raw(v))
			env.Code = str.V
			return err
		case "error_description":
			str, _ := pStr("error_description", s.raw(v))
			env.Desc = str.V
		case "data":
			dataErr, resErr = nil, nil
			env.TotalCount, env.Resource = Opt[int64]{}, nil
			if reset != nil {
				reset()
			}
			if v != nil || s.peek() != '{' {
				env.Data = s.raw(v)
				return nil
			}
			s.token()
			start := s.offset() - 1
			for s.more() {
				k := s.name()
				if dataErr != nil {
					s.skip()
					continue
				}
				switch string(k) {
				case "totalCount":
					o, err := pCount("data.totalCount", s.value())
					if err == nil && o.Valid && o.V < 0 {
						err = &fieldError{Field: "data.totalCount", Msg: fmt.Sprintf("negative totalCount %d", o.V)}
					}
					if err != nil {
						dataErr = err
						continue
					}
					env.TotalCount = o
				case key:
					if res == nil {
						env.Resource = s.value()
						continue
					}
					if reset != nil {
						reset()
					}
					rs := s.offset()
					resErr = res(s)
					if s.fatal == nil {
						env.Resource = trimValue(b[rs:s.offset()])
						if len(env.Resource) > 0 && env.Resource[0] == ':' {
							env.Resource = trimValue(env.Resource[1:])
						}
					}
				default:
					s.skip()
				}
				if s.fatal != nil {
					if resErr != nil && named(resErr) {
						return resErr
					}
					return invalidIn("data."+string(k), s.fatal)
				}
			}
			s.close()
			if s.fatal == nil {
				env.Data = b[start:s.offset()]
			}
		default:
			if v == nil {
				s.skip()
			}
		}
		return nil
	})
	if err == nil && s.fast && s.fatal != nil {
		err = s.fatal // the fast mode failed somewhere: the caller decodes again with jsontext
	}
	if err == nil && s.fatal == nil {
		if end := s.offset(); end < len(b) {
			// b is trimmed: anything after the object is not JSON
			err = fmt.Errorf("invalid character %q after the top-level object (offset %d)", b[end], end)
		}
	}
	if err != nil {
		return nil, nil, decodeErr("", -1, "", err)
	}
	if (env.Success.Valid && !env.Success.V) || (env.Code != "" && !env.Success.Valid) {
		// an error body: data was not looked into
		env.TotalCount, env.Resource = Opt[int64]{}, nil
	}
	if env.Success.Valid && !env.Success.V {
		code := env.Code
		if code == "" {
			code = env.Message
		}
		return env, nil, &APIError{Offset: -1, Code: code, Description: env.Desc}
	}
	if env.Code != "" && !env.Success.Valid {
		return env, nil, &APIError{Offset: -1, Code: env.Code, Description: env.Desc}
	}
	if env.Data == nil {
		return nil, nil, &DecodeError{Offset: -1, Index: -1, Field: "data", Msg: "response has no data object"}
	}
	switch kind(env.Data) {
	case '{':
	case '[':
		if isEmptyArray(env.Data) { // PHP empty array for "no data"
			return env, nil, nil
		}
		fallthrough
	default:
		return nil, nil, &DecodeError{Offset: -1, Index: -1, Field: "data", Msg: "want an object, got " + describeRaw(env.Data)}
	}
	if dataErr != nil {
		return nil, nil, decodeErr("", -1, "", dataErr)
	}
	return env, resErr, nil
}

// decodePage runs decodeFrame with the resource decoder res filling p.
func decodePage(body []byte, key string, p *Page, res func(s *stream) error, fast bool) (*Page, error) {
	env, resErr, err := decodeFrame(body, key, res, func() { p.Batch = Batch{} }, fast)
	if err != nil {
		return nil, err
	}
	if resErr != nil {
		return nil, resErr
	}
	p.TotalCount = env.TotalCount
	return p, nil
}

// ---------------------------------------------------------------------------------------------
// users

// DecodeUsersPage decodes GET /user (object or array forms) into User records.
func DecodeUsersPage(body []byte) (*Page, error) { return decodeFast(body, decodeUsersPage) }

func decodeUsersPage(body []byte, fast bool) (*Page, error) {
	p := &Page{}
	var ex extraBuf
	_, err := decodePage(body, "user", p, func(s *stream) error {
		err := s.list("", nil, func(i int, s *stream) error {
			var id string
			u, err := decodeUser(s, &ex, &id)
			if err == nil {
				err = ex.takeErr()
			}
			if err != nil {
				return decodeErr("user", i, id, err)
			}
			p.Users = append(p.Users, u)
			return nil
		})
		return decodeErr("user", -1, "", asFieldErr("data.user", err))
	}, fast)
	if err != nil {
		return nil, err
	}
	p.Items = len(p.Users)
	return p, nil
}

func decodeUser(s *stream, ex *extraBuf, id *string) (User, error) {
	var u User
	var hasID bool
	ex.reset()
	err := s.object("user_id", id, "", func(k, v []byte) error {
		var err error
		switch string(k) {
		case "user_id":
			var o Opt[int64]
			o, err = pID("user_id", s.raw(v))
			u.UserID, hasID = o.V, o.Valid
		case "user_name":
			u.UserName, err = pStr("user_name", s.raw(v))
		case "email":
			u.Email, err = pStr("email", s.raw(v))
		case "first_name":
			u.FirstName, err = pStr("first_name", s.raw(v))
		case "last_name":
			u.LastName, err = pStr("last_name", s.raw(v))
		case "wb_email":
			u.WBEmail, err = pStr("wb_email", s.raw(v))
		case "cell_num":
			u.CellNum, err = pStr("cell_num", s.raw(v))
		case "create_at":
			u.CreateAt, err = pTime("create_at", s.raw(v))
		case "last_visited_at":
			u.LastVisitedAt, err = pTime("last_visited_at", s.raw(v))
		case "picture":
			u.Picture, err = pStr("picture", s.raw(v))
		case "time_zone":
			u.TimeZone, err = pStr("time_zone", s.raw(v))
		case "external_id":
			u.ExternalID, err = pStr("external_id", s.raw(v))
		case "created_from":
			u.CreatedFrom, err = pStr("created_from", s.raw(v))
		case "org_id":
			u.OrgID, err = pID("org_id", s.raw(v))
		case "status":
			u.Status, err = pStr("status", s.raw(v))
		case "org_user_roles":
			u.OrgUserRoles, err = pCSV("org_user_roles", s.raw(v))
		case "manager":
			u.Managers, err = decodeManagers(s.raw(v))
		case "is_read_only":
			u.IsReadOnly, err = pBool("is_read_only", s.raw(v))
		case "profile":
			err = decodeProfile(&u, s.raw(v), ex)
		default:
			ex.add(k, s.raw(v))
		}
		return err
	})
	if err != nil {
		return u, err
	}
	if !hasID {
		return u, &fieldError{Field: "user_id", Msg: "missing"}
	}
	u.Extra = ex.build()
	return u, nil
}

// ---------------------------------------------------------------------------------------------
// teams

// DecodeTeamsPage decodes GET /team (array) or GET /team/{id} (object with team_members[])
// into Team and TeamMember records.
func DecodeTeamsPage(body []byte) (*Page, error) { return decodeFast(body, decodeTeamsPage) }

func decodeTeamsPage(body []byte, fast bool) (*Page, error) {
	p := &Page{}
	var ex, exm extraBuf
	var members []TeamMember
	_, err := decodePage(body, "team", p, func(s *stream) error {
		err := s.list("", nil, func(i int, s *stream) error {
			var id string
			var t Team
			var err error
			t, members, err = decodeTeam(s, &ex, &exm, members[:0], &id)
			if err == nil {
				err = ex.takeErr()
			}
			if err == nil {
				err = exm.takeErr()
			}
			if err != nil {
				return decodeErr("team", i, id, err)
			}
			p.Teams = append(p.Teams, t)
			p.TeamMembers = append(p.TeamMembers, members...)
			return nil
		})
		return decodeErr("team", -1, "", asFieldErr("data.team", err))
	}, fast)
	if err != nil {
		return nil, err
	}
	p.Items = len(p.Teams)
	return p, nil
}

// decodeTeam decodes one team, appending its members to members (a scratch slice).
func decodeTeam(s *stream, ex, exm *extraBuf, members []TeamMember, id *string) (Team, []TeamMember, error) {
	var t Team
	var hasID bool
	var membersErr error
	ex.reset()
	err := s.object("team_id", id, "|team_members|", func(k, v []byte) error {
		var err error
		switch string(k) {
		case "team_id":
			var o Opt[int64]
			o, err = pID("team_id", s.raw(v))
			t.TeamID, hasID = o.V, o.Valid
		case "external_id":
			t.ExternalID, err = pStr("external_id", s.raw(v))
		case "parent_team_id":
			t.ParentTeamID, err = pZeroID("parent_team_id", s.raw(v))
		case "dotted_team_ids":
			t.DottedTeamIDs, err = pIDList("dotted_team_ids", s.raw(v))
		case "team_name":
			t.TeamName, err = pStr("team_name", s.raw(v))
		case "team_owner":
			t.TeamOwner, err = pID("team_owner", s.raw(v))
		case "team_type":
			t.TeamType, err = pStr("team_type", s.raw(v))
		case "level":
			t.Level, err = pStr("level", s.raw(v))
		case "created_from":
			t.CreatedFrom, err = pStr("created_from", s.raw(v))
		case "created_at":
			t.CreatedAt, err = pTime("created_at", s.raw(v))
		case "updated_at":
			t.UpdatedAt, err = pTime("updated_at", s.raw(v))
		case "team_state":
			t.TeamState, err = pStr("team_state", s.raw(v))
		case "team_members":
			// decoded after the team's own members in the old walk: its error waits
			members = members[:0]
			e := s.list("team_members", v, func(i int, s *stream) error {
				var m TeamMember
				var has bool
				const f = "team_members"
				exm.reset()
				err := s.object("", nil, "", func(k, v []byte) error {
					var err error
					switch string(k) {
					case "id", "user_id":
						var o Opt[int64]
						o, err = pID("id", s.raw(v))
						m.UserID, has = o.V, o.Valid
					case "first_name":
						m.FirstName, err = pStr("first_name", s.raw(v))
					case "last_name":
						m.LastName, err = pStr("last_name", s.raw(v))
					case "email":
						m.Email, err = pStr("email", s.raw(v))
					case "team_role":
						m.TeamRole, err = pStr("team_role", s.raw(v))
					default:
						exm.add(k, s.raw(v))
					}
					return err
				})
				if err != nil {
					return prefixField(err, f, i)
				}
				if !has {
					return &fieldError{Field: fmt.Sprintf("%s[%d].id", f, i), Msg: "missing"}
				}
				m.Extra = exm.build()
				members = append(members, m)
				return nil
			})
			membersErr = asFieldErr("team_members", e)
			if s.fatal != nil {
				return membersErr
			}
		default:
			ex.add(k, s.raw(v))
		}
		return err
	})
	if err != nil {
		return t, members, err
	}
	if !hasID {
		return t, members, &fieldError{Field: "team_id", Msg: "missing"}
	}
	t.Extra = ex.build()
	if membersErr != nil {
		return t, members, membersErr
	}
	for i := range members {
		members[i].TeamID = t.TeamID
	}
	return t, members, nil
}

// ---------------------------------------------------------------------------------------------
// goals

// goalWrap is what a people_goals / team_goals wrapper tells about the goals inside it.
type goalWrap struct {
	Kind     string // "flat", "people", "team"
	UserID   Opt[int64]
	TeamID   Opt[int64]
	TeamName Opt[string]
}

// goalList is where the goals of one people_goals / team_goals member were decoded: a region
// of the page's Goals and GoalComments (the last member of a name counts), and the first
// error met in it.
type goalList struct {
	seen         bool
	start, end   int
	cstart, cend int
	err          error
}

// goalDec is the state of DecodeGoalsPage: Extra buffers for a goal (ex), the goal side of a
// data.goal item that may be a flat goal (exFlat) and goal comments (exc), and scratch lists.
type goalDec struct {
	p               *Page
	ex, exFlat, exc extraBuf
	people, team    goalList
	flatComments    []GoalComment
	flat            goalState
	inner           goalState
}

// goalState is one goal being decoded: walkErr is the first error among its own members,
// commErr the pending error of its goal_comments (reported after the walk and the id check).
type goalState struct {
	g        Goal
	hasID    bool
	ex       *extraBuf
	comments *[]GoalComment
	cstart   int
	walkErr  error
	commErr  error
}

func (st *goalState) start(ex *extraBuf, comments *[]GoalComment) {
	*st = goalState{ex: ex, comments: comments, cstart: len(*comments)}
	ex.reset()
}

// DecodeGoalsPage decodes GET /goal in any of its shapes into Goal and GoalComment records.
// Goal.MetricIDs holds the ids of the goal's goal_metrics[].
func DecodeGoalsPage(body []byte) (*Page, error) { return decodeFast(body, decodeGoalsPage) }

func decodeGoalsPage(body []byte, fast bool) (*Page, error) {
	p := &Page{}
	gd := &goalDec{p: p}
	_, err := decodePage(body, "goal", p, func(s *stream) error {
		return decodeErr("goal", -1, "", s.list("", nil, gd.item))
	}, fast)
	if err != nil {
		return nil, err
	}
	p.Items = len(p.Goals)
	return p, nil
}

// item decodes data.goal[i]: a people_goals / team_goals wrapper or a flat goal. Both readings
// are made in the one walk; which one counts is known at the end of the object.
func (gd *goalDec) item(i int, s *stream) error {
	if k := s.peek(); k != '{' {
		if k == 0 {
			return s.fatal
		}
		return &fieldError{Field: fmt.Sprintf("data.goal[%d]", i), Msg: "want an object, got " + describeRaw(s.value())}
	}
	var w goalWrap
	var hasGoalID bool
	var flatID string
	gd.people.seen, gd.team.seen = false, false
	gd.flatComments = gd.flatComments[:0]
	flat := &gd.flat
	flat.start(&gd.exFlat, &gd.flatComments)
	n, nc := len(gd.p.Goals), len(gd.p.GoalComments)
	err := s.object("goal_id", &flatID, "|people_goals|team_goals|goal_metrics|goal_comments|", func(k, v []byte) error {
		var err error
		switch string(k) {
		case "people_goals", "team_goals":
			l, field := &gd.people, "people_goals"
			if string(k) == "team_goals" {
				l, field = &gd.team, "team_goals"
			}
			p := gd.p
			*l = goalList{seen: true, start: len(p.Goals), cstart: len(p.GoalComments)}
			e := s.list("", v, func(j int, s *stream) error {
				if k := s.peek(); k != '{' {
					if k == 0 {
						return s.fatal
					}
					return &fieldError{Field: fmt.Sprintf("data.goal[%d].%s[%d]", i, field, j), Msg: "want a goal object, got " + describeRaw(s.value())}
				}
				var id string
				st := &gd.inner
				st.start(&gd.ex, &p.GoalComments)
				e := s.object("goal_id", &id, "|goal_metrics|goal_comments|", func(k, v []byte) error { return gd.member(s, st, k, v) })
				g, err := gd.finish(st, e)
				if err != nil {
					return decodeErr("goal", n+j, id, err)
				}
				p.Goals = append(p.Goals, g)
				return nil
			})
			l.end, l.cend = len(p.Goals), len(p.GoalComments)
			if e != nil {
				l.err = asFieldErr(fmt.Sprintf("data.goal[%d].%s", i, field), e)
			}
			if s.fatal != nil {
				return l.err
			}
			return nil
		case "goal_id":
			hasGoalID = true
		case "user_id":
			v = s.raw(v)
			w.UserID, err = pID("user_id", v)
		case "team_id":
			v = s.raw(v)
			w.TeamID, err = pID("team_id", v)
		case "team_name":
			v = s.raw(v)
			w.TeamName, err = pStr("team_name", v)
		}
		if err != nil {
			return err
		}
		// the same member read as a member of a flat goal
		if flat.walkErr != nil {
			if v == nil {
				s.skip()
			}
			return nil
		}
		flat.walkErr = gd.member(s, flat, k, v)
		if s.fatal != nil {
			return decodeErr("goal", n, flatID, invalidOr(string(k), flat.walkErr, s.fatal))
		}
		return nil
	})
	if err != nil {
		if _, ok := err.(*fieldError); ok && s.fatal != nil {
			// a member that is not valid JSON: named as a member of the (flat) goal
			return decodeErr("goal", n, flatID, err)
		}
		return prefixField(err, "data.goal", i)
	}
	switch {
	case gd.people.seen || gd.team.seen:
		l, w := &gd.people, w
		w.Kind = "people"
		if !gd.people.seen {
			l, w.Kind = &gd.team, "team"
		}
		if l.err != nil {
			return l.err
		}
		// keep only the chosen member's region, right after the goals of earlier items
		p := gd.p
		p.Goals = trunc(p.Goals, n+copy(p.Goals[n:], p.Goals[l.start:l.end]))
		p.GoalComments = trunc(p.GoalComments, nc+copy(p.GoalComments[nc:], p.GoalComments[l.cstart:l.cend]))
		for j := n; j < len(p.Goals); j++ {
			fillFromWrapper(&p.Goals[j], w)
		}
		return nil
	case hasGoalID:
		g, err := gd.finish(flat, flat.walkErr)
		if err != nil {
			return decodeErr("goal", n, flatID, err)
		}
		gd.p.Goals, gd.p.GoalComments = trunc(gd.p.Goals, n), trunc(gd.p.GoalComments, nc)
		gd.p.Goals = append(gd.p.Goals, g)
		gd.p.GoalComments = append(gd.p.GoalComments, gd.flatComments...)
		return nil
	}
	return &DecodeError{Offset: -1, Entity: "goal", Index: i, Field: "goal_id",
		Msg: "item of data.goal is neither a goal (no goal_id) nor a people_goals/team_goals wrapper"}
}

// trunc is s[:n], nil when n is 0 (a page holds nil, not an empty slice, for "no records").
func trunc[T any](s []T, n int) []T {
	if n == 0 {
		return nil
	}
	return s[:n]
}

// fillFromWrapper gives a goal the team / owner of its wrapper when it has none of its own.
func fillFromWrapper(g *Goal, w goalWrap) {
	if !g.GoalTeamID.Valid && w.Kind == "team" && w.TeamID.Valid {
		g.GoalTeamID = w.TeamID
		if !g.GoalTeamName.Valid {
			g.GoalTeamName = w.TeamName
		}
	}
	if !g.GoalOwner.Valid && w.Kind == "people" && w.UserID.Valid {
		g.GoalOwner = w.UserID
	}
}

// finish checks a goal after its walk (walkErr is the walk's error) and builds its Extra.
func (gd *goalDec) finish(st *goalState, walkErr error) (Goal, error) {
	if walkErr != nil {
		return st.g, walkErr
	}
	if !st.hasID {
		return st.g, &fieldError{Field: "goal_id", Msg: "missing"}
	}
	st.g.Extra = st.ex.build()
	if st.commErr != nil {
		return st.g, st.commErr
	}
	if err := st.ex.takeErr(); err != nil {
		return st.g, err
	}
	if err := gd.exc.takeErr(); err != nil {
		return st.g, err
	}
	cs := (*st.comments)[st.cstart:]
	for i := range cs {
		cs[i].GoalID = st.g.GoalID
	}
	return st.g, nil
}

// member decodes one member of a goal object (reading its value from s when v is nil).
func (gd *goalDec) member(s *stream, st *goalState, k, v []byte) error {
	g := &st.g
	var err error
	switch string(k) {
	case "goal_id":
		var o Opt[int64]
		o, err = pID("goal_id", s.raw(v))
		g.GoalID, st.hasID = o.V, o.Valid
	case "goal_name":
		g.GoalName, err = pStr("goal_name", s.raw(v))
	case "goal_narrative":
		g.GoalNarrative, err = pStr("goal_narrative", s.raw(v))
	case "goal_type":
		g.GoalType, err = pIDName("goal_type", s.raw(v))
	case "goal_owner":
		g.GoalOwner, err = pID("goal_owner", s.raw(v))
	case "goal_owner_full_name":
		g.GoalOwnerFullName, err = pStr("goal_owner_full_name", s.raw(v))
	case "goal_create_at":
		g.GoalCreateAt, err = pTime("goal_create_at", s.raw(v))
	case "goal_modified_at":
		g.GoalModifiedAt, err = pTime("goal_modified_at", s.raw(v))
	case "goal_created_by":
		g.GoalCreatedBy, err = pID("goal_created_by", s.raw(v))
	case "goal_updated_by":
		g.GoalUpdatedBy, err = pID("goal_updated_by", s.raw(v))
	case "goal_start_date":
		g.GoalStartDate, err = pTime("goal_start_date", s.raw(v))
	case "goal_target_date":
		g.GoalTargetDate, err = pTime("goal_target_date", s.raw(v))
	case "goal_progress":
		g.GoalProgress, err = pNum("goal_progress", s.raw(v))
	case "goal_progress_color":
		g.GoalProgressColor, err = pStr("goal_progress_color", s.raw(v))
	case "goal_status":
		g.GoalStatus, err = pStr("goal_status", s.raw(v))
	case "goal_permission":
		g.GoalPermission, err = pCSV("goal_permission", s.raw(v))
	case "goal_category":
		g.GoalCategory, err = pIDNameList("goal_category", s.raw(v))
	case "goal_workstreams":
		g.GoalWorkstreams, err = pIDNameList("goal_workstreams", s.raw(v))
	case "goal_team_id":
		g.GoalTeamID, err = pZeroID("goal_team_id", s.raw(v))
	case "goal_team_name":
		g.GoalTeamName, err = pStr("goal_team_name", s.raw(v))
	case "goal_metrics_count":
		g.GoalMetricsCount, err = pCount("goal_metrics_count", s.raw(v))
	case "goal_comments_count":
		g.GoalCommentsCount, err = pCount("goal_comments_count", s.raw(v))
	case "goal_custom_permission":
		err = decodeCustomPermission(g, s.raw(v), st.ex)
	case "custom_attributes":
		g.CustomAttributesJSON, err = pRaw("custom_attributes", s.raw(v), false)
	case "goal_metrics":
		err = s.list("goal_metrics", v, func(i int, s *stream) error {
			if k := s.peek(); k != '{' {
				if k == 0 {
					return s.fatal
				}
				return &fieldError{Field: fmt.Sprintf("goal_metrics[%d]", i), Msg: "want an object, got " + describeRaw(s.value())}
			}
			var id Opt[int64]
			e := s.object("", nil, "", func(mk, mv []byte) error {
				if string(mk) == "metric_id" {
					var err error
					id, err = pID("metric_id", s.raw(mv))
					return err
				}
				if mv == nil {
					s.skip()
				}
				return nil
			})
			if e != nil {
				return prefixField(e, "goal_metrics", i)
			}
			if !id.Valid {
				return &fieldError{Field: fmt.Sprintf("goal_metrics[%d].metric_id", i), Msg: "missing"}
			}
			g.MetricIDs = append(g.MetricIDs, id.V)
			return nil
		})
		err = asFieldErr("goal_metrics", err)
	case "goal_comments":
		// decoded after the goal's own members in the old walk: its error waits
		*st.comments = trunc(*st.comments, st.cstart)
		e := s.list("goal_comments", v, func(i int, s *stream) error {
			var c GoalComment
			var has bool
			const f = "goal_comments"
			ex := &gd.exc
			ex.reset()
			err := s.object("", nil, "", func(k, v []byte) error {
				var err error
				switch string(k) {
				case "comment_id":
					var o Opt[int64]
					o, err = pID("comment_id", s.raw(v))
					c.CommentID, has = o.V, o.Valid
				case "comment_text":
					c.CommentText, err = pStr("comment_text", s.raw(v))
				case "comment_owner":
					c.CommentOwner, err = pID("comment_owner", s.raw(v))
				case "comment_owner_name":
					c.CommentOwnerName, err = pStr("comment_owner_name", s.raw(v))
				case "comment_added_at":
					c.CommentAddedAt, err = pTime("comment_added_at", s.raw(v))
				case "comment_last_updated":
					c.CommentLastUpdated, err = pTime("comment_last_updated", s.raw(v))
				default:
					ex.add(k, s.raw(v))
				}
				return err
			})
			if err != nil {
				return prefixField(err, f, i)
			}
			if !has {
				return &fieldError{Field: fmt.Sprintf("%s[%d].comment_id", f, i), Msg: "missing"}
			}
			c.Extra = ex.build()
			*st.comments = append(*st.comments, c)
			return nil
		})
		st.commErr = asFieldErr("goal_comments", e)
		if s.fatal != nil {
			return st.commErr
		}
	default:
		st.ex.add(k, s.raw(v))
	}
	return err
}

// ---------------------------------------------------------------------------------------------
// metrics (key results) and their history

// DecodeMetricsPage decodes GET /metric?goal_id=G&include_metric_data=yes (array) or
// GET /metric/{id}?include_metric_data=yes (object) into KeyResult records plus their
// metric_data[] (Checkin), metric_confidence[] (Confidence) and metric_comments[] (KRComment).
// A key result without metric_goal_id gets GoalID 0; callers that know the goal fill it in.
func DecodeMetricsPage(body []byte) (*Page, error) {
	return DecodeMetricsPageFor(body, Plan{Checkins: true, Confidence: true, KRComments: true})
}

// DecodeMetricsPageFor is DecodeMetricsPage for an export of plan's tables: the history lists
// whose tables plan leaves out (metric_data without Checkins, metric_confidence without
// Confidence, metric_comments without KRComments) are read past, still checked to be valid
// JSON, but not decoded: they yield no records and their values no errors. Key results are
// always decoded (the history records take their ids from them).
func DecodeMetricsPageFor(body []byte, plan Plan) (*Page, error) {
	var skip skipLists
	if !plan.Checkins {
		skip |= skipCheckins
	}
	if !plan.Confidence {
		skip |= skipConfidence
	}
	if !plan.KRComments {
		skip |= skipKRComments
	}
	return decodeFast(body, func(body []byte, fast bool) (*Page, error) { return decodeMetricsPage(body, skip, fast) })
}

// skipLists names the history lists of a metric that decodeMetric reads past.
type skipLists uint8

const (
	skipCheckins skipLists = 1 << iota
	skipConfidence
	skipKRComments
)

func decodeMetricsPage(body []byte, skip skipLists, fast bool) (*Page, error) {
	p := &Page{}
	var ex, exh extraBuf
	_, err := decodePage(body, "metric", p, func(s *stream) error {
		err := s.list("", nil, func(i int, s *stream) error {
			var id string
			err := decodeMetric(s, p, &ex, &exh, &id, skip)
			if err == nil {
				err = ex.takeErr()
			}
			if err == nil {
				err = exh.takeErr()
			}
			if err != nil {
				return decodeErr("metric", i, id, err)
			}
			return nil
		})
		return decodeErr("metric", -1, "", asFieldErr("data.metric", err))
	}, fast)
	if err != nil {
		return nil, err
	}
	p.Items = len(p.KeyResults)
	return p, nil
}

// ordinal counts the entries of ts that fall in the same second as t.
func ordinal[T any](ts []T, at func(*T) time.Time, t time.Time) int64 {
	var n int64
	u := t.Unix()
	for i := range ts {
		if at(&ts[i]).Unix() == u {
			n++
		}
	}
	return n
}

// decodeMetric decodes one key result and appends it and its history to p. The history lists
// are decoded as they come; their errors wait for the end of the key result's own members (the
// old walk decoded them afterwards), and a repeated list replaces the earlier one.
func decodeMetric(s *stream, p *Page, ex, exh *extraBuf, id *string, skip skipLists) error {
	if k := s.peek(); k != '{' {
		if k == 0 {
			return s.fatal
		}
		return &fieldError{Field: "data.metric", Msg: "want an object, got " + describeRaw(s.value())}
	}
	var m KeyResult
	var hasID bool
	var dataErr, confErr, commErr error
	d0, c0, k0 := len(p.Checkins), len(p.Confidence), len(p.KRComments)
	ex.reset()
	err := s.object("metric_id", id, "|metric_data|metric_confidence|metric_comments|", func(k, v []byte) error {
		var err error
		switch string(k) {
		case "metric_id":
			var o Opt[int64]
			o, err = pID("metric_id", s.raw(v))
			m.MetricID, hasID = o.V, o.Valid
		case "metric_goal_id":
			var o Opt[int64]
			o, err = pID("metric_goal_id", s.raw(v))
			m.GoalID = o.V
		case "metric_name":
			m.MetricName, err = pStr("metric_name", s.raw(v))
		case "metric_owner":
			m.MetricOwner, err = pID("metric_owner", s.raw(v))
		case "metric_real_owner":
			m.MetricRealOwner, err = pID("metric_real_owner", s.raw(v))
		case "metric_update_interval":
			m.MetricUpdateInterval, err = pIDName("metric_update_interval", s.raw(v))
		case "metric_update_interval_day":
			m.MetricUpdateIntervalDay, err = pStr("metric_update_interval_day", s.raw(v))
		case "metric_unit":
			m.MetricUnit, err = pIDName("metric_unit", s.raw(v))
		case "metric_progress_type":
			m.MetricProgressType, err = pIDName("metric_progress_type", s.raw(v))
		case "metric_counting_type":
			m.MetricCountingType, err = pIDName("metric_counting_type", s.raw(v))
		case "metric_initial_data":
			m.MetricInitialData, err = pNum("metric_initial_data", s.raw(v))
		case "metric_target":
			m.MetricTarget, err = pNum("metric_target", s.raw(v))
		case "metric_achieve_target":
			m.MetricAchieveTarget, err = pNum("metric_achieve_target", s.raw(v))
		case "metric_progress":
			m.MetricProgress, err = pNum("metric_progress", s.raw(v))
		case "metric_progress_color":
			m.MetricProgressColor, err = pStr("metric_progress_color", s.raw(v))
		case "metric_create_at":
			m.MetricCreateAt, err = pTime("metric_create_at", s.raw(v))
		case "metric_modified_at":
			m.MetricModifiedAt, err = pTime("metric_modified_at", s.raw(v))
		case "metric_created_by":
			m.MetricCreatedBy, err = pID("metric_created_by", s.raw(v))
		case "metric_updated_by":
			m.MetricUpdatedBy, err = pID("metric_updated_by", s.raw(v))
		case "metric_last_update":
			m.MetricLastUpdate, err = pTime("metric_last_update", s.raw(v))
		case "metric_next_update":
			m.MetricNextUpdate, err = pTime("metric_next_update", s.raw(v))
		case "metric_source_from":
			m.MetricSourceFrom, err = pStr("metric_source_from", s.raw(v))
		case "metric_status":
			m.MetricStatus, err = pStr("metric_status", s.raw(v))
		case "metric_permission":
			m.MetricPermission, err = pCSV("metric_permission", s.raw(v))
		case "target_date":
			m.TargetDate, err = pTime("target_date", s.raw(v))
		case "metric_mit_start_date":
			m.MetricMITStartDate, err = pTime("metric_mit_start_date", s.raw(v))
		case "metric_mit_end_date":
			m.MetricMITEndDate, err = pTime("metric_mit_end_date", s.raw(v))
		case "metric_goal_source":
			m.MetricGoalSource, err = pIDList("metric_goal_source", s.raw(v))
		case "metric_automation":
			m.MetricAutomationJSON, err = pRaw("metric_automation", s.raw(v), false)
		case "child_kr":
			m.ChildKRJSON, err = pRaw("child_kr", s.raw(v), true)
		case "metric_data":
			if skip&skipCheckins != 0 {
				s.raw(v) // read past (a container is still validated)
				return nil
			}
			p.Checkins = trunc(p.Checkins, d0)
			e := s.list("metric_data", v, func(i int, s *stream) error {
				var c Checkin
				var has bool
				const f = "metric_data"
				exh.reset()
				err := s.object("", nil, "", func(k, v []byte) error {
					var err error
					switch string(k) {
					case "metric_data_id":
						var o Opt[int64]
						o, err = pID("metric_data_id", s.raw(v))
						c.MetricDataID, has = o.V, o.Valid
					case "metric_data_value":
						c.Value, err = pNum("metric_data_value", s.raw(v))
					case "metric_data_created_at":
						c.CreatedAt, err = pTime("metric_data_created_at", s.raw(v))
					case "metric_data_created_by":
						c.CreatedBy, err = pZeroID("metric_data_created_by", s.raw(v))
					case "metric_data_updated_at":
						c.UpdatedAt, err = pTime("metric_data_updated_at", s.raw(v))
					case "metric_data_comment":
						c.Comment, err = pStr("metric_data_comment", s.raw(v))
					default:
						exh.add(k, s.raw(v))
					}
					return err
				})
				if err != nil {
					return prefixField(err, f, i)
				}
				if !has {
					return &fieldError{Field: fmt.Sprintf("%s[%d].metric_data_id", f, i), Msg: "missing"}
				}
				c.Extra = exh.build()
				p.Checkins = append(p.Checkins, c)
				return nil
			})
			dataErr = asFieldErr("metric_data", e)
			if s.fatal != nil {
				return dataErr
			}
		case "metric_confidence":
			if skip&skipConfidence != 0 {
				s.raw(v) // read past (a container is still validated)
				return nil
			}
			p.Confidence = trunc(p.Confidence, c0)
			e := s.list("metric_confidence", v, func(i int, s *stream) error {
				var c Confidence
				var mod Opt[time.Time]
				const f = "metric_confidence"
				exh.reset()
				err := s.object("", nil, "", func(k, v []byte) error {
					var err error
					switch string(k) {
					case "modified_at":
						mod, err = pTime("modified_at", s.raw(v))
					case "confidence":
						c.Confidence, err = pStr("confidence", s.raw(v))
					case "comment":
						c.Comment, err = pStr("comment", s.raw(v))
					case "metric_data_id":
						c.MetricDataID, err = pID("metric_data_id", s.raw(v))
					default:
						exh.add(k, s.raw(v))
					}
					return err
				})
				if err != nil {
					return prefixField(err, f, i)
				}
				if !mod.Valid {
					return &fieldError{Field: fmt.Sprintf("%s[%d].modified_at", f, i), Msg: "missing or zero (needed as part of the key)"}
				}
				c.ModifiedAt = mod.V
				c.Ordinal = ordinal(p.Confidence[c0:], func(c *Confidence) time.Time { return c.ModifiedAt }, mod.V)
				c.Extra = exh.build()
				p.Confidence = append(p.Confidence, c)
				return nil
			})
			confErr = asFieldErr("metric_confidence", e)
			if s.fatal != nil {
				return confErr
			}
		case "metric_comments":
			if skip&skipKRComments != 0 {
				s.raw(v) // read past (a container is still validated)
				return nil
			}
			p.KRComments = trunc(p.KRComments, k0)
			e := s.list("metric_comments", v, func(i int, s *stream) error {
				var c KRComment
				var mod Opt[time.Time]
				const f = "metric_comments"
				exh.reset()
				err := s.object("", nil, "", func(k, v []byte) error {
					var err error
					switch string(k) {
					case "modified_at":
						mod, err = pTime("modified_at", s.raw(v))
					case "comment":
						c.Comment, err = pStr("comment", s.raw(v))
					default:
						exh.add(k, s.raw(v))
					}
					return err
				})
				if err != nil {
					return prefixField(err, f, i)
				}
				if !mod.Valid {
					return &fieldError{Field: fmt.Sprintf("%s[%d].modified_at", f, i), Msg: "missing or zero (needed as part of the key)"}
				}
				c.ModifiedAt = mod.V
				c.Ordinal = ordinal(p.KRComments[k0:], func(c *KRComment) time.Time { return c.ModifiedAt }, mod.V)
				c.Extra = exh.build()
				p.KRComments = append(p.KRComments, c)
				return nil
			})
			commErr = asFieldErr("metric_comments", e)
			if s.fatal != nil {
				return commErr
			}
		default:
			ex.add(k, s.raw(v))
		}
		return err
	})
	if err != nil {
		return err
	}
	if !hasID {
		return &fieldError{Field: "metric_id", Msg: "missing"}
	}
	m.Extra = ex.build()
	for _, e := range []error{dataErr, confErr, commErr} {
		if e != nil {
			return e
		}
	}
	p.KeyResults = append(p.KeyResults, m)
	for i := d0; i < len(p.Checkins); i++ {
		p.Checkins[i].MetricID, p.Checkins[i].GoalID = m.MetricID, m.GoalID
	}
	for i := c0; i < len(p.Confidence); i++ {
		p.Confidence[i].MetricID, p.Confidence[i].GoalID = m.MetricID, m.GoalID
	}
	for i := k0; i < len(p.KRComments); i++ {
		p.KRComments[i].MetricID, p.KRComments[i].GoalID = m.MetricID, m.GoalID
	}
	return nil
}

// Envelope is a decoded v1 response frame: {"success", "message", "data": {"totalCount",
// "<key>": ...}} or an error body {"success": false, "error", "error_description"}.
type Envelope struct {
	Success    Opt[bool]
	Message    string
	TotalCount Opt[int64] // data.totalCount, integer or numeric string
	Data       []byte     // raw data object (nil when absent)
	Resource   []byte     // raw data.<key> (nil when absent)
	Code       string     // error / message of an error body
	Desc       string     // error_description of an error body
}

// Page is the decoded content of one response: the records it holds (in a Batch), the
// reported totalCount and the number of resource items (flattened goals for /goal).
type Page struct {
	Batch
	TotalCount Opt[int64]
	Items      int
}

// findID returns the text of key's value in object b (for error messages), or "".
func findID(b []byte, key string) string {
	var out string
	_ = objectEach(b, func(k, v []byte) error {
		if string(k) == key {
			switch kind(v) {
			case '"':
				out, _ = unquote(v)
			case '0':
				out = string(v)
			}
		}
		return nil
	})
	return out
}

func decodeManagers(v []byte) ([]Manager, error) {
	switch kind(v) {
	case 'f', 'n':
		return nil, nil
	case '"':
		if string(v) == `""` {
			return nil, nil
		}
	case '[', '{':
		var out []Manager
		err := eachItem(v, func(i int, item []byte) error {
			var m Manager
			var has bool
			const f = "manager"
			err := objectEach(item, func(k, val []byte) error {
				switch string(k) {
				case "user_id":
					o, err := pID("user_id", val)
					m.UserID, has = o.V, o.Valid
					return err
				case "role":
					s, err := pStr("role", val)
					m.Role = s.V
					return err
				}
				return nil
			})
			if err != nil {
				return prefixField(err, f, i)
			}
			if has {
				out = append(out, m)
			}
			return nil
		})
		return out, asFieldErr("manager", err)
	}
	return nil, badType("manager", "false or an array", v)
}

func decodeProfile(u *User, v []byte, ex *extraBuf) error {
	switch kind(v) {
	case 'n', 'f':
		return nil
	case '[':
		if isEmptyArray(v) {
			return nil
		}
	case '{':
		return objectEach(v, func(k, val []byte) error {
			var err error
			switch string(k) {
			case "title":
				u.ProfileTitle, err = pStr("profile.title", val)
			case "company":
				u.ProfileCompany, err = pStr("profile.company", val)
			case "custom_attributes":
				u.CustomAttributesJSON, err = pRaw("profile.custom_attributes", val, false)
			default:
				ex.add(append([]byte("profile."), k...), val)
			}
			return err
		})
	}
	return badType("profile", "an object", v)
}

func decodeCustomPermission(g *Goal, v []byte, ex *extraBuf) error {
	switch kind(v) {
	case 'n', 'f':
		return nil
	case '[':
		if isEmptyArray(v) {
			return nil
		}
	case '{':
		return objectEach(v, func(k, val []byte) error {
			if string(k) == "goal_permission_team_ids" {
				var err error
				g.GoalPermissionTeamIDs, err = pIDList("goal_custom_permission.goal_permission_team_ids", val)
				return err
			}
			ex.add(append([]byte("goal_custom_permission."), k...), val)
			return nil
		})
	}
	return badType("goal_custom_permission", "an object", v)
}

// setGoalID fills the goal id of key results and history rows that lacked metric_goal_id.
func (p *Page) setGoalID(goalID int64) {
	for i := range p.KeyResults {
		if p.KeyResults[i].GoalID == 0 {
			p.KeyResults[i].GoalID = goalID
		}
	}
	for i := range p.Checkins {
		if p.Checkins[i].GoalID == 0 {
			p.Checkins[i].GoalID = goalID
		}
	}
	for i := range p.Confidence {
		if p.Confidence[i].GoalID == 0 {
			p.Confidence[i].GoalID = goalID
		}
	}
	for i := range p.KRComments {
		if p.KRComments[i].GoalID == 0 {
			p.KRComments[i].GoalID = goalID
		}
	}
}
