package transform_test

import (
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/transform"
	"github.com/wbexport/wbexport/workboard"
)

// dataSize is the number of bytes of values, offsets and validity bitmaps a record holds
// (buffer lengths, not capacities).
func dataSize(rec arrow.RecordBatch) int {
	var size func(d arrow.ArrayData) int
	size = func(d arrow.ArrayData) int {
		n := 0
		for _, b := range d.Buffers() {
			if b != nil {
				n += b.Len()
			}
		}
		for _, c := range d.Children() {
			n += size(c)
		}
		return n
	}
	total := 0
	for _, c := range rec.Columns() {
		total += size(c.Data())
	}
	return total
}

// TestBatchBytesBound: the byte estimate that bounds batches tracks the real Arrow data size,
// so WithBatchBytes really bounds a batch's memory.
func TestBatchBytesBound(t *testing.T) {
	const limit = 64 << 10
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	var sizes, rows []int
	tr, err := transform.New(mem, lin, func(_ context.Context, _ schemas.TableID, rec arrow.RecordBatch) error {
		sizes = append(sizes, dataSize(rec))
		rows = append(rows, int(rec.NumRows()))
		return nil
	}, transform.WithBatchBytes(limit), transform.WithTables(schemas.Goals))
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Release()
	goals := benchGoals(2000)
	if err := tr.Add(context.Background(), &workboard.Batch{Goals: goals}); err != nil {
		t.Fatal(err)
	}
	if err := tr.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(sizes) < 3 {
		t.Fatalf("only %d batches for 2000 goals at a %d-byte limit", len(sizes), limit)
	}
	for i, s := range sizes[:len(sizes)-1] { // every full batch
		// Buffers are padded to 64 bytes, a fixed overhead per column the estimate leaves out:
		// allow 10 % over the limit plus one row.
		perRow := s / rows[i]
		if s > limit+limit/10+perRow || s < limit*9/10 {
			t.Errorf("batch %d: %d rows hold %d bytes of Arrow data for a %d-byte limit", i, rows[i], s, limit)
		}
	}
}
