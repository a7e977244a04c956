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
	// goal_metrics) instead of GET /metric?goal_id=G&include_metric_data=yes per goal. It costs
	// more calls but yields metric_confidence[].metric_data_id, metric_goal_source and MIT dates.
	PerKeyResult bool
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
	return p.Has(schemas.Goals) || p.Has(schemas.GoalComments) || p.needKRs()
}

// History is what the plan needs of a key result's history lists.
func (p Plan) History() decode.History {
	return decode.History{Checkins: p.Has(schemas.KeyResultCheckins), Confidence: p.Has(schemas.KeyResultConf),
		Comments: p.Has(schemas.KeyResultComments)}
}
