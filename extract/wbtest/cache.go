package wbtest

type cacheKey struct {
	id      int64
	kind    byte // 'g' goal list form, 'm' metric list form
	variant byte // goal: bit 0 custom attributes, bit 1 custom permission; metric: 1 with data
}

func (s *Server) cached(k cacheKey, render func(*jw)) []byte {
	s.cacheMu.RLock()
	b, ok := s.cache[k]
	s.cacheMu.RUnlock()
	if ok {
		return b
	}
	var w jw
	render(&w)
	s.cacheMu.Lock()
	s.cache[k] = w.b
	s.cacheMu.Unlock()
	return w.b
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
	return s.cached(cacheKey{g.ID, 'g', v}, func(w *jw) { s.writeGoal(w, g, goalList, o) })
}

// listMetric is the list-form JSON of k (as in GET /metric?goal_id=).
func (s *Server) listMetric(k *KeyResult, data bool) []byte {
	var v byte
	if data {
		v = 1
	}
	return s.cached(cacheKey{k.ID, 'm', v}, func(w *jw) { s.writeMetric(w, k, false, data) })
}
