package bigquery_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	bq "cloud.google.com/go/bigquery"

	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/sinks/bigquery"
)

// TestTableSchemaMatchesGenerated compares TableSchema with the generated golden files
// schemas/bigquery/<table>.json (the schema users create tables from by hand), so the sink and
// `wbexport schema --format bigquery` cannot drift apart.
func TestTableSchemaMatchesGenerated(t *testing.T) {
	for _, tb := range schemas.All() {
		path := filepath.Join("..", "..", schemas.BigQueryDir, tb.Name+".json")
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		golden, err := bq.SchemaFromJSON(b)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		got := bigquery.TableSchema(tb)
		if len(got) != len(golden) {
			t.Fatalf("%s: %d fields, golden has %d", tb.Name, len(got), len(golden))
		}
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
		for i, g := range got {
			w := golden[i]
			if g.Name != w.Name || norm(g.Type) != norm(w.Type) || g.Required != w.Required || g.Repeated != w.Repeated || g.Description != w.Description {
				t.Errorf("%s field %d: got %+v, golden %+v", tb.Name, i, *g, *w)
			}
		}
	}
}
