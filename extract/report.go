package extract

import (
	"cmp"
	"slices"
	"time"

	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/workboard"
)

// Report is the run summary of an Export (JSON with stable snake_case keys).
type Report struct {
	StartedAt      time.Time        `json:"started_at"`
	DurationMS     int64            `json:"duration_ms"`
	Requests       int64            `json:"requests"`
	Retries        map[string]int64 `json:"retries"` // by cause: 429, 5xx, timeout, conn, truncated
	HTTP429        int64            `json:"http_429"`
	ThrottleWaitMS int64            `json:"throttle_wait_ms"` // time requests were held back by the client-side rate limit and 429 pauses (Retry-After), summed over requests; not the wait for a free concurrency slot
	BytesReceived  int64            `json:"bytes_received"`
	// RequestsPerGoal is Requests divided by the goals listed (0 when none were): the cost of
	// an export, which the API's pace turns into its duration.
	RequestsPerGoal float64 `json:"requests_per_goal"`
	// KRListing is how key results were fetched: auto, team, goal (Plan.KRListing) or
	// key_result (Plan.PerKeyResult).
	KRListing string `json:"kr_listing"`
	// GoalsWithoutKRs counts the goals listed with goal_metrics_count 0, for which no
	// key-result call was made.
	GoalsWithoutKRs int64                     `json:"goals_without_key_results"`
	Rows            map[schemas.TableID]int64 `json:"rows"`      // rows emitted per table
	Endpoints       map[string]*EndpointStats `json:"endpoints"` // users, teams, team_members, goals, key_results, key_results_by_team
	Skipped         []Skipped                 `json:"skipped"`
	Warnings        []string                  `json:"warnings"`
}

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

// Progress is reported through WithProgress after each page or per-item call.
type Progress struct {
	Entity       string // "users", "teams", "team_members", "goals", "key_results"
	PagesDone    int
	ItemsFetched int64 // distinct items so far
	Total        int64 // reported totalCount (or the number of goals / teams for per-item calls), -1 when unknown
}

func newReport(plan Plan, start time.Time) *Report {
	r := &Report{StartedAt: start.UTC(), Retries: map[string]int64{}, Rows: map[schemas.TableID]int64{}, KRListing: plan.krListing(),
		Endpoints: map[string]*EndpointStats{}, Skipped: []Skipped{}, Warnings: []string{}}
	for _, t := range plan.Tables() {
		r.Rows[t] = 0
	}
	return r
}

// finish fills in the duration and the client's counters of the export (st: what the
// client did since the export started).
func (r *Report) finish(st workboard.Stats, start time.Time) {
	r.DurationMS = time.Since(start).Milliseconds()
	r.Requests = st.Requests
	r.Retries = st.Retries
	r.HTTP429 = st.HTTP429
	r.ThrottleWaitMS = st.ThrottleWait.Milliseconds()
	r.BytesReceived = st.BytesReceived
	if es := r.Endpoints["goals"]; es != nil && es.Fetched > 0 {
		r.RequestsPerGoal = float64(r.Requests) / float64(es.Fetched)
	}
	slices.SortFunc(r.Skipped, func(a, b Skipped) int {
		return cmp.Or(cmp.Compare(a.Entity, b.Entity), cmp.Compare(a.ID, b.ID))
	})
}

// endpoint returns the stats of the listing name, creating them.
func (r *Report) endpoint(name string) *EndpointStats {
	es := r.Endpoints[name]
	if es == nil {
		es = &EndpointStats{ReportedTotal: -1, LastTotal: -1}
		r.Endpoints[name] = es
	}
	return es
}
