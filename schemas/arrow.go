package schemas

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// Metadata keys stored on Arrow schemas (and so in Parquet files written from them).
const (
	MetaTable       = "wbexport.table"
	MetaFingerprint = "wbexport.schema_fingerprint"
)

// ArrowType returns the Arrow data type of a logical type.
func ArrowType(t Type) arrow.DataType {
	switch t {
	case Int64:
		return arrow.PrimitiveTypes.Int64
	case Float64:
		return arrow.PrimitiveTypes.Float64
	case String, JSON:
		return arrow.BinaryTypes.String
	case Bool:
		return arrow.FixedWidthTypes.Boolean
	case Timestamp:
		return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	case Date:
		return arrow.FixedWidthTypes.Date32
	case ListString:
		return arrow.ListOfNonNullable(arrow.BinaryTypes.String)
	case ListInt64:
		return arrow.ListOfNonNullable(arrow.PrimitiveTypes.Int64)
	}
	panic(fmt.Sprintf("schemas: unknown type %v", t))
}

// Arrow returns the table's Arrow schema. Field order equals Columns order; the schema carries
// the table name and the schema fingerprint as metadata. The result is cached and shared: do
// not modify it.
func (t *Table) Arrow() *arrow.Schema {
	if s, ok := arrowCache[t.Name]; ok && t == byID[t.Name] {
		return s
	}
	return t.buildArrow()
}

var arrowCache = map[TableID]*arrow.Schema{}

func init() {
	for _, t := range all {
		arrowCache[t.Name] = t.buildArrow()
	}
}

func (t *Table) buildArrow() *arrow.Schema {
	fields := make([]arrow.Field, len(t.Columns))
	for i, c := range t.Columns {
		fields[i] = arrow.Field{Name: c.Name, Type: ArrowType(c.Type), Nullable: c.Nullable}
	}
	md := arrow.NewMetadata([]string{MetaTable, MetaFingerprint}, []string{string(t.Name), t.Fingerprint()})
	return arrow.NewSchema(fields, &md)
}

// Fingerprint is a short stable hash of the table's column names, types and nullability. It
// changes whenever a column is added, removed, renamed, retyped or its nullability changes
// (descriptions do not count).
func (t *Table) Fingerprint() string {
	var b strings.Builder
	b.WriteString(string(t.Name))
	for _, c := range t.Columns {
		fmt.Fprintf(&b, "|%s:%s:%t", c.Name, c.Type, c.Nullable)
	}
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:8])
}
