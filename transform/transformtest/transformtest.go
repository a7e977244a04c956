// Package transformtest provides helpers for tests that consume the Arrow record batches built
// by package transform: a Collector implementing transform.Emit and a reader turning records
// into canonical rows.
//
// Canonical values (the same conventions as sinks/sinktest.Row): nil for NULL, int64, float64,
// string, bool, time.Time (UTC) for TIMESTAMP, a "YYYY-MM-DD" string for DATE, and []string or
// []int64 for list columns (never nil: an empty slice).
package transformtest

import (
	"context"
	"fmt"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/wbexport/wbexport/schemas"
)

// Row is one row in canonical form: column name → value.
type Row = map[string]any

// Rows returns every row of rec in canonical form.
func Rows(rec arrow.RecordBatch) []Row {
	n := int(rec.NumRows())
	out := make([]Row, n)
	for i := range out {
		out[i] = make(Row, rec.NumCols())
	}
	for c, f := range rec.Schema().Fields() {
		col := rec.Column(c)
		for i := range n {
			out[i][f.Name] = Value(col, i)
		}
	}
	return out
}

// Value returns element i of arr in canonical form. It panics on a type transform never
// produces.
func Value(arr arrow.Array, i int) any {
	if arr.IsNull(i) {
		return nil
	}
	switch a := arr.(type) {
	case *array.Int64:
		return a.Value(i)
	case *array.Float64:
		return a.Value(i)
	case *array.String:
		return a.Value(i)
	case *array.Boolean:
		return a.Value(i)
	case *array.Date32:
		return a.Value(i).FormattedString()
	case *array.Timestamp:
		unit := a.DataType().(*arrow.TimestampType).Unit
		return a.Value(i).ToTime(unit).UTC()
	case *array.List:
		start, end := a.ValueOffsets(i)
		switch v := a.ListValues().(type) {
		case *array.String:
			out := make([]string, 0, end-start)
			for j := start; j < end; j++ {
				out = append(out, v.Value(int(j)))
			}
			return out
		case *array.Int64:
			out := make([]int64, 0, end-start)
			for j := start; j < end; j++ {
				out = append(out, v.Value(int(j)))
			}
			return out
		}
	}
	panic(fmt.Sprintf("transformtest: unsupported array type %s", arr.DataType()))
}

// Collector is a transform.Emit target that keeps every record it receives (Retained) per
// table. It is safe for concurrent use. Release it when done.
type Collector struct {
	mu   sync.Mutex
	recs map[schemas.TableID][]arrow.RecordBatch
}

// Emit retains rec and keeps it under table. Its signature is transform.Emit's.
func (c *Collector) Emit(_ context.Context, table schemas.TableID, rec arrow.RecordBatch) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.recs == nil {
		c.recs = map[schemas.TableID][]arrow.RecordBatch{}
	}
	rec.Retain()
	c.recs[table] = append(c.recs[table], rec)
	return nil
}

// Records returns the records received for table, in order. They stay owned by the Collector.
func (c *Collector) Records(table schemas.TableID) []arrow.RecordBatch {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]arrow.RecordBatch(nil), c.recs[table]...)
}

// Tables returns the tables that received at least one record.
func (c *Collector) Tables() []schemas.TableID {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]schemas.TableID, 0, len(c.recs))
	for t := range c.recs {
		out = append(out, t)
	}
	return out
}

// Rows returns every row received for table, in canonical form and arrival order.
func (c *Collector) Rows(table schemas.TableID) []Row {
	var out []Row
	for _, rec := range c.Records(table) {
		out = append(out, Rows(rec)...)
	}
	return out
}

// Release releases every kept record.
func (c *Collector) Release() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, rs := range c.recs {
		for _, r := range rs {
			r.Release()
		}
	}
	c.recs = nil
}
