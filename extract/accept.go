package extract

import (
	"github.com/RoaringBitmap/roaring/v2/roaring64"
	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/workboard"
	"github.com/wbexport/wbexport/workboard/decode"
)

// seen are the ids accepted so far, per record kind: a record whose id was seen is a
// duplicate (an item repeated across pages while the listing shifted) and is dropped.
type seen struct {
	users, teams, goals, goalComments, krs, tags map[int64]bool
	members                                      map[[2]int64]bool // (team id, user id)
	krTags                                       map[[2]int64]bool // (metric id, tag id)
	checkins                                     *roaring64.Bitmap // metric_data_id: 3 million at 100,000 goals, a few MiB
}

func newSeen() seen {
	return seen{users: map[int64]bool{}, teams: map[int64]bool{}, goals: map[int64]bool{},
		goalComments: map[int64]bool{}, krs: map[int64]bool{}, tags: map[int64]bool{}, members: map[[2]int64]bool{},
		krTags: map[[2]int64]bool{}, checkins: roaring64.New()}
}

// keep filters rs in place to the records whose key was not seen yet (and records it), stamped
// with m; it returns them and the number of duplicates dropped.
func keep[T any, P interface {
	*T
	Stamp(workboard.Meta)
}, K comparable](rs []T, seen map[K]bool, key func(*T) K, m workboard.Meta) ([]T, int) {
	out := rs[:0]
	for i := range rs {
		if k := key(&rs[i]); !seen[k] {
			seen[k] = true
			P(&rs[i]).Stamp(m)
			out = append(out, rs[i])
		}
	}
	return out, len(rs) - len(out)
}

// The accept functions de-duplicate a page (filtering its slices in place: the page is not
// used afterwards) and return the batch to emit with the new and duplicate item counts. They
// fill the batch through put, naming the table of each slice.

// put sets the batch slice *dst to rows and counts them in the report's rows of table id when
// the plan emits the table; otherwise the rows are dropped.
func put[T any](r *run, id schemas.TableID, dst *[]T, rows []T) {
	if r.plan.Has(id) {
		*dst = rows
		r.rep.Rows[id] += int64(len(rows))
	}
}

func (r *run) acceptUsers(p *decode.Page, m workboard.Meta) (*workboard.Batch, int, int) {
	users, dups := keep(p.Users, r.seen.users, func(u *workboard.User) int64 { return u.UserID }, m)
	b := &workboard.Batch{}
	put(r, schemas.Users, &b.Users, users)
	return b, len(users), dups
}

func (r *run) acceptTeams(p *decode.Page, m workboard.Meta) (*workboard.Batch, int, int) {
	teams, dups := keep(p.Teams, r.seen.teams, func(t *workboard.Team) int64 { return t.TeamID }, m)
	for _, t := range teams {
		if r.plan.Has(schemas.TeamMembers) {
			r.teamIDs = append(r.teamIDs, t.TeamID)
		}
	}
	b := &workboard.Batch{}
	put(r, schemas.Teams, &b.Teams, teams)
	return b, len(teams), dups
}

func (r *run) acceptMembers(p *decode.Page, m workboard.Meta) (*workboard.Batch, int, int) {
	members, dups := keep(p.TeamMembers, r.seen.members, func(t *workboard.TeamMember) [2]int64 { return [2]int64{t.TeamID, t.UserID} }, m)
	b := &workboard.Batch{}
	put(r, schemas.TeamMembers, &b.TeamMembers, members)
	return b, len(members), dups
}

// acceptGoals also records, for the key-result calls, each new goal's key results
// (goal_metrics), and the goal itself unless it has none (see hasKRs); and, for the key
// result tags, the key result ids; for the alignment tree, the goal ids.
func (r *run) acceptGoals(p *decode.Page, m workboard.Meta) (*workboard.Batch, int, int) {
	goals, dups := keep(p.Goals, r.seen.goals, func(g *workboard.Goal) int64 { return g.GoalID }, m)
	for i := range goals {
		g := &goals[i]
		if r.plan.Has(schemas.KeyResultTags) {
			r.tagMetricIDs = append(r.tagMetricIDs, g.MetricIDs...)
		}
		if r.plan.Has(schemas.GoalAlignments) {
			r.alignGoalIDs = append(r.alignGoalIDs, g.GoalID)
		}
		if !r.plan.needKRs() {
			continue
		}
		first := len(r.krRefs)
		for _, mid := range g.MetricIDs {
			r.krRefs = append(r.krRefs, [2]int64{g.GoalID, mid})
		}
		switch {
		case !hasKRs(g):
			r.rep.GoalsWithoutKRs++
		case r.plan.PerKeyResult:
		case r.plan.krListing() == string(KRByGoal):
			r.goalIDs = append(r.goalIDs, g.GoalID)
			r.goalsMore.Broadcast()
		default:
			r.krGoals = append(r.krGoals, goalKRs{id: g.GoalID, team: g.GoalTeamID.V, first: first, n: len(g.MetricIDs),
				countsAll: g.GoalMetricsCount.Valid && g.GoalMetricsCount.V == int64(len(g.MetricIDs))})
		}
	}
	b := &workboard.Batch{}
	put(r, schemas.Goals, &b.Goals, goals)
	if r.plan.Has(schemas.GoalComments) { // decoded with every goal: keep their ids only for the table
		comments, _ := keep(p.GoalComments, r.seen.goalComments, func(c *workboard.GoalComment) int64 { return c.CommentID }, m)
		put(r, schemas.GoalComments, &b.GoalComments, comments)
	}
	return b, len(goals), dups
}

// acceptKRs drops key results whose metric_id was already accepted, together with everything
// nested in them (check-ins, confidence, comments), and check-ins whose metric_data_id was
// already accepted under another key result (the first one keeps it; the drops are counted
// and reported). Check-in ids are kept in a roaring bitmap (seen.checkins): a few MiB for the
// 3 million check-ins of a 100,000-goal org.
func (r *run) acceptKRs(p *decode.Page, m workboard.Meta) (*workboard.Batch, int, int) {
	dropped := map[int64]bool{} // accepted on an earlier page, with their history
	for _, k := range p.KeyResults {
		if r.seen.krs[k.MetricID] {
			dropped[k.MetricID] = true
		}
	}
	krs, dups := keep(p.KeyResults, r.seen.krs, func(k *workboard.KeyResult) int64 { return k.MetricID }, m)
	fresh := len(krs)
	b := &workboard.Batch{}
	put(r, schemas.KeyResults, &b.KeyResults, krs)
	// History lists are decoded only for the tables of the plan (Plan.History).
	put(r, schemas.KeyResultCheckins, &b.Checkins, kept(p.Checkins, func(c *workboard.Checkin) bool {
		if dropped[c.MetricID] {
			return false
		}
		if !r.seen.checkins.CheckedAdd(uint64(c.MetricDataID)) {
			r.checkinDups++
			return false
		}
		return true
	}, m))
	put(r, schemas.KeyResultConf, &b.Confidence, kept(p.Confidence, func(c *workboard.Confidence) bool { return !dropped[c.MetricID] }, m))
	put(r, schemas.KeyResultComments, &b.KRComments, kept(p.KRComments, func(c *workboard.KRComment) bool { return !dropped[c.MetricID] }, m))
	return b, fresh, dups
}

// kept filters rs in place to the records ok keeps, stamped with m.
func kept[T any, P interface {
	*T
	Stamp(workboard.Meta)
}](rs []T, ok func(*T) bool, m workboard.Meta) []T {
	out := rs[:0]
	for i := range rs {
		if ok(&rs[i]) {
			P(&rs[i]).Stamp(m)
			out = append(out, rs[i])
		}
	}
	return out
}
