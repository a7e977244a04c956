package extract

import (
	"maps"
	"math"
	"time"

	"github.com/wbexport/wbexport/schemas"
)

// Status is a snapshot of an export as it runs (Exporter.Status), for progress lines and
// bars. Calls are logical API calls (a page, a per-item call), retries not included.
type Status struct {
	Running bool          // an export is running (false: the last one has ended, or none ran)
	Elapsed time.Duration // since the export started
	Calls   int64         // API calls answered so far
	// Expected is the calls the whole export will make, as far as the totalCounts seen so far
	// tell (the key-result calls are estimated from the goals listed so far); -1 until the
	// first page of every listing is in.
	Expected   int64
	Requests   int64            // HTTP requests, retries included
	Retries    map[string]int64 // retried attempts by cause
	HTTP429    int64
	Rate       float64 // the client's current request rate (+Inf: unlimited)
	RateCuts   int64   // changes of the rate down …
	RateRaises int64   // … and up, since the export started
	Rows       map[schemas.TableID]int64
}

// ETA estimates the time left: the calls left, at the slower of the current rate and the
// pace so far. ok is false while Expected is unknown or nothing was called yet.
func (s Status) ETA() (eta time.Duration, ok bool) {
	if s.Expected < 0 || s.Calls == 0 || s.Elapsed <= 0 {
		return 0, false
	}
	pace := float64(s.Calls) / s.Elapsed.Seconds()
	if !math.IsInf(s.Rate, 1) && s.Rate > 0 {
		pace = min(pace, s.Rate)
	}
	left := max(0, s.Expected-s.Calls)
	return time.Duration(float64(left) / pace * float64(time.Second)), true
}

// Status returns the state of the export running (or the last one run) through e; the zero
// Status before the first.
func (e *Exporter) Status() Status {
	r := e.cur.Load()
	if r == nil {
		return Status{Expected: -1}
	}
	st := e.c.Stats().Since(r.before)
	s := Status{Requests: st.Requests, Retries: st.Retries, HTTP429: st.HTTP429, Rate: e.c.CurrentRate(),
		RateCuts: st.RateCuts, RateRaises: st.RateRaises}
	r.mu.Lock()
	defer r.mu.Unlock()
	s.Running, s.Elapsed = !r.ended, time.Since(r.start)
	if r.ended {
		s.Elapsed = r.end.Sub(r.start)
	}
	for _, es := range r.rep.Endpoints {
		s.Calls += int64(es.Requests)
	}
	s.Expected = r.expected()
	s.Rows = maps.Clone(r.rep.Rows)
	return s
}

// expected estimates the calls of the whole export (see Status.Expected). Called with r.mu
// held.
func (r *run) expected() int64 {
	pages := func(name string) int64 {
		es := r.rep.Endpoints[name]
		if es == nil || es.ReportedTotal < 0 {
			return -1
		}
		total, size := max(es.ReportedTotal, es.LastTotal), int64(r.e.cfg.pageSize)
		n := max(1, (total+size-1)/size)
		if total > 0 && total%size == 0 {
			n++ // the last page is full: the page after it confirms the totalCount (listing.confirm)
		}
		return n
	}
	var n int64
	var lists []string
	if r.plan.Has(schemas.Users) {
		lists = append(lists, "users")
	}
	if r.plan.Has(schemas.Teams) || r.plan.Has(schemas.TeamMembers) {
		lists = append(lists, "teams")
	}
	if r.plan.needGoals() {
		lists = append(lists, "goals")
	}
	if r.plan.Has(schemas.Tags) {
		lists = append(lists, "tags")
	}
	for _, name := range lists {
		p := pages(name)
		if p < 0 {
			return -1
		}
		n += p
	}
	if r.plan.Has(schemas.TeamMembers) {
		n += max(int64(len(r.teamIDs)), r.rep.Endpoints["teams"].ReportedTotal)
	}
	return n + r.expectedKRCalls() + r.expectedKRTagCalls() + r.expectedAlignmentCalls()
}

// expectedAlignmentCalls estimates the GET /goal/{id}/alignment calls: those made, and one
// for every other goal left whose parent is not known yet (answers cover about as many goals
// as were called); before the calls start, one for every other goal listed (scaled as in
// expectedKRCalls). Called with r.mu held.
func (r *run) expectedAlignmentCalls() int64 {
	if !r.plan.Has(schemas.GoalAlignments) {
		return 0
	}
	a := r.align
	if a == nil {
		return int64(math.Ceil(float64(len(r.alignGoalIDs)) * r.goalScale() / 2))
	}
	unknown := 0
	for _, id := range a.goals[a.next:] {
		if _, known := a.parent[id]; !known {
			unknown++
		}
	}
	return int64(a.calls + (unknown+1)/2)
}

// goalScale is the factor from the goals listed so far to the goals the listing reported (1
// once the listing has ended). Called with r.mu held, once the goals' first page is in.
func (r *run) goalScale() float64 {
	goals := r.rep.Endpoints["goals"]
	if listed := goals.Fetched; !r.goalsDone && listed > 0 && goals.ReportedTotal > listed {
		return float64(goals.ReportedTotal) / float64(listed)
	}
	return 1
}

// expectedKRTagCalls estimates the GET /metric/krtags calls: the batches refused so far, and
// the key results the goals name (scaled as in expectedKRCalls) in batches of the current
// size. Called with r.mu held, once the goals' first page is in.
func (r *run) expectedKRTagCalls() int64 {
	if !r.plan.Has(schemas.KeyResultTags) {
		return 0
	}
	ids := float64(len(r.tagMetricIDs)) * r.goalScale()
	return int64(r.krTagsRefused) + int64(math.Ceil(ids/float64(r.krTagSize())))
}

// expectedKRCalls estimates the key-result calls: those the goals listed so far need, scaled
// to the goals the listing reported. Called with r.mu held, once the goals' first page is in.
func (r *run) expectedKRCalls() int64 {
	if !r.plan.needKRs() {
		return 0
	}
	scale := r.goalScale()
	var calls float64
	switch r.plan.krListing() {
	case "key_result":
		calls = float64(len(r.krRefs)) * scale
	case string(KRByGoal):
		calls = float64(len(r.goalIDs)) * scale
	default:
		teams, personal, personalKRs := map[int64]bool{}, 0, 0
		for _, g := range r.krGoals {
			if g.team != 0 {
				teams[g.team] = true
			} else {
				personal, personalKRs = personal+1, personalKRs+g.n
			}
		}
		calls = float64(len(teams)) * scale // a page per team, until the team listings are done
		if r.teamsListed {
			calls = float64(r.rep.Endpoints["key_results_by_team"].Requests)
		}
		switch {
		case r.perKRCalls >= 0 || r.perGoalCalls >= 0:
			calls += float64(max(0, r.perGoalCalls))
		case r.plan.krListing() == string(KRAuto):
			calls += float64(personal) * scale // the personal goals, until the coverage is known
		default:
			calls += float64(personalKRs) * scale // their key results, one by one
		}
	}
	if r.perKRCalls >= 0 && r.plan.krListing() != "key_result" {
		calls += float64(r.perKRCalls) // key results no listing returned
	}
	return int64(math.Ceil(calls))
}
