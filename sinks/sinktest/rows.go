package sinktest

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// CanonicalRows converts rec into canonical rows (see Row). It supports the Arrow types of
// schemas.ArrowType (int64, float64, utf8, bool, timestamp of any unit, date32, list<utf8>,
// list<int64>) and panics on any other type, which would be a schema bug.
func CanonicalRows(rec arrow.RecordBatch) []Row {
	n := int(rec.NumRows())
	rows := make([]Row, n)
	for i := range rows {
		rows[i] = make(Row, rec.NumCols())
	}
	for c, col := range rec.Columns() {
		name := rec.ColumnName(c)
		for i := 0; i < n; i++ {
			rows[i][name] = canonicalValue(col, i)
		}
	}
	return rows
}

func canonicalValue(col arrow.Array, i int) any {
	if col.IsNull(i) {
		switch col.DataType().ID() {
		case arrow.LIST:
			if col.(*array.List).ListValues().DataType().ID() == arrow.INT64 {
				return []int64{}
			}
			return []string{}
		}
		return nil
	}
	switch a := col.(type) {
	case *array.Int64:
		return a.Value(i)
	case *array.Float64:
		return a.Value(i)
	case *array.String:
		return a.Value(i)
	case *array.Boolean:
		return a.Value(i)
	case *array.Timestamp:
		unit := a.DataType().(*arrow.TimestampType).Unit
		return CanonicalTime(a.Value(i).ToTime(unit))
	case *array.Date32:
		return a.Value(i).ToTime().UTC().Format(time.DateOnly)
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
	panic(fmt.Sprintf("sinktest: unsupported Arrow type %s", col.DataType()))
}

// CanonicalTime returns t in UTC truncated to microseconds, the canonical TIMESTAMP value.
func CanonicalTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// SortRows sorts rows into a deterministic order (by every column, column names sorted), so
// that two row sets can be compared regardless of the order a store returns them in.
func SortRows(rows []Row) {
	keys := make([]string, len(rows))
	idx := make([]int, len(rows))
	for i, r := range rows {
		keys[i] = rowKey(r)
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return keys[idx[a]] < keys[idx[b]] })
	sorted := make([]Row, len(rows))
	for i, j := range idx {
		sorted[i] = rows[j]
	}
	copy(rows, sorted)
}

func rowKey(r Row) string {
	names := make([]string, 0, len(r))
	for k := range r {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, k := range names {
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(FormatValue(r[k]))
		b.WriteByte('\x1f')
	}
	return b.String()
}

// FormatValue renders a canonical value unambiguously (strings quoted, times in UTC with
// microseconds, NULL as NULL); used for row keys and messages.
func FormatValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case string:
		return strconv.Quote(x)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case time.Time:
		return x.UTC().Format("2006-01-02T15:04:05.000000Z07:00")
	case []string:
		q := make([]string, len(x))
		for i, s := range x {
			q[i] = strconv.Quote(s)
		}
		return "[" + strings.Join(q, ",") + "]"
	default:
		return fmt.Sprintf("%T(%v)", v, v)
	}
}

// ValueEqual compares two canonical values. NaN equals NaN (the suite expects NaN to round-trip
// as NaN); a nil list and an empty list are NOT equal to NULL scalars, but []string{} equals
// []string(nil).
func ValueEqual(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case float64:
		y, ok := b.(float64)
		if !ok {
			return false
		}
		if math.IsNaN(x) || math.IsNaN(y) {
			return math.IsNaN(x) && math.IsNaN(y)
		}
		return x == y
	case time.Time:
		y, ok := b.(time.Time)
		return ok && x.Equal(y)
	case []string:
		y, ok := b.([]string)
		return ok && slices.Equal(x, y)
	case []int64:
		y, ok := b.([]int64)
		return ok && slices.Equal(x, y)
	default:
		return a == b
	}
}

// DiffRows compares two row sets ignoring order and returns "" when they are equal (as
// multisets, with ValueEqual semantics), otherwise a readable description of the differences:
// rows only in want are paired (in sorted order) with rows only in got and their differing
// columns listed; unpaired rows are shown whole. At most 10 entries are reported.
func DiffRows(want, got []Row) string {
	counts := map[string]int{}
	for _, r := range want {
		counts[rowKey(r)]++
	}
	var extra []Row
	for _, r := range got {
		k := rowKey(r)
		if counts[k] > 0 {
			counts[k]--
			continue
		}
		extra = append(extra, r)
	}
	var missing []Row
	for _, r := range want {
		k := rowKey(r)
		if counts[k] > 0 {
			counts[k]--
			missing = append(missing, r)
		}
	}
	if len(missing) == 0 && len(extra) == 0 {
		return ""
	}
	SortRows(missing)
	SortRows(extra)
	var out []string
	if len(want) != len(got) {
		out = append(out, fmt.Sprintf("row count: want %d, got %d", len(want), len(got)))
	}
	i := 0
	for ; i < len(missing) && i < len(extra) && len(out) < 10; i++ {
		out = append(out, fmt.Sprintf("row differs: %s", diffRow(missing[i], extra[i])))
	}
	for j := i; j < len(missing) && len(out) < 10; j++ {
		out = append(out, "missing row: "+short(rowKey(missing[j])))
	}
	for j := i; j < len(extra) && len(out) < 10; j++ {
		out = append(out, "unexpected row: "+short(rowKey(extra[j])))
	}
	return strings.Join(out, "\n")
}

func diffRow(w, g Row) string {
	names := map[string]bool{}
	for k := range w {
		names[k] = true
	}
	for k := range g {
		names[k] = true
	}
	sorted := make([]string, 0, len(names))
	for k := range names {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	var out []string
	for _, k := range sorted {
		wv, wok := w[k]
		gv, gok := g[k]
		switch {
		case !wok:
			out = append(out, fmt.Sprintf("%s: unexpected column (got %s)", k, short(FormatValue(gv))))
		case !gok:
			out = append(out, fmt.Sprintf("%s: missing column (want %s)", k, short(FormatValue(wv))))
		case !ValueEqual(wv, gv):
			out = append(out, fmt.Sprintf("%s: want %s, got %s", k, short(FormatValue(wv)), short(FormatValue(gv))))
		}
	}
	return strings.Join(out, "; ")
}

func short(s string) string {
	if len(s) > 200 {
		return fmt.Sprintf("%s...(%d bytes)", strings.ToValidUTF8(s[:160], ""), len(s))
	}
	return s
}
