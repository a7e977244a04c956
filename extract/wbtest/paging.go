package wbtest

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// DriftGoals returns the goals that appear mid-listing with WithGoalDrift(n > 0).
func (s *Server) DriftGoals() []*Goal { return s.drift }

func (s *Server) makeDriftGoals(n int) {
	s.driftByID = map[int64]*Goal{}
	maxID := int64(0)
	for _, g := range s.org.Goals {
		maxID = max(maxID, g.ID)
	}
	at := s.org.AsOf.Unix() - 60
	for i := 0; i < n; i++ {
		owner := s.org.Users[i%len(s.org.Users)]
		g := &Goal{ID: maxID + 1000 + int64(i), Name: fmt.Sprintf("New goal created mid-export #%d", i+1),
			Type: IDName{"2", "Individual"}, OwnerID: owner.ID, OwnerFullName: owner.FullName(), CreateAt: at,
			ModifiedAt: at, CreatedBy: owner.ID, UpdatedBy: owner.ID, StartDate: at, TargetDate: at + 90*day,
			ProgressColor: ColorFor(0), Status: "1", Permission: "owner,manager"}
		s.drift = append(s.drift, g)
		s.driftByID[g.ID] = g
	}
}

// paging parses limit and offset; absent limit → DefaultPageSize.
func (s *Server) paging(q url.Values) (limit, offset int, err *apiError) {
	limit = DefaultPageSize
	if v := q.Get("limit"); q.Has("limit") {
		n, e := strconv.Atoi(strings.TrimSpace(v))
		if e != nil {
			return 0, 0, badRequest("invalid_request", "limit must be an integer, got %q.", v)
		}
		if n <= 0 {
			return 0, 0, badRequest("missing_required_parameters", "limit must be a positive integer, got %d.", n)
		}
		if n > s.cfg.maxLimit {
			if s.cfg.rejectOverLimit {
				return 0, 0, badRequest("invalid_request", "limit must not exceed %d, got %d.", s.cfg.maxLimit, n)
			}
			n = s.cfg.maxLimit
		}
		limit = n
	}
	if v := q.Get("offset"); q.Has("offset") {
		n, e := strconv.Atoi(strings.TrimSpace(v))
		if e != nil || n < 0 {
			return 0, 0, badRequest("invalid_request", "offset must be an integer >= 0, got %q.", v)
		}
		offset = n
	}
	return limit, offset, nil
}

func window(n, limit, offset int) (lo, hi int) {
	lo = min(offset, n)
	hi = min(lo+limit, n)
	return
}

// goalPage cuts one page out of the listing order, applying drift and overlap.
func (s *Server) goalPage(pred func(*Goal) bool, limit, offset int) ([]*Goal, int) {
	var list []*Goal
	// The change happens once, between the first offset=0 page and the next page: from then
	// on every page, a fresh listing's first page included, shows the changed set.
	drifted := s.driftApplied.Load() || (offset > 0 && s.firstPaged.Load())
	if drifted && s.cfg.goalDrift != 0 {
		s.driftApplied.Store(true)
	}
	if offset == 0 {
		s.firstPaged.Store(true)
	}
	if s.cfg.goalDrift > 0 && drifted {
		for _, g := range s.drift {
			if pred(g) {
				list = append(list, g)
			}
		}
	}
	for _, g := range s.order {
		if pred(g) {
			list = append(list, g)
		}
	}
	if s.cfg.goalDrift < 0 && drifted {
		list = list[min(-s.cfg.goalDrift, len(list)):]
	}
	n := len(list)
	if ov := min(s.cfg.pageOverlap, limit-1); ov > 0 {
		pages := 1
		if n > limit {
			pages = (n-limit+(limit-ov)-1)/(limit-ov) + 1
		}
		start := offset - (offset/limit)*ov
		lo, hi := window(n, limit, start)
		return list[lo:hi], n + (pages-1)*ov
	}
	lo, hi := window(n, limit, offset)
	return list[lo:hi], n
}
