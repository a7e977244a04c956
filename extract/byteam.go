package extract

import (
	"context"
	"slices"
	"strconv"

	"github.com/wbexport/wbexport/workboard"
	"github.com/wbexport/wbexport/workboard/decode"
	"golang.org/x/sync/errgroup"
)

// Key results by team (KRByTeam, KRAuto): GET /metric?team_id=T&include_metric_data=yes is
// documented as pageable (API reference §5.5), so one listing per team replaces a call per
// goal. What it covers is verified, never assumed: a goal counts as covered when its
// goal_metrics_count equals the ids its goal_metrics lists and the team listings returned
// every one of them; key results of goals that were not listed are dropped.

// goalKRs is what a listed goal with key results needs for the key-result calls.
type goalKRs struct {
	id, team  int64 // team 0: a personal goal
	first, n  int   // its key results: krRefs[first : first+n]
	countsAll bool  // goal_metrics_count is known and equals n
}

// hasKRs reports whether a goal may have key results: it lists some in goal_metrics, or
// goal_metrics_count is not 0 (absent counts as unknown).
func hasKRs(g *workboard.Goal) bool {
	return len(g.MetricIDs) > 0 || !g.GoalMetricsCount.Valid || g.GoalMetricsCount.V > 0
}

// byTeam lists the key results of every team that owns a goal with key results, with the
// client's concurrency.
func (r *run) byTeam(ctx context.Context) error {
	r.mu.Lock()
	var teams []int64
	seen := map[int64]bool{}
	for _, g := range r.krGoals {
		if g.team != 0 && !seen[g.team] {
			seen[g.team] = true
			teams = append(teams, g.team)
		}
	}
	es := r.rep.endpoint("key_results_by_team")
	es.ReportedTotal, es.LastTotal = 0, 0
	r.mu.Unlock()
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(r.e.c.Concurrency())
	for _, t := range teams {
		g.Go(func() error { return r.teamKRs(gctx, t, int64(len(teams))) })
	}
	err := g.Wait()
	r.mu.Lock()
	es.LastTotal = es.ReportedTotal // the sum of the teams' totals, not the largest page's
	r.teamsListed = true
	r.mu.Unlock()
	return err
}

// teamKRs lists the key results of one team: the first page, then the others its totalCount
// implies, concurrently (paging by what the server sends when it clamps the page size). A
// team that is not found is skipped: its goals' key results are then missing, and fetched
// like any others. calls is the number of team listings, for progress.
func (r *run) teamKRs(ctx context.Context, team, calls int64) error {
	url := paged("/metric?team_id=" + strconv.FormatInt(team, 10) + "&include_metric_data=yes")
	p0, err := r.teamPage(ctx, url, 0, calls)
	if notFound(err) {
		r.mu.Lock()
		r.skip(ctx, "team", team, url(0, r.e.cfg.pageSize), err)
		r.mu.Unlock()
		return nil
	}
	if err != nil || !p0.TotalCount.Valid || p0.Items == 0 {
		return err
	}
	total := p0.TotalCount.V
	r.mu.Lock()
	r.rep.Endpoints["key_results_by_team"].ReportedTotal += total
	r.mu.Unlock()
	step := r.e.cfg.pageSize
	if p0.Items < step && int64(p0.Items) < total {
		step = p0.Items
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(r.e.c.Concurrency())
	for off := int64(step); off < total; off += int64(step) {
		g.Go(func() error {
			_, err := r.teamPage(gctx, url, int(off), calls)
			return err
		})
	}
	return g.Wait()
}

// teamPage fetches, decodes and takes one page of a team's key results.
func (r *run) teamPage(ctx context.Context, url func(offset, limit int) string, offset int, calls int64) (*decode.Page, error) {
	ep := url(offset, r.e.cfg.pageSize)
	h := r.plan.History()
	p, m, err := r.get(ctx, ep, func(b []byte) (*decode.Page, error) { return decode.Metrics(b, h) })
	if err != nil {
		return nil, atOffset(err, offset)
	}
	_, err = r.take(ctx, "key_results_by_team", p, m, r.acceptTeamKRs, calls)
	return p, err
}

// acceptTeamKRs drops the key results (and their history) of goals that were not listed —
// a listing by goal would not have fetched them — then accepts the rest like any key results.
func (r *run) acceptTeamKRs(p *decode.Page, m workboard.Meta) (*workboard.Batch, int, int) {
	alien := map[int64]bool{}
	p.KeyResults = slices.DeleteFunc(p.KeyResults, func(k workboard.KeyResult) bool {
		alien[k.MetricID] = !r.seen.goals[k.GoalID]
		return alien[k.MetricID]
	})
	p.Checkins = slices.DeleteFunc(p.Checkins, func(c workboard.Checkin) bool { return alien[c.MetricID] })
	p.Confidence = slices.DeleteFunc(p.Confidence, func(c workboard.Confidence) bool { return alien[c.MetricID] })
	p.KRComments = slices.DeleteFunc(p.KRComments, func(c workboard.KRComment) bool { return alien[c.MetricID] })
	for _, a := range alien {
		if a {
			r.alienKRs++
		}
	}
	return r.acceptKRs(p, m)
}

// uncovered returns the goals whose key results need a per-goal call after the team listings
// (KRAuto): those not known to be complete (goal_metrics_count absent or above what
// goal_metrics lists) and those with a key result no listing returned — personal goals, as a
// rule. Team goals among them are reported in a warning.
func (r *run) uncovered() []int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	var ids []int64
	personal := 0
	for _, g := range r.krGoals {
		covered := g.countsAll
		for _, ref := range r.krRefs[g.first : g.first+g.n] {
			covered = covered && r.seen.krs[ref[1]]
		}
		if !covered {
			ids = append(ids, g.id)
			if g.team == 0 {
				personal++
			}
		}
	}
	if r.alienKRs > 0 {
		r.rep.Warnings = append(r.rep.Warnings, "key_results_by_team: "+strconv.Itoa(r.alienKRs)+" key results of goals that were not listed were dropped")
	}
	r.perGoalCalls = len(ids)
	if n := len(ids) - personal; n > 0 {
		r.rep.Warnings = append(r.rep.Warnings, "key_results_by_team: the team listings did not return all key results of "+
			strconv.Itoa(n)+" team goals; fetching them per goal")
	}
	return ids
}
