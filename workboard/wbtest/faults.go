package wbtest

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
)

// FaultKind names one kind of injected failure. These are test-only behaviours, not known
// WorkBoard contracts.
type FaultKind string

// The fault kinds.
const (
	Fault429        FaultKind = "429"       // 429 with Retry-After (seconds)
	Fault429NoRetry FaultKind = "429-bare"  // 429 without Retry-After
	Fault429Date    FaultKind = "429-date"  // 429 with Retry-After as an HTTP date
	Fault500        FaultKind = "500"       // 500 with a JSON error body
	Fault502        FaultKind = "502"       // 502 with a JSON error body
	Fault503        FaultKind = "503"       // 503 with a JSON error body
	FaultHTML       FaultKind = "html"      // 502 with "<html>502 Bad Gateway</html>", text/html
	FaultReset      FaultKind = "reset"     // connection closed (TCP RST) without a response
	FaultTruncated  FaultKind = "truncated" // 200 whose body is cut short of Content-Length, then closed
	FaultSlow       FaultKind = "slow"      // sleeps FaultConfig.SlowDelay, then answers normally
)

// AllFaultKinds lists every kind, in a stable order.
var AllFaultKinds = []FaultKind{Fault429, Fault429NoRetry, Fault429Date, Fault500, Fault502, Fault503, FaultHTML, FaultReset, FaultTruncated, FaultSlow}

// DefaultFaultKinds are used when FaultConfig.Kinds is empty: every kind except FaultSlow
// (which makes tests slow and must be asked for) and Fault429Date.
var DefaultFaultKinds = []FaultKind{Fault429, Fault429NoRetry, Fault500, Fault502, Fault503, FaultHTML, FaultReset, FaultTruncated}

// Named defaults of FaultConfig.
const (
	DefaultRetryAfter          = time.Second
	DefaultSlowDelay           = 2 * time.Second
	DefaultMaxConsecutiveFault = 2
)

// ParseFaultKinds parses a comma list such as "429,500,reset" ("all" = AllFaultKinds).
func ParseFaultKinds(s string) ([]FaultKind, error) {
	if strings.TrimSpace(s) == "all" {
		return AllFaultKinds, nil
	}
	var out []FaultKind
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		ok := false
		for _, k := range AllFaultKinds {
			if string(k) == p {
				out, ok = append(out, k), true
			}
		}
		if !ok {
			return nil, fmt.Errorf("wbtest: unknown fault kind %q (known: %v)", p, AllFaultKinds)
		}
	}
	return out, nil
}

// FaultConfig configures fault injection. Each API request (under APIPrefix) draws from a
// seeded generator, so a given Seed and request sequence always gives the same faults.
type FaultConfig struct {
	// Rate is the probability in [0, 1] that a request is answered with a fault.
	Rate float64
	// Kinds are the kinds the faults are spread over, uniformly (empty → DefaultFaultKinds).
	Kinds []FaultKind
	// Seed of the fault generator (0 → the org's seed).
	Seed int64
	// RetryAfter is the Retry-After sent with Fault429 (default DefaultRetryAfter; rounded up
	// to whole seconds).
	RetryAfter time.Duration
	// SlowDelay is how long FaultSlow waits before answering (default DefaultSlowDelay).
	SlowDelay time.Duration
	// MaxConsecutive caps how many times in a row the same request (method, path and query)
	// is faulted; the next attempt is then served normally, so retries always get through
	// (default DefaultMaxConsecutiveFault). Ignored when Rate >= 1 (every request fails).
	MaxConsecutive int
}

// injector decides, per API request, whether it is answered with a fault and with which kind
// (see FaultConfig). Its draws come from one seeded generator in request order.
type injector struct {
	cfg    FaultConfig
	mu     sync.Mutex
	rng    *rand.Rand
	streak map[string]int
}

// newInjector applies FaultConfig's defaults; the seed defaults to the org's.
func newInjector(c FaultConfig, orgSeed int64) *injector {
	if len(c.Kinds) == 0 {
		c.Kinds = DefaultFaultKinds
	}
	if c.Seed == 0 {
		c.Seed = orgSeed
	}
	if c.RetryAfter <= 0 {
		c.RetryAfter = DefaultRetryAfter
	}
	if c.SlowDelay <= 0 {
		c.SlowDelay = DefaultSlowDelay
	}
	if c.MaxConsecutive <= 0 {
		c.MaxConsecutive = DefaultMaxConsecutiveFault
	}
	return &injector{cfg: c, rng: rand.New(rand.NewPCG(uint64(c.Seed), 0xfa_17)), streak: map[string]int{}}
}

// requestKey identifies "the same request" for the consecutive-fault cap.
func requestKey(r *http.Request) string {
	q := r.URL.Query()
	q.Del("token")
	q.Del("access_token")
	return r.Method + " " + r.URL.Path + "?" + q.Encode()
}

// decide draws whether r gets a fault and which one.
func (f *injector) decide(r *http.Request) (FaultKind, bool) {
	if f.cfg.Rate <= 0 {
		return "", false
	}
	key := requestKey(r)
	f.mu.Lock()
	defer f.mu.Unlock()
	u := f.rng.Float64()
	kind := f.cfg.Kinds[f.rng.IntN(len(f.cfg.Kinds))]
	hit := u < f.cfg.Rate
	if hit && f.cfg.Rate < 1 && f.streak[key] >= f.cfg.MaxConsecutive {
		hit = false
	}
	if hit {
		f.streak[key]++
		return kind, true
	}
	delete(f.streak, key)
	return "", false
}

// inject answers r with the fault; false means "now serve the request normally" (slow).
func (s *Server) inject(kind FaultKind, w http.ResponseWriter, r *http.Request) bool {
	switch kind {
	case Fault429:
		secs := int((s.faults.cfg.RetryAfter + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		writeError(w, http.StatusTooManyRequests, "rate_limited", "Too many requests (emulated fault).")
	case Fault429Date:
		at := time.Now().Add(s.faults.cfg.RetryAfter + time.Second).UTC()
		w.Header().Set("Retry-After", at.Format(http.TimeFormat))
		writeError(w, http.StatusTooManyRequests, "rate_limited", "Too many requests (emulated fault).")
	case Fault429NoRetry:
		writeError(w, http.StatusTooManyRequests, "rate_limited", "Too many requests (emulated fault).")
	case Fault500:
		writeError(w, http.StatusInternalServerError, "server_error", "Internal server error (emulated fault).")
	case Fault502:
		writeError(w, http.StatusBadGateway, "bad_gateway", "Bad gateway (emulated fault).")
	case Fault503:
		writeError(w, http.StatusServiceUnavailable, "service_unavailable", "Service unavailable (emulated fault).")
	case FaultHTML:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		w.Write([]byte("<html>502 Bad Gateway</html>"))
	case FaultReset:
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			panic(http.ErrAbortHandler) // HTTP/2: abort the stream instead
		}
		if tc, ok := conn.(*net.TCPConn); ok {
			tc.SetLinger(0) // RST instead of FIN
		}
		conn.Close()
	case FaultTruncated:
		rec := httptest.NewRecorder()
		s.mux.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			panic(http.ErrAbortHandler)
		}
		writeTruncated(buf, rec, body)
		conn.Close()
	case FaultSlow:
		if !sleepCtx(r, s.faults.cfg.SlowDelay) {
			return true
		}
		return false
	}
	return true
}

// writeTruncated writes rec's status line and headers with a Content-Length one byte more
// than body, then only the first half of body.
func writeTruncated(buf *bufio.ReadWriter, rec *httptest.ResponseRecorder, body []byte) {
	fmt.Fprintf(buf, "HTTP/1.1 %d %s\r\n", rec.Code, http.StatusText(rec.Code))
	fmt.Fprintf(buf, "Content-Type: %s\r\n", rec.Header().Get("Content-Type"))
	fmt.Fprintf(buf, "Content-Length: %d\r\n\r\n", len(body)+1)
	buf.Write(body[:len(body)/2])
	buf.Flush()
}
