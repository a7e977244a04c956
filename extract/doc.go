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
// peritem.go (one call per team, goal or key result), accept.go (de-duplication),
// report.go (the run summary).
//
// # Contracts
//
//   - Paging: first page, then the rest concurrently once totalCount is known, then more pages
//     while fewer distinct ids than the largest reported total arrived (stopping on an empty
//     page, a page of known ids, or totalCount/L+2 pages). A server that clamps the page size
//     is followed (paging by what it sends). If totalCount changes during a listing, the
//     listing is run once more and the union kept. Records are de-duplicated by id; drift,
//     duplicates and "not found" per-item calls (skipped) go into the Report.
//   - Key results: GET /metric?goal_id=G&include_metric_data=yes per goal, fetched while the
//     goals are still being listed (or, with Plan.PerKeyResult, GET /metric/{id} per key
//     result); key results that a goal's goal_metrics lists but the per-goal call left out are
//     fetched by id. History lists whose tables the plan leaves out are not decoded.
//   - Concurrency: every request goes through the client's one pacer; emit is called serially.
//     Org-sized state: the id sets for de-duplication, the goal id list and the (goal, key
//     result) id pairs.
package extract
