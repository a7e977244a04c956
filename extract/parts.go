package extract

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/workboard/decode"
	"golang.org/x/sync/errgroup"
)

// The three independent parts of an export: users; teams and their members; goals and their
// key results.

// paged is the url of a page of the listing at path (which may hold a query already).
func paged(path string) func(offset, limit int) string {
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return func(offset, limit int) string {
		return path + sep + "limit=" + strconv.Itoa(limit) + "&offset=" + strconv.Itoa(offset)
	}
}

// listUsers lists the org's users, with their custom attributes unless the exporter was
// told not to ask for them.
func (r *run) listUsers(ctx context.Context) error {
	q := "/user?include=org_members"
	if r.e.cfg.userAttrs {
		q = "/user?include=org_members&custom_attributes=1"
	}
	return r.list(ctx, "users", paged(q), decode.Users, r.acceptUsers)
}

func (r *run) teamsAndMembers(ctx context.Context) error {
	err := r.list(ctx, "teams", paged("/team?include=org_teams"), decode.Teams, r.acceptTeams)
	if err != nil || !r.plan.Has(schemas.TeamMembers) {
		return err
	}
	// the listing has returned: the team id list is complete
	return r.perItem(ctx, itemCalls{name: "team_members", entity: "team", has: fixed(len(r.teamIDs)),
		total: func() int64 { return int64(len(r.teamIDs)) },
		target: func(i int) (int64, string) {
			return r.teamIDs[i], "/team/" + strconv.FormatInt(r.teamIDs[i], 10)
		},
		decode: func(_ int, b []byte) (*decode.Page, error) { return decode.Teams(b) },
		accept: r.acceptMembers})
}

// goalsAndKRs lists the goals and fetches their key results, as the plan says: per key
// result once the goals are listed (Plan.PerKeyResult); per goal while they are being listed
// (KRByGoal); or by team once they are listed, then per goal for what the team listings left
// out (KRAuto; KRByTeam skips that step). Key results that a goal's goal_metrics lists but no
// call returned are then fetched one by one.
func (r *run) goalsAndKRs(ctx context.Context) error {
	q := "/goal?goal_status=1%2C2&include=custom_permission"
	if r.e.cfg.customAttrs {
		q = "/goal?goal_status=1%2C2&custom_attributes=1&include=custom_permission"
	}
	listGoals := func(ctx context.Context) error {
		err := r.list(ctx, "goals", paged(q), decode.Goals, r.acceptGoals)
		r.mu.Lock()
		r.goalsDone = true
		r.goalsMore.Broadcast()
		r.mu.Unlock()
		return err
	}
	switch {
	case !r.plan.needKRs():
		return listGoals(ctx)
	case r.plan.PerKeyResult:
		if err := listGoals(ctx); err != nil {
			return err
		}
		return r.checked(r.perKeyResult(ctx, r.krRefs))
	case r.plan.krListing() == string(KRByGoal):
		g, gctx := errgroup.WithContext(ctx)
		g.Go(func() error { return listGoals(gctx) })
		g.Go(func() error { return r.perGoal(gctx, r.goalIDAt, r.hasGoal, r.goalCalls) })
		if err := g.Wait(); err != nil {
			return err
		}
		return r.checked(r.perKeyResult(ctx, r.missingKRs()))
	}
	if err := listGoals(ctx); err != nil {
		return err
	}
	if err := r.byTeam(ctx); err != nil {
		return err
	}
	if r.plan.krListing() == string(KRAuto) {
		ids := r.uncovered()
		if err := r.perGoal(ctx, func(i int) int64 { return ids[i] }, fixed(len(ids)), func() int64 { return int64(len(ids)) }); err != nil {
			return err
		}
	}
	return r.checked(r.perKeyResult(ctx, r.missingKRs()))
}

// perGoal fetches the key results of goal ids(i) for every i that has reports.
func (r *run) perGoal(ctx context.Context, ids func(i int) int64, has func(context.Context, int) bool, total func() int64) error {
	return r.perItem(ctx, itemCalls{name: "key_results", entity: "goal", has: has, total: total,
		target: func(i int) (int64, string) {
			id := ids(i)
			return id, "/metric?goal_id=" + strconv.FormatInt(id, 10) + "&include_metric_data=yes"
		},
		decode: r.decodeMetrics(ids), accept: r.acceptKRs})
}

// goalIDAt is the i-th goal listed that needs a per-goal call (KRByGoal).
func (r *run) goalIDAt(i int) int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.goalIDs[i]
}

// goalCalls is the number of per-goal calls for progress (KRByGoal): the goals listed so far
// that need one, or while the listing runs, as many as its totalCount if that is more.
func (r *run) goalCalls() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := int64(len(r.goalIDs))
	if es := r.rep.Endpoints["goals"]; !r.goalsDone && es != nil && es.ReportedTotal > n {
		n = es.ReportedTotal
	}
	return n
}

// perKeyResult fetches the key results refs names (goal id, metric id) one by one.
func (r *run) perKeyResult(ctx context.Context, refs [][2]int64) error {
	return r.perItem(ctx, itemCalls{name: "key_results", entity: "key_result", has: fixed(len(refs)),
		total: func() int64 { return int64(len(refs)) },
		target: func(i int) (int64, string) {
			return refs[i][1], "/metric/" + strconv.FormatInt(refs[i][1], 10) + "?include_metric_data=yes"
		},
		decode: r.decodeMetrics(func(i int) int64 { return refs[i][0] }), accept: r.acceptKRs})
}

// missingKRs returns the key results that goal_metrics listed but no call returned (those of
// goals skipped as not found included: each gets its own call).
func (r *run) missingKRs() [][2]int64 {
	var missing [][2]int64
	r.mu.Lock()
	for _, ref := range r.krRefs {
		if !r.seen.krs[ref[1]] {
			missing = append(missing, ref)
		}
	}
	r.perKRCalls = len(missing)
	r.mu.Unlock()
	if len(missing) > 0 {
		r.warn("key_results: %d key results listed in goal_metrics were not returned by the key-result listings (%s); fetching them one by one",
			len(missing), r.plan.krListing())
	}
	return missing
}

// checked returns err, or when the key-result calls are done without one, ErrIncomplete if a
// key result that a goal's goal_metrics lists neither arrived nor was answered "not found" by
// its own call.
func (r *run) checked(err error) error {
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	var lost [][2]int64
	for _, ref := range r.krRefs {
		if !r.seen.krs[ref[1]] && !r.skippedKRs[ref[1]] {
			lost = append(lost, ref)
		}
	}
	if len(lost) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %d key results listed in goal_metrics never arrived (first: metric %d of goal %d)",
		ErrIncomplete, len(lost), lost[0][1], lost[0][0])
}

// checkSkipped fails the export with ErrIncomplete when more items of one kind were skipped
// as not found than WithMaxSkipped allows of their listing. A team whose key-result listing
// was skipped does not count: its goals' key results are fetched one by one (and checked).
func (r *run) checkSkipped() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := map[string]int{}
	for _, s := range r.rep.Skipped {
		if s.Entity != "team" || !strings.HasPrefix(s.Endpoint, "/metric") {
			n[s.Entity]++
		}
	}
	fetched := func(name string) int64 {
		if es := r.rep.Endpoints[name]; es != nil {
			return es.Fetched
		}
		return 0
	}
	listed := map[string]int64{"goal": fetched("goals"), "team": fetched("teams"), "key_result": int64(len(r.krRefs))}
	for _, e := range []string{"goal", "key_result", "team"} {
		allowed := int(math.Ceil(r.e.cfg.maxSkipped * float64(listed[e])))
		if n[e] > allowed {
			return fmt.Errorf("%w: %d of %d %ss answered \"not found\" and were skipped, more than the %g %% allowed (%d; --max-skipped); WorkBoard may be failing, rerun later",
				ErrIncomplete, n[e], listed[e], e, r.e.cfg.maxSkipped*100, allowed)
		}
	}
	return nil
}

// hasGoal blocks until goal id i is listed (true) or the goal listing has ended without it
// or ctx is done (false).
func (r *run) hasGoal(ctx context.Context, i int) bool {
	return r.waitGoals(ctx, func() bool { return i < len(r.goalIDs) })
}

// waitGoals blocks until ready (called with r.mu held) holds, the goal listing has ended or
// ctx is done, and reports whether ready holds with ctx not done.
func (r *run) waitGoals(ctx context.Context, ready func() bool) bool {
	stop := context.AfterFunc(ctx, func() {
		r.mu.Lock()
		r.goalsMore.Broadcast()
		r.mu.Unlock()
	})
	defer stop()
	r.mu.Lock()
	defer r.mu.Unlock()
	for !ready() && !r.goalsDone && ctx.Err() == nil {
		r.goalsMore.Wait()
	}
	return ready() && ctx.Err() == nil
}

// decodeMetrics returns a per-item decoder of key results that fills in the goal id where the
// body has none. History lists whose tables the plan leaves out are read past.
func (r *run) decodeMetrics(goalOf func(i int) int64) func(i int, body []byte) (*decode.Page, error) {
	h := r.plan.History()
	return func(i int, body []byte) (*decode.Page, error) {
		p, err := decode.Metrics(body, h)
		if err != nil {
			return nil, err
		}
		p.SetGoalID(goalOf(i))
		return p, nil
	}
}
