package bqtest

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	bqapi "google.golang.org/api/bigquery/v2"
)

func jobErr(reason, format string, args ...any) *bqapi.ErrorProto {
	return &bqapi.ErrorProto{Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// runLoadLocked applies a load job. Nothing changes unless the whole job succeeds.
func (s *Server) runLoadLocked(jb *job, data []byte) *bqapi.ErrorProto {
	l := jb.meta.Configuration.Load
	dst := l.DestinationTable
	base, decorator, hasDec := cutDecorator(dst.TableId)
	d := s.datasets[dst.ProjectId+"."+dst.DatasetId]
	if d == nil {
		return jobErr("notFound", "Not found: Dataset %s:%s", dst.ProjectId, dst.DatasetId)
	}
	if l.SourceFormat != "PARQUET" {
		return jobErr("invalid", "bqtest supports only PARQUET loads, got sourceFormat %q", l.SourceFormat)
	}
	t := d.tables[base]
	var schema *bqapi.TableSchema
	var tp *bqapi.TimePartitioning
	if t == nil {
		if l.CreateDisposition == "CREATE_NEVER" {
			return jobErr("notFound", "Not found: Table %s:%s.%s", dst.ProjectId, dst.DatasetId, base)
		}
		if l.Schema == nil {
			return jobErr("invalid", "No schema specified on job or table %s.", base)
		}
		schema, tp = l.Schema, l.TimePartitioning
		if e := validateTable(&bqapi.Table{Schema: schema, TimePartitioning: tp, Clustering: l.Clustering}); e != nil {
			return jobErr(e.reason, "%s", e.message)
		}
	} else {
		schema, tp = t.meta.Schema, t.meta.TimePartitioning
		if l.Schema != nil {
			allowAdd := slices.Contains(l.SchemaUpdateOptions, "ALLOW_FIELD_ADDITION")
			allowRelax := slices.Contains(l.SchemaUpdateOptions, "ALLOW_FIELD_RELAXATION")
			if e := checkSchemaChange(t.meta.Schema, l.Schema, allowAdd, allowRelax); e != nil {
				return jobErr(e.reason, "%s", e.message)
			}
			schema = l.Schema
		}
	}
	if hasDec && (tp == nil || tp.Field == "") {
		return jobErr("invalid", "Partition decorator %s is only valid for partitioned tables; %s is not partitioned", dst.TableId, base)
	}
	rows, e := decodeParquet(data, schema, l.ParquetOptions)
	if e != nil {
		return e
	}
	// Group rows by partition.
	byPart := map[string][]row{}
	for i, r := range rows {
		p := ""
		if tp != nil && tp.Field != "" {
			p = partitionOf(r[tp.Field])
		}
		if hasDec && p != decorator {
			return jobErr("invalid", "Some rows belong to different partitions rather than destination partition %s (row %d has %s=%v)", decorator, i, tp.Field, r[tp.Field])
		}
		byPart[p] = append(byPart[p], r)
	}
	// Write disposition.
	wd := l.WriteDisposition
	if wd == "" {
		wd = "WRITE_APPEND"
	}
	if t != nil && wd == "WRITE_EMPTY" {
		nonEmpty := t.numRows() > 0
		if hasDec {
			nonEmpty = len(t.parts[decorator]) > 0
		}
		if nonEmpty {
			return jobErr("duplicate", "Already Exists: Table %s:%s.%s", dst.ProjectId, dst.DatasetId, dst.TableId)
		}
	}
	// Commit.
	if t == nil {
		tbl := &bqapi.Table{TableReference: &bqapi.TableReference{TableId: base}, Schema: schema,
			TimePartitioning: tp, Clustering: l.Clustering}
		s.createTableLocked(d, dst.ProjectId, dst.DatasetId, tbl)
		t = d.tables[base]
	} else if schema != t.meta.Schema {
		t.meta.Schema = schema
		t.gen++
		t.meta.Etag = s.etag("t", t.gen)
	}
	switch {
	case wd == "WRITE_TRUNCATE" && !hasDec:
		t.parts = map[string][]row{}
	case wd == "WRITE_TRUNCATE":
		delete(t.parts, decorator)
	}
	for p, rs := range byPart {
		if len(rs) == 0 {
			continue
		}
		t.parts[p] = append(t.parts[p], rs...)
	}
	jb.stats = &bqapi.JobStatistics3{InputFiles: 1, InputFileBytes: int64(len(data)), OutputRows: int64(len(rows)),
		OutputBytes: int64(len(data)), ForceSendFields: []string{"OutputRows", "InputFiles"}}
	return nil
}

func cutDecorator(id string) (base, dec string, ok bool) {
	for i := 0; i < len(id); i++ {
		if id[i] == '$' {
			return id[:i], id[i+1:], true
		}
	}
	return id, "", false
}

// partitionOf returns the DAY partition id of a DATE or TIMESTAMP value.
func partitionOf(v any) string {
	switch x := v.(type) {
	case string: // DATE
		if len(x) == 10 {
			return x[0:4] + x[5:7] + x[8:10]
		}
	case time.Time:
		return x.UTC().Format("20060102")
	}
	return "__NULL__"
}

// decodeParquet reads a Parquet file into rows of schema, checking column types as BigQuery
// does.
func decodeParquet(data []byte, schema *bqapi.TableSchema, opts *bqapi.ParquetOptions) ([]row, *bqapi.ErrorProto) {
	ctx := context.Background()
	tbl, err := pqarrow.ReadTable(ctx, bytes.NewReader(data), parquet.NewReaderProperties(memory.DefaultAllocator),
		pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		return nil, jobErr("invalid", "Error while reading data, error message: Read Parquet file failed: %v", err)
	}
	defer tbl.Release()
	n := int(tbl.NumRows())
	rows := make([]row, n)
	for i := range rows {
		rows[i] = row{}
	}
	listInference := opts != nil && opts.EnableListInference
	for _, f := range schema.Fields {
		idx := tbl.Schema().FieldIndices(f.Name)
		if len(idx) == 0 {
			if mode(f.Mode) == "REQUIRED" {
				return nil, jobErr("invalid", "Error while reading data, error message: Required field %s is missing in the Parquet file", f.Name)
			}
			for i := range rows {
				if mode(f.Mode) == "REPEATED" {
					rows[i][f.Name] = []any{}
				} else {
					rows[i][f.Name] = nil
				}
			}
			continue
		}
		col := tbl.Column(idx[0])
		at := col.DataType()
		if mode(f.Mode) == "REPEATED" {
			lt, ok := at.(*arrow.ListType)
			if !ok {
				return nil, jobErr("invalid", "Error while reading data, error message: Parquet column '%s' has type %s which does not match the target REPEATED %s", f.Name, at, normType(f.Type))
			}
			if !listInference {
				return nil, jobErr("invalid", "Error while reading data, error message: Parquet column '%s' is a LIST; the target REPEATED %s needs parquetOptions.enableListInference", f.Name, normType(f.Type))
			}
			if !typeMatches(lt.Elem(), f.Type) {
				return nil, jobErr("invalid", "Error while reading data, error message: Parquet column '%s' has element type %s which does not match the target cpp_type %s", f.Name, lt.Elem(), normType(f.Type))
			}
		} else if !typeMatches(at, f.Type) {
			return nil, jobErr("invalid", "Error while reading data, error message: Parquet column '%s' has type %s which does not match the target cpp_type %s", f.Name, at, normType(f.Type))
		}
		ri := 0
		for _, chunk := range col.Data().Chunks() {
			for k := 0; k < chunk.Len(); k++ {
				var v any
				if mode(f.Mode) == "REPEATED" {
					la := chunk.(*array.List)
					list := []any{}
					if la.IsValid(k) {
						start, end := la.ValueOffsets(k)
						for e := start; e < end; e++ {
							ev := scalarAt(la.ListValues(), int(e))
							if ev == nil {
								return nil, jobErr("invalid", "Error while reading data, error message: NULL element in REPEATED field %s (row %d)", f.Name, ri)
							}
							list = append(list, ev)
						}
					}
					v = list
				} else {
					v = scalarAt(chunk, k)
					if v == nil && mode(f.Mode) == "REQUIRED" {
						return nil, jobErr("invalid", "Error while reading data, error message: Required field %s cannot be null (row %d)", f.Name, ri)
					}
				}
				rows[ri][f.Name] = v
				ri++
			}
		}
	}
	return rows, nil
}

func typeMatches(at arrow.DataType, bqType string) bool {
	switch normType(bqType) {
	case "INTEGER":
		return at.ID() == arrow.INT64 || at.ID() == arrow.INT32 || at.ID() == arrow.INT16 || at.ID() == arrow.INT8
	case "FLOAT":
		return at.ID() == arrow.FLOAT64 || at.ID() == arrow.FLOAT32
	case "STRING":
		return at.ID() == arrow.STRING || at.ID() == arrow.LARGE_STRING
	case "BOOLEAN":
		return at.ID() == arrow.BOOL
	case "TIMESTAMP":
		return at.ID() == arrow.TIMESTAMP
	case "DATE":
		return at.ID() == arrow.DATE32
	}
	return false
}

func scalarAt(a arrow.Array, i int) any {
	if a.IsNull(i) {
		return nil
	}
	switch x := a.(type) {
	case *array.Int64:
		return x.Value(i)
	case *array.Int32:
		return int64(x.Value(i))
	case *array.Int16:
		return int64(x.Value(i))
	case *array.Int8:
		return int64(x.Value(i))
	case *array.Float64:
		return x.Value(i)
	case *array.Float32:
		return float64(x.Value(i))
	case *array.String:
		return x.Value(i)
	case *array.LargeString:
		return x.Value(i)
	case *array.Boolean:
		return x.Value(i)
	case *array.Timestamp:
		unit := x.DataType().(*arrow.TimestampType).Unit
		return x.Value(i).ToTime(unit).UTC().Truncate(time.Microsecond)
	case *array.Date32:
		return x.Value(i).ToTime().Format("2006-01-02")
	}
	return fmt.Sprintf("unsupported arrow type %s", a.DataType())
}
