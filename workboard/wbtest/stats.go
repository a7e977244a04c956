package wbtest

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

// counters are a Server's request counters; Stats reads them.
type counters struct {
	requests     atomic.Int64
	rateLimited  atomic.Int64
	unavailable  atomic.Int64
	authFailures atomic.Int64
	mu           sync.Mutex
	faults       map[FaultKind]int64
	endpoints    map[string]int64
}

// endpointOf normalises a request path for Stats.ByEndpoint: numeric segments become {id}.
func endpointOf(r *http.Request) string {
	parts := strings.Split(r.URL.Path, "/")
	for i, p := range parts {
		if p != "" && strings.Trim(p, "0123456789") == "" {
			parts[i] = "{id}"
		}
	}
	return r.Method + " " + strings.Join(parts, "/")
}

// request counts r, by endpoint too.
func (c *counters) request(r *http.Request) {
	c.requests.Add(1)
	e := endpointOf(r)
	c.mu.Lock()
	if c.endpoints == nil {
		c.endpoints = map[string]int64{}
	}
	c.endpoints[e]++
	c.mu.Unlock()
}

// throttled counts a request answered by the limit or an outage.
func (c *counters) throttled(v verdict) {
	if v.limited {
		c.rateLimited.Add(1)
	} else {
		c.unavailable.Add(1)
	}
}

// fault counts an injected fault of kind k.
func (c *counters) fault(k FaultKind) {
	c.mu.Lock()
	if c.faults == nil {
		c.faults = map[FaultKind]int64{}
	}
	c.faults[k]++
	c.mu.Unlock()
}

// Stats is a snapshot of a server's counters.
type Stats struct {
	Requests     int64               // every HTTP request received (API, OAuth and unknown paths)
	Faults       map[FaultKind]int64 // injected faults by kind
	RateLimited  int64               // requests refused by the limit (WithLimit, WithRateLimit)
	Unavailable  int64               // requests answered 503 by an outage (WithOutages)
	AuthFailures int64               // requests refused with invalid_access_token
	// ByEndpoint counts requests (faulted ones included) per method and path with numeric
	// segments replaced by {id}, e.g. "GET /wb/apis/metric" or "GET /wb/apis/goal/{id}".
	ByEndpoint map[string]int64
}

// TotalFaults is the sum of Faults.
func (s Stats) TotalFaults() int64 {
	var n int64
	for _, v := range s.Faults {
		n += v
	}
	return n
}

// String renders the stats on one line, kinds sorted.
func (s Stats) String() string {
	keys := make([]string, 0, len(s.Faults))
	for k := range s.Faults {
		keys = append(keys, string(k))
	}
	sort.Strings(keys)
	var b strings.Builder
	fmt.Fprintf(&b, "requests=%d rate_limited=%d unavailable=%d auth_failures=%d faults={", s.Requests, s.RateLimited, s.Unavailable, s.AuthFailures)
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s:%d", k, s.Faults[FaultKind(k)])
	}
	b.WriteByte('}')
	return b.String()
}

// Stats returns a snapshot of the counters.
func (s *Server) Stats() Stats {
	st := Stats{Requests: s.stats.requests.Load(), RateLimited: s.stats.rateLimited.Load(), Unavailable: s.stats.unavailable.Load(),
		AuthFailures: s.stats.authFailures.Load(), Faults: map[FaultKind]int64{}, ByEndpoint: map[string]int64{}}
	s.stats.mu.Lock()
	for k, v := range s.stats.faults {
		st.Faults[k] = v
	}
	for k, v := range s.stats.endpoints {
		st.ByEndpoint[k] = v
	}
	s.stats.mu.Unlock()
	return st
}
