package extract

import (
	"fmt"
	"slices"

	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/workboard/decode"
)

// Plan selects what Export fetches and emits: a set of data tables, and how key results are
// fetched. Tables of key results and their history imply that goals are listed (to learn the
// goal ids) even when the goals table is not emitted.
type Plan struct {
	tables map[string]bool
	// PerKeyResult fetches GET /metric/{id}?include_metric_data=yes per key result (ids from
	// goal_metrics) instead of GET /metric?goal_id=G&include_metric_data=yes per goal. It costs
	// more calls but yields metric_confidence[].metric_data_id, metric_goal_source and MIT dates.
	PerKeyResult bool
}

// FullPlan exports every data table.
func FullPlan() Plan {
	p, _ := PlanFor(dataTables()...)
	return p
}

// PlanFor returns the plan that exports exactly the named data tables.
func PlanFor(tables ...string) (Plan, error) {
	p := Plan{tables: map[string]bool{}}
	for _, t := range tables {
		if !slices.Contains(dataTables(), t) {
			return Plan{}, fmt.Errorf("extract: unknown table %q (want one of %v)", t, dataTables())
		}
		p.tables[t] = true
	}
	return p, nil
}

// dataTables returns the names of the data tables in export order.
func dataTables() []string {
	var out []string
	for _, t := range schemas.DataTables() {
		out = append(out, t.Name)
	}
	return out
}

// Has reports whether the plan emits table.
func (p Plan) Has(table string) bool { return p.tables[table] }

// Tables returns the names of the tables the plan emits, in export order.
func (p Plan) Tables() []string {
	var out []string
	for _, t := range dataTables() {
		if p.tables[t] {
			out = append(out, t)
		}
	}
	return out
}

func (p Plan) needKRs() bool {
	return p.Has(schemas.KeyResults) || p.Has(schemas.KeyResultCheckins) || p.Has(schemas.KeyResultConf) ||
		p.Has(schemas.KeyResultComments)
}

func (p Plan) needGoals() bool {
	return p.Has(schemas.Goals) || p.Has(schemas.GoalComments) || p.needKRs()
}

// History is what the plan needs of a key result's history lists.
func (p Plan) History() decode.History {
	return decode.History{Checkins: p.Has(schemas.KeyResultCheckins), Confidence: p.Has(schemas.KeyResultConf),
		Comments: p.Has(schemas.KeyResultComments)}
}
