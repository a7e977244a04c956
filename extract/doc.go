// Package extract is wbexport's WorkBoard API v1 client: it pages through users, teams, team
// members, goals and key results (with their check-in, confidence and comment history) and
// streams them as typed records (see model.go) to the transform stage.
//
// # Use
//
//	c, err := extract.New(token, extract.WithRegion("eu"), extract.WithUserAgent("wbexport/"+version),
//		extract.WithRate(5), extract.WithLogger(logger), extract.WithProgress(bars.Update))
//	rep, err := c.Export(ctx, extract.FullPlan(), func(ctx context.Context, b *extract.Batch) error {
//		return pipeline.Write(ctx, b) // called serially, one batch per decoded page
//	})
//	// rep (a *Report) is JSON-serialisable for the run summary, also when err != nil.
//
// Also: Me (GET /user), Check (token, identity and Data-Admin rights), ExchangeCode (OAuth
// code for token), ReadTokenFile, PlanFor (plan from schemas table names).
//
// # Contracts
//
//   - Transport: HTTPS only (plain http for loopback hosts only), TLS verification always on
//     for non-loopback hosts; Authorization: Bearer, Content-Type: application/json and a
//     User-Agent on every request.
//   - One pacer per Client owns all retries: a concurrency bound (DefaultConcurrency), a
//     client-side rate limit (DefaultRate req/s; on a 429, at most once per second, cut to 90 %
//     of the last second's successes with burst 1 and a floor of 0.5 req/s, then raised by
//     10 % after every 5 s without a 429), a pause of every request for a 429's Retry-After,
//     exponential backoff with full jitter for 429, 5xx,
//     timeouts, broken connections and truncated bodies, Retry-After (seconds or HTTP-date,
//     capped by WithMaxRetryAfter), at most WithMaxAttempts attempts. Other 4xx answers and
//     well-formed JSON with wrong types are never retried. Every wait honours ctx.
//   - Errors are *APIError (HTTP/API failures, with Hint) and *DecodeError (a field of an
//     object on a page of an endpoint), classified with errors.Is against ErrAuth,
//     ErrDataAdmin, ErrNotFound, ErrRetryable and ErrDrift.
//   - Decoding is a pure function over bytes (DecodeEnvelope, DecodeUsersPage, DecodeTeamsPage,
//     DecodeGoalsPage, DecodeMetricsPage) that tokenizes each body once and validates it: with
//     a hand-written scanner (faststream.go), and when that fails or the page has any error,
//     again with jsontext from github.com/go-json-experiment/json, whose errors are the ones
//     returned (the two agree on every body the scanner accepts). Known keys go to typed
//     parsers (ids and numbers as strings or JSON numbers, epoch timestamps with "0"/0/""/null
//     as none), every other key of an object is kept in the record's Extra as a sorted JSON
//     object. Keys match exactly (case-sensitive), unlike encoding/json. The exporter decodes
//     metric bodies with DecodeMetricsPageFor, which reads past (still validating) the history
//     lists whose tables its Plan leaves out.
//   - Paging: first page, then the rest concurrently once totalCount is known, then more pages
//     while fewer distinct ids than the largest reported total arrived (stopping on an empty
//     page, a page of known ids, or totalCount/L+2 pages). A server that clamps the page size
//     is followed (paging by what it sends). If totalCount changes during a listing, the listing
//     is run once more and the union kept. Records are de-duplicated by id; drift, duplicates
//     and "not found" per-item calls (skipped) go into the Report.
//   - Key results: GET /metric?goal_id=G&include_metric_data=yes per goal (or, with
//     Plan.PerKeyResult, GET /metric/{id} per key result); key results that a goal's
//     goal_metrics lists but the per-goal call left out are fetched by id. The independent
//     parts (users; teams then team members; goals and, while they are listed, key results)
//     run concurrently under the one pacer; emit is called serially. Org-sized state:
//     the id sets for de-duplication, the goal id list and the (goal, key result) id pairs.
//   - Secrets: the token is held in a Secret; the Client, Secret and OAuthToken print as
//     "[REDACTED]" under fmt, slog and encoding/json. Logs carry method, path+query, status,
//     duration and attempt, never credentials.
package extract
