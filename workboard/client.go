package workboard

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Client talks to the WorkBoard API v1. It is safe for concurrent use; all its requests share
// one pacer. Printing or logging a Client never shows its token.
type Client struct {
	cfg   config
	base  *url.URL
	token Secret
	hc    *http.Client
	pacer *pacer

	mu    sync.Mutex // guards stats
	stats Stats
}

// New returns a client for the given API token.
func New(token string, opts ...Option) (*Client, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(token) == "" {
		return nil, errors.New("workboard: no WorkBoard API token given (set WORKBOARD_TOKEN or --token-file)")
	}
	if strings.ContainsAny(token, "\r\n") {
		return nil, errors.New("workboard: the WorkBoard API token contains a line break")
	}
	base := cmp.Or(cfg.baseURL, map[string]string{"eu": DefaultBaseURLEU}[cfg.region], DefaultBaseURL)
	return newClient(cfg, base, NewSecret(strings.TrimSpace(token)))
}

func newClient(cfg config, rawURL string, token Secret) (*Client, error) {
	hc := cfg.httpClient
	if hc == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = cfg.concurrency + 2
		hc = &http.Client{Transport: tr, CheckRedirect: checkRedirect}
	}
	base, err := checkURL(rawURL, hc)
	if err != nil {
		return nil, err
	}
	return &Client{cfg: cfg, base: base, token: token, hc: hc, pacer: newPacer(cfg), stats: Stats{Retries: map[string]int64{}}}, nil
}

var errRedirect = errors.New("refused redirect")

// checkRedirect refuses redirects that would leave HTTPS for a non-loopback host (the bearer
// token would travel in clear text) and long redirect chains.
func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 5 {
		return fmt.Errorf("%w: stopped after 5 redirects", errRedirect)
	}
	if req.URL.Scheme != "https" && !isLoopback(req.URL.Hostname()) {
		return fmt.Errorf("%w to non-HTTPS URL %s://%s%s", errRedirect, req.URL.Scheme, req.URL.Host, req.URL.Path)
	}
	return nil
}

// isLoopback reports whether host is localhost, 127.0.0.0/8 or ::1.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// checkURL enforces HTTPS (plain http only for loopback hosts) and TLS verification for
// non-loopback hosts.
func checkURL(raw string, hc *http.Client) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("workboard: invalid WorkBoard URL %q: %v", raw, err)
	}
	switch {
	case u.Host == "":
		return nil, fmt.Errorf("workboard: invalid WorkBoard URL %q: no host", raw)
	case u.User != nil:
		return nil, fmt.Errorf("workboard: WorkBoard URL must not contain credentials")
	case u.RawQuery != "" || u.Fragment != "":
		return nil, fmt.Errorf("workboard: WorkBoard URL %s must not have a query or fragment", u.Redacted())
	}
	loop := isLoopback(u.Hostname())
	switch {
	case u.Scheme == "http" && !loop:
		return nil, fmt.Errorf("workboard: WorkBoard URL %s must use https (plain http is only allowed for loopback hosts)", u.Redacted())
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("workboard: WorkBoard URL %s: unsupported scheme %q (want https)", u.Redacted(), u.Scheme)
	}
	if tr, ok := hc.Transport.(*http.Transport); ok && !loop && tr.TLSClientConfig != nil && tr.TLSClientConfig.InsecureSkipVerify {
		return nil, fmt.Errorf("workboard: TLS verification cannot be disabled for %s (only for loopback hosts)", u.Host)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	return u, nil
}

// BaseURL returns the API root in use.
func (c *Client) BaseURL() string { return c.base.String() }

// Concurrency returns the bound on requests in flight (WithConcurrency).
func (c *Client) Concurrency() int { return c.cfg.concurrency }

// Logger returns the client's logger (WithLogger).
func (c *Client) Logger() *slog.Logger { return c.cfg.logger }

// CurrentRate returns the pacer's current request rate (it drops on 429 and recovers).
func (c *Client) CurrentRate() float64 { return c.pacer.rate() }

// String describes the client without its token.
func (c *Client) String() string {
	return fmt.Sprintf("workboard.Client{base: %s, token: %s, concurrency: %d, rate: %v}",
		c.base, redacted, c.cfg.concurrency, c.cfg.rate)
}

// Format prints the client like String for every verb, so %+v and %#v cannot leak the token.
func (c *Client) Format(f fmt.State, verb rune) { _, _ = io.WriteString(f, c.String()) }

// LogValue keeps the token out of slog output.
func (c *Client) LogValue() slog.Value {
	return slog.GroupValue(slog.String("base", c.base.String()), slog.String("token", redacted))
}

// Stats is a snapshot of a Client's counters since it was made.
type Stats struct {
	Requests      int64            // HTTP exchanges attempted
	Retries       map[string]int64 // retried attempts by cause: 429, 5xx, timeout, conn, truncated
	HTTP429       int64            // 429 answers
	ThrottleWait  time.Duration    // time requests were held back by the rate limit and Retry-After pauses, summed over requests
	BytesReceived int64
	RetryAfter    time.Duration // Retry-After the server asked for (of 429s and 503s, capped by WithMaxRetryAfter), summed
	RateCuts      int64         // changes of the request rate down (after 429s) …
	RateRaises    int64         // … and up (after a quiet spell, or back after 429s that did not follow the rate)
}

// Since returns the counts of s that came after earlier, a snapshot of the same client.
func (s Stats) Since(earlier Stats) Stats {
	d := Stats{Requests: s.Requests - earlier.Requests, HTTP429: s.HTTP429 - earlier.HTTP429,
		ThrottleWait: s.ThrottleWait - earlier.ThrottleWait, BytesReceived: s.BytesReceived - earlier.BytesReceived,
		RetryAfter: s.RetryAfter - earlier.RetryAfter, RateCuts: s.RateCuts - earlier.RateCuts, RateRaises: s.RateRaises - earlier.RateRaises, Retries: map[string]int64{}}
	for k, v := range s.Retries {
		d.Retries[k] = v - earlier.Retries[k]
	}
	return d
}

// Stats returns the client's counters.
func (c *Client) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.stats
	s.Retries = map[string]int64{"429": 0, "5xx": 0, "timeout": 0, "conn": 0, "truncated": 0}
	maps.Copy(s.Retries, c.stats.Retries)
	s.RateCuts, s.RateRaises = c.pacer.changes()
	return s
}

// count updates the client's counters.
func (c *Client) count(f func(*Stats)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f(&c.stats)
}

// Get fetches endpoint (path and query relative to the API root) through the pacer and hands
// the body of a 2xx answer to parse. A body that fails to parse because it is not JSON or was
// cut short is an *APIError (a cut one is retried); any other error of parse (a
// *DecodeError, or the *APIError of a "success": false body) is returned as it is, with the
// request filled in, and not retried. Get returns when the answer was received (UTC).
func (c *Client) Get(ctx context.Context, endpoint string, parse func(body []byte) error) (time.Time, error) {
	return c.do(ctx, request{method: http.MethodGet, endpoint: endpoint, url: c.base.String() + endpoint,
		auth: true, parse: parse})
}

// request is one logical API call, retried as a unit.
type request struct {
	method   string
	endpoint string // path and query relative to the API root (the token URL's path for OAuth)
	url      string
	form     url.Values // a form-encoded POST body; nil for GET
	auth     bool       // send the bearer token
	once     bool       // never retried (an OAuth code can be used once)
	secrets  []Secret   // scrubbed from error texts, besides the token
	parse    func(body []byte) error
}

// do runs r with retries. A 404 without a not-found code is retried but, once the attempts
// are used up, returned as a fatal error (no RetryCause). It returns when the answer was received, or an *APIError, a
// *DecodeError, or the context's error wrapped with the endpoint.
func (c *Client) do(ctx context.Context, r request) (time.Time, error) {
	for attempt := 1; ; attempt++ {
		at, retryAfter, err := c.attempt(ctx, r, attempt)
		if err == nil {
			return at, nil
		}
		var ae *APIError
		if !errors.As(err, &ae) || ae.RetryCause == "" || r.once || attempt >= c.cfg.maxAttempts {
			if ae != nil {
				ae.Attempts = attempt
				if ae.RetryCause == "404" { // a 404 that lasts is a wrong URL or path: a rerun fails the same
					ae.RetryCause = ""
				}
			}
			return time.Time{}, err
		}
		c.count(func(s *Stats) { s.Retries[ae.RetryCause]++ })
		wait, wakeable := c.pacer.retryWait(ae.RetryCause, attempt, retryAfter)
		c.cfg.logger.LogAttrs(ctx, slog.LevelDebug, "workboard retry", slog.String("method", r.method),
			slog.String("path", r.endpoint), slog.String("cause", ae.RetryCause), slog.Int("attempt", attempt),
			slog.Float64("wait_s", wait.Seconds()))
		slept, err := c.pacer.sleepRetry(ctx, wait, wakeable)
		if err != nil {
			return time.Time{}, r.cancelled(err)
		}
		if retryAfter > 0 || ae.RetryCause == "429" {
			c.count(func(s *Stats) {
				s.ThrottleWait += slept
				if retryAfter > 0 {
					s.RetryAfter += slept
				}
			})
		}
	}
}

func (r request) cancelled(err error) error {
	return fmt.Errorf("workboard API %s %s: %w", r.method, r.endpoint, err)
}

// attempt makes one exchange and parses a 2xx body. retryAfter is the server's Retry-After of
// a 429 or 503.
func (c *Client) attempt(ctx context.Context, r request, n int) (at time.Time, retryAfter time.Duration, err error) {
	ans, err := c.send(ctx, r, n)
	if err != nil {
		return at, 0, err
	}
	if ans.status < 200 || ans.status >= 300 {
		ae, retryAfter := c.failed(r, ans)
		return at, retryAfter, ae
	}
	c.pacer.success()
	if err := r.parse(ans.body); err != nil {
		if bad := invalidBody(r, ans); bad != nil {
			c.cfg.logger.LogAttrs(ctx, slog.LevelDebug, "workboard body not JSON", slog.String("method", r.method),
				slog.String("path", r.endpoint), slog.Int("attempt", n), slog.String("cause", bad.RetryCause))
			return at, 0, bad
		}
		var ae *APIError
		var de *DecodeError
		switch {
		case errors.As(err, &ae):
			ae.Method, ae.Endpoint, ae.HTTPStatus = r.method, r.endpoint, ans.status
			ae.Code, ae.Description = Redact(ae.Code), Redact(ae.Description)
		case errors.As(err, &de):
			de.Endpoint = r.endpoint
		}
		return at, 0, err
	}
	return ans.at, 0, nil
}
