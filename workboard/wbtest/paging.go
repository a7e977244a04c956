package wbtest

import (
	"net/url"
	"strconv"
	"strings"
)

// paging parses limit and offset: no limit means DefaultPageSize, one above the maximum is
// clamped (or refused with WithRejectOverLimit), no offset means 0.
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

// window is the index range [lo, hi) of the page at offset of a list of n items.
func window(n, limit, offset int) (lo, hi int) {
	lo = min(offset, n)
	hi = min(lo+limit, n)
	return
}

// goalPage cuts the page at offset out of the GET /goal listing of the goals keep accepts
// and returns it with the listing's totalCount. WithGoalDrift changes the listing (see
// goalListing); WithPageOverlap makes the page at offset = k*limit start at k*(limit-n) and
// counts the repeated rows in totalCount.
func (s *Server) goalPage(keep func(*Goal) bool, limit, offset int) ([]*Goal, int) {
	list := s.goalListing(keep, offset)
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
