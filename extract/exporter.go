package extract

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/workboard"
	"github.com/wbexport/wbexport/workboard/decode"
	"golang.org/x/sync/errgroup"
)

// Named defaults of the exporter's options.
const (
	DefaultPageSize = 100
	DefaultMaxTotal = 50_000_000 // a totalCount above this is rejected as absurd
	// DefaultMaxSkipped is the share of a listing's items (goals, teams, key results) whose
	// per-item call may answer "not found" before the export fails (see WithMaxSkipped).
	DefaultMaxSkipped = 0.02
)

// ErrIncomplete: the export could not get everything the listings promised: key results that
// goals list but that never arrived, or more items answered "not found" than WithMaxSkipped
// allows. Nothing is published.
var ErrIncomplete = errors.New("extract: export incomplete")

// Exporter runs exports through one WorkBoard client.
type Exporter struct {
	c   *workboard.Client
	cfg config
	cur atomic.Pointer[run] // the export running, or the last one (Status)
}

type config struct {
	pageSize    int
	maxTotal    int64
	maxSkipped  float64
	customAttrs bool // custom_attributes=1 on GET /goal
	userAttrs   bool // custom_attributes=1 on GET /user?include=org_members
	krTagsBatch int  // key result ids per GET /metric/krtags
	progress    func(Progress)
}

// Option configures an Exporter.
type Option func(*config)

// WithPageSize sets limit= of paged listings (default DefaultPageSize).
func WithPageSize(n int) Option { return func(c *config) { c.pageSize = n } }

// WithMaxTotal sets the largest totalCount accepted before a listing is rejected as absurd
// (default DefaultMaxTotal).
func WithMaxTotal(n int64) Option { return func(c *config) { c.maxTotal = n } }

// WithMaxSkipped sets the share of a listing (0.02 = 2 %) whose items may be skipped because
// their own call answered WorkBoard's not-found code (deleted while the export ran); more
// fail the export with ErrIncomplete. The allowance is rounded up, so one item may always be
// skipped (default DefaultMaxSkipped).
func WithMaxSkipped(share float64) Option { return func(c *config) { c.maxSkipped = share } }

// WithCustomAttributes controls custom_attributes=1 on GET /goal (default on).
func WithCustomAttributes(on bool) Option { return func(c *config) { c.customAttrs = on } }

// WithUserCustomAttributes controls custom_attributes=1 on the user listing, which fills
// users.custom_attributes (default on).
func WithUserCustomAttributes(on bool) Option { return func(c *config) { c.userAttrs = on } }

// WithProgress registers a callback for progress bars, called serially after each page or
// per-item call.
func WithProgress(fn func(Progress)) Option { return func(c *config) { c.progress = fn } }

// New returns an exporter that uses c.
func New(c *workboard.Client, opts ...Option) (*Exporter, error) {
	cfg := config{pageSize: DefaultPageSize, maxTotal: DefaultMaxTotal, maxSkipped: DefaultMaxSkipped, customAttrs: true, userAttrs: true,
		krTagsBatch: DefaultKRTagsBatch}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.pageSize <= 0 {
		return nil, fmt.Errorf("extract: page size must be positive, got %d", cfg.pageSize)
	}
	if cfg.krTagsBatch <= 0 {
		return nil, fmt.Errorf("extract: key result tags batch size must be positive, got %d", cfg.krTagsBatch)
	}
	if cfg.maxSkipped < 0 || cfg.maxSkipped > 1 {
		return nil, fmt.Errorf("extract: the share of skipped items must be between 0 and 1, got %v", cfg.maxSkipped)
	}
	return &Exporter{c: c, cfg: cfg}, nil
}

// Client returns the exporter's WorkBoard client.
func (e *Exporter) Client() *workboard.Client { return e.c }

// Export runs the plan and streams the records to emit, which is called serially (never
// concurrently) with one batch per decoded page. A batch is never touched after emit returns,
// so emit may keep it. Memory does not grow with the org except for the id sets used for
// de-duplication (users, teams, team members, goals, goal comments, key results, and check-ins
// in a compact set, see acceptKRs) and the goal (and team / key result) id lists. The Report is
// returned also on error, with what was done so far.
func (e *Exporter) Export(ctx context.Context, plan Plan, emit func(context.Context, *workboard.Batch) error) (*Report, error) {
	r := newRun(e, plan, emit, time.Now())
	r.before = e.c.Stats()
	e.cur.Store(r)
	err := r.exec(ctx)
	r.rep.finish(e.c.Stats().Since(r.before), r.start)
	r.mu.Lock()
	r.ended, r.end = true, time.Now()
	r.mu.Unlock()
	return r.rep, err
}

// run is the state of one Export: the report, the id sets for de-duplication, the lists of
// ids that per-item calls go through, and the serialised emit.
type run struct {
	e      *Exporter
	plan   Plan
	emitFn func(context.Context, *workboard.Batch) error
	start  time.Time
	before workboard.Stats // the client's counters when the export started

	mu           sync.Mutex // serialises emit, de-duplication and report updates
	rep          *Report
	seen         seen
	teamIDs      []int64
	goalIDs      []int64    // goals for per-goal calls (KRByGoal)
	krGoals      []goalKRs  // goals with key results (KRByTeam, KRAuto)
	krRefs       [][2]int64 // (goal id, metric id) from goal_metrics
	tagMetricIDs []int64    // key result ids from goal_metrics, for key_result_tags
	alignGoalIDs []int64    // the goals listed, for goal_alignments
	align        *alignments
	// krTagsSize is the key result ids per GET /metric/krtags (0: the configured batch size),
	// lowered on each refusal (krTagsRefused counts them)
	krTagsSize, krTagsRefused int
	alienKRs                  int            // key results of goals not listed, dropped from team listings
	skippedKRs                map[int64]bool // key results whose own call answered "not found"
	checkinDups               int            // check-ins dropped: their metric_data_id came with an earlier key result
	progress                  map[string]*Progress
	// goalsMore is signalled (with mu) when goalIDs grows or the goal listing ends (goalsDone),
	// so key results are fetched while goals are still being listed.
	goalsMore *sync.Cond
	goalsDone bool
	// for Status: the team listings are done; the per-goal calls after them and the
	// per-key-result calls for what no listing returned (-1: not known yet); the export has
	// ended, when
	teamsListed  bool
	perGoalCalls int
	perKRCalls   int
	ended        bool
	end          time.Time
}

func newRun(e *Exporter, plan Plan, emit func(context.Context, *workboard.Batch) error, start time.Time) *run {
	r := &run{e: e, plan: plan, emitFn: emit, start: start, rep: newReport(plan, start), seen: newSeen(),
		skippedKRs: map[int64]bool{}, progress: map[string]*Progress{}, perGoalCalls: -1, perKRCalls: -1}
	r.goalsMore = sync.NewCond(&r.mu)
	return r
}

// exec runs the plan's independent parts concurrently — users; teams then team members;
// goals then key results; tags; key result tags and the alignment tree once the goals are
// listed — so the client's concurrency stays busy across what would
// otherwise be phase boundaries. All requests share the client's pacer; emit stays serial
// (take holds r.mu). The first error cancels the other parts and is returned.
func (r *run) exec(ctx context.Context) error {
	g, gctx := errgroup.WithContext(ctx)
	if r.plan.Has(schemas.Users) {
		g.Go(func() error { return r.listUsers(gctx) })
	}
	if r.plan.Has(schemas.Teams) || r.plan.Has(schemas.TeamMembers) {
		g.Go(func() error { return r.teamsAndMembers(gctx) })
	}
	if r.plan.needGoals() {
		g.Go(func() error { return r.goalsAndKRs(gctx) })
	}
	if r.plan.Has(schemas.Tags) {
		g.Go(func() error { return r.listTags(gctx) })
	}
	if r.plan.Has(schemas.KeyResultTags) {
		g.Go(func() error { return r.keyResultTags(gctx) })
	}
	if r.plan.Has(schemas.GoalAlignments) {
		g.Go(func() error { return r.goalAlignments(gctx) })
	}
	if err := g.Wait(); err != nil {
		return err
	}
	if r.checkinDups > 0 {
		r.warn("key_result_checkins: %d check-ins dropped: their metric_data_id came with another key result already", r.checkinDups)
	}
	return r.checkSkipped()
}

// acceptFn de-duplicates a decoded page, stamps Meta, and returns the batch to emit with the
// number of new and duplicate items; it counts the batch's rows in the report (see put).
// Called with r.mu held.
type acceptFn func(p *decode.Page, m workboard.Meta) (b *workboard.Batch, fresh, dups int)

// take hands one page to accept and emit under the lock and reports progress (total: the
// item count to show, -1 for the listing's largest totalCount). It returns the new item count.
func (r *run) take(ctx context.Context, name string, p *decode.Page, m workboard.Meta, accept acceptFn, total int64) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	es := r.rep.endpoint(name)
	es.Requests++
	if p.TotalCount.Valid && p.TotalCount.V > es.LastTotal {
		es.LastTotal = p.TotalCount.V
	}
	b, fresh, dups := accept(p, m)
	es.Fetched += int64(fresh)
	es.Duplicates += int64(dups)
	if b != nil && b.Len() > 0 {
		if err := r.emitFn(ctx, b); err != nil {
			return fresh, fmt.Errorf("extract: emit %s: %w", name, err)
		}
	}
	if fn := r.e.cfg.progress; fn != nil {
		pr := r.progress[name]
		if pr == nil {
			pr = &Progress{Entity: name}
			r.progress[name] = pr
		}
		pr.PagesDone++
		pr.ItemsFetched = es.Fetched
		pr.Total = total
		if total < 0 {
			pr.Total = es.LastTotal
		}
		fn(*pr)
	}
	return fresh, nil
}

// warn adds a warning to the report.
func (r *run) warn(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rep.Warnings = append(r.rep.Warnings, fmt.Sprintf(format, args...))
}

// endpoint returns the report's stats of the listing name.
func (r *run) endpoint(name string) *EndpointStats {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.rep.endpoint(name)
}
