package schemas

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// BigQueryField is one field of a BigQuery table schema in the JSON form that
// `bq mk --schema file.json` and the tables.insert REST API accept.
type BigQueryField struct {
	Name        string `json:"name"`
	Type        string `json:"type"` // standard SQL type name: INT64, FLOAT64, STRING, BOOL, TIMESTAMP, DATE
	Mode        string `json:"mode"` // NULLABLE, REQUIRED or REPEATED
	Description string `json:"description"`
}

// BigQuery modes.
const (
	ModeNullable = "NULLABLE"
	ModeRequired = "REQUIRED"
	ModeRepeated = "REPEATED"
)

// BigQueryType returns the BigQuery standard SQL type of a logical type and whether the column
// is REPEATED (list types). JSON columns are STRING holding JSON text (parse with JSON_* functions).
func BigQueryType(t Type) (typ string, repeated bool) {
	switch t {
	case Int64:
		return "INT64", false
	case Float64:
		return "FLOAT64", false
	case String, JSON:
		return "STRING", false
	case Bool:
		return "BOOL", false
	case Timestamp:
		return "TIMESTAMP", false
	case Date:
		return "DATE", false
	case ListString:
		return "STRING", true
	case ListInt64:
		return "INT64", true
	}
	panic(fmt.Sprintf("schemas: unknown type %v", t))
}

// BigQuery returns the table's BigQuery schema, one field per column in column order. List
// columns are REPEATED (BigQuery has no null arrays, matching transform's empty lists),
// non-nullable columns REQUIRED, the rest NULLABLE. Partitioning (PartitionBy, DAY) and
// clustering (ClusterBy) are table options, not part of this schema.
func (t *Table) BigQuery() []BigQueryField {
	out := make([]BigQueryField, len(t.Columns))
	for i, c := range t.Columns {
		typ, rep := BigQueryType(c.Type)
		mode := ModeNullable
		switch {
		case rep:
			mode = ModeRepeated
		case !c.Nullable:
			mode = ModeRequired
		}
		out[i] = BigQueryField{Name: c.Name, Type: typ, Mode: mode, Description: c.Description}
	}
	return out
}

// BigQueryJSON returns the table's BigQuery schema as indented JSON (a file for
// `bq mk --table --schema file.json --time_partitioning_field snapshot_date --clustering_fields ...`),
// ending in a newline.
func (t *Table) BigQueryJSON() []byte {
	return marshalIndent(t.BigQuery())
}

// marshalIndent encodes v as two-space indented JSON without HTML escaping, ending in a newline.
func marshalIndent(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		panic(fmt.Sprintf("schemas: encode JSON: %v", err)) // only plain structs are encoded
	}
	return b.Bytes()
}
