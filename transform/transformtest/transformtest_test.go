package transformtest_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/google/go-cmp/cmp"
	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/transform/transformtest"
)

// TestRowsEveryType builds a two-row record over every logical type by hand (values, then
// nulls / empty lists) and checks the canonical form.
func TestRowsEveryType(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	types := []schemas.Type{schemas.Int64, schemas.Float64, schemas.String, schemas.Bool, schemas.Timestamp,
		schemas.Date, schemas.JSON, schemas.ListString, schemas.ListInt64}
	fields := make([]arrow.Field, len(types))
	for i, ty := range types {
		fields[i] = arrow.Field{Name: ty.String(), Type: schemas.ArrowType(ty), Nullable: true}
	}
	b := array.NewRecordBuilder(mem, arrow.NewSchema(fields, nil))
	defer b.Release()
	ts := time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)
	b.Field(0).(*array.Int64Builder).AppendValues([]int64{-7, 0}, []bool{true, false})
	b.Field(1).(*array.Float64Builder).AppendValues([]float64{1.5, 0}, []bool{true, false})
	b.Field(2).(*array.StringBuilder).AppendValues([]string{"日本 🎌", ""}, []bool{true, false})
	b.Field(3).(*array.BooleanBuilder).AppendValues([]bool{true, false}, []bool{true, false})
	b.Field(4).(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{arrow.Timestamp(ts.UnixMicro()), 0}, []bool{true, false})
	b.Field(5).(*array.Date32Builder).AppendValues([]arrow.Date32{arrow.Date32FromTime(ts), 0}, []bool{true, false})
	b.Field(6).(*array.StringBuilder).AppendValues([]string{`{"a":1}`, ""}, []bool{true, false})
	ls := b.Field(7).(*array.ListBuilder)
	ls.Append(true)
	ls.ValueBuilder().(*array.StringBuilder).AppendValues([]string{"a", "b"}, nil)
	ls.Append(true)
	li := b.Field(8).(*array.ListBuilder)
	li.Append(true)
	li.ValueBuilder().(*array.Int64Builder).AppendValues([]int64{3, 1}, nil)
	li.Append(true)
	rec := b.NewRecordBatch()
	defer rec.Release()

	want := []transformtest.Row{
		{"int64": int64(-7), "float64": 1.5, "string": "日本 🎌", "bool": true, "timestamp": ts, "date": "2026-01-02",
			"json": `{"a":1}`, "list<string>": []string{"a", "b"}, "list<int64>": []int64{3, 1}},
		{"int64": nil, "float64": nil, "string": nil, "bool": nil, "timestamp": nil, "date": nil,
			"json": nil, "list<string>": []string{}, "list<int64>": []int64{}},
	}
	if got := transformtest.Rows(rec); !reflect.DeepEqual(got, want) {
		t.Fatalf("Rows =\n%#v\nwant\n%#v", got, want)
	}

	var c transformtest.Collector
	if err := c.Emit(context.Background(), "t", rec); err != nil {
		t.Fatal(err)
	}
	if err := c.Emit(context.Background(), "t", rec); err != nil {
		t.Fatal(err)
	}
	if got := len(c.Rows("t")); got != 4 {
		t.Fatalf("collector has %d rows, want 4", got)
	}
	if diff := cmp.Diff([]schemas.TableID{"t"}, c.Tables()); diff != "" {
		t.Fatalf("tables (-want +got):\n%s", diff)
	}
	c.Release() // the record is still ours: AssertSize above proves the collector released its references
}
