package transform_test

import (
	"context"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/transform"
	"github.com/wbexport/wbexport/workboard"
)

func ExampleNew() {
	ctx := context.Background()
	emit := func(_ context.Context, table schemas.TableID, rec arrow.RecordBatch) error {
		// A sink would Write(ctx, table, rec) here; rec is released after emit returns.
		fmt.Printf("%s: %d rows x %d columns\n", table, rec.NumRows(), rec.NumCols())
		return nil
	}
	day := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	tr, err := transform.New(memory.DefaultAllocator, transform.Lineage{RunID: transform.RunID(), SnapshotDate: day}, emit,
		transform.WithBatchRows(2))
	if err != nil {
		panic(err)
	}
	defer tr.Release()

	// In the exporter, tr.Add is the emit callback of extract.Exporter.Export.
	now := time.Now()
	b := &workboard.Batch{}
	for id := int64(1); id <= 3; id++ {
		b.Checkins = append(b.Checkins, workboard.Checkin{Meta: workboard.Meta{ExtractedAt: now}, MetricDataID: id, MetricID: 10, GoalID: 100})
	}
	if err := tr.Add(ctx, b); err != nil { // emits a full batch of 2 rows
		panic(err)
	}
	if err := tr.Flush(ctx); err != nil { // emits the remaining row
		panic(err)
	}
	fmt.Println(tr.Rows()["key_result_checkins"], "rows in", tr.Batches()["key_result_checkins"], "batches")
	// Output:
	// key_result_checkins: 2 rows x 12 columns
	// key_result_checkins: 1 rows x 12 columns
	// 3 rows in 2 batches
}

func ExampleLedger() {
	start := time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC)
	rec, err := transform.Ledger(memory.DefaultAllocator, transform.LedgerRow{
		RunID: "0196b0c4-0000-7000-8000-000000000000", SnapshotDate: start, Status: transform.StatusSucceeded,
		StartedAt: start, FinishedAt: start.Add(time.Minute), Version: "v1.0.0", Sink: "file:///data/wbexport",
		APIBaseURL: workboard.DefaultBaseURL, Tables: []schemas.TableID{schemas.Goals, schemas.KeyResults},
	})
	if err != nil {
		panic(err)
	}
	defer rec.Release()
	fmt.Println(rec.NumRows(), rec.Schema().Field(0).Name)
	// Output: 1 run_id
}
