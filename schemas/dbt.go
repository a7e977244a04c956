package schemas

import (
	"bytes"
	"fmt"
	"strings"
)

// DbtSourceName is the dbt source every table is declared under: source('workboard', '<table>').
const DbtSourceName = "workboard"

// dbtHeader declares the source. The database/schema are the BigQuery project/dataset the
// BigQuery sink loads (env WBEXPORT_BQ_PROJECT / WBEXPORT_BQ_DATASET); on DuckDB the
// meta.external_location of dbt-duckdb reads the local Parquet layout
// <root>/<table>/snapshot_date=*/*.parquet instead. The text is kept byte-identical with what the
// dbt project documents as its sources.yml contract (dbt/scripts/gen_sources.py).
const dbtHeader = `# GENERATED from schemas/tables.go - do not edit by hand.
# (wbexport schema --format dbt-sources; stop-gap: python3 dbt/scripts/gen_sources.py)
version: 2

sources:
  - name: workboard
    description: "Raw WorkBoard tables written by wbexport: one full snapshot of the organisation per snapshot_date. Column names are WorkBoard's API field names."
    # BigQuery: the project/dataset the BigQuery sink loads (env WBEXPORT_BQ_PROJECT / WBEXPORT_BQ_DATASET).
    # DuckDB: ignored; meta.external_location below reads the local Parquet output instead.
    database: "{{ env_var('WBEXPORT_BQ_PROJECT', target.database) if target.type == 'bigquery' else target.database }}"
    schema: "{{ env_var('WBEXPORT_BQ_DATASET', 'wbexport') }}"
    config:
      loaded_at_field: _extracted_at
      freshness:
        warn_after: {count: 36, period: hour}
        error_after: {count: 72, period: hour}
      meta:
        # dbt-duckdb: each table is read straight from <root>/<table>/snapshot_date=*/*.parquet.
        # snapshot_date is both a file column and the hive key: read the file column only.
        external_location: "read_parquet('{{ var('wbexport_root', env_var('WBEXPORT_OUT', '../wbexport-out')) }}/{name}/snapshot_date=*/*.parquet', hive_partitioning = false, union_by_name = true)"
    tables:
`

// DbtSources returns the dbt sources.yml (dbt/models/staging/sources.yml) declaring every table.
func DbtSources() []byte { return DbtSourcesFor(All()) }

// DbtSourcesFor returns a dbt sources.yml declaring the given tables under the source
// "workboard": every table and column with its description; freshness from _extracted_at
// (warn after 36 h, error after 72 h; the run ledger uses finished_at); not_null on every
// primary-key column and the generic test wbexport_unique_combination (dbt/macros) over the
// primary key at table level.
func DbtSourcesFor(tables []*Table) []byte {
	var b bytes.Buffer
	b.WriteString(dbtHeader)
	for _, t := range tables {
		fmt.Fprintf(&b, "      - name: %s\n", t.Name)
		fmt.Fprintf(&b, "        description: %s\n", yamlString(t.Description))
		if t.Ledger {
			// Appended once per run: not a snapshot, so no freshness on _extracted_at.
			b.WriteString("        config:\n          loaded_at_field: finished_at\n")
		}
		b.WriteString("        data_tests:\n")
		b.WriteString("          - wbexport_unique_combination:\n")
		fmt.Fprintf(&b, "              arguments:\n                columns: [%s]\n", strings.Join(t.PrimaryKey, ", "))
		b.WriteString("        columns:\n")
		for _, c := range t.Columns {
			fmt.Fprintf(&b, "          - name: %s\n", c.Name)
			fmt.Fprintf(&b, "            description: %s\n", yamlString(c.Description))
			if t.isKey(c.Name) {
				b.WriteString("            data_tests: [not_null]\n")
			}
		}
	}
	return b.Bytes()
}

func (t *Table) isKey(name string) bool {
	for _, k := range t.PrimaryKey {
		if k == name {
			return true
		}
	}
	return false
}

// yamlString quotes s as a YAML double-quoted scalar (JSON string syntax, which YAML accepts),
// keeping non-ASCII text as is.
func yamlString(s string) string {
	out := marshalIndent(s)
	return string(bytes.TrimSuffix(out, []byte("\n")))
}
