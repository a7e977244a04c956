package bigquery_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	bq "cloud.google.com/go/bigquery"
	"github.com/google/go-cmp/cmp"

	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/sinks/bigquery"
)

// TestTableSchemaMatchesGenerated compares TableSchema with the generated golden files
// schemas/bigquery/<table>.json (the schema users create tables from by hand), so the sink and
// `wbexport schema --format bigquery` cannot drift apart.
func TestTableSchemaMatchesGenerated(t *testing.T) {
	for _, tb := range schemas.All() {
		path := filepath.Join("..", "..", schemas.BigQueryDir, string(tb.Name)+".json")
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		golden, err := bq.SchemaFromJSON(b)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if diff := cmp.Diff(fieldsOf(golden), fieldsOf(bigquery.TableSchema(tb))); diff != "" {
			t.Errorf("%s: TableSchema differs from %s (-golden +got):\n%s", tb.Name, path, diff)
		}
	}
}

// field is what TestTableSchemaMatchesGenerated compares of a bq.FieldSchema, with the type
// spelled one way (the golden files use the standard SQL names such as INT64, the client's
// constants the legacy ones such as INTEGER).
type field struct {
	Name, Type, Description string
	Required, Repeated      bool
}

func fieldsOf(s bq.Schema) []field {
	norm := func(t bq.FieldType) string {
		switch s := strings.ToUpper(string(t)); s {
		case "INT64":
			return "INTEGER"
		case "FLOAT64":
			return "FLOAT"
		case "BOOL":
			return "BOOLEAN"
		default:
			return s
		}
	}
	var out []field
	for _, f := range s {
		out = append(out, field{Name: f.Name, Type: norm(f.Type), Description: f.Description, Required: f.Required, Repeated: f.Repeated})
	}
	return out
}
