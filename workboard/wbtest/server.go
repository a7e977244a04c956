package wbtest

import (
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Named defaults of the server options.
const (
	// DefaultPageSize is the page size when a paged request has no limit (WorkBoard: 15).
	DefaultPageSize = 15
	// DefaultMaxLimit is the largest limit honoured; larger ones are clamped (or rejected with
	// WithRejectOverLimit). WorkBoard's real maximum is unknown.
	DefaultMaxLimit = 100
	// DefaultAuthFailureStatus is the HTTP status of auth failures ([SPEC]: 400).
	DefaultAuthFailureStatus = http.StatusBadRequest
	// DefaultGoalStatus is the goal_status filter applied when a /goal request has none
	// (WorkBoard's default is unknown).
	DefaultGoalStatus = "1"
	// APIPrefix is the base path of the v1 API; a client's base URL is server URL + APIPrefix.
	APIPrefix = "/wb/apis"
	// OAuthTokenPath is the OAuth code-exchange endpoint.
	OAuthTokenPath = "/wb/oauth/token"
)

// Option configures a Server.
type Option func(*config)

// config holds the options of a Server.
type config struct {
	maxLimit          int
	rejectOverLimit   bool
	totalCountString  bool
	flatGoals         bool
	authStatus        int
	defaultGoalStatus string
	faults            FaultConfig
	latency, jitter   time.Duration
	limit             Limit
	outages           Outages
	throttleFor       time.Duration
	teamMetrics       TeamMetrics
	goalDrift         int
	pageOverlap       int
	creds             Credentials
	maxKRTagIDs       int
	odd               []OddAnswer
}

// WithMaxLimit sets the largest page size honoured (default DefaultMaxLimit). Larger limits
// are clamped, so a page may hold fewer items than requested, unless WithRejectOverLimit.
func WithMaxLimit(n int) Option { return func(c *config) { c.maxLimit = n } }

// WithRejectOverLimit makes a limit above the maximum a 400 error instead of clamping it.
func WithRejectOverLimit() Option { return func(c *config) { c.rejectOverLimit = true } }

// WithTotalCountAsString sends data.totalCount as a numeric string ("42") instead of an integer.
func WithTotalCountAsString() Option { return func(c *config) { c.totalCountString = true } }

// WithFlatGoals is the structure-drift switch: GET /goal lists put flat goal objects in
// data.goal[] instead of people_goals / team_goals wrappers.
func WithFlatGoals() Option { return func(c *config) { c.flatGoals = true } }

// WithAuthFailureStatus sets the HTTP status of invalid_access_token answers (default 400).
func WithAuthFailureStatus(code int) Option { return func(c *config) { c.authStatus = code } }

// WithDefaultGoalStatus sets the goal_status filter used when a /goal request sends none
// (default DefaultGoalStatus, "1"). Use "1,2" for both.
func WithDefaultGoalStatus(s string) Option { return func(c *config) { c.defaultGoalStatus = s } }

// WithFaults enables per-request fault injection (see FaultConfig).
func WithFaults(f FaultConfig) Option { return func(c *config) { c.faults = f } }

// WithLatency makes every API response arrive fixed plus a uniformly random [0, jitter)
// (seeded) after its request: the response is due at that instant after the request arrived,
// and the time the emulator spends rendering it counts towards it (as a real server's
// processing time is part of the latency its clients see), so a response is never early and
// the emulator's own CPU time does not add to the configured latency unless it exceeds it.
func WithLatency(fixed, jitter time.Duration) Option {
	return func(c *config) { c.latency, c.jitter = fixed, jitter }
}

// WithGoalDrift simulates goals created (n > 0) or deleted (n < 0) while a client pages
// through GET /goal: once a first page (offset=0) was served, every later page (offset > 0)
// is cut from a list where n new goals (status 1, no key results) were inserted at the
// front, or the first -n goals were removed. totalCount changes accordingly, so later pages
// repeat (n > 0) or skip (n < 0) goals. New goals (see DriftGoals) are also served by
// /goal/{id} and /metric?goal_id= (an empty list); removed goals stay reachable by id. The
// switch is server-wide and happens once: after the first offset=0 page of any /goal listing,
// every later page of every listing (a new listing's offset=0 page included) is cut from the
// drifted list, as on a real server whose goal set changed mid-export. So a client that lists
// again after seeing totalCount change gets every goal of the final set.
func WithGoalDrift(n int) Option { return func(c *config) { c.goalDrift = n } }

// WithPageOverlap makes consecutive GET /goal pages repeat n goals: the page at
// offset = k*limit starts at k*(limit-n). totalCount counts the rows a client receives when
// paging with that limit until offset >= totalCount (every goal once, the overlaps twice),
// so sum(len(page)) == totalCount but distinct goals == the real number.
func WithPageOverlap(n int) Option { return func(c *config) { c.pageOverlap = n } }

// WithCredentials replaces the generated tokens and OAuth client (empty fields keep theirs).
func WithCredentials(cr Credentials) Option { return func(c *config) { c.creds = cr } }

// Server is the emulator: an http.Handler serving one Org under APIPrefix and the OAuth token
// endpoint. It is safe for concurrent use. Create it with NewServer.
type Server struct {
	org      *Org
	cfg      config
	mux      *http.ServeMux
	faults   *injector
	latency  *latency
	throttle *throttle
	stats    counters

	order     []*Goal // the goals in listing order (see listingOrder)
	drift     []*Goal // goals that appear with WithGoalDrift(n > 0)
	driftByID map[int64]*Goal
	// firstPageServed: a GET /goal page at offset 0 was served. driftApplied: WithGoalDrift's
	// change has happened (see goalListing).
	firstPageServed, driftApplied atomic.Bool

	// cache holds rendered list-form goals and metrics (see cached); it makes big /goal pages
	// and per-goal /metric calls cheap.
	cacheMu sync.RWMutex
	cache   map[cacheKey][]byte
}

// NewServer returns an emulator serving org.
func NewServer(org *Org, opts ...Option) *Server {
	c := config{maxLimit: DefaultMaxLimit, maxKRTagIDs: DefaultMaxKRTagIDs, authStatus: DefaultAuthFailureStatus, defaultGoalStatus: DefaultGoalStatus}
	for _, o := range opts {
		o(&c)
	}
	c.creds = c.creds.withDefaults(org.Config.Seed)
	s := &Server{org: org, cfg: c, mux: http.NewServeMux(), cache: map[cacheKey][]byte{}}
	s.faults = newInjector(c.faults, org.Config.Seed)
	s.latency = newLatency(c.latency, c.jitter, s.faults.cfg.Seed)
	s.throttle = newThrottle(c)
	s.order = listingOrder(org.Goals)
	if c.goalDrift > 0 {
		s.makeDriftGoals(c.goalDrift)
	}
	s.routes()
	return s
}

// Org returns the organisation the server serves.
func (s *Server) Org() *Org { return s.org }

// Credentials returns the tokens and OAuth client the server accepts.
func (s *Server) Credentials() Credentials { return s.cfg.creds }

// routes registers the endpoints; any other path gets 404 not_found.
func (s *Server) routes() {
	m := s.mux
	m.HandleFunc("GET "+APIPrefix+"/user", s.api(s.handleUser))
	m.HandleFunc("GET "+APIPrefix+"/user/{id}", s.api(s.handleUserByID))
	m.HandleFunc("GET "+APIPrefix+"/user/{id}/goal", s.api(s.handleUserGoals))
	m.HandleFunc("GET "+APIPrefix+"/user/{id}/goal/{gid}", s.api(s.handleUserGoal))
	m.HandleFunc("GET "+APIPrefix+"/team", s.api(s.handleTeam))
	m.HandleFunc("GET "+APIPrefix+"/team/{id}", s.api(s.handleTeamByID))
	m.HandleFunc("GET "+APIPrefix+"/goal", s.api(s.handleGoal))
	m.HandleFunc("GET "+APIPrefix+"/goal/{id}", s.api(s.handleGoalByID))
	m.HandleFunc("GET "+APIPrefix+"/goal/{id}/metric/{mid}", s.api(s.handleGoalByID))
	m.HandleFunc("GET "+APIPrefix+"/goal/{id}/alignment", s.api(s.handleGoalAlignment))
	m.HandleFunc("GET "+APIPrefix+"/metric", s.api(s.handleMetric))
	m.HandleFunc("GET "+APIPrefix+"/metric/{id}", s.api(s.handleMetricByID))
	m.HandleFunc("GET "+APIPrefix+"/metric/krtags", s.api(s.handleKRTags))
	m.HandleFunc("GET "+APIPrefix+"/tags", s.api(s.handleTags))
	m.HandleFunc("POST "+OAuthTokenPath, s.handleOAuthToken)
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "not_found", "no such endpoint: "+r.Method+" "+r.URL.Path)
	})
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.stats.request(r)
	if strings.HasPrefix(r.URL.Path, APIPrefix+"/") {
		if s.latency.enabled() {
			// the response is due this long after the request arrived, whatever is answered
			due := time.Now().Add(s.latency.draw())
			w = &dueWriter{ResponseWriter: w, r: r, due: due}
		}
		now := time.Now()
		if !s.throttle.active(now) {
			s.serve(w, r)
			return
		}
		if v := s.throttle.decide(now); v.status != 0 {
			s.stats.throttled(v)
			v.answer(w)
			return
		}
		if kind, ok := s.faults.decide(r); ok {
			s.stats.fault(kind)
			if dw, ok := w.(*dueWriter); ok {
				// faults may hijack or flush the connection: wait here, then hand them the
				// underlying writer
				dw.wait()
				w = dw.ResponseWriter
			}
			if s.inject(kind, w, r) {
				return
			}
		}
	}
	s.serve(w, r)
}
