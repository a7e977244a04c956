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
//     (DefaultConcurrency), a client-side rate limit (DefaultRate req/s; on a 429, at most once
//     per second, cut to 90 % of the last second's successes with burst 1 and a floor of
//     0.5 req/s, then raised by 10 % after every 5 s without a 429), a pause of every request
//     for a 429's Retry-After, and exponential backoff with full jitter for 429, 5xx, timeouts,
//     broken connections and truncated bodies (Retry-After in seconds or as an HTTP-date,
//     capped by WithMaxRetryAfter), at most WithMaxAttempts attempts. Other 4xx answers and
//     well-formed JSON of the wrong shape are never retried. Every wait honours ctx.
//   - Errors are *APIError (HTTP/API failures, with Hint) and *DecodeError (a bad value in a
//     response, named by record, field and JSON Pointer), classified with errors.Is against
//     ErrAuth, ErrDataAdmin, ErrNotFound and ErrRetryable.
//   - Secrets: the token is held in a Secret; the Client, Secret and OAuthToken print as
//     "[REDACTED]" under fmt, slog and encoding/json. Logs carry method, path+query, status,
//     duration and attempt, never credentials.
package workboard
