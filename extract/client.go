package extract

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/time/rate"
)

// Client talks to the WorkBoard API v1. It is safe for concurrent use; all its requests share
// one pacer: a concurrency bound, an adaptive client-side rate limit and the retry policy.
// Printing or logging a Client never shows its token.
type Client struct {
	cfg   config
	base  *url.URL
	token Secret
	hc    *http.Client
	sem   chan struct{}
	lim   *rate.Limiter

	adaptMu sync.Mutex // guards ad and the limiter's settings
	ad      *adaptive
	// pauseUntil (unix ns) holds every request of the client back after a 429 with
	// Retry-After: the server said when it accepts requests again, for all of them.
	pauseUntil atomic.Int64
}

// New returns a client for the given API token.
func New(token string, opts ...Option) (*Client, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.err != nil {
		return nil, cfg.err
	}
	if strings.TrimSpace(token) == "" {
		return nil, errors.New("extract: no WorkBoard API token given (set WORKBOARD_TOKEN or --token-file)")
	}
	if strings.ContainsAny(token, "\r\n") {
		return nil, errors.New("extract: the WorkBoard API token contains a line break")
	}
	if cfg.baseURL == "" {
		cfg.baseURL = DefaultBaseURL
		if cfg.region == "eu" {
			cfg.baseURL = DefaultBaseURLEU
		}
	}
	hc := cfg.httpClient
	if hc == nil {
		hc = defaultHTTPClient(cfg.concurrency)
	}
	base, err := checkURL(cfg.baseURL, hc)
	if err != nil {
		return nil, err
	}
	c := &Client{cfg: cfg, base: base, token: NewSecret(strings.TrimSpace(token)), hc: hc,
		sem: make(chan struct{}, cfg.concurrency)}
	limit := rate.Inf
	if cfg.rate > 0 {
		limit = rate.Limit(cfg.rate)
	}
	c.ad = newAdaptive(limit, cfg.concurrency)
	c.lim = rate.NewLimiter(limit, c.ad.burst())
	return c, nil
}

func defaultHTTPClient(conc int) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = conc + 2
	return &http.Client{Transport: tr, CheckRedirect: checkRedirect}
}

// checkRedirect refuses redirects that would leave HTTPS for a non-loopback host (the bearer
// token would travel in clear text) and long redirect chains.
func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 5 {
		return errors.New("stopped after 5 redirects")
	}
	if req.URL.Scheme != "https" && !isLoopback(req.URL.Hostname()) {
		return fmt.Errorf("refusing redirect to non-HTTPS URL %s://%s%s", req.URL.Scheme, req.URL.Host, req.URL.Path)
	}
	return nil
}

// BaseURL returns the API root in use.
func (c *Client) BaseURL() string { return c.base.String() }

// String describes the client without its token.
func (c *Client) String() string {
	return fmt.Sprintf("extract.Client{base: %s, token: %s, page_size: %d, concurrency: %d, rate: %v}",
		c.base, redacted, c.cfg.pageSize, c.cfg.concurrency, c.cfg.rate)
}

// Format prints the client like String for every verb, so %+v and %#v cannot leak the token.
func (c *Client) Format(f fmt.State, verb rune) { _, _ = io.WriteString(f, c.String()) }

// LogValue keeps the token out of slog output.
func (c *Client) LogValue() slog.Value {
	return slog.GroupValue(slog.String("base", c.base.String()), slog.String("token", redacted))
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
		return nil, fmt.Errorf("extract: invalid WorkBoard URL %q: %v", raw, err)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("extract: invalid WorkBoard URL %q: no host", raw)
	}
	if u.User != nil {
		return nil, fmt.Errorf("extract: WorkBoard URL must not contain credentials")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("extract: WorkBoard URL %s must not have a query or fragment", u.Redacted())
	}
	loop := isLoopback(u.Hostname())
	switch u.Scheme {
	case "https":
	case "http":
		if !loop {
			return nil, fmt.Errorf("extract: WorkBoard URL %s must use https (plain http is only allowed for loopback hosts)", u.Redacted())
		}
	default:
		return nil, fmt.Errorf("extract: WorkBoard URL %s: unsupported scheme %q (want https)", u.Redacted(), u.Scheme)
	}
	if !loop && hc != nil {
		if tr, ok := hc.Transport.(*http.Transport); ok && tr.TLSClientConfig != nil && tr.TLSClientConfig.InsecureSkipVerify {
			return nil, fmt.Errorf("extract: TLS verification cannot be disabled for %s (only for loopback hosts)", u.Host)
		}
	}
	u.Path = strings.TrimRight(u.Path, "/")
	return u, nil
}

// stats are the pacer's counters for one run; all fields are updated atomically.
type stats struct {
	requests     atomic.Int64
	retries      [5]atomic.Int64 // by retryCauses index
	n429         atomic.Int64
	throttleWait atomic.Int64 // ns
	bytes        atomic.Int64
}

var retryCauses = [5]string{"429", "5xx", "timeout", "conn", "truncated"}

func (s *stats) retry(cause string) {
	for i, c := range retryCauses {
		if c == cause {
			s.retries[i].Add(1)
		}
	}
}

// maxBodyBytes bounds one response body (a page of 100 goals is a few hundred KB).
const maxBodyBytes = 256 << 20

// request describes one logical API call (retried as a unit).
type request struct {
	method   string
	endpoint string // path+query relative to the API root (or absolute URL path for OAuth)
	url      string // absolute URL
	offset   int    // -1 when not paged
	form     url.Values
	noAuth   bool
	noRetry  bool
	redact   []Secret
	// parse, when set, decodes a 2xx body; it runs in the retry loop (after the concurrency
	// slot is released) and replaces a separate json.Valid pass: only when it fails is the
	// body checked for truncation (retried) or for not being JSON at all.
	parse func(body []byte) error
}

// response is a successful (2xx, JSON) answer.
type response struct {
	body        []byte
	status      int
	contentType string
	receivedAt  time.Time
}

func (c *Client) newGet(endpoint string, offset int) request {
	return request{method: http.MethodGet, endpoint: endpoint, url: c.base.String() + endpoint, offset: offset}
}

// get performs a GET of endpoint (path+query relative to the API root) through the pacer.
func (c *Client) get(ctx context.Context, st *stats, endpoint string, offset int) (*response, error) {
	return c.do(ctx, st, c.newGet(endpoint, offset))
}

// getPage performs a GET through the pacer and decodes the body with decode. A body that
// fails to decode because it was cut short is retried like a truncated read; a decode error
// of a well-formed body is returned as it is (not retried).
func (c *Client) getPage(ctx context.Context, st *stats, endpoint string, offset int,
	decode func([]byte) (*Page, error)) (*Page, *response, error) {
	var p *Page
	r := c.newGet(endpoint, offset)
	r.parse = func(b []byte) (err error) {
		p, err = decode(b)
		return err
	}
	resp, err := c.do(ctx, st, r)
	if err != nil {
		return nil, resp, err
	}
	return p, resp, nil
}

// do runs one request with retries. It returns the 2xx body, or an *APIError, or the
// context's error wrapped with the endpoint.
func (c *Client) do(ctx context.Context, st *stats, r request) (*response, error) {
	maxAttempts := c.cfg.maxAttempts
	if r.noRetry {
		maxAttempts = 1
	}
	for attempt := 1; ; attempt++ {
		resp, aerr, retryAfter := c.attempt(ctx, st, r, attempt)
		if aerr == nil {
			c.adaptOK()
			if r.parse == nil {
				return resp, nil
			}
			perr := r.parse(resp.body)
			if perr == nil {
				return resp, nil
			}
			bad := invalidBody(r, resp.status, resp.contentType, resp.body)
			if bad == nil {
				// well-formed JSON of the wrong shape: a decode error, never retried
				var ae *APIError
				if errors.As(perr, &ae) {
					ae.Method, ae.HTTPStatus = r.method, resp.status
				}
				return resp, perr
			}
			c.cfg.logger.LogAttrs(ctx, slog.LevelDebug, "workboard body not JSON",
				slog.String("method", r.method), slog.String("path", r.endpoint),
				slog.Int("attempt", attempt), slog.String("cause", bad.RetryCause))
			aerr = bad
		}
		var ae *APIError
		if !errors.As(aerr, &ae) || ae.RetryCause == "" || attempt >= maxAttempts {
			if ae != nil {
				ae.Attempts = attempt
			}
			return nil, aerr
		}
		if ae.RetryCause == "429" {
			c.adapt429()
		}
		st.retry(ae.RetryCause)
		wait := c.backoff(attempt)
		if retryAfter > 0 {
			wait = min(retryAfter, c.cfg.maxRetryAfter)
			if ae.RetryCause == "429" {
				c.pause(wait)
			}
		}
		c.cfg.logger.LogAttrs(ctx, slog.LevelDebug, "workboard retry",
			slog.String("method", r.method), slog.String("path", r.endpoint),
			slog.String("cause", ae.RetryCause), slog.Int("attempt", attempt), slog.Duration("wait", wait))
		if err := sleepCtx(ctx, wait); err != nil {
			return nil, fmt.Errorf("workboard API %s %s: %w", r.method, r.endpoint, err)
		}
		if ae.RetryCause == "429" {
			st.throttleWait.Add(int64(wait))
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// backoff is exponential backoff with full jitter: uniform in [0, min(max, min*2^(attempt-1))].
func (c *Client) backoff(attempt int) time.Duration {
	d := c.cfg.minBackoff
	for i := 1; i < attempt && d < c.cfg.maxBackoff; i++ {
		d *= 2
	}
	d = min(d, c.cfg.maxBackoff)
	return time.Duration(rand.Int64N(int64(d) + 1))
}

// pause holds every request of the client back for d (a 429's Retry-After), extending a
// pause already in force but never shortening it.
func (c *Client) pause(d time.Duration) {
	until := c.cfg.now().Add(d).UnixNano()
	for {
		cur := c.pauseUntil.Load()
		if cur >= until || c.pauseUntil.CompareAndSwap(cur, until) {
			return
		}
	}
}

// waitPause sleeps until a pause in force has ended (or ctx is done).
func (c *Client) waitPause(ctx context.Context) error {
	for {
		d := time.Duration(c.pauseUntil.Load() - c.cfg.now().UnixNano())
		if d <= 0 {
			return nil
		}
		if err := sleepCtx(ctx, d); err != nil {
			return err
		}
	}
}

// adapt429 applies the adaptation to a 429 (see adaptive.on429) to the limiter.
func (c *Client) adapt429() {
	c.adaptMu.Lock()
	defer c.adaptMu.Unlock()
	if lim, cut := c.ad.on429(c.cfg.now()); cut {
		c.lim.SetLimit(lim)
		c.lim.SetBurst(c.ad.burst())
		c.cfg.logger.LogAttrs(context.Background(), slog.LevelDebug, "workboard rate cut after 429",
			slog.Float64("rate", float64(lim)))
	}
}

// adaptOK records a success and applies a raise of the rate (see adaptive.onOK) to the limiter.
func (c *Client) adaptOK() {
	c.adaptMu.Lock()
	defer c.adaptMu.Unlock()
	if lim, raised := c.ad.onOK(c.cfg.now()); raised {
		c.lim.SetLimit(lim)
		c.lim.SetBurst(c.ad.burst())
	}
}

// CurrentRate returns the pacer's current request rate (it drops on 429 and recovers).
func (c *Client) CurrentRate() float64 {
	c.adaptMu.Lock()
	defer c.adaptMu.Unlock()
	return float64(c.ad.cur)
}

// attempt performs one HTTP exchange. It returns a retry-after hint for 429/503.
func (c *Client) attempt(ctx context.Context, st *stats, r request, n int) (*response, error, time.Duration) {
	t0 := time.Now()
	if err := c.waitPause(ctx); err != nil {
		return nil, fmt.Errorf("workboard API %s %s: %w", r.method, r.endpoint, err), 0
	}
	if err := c.lim.Wait(ctx); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("workboard API %s %s: %w", r.method, r.endpoint, ctx.Err()), 0
		}
		// the wait would exceed the deadline: report as cancellation too
		return nil, fmt.Errorf("workboard API %s %s: rate limit wait: %w", r.method, r.endpoint, context.DeadlineExceeded), 0
	}
	// Throttle wait counts the 429 pause and the rate limiter, not the wait for a free
	// concurrency slot (with C slots and more work queued, that wait is normal).
	st.throttleWait.Add(int64(time.Since(t0)))
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("workboard API %s %s: %w", r.method, r.endpoint, ctx.Err()), 0
	}
	defer func() { <-c.sem }()
	// a 429 may have paused the client while this request waited for its slot
	t1 := time.Now()
	if err := c.waitPause(ctx); err != nil {
		return nil, fmt.Errorf("workboard API %s %s: %w", r.method, r.endpoint, err), 0
	}
	st.throttleWait.Add(int64(time.Since(t1)))

	rctx, cancel := context.WithTimeout(ctx, c.cfg.requestTimeout)
	defer cancel()
	var bodyR io.Reader
	if r.form != nil {
		bodyR = strings.NewReader(r.form.Encode())
	}
	req, err := http.NewRequestWithContext(rctx, r.method, r.url, bodyR)
	if err != nil {
		return nil, &APIError{Method: r.method, Endpoint: r.endpoint, Offset: r.offset, Description: "cannot build request"}, 0
	}
	if r.form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.cfg.userAgent)
	if !r.noAuth {
		req.Header.Set("Authorization", "Bearer "+c.token.Reveal())
	}
	st.requests.Add(1)
	start := time.Now()
	resp, err := c.hc.Do(req)
	var body []byte
	var readErr error
	status := 0
	var hdr http.Header
	if err == nil {
		status, hdr = resp.StatusCode, resp.Header
		body, readErr = readBody(resp, maxBodyBytes)
		resp.Body.Close()
		if readErr == nil && len(body) > maxBodyBytes {
			st.bytes.Add(int64(len(body)))
			return nil, &APIError{Method: r.method, Endpoint: r.endpoint, Offset: r.offset, HTTPStatus: status,
				Description: fmt.Sprintf("response body larger than %d bytes; lower the page size", maxBodyBytes)}, 0
		}
		st.bytes.Add(int64(len(body)))
	}
	dur := time.Since(start)
	log := func(outcome string) {
		c.cfg.logger.LogAttrs(ctx, slog.LevelDebug, "workboard request",
			slog.String("method", r.method), slog.String("path", r.endpoint), slog.Int("status", status),
			slog.Duration("duration", dur), slog.Int("attempt", n), slog.Int("bytes", len(body)),
			slog.String("outcome", outcome))
	}
	ae := &APIError{Method: r.method, Endpoint: r.endpoint, Offset: r.offset, HTTPStatus: status}
	if err != nil {
		if ctx.Err() != nil {
			log("cancelled")
			return nil, fmt.Errorf("workboard API %s %s: %w", r.method, r.endpoint, ctx.Err()), 0
		}
		ae.Err = c.scrub(r, unwrapURLError(err))
		ae.RetryCause = classifyTransport(err, rctx)
		log("transport error: " + ae.RetryCause)
		return nil, ae, 0
	}
	if readErr != nil {
		if ctx.Err() != nil {
			log("cancelled")
			return nil, fmt.Errorf("workboard API %s %s: %w", r.method, r.endpoint, ctx.Err()), 0
		}
		ae.Err = c.scrub(r, readErr)
		switch {
		case rctx.Err() != nil || isTimeout(readErr):
			ae.RetryCause = "timeout"
		default:
			ae.RetryCause = "truncated"
			ae.Description = fmt.Sprintf("body cut short after %d bytes", len(body))
		}
		log("read error: " + ae.RetryCause)
		return nil, ae, 0
	}
	ct := hdr.Get("Content-Type")
	if status >= 200 && status < 300 {
		if r.parse == nil { // with a parser, the body is checked only when it fails to decode
			if bad := invalidBody(r, status, ct, body); bad != nil {
				log("not json: " + bad.RetryCause)
				return nil, bad, 0
			}
		}
		log("ok")
		return &response{body: body, status: status, contentType: ct, receivedAt: time.Now().UTC()}, nil, 0
	}
	fillErrorBody(ae, ct, body)
	var retryAfter time.Duration
	switch {
	case status == 429:
		st.n429.Add(1)
		ae.RetryCause = "429"
		retryAfter = parseRetryAfter(hdr.Get("Retry-After"), time.Now())
	case status >= 500 && !strings.EqualFold(ae.Code, "deleted_metric"):
		ae.RetryCause = "5xx"
		if status == 503 {
			retryAfter = parseRetryAfter(hdr.Get("Retry-After"), time.Now())
		}
	}
	log("http error")
	return nil, ae, retryAfter
}

// scrub removes any credential of the request from an error text (defence in depth: the
// token travels in a header and should never appear in transport errors).
func (c *Client) scrub(r request, err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	clean := c.token.redact(msg)
	for _, s := range r.redact {
		clean = s.redact(clean)
	}
	if clean == msg {
		return err
	}
	return errors.New(clean)
}

func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

// classifyTransport returns the retry cause of a transport error, or "" for fatal ones
// (certificate problems).
func classifyTransport(err error, rctx context.Context) string {
	var (
		uae *x509.UnknownAuthorityError
		hne x509.HostnameError
		cie x509.CertificateInvalidError
		cve *tls.CertificateVerificationError
	)
	err = unwrapURLError(err) // *url.Error is a net.Error whatever it wraps
	switch {
	case errors.As(err, &uae), errors.As(err, &hne), errors.As(err, &cie), errors.As(err, &cve):
		return ""
	case rctx.Err() != nil || isTimeout(err):
		return "timeout"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.EPIPE), errors.Is(err, syscall.ECONNABORTED):
		return "conn"
	}
	var ne net.Error
	var oe *net.OpError
	if errors.As(err, &ne) || errors.As(err, &oe) {
		return "conn"
	}
	msg := err.Error()
	for _, s := range []string{"connection reset", "broken pipe", "EOF", "connection broken", "server closed"} {
		if strings.Contains(msg, s) {
			return "conn"
		}
	}
	return "" // e.g. a refused redirect: not transient
}

func mediaType(ct string) string {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || mt == "" {
		if ct == "" {
			return "no content type"
		}
		return ct
	}
	return mt
}

func looksJSON(ct string, body []byte) bool {
	mt := mediaType(ct)
	b := trimValue(body)
	return strings.Contains(mt, "json") || (len(b) > 0 && (b[0] == '{' || b[0] == '['))
}

// invalidBody classifies a 2xx body that is not valid JSON: a JSON prefix that ends early is
// retryable truncation, anything else (an HTML proxy page, an empty body) a clear error. It
// returns nil for valid JSON.
func invalidBody(r request, status int, ct string, body []byte) *APIError {
	if json.Valid(body) {
		return nil
	}
	ae := &APIError{Method: r.method, Endpoint: r.endpoint, Offset: r.offset, HTTPStatus: status}
	if looksJSON(ct, body) && truncatedJSON(body) {
		ae.RetryCause = "truncated"
		ae.Description = fmt.Sprintf("JSON body ends early after %d bytes", len(body))
		return ae
	}
	ae.ContentType = mediaType(ct)
	ae.Description = notJSON(ct, body)
	return ae
}

// truncatedJSON reports whether body is a valid JSON prefix that ends too early.
func truncatedJSON(body []byte) bool {
	d := json.NewDecoder(bytes.NewReader(body))
	var v json.RawMessage
	err := d.Decode(&v)
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	var se *json.SyntaxError
	return errors.As(err, &se) && se.Offset >= int64(len(trimValue(body)))
}

func notJSON(ct string, body []byte) string {
	if len(trimValue(body)) == 0 {
		return "expected JSON, got an empty body (" + mediaType(ct) + ")"
	}
	return fmt.Sprintf("expected JSON, got %s (%d bytes; often a proxy or maintenance page)", mediaType(ct), len(body))
}

// fillErrorBody reads the v1 ({success:false, error, error_description} or deleted_metric) and
// v2 ({statusCode, error, message, code}) error shapes; non-JSON bodies are described.
func fillErrorBody(ae *APIError, ct string, body []byte) {
	b := trimValue(body)
	if kind(b) != '{' || !json.Valid(b) {
		ae.ContentType = mediaType(ct)
		ae.Description = notJSON(ct, body)
		return
	}
	var msg, errS, desc, code string
	_ = objectEach(b, func(k, v []byte) error {
		s, _ := pStr(string(k), v)
		switch string(k) {
		case "error":
			errS = s.V
		case "error_description":
			desc = s.V
		case "message":
			msg = s.V
		case "code":
			code = s.V
		case "data":
			if kind(v) == '{' && msg == "" {
				msg = findID(v, "message")
			}
		}
		return nil
	})
	switch {
	case errS != "" && code == "": // v1 generic
		ae.Code, ae.Description = errS, desc
		if desc == "" {
			ae.Description = msg
		}
	case code != "": // v2
		ae.Code, ae.Description = code, msg
	default:
		ae.Code, ae.Description = msg, desc
	}
}

// parseRetryAfter reads Retry-After as seconds or an HTTP-date; 0 when absent or invalid.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseFloat(v, 64); err == nil {
		if n <= 0 {
			return 0
		}
		return time.Duration(n * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

func newUnlimited() *rate.Limiter { return rate.NewLimiter(rate.Inf, 1) }

// readBody reads at most limit+1 bytes of resp.Body. When the server sends Content-Length (it
// does unless the body is compressed or streamed) the buffer is allocated once at that size
// instead of growing from 512 bytes by doubling, which costs a copy and a clear per step.
func readBody(resp *http.Response, limit int64) ([]byte, error) {
	r := io.LimitReader(resp.Body, limit+1)
	n := resp.ContentLength
	if n <= 0 || n > limit {
		return io.ReadAll(r)
	}
	buf := make([]byte, 0, n+1) // +1: reading to EOF needs room for one more Read
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)] // longer than announced: let append grow it
		}
		m, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+m]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}
