// Package extract runs an export: it pages through users, teams, team members, goals and key
// results (with their check-in, confidence and comment history) through a workboard.Client,
// decodes each page with package decode, drops duplicates, and streams the records to the
// transform stage, one batch per page.
//
//	c, err := workboard.New(token, workboard.WithRate(5), workboard.WithLogger(logger))
//	ex, err := extract.New(c, extract.WithProgress(bars.Update))
//	rep, err := ex.Export(ctx, extract.FullPlan(), func(ctx context.Context, b *workboard.Batch) error {
//		return pipeline.Write(ctx, b) // called serially, one batch per decoded page
//	})
//	// rep (a *Report) is JSON-serialisable for the run summary, also when err != nil.
//
// Also: Check (token, identity and Data-Admin rights) and Me (GET /user).
//
// The layout follows the flow: plan.go (what to export), parts.go (users; teams then team
// members; goals then key results, run concurrently), listing.go (limit/offset paging),
// byteam.go (key results by team, and what they cover), peritem.go (one call per team, goal or
// key result), accept.go (de-duplication), report.go (the run summary), status.go (a running
// export's progress).
//
// # Contracts
//
//   - Paging: first page, then the rest concurrently once totalCount is known, then more pages
//     while fewer distinct ids than the largest reported total arrived (stopping on an empty
//     page, a page of known ids, or totalCount/L+2 pages). A server that clamps the page size
//     is followed (paging by what it sends). If totalCount changes during a listing, the
//     listing is run once more and the union kept. Records are de-duplicated by id; drift,
//     duplicates and "not found" per-item calls (skipped) go into the Report.
//   - Key results (Plan.KRListing): by default (KRAuto) one paged listing per team that owns
//     a goal with key results, GET /metric?team_id=T&include_metric_data=yes, once the goals
//     are listed; then GET /metric?goal_id=G per goal whose key results the team listings did
//     not all return (personal goals, as a rule) or whose goal_metrics_count is absent or above
//     what goal_metrics lists. KRByTeam skips the per-goal step, KRByGoal makes only per-goal
//     calls, while the goals are still being listed; Plan.PerKeyResult calls GET /metric/{id}
//     per key result. No strategy calls for a goal whose goal_metrics_count is 0. Key results
//     that goal_metrics names but no call returned are fetched by id; team listings' key
//     results of goals that were not listed are dropped. History lists whose tables the plan
//     leaves out are not decoded.
//   - Concurrency: every request goes through the client's one pacer; emit is called serially.
//     Org-sized state: the id sets for de-duplication, the goals with key results and the
//     (goal, key result) id pairs.
package extract
