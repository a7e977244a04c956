package bigquery

import (
	"fmt"
	"strings"

	bq "cloud.google.com/go/bigquery"
	"github.com/wbexport/wbexport/schemas"
)

// FieldType returns the BigQuery type of a logical column type (the element type for lists).
// JSON columns are STRING holding JSON text.
func FieldType(t schemas.Type) bq.FieldType {
	switch t {
	case schemas.Int64, schemas.ListInt64:
		return bq.IntegerFieldType
	case schemas.Float64:
		return bq.FloatFieldType
	case schemas.String, schemas.JSON, schemas.ListString:
		return bq.StringFieldType
	case schemas.Bool:
		return bq.BooleanFieldType
	case schemas.Timestamp:
		return bq.TimestampFieldType
	case schemas.Date:
		return bq.DateFieldType
	}
	panic(fmt.Sprintf("bigquery: unknown column type %v", t))
}

// TableSchema converts a table definition into a BigQuery schema: one field per column in
// column order, with its description; list columns are REPEATED, non-null columns REQUIRED,
// the rest NULLABLE.
func TableSchema(t *schemas.Table) bq.Schema {
	out := make(bq.Schema, len(t.Columns))
	for i, c := range t.Columns {
		out[i] = &bq.FieldSchema{
			Name:        c.Name,
			Description: c.Description,
			Type:        FieldType(c.Type),
			Repeated:    c.Type.IsList(),
			Required:    !c.Nullable && !c.Type.IsList(),
		}
	}
	return out
}

// schemaPlan is the outcome of comparing an existing table's schema with the wanted one.
type schemaPlan struct {
	added   []string // columns missing from the table, added as NULLABLE (or REPEATED)
	relaxed []string // REQUIRED in the table, NULLABLE wanted
	descs   bool     // some description differs
	// problems are incompatible differences; any stops the run.
	problems []string
	// update is the schema to set on the table (nil when nothing changes); load is the
	// schema load jobs declare (the table's modes win where the table is NULLABLE and the
	// definition REQUIRED, since a column can only be added as NULLABLE).
	update, load bq.Schema
}

func modeOf(f *bq.FieldSchema) string {
	switch {
	case f.Repeated:
		return "REPEATED"
	case f.Required:
		return "REQUIRED"
	}
	return "NULLABLE"
}

// normType maps legacy and standard SQL type names to one spelling.
func normType(t bq.FieldType) string {
	switch strings.ToUpper(string(t)) {
	case "INT64", "INTEGER":
		return "INTEGER"
	case "FLOAT64", "FLOAT":
		return "FLOAT"
	case "BOOL", "BOOLEAN":
		return "BOOLEAN"
	}
	return strings.ToUpper(string(t))
}

// planSchema compares the existing schema have with want (from schemas/). Additive changes
// (new columns, REQUIRED → NULLABLE) are planned; type changes, removed columns and other mode
// changes are problems.
func planSchema(have, want bq.Schema) schemaPlan {
	var p schemaPlan
	hf := map[string]*bq.FieldSchema{}
	for _, f := range have {
		hf[f.Name] = f
	}
	wf := map[string]bool{}
	update := make(bq.Schema, 0, len(have)+len(want))
	p.load = make(bq.Schema, 0, len(want))
	// Keep the table's column order; new columns go at the end.
	for _, h := range have {
		var w *bq.FieldSchema
		for _, x := range want {
			if x.Name == h.Name {
				w = x
			}
		}
		if w == nil {
			p.problems = append(p.problems, fmt.Sprintf("column %s (%s %s) exists in the table but not in wbexport's schema (removed or renamed)", h.Name, modeOf(h), normType(h.Type)))
			continue
		}
		wf[w.Name] = true
		nf := *h
		if normType(h.Type) != normType(w.Type) {
			p.problems = append(p.problems, fmt.Sprintf("column %s: type %s in the table, %s wanted", h.Name, normType(h.Type), normType(w.Type)))
		}
		hm, wm := modeOf(h), modeOf(w)
		switch {
		case hm == wm:
		case hm == "REQUIRED" && wm == "NULLABLE":
			p.relaxed = append(p.relaxed, h.Name)
			nf.Required = false
		case hm == "NULLABLE" && wm == "REQUIRED":
			// Tolerated: the table is laxer than the definition (a REQUIRED column can only
			// be added as NULLABLE); loads declare it NULLABLE.
		default:
			p.problems = append(p.problems, fmt.Sprintf("column %s: mode %s in the table, %s wanted", h.Name, hm, wm))
		}
		if h.Description != w.Description {
			p.descs = true
			nf.Description = w.Description
		}
		update = append(update, &nf)
	}
	for _, w := range want {
		if wf[w.Name] {
			continue
		}
		nf := *w
		if nf.Required {
			nf.Required = false
		}
		p.added = append(p.added, w.Name)
		update = append(update, &nf)
	}
	// The load schema: the wanted columns in the wanted order, with the mode the table will
	// have after the update.
	um := map[string]*bq.FieldSchema{}
	for _, f := range update {
		um[f.Name] = f
	}
	for _, w := range want {
		f := *w
		if u := um[w.Name]; u != nil && !u.Required && !u.Repeated {
			f.Required = false
		}
		p.load = append(p.load, &f)
	}
	if len(p.problems) == 0 && (len(p.added) > 0 || len(p.relaxed) > 0 || p.descs) {
		p.update = update
	}
	return p
}

// SchemaError reports incompatible differences between existing tables and wbexport's
// schemas; the run stops before any load.
type SchemaError struct {
	Dataset string
	Tables  map[schemas.TableID][]string // table → readable differences
	order   []schemas.TableID
}

func (e *SchemaError) add(table schemas.TableID, problems []string) {
	if e.Tables == nil {
		e.Tables = map[schemas.TableID][]string{}
	}
	e.Tables[table] = problems
	e.order = append(e.order, table)
}

func (e *SchemaError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "bigquery: dataset %s: existing tables are incompatible with wbexport's schema; nothing was loaded (only added columns and REQUIRED→NULLABLE are applied automatically; migrate or drop these tables):", e.Dataset)
	for _, t := range e.order {
		for _, p := range e.Tables[t] {
			fmt.Fprintf(&b, "\n  %s: %s", t, p)
		}
	}
	return b.String()
}
