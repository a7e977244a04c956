package workboard

import (
	"cmp"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// Named defaults of the client's options.
const (
	DefaultBaseURL        = "https://www.myworkboard.com/wb/apis"
	DefaultBaseURLEU      = "https://www.myworkboard.eu/wb/apis"
	DefaultConcurrency    = 4
	DefaultRate           = 5.0 // requests per second, shared by all requests of a client
	DefaultMaxAttempts    = 6
	DefaultRequestTimeout = 30 * time.Second
	DefaultMinBackoff     = 500 * time.Millisecond
	DefaultMaxBackoff     = 30 * time.Second
	DefaultMaxRetryAfter  = 2 * time.Minute
	// DefaultMaxResponseBytes bounds one response body (a page of 100 goals is a few hundred
	// KB); a larger answer fails the call.
	DefaultMaxResponseBytes = 64 << 20
	// DefaultUserAgent is sent when WithUserAgent is not given ("wbexport/<version>").
	DefaultUserAgent = "wbexport/dev (+https://github.com/wbexport/wbexport)"
)

type config struct {
	baseURL, region, userAgent string
	concurrency, maxAttempts   int
	rate                       float64
	requestTimeout, minBackoff time.Duration
	maxBackoff, maxRetryAfter  time.Duration
	maxResponse                int64
	httpClient                 *http.Client
	logger                     *slog.Logger
	observe                    func(RateChange)
	now                        func() time.Time
}

// Option configures a Client (and ExchangeCode).
type Option func(*config)

// newConfig applies opts to the defaults and checks the result.
func newConfig(opts []Option) (config, error) {
	cfg := config{userAgent: DefaultUserAgent, concurrency: DefaultConcurrency, rate: DefaultRate,
		maxAttempts: DefaultMaxAttempts, requestTimeout: DefaultRequestTimeout, minBackoff: DefaultMinBackoff,
		maxBackoff: DefaultMaxBackoff, maxRetryAfter: DefaultMaxRetryAfter, maxResponse: DefaultMaxResponseBytes,
		logger: slog.New(slog.DiscardHandler), now: time.Now}
	for _, o := range opts {
		o(&cfg)
	}
	switch r := strings.ToLower(strings.TrimSpace(cfg.region)); {
	case r != "" && r != "us" && r != "eu":
		return cfg, fmt.Errorf("workboard: unknown region %q (want us or eu)", cfg.region)
	case cfg.concurrency <= 0:
		return cfg, fmt.Errorf("workboard: concurrency must be positive, got %d", cfg.concurrency)
	case cfg.maxAttempts <= 0:
		return cfg, fmt.Errorf("workboard: max attempts must be positive, got %d", cfg.maxAttempts)
	case cfg.requestTimeout <= 0:
		return cfg, fmt.Errorf("workboard: request timeout must be positive, got %v", cfg.requestTimeout)
	case cfg.minBackoff <= 0 || cfg.maxBackoff < cfg.minBackoff:
		return cfg, fmt.Errorf("workboard: invalid backoff %v..%v", cfg.minBackoff, cfg.maxBackoff)
	case cfg.maxResponse <= 0:
		return cfg, fmt.Errorf("workboard: the response size limit must be positive, got %d", cfg.maxResponse)
	}
	cfg.region = strings.ToLower(strings.TrimSpace(cfg.region))
	return cfg, nil
}

// WithBaseURL sets the API root, e.g. "https://www.myworkboard.com/wb/apis" (the default) or an
// emulator's "http://127.0.0.1:PORT/wb/apis". Plain http is only accepted for loopback hosts.
func WithBaseURL(u string) Option { return func(c *config) { c.baseURL = strings.TrimRight(u, "/") } }

// WithRegion selects the WorkBoard data centre: "us" (default) or "eu". WithBaseURL wins.
func WithRegion(r string) Option { return func(c *config) { c.region = r } }

// WithUserAgent sets the User-Agent header, e.g. "wbexport/1.2.3" ("" keeps the default).
func WithUserAgent(ua string) Option {
	return func(c *config) { c.userAgent = cmp.Or(ua, c.userAgent) }
}

// WithConcurrency bounds the requests in flight, shared by every call of the client
// (default DefaultConcurrency).
func WithConcurrency(n int) Option { return func(c *config) { c.concurrency = n } }

// WithRate sets the client-side rate limit in requests per second (default DefaultRate);
// 0 or negative disables it. On HTTP 429s that follow the rate (a server limit) the client
// cuts its rate to what the server accepted and recovers once they stop; 429s that do not
// follow it (a quota shared with others) only pause it for their Retry-After (see the pacer's
// contract in the package documentation).
func WithRate(perSecond float64) Option { return func(c *config) { c.rate = perSecond } }

// WithRateObserver registers fn to be told of every change of the client's request rate. It
// is called on the goroutine of the request whose answer caused the change, possibly
// concurrently, and must not block.
func WithRateObserver(fn func(RateChange)) Option { return func(c *config) { c.observe = fn } }

// WithMaxAttempts sets how often one request is tried before giving up (default
// DefaultMaxAttempts; 1 disables retries).
func WithMaxAttempts(n int) Option { return func(c *config) { c.maxAttempts = n } }

// WithRequestTimeout bounds one HTTP attempt including reading the body (default
// DefaultRequestTimeout).
func WithRequestTimeout(d time.Duration) Option { return func(c *config) { c.requestTimeout = d } }

// WithBackoff sets the exponential backoff's base and cap (full jitter; defaults
// DefaultMinBackoff, DefaultMaxBackoff).
func WithBackoff(min, max time.Duration) Option {
	return func(c *config) { c.minBackoff, c.maxBackoff = min, max }
}

// WithMaxRetryAfter caps how long a Retry-After header can make the client wait (default
// DefaultMaxRetryAfter).
func WithMaxRetryAfter(d time.Duration) Option { return func(c *config) { c.maxRetryAfter = d } }

// WithMaxResponseBytes bounds the body of one response (default DefaultMaxResponseBytes): a
// larger one fails the call with an *APIError naming the endpoint and the limit, not retried.
func WithMaxResponseBytes(n int64) Option { return func(c *config) { c.maxResponse = n } }

// WithHTTPClient sets the HTTP client. A transport that skips TLS verification is refused for
// non-loopback hosts.
func WithHTTPClient(hc *http.Client) Option { return func(c *config) { c.httpClient = hc } }

// WithLogger sets the logger (default: discard). Requests are logged at debug level, never
// with the token.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) {
		if l != nil {
			c.logger = l
		}
	}
}
