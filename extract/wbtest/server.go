package wbtest

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
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

type config struct {
	maxLimit          int
	rejectOverLimit   bool
	totalCountString  bool
	flatGoals         bool
	authStatus        int
	defaultGoalStatus string
	faults            FaultConfig
	latency, jitter   time.Duration
	rateLimit         float64
	goalDrift         int
	pageOverlap       int
	creds             Credentials
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

// WithRateLimit makes the server accept at most perSecond API requests per second (burst
// equal to the rate, at least 1); requests beyond it get 429 with Retry-After.
func WithRateLimit(perSecond float64) Option { return func(c *config) { c.rateLimit = perSecond } }

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

// Credentials are the emulator's own test secrets.
type Credentials struct {
	AdminToken string // Data-Admin bearer token (acts as Org.AdminUserID)
	UserToken  string // ordinary bearer token (acts as Org.TokenUserID)
	ClientID   string // OAuth client_id accepted by POST /wb/oauth/token
	ClientHash string // OAuth client_hash (the client secret)
	AdminCode  string // authorization code exchanged for AdminToken
	UserCode   string // authorization code exchanged for UserToken
}

// Server is the emulator: an http.Handler serving one Org under APIPrefix and the OAuth token
// endpoint. It is safe for concurrent use. Create it with NewServer.
type Server struct {
	org     *Org
	cfg     config
	mux     *http.ServeMux
	faults  *injector
	limiter *rate.Limiter
	stats   counters

	order      []*Goal // listing order of GET /goal: by owner, then goal id
	drift      []*Goal // goals that appear with WithGoalDrift(n > 0)
	driftByID  map[int64]*Goal
	firstPaged atomic.Bool
	// driftApplied: WithGoalDrift's change has happened (a page after a first page was served).
	driftApplied atomic.Bool

	// cache holds rendered list-form goals and metrics (the Org is immutable, so they never
	// go stale); it makes big /goal pages and per-goal /metric calls cheap.
	cacheMu sync.RWMutex
	cache   map[cacheKey][]byte
}

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

// NewServer returns an emulator serving org.
func NewServer(org *Org, opts ...Option) *Server {
	c := config{maxLimit: DefaultMaxLimit, authStatus: DefaultAuthFailureStatus, defaultGoalStatus: DefaultGoalStatus}
	for _, o := range opts {
		o(&c)
	}
	r := rand.New(rand.NewPCG(uint64(org.Config.Seed), 0x70_6b_65_6e))
	tok := func(prefix string) string { return fmt.Sprintf("%s%016x%016x", prefix, r.Uint64(), r.Uint64()) }
	def := Credentials{AdminToken: tok("wbt-admin-"), UserToken: tok("wbt-user-"), ClientID: "wbtest-client",
		ClientHash: tok("wbt-hash-"), AdminCode: tok("wbt-code-a-"), UserCode: tok("wbt-code-u-")}
	cr := &c.creds
	for _, f := range []struct {
		dst *string
		def string
	}{{&cr.AdminToken, def.AdminToken}, {&cr.UserToken, def.UserToken},
		{&cr.ClientID, def.ClientID}, {&cr.ClientHash, def.ClientHash}, {&cr.AdminCode, def.AdminCode}, {&cr.UserCode, def.UserCode}} {
		if *f.dst == "" {
			*f.dst = f.def
		}
	}
	s := &Server{org: org, cfg: c, mux: http.NewServeMux(), cache: map[cacheKey][]byte{}}
	s.faults = newInjector(c.faults, org.Config.Seed, c.latency, c.jitter)
	if c.rateLimit > 0 {
		s.limiter = rate.NewLimiter(rate.Limit(c.rateLimit), max(1, int(c.rateLimit)))
	}
	s.order = append([]*Goal(nil), org.Goals...)
	sort.SliceStable(s.order, func(i, j int) bool {
		if s.order[i].OwnerID != s.order[j].OwnerID {
			return s.order[i].OwnerID < s.order[j].OwnerID
		}
		return s.order[i].ID < s.order[j].ID
	})
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
	m.HandleFunc("GET "+APIPrefix+"/metric", s.api(s.handleMetric))
	m.HandleFunc("GET "+APIPrefix+"/metric/{id}", s.api(s.handleMetricByID))
	m.HandleFunc("POST "+OAuthTokenPath, s.handleOAuthToken)
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "not_found", "no such endpoint: "+r.Method+" "+r.URL.Path)
	})
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.stats.request(r)
	if strings.HasPrefix(r.URL.Path, APIPrefix+"/") {
		if s.cfg.latency > 0 || s.cfg.jitter > 0 {
			// the response is due this long after the request arrived, whatever is answered
			due := time.Now().Add(s.faults.draw())
			w = &dueWriter{ResponseWriter: w, r: r, due: due}
		}
		if s.limiter != nil {
			if res := s.limiter.Reserve(); res.Delay() > 0 {
				d := res.Delay()
				res.Cancel()
				s.stats.rateLimited.Add(1)
				w.Header().Set("Retry-After", strconv.Itoa(max(1, int((d+time.Second-1)/time.Second))))
				writeError(w, http.StatusTooManyRequests, "rate_limited", "emulated server-side rate limit exceeded")
				return
			}
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
	s.mux.ServeHTTP(w, r)
}

// ---- envelope, errors, auth -----------------------------------------------------------------

type apiError struct {
	status      int
	code, descr string
}

func (e *apiError) Error() string { return e.code + ": " + e.descr }

func badRequest(code, format string, a ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, code: code, descr: fmt.Sprintf(format, a...)}
}

func writeError(w http.ResponseWriter, status int, code, descr string) {
	var j jw
	j.obj()
	j.key("success")
	j.boolean(false)
	j.ks("error", code)
	j.ks("error_description", descr)
	j.endObj()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(j.b)))
	w.WriteHeader(status)
	w.Write(j.b)
}

// caller is the authenticated token's identity.
type caller struct {
	user  *User
	admin bool
}

type apiHandler func(r *http.Request, c caller, out *envelope) *apiError

// envelope collects a success body: {"success":true,"message":"","data":{"totalCount":N,key:...}}.
type envelope struct {
	total int
	key   string
	w     jw // holds the resource value
}

func (s *Server) api(h apiHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := s.authenticate(r)
		if err != nil {
			s.stats.authFailures.Add(1)
			writeError(w, err.status, err.code, err.descr)
			return
		}
		var env envelope
		if err := h(r, c, &env); err != nil {
			writeError(w, err.status, err.code, err.descr)
			return
		}
		// {"success":true,"message":"","data":{"totalCount":N,"<key>":<value>}}, written in
		// three pieces so the (possibly large) value is not copied.
		var b jw
		b.obj()
		b.key("success")
		b.boolean(true)
		b.ks("message", "")
		b.key("data")
		b.obj()
		b.key("totalCount")
		if s.cfg.totalCountString {
			b.str(strconv.Itoa(env.total))
		} else {
			b.int(int64(env.total))
		}
		b.key(env.key)
		const tail = "}}"
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(b.b)+len(env.w.b)+len(tail)))
		w.WriteHeader(http.StatusOK)
		w.Write(b.b)
		w.Write(env.w.b)
		w.Write([]byte(tail))
	}
}

func (s *Server) authenticate(r *http.Request) (caller, *apiError) {
	fail := func(descr string) (caller, *apiError) {
		return caller{}, &apiError{status: s.cfg.authStatus, code: "invalid_access_token", descr: descr}
	}
	q := r.URL.Query()
	if q.Has("token") || q.Has("access_token") {
		return fail("Access tokens are not accepted in the URL; send an Authorization: Bearer header.")
	}
	h := r.Header.Get("Authorization")
	if h == "" {
		return fail("The Authorization header is missing.")
	}
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "bearer") {
		return fail("The Authorization header must use the Bearer scheme.")
	}
	tok = strings.TrimSpace(tok)
	switch tok {
	case s.cfg.creds.AdminToken:
		return caller{user: s.org.User(s.org.AdminUserID), admin: true}, nil
	case s.cfg.creds.UserToken:
		return caller{user: s.org.User(s.org.TokenUserID)}, nil
	}
	return fail("The access token provided is invalid or has been revoked.")
}

var errInsufficient = &apiError{status: http.StatusBadRequest, code: "insufficient_access",
	descr: "This request needs a Data-Admin token."}

// ---- query helpers ---------------------------------------------------------------------------

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

func parseID(v, what string) (int64, *apiError) {
	id, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || id <= 0 {
		return 0, badRequest("invalid_resource_id", "%s %q is not a valid id.", what, v)
	}
	return id, nil
}

func (s *Server) goalByID(id int64) *Goal {
	if g := s.org.Goal(id); g != nil {
		return g
	}
	return s.driftByID[id]
}

// userRef resolves a user id or e-mail.
func (s *Server) userRef(v, what string) (*User, *apiError) {
	if strings.Contains(v, "@") {
		for _, u := range s.org.Users {
			if strings.EqualFold(u.Email, v) {
				return u, nil
			}
		}
		return nil, badRequest("invalid_resource_id", "%s %q: no such user.", what, v)
	}
	id, err := parseID(v, what)
	if err != nil {
		return nil, err
	}
	u := s.org.User(id)
	if u == nil {
		return nil, badRequest("invalid_resource_id", "%s %d: no such user.", what, id)
	}
	return u, nil
}

func (s *Server) teamsOf(uid int64) []*Team {
	var out []*Team
	for _, t := range s.org.Teams {
		for _, m := range t.Members {
			if m.UserID == uid {
				out = append(out, t)
				break
			}
		}
	}
	return out
}

// ---- /user ---------------------------------------------------------------------------------

func (s *Server) handleUser(r *http.Request, c caller, out *envelope) *apiError {
	q := r.URL.Query()
	ca := q.Get("custom_attributes") == "1"
	out.key = "user"
	if _, _, err := s.paging(q); err != nil {
		return err
	}
	switch inc := q.Get("include"); inc {
	case "org_members":
		if !c.admin {
			return errInsufficient
		}
		limit, offset, err := s.paging(q)
		if err != nil {
			return err
		}
		lo, hi := window(len(s.org.Users), limit, offset)
		out.total = len(s.org.Users)
		out.w.arr()
		for _, u := range s.org.Users[lo:hi] {
			s.writeUser(&out.w, u, userOrgMember, ca)
		}
		out.w.endArr()
		return nil
	case "team_members":
		seen := map[int64]bool{}
		var us []*User
		for _, t := range s.teamsOf(c.user.ID) {
			for _, m := range t.Members {
				if !seen[m.UserID] {
					seen[m.UserID] = true
					us = append(us, s.org.User(m.UserID))
				}
			}
		}
		sort.Slice(us, func(i, j int) bool { return us[i].ID < us[j].ID })
		out.total = len(us)
		out.w.arr()
		for _, u := range us {
			s.writeUser(&out.w, u, userPlain, ca)
		}
		out.w.endArr()
		return nil
	case "", "org_reports":
		u := c.user
		if v := q.Get("user_id"); v != "" {
			var err *apiError
			if u, err = s.userRef(v, "user_id"); err != nil {
				return err
			}
			if !c.admin && u.ID != c.user.ID {
				return errInsufficient
			}
		}
		out.total = 1
		out.w.obj()
		s.writeUserFields(&out.w, u, userPlain, ca)
		if inc == "org_reports" {
			out.w.key("user_reports_to_me")
			out.w.arr()
			for _, x := range s.org.Users {
				for _, m := range x.Managers {
					if m.UserID == u.ID {
						out.w.obj()
						out.w.kid("user_id", x.ID)
						out.w.ks("org_role", map[string]string{"1": "direct", "2": "dotted"}[m.Role])
						out.w.endObj()
					}
				}
			}
			out.w.endArr()
		}
		out.w.endObj()
		return nil
	default:
		return badRequest("invalid_request", "include must be org_members, team_members or org_reports, got %q.", inc)
	}
}

func (s *Server) pathUser(r *http.Request, c caller) (*User, *apiError) {
	u, err := s.userRef(r.PathValue("id"), "user id")
	if err != nil {
		return nil, err
	}
	if !c.admin && u.ID != c.user.ID {
		return nil, errInsufficient
	}
	return u, nil
}

func (s *Server) handleUserByID(r *http.Request, c caller, out *envelope) *apiError {
	u, err := s.pathUser(r, c)
	if err != nil {
		return err
	}
	out.key, out.total = "user", 1
	s.writeUser(&out.w, u, userPlain, r.URL.Query().Get("custom_attributes") == "1")
	return nil
}

// UserGoalsCap is how many goals GET /user/{id}/goal returns at most (WorkBoard caps it at 15).
const UserGoalsCap = 15

func (s *Server) handleUserGoals(r *http.Request, c caller, out *envelope) *apiError {
	u, err := s.pathUser(r, c)
	if err != nil {
		return err
	}
	var gs []*Goal
	for _, g := range s.org.Goals {
		if g.OwnerID == u.ID && len(gs) < UserGoalsCap {
			gs = append(gs, g)
		}
	}
	out.key, out.total = "user", 1
	w := &out.w
	w.obj()
	s.writeUserFields(w, u, userGoals, false)
	w.key("goal")
	if len(gs) == 0 {
		w.arr()
		w.endArr()
	} else {
		w.obj()
		for i, g := range gs {
			w.key(strconv.Itoa(i))
			s.writeGoal(w, g, goalUser, goalOpts{})
		}
		w.ks("goals_count", strconv.Itoa(len(gs)))
		w.endObj()
	}
	w.ks("goal_count", strconv.Itoa(len(gs)))
	w.endObj()
	return nil
}

func (s *Server) handleUserGoal(r *http.Request, c caller, out *envelope) *apiError {
	u, err := s.pathUser(r, c)
	if err != nil {
		return err
	}
	gid, err := parseID(r.PathValue("gid"), "goal id")
	if err != nil {
		return err
	}
	g := s.goalByID(gid)
	if g == nil {
		return badRequest("invalid_resource_id", "goal %d does not exist.", gid)
	}
	out.key, out.total = "user", 1
	w := &out.w
	w.obj()
	s.writeUserFields(w, u, userGoals, false)
	w.key("goal")
	n := 0
	if g.OwnerID == u.ID {
		s.writeGoal(w, g, goalUser, goalOpts{})
		n = 1
	} else {
		w.arr()
		w.endArr()
	}
	w.ks("goal_count", strconv.Itoa(n))
	w.endObj()
	return nil
}

// ---- /team ---------------------------------------------------------------------------------

func (s *Server) handleTeam(r *http.Request, c caller, out *envelope) *apiError {
	q := r.URL.Query()
	out.key = "team"
	if _, _, err := s.paging(q); err != nil {
		return err
	}
	if v := firstOf(q, "team_id", "id", "external_id"); v != "" {
		var t *Team
		if q.Get("external_id") != "" && q.Get("team_id") == "" && q.Get("id") == "" {
			for _, x := range s.org.Teams {
				if x.ExternalID != "" && x.ExternalID == v {
					t = x
				}
			}
			if t == nil {
				return badRequest("invalid_resource_id", "no team with external_id %q.", v)
			}
		} else {
			id, err := parseID(v, "team_id")
			if err != nil {
				return err
			}
			if t = s.org.Team(id); t == nil {
				return badRequest("invalid_resource_id", "team %d does not exist.", id)
			}
		}
		out.total = 1
		s.writeTeam(&out.w, t, false)
		return nil
	}
	var ts []*Team
	switch inc := q.Get("include"); inc {
	case "org_teams":
		if !c.admin {
			return errInsufficient
		}
		ts = s.org.Teams
	case "":
		ts = s.teamsOf(c.user.ID)
	default:
		return badRequest("invalid_request", "include must be org_teams, got %q.", inc)
	}
	limit, offset, err := s.paging(q)
	if err != nil {
		return err
	}
	lo, hi := window(len(ts), limit, offset)
	out.total = len(ts)
	out.w.arr()
	for _, t := range ts[lo:hi] {
		s.writeTeam(&out.w, t, false)
	}
	out.w.endArr()
	return nil
}

func firstOf(q url.Values, keys ...string) string {
	for _, k := range keys {
		if v := q.Get(k); v != "" {
			return v
		}
	}
	return ""
}

func (s *Server) handleTeamByID(r *http.Request, c caller, out *envelope) *apiError {
	id, err := parseID(r.PathValue("id"), "team id")
	if err != nil {
		return err
	}
	t := s.org.Team(id)
	if t == nil {
		return badRequest("invalid_resource_id", "team %d does not exist.", id)
	}
	out.key, out.total = "team", 1
	s.writeTeam(&out.w, t, true)
	return nil
}

// ---- /goal ---------------------------------------------------------------------------------

func parseGoalStatus(v string) (map[string]bool, *apiError) {
	set := map[string]bool{}
	for _, p := range strings.Split(v, ",") {
		p = strings.TrimSpace(p)
		if p != "1" && p != "2" {
			return nil, badRequest("invalid_request", "goal_status must be 1, 2 or 1,2, got %q.", v)
		}
		set[p] = true
	}
	return set, nil
}

func goalOptsOf(q url.Values) goalOpts {
	return goalOpts{customAttrs: q.Get("custom_attributes") == "1", customPerm: q.Get("include") == "custom_permission"}
}

func (s *Server) handleGoal(r *http.Request, c caller, out *envelope) *apiError {
	q := r.URL.Query()
	out.key = "goal"
	opts := goalOptsOf(q)
	if _, _, err := s.paging(q); err != nil {
		return err
	}
	if v := q.Get("id"); v != "" {
		id, err := parseID(v, "id")
		if err != nil {
			return err
		}
		g := s.goalByID(id)
		if g == nil {
			return badRequest("invalid_resource_id", "goal %d does not exist.", id)
		}
		out.total = 1
		s.writeGoal(&out.w, g, goalSingle, opts)
		return nil
	}
	gs := q.Get("goal_status")
	if !q.Has("goal_status") {
		gs = s.cfg.defaultGoalStatus
	}
	status, err := parseGoalStatus(gs)
	if err != nil {
		return err
	}
	limit, offset, err := s.paging(q)
	if err != nil {
		return err
	}
	var team *Team
	pred := func(g *Goal) bool { return status[g.Status] && (c.admin || g.OwnerID == c.user.ID) }
	if v := q.Get("team_id"); v != "" {
		id, err := parseID(v, "team_id")
		if err != nil {
			return err
		}
		if team = s.org.Team(id); team == nil {
			return badRequest("invalid_resource_id", "team %d does not exist.", id)
		}
		pred = func(g *Goal) bool { return status[g.Status] && g.TeamID == team.ID }
	} else if v := q.Get("goal_owner_id"); v != "" {
		u, err := s.userRef(v, "goal_owner_id")
		if err != nil {
			return err
		}
		pred = func(g *Goal) bool { return status[g.Status] && g.OwnerID == u.ID }
	}
	page, total := s.goalPage(pred, limit, offset)
	out.total = total
	w := &out.w
	size := 0
	for _, g := range page {
		size += len(s.listGoal(g, opts)) + 160 // room for wrappers
	}
	w.b = make([]byte, 0, size+16)
	w.arr()
	switch {
	case s.cfg.flatGoals:
		for _, g := range page {
			w.raw(s.listGoal(g, opts))
		}
	case team != nil:
		if len(page) > 0 {
			owner := s.org.User(team.OwnerID)
			w.obj()
			w.key("team_id")
			w.int(team.ID)
			w.ks("team_name", team.Name)
			w.kid("team_owner_id", owner.ID)
			w.ks("team_owner_email", owner.Email)
			w.key("team_goals")
			w.arr()
			for _, g := range page {
				w.raw(s.listGoal(g, opts))
			}
			w.endArr()
			w.endObj()
		}
	default:
		for i := 0; i < len(page); {
			u := s.org.User(page[i].OwnerID)
			w.obj()
			w.kid("user_id", u.ID)
			w.ks("user_email", u.Email)
			w.ks("user_first_name", u.FirstName)
			w.ks("user_last_name", u.LastName)
			w.key("people_goals")
			w.arr()
			for ; i < len(page) && page[i].OwnerID == u.ID; i++ {
				w.raw(s.listGoal(page[i], opts))
			}
			w.endArr()
			w.endObj()
		}
	}
	w.endArr()
	return nil
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

func (s *Server) handleGoalByID(r *http.Request, c caller, out *envelope) *apiError {
	id, err := parseID(r.PathValue("id"), "goal id")
	if err != nil {
		return err
	}
	g := s.goalByID(id)
	if g == nil {
		return badRequest("invalid_resource_id", "goal %d does not exist.", id)
	}
	opts := goalOptsOf(r.URL.Query())
	if v := r.PathValue("mid"); v != "" {
		mid, err := parseID(v, "metric id")
		if err != nil {
			return err
		}
		if k := s.org.KeyResult(mid); k == nil || k.GoalID != g.ID {
			return badRequest("invalid_resource_id", "metric %d does not exist in goal %d.", mid, g.ID)
		}
		opts.onlyKR = mid
	}
	out.key, out.total = "goal", 1
	s.writeGoal(&out.w, g, goalSingle, opts)
	return nil
}

// ---- /metric -------------------------------------------------------------------------------

func (s *Server) handleMetric(r *http.Request, c caller, out *envelope) *apiError {
	q := r.URL.Query()
	data := q.Get("include_metric_data") == "yes"
	out.key = "metric"
	if v := q.Get("metric_id"); v != "" {
		id, err := parseID(v, "metric_id")
		if err != nil {
			return err
		}
		k := s.org.KeyResult(id)
		if k == nil {
			return badRequest("invalid_resource_id", "metric %d does not exist.", id)
		}
		out.total = 1
		s.writeMetric(&out.w, k, false, data)
		return nil
	}
	var krs []*KeyResult
	paged := false
	switch {
	case q.Get("goal_id") != "":
		id, err := parseID(q.Get("goal_id"), "goal_id")
		if err != nil {
			return err
		}
		g := s.goalByID(id)
		if g == nil {
			return badRequest("invalid_resource_id", "goal %d does not exist.", id)
		}
		krs = g.KeyResults
	case q.Get("team_id") != "":
		id, err := parseID(q.Get("team_id"), "team_id")
		if err != nil {
			return err
		}
		if s.org.Team(id) == nil {
			return badRequest("invalid_resource_id", "team %d does not exist.", id)
		}
		for _, g := range s.org.Goals {
			if g.TeamID == id {
				krs = append(krs, g.KeyResults...)
			}
		}
		paged = true
	default:
		for _, g := range s.org.Goals {
			for _, k := range g.KeyResults {
				if k.OwnerID == c.user.ID {
					krs = append(krs, k)
				}
			}
		}
	}
	out.total = len(krs)
	limit, offset, err := s.paging(q) // validated in every mode, applied with team_id only
	if err != nil {
		return err
	}
	if paged {
		lo, hi := window(len(krs), limit, offset)
		krs = krs[lo:hi]
	}
	out.w.arr()
	for _, k := range krs {
		out.w.raw(s.listMetric(k, data))
	}
	out.w.endArr()
	return nil
}

func (s *Server) handleMetricByID(r *http.Request, c caller, out *envelope) *apiError {
	id, err := parseID(r.PathValue("id"), "metric id")
	if err != nil {
		return err
	}
	k := s.org.KeyResult(id)
	if k == nil {
		return badRequest("invalid_resource_id", "metric %d does not exist.", id)
	}
	out.key, out.total = "metric", 1
	s.writeMetric(&out.w, k, true, r.URL.Query().Get("include_metric_data") == "yes")
	return nil
}

// ---- OAuth ---------------------------------------------------------------------------------

func (s *Server) handleOAuthToken(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request", "The request body is not a valid form.")
		return
	}
	f := r.PostForm
	cr := s.cfg.creds
	for _, k := range []string{"client_id", "client_hash", "code", "redirect_uri"} {
		if f.Get(k) == "" {
			writeError(w, http.StatusBadRequest, "invalid_request", "Missing form field "+k+".")
			return
		}
	}
	if f.Get("client_id") != cr.ClientID || f.Get("client_hash") != cr.ClientHash {
		writeError(w, http.StatusBadRequest, "invalid_client", "Unknown client_id or wrong client_hash.")
		return
	}
	var tok string
	switch f.Get("code") {
	case cr.AdminCode:
		tok = cr.AdminToken
	case cr.UserCode:
		tok = cr.UserToken
	default:
		writeError(w, http.StatusBadRequest, "invalid_grant", "The authorization code is invalid or expired.")
		return
	}
	var j jw
	j.obj()
	j.key("success")
	j.boolean(true)
	j.ks("access_token", tok)
	j.endObj()
	w.Header().Set("Content-Type", "application/json")
	w.Write(j.b)
}
