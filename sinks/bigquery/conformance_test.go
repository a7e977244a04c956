package bigquery_test

import (
	"context"
	"strings"
	"testing"

	bq "cloud.google.com/go/bigquery"
	"google.golang.org/api/iterator"

	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/sinks"
	"github.com/wbexport/wbexport/sinks/sinktest"
)

// bqDestination is a fresh bqtest server per sub-test. Rows are read through the real
// client's table.Read (tabledata.list on the partition decorator); a partition counts as
// published when a load job into it finished without error (BigQuery has no other notion of
// an empty partition), observed on the server.
type bqDestination struct{ e *env }

func (d *bqDestination) Open(t testing.TB, run sinks.RunInfo) sinks.Sink {
	t.Helper()
	s := d.e.open(run)
	return s
}

func (d *bqDestination) Read(t testing.TB, table schemas.TableID, date string) ([]sinktest.Row, bool) {
	t.Helper()
	dec := testDataset + "." + string(table) + "$" + strings.ReplaceAll(date, "-", "")
	published := false
	for _, j := range d.e.srv.Jobs() {
		if j.Type == "LOAD" && j.Destination == dec && j.State == "DONE" && j.Error == nil {
			published = true
		}
	}
	rows, exists := d.e.read(table, date)
	if !exists {
		return nil, false
	}
	return rows, published
}

func (d *bqDestination) Ledger(t testing.TB) []sinktest.Row {
	t.Helper()
	rows, _ := d.e.read(schemas.SyncRuns, "")
	return rows
}

func TestConformance(t *testing.T) {
	sinktest.Run(t, func(t *testing.T) sinktest.Destination {
		return &bqDestination{e: newEnv(t)}
	})
}

// readAll reads a whole table through the client (helper for the integration tests).
func readAll(ctx context.Context, t testing.TB, tbl *bq.Table) [][]bq.Value {
	t.Helper()
	it := tbl.Read(ctx)
	var out [][]bq.Value
	for {
		var row []bq.Value
		err := it.Next(&row)
		if err == iterator.Done {
			return out
		}
		if err != nil {
			t.Fatalf("reading %s: %v", tbl.FullyQualifiedName(), err)
		}
		out = append(out, row)
	}
}
