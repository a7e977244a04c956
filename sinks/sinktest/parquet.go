package sinktest

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

// ReadParquet reads every row of a Parquet file with parquet-go (an implementation independent
// of the arrow-go writer the sinks use) and returns them in canonical form. It understands the
// physical/logical types wbexport writes: INT64, DOUBLE, BOOLEAN, BYTE_ARRAY (UTF8),
// INT64 TIMESTAMP (millis, micros or nanos), INT32 DATE and three-level LIST groups of those;
// anything else is an error naming the column.
func ReadParquet(r io.ReaderAt, size int64) ([]Row, error) {
	f, err := parquet.OpenFile(r, size)
	if err != nil {
		return nil, fmt.Errorf("parquet-go: open: %w", err)
	}
	schema := f.Schema()
	paths := schema.Columns()
	type leafInfo struct {
		name   string
		list   bool
		maxDef int
		conv   func(parquet.Value) (any, error)
		elem   string // "string" or "int64" for lists
	}
	leaves := make([]leafInfo, len(paths))
	for i, p := range paths {
		leaf, ok := schema.Lookup(p...)
		if !ok {
			return nil, fmt.Errorf("parquet-go: column %v not found", p)
		}
		li := leafInfo{name: p[0], list: len(p) > 1, maxDef: leaf.MaxDefinitionLevel}
		if len(p) > 3 {
			return nil, fmt.Errorf("parquet-go: column %v: nesting deeper than a list is not supported", p)
		}
		li.conv, li.elem, err = converter(leaf.Node)
		if err != nil {
			return nil, fmt.Errorf("parquet-go: column %v: %w", p, err)
		}
		if li.list && leaf.MaxRepetitionLevel != 1 {
			return nil, fmt.Errorf("parquet-go: column %v: not a list (max repetition %d)", p, leaf.MaxRepetitionLevel)
		}
		leaves[i] = li
	}
	out := make([]Row, 0, f.NumRows())
	buf := make([]parquet.Row, 128)
	for gi, rg := range f.RowGroups() {
		rows := rg.Rows()
		for {
			n, rerr := rows.ReadRows(buf)
			for _, pr := range buf[:n] {
				row := make(Row, len(leaves))
				var cerr error
				pr.Range(func(ci int, vals []parquet.Value) bool {
					if ci >= len(leaves) {
						cerr = fmt.Errorf("column index %d out of range", ci)
						return false
					}
					li := leaves[ci]
					if !li.list {
						if len(vals) != 1 {
							cerr = fmt.Errorf("column %s: %d values for a scalar", li.name, len(vals))
							return false
						}
						if vals[0].IsNull() {
							row[li.name] = nil
							return true
						}
						v, err := li.conv(vals[0])
						if err != nil {
							cerr = fmt.Errorf("column %s: %w", li.name, err)
							return false
						}
						row[li.name] = v
						return true
					}
					// A list: elements are the values defined down to the leaf; a lone value
					// with a lower definition level is an empty (or null) list.
					var strs []string
					var ints []int64
					if li.elem == "string" {
						strs = []string{}
					} else {
						ints = []int64{}
					}
					for _, v := range vals {
						if v.DefinitionLevel() < li.maxDef || v.IsNull() {
							continue
						}
						x, err := li.conv(v)
						if err != nil {
							cerr = fmt.Errorf("column %s: %w", li.name, err)
							return false
						}
						switch e := x.(type) {
						case string:
							strs = append(strs, e)
						case int64:
							ints = append(ints, e)
						}
					}
					if li.elem == "string" {
						row[li.name] = strs
					} else {
						row[li.name] = ints
					}
					return true
				})
				if cerr != nil {
					rows.Close()
					return nil, fmt.Errorf("parquet-go: row group %d row %d: %w", gi, len(out), cerr)
				}
				out = append(out, row)
			}
			if rerr != nil {
				if errors.Is(rerr, io.EOF) {
					break
				}
				rows.Close()
				return nil, fmt.Errorf("parquet-go: row group %d: %w", gi, rerr)
			}
			if n == 0 {
				break
			}
		}
		if err := rows.Close(); err != nil {
			return nil, fmt.Errorf("parquet-go: row group %d: close: %w", gi, err)
		}
	}
	if int64(len(out)) != f.NumRows() {
		return nil, fmt.Errorf("parquet-go: read %d rows, footer says %d", len(out), f.NumRows())
	}
	return out, nil
}

// converter returns how to convert a leaf's non-null values to canonical values, and for
// string/int64 leaves the element kind used when the leaf is a list element.
func converter(n parquet.Node) (func(parquet.Value) (any, error), string, error) {
	t := n.Type()
	var lt *format.LogicalType
	if t != nil {
		lt = t.LogicalType()
	}
	switch t.Kind() {
	case parquet.Boolean:
		return func(v parquet.Value) (any, error) { return v.Boolean(), nil }, "", nil
	case parquet.Double:
		return func(v parquet.Value) (any, error) { return v.Double(), nil }, "", nil
	case parquet.ByteArray:
		if lt != nil && lt.Value != nil {
			if _, ok := lt.Value.(*format.StringType); !ok {
				return nil, "", fmt.Errorf("unsupported BYTE_ARRAY logical type %s", lt)
			}
		}
		return func(v parquet.Value) (any, error) { return string(v.ByteArray()), nil }, "string", nil
	case parquet.Int32:
		if lt != nil {
			if _, ok := lt.Value.(*format.DateType); ok {
				return func(v parquet.Value) (any, error) {
					return time.Unix(int64(v.Int32())*86400, 0).UTC().Format(time.DateOnly), nil
				}, "", nil
			}
		}
		return nil, "", fmt.Errorf("unsupported INT32 column (logical type %v)", lt)
	case parquet.Int64:
		if lt != nil {
			if ts, ok := lt.Value.(*format.TimestampType); ok {
				if !ts.IsAdjustedToUTC {
					return nil, "", fmt.Errorf("timestamp is not adjusted to UTC")
				}
				switch ts.Unit.Value.(type) {
				case *format.MilliSeconds:
					return func(v parquet.Value) (any, error) { return CanonicalTime(time.UnixMilli(v.Int64())), nil }, "", nil
				case *format.MicroSeconds:
					return func(v parquet.Value) (any, error) { return CanonicalTime(time.UnixMicro(v.Int64())), nil }, "", nil
				case *format.NanoSeconds:
					return func(v parquet.Value) (any, error) { return CanonicalTime(time.Unix(0, v.Int64())), nil }, "", nil
				}
				return nil, "", fmt.Errorf("unsupported timestamp unit %s", &ts.Unit)
			}
			if _, ok := lt.Value.(*format.IntType); !ok && lt.Value != nil {
				return nil, "", fmt.Errorf("unsupported INT64 logical type %s", lt)
			}
		}
		return func(v parquet.Value) (any, error) { return v.Int64(), nil }, "int64", nil
	}
	return nil, "", fmt.Errorf("unsupported physical type %v", t.Kind())
}
