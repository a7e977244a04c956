package extract

import (
	"fmt"

	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/workboard/decode"
)

// Plan selects what Export fetches and emits: a set of data tables, and how key results are
// fetched. Tables of key results and their history imply that goals are listed (to learn the
// goal ids) even when the goals table is not emitted.
type Plan struct {
	tables map[schemas.TableID]bool
	// PerKeyResult fetches GET /metric/{id}?include_metric_data=yes per key result (ids from
	// goal_metrics) instead of listing them (KRListing). It costs more calls but yields
	// metric_confidence[].metric_data_id, metric_goal_source and MIT dates.
	PerKeyResult bool
	// KRListing is how key results are listed when PerKeyResult is off ("" is KRAuto).
	KRListing KRListing
	// Explicit marks tables named by the user (--tables): a table the token may not read
	// (goal_alignments without Data-Admin access) then fails the export instead of being
	// left empty with a warning.
	Explicit bool
}

// KRListing is a strategy for listing key results with their history.
type KRListing string

// The strategies. Every one skips goals whose goal_metrics_count is 0, and fetches by id
// (GET /metric/{id}) any key result that goal_metrics names but no listing returned.
const (
	// KRByGoal: GET /metric?goal_id=G&include_metric_data=yes per goal, made while the goals
	// are being listed.
	KRByGoal KRListing = "goal"
	// KRByTeam: once the goals are listed, GET /metric?team_id=T&include_metric_data=yes
	// (paged) for every team that owns a goal with key results, and nothing per goal.
	KRByTeam KRListing = "team"
	// KRAuto: KRByTeam, then GET /metric?goal_id= for each goal whose key results the team
	// listings did not all return (a personal goal, a team listing that leaves some out), or
	// whose goal_metrics may be incomplete (no goal_metrics_count, or more than it lists).
	KRAuto KRListing = "auto"
)

// ParseKRListing parses a strategy name ("" is KRAuto).
func ParseKRListing(s string) (KRListing, error) {
	switch k := KRListing(s); k {
	case "":
		return KRAuto, nil
	case KRByGoal, KRByTeam, KRAuto:
		return k, nil
	}
	return "", fmt.Errorf("extract: unknown key-result listing %q (want auto, team or goal)", s)
}

// krListing is the strategy in force: "key_result" with PerKeyResult, else KRListing; ""
// when the plan needs no key results.
func (p Plan) krListing() string {
	switch {
	case !p.needKRs():
		return ""
	case p.PerKeyResult:
		return "key_result"
	case p.KRListing == "":
		return string(KRAuto)
	}
	return string(p.KRListing)
}

// FullPlan exports every data table.
func FullPlan() Plan {
	p, _ := PlanFor(schemas.IDs(schemas.DataTables())...)
	return p
}

// PlanFor returns the plan that exports exactly the given data tables.
func PlanFor(tables ...schemas.TableID) (Plan, error) {
	p := Plan{tables: map[schemas.TableID]bool{}}
	for _, id := range tables {
		if t, ok := schemas.Lookup(id); !ok || t.Ledger {
			return Plan{}, fmt.Errorf("extract: unknown table %q (want one of %s)", id, schemas.IDs(schemas.DataTables()))
		}
		p.tables[id] = true
	}
	return p, nil
}

// Has reports whether the plan emits table.
func (p Plan) Has(table schemas.TableID) bool { return p.tables[table] }

// Tables returns the tables the plan emits, in export order.
func (p Plan) Tables() []schemas.TableID {
	var out []schemas.TableID
	for _, t := range schemas.DataTables() {
		if p.tables[t.Name] {
			out = append(out, t.Name)
		}
	}
	return out
}

func (p Plan) needKRs() bool {
	return p.Has(schemas.KeyResults) || p.Has(schemas.KeyResultCheckins) || p.Has(schemas.KeyResultConf) ||
		p.Has(schemas.KeyResultComments)
}

func (p Plan) needGoals() bool {
	return p.Has(schemas.Goals) || p.Has(schemas.GoalComments) || p.needKRs() || p.Has(schemas.KeyResultTags) ||
		p.Has(schemas.GoalAlignments)
}

// History is what the plan needs of a key result's history lists.
func (p Plan) History() decode.History {
	return decode.History{Checkins: p.Has(schemas.KeyResultCheckins), Confidence: p.Has(schemas.KeyResultConf),
		Comments: p.Has(schemas.KeyResultComments)}
}
