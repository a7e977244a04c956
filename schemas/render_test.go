package schemas_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/wbexport/wbexport/schemas"
)

func TestBigQueryType(t *testing.T) {
	tests := []struct {
		in   schemas.Type
		typ  string
		list bool
	}{
		{schemas.Int64, "INT64", false}, {schemas.Float64, "FLOAT64", false}, {schemas.String, "STRING", false},
		{schemas.Bool, "BOOL", false}, {schemas.Timestamp, "TIMESTAMP", false}, {schemas.Date, "DATE", false},
		{schemas.JSON, "STRING", false}, {schemas.ListString, "STRING", true}, {schemas.ListInt64, "INT64", true},
	}
	for _, tc := range tests {
		typ, list := schemas.BigQueryType(tc.in)
		if typ != tc.typ || list != tc.list {
			t.Errorf("BigQueryType(%v) = %s, %v; want %s, %v", tc.in, typ, list, tc.typ, tc.list)
		}
	}
}

// TestBigQueryMatchesArrow: the BigQuery schema and the Arrow schema of every table describe the
// same columns in the same order with matching types and modes.
func TestBigQueryMatchesArrow(t *testing.T) {
	arrowToBQ := map[arrow.Type]string{
		arrow.INT64: "INT64", arrow.FLOAT64: "FLOAT64", arrow.STRING: "STRING", arrow.BOOL: "BOOL",
		arrow.TIMESTAMP: "TIMESTAMP", arrow.DATE32: "DATE",
	}
	for _, tb := range schemas.All() {
		bq := tb.BigQuery()
		fields := tb.Arrow().Fields()
		if len(bq) != len(fields) {
			t.Fatalf("%s: %d BigQuery fields, %d Arrow fields", tb.Name, len(bq), len(fields))
		}
		for i, f := range fields {
			b := bq[i]
			if b.Name != f.Name || b.Description == "" {
				t.Errorf("%s field %d: BigQuery %q, Arrow %q (description %q)", tb.Name, i, b.Name, f.Name, b.Description)
			}
			dt := f.Type
			wantMode := "NULLABLE"
			if l, ok := dt.(*arrow.ListType); ok {
				dt, wantMode = l.Elem(), "REPEATED"
			} else if !f.Nullable {
				wantMode = "REQUIRED"
			}
			if b.Mode != wantMode || b.Type != arrowToBQ[dt.ID()] {
				t.Errorf("%s.%s: BigQuery %s %s, Arrow %s nullable=%v", tb.Name, f.Name, b.Mode, b.Type, f.Type, f.Nullable)
			}
		}
	}
}

func TestRender(t *testing.T) {
	goals, _ := schemas.Lookup(schemas.Goals)
	users, _ := schemas.Lookup(schemas.Users)
	t.Run("json", func(t *testing.T) {
		out, err := schemas.Render(schemas.FormatJSON, nil)
		if err != nil {
			t.Fatal(err)
		}
		var defs []struct {
			Name, Fingerprint string
			PrimaryKey        []string `json:"primary_key"`
			Columns           []struct {
				Name, Type, Source, Description string
				Nullable                        bool
			}
		}
		if err := json.Unmarshal(out, &defs); err != nil {
			t.Fatal(err)
		}
		if len(defs) != len(schemas.All()) {
			t.Fatalf("%d tables, want %d", len(defs), len(schemas.All()))
		}
		for i, tb := range schemas.All() {
			d := defs[i]
			if d.Name != string(tb.Name) || d.Fingerprint != tb.Fingerprint() || !reflect.DeepEqual(d.PrimaryKey, tb.PrimaryKey) || len(d.Columns) != len(tb.Columns) {
				t.Fatalf("table %d: %+v does not describe %s", i, d, tb.Name)
			}
			for j, c := range tb.Columns {
				dc := d.Columns[j]
				if dc.Name != c.Name || dc.Type != c.Type.String() || dc.Nullable != c.Nullable || dc.Source != c.Source || dc.Description != c.Description {
					t.Errorf("%s column %d: %+v, want %+v", tb.Name, j, dc, c)
				}
			}
		}
	})
	t.Run("bigquery one table", func(t *testing.T) {
		out, err := schemas.Render(schemas.FormatBigQuery, []*schemas.Table{goals})
		if err != nil {
			t.Fatal(err)
		}
		var fields []schemas.BigQueryField
		if err := json.Unmarshal(out, &fields); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(fields, goals.BigQuery()) {
			t.Fatal("single-table bigquery output is not the table's field array")
		}
	})
	t.Run("bigquery several tables", func(t *testing.T) {
		out, err := schemas.Render(schemas.FormatBigQuery, []*schemas.Table{users, goals})
		if err != nil {
			t.Fatal(err)
		}
		var tabs []struct {
			Table            string
			TimePartitioning struct{ Type, Field string } `json:"time_partitioning"`
			Clustering       struct{ Fields []string }
			Schema           []schemas.BigQueryField
		}
		if err := json.Unmarshal(out, &tabs); err != nil {
			t.Fatal(err)
		}
		if len(tabs) != 2 || tabs[1].Table != "goals" || tabs[1].TimePartitioning.Field != "snapshot_date" ||
			tabs[1].TimePartitioning.Type != "DAY" || !reflect.DeepEqual(tabs[1].Clustering.Fields, goals.ClusterBy) ||
			!reflect.DeepEqual(tabs[0].Schema, users.BigQuery()) {
			t.Fatalf("unexpected output %s", out)
		}
	})
	t.Run("markdown", func(t *testing.T) {
		out, err := schemas.Render(schemas.FormatMarkdown, []*schemas.Table{goals})
		if err != nil {
			t.Fatal(err)
		}
		md := string(out)
		if strings.Contains(md, "## users") || !strings.Contains(md, "## goals") {
			t.Fatal("markdown does not hold exactly the selected table")
		}
		for _, c := range goals.Columns {
			if !strings.Contains(md, "| `"+c.Name+"` |") {
				t.Errorf("markdown lacks column %s", c.Name)
			}
		}
		if !strings.Contains(md, "| `goal_category_ids` | `list<int64>` | REPEATED INT64 | no (empty list) | `goal_category[].id` |") {
			t.Error("markdown row of goal_category_ids is not as expected")
		}
	})
	t.Run("unknown format", func(t *testing.T) {
		if _, err := schemas.Render("yaml", nil); err == nil || !strings.Contains(err.Error(), `unknown format "yaml"`) || !strings.Contains(err.Error(), "dbt-sources") {
			t.Fatalf("error %v", err)
		}
	})
}

func TestSelect(t *testing.T) {
	all, err := schemas.Select()
	if err != nil || len(all) != len(schemas.All()) {
		t.Fatalf("Select() = %d tables, %v", len(all), err)
	}
	two, err := schemas.Select("goals", "users")
	if err != nil || two[0].Name != "goals" || two[1].Name != "users" {
		t.Fatalf("Select(goals, users) = %v, %v", two, err)
	}
	if _, err := schemas.Select("goals", "goalz"); err == nil || !strings.Contains(err.Error(), `"goalz"`) {
		t.Fatalf("error %v", err)
	}
}

// TestDbtSources checks the sources.yml structure line by line: every table and column with a
// description, freshness, not_null on key columns and the composite key test.
func TestDbtSources(t *testing.T) {
	y := string(schemas.DbtSources())
	for _, want := range []string{
		"\n  - name: workboard\n", "      loaded_at_field: _extracted_at\n",
		"        warn_after: {count: 36, period: hour}\n", "        error_after: {count: 72, period: hour}\n",
	} {
		if !strings.Contains(y, want) {
			t.Errorf("sources.yml lacks %q", want)
		}
	}
	if strings.Contains(y, "\t") {
		t.Error("sources.yml contains a tab (invalid YAML indentation)")
	}
	blocks := strings.Split(y, "\n      - name: ")[1:]
	if len(blocks) != len(schemas.All()) {
		t.Fatalf("%d table blocks, want %d", len(blocks), len(schemas.All()))
	}
	for i, tb := range schemas.All() {
		b := blocks[i]
		if !strings.HasPrefix(b, string(tb.Name)+"\n") {
			t.Fatalf("block %d is not table %s", i, tb.Name)
		}
		if !strings.Contains(b, "columns: ["+strings.Join(tb.PrimaryKey, ", ")+"]") {
			t.Errorf("%s: no wbexport_unique_combination over its primary key", tb.Name)
		}
		cols := strings.Split(b, "\n          - name: ")[1:]
		if len(cols) != len(tb.Columns) {
			t.Fatalf("%s: %d columns, want %d", tb.Name, len(cols), len(tb.Columns))
		}
		for j, c := range tb.Columns {
			desc, _ := json.Marshal(c.Description)
			if !strings.HasPrefix(cols[j], c.Name+"\n            description: ") ||
				!strings.Contains(cols[j], strings.ReplaceAll(string(desc), `\u0026`, "&")) {
				t.Errorf("%s.%s: block %q", tb.Name, c.Name, cols[j])
			}
			isKey := false
			for _, k := range tb.PrimaryKey {
				isKey = isKey || k == c.Name
			}
			if strings.Contains(cols[j], "data_tests: [not_null]") != isKey {
				t.Errorf("%s.%s: not_null test present=%v, key=%v", tb.Name, c.Name, !isKey, isKey)
			}
		}
		if tb.Ledger != strings.Contains(b, "loaded_at_field: finished_at") {
			t.Errorf("%s: ledger freshness field wrong", tb.Name)
		}
	}
}
