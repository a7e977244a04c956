// Package workboard is wbexport's client of the WorkBoard API v1: HTTP, one pacer, errors,
// OAuth and the token, and the records the API's objects become (model.go). It knows no
// paging and no tables: package decode turns response bodies into records, package extract
// runs an export.
//
//	c, err := workboard.New(token, workboard.WithRegion("eu"), workboard.WithRate(5))
//	at, err := c.Get(ctx, "/user", func(body []byte) error { … })
//
// # Contracts
//
//   - Transport: HTTPS only (plain http for loopback hosts only), TLS verification always on
//     for non-loopback hosts; Authorization: Bearer, Content-Type: application/json and a
//     User-Agent on every request.
//   - One pacer per Client (pacer.go) owns every wait: a concurrency bound
//     (DefaultConcurrency), a client-side rate limit (DefaultRate req/s, burst = concurrency),
//     a pause of every request for the Retry-After of a 429 or 503, and exponential backoff
//     with full jitter for 429, 5xx, timeouts, broken connections and truncated bodies
//     (Retry-After in seconds or as an HTTP-date, capped by WithMaxRetryAfter), at most
//     WithMaxAttempts attempts. A success ends the backoffs in progress (after an outage the
//     requests go again at the rate, not each at the end of its own backoff), except those
//     after a 429 the rate may have caused. Other 4xx answers and well-formed JSON of the
//     wrong shape are never retried. Every wait honours ctx.
//   - The rate adapts to 429s that the client's rate causes, and only to those. The first 429
//     starts a trial: the rate is cut (to 90 % of the last second's successes, and to at most
//     half) and the answers are watched. If the 429s go on at the lower rate as before, they
//     are a quota the client does not control: the rate goes back and such 429s no longer cut
//     it (for 5 minutes), they only pause it. If they stop, it is a server limit: later 429s
//     cut again (never below the trial's rate), and the rate climbs back by 25 % per 2 s
//     without a 429, up to 97 % of what the server accepted before the last cut and, 20 s
//     after it, to the configured rate. A reduced rate has burst 1. Every change is counted in
//     Stats and reported to WithRateObserver.
//   - Errors are *APIError (HTTP/API failures, with Hint) and *DecodeError (a bad value in a
//     response, named by record, field and JSON Pointer), classified with errors.Is against
//     ErrAuth, ErrDataAdmin, ErrNotFound and ErrRetryable.
//   - Secrets: the token is held in a Secret; the Client, Secret and OAuthToken print as
//     "[REDACTED]" under fmt, slog and encoding/json. Logs carry method, path+query, status,
//     duration and attempt, never credentials.
package workboard
