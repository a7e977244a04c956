package transform

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/workboard"
)

// lineageValues are the per-run lineage values shared by every table.
type lineageValues struct {
	runID string
	date  arrow.Date32
}

// tableBuilder accumulates the rows of one table. Appenders write a row column by column in
// schema order through the typed methods below, each naming the column it fills; every method
// checks that the name and Arrow type match the next schema column, and end checks that the
// row filled every column. A mismatch is a programming error reported as an error (never a
// silent shift of values into the wrong column).
type tableBuilder struct {
	table  *schemas.Table
	rb     *array.RecordBuilder
	fields []array.Builder
	names  []string
	lin    *lineageValues

	col      int    // next column of the current row
	rowKey   int64  // id of the current row, for error messages
	endpoint string // endpoint of the current row, for error messages
	err      error  // first error of the current row

	rows    int   // rows pending in the builder
	bytes   int   // estimated bytes pending in the builder
	total   int64 // rows appended in total
	batches int   // batches emitted
}

func newTableBuilder(alloc memory.Allocator, t *schemas.Table, lin *lineageValues) *tableBuilder {
	rb := array.NewRecordBuilder(alloc, t.Arrow())
	names := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		names[i] = c.Name
	}
	return &tableBuilder{table: t, rb: rb, fields: rb.Fields(), names: names, lin: lin}
}

// begin starts a row; key and endpoint only serve error messages.
func (w *tableBuilder) begin(key int64, endpoint string) {
	w.col, w.rowKey, w.endpoint, w.err = 0, key, endpoint, nil
}

// end finishes the row started by begin.
func (w *tableBuilder) end() error {
	if w.err == nil && w.col != len(w.fields) {
		w.err = fmt.Errorf("transform: table %s: appender filled %d of %d columns (first missing: %s)",
			w.table.Name, w.col, len(w.fields), w.names[min(w.col, len(w.names)-1)])
	}
	if w.err != nil {
		return w.err
	}
	w.rows++
	w.total++
	return nil
}

func (w *tableBuilder) where() string {
	if w.table.Ledger {
		return fmt.Sprintf("table %s, run %s", w.table.Name, w.lin.runID)
	}
	s := fmt.Sprintf("table %s, row with %s=%d", w.table.Name, w.names[0], w.rowKey)
	if w.endpoint != "" {
		s += " from " + w.endpoint
	}
	return s
}

// inputErr records an error about the data of the current row.
func (w *tableBuilder) inputErr(col, format string, args ...any) {
	if w.err == nil {
		w.err = fmt.Errorf("transform: %s: column %s: %s", w.where(), col, fmt.Sprintf(format, args...))
	}
}

// next returns the builder of the next column after checking its name.
func (w *tableBuilder) next(name string) array.Builder {
	i := w.col
	w.col++
	if i >= len(w.fields) {
		if w.err == nil {
			w.err = fmt.Errorf("transform: table %s: appender writes column %s beyond the schema's %d columns", w.table.Name, name, len(w.fields))
		}
		return nil
	}
	if w.names[i] != name {
		if w.err == nil {
			w.err = fmt.Errorf("transform: table %s: appender writes %s where the schema has column %d %s", w.table.Name, name, i, w.names[i])
		}
		return nil
	}
	return w.fields[i]
}

func (w *tableBuilder) typeErr(name, want string) {
	if w.err == nil {
		w.err = fmt.Errorf("transform: table %s: appender writes column %s as %s but the schema has %s", w.table.Name, name, want, w.table.Columns[w.col-1].Type)
	}
}

// checkUTF8 records an input error when v is not valid UTF-8: Arrow, Parquet and BigQuery
// strings must be UTF-8, and transform never alters text to make it so.
func (w *tableBuilder) checkUTF8(name, v string) {
	if !utf8.ValidString(v) {
		w.inputErr(name, "not valid UTF-8: %.40q", v)
	}
}

func (w *tableBuilder) int64(name string, v int64) {
	if b, ok := w.next(name).(*array.Int64Builder); ok {
		b.Append(v)
		w.bytes += 8
	} else {
		w.typeErr(name, "int64")
	}
}

func (w *tableBuilder) optInt64(name string, v workboard.Opt[int64]) {
	if b, ok := w.next(name).(*array.Int64Builder); ok {
		if v.Valid {
			b.Append(v.V)
		} else {
			b.AppendNull()
		}
		w.bytes += 8
	} else {
		w.typeErr(name, "int64")
	}
}

func (w *tableBuilder) optFloat64(name string, v workboard.Opt[float64]) {
	if b, ok := w.next(name).(*array.Float64Builder); ok {
		if v.Valid {
			b.Append(v.V)
		} else {
			b.AppendNull()
		}
		w.bytes += 8
	} else {
		w.typeErr(name, "float64")
	}
}

func (w *tableBuilder) optBool(name string, v workboard.Opt[bool]) {
	if b, ok := w.next(name).(*array.BooleanBuilder); ok {
		if v.Valid {
			b.Append(v.V)
		} else {
			b.AppendNull()
		}
		w.bytes++
	} else {
		w.typeErr(name, "bool")
	}
}

func (w *tableBuilder) string(name, v string) {
	if b, ok := w.next(name).(*array.StringBuilder); ok {
		w.checkUTF8(name, v)
		b.Append(v)
		w.bytes += 4 + len(v)
	} else {
		w.typeErr(name, "string")
	}
}

func (w *tableBuilder) optString(name string, v workboard.Opt[string]) {
	if b, ok := w.next(name).(*array.StringBuilder); ok {
		if v.Valid {
			w.checkUTF8(name, v.V)
			b.Append(v.V)
			w.bytes += len(v.V)
		} else {
			b.AppendNull()
		}
		w.bytes += 4
	} else {
		w.typeErr(name, "string")
	}
}

// idName fills two string columns (idCol, nameCol) from an {id, name} pair; an empty id or
// name is NULL, like every empty string from the API.
func (w *tableBuilder) idName(idCol, nameCol string, v workboard.Opt[workboard.IDName]) {
	w.optString(idCol, workboard.Opt[string]{V: v.V.ID, Valid: v.Valid && v.V.ID != ""})
	w.optString(nameCol, workboard.Opt[string]{V: v.V.Name, Valid: v.Valid && v.V.Name != ""})
}

// timestamp fills a required TIMESTAMP column; a zero time is an input error.
func (w *tableBuilder) timestamp(name string, v time.Time) {
	if b, ok := w.next(name).(*array.TimestampBuilder); ok {
		if v.IsZero() {
			w.inputErr(name, "required time is missing")
			b.AppendNull()
		} else {
			b.Append(arrow.Timestamp(v.UnixMicro()))
		}
		w.bytes += 8
	} else {
		w.typeErr(name, "timestamp")
	}
}

func (w *tableBuilder) optTime(name string, v workboard.Opt[time.Time]) {
	if b, ok := w.next(name).(*array.TimestampBuilder); ok {
		if v.Valid && !v.V.IsZero() {
			b.Append(arrow.Timestamp(v.V.UnixMicro()))
		} else {
			b.AppendNull()
		}
		w.bytes += 8
	} else {
		w.typeErr(name, "timestamp")
	}
}

func (w *tableBuilder) stringList(name string, v []string) {
	lb, ok := w.next(name).(*array.ListBuilder)
	if !ok {
		w.typeErr(name, "list<string>")
		return
	}
	vb, ok := lb.ValueBuilder().(*array.StringBuilder)
	if !ok {
		w.typeErr(name, "list<string>")
		return
	}
	lb.Append(true)
	for _, s := range v {
		w.checkUTF8(name, s)
		vb.Append(s)
		w.bytes += 4 + len(s)
	}
	w.bytes += 4
}

// int64ListBuilder opens a list<int64> cell and returns its value builder, or nil on a schema
// mismatch.
func (w *tableBuilder) int64ListBuilder(name string) *array.Int64Builder {
	lb, ok := w.next(name).(*array.ListBuilder)
	if !ok {
		w.typeErr(name, "list<int64>")
		return nil
	}
	vb, ok := lb.ValueBuilder().(*array.Int64Builder)
	if !ok {
		w.typeErr(name, "list<int64>")
		return nil
	}
	lb.Append(true)
	w.bytes += 4
	return vb
}

func (w *tableBuilder) int64List(name string, v []int64) {
	if vb := w.int64ListBuilder(name); vb != nil {
		vb.AppendValues(v, nil)
		w.bytes += 8 * len(v)
	}
}

// idList fills a list<int64> column with the ids of {id, name} pairs, which the API sends as
// numeric strings.
func (w *tableBuilder) idList(name, source string, v []workboard.IDName) {
	vb := w.int64ListBuilder(name)
	if vb == nil {
		return
	}
	for i, p := range v {
		id, err := strconv.ParseInt(p.ID, 10, 64)
		if err != nil {
			w.inputErr(name, "%s[%d].id %q is not an integer id", source, i, p.ID)
			continue
		}
		vb.Append(id)
	}
	w.bytes += 8 * len(v)
}

// nameList fills a list<string> column with the names of {id, name} pairs.
func (w *tableBuilder) nameList(name string, v []workboard.IDName) {
	lb, ok := w.next(name).(*array.ListBuilder)
	if !ok {
		w.typeErr(name, "list<string>")
		return
	}
	vb, ok := lb.ValueBuilder().(*array.StringBuilder)
	if !ok {
		w.typeErr(name, "list<string>")
		return
	}
	lb.Append(true)
	for _, p := range v {
		w.checkUTF8(name, p.Name)
		vb.Append(p.Name)
		w.bytes += 4 + len(p.Name)
	}
	w.bytes += 4
}

// managerIDs fills a list<int64> column with the user ids of the managers with the given role,
// or of all managers when role is "".
func (w *tableBuilder) managerIDs(name, role string, v []workboard.Manager) {
	vb := w.int64ListBuilder(name)
	if vb == nil {
		return
	}
	for _, m := range v {
		if role == "" || m.Role == role {
			vb.Append(m.UserID)
			w.bytes += 8
		}
	}
}

// jsonText fills a JSON column with raw verbatim; empty, null, [] and {} become NULL. Text that
// is not valid JSON is an input error.
func (w *tableBuilder) jsonText(name string, raw []byte) {
	b, ok := w.next(name).(*array.StringBuilder)
	if !ok {
		w.typeErr(name, "json")
		return
	}
	w.bytes += 4
	if isEmptyJSON(raw) {
		b.AppendNull()
		return
	}
	if !json.Valid(raw) {
		w.inputErr(name, "not valid JSON: %.40q", raw)
		b.AppendNull()
		return
	}
	if !utf8.Valid(raw) { // json.Valid does not check the encoding of strings
		w.inputErr(name, "JSON text is not valid UTF-8: %.40q", raw)
		b.AppendNull()
		return
	}
	b.BinaryBuilder.Append(raw)
	w.bytes += len(raw)
}

// isEmptyJSON reports whether raw is absent, null, an empty array or an empty object.
func isEmptyJSON(raw []byte) bool {
	t := bytes.TrimSpace(raw)
	switch len(t) {
	case 0:
		return true
	case 2:
		return string(t) == "[]" || string(t) == "{}"
	case 4:
		return string(t) == "null"
	}
	if len(t) < 2 || t[0] != '[' && t[0] != '{' {
		return false
	}
	// [ ] or { } with inner white space.
	inner := bytes.TrimSpace(t[1 : len(t)-1])
	return len(inner) == 0 && (t[0] == '[' && t[len(t)-1] == ']' || t[0] == '{' && t[len(t)-1] == '}')
}

func (w *tableBuilder) date(name string, v arrow.Date32) {
	if b, ok := w.next(name).(*array.Date32Builder); ok {
		b.Append(v)
		w.bytes += 4
	} else {
		w.typeErr(name, "date")
	}
}

func optString(s string) workboard.Opt[string] { return workboard.Opt[string]{V: s, Valid: s != ""} }

// lineage fills the four lineage columns every data table ends with.
func (w *tableBuilder) lineage(m *workboard.Meta, extra workboard.Extra) {
	w.date(schemas.ColSnapshotDate, w.lin.date)
	w.string(schemas.ColRunID, w.lin.runID)
	if m.ExtractedAt.IsZero() {
		w.inputErr(schemas.ColExtractedAt, "record carries no extraction time (Meta.ExtractedAt)")
	}
	w.timestamp(schemas.ColExtractedAt, m.ExtractedAt)
	w.jsonText(schemas.ColExtra, extra)
}
