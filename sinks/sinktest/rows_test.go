package sinktest_test

import (
	"bytes"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/sinks/sinktest"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestDiffRows(t *testing.T) {
	ts := time.Date(2020, 1, 2, 3, 4, 5, 6000, time.UTC)
	base := []sinktest.Row{
		{"id": int64(1), "f": math.NaN(), "s": "a", "l": []string{}, "t": ts, "n": nil},
		{"id": int64(2), "f": 1.5, "s": "b", "l": []string{"x"}, "t": ts, "n": []int64{1}},
	}
	reordered := []sinktest.Row{base[1], base[0]}
	if d := sinktest.DiffRows(base, reordered); d != "" {
		t.Errorf("order should not matter (and NaN equals NaN): %s", d)
	}
	same := []sinktest.Row{
		{"id": int64(1), "f": math.NaN(), "s": "a", "l": []string(nil), "t": ts.In(time.FixedZone("X", 3600)), "n": nil},
		base[1],
	}
	if d := sinktest.DiffRows(base, same); d != "" {
		t.Errorf("nil vs empty list and time zones should not matter: %s", d)
	}
	cases := []struct {
		name string
		got  []sinktest.Row
		want string
	}{
		{"missing row", base[:1], "row count: want 2, got 1\nmissing row: "},
		{"duplicate row", []sinktest.Row{base[0], base[0]}, "row differs: "},
		{"value", []sinktest.Row{base[0], {"id": int64(2), "f": 1.5, "s": "B", "l": []string{"x"}, "t": ts, "n": []int64{1}}}, `s: want "b", got "B"`},
		{"null vs zero", []sinktest.Row{base[1], {"id": int64(1), "f": math.NaN(), "s": "a", "l": []string{}, "t": ts, "n": int64(0)}}, "n: want NULL, got int64(0)"},
		{"type", []sinktest.Row{base[1], {"id": 1.0, "f": math.NaN(), "s": "a", "l": []string{}, "t": ts, "n": nil}}, "id: want"},
		{"time", []sinktest.Row{base[1], {"id": int64(1), "f": math.NaN(), "s": "a", "l": []string{}, "t": ts.Add(time.Microsecond), "n": nil}}, "t: want 2020-01-02T03:04:05.000006Z, got 2020-01-02T03:04:05.000007Z"},
		{"NaN vs number", []sinktest.Row{base[1], {"id": int64(1), "f": 0.0, "s": "a", "l": []string{}, "t": ts, "n": nil}}, "f: want NaN, got 0"},
		{"list order", []sinktest.Row{base[0], {"id": int64(2), "f": 1.5, "s": "b", "l": []string{"x", "y"}, "t": ts, "n": []int64{1}}}, `l: want ["x"], got ["x","y"]`},
		{"extra column", []sinktest.Row{base[0], {"id": int64(2), "f": 1.5, "s": "b", "l": []string{"x"}, "t": ts, "n": []int64{1}, "z": "?"}}, "z: unexpected column"},
	}
	for _, c := range cases {
		d := sinktest.DiffRows(base, c.got)
		if !strings.Contains(d, c.want) {
			t.Errorf("%s: DiffRows = %q, want it to contain %q", c.name, d, c.want)
		}
	}
}

func TestCanonicalRowsNullList(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "l", Type: arrow.ListOf(arrow.PrimitiveTypes.Int64), Nullable: true},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Nanosecond, TimeZone: "UTC"}, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	b.Field(0).AppendNull()
	b.Field(1).(*array.TimestampBuilder).Append(1_500) // 1.5 µs: truncated to 1 µs
	rec := b.NewRecordBatch()
	defer rec.Release()
	rows := sinktest.CanonicalRows(rec)
	if l, ok := rows[0]["l"].([]int64); !ok || l == nil || len(l) != 0 {
		t.Errorf("null list = %#v, want empty []int64", rows[0]["l"])
	}
	if ts := rows[0]["ts"].(time.Time); !ts.Equal(time.Unix(0, 1000)) {
		t.Errorf("ts = %v, want truncated to the microsecond", ts)
	}
}

func TestReadParquetRejectsGarbage(t *testing.T) {
	b := []byte("PAR1 this is not a parquet file PAR1")
	if _, err := sinktest.ReadParquet(bytes.NewReader(b), int64(len(b))); err == nil || !strings.Contains(err.Error(), "parquet-go") {
		t.Errorf("ReadParquet(garbage) = %v, want a parquet-go error", err)
	}
}

// TestSampleRecordsGolden pins SampleRecords' output: sink tests of other packages rely on
// the same (table, n, seed) giving the same rows across versions.
func TestSampleRecordsGolden(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	var out strings.Builder
	for _, tbl := range schemas.All() {
		rec := sinktest.SampleRecords(mem, tbl, 3, 7, sinktest.WithRunID("run-7"))
		again := sinktest.SampleRecords(mem, tbl, 3, 7, sinktest.WithRunID("run-7"))
		if d := sinktest.DiffRows(sinktest.CanonicalRows(rec), sinktest.CanonicalRows(again)); d != "" {
			t.Errorf("%s: SampleRecords is not deterministic:\n%s", tbl.Name, d)
		}
		out.WriteString("## " + string(tbl.Name) + "\n")
		for _, r := range sinktest.CanonicalRows(rec) {
			out.WriteString(renderRow(tbl, r) + "\n")
		}
		rec.Release()
		again.Release()
		other := sinktest.SampleRecords(mem, tbl, 3, 8)
		if sinktest.DiffRows(sinktest.CanonicalRows(other), sinktest.CanonicalRows(again)) == "" {
			t.Errorf("%s: seeds 7 and 8 give the same rows", tbl.Name)
		}
		other.Release()
	}
	golden(t, "sample_records.golden", out.String())
}

func TestEdgeRecordsGolden(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	tbl, _ := schemas.Lookup(schemas.KeyResults)
	rec := sinktest.EdgeRecords(mem, tbl, sinktest.WithRunID("run-e"))
	defer rec.Release()
	var out strings.Builder
	for _, r := range sinktest.CanonicalRows(rec) {
		out.WriteString(renderRow(tbl, r) + "\n")
	}
	golden(t, "edge_records_key_results.golden", out.String())
}

func renderRow(tbl *schemas.Table, r sinktest.Row) string {
	parts := make([]string, 0, len(r))
	for _, c := range tbl.Columns {
		v := sinktest.FormatValue(r[c.Name])
		if len(v) > 120 {
			v = strings.ToValidUTF8(v[:40], "") + "...(" + strconv.Itoa(len(v)) + " bytes)"
		}
		parts = append(parts, c.Name+"="+v)
	}
	return strings.Join(parts, " | ")
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from golden file; run go test -update to accept:\n%s", name, firstDiff(string(want), got))
	}
}

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) && i < len(bl); i++ {
		if al[i] != bl[i] {
			return "want: " + al[i] + "\ngot:  " + bl[i]
		}
	}
	return "different lengths"
}
