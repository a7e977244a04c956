package wbtest

// The Server caches the list forms of goals and metrics, which make up GET /goal pages and
// GET /metric lists: the Org is immutable, so a rendered value never goes stale.

// cacheKey names one cached value: a goal or metric in one variant of its list form.
type cacheKey struct {
	id      int64
	kind    byte // 'g' goal list form, 'm' metric list form
	variant byte // goal: bit 0 custom attributes, bit 1 custom permission; metric: 1 with data
}

// cached returns the value stored under k, rendering it with write on first use.
func (s *Server) cached(k cacheKey, write func(*encoder)) []byte {
	s.cacheMu.RLock()
	b, ok := s.cache[k]
	s.cacheMu.RUnlock()
	if ok {
		return b
	}
	b = render(write)
	s.cacheMu.Lock()
	s.cache[k] = b
	s.cacheMu.Unlock()
	return b
}

// listGoal is the list-form JSON of g (as in GET /goal pages).
func (s *Server) listGoal(g *Goal, o goalOpts) []byte {
	var v byte
	if o.customAttrs {
		v |= 1
	}
	if o.customPerm {
		v |= 2
	}
	return s.cached(cacheKey{g.ID, 'g', v}, func(e *encoder) { s.writeGoal(e, g, goalList, o) })
}

// listMetric is the list-form JSON of k (as in GET /metric?goal_id=).
func (s *Server) listMetric(k *KeyResult, data bool) []byte {
	var v byte
	if data {
		v = 1
	}
	return s.cached(cacheKey{k.ID, 'm', v}, func(e *encoder) { s.writeMetric(e, k, false, data) })
}
