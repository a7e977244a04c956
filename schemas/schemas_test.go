package schemas_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/wbexport/wbexport/schemas"
)

// TestTableIDs: every table is found by its id (so ids are unique), _sync_runs is the only
// ledger, DataTables is All without it in the same order, and ids that name no table are not
// found.
func TestTableIDs(t *testing.T) {
	var data []schemas.TableID
	for _, tb := range schemas.All() {
		got, ok := schemas.Lookup(tb.Name)
		if !ok || got != tb {
			t.Errorf("Lookup(%s) = %p, %v; want the table %p", tb.Name, got, ok, tb)
		}
		if tb.Ledger != (tb.Name == schemas.SyncRuns) {
			t.Errorf("table %s: Ledger = %v", tb.Name, tb.Ledger)
		}
		if !tb.Ledger {
			data = append(data, tb.Name)
		}
	}
	if diff := cmp.Diff(data, schemas.IDs(schemas.DataTables())); diff != "" {
		t.Errorf("DataTables (-want +got):\n%s", diff)
	}
	for _, id := range []schemas.TableID{"", "nope", "Users", "users "} {
		if tb, ok := schemas.Lookup(id); ok {
			t.Errorf("Lookup(%q) = %s, want no table", id, tb.Name)
		}
	}
}
