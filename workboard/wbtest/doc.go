// Package wbtest is an in-memory emulator of WorkBoard's REST API v1, in the spirit of
// net/http/httptest.
//
// It has two halves:
//
//   - Generate builds a synthetic, seeded organisation (users, teams, goals, key results and
//     their progress history) and exposes it as typed Go values ("ground truth") so tests can
//     compare an export against it without parsing JSON.
//   - NewServer serves that organisation over HTTP with WorkBoard's envelopes, JSON types and
//     quirks (as the fixtures in testdata/workboard at the module root show them), plus test-only
//     behaviours: fault injection, latency, server-side limits (a token bucket, a fixed window,
//     with or without Retry-After), bursts of 503, paging drift and structure drift.
//
// The throttling regimes are what a client's pacer meets: WithLimit (or WithRateLimit) is a
// server limit whose 429s follow the client's rate; WithFaults with the 429 kinds is a quota
// trickle whose 429s do not; WithOutages answers 503 in bursts; WithThrottleFor ends all of
// them after a while, to see a client recover. Transport serves a client in-process, without
// a network connection, so a test under testing/synctest runs minutes of throttling on the
// bubble's virtual clock in milliseconds.
//
// Typical use in a test:
//
//	org := wbtest.Generate(wbtest.OrgConfig{Seed: 1, Users: 50, Teams: 8, Goals: 300})
//	ts := wbtest.Start(t, org, wbtest.WithFaults(wbtest.FaultConfig{Rate: 0.1}))
//	client := myclient.New(ts.BaseURL, ts.AdminToken) // BaseURL ends in /wb/apis
//
// To follow one organisation over several days (goals trending, same ids, more check-ins),
// generate once and move AsOf with At, or keep OrgConfig.Anchor fixed while AsOf changes:
//
//	base := wbtest.Generate(wbtest.OrgConfig{Seed: 1, AsOf: day1})
//	for d := 0; d < 3; d++ {
//		org := base.At(day1.AddDate(0, 0, d)) // same as Generate with Anchor: day1, AsOf: day1+d
//		...
//	}
//
// (Generate with only a different AsOf lays the history out around that AsOf instead: same
// ids and structure, but not a continuation of the earlier day.)
//
// Endpoints served (paths relative to APIPrefix, all GET and Bearer-authenticated):
//
//	/user                      the token's user; ?user_id= (id or e-mail), ?custom_attributes=1,
//	                           ?include=org_members (Data-Admin, paged, create_at as a string,
//	                           org_user_roles), ?include=team_members, ?include=org_reports
//	/user/{id}                 Data-Admin (or the token's own id)
//	/user/{id}/goal            numeric-keyed goal object + goals_count, [] when none, at most 15
//	/user/{id}/goal/{goal_id}  the goal object, or [] when the user does not own it
//	/team                      the caller's teams; ?include=org_teams (Data-Admin); ?team_id=,
//	                           ?id=, ?external_id= (single object); paged
//	/team/{id}                 with team_members[]
//	/goal                      people_goals wrappers (or team_goals with ?team_id=, flat with
//	                           WithFlatGoals); ?goal_status=1|2|1,2, ?goal_owner_id=, ?id=,
//	                           ?custom_attributes=1, ?include=custom_permission; paged, totalCount
//	                           counts goals; an ordinary token sees only its user's goals
//	/goal/{id}                 single goal, last_metric_comment on each goal_metrics[] item
//	/goal/{id}/metric/{mid}    the goal, goal_metrics narrowed to that KR
//	/goal/{id}/alignment       Data-Admin; data.alignment[]: the goal's parent (or the goal when
//	                           unaligned) with its aligned goals nested three levels deep
//	/metric                    ?goal_id=, ?team_id= (paged; what it lists: WithTeamMetrics),
//	                           ?metric_id=, none = the token user's own KRs;
//	                           ?include_metric_data=yes adds metric_data[] and metric_comments[]
//	/metric/{id}               single metric; metric_confidence[].metric_data_id as an integer
//	/metric/krtags             ?metric_ids=1,2,3 (required; at most WithMaxKRTagIDs, else 400
//	                           invalid_request naming metric_ids): data.metrics[] {id, name, tags[]}
//	/tags                      the org's tags (ids, status and dates as strings), paged;
//	                           ?status=, ?group_id=
//
// plus POST /wb/oauth/token (OAuthTokenPath; form client_id, client_hash, code, redirect_uri).
// Errors use WorkBoard's {"success":false,"error","error_description"} body: invalid_access_token
// (HTTP 400 by default, see WithAuthFailureStatus), insufficient_access, invalid_resource_id,
// missing_required_parameters (limit <= 0) and invalid_request; an unknown path gets 404
// not_found.
//
// Bodies are compact JSON with members in WorkBoard's order and WorkBoard's types: ids and
// epochs as numeric strings ("123"), decimals as strings ("63.96"), and JSON numbers only
// where WorkBoard sends them (data.totalCount, a user's create_at, ...). Strings escape only
// what JSON requires ('"', '\\' and control characters); '<', '>', '&', U+2028 and U+2029
// are written as they are. The same Org, options and sequence of requests always give the
// same bodies, byte for byte; testdata/golden pins some of them.
//
// The package never imports the exporter's client packages: it writes WorkBoard's JSON on its
// own, so a bug shared by the client's decoders and the emulator cannot cancel out.
//
// Time values in the ground truth are Unix epoch seconds (int64, UTC), exactly what the API
// serialises; 0 always means "none" (the API's "0" sentinel). Nullable values are pointers
// (nil = JSON null). Numbers that the API sends as decimal strings are float64 values that
// were rounded before serialisation, so strconv.ParseFloat of the wire string gives back
// exactly the ground-truth value.
package wbtest

// How the code is laid out:
//
//   - server.go: the Server, its options and routes; ServeHTTP applies latency, the rate
//     limit and faults before routing.
//   - api.go: authentication wrapper, success envelope and error bodies; auth.go: bearer
//     tokens, credentials and the OAuth code exchange.
//   - users.go, usergoals.go, teams.go, goals.go, goalobject.go, metrics.go: one file per
//     resource, holding its handlers and the JSON writers of its objects.
//   - paging.go: limit/offset and GET /goal pages; drift.go: WithGoalDrift.
//   - encoder.go: the encoder every body is written with; cache.go: the rendered list forms of
//     goals and metrics.
//   - faults.go, latency.go, throttle.go, stats.go: fault injection, WithLatency, the limits,
//     outages and WithThrottleFor, and the request counters; transport.go: the in-process
//     Transport.
//   - model.go: the Org and its types; generate*.go: the seeded generator (generate.go has
//     the plan and the order of draws) and the projection of a plan onto AsOf.
