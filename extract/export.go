package extract

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/wbexport/wbexport/schemas"
	"golang.org/x/sync/errgroup"
)

// Plan selects what Export fetches and emits. Key-result tables imply that goals are listed
// (to learn the goal ids) even when Goals itself is not emitted.
type Plan struct {
	Users, Teams, TeamMembers, Goals, GoalComments bool
	KeyResults, Checkins, Confidence, KRComments   bool
	// PerKeyResult fetches GET /metric/{id}?include_metric_data=yes per key result (ids from
	// goal_metrics) instead of GET /metric?goal_id=G&include_metric_data=yes per goal. It costs
	// more calls but yields metric_confidence[].metric_data_id, metric_goal_source and MIT dates.
	PerKeyResult bool
}

// FullPlan exports every data table.
func FullPlan() Plan {
	return Plan{Users: true, Teams: true, TeamMembers: true, Goals: true, GoalComments: true,
		KeyResults: true, Checkins: true, Confidence: true, KRComments: true}
}

// PlanFor returns the plan that exports exactly the named tables (schemas table names).
func PlanFor(tables ...string) (Plan, error) {
	var p Plan
	for _, t := range tables {
		switch t {
		case schemas.Users:
			p.Users = true
		case schemas.Teams:
			p.Teams = true
		case schemas.TeamMembers:
			p.TeamMembers = true
		case schemas.Goals:
			p.Goals = true
		case schemas.GoalComments:
			p.GoalComments = true
		case schemas.KeyResults:
			p.KeyResults = true
		case schemas.KeyResultCheckins:
			p.Checkins = true
		case schemas.KeyResultConf:
			p.Confidence = true
		case schemas.KeyResultComments:
			p.KRComments = true
		default:
			return Plan{}, fmt.Errorf("extract: unknown table %q (want one of %v)", t, schemas.Names()[:9])
		}
	}
	return p, nil
}

// Tables returns the schemas table names the plan emits, in export order.
func (p Plan) Tables() []string {
	var out []string
	for _, t := range []struct {
		on   bool
		name string
	}{{p.Users, schemas.Users}, {p.Teams, schemas.Teams}, {p.TeamMembers, schemas.TeamMembers},
		{p.Goals, schemas.Goals}, {p.KeyResults, schemas.KeyResults}, {p.Checkins, schemas.KeyResultCheckins},
		{p.Confidence, schemas.KeyResultConf}, {p.KRComments, schemas.KeyResultComments}, {p.GoalComments, schemas.GoalComments}} {
		if t.on {
			out = append(out, t.name)
		}
	}
	return out
}

func (p Plan) needKRs() bool   { return p.KeyResults || p.Checkins || p.Confidence || p.KRComments }
func (p Plan) needGoals() bool { return p.Goals || p.GoalComments || p.needKRs() }

// EndpointStats compares what a listing reported with what it delivered.
type EndpointStats struct {
	ReportedTotal int64 `json:"reported_total"` // totalCount of the first page; -1 when not reported
	LastTotal     int64 `json:"last_total"`     // largest totalCount seen on any page; -1 when not reported
	Requests      int   `json:"requests"`       // pages (or per-item calls) fetched
	Fetched       int64 `json:"fetched"`        // distinct items
	Duplicates    int64 `json:"duplicates"`     // items dropped because their id was already seen
	Drift         bool  `json:"drift"`          // fetched differs from the reported total, or the total changed
}

// Skipped is an item whose per-item call answered "not found" / invalid_resource_id.
type Skipped struct {
	Entity   string `json:"entity"` // "goal", "key_result", "team"
	ID       int64  `json:"id"`
	Endpoint string `json:"endpoint"`
	Reason   string `json:"reason"`
}

// Report is the run summary of an Export (JSON with stable snake_case keys).
type Report struct {
	StartedAt      time.Time                 `json:"started_at"`
	DurationMS     int64                     `json:"duration_ms"`
	Requests       int64                     `json:"requests"`
	Retries        map[string]int64          `json:"retries"` // by cause: 429, 5xx, timeout, conn, truncated
	HTTP429        int64                     `json:"http_429"`
	ThrottleWaitMS int64                     `json:"throttle_wait_ms"` // time requests spent waiting for the client-side rate limiter and 429 pauses (Retry-After), summed over requests; not the wait for a free concurrency slot
	BytesReceived  int64                     `json:"bytes_received"`
	Rows           map[string]int64          `json:"rows"`      // rows emitted per table
	Endpoints      map[string]*EndpointStats `json:"endpoints"` // users, teams, team_members, goals, key_results
	Skipped        []Skipped                 `json:"skipped"`
	Warnings       []string                  `json:"warnings"`
}

func (r *Report) fill(st *stats, start time.Time) {
	r.DurationMS = time.Since(start).Milliseconds()
	r.Requests = st.requests.Load()
	for i, c := range retryCauses {
		r.Retries[c] = st.retries[i].Load()
	}
	r.HTTP429 = st.n429.Load()
	r.ThrottleWaitMS = time.Duration(st.throttleWait.Load()).Milliseconds()
	r.BytesReceived = st.bytes.Load()
	sort.Slice(r.Skipped, func(i, j int) bool {
		if r.Skipped[i].Entity != r.Skipped[j].Entity {
			return r.Skipped[i].Entity < r.Skipped[j].Entity
		}
		return r.Skipped[i].ID < r.Skipped[j].ID
	})
}

// run is the state of one Export: id sets for de-duplication, the goal id list and the
// serialised emit.
type run struct {
	c      *Client
	plan   Plan
	st     *stats
	rep    *Report
	emitFn func(context.Context, *Batch) error

	mu           sync.Mutex // serialises emit, de-dup and report updates
	users        map[int64]struct{}
	teams        map[int64]struct{}
	members      map[[2]int64]struct{}
	goals        map[int64]struct{}
	gcomments    map[int64]struct{}
	krs          map[int64]struct{}
	pageCheckins map[int64]struct{} // metric_data_ids of the page being accepted (cleared per page)
	teamIDs      []int64
	goalIDs      []int64
	krRefs       [][2]int64 // (goal id, metric id) from goal_metrics
	skippedGoals map[int64]struct{}
	progress     map[string]*Progress
	// goalsMore is signalled (with mu) when goalIDs grows or the goal listing ends (goalsDone),
	// so key results are fetched while goals are still being listed.
	goalsMore *sync.Cond
	goalsDone bool
}

// Export runs the plan and streams the records to emit, which is called serially (never
// concurrently) with one batch per decoded page. A batch is never touched by the client
// after emit returns, so emit may keep it (for example, queue it for another goroutine). Memory does not grow with the org except for
// the id sets used for de-duplication (users, teams, team members, goals, goal comments, key
// results; not check-ins, see acceptKRs) and the goal (and team / key result) id lists. The
// Report is returned also on error (with what was done so far).
func (c *Client) Export(ctx context.Context, plan Plan, emit func(ctx context.Context, b *Batch) error) (*Report, error) {
	start := time.Now()
	r := &run{c: c, plan: plan, st: &stats{}, emitFn: emit,
		rep: &Report{StartedAt: start.UTC(), Retries: map[string]int64{}, Rows: map[string]int64{},
			Endpoints: map[string]*EndpointStats{}, Skipped: []Skipped{}, Warnings: []string{}},
		users: map[int64]struct{}{}, teams: map[int64]struct{}{}, members: map[[2]int64]struct{}{},
		goals: map[int64]struct{}{}, gcomments: map[int64]struct{}{}, krs: map[int64]struct{}{},
		pageCheckins: map[int64]struct{}{}, skippedGoals: map[int64]struct{}{}, progress: map[string]*Progress{}}
	r.goalsMore = sync.NewCond(&r.mu)
	for _, t := range plan.Tables() {
		r.rep.Rows[t] = 0
	}
	err := r.exec(ctx)
	r.rep.fill(r.st, start)
	return r.rep, err
}

// exec runs the plan's independent parts concurrently — users; teams then team members;
// goals then key results — so the client keeps its concurrency bound busy across what
// would otherwise be phase boundaries (each listing's first page is fetched alone, and each
// phase ends with a partly filled wave). All requests share the client's pacer; emit stays
// serial (run.take holds r.mu). The first error cancels the other parts and is returned.
func (r *run) exec(ctx context.Context) error {
	g, gctx := errgroup.WithContext(ctx)
	if r.plan.Users {
		g.Go(func() error { return r.listUsers(gctx) })
	}
	if r.plan.Teams || r.plan.TeamMembers {
		g.Go(func() error { return r.teamsAndMembers(gctx) })
	}
	if r.plan.needGoals() {
		g.Go(func() error { return r.goalsAndKRs(gctx) })
	}
	return g.Wait()
}

func (r *run) listUsers(ctx context.Context) error {
	L := r.c.cfg.pageSize
	return r.list(ctx, "users", func(off int) string {
		return "/user?include=org_members&limit=" + strconv.Itoa(L) + "&offset=" + strconv.Itoa(off)
	}, DecodeUsersPage, r.acceptUsers)
}

func (r *run) teamsAndMembers(ctx context.Context) error {
	L := r.c.cfg.pageSize
	err := r.list(ctx, "teams", func(off int) string {
		return "/team?include=org_teams&limit=" + strconv.Itoa(L) + "&offset=" + strconv.Itoa(off)
	}, DecodeTeamsPage, r.acceptTeams)
	if err != nil || !r.plan.TeamMembers {
		return err
	}
	// the team id list is complete: the listing has returned
	return r.perItem(ctx, "team_members", "team", len(r.teamIDs), func(i int) (int64, string) {
		id := r.teamIDs[i]
		return id, "/team/" + strconv.FormatInt(id, 10)
	}, func(_ int, b []byte) (*Page, error) { return DecodeTeamsPage(b) }, r.acceptMembers)
}

func (r *run) goalsAndKRs(ctx context.Context) error {
	c := r.c
	L := c.cfg.pageSize
	q := "/goal?goal_status=" + url.QueryEscape("1,2")
	if c.cfg.customAttrs {
		q += "&custom_attributes=1"
	}
	if c.cfg.customPerm {
		q += "&include=custom_permission"
	}
	listGoals := func(ctx context.Context) error {
		return r.list(ctx, "goals", func(off int) string {
			return q + "&limit=" + strconv.Itoa(L) + "&offset=" + strconv.Itoa(off)
		}, DecodeGoalsPage, r.acceptGoals)
	}
	if !r.plan.needKRs() || r.plan.PerKeyResult {
		if err := listGoals(ctx); err != nil || !r.plan.needKRs() {
			return err
		}
	}
	perKR := func(refs [][2]int64) error {
		return r.perItem(ctx, "key_results", "key_result", len(refs), func(i int) (int64, string) {
			return refs[i][1], "/metric/" + strconv.FormatInt(refs[i][1], 10) + "?include_metric_data=yes"
		}, r.decodeMetricsFor(func(i int) int64 { return refs[i][0] }), r.acceptKRs)
	}
	if r.plan.PerKeyResult {
		return perKR(r.krRefs)
	}
	// key results per goal while the goals are still being listed
	goalID := func(i int) int64 {
		r.mu.Lock()
		defer r.mu.Unlock()
		return r.goalIDs[i]
	}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		err := listGoals(gctx)
		r.mu.Lock()
		r.goalsDone = true
		r.goalsMore.Broadcast()
		r.mu.Unlock()
		return err
	})
	g.Go(func() error {
		return r.perItemFrom(gctx, "key_results", "goal", r.hasGoal, func() int64 {
			// the goals to go through: all listed once the listing ended, else what the
			// listing reported (if more than listed so far)
			r.mu.Lock()
			defer r.mu.Unlock()
			n := int64(len(r.goalIDs))
			if es := r.rep.Endpoints["goals"]; !r.goalsDone && es != nil && es.ReportedTotal > n {
				n = es.ReportedTotal
			}
			return n
		}, func(i int) (int64, string) {
			id := goalID(i)
			return id, "/metric?goal_id=" + strconv.FormatInt(id, 10) + "&include_metric_data=yes"
		}, r.decodeMetricsFor(goalID), r.acceptKRs)
	})
	if err := g.Wait(); err != nil {
		return err
	}
	// cross-check: key results listed in goal_metrics that /metric?goal_id= did not return are
	// fetched one by one (GET /metric/{id}), unless their goal was skipped as not found
	var missing [][2]int64
	r.mu.Lock()
	for _, ref := range r.krRefs {
		if _, ok := r.krs[ref[1]]; ok {
			continue
		}
		if _, gone := r.skippedGoals[ref[0]]; gone {
			continue
		}
		missing = append(missing, ref)
	}
	if len(missing) > 0 {
		r.rep.Warnings = append(r.rep.Warnings, fmt.Sprintf(
			"key_results: %d key results listed in goal_metrics were not returned by /metric?goal_id=; fetching them one by one", len(missing)))
	}
	r.mu.Unlock()
	return perKR(missing)
}

// hasGoal blocks until goal id i is listed (true) or the goal listing has ended without it
// or ctx is done (false).
func (r *run) hasGoal(ctx context.Context, i int) bool {
	stop := context.AfterFunc(ctx, func() {
		r.mu.Lock()
		r.goalsMore.Broadcast()
		r.mu.Unlock()
	})
	defer stop()
	r.mu.Lock()
	defer r.mu.Unlock()
	for i >= len(r.goalIDs) && !r.goalsDone && ctx.Err() == nil {
		r.goalsMore.Wait()
	}
	return i < len(r.goalIDs) && ctx.Err() == nil
}

// decodeMetricsFor returns a per-item decoder that fills the goal id of records lacking it.
// History lists whose tables the plan leaves out are not decoded (DecodeMetricsPageFor).
func (r *run) decodeMetricsFor(goalOf func(i int) int64) func(i int, body []byte) (*Page, error) {
	return func(i int, body []byte) (*Page, error) {
		p, err := DecodeMetricsPageFor(body, r.plan)
		if err != nil {
			return nil, err
		}
		p.setGoalID(goalOf(i))
		return p, nil
	}
}

// acceptFn de-duplicates a decoded page, stamps Meta, and returns the batch to emit together
// with the number of new and duplicate items. Called with r.mu held.
type acceptFn func(p *Page, m Meta) (b *Batch, fresh, dups int)

func (r *run) endpoint(name string) *EndpointStats {
	es := r.rep.Endpoints[name]
	if es == nil {
		es = &EndpointStats{ReportedTotal: -1, LastTotal: -1}
		r.rep.Endpoints[name] = es
	}
	return es
}

// take hands one page to accept and emit under the lock; it returns the new item count.
func (r *run) take(ctx context.Context, name string, p *Page, m Meta, accept acceptFn, total int64) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	es := r.endpoint(name)
	es.Requests++
	if p.TotalCount.Valid && p.TotalCount.V > es.LastTotal {
		es.LastTotal = p.TotalCount.V
	}
	b, fresh, dups := accept(p, m)
	es.Fetched += int64(fresh)
	es.Duplicates += int64(dups)
	if b != nil && !b.empty() {
		r.count(b)
		if err := r.emitFn(ctx, b); err != nil {
			return fresh, fmt.Errorf("extract: emit %s: %w", name, err)
		}
	}
	if fn := r.c.cfg.progress; fn != nil {
		pr := r.progress[name]
		if pr == nil {
			pr = &Progress{Entity: name, Total: -1}
			r.progress[name] = pr
		}
		pr.PagesDone++
		pr.ItemsFetched = es.Fetched
		pr.Total = total
		if total < 0 && es.LastTotal >= 0 {
			pr.Total = es.LastTotal
		}
		fn(*pr)
	}
	return fresh, nil
}

func (b *Batch) empty() bool { return b.Len() == 0 }

func (r *run) count(b *Batch) {
	add := func(t string, n int) {
		if n > 0 {
			r.rep.Rows[t] += int64(n)
		}
	}
	add(schemas.Users, len(b.Users))
	add(schemas.Teams, len(b.Teams))
	add(schemas.TeamMembers, len(b.TeamMembers))
	add(schemas.Goals, len(b.Goals))
	add(schemas.GoalComments, len(b.GoalComments))
	add(schemas.KeyResults, len(b.KeyResults))
	add(schemas.KeyResultCheckins, len(b.Checkins))
	add(schemas.KeyResultConf, len(b.Confidence))
	add(schemas.KeyResultComments, len(b.KRComments))
}

// list pages through a limit/offset listing: the first page, then (knowing totalCount) the
// remaining pages concurrently, then, if fewer distinct items than the (possibly grown) total
// arrived, further pages one by one until an empty page, a page of only known ids, or the
// guard of totalCount/L+2 pages.
func (r *run) list(ctx context.Context, name string, endpoint func(off int) string,
	decode func([]byte) (*Page, error), accept acceptFn) error {
	c := r.c
	L := c.cfg.pageSize
	var tmu sync.Mutex
	var tmin, tmax int64 // smallest and largest totalCount seen in the current pass
	fetch := func(ctx context.Context, off int) (*Page, Meta, error) {
		ep := endpoint(off)
		p, resp, err := c.getPage(ctx, r.st, ep, off, decode)
		if err != nil {
			return nil, Meta{}, withContext(err, ep, off)
		}
		if p.TotalCount.Valid && p.TotalCount.V > c.cfg.maxTotal {
			return nil, Meta{}, fmt.Errorf("%w: %s (page offset %d) reports totalCount %d, above the limit of %d",
				ErrDrift, ep, off, p.TotalCount.V, c.cfg.maxTotal)
		}
		if p.TotalCount.Valid {
			tmu.Lock()
			if tmin < 0 || p.TotalCount.V < tmin {
				tmin = p.TotalCount.V
			}
			if p.TotalCount.V > tmax {
				tmax = p.TotalCount.V
			}
			tmu.Unlock()
		}
		return p, Meta{ExtractedAt: resp.receivedAt, Endpoint: ep}, nil
	}

	r.mu.Lock()
	es := r.endpoint(name)
	r.mu.Unlock()
	pass := func(ctx context.Context, firstPass bool) error {
		first, m, err := fetch(ctx, 0)
		if err != nil {
			return err
		}
		r.mu.Lock()
		if firstPass && first.TotalCount.Valid {
			es.ReportedTotal = first.TotalCount.V
		}
		r.mu.Unlock()
		total := int64(-1)
		if first.TotalCount.Valid {
			total = first.TotalCount.V
		}
		if _, err := r.take(ctx, name, first, m, accept, total); err != nil {
			return err
		}
		pages := 1
		lastItems := first.Items
		L := L
		if first.Items > 0 && first.Items < L && (total < 0 || int64(first.Items) < total) {
			// the server clamps the page size below the requested limit (or, without a total,
			// may do so): step by what it gives
			r.mu.Lock()
			if total >= 0 && firstPass {
				r.rep.Warnings = append(r.rep.Warnings, fmt.Sprintf("%s: asked for %d items per page, the server sent %d; paging by %d",
					name, L, first.Items, first.Items))
			}
			r.mu.Unlock()
			L = first.Items
		}
		next := L

		if total >= 0 && first.Items > 0 && int64(L) < total {
			// the remaining pages known from totalCount, concurrently
			n := int((total + int64(L) - 1) / int64(L))
			g, gctx := errgroup.WithContext(ctx)
			offs := make(chan int)
			g.Go(func() error {
				defer close(offs)
				for k := 1; k < n; k++ {
					select {
					case offs <- k * L:
					case <-gctx.Done():
						return nil
					}
				}
				return nil
			})
			var lastMu sync.Mutex
			for w := 0; w < c.cfg.concurrency; w++ {
				g.Go(func() error {
					for off := range offs {
						p, m, err := fetch(gctx, off)
						if err != nil {
							return err
						}
						if _, err := r.take(gctx, name, p, m, accept, total); err != nil {
							return err
						}
						if off == (n-1)*L {
							lastMu.Lock()
							lastItems = p.Items
							lastMu.Unlock()
						}
					}
					return nil
				})
			}
			if err := g.Wait(); err != nil {
				return err
			}
			pages = n
			next = n * L
		}

		// follow-up pages: no total, or fewer distinct items than the largest total seen
		for {
			r.mu.Lock()
			fetched, last := es.Fetched, es.LastTotal
			r.mu.Unlock()
			if lastItems == 0 {
				break
			}
			if last >= 0 {
				if fetched >= last || int64(pages) >= last/int64(L)+2 {
					break
				}
			} else if int64(pages) >= c.cfg.maxTotal/int64(L)+2 {
				break // no total: page until an empty page, within the absurd-total guard
			}
			p, m, err := fetch(ctx, next)
			if err != nil {
				return err
			}
			pages++
			next += L
			fresh, err := r.take(ctx, name, p, m, accept, total)
			if err != nil {
				return err
			}
			lastItems = p.Items
			if p.Items == 0 || fresh == 0 {
				break // empty page, or a page that only repeats known ids
			}
		}
		return nil
	}
	tmin, tmax = -1, -1
	if err := pass(ctx, true); err != nil {
		return err
	}
	tmu.Lock()
	changed := tmin != tmax
	tmu.Unlock()
	if changed {
		// the set changed while we paged (offset paging then skips or repeats items): list
		// once more and keep the union
		r.mu.Lock()
		r.rep.Warnings = append(r.rep.Warnings, fmt.Sprintf("%s: totalCount changed from %d to %d during the listing; listed again",
			name, tmin, tmax))
		r.mu.Unlock()
		if err := pass(ctx, false); err != nil {
			return err
		}
	}

	r.mu.Lock()
	defer r.mu.Unlock()
	if es.ReportedTotal >= 0 && (changed || es.Fetched != es.ReportedTotal || es.LastTotal != es.ReportedTotal) {
		es.Drift = true
		r.rep.Warnings = append(r.rep.Warnings, fmt.Sprintf(
			"%s: totalCount reported %d (largest %d) but %d distinct items fetched (%d duplicates dropped)",
			name, es.ReportedTotal, es.LastTotal, es.Fetched, es.Duplicates))
	} else if es.Duplicates > 0 {
		r.rep.Warnings = append(r.rep.Warnings, fmt.Sprintf("%s: %d duplicate items dropped", name, es.Duplicates))
	}
	return nil
}

// perItem runs one call per item (team members per team, key results per goal or per key
// result) with bounded concurrency. "Not found" answers are recorded as skipped.
func (r *run) perItem(ctx context.Context, name, entity string, n int, target func(i int) (int64, string),
	decode func(i int, body []byte) (*Page, error), accept acceptFn) error {
	if n == 0 {
		return nil
	}
	return r.perItemFrom(ctx, name, entity, func(_ context.Context, i int) bool { return i < n },
		func() int64 { return int64(n) }, target, decode, accept)
}

// perItemFrom is perItem over items that may still be arriving: has(ctx, i) blocks until item
// i exists (true) or no more will come (false); total is the item count for progress (-1
// while unknown). target and decode must be safe to call while items are being added.
func (r *run) perItemFrom(ctx context.Context, name, entity string, has func(ctx context.Context, i int) bool, total func() int64,
	target func(i int) (int64, string), decode func(i int, body []byte) (*Page, error), accept acceptFn) error {
	r.mu.Lock()
	r.endpoint(name)
	r.mu.Unlock()
	g, gctx := errgroup.WithContext(ctx)
	idx := make(chan int)
	g.Go(func() error {
		defer close(idx)
		for i := 0; has(gctx, i); i++ {
			select {
			case idx <- i:
			case <-gctx.Done():
				return nil
			}
		}
		return nil
	})
	for w := 0; w < r.c.cfg.concurrency; w++ {
		g.Go(func() error {
			for i := range idx {
				id, ep := target(i)
				p, resp, err := r.c.getPage(gctx, r.st, ep, -1, func(b []byte) (*Page, error) { return decode(i, b) })
				if err == nil {
					if _, err := r.take(gctx, name, p, Meta{ExtractedAt: resp.receivedAt, Endpoint: ep}, accept, total()); err != nil {
						return err
					}
					continue
				}
				err = withContext(err, ep, -1)
				if errors.Is(err, ErrNotFound) && !errors.Is(err, ErrAuth) {
					r.mu.Lock()
					r.rep.Skipped = append(r.rep.Skipped, Skipped{Entity: entity, ID: id, Endpoint: ep, Reason: err.Error()})
					if entity == "goal" {
						r.skippedGoals[id] = struct{}{}
					}
					r.endpoint(name).Requests++
					r.mu.Unlock()
					r.c.cfg.logger.LogAttrs(gctx, slog.LevelWarn, "workboard item skipped (not found)",
						slog.String("entity", entity), slog.Int64("id", id), slog.String("path", ep))
					continue
				}
				return err
			}
			return nil
		})
	}
	return g.Wait()
}

func (r *run) acceptUsers(p *Page, m Meta) (*Batch, int, int) {
	out := p.Users[:0]
	dups := 0
	for _, u := range p.Users {
		if _, ok := r.users[u.UserID]; ok {
			dups++
			continue
		}
		r.users[u.UserID] = struct{}{}
		u.Meta = m
		out = append(out, u)
	}
	return &Batch{Users: out}, len(out), dups
}

func (r *run) acceptTeams(p *Page, m Meta) (*Batch, int, int) {
	out := p.Teams[:0]
	dups := 0
	for _, t := range p.Teams {
		if _, ok := r.teams[t.TeamID]; ok {
			dups++
			continue
		}
		r.teams[t.TeamID] = struct{}{}
		if r.plan.TeamMembers {
			r.teamIDs = append(r.teamIDs, t.TeamID)
		}
		t.Meta = m
		out = append(out, t)
	}
	if !r.plan.Teams {
		return nil, len(out), dups
	}
	return &Batch{Teams: out}, len(out), dups
}

func (r *run) acceptMembers(p *Page, m Meta) (*Batch, int, int) {
	out := p.TeamMembers[:0]
	dups := 0
	for _, tm := range p.TeamMembers {
		k := [2]int64{tm.TeamID, tm.UserID}
		if _, ok := r.members[k]; ok {
			dups++
			continue
		}
		r.members[k] = struct{}{}
		tm.Meta = m
		out = append(out, tm)
	}
	return &Batch{TeamMembers: out}, len(out), dups
}

func (r *run) acceptGoals(p *Page, m Meta) (*Batch, int, int) {
	// filtered in place, as acceptUsers does: the page is not used after accept
	b := &Batch{Goals: p.Goals[:0], GoalComments: p.GoalComments[:0]}
	dups := 0
	fresh := 0
	for _, g := range p.Goals {
		if _, ok := r.goals[g.GoalID]; ok {
			dups++
			continue
		}
		fresh++
		r.goals[g.GoalID] = struct{}{}
		if r.plan.needKRs() {
			for _, mid := range g.MetricIDs {
				r.krRefs = append(r.krRefs, [2]int64{g.GoalID, mid})
			}
			if !r.plan.PerKeyResult {
				r.goalIDs = append(r.goalIDs, g.GoalID)
				r.goalsMore.Broadcast()
			}
		}
		if r.plan.Goals {
			g.Meta = m
			b.Goals = append(b.Goals, g)
		}
	}
	if r.plan.GoalComments {
		for _, gc := range p.GoalComments {
			if _, ok := r.gcomments[gc.CommentID]; ok {
				continue
			}
			r.gcomments[gc.CommentID] = struct{}{}
			gc.Meta = m
			b.GoalComments = append(b.GoalComments, gc)
		}
	}
	return b, fresh, dups
}

// acceptKRs drops key results whose metric_id was already accepted, together with everything
// nested in them (check-ins, confidence, comments). Check-ins are de-duplicated by
// metric_data_id within the page only: they arrive nested in their key result, so one seen on
// an earlier page came with that page's key result and is dropped with its duplicate here.
// Keeping no run-wide check-in id set keeps the export's memory independent of the number of
// check-ins (3 million at 100k goals).
func (r *run) acceptKRs(p *Page, m Meta) (*Batch, int, int) {
	// filtered in place, as acceptUsers does: the page is not used after accept
	b := &Batch{KeyResults: p.KeyResults[:0], Checkins: p.Checkins[:0], Confidence: p.Confidence[:0], KRComments: p.KRComments[:0]}
	dups := 0
	fresh := 0
	dropped := map[int64]bool{}
	for _, k := range p.KeyResults {
		if _, ok := r.krs[k.MetricID]; ok {
			dups++
			dropped[k.MetricID] = true
			continue
		}
		fresh++
		r.krs[k.MetricID] = struct{}{}
		if r.plan.KeyResults {
			k.Meta = m
			b.KeyResults = append(b.KeyResults, k)
		}
	}
	if r.plan.Checkins {
		clear(r.pageCheckins)
		for _, ci := range p.Checkins {
			if dropped[ci.MetricID] {
				continue
			}
			if _, ok := r.pageCheckins[ci.MetricDataID]; ok {
				continue
			}
			r.pageCheckins[ci.MetricDataID] = struct{}{}
			ci.Meta = m
			b.Checkins = append(b.Checkins, ci)
		}
	}
	if r.plan.Confidence {
		for _, cf := range p.Confidence {
			if !dropped[cf.MetricID] {
				cf.Meta = m
				b.Confidence = append(b.Confidence, cf)
			}
		}
	}
	if r.plan.KRComments {
		for _, kc := range p.KRComments {
			if !dropped[kc.MetricID] {
				kc.Meta = m
				b.KRComments = append(b.KRComments, kc)
			}
		}
	}
	return b, fresh, dups
}

// Me returns the token's own user (GET /user).
func (c *Client) Me(ctx context.Context) (*User, error) {
	ep := "/user"
	p, resp, err := c.getPage(ctx, &stats{}, ep, -1, DecodeUsersPage)
	if err != nil {
		return nil, withContext(err, ep, -1)
	}
	if len(p.Users) == 0 {
		return nil, &DecodeError{Endpoint: ep, Offset: -1, Index: -1, Entity: "user", Field: "data.user", Msg: "no user in the response"}
	}
	u := p.Users[0]
	u.Meta = Meta{ExtractedAt: resp.receivedAt, Endpoint: ep}
	return &u, nil
}

// CheckResult is what Check found out about the token.
type CheckResult struct {
	BaseURL    string `json:"base_url"`
	User       *User  `json:"-"`
	UserID     int64  `json:"user_id"`
	Email      string `json:"email"`
	DataAdmin  bool   `json:"data_admin"`  // include=org_members works
	OrgMembers int64  `json:"org_members"` // totalCount of the org member listing, -1 when unknown
	Problem    string `json:"problem,omitempty"`
	Hint       string `json:"hint,omitempty"`
}

// Check verifies the token (GET /user), the identity it belongs to, and Data-Admin rights
// (GET /user?include=org_members&limit=1). A token problem is returned as an error matching
// ErrAuth; missing Data-Admin rights are reported in the result (DataAdmin false, Problem).
func (c *Client) Check(ctx context.Context) (*CheckResult, error) {
	me, err := c.Me(ctx)
	if err != nil {
		return nil, err
	}
	res := &CheckResult{BaseURL: c.BaseURL(), User: me, UserID: me.UserID, Email: me.Email.V, OrgMembers: -1}
	ep := "/user?include=org_members&limit=1&offset=0"
	p, _, err := c.getPage(ctx, &stats{}, ep, 0, DecodeUsersPage)
	if err == nil {
		res.DataAdmin = true
		if p.TotalCount.Valid {
			res.OrgMembers = p.TotalCount.V
		}
		return res, nil
	}
	err = withContext(err, ep, 0)
	var ae *APIError
	if errors.As(err, &ae) && !ae.IsAuth() && ae.RetryCause == "" {
		res.Problem = "the token cannot list the organisation's members (" + err.Error() + ")"
		res.Hint = (&APIError{HTTPStatus: 403}).Hint()
		return res, nil
	}
	return res, err
}
