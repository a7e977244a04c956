package schemas

import (
	"bytes"
	"fmt"
	"strings"
)

// generatedNote heads every generated file.
const generatedNote = "GENERATED from schemas/tables.go by `make generate` (go generate ./schemas). Do not edit by hand."

// Markdown returns the reference documentation of tables (docs/tables.md): an index, then per
// table its description, primary key, partitioning, clustering and every column with type,
// nullability, source API field and description.
func Markdown(tables []*Table) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "<!-- %s -->\n\n", generatedNote)
	b.WriteString("# wbexport tables\n\n")
	b.WriteString("Every table wbexport writes, generated from the definitions in `schemas/tables.go` (the single\n" +
		"source of truth for the Arrow/Parquet schemas, the BigQuery schemas in `schemas/bigquery/`, this page\n" +
		"and the dbt sources). Column names are WorkBoard's API field names.\n\n")
	b.WriteString("Conventions: ids are INT64; WorkBoard's epoch-second strings become UTC timestamps (µs), with `\"0\"` or\n" +
		"empty meaning NULL; an empty string from the API is NULL in every column; numeric strings become FLOAT64; list columns are never NULL (an absent list is\n" +
		"empty); `json` columns hold JSON text (BigQuery STRING). Every data table is a full snapshot per\n" +
		"`snapshot_date` and ends with the lineage columns `snapshot_date`, `_run_id`, `_extracted_at` and\n" +
		"`_extra` (API fields no column holds, as a JSON object). In `_extra` a member of a nested object is\n" +
		"named by its path (`profile.pronouns`, `wrapper.user_email` for the `people_goals`/`team_goals`\n" +
		"wrapper a goal was listed in), and a member that the columns hold only in part is kept whole under its\n" +
		"own name: `manager`, `{id, name}` objects and lists with other members or null items, and a goal's\n" +
		"`goal_metrics` (read as `$.goal_metrics[0].metric_source_from`).\n\n")
	b.WriteString("| Table | Primary key | Description |\n|---|---|---|\n")
	for _, t := range tables {
		fmt.Fprintf(&b, "| [`%s`](#%s) | %s | %s |\n", t.Name, anchor(t.Name), codeList(t.PrimaryKey), mdCell(t.Description))
	}
	for _, t := range tables {
		fmt.Fprintf(&b, "\n## %s\n\n%s\n\n", t.Name, t.Description)
		fmt.Fprintf(&b, "- Primary key: %s (unique per %s)\n", codeList(t.PrimaryKey), keyScope(t))
		fmt.Fprintf(&b, "- Partitioned by: `%s` (day)\n", t.PartitionBy)
		fmt.Fprintf(&b, "- Clustered by: %s\n", codeList(t.ClusterBy))
		if t.Ledger {
			b.WriteString("- Written: appended once per run (not replaced per snapshot)\n")
		} else {
			b.WriteString("- Written: the `snapshot_date` partition is replaced as a whole by each run of that date\n")
		}
		fmt.Fprintf(&b, "- Schema fingerprint: `%s`\n\n", t.Fingerprint())
		b.WriteString("| Column | Type | BigQuery | Nullable | Source (API field) | Description |\n|---|---|---|---|---|---|\n")
		for _, c := range t.Columns {
			typ, rep := BigQueryType(c.Type)
			if rep {
				typ = "REPEATED " + typ
			}
			null := "yes"
			switch {
			case c.Type.IsList():
				null = "no (empty list)"
			case !c.Nullable:
				null = "no"
			}
			src := "—"
			if c.Source != "" {
				src = "`" + c.Source + "`"
			}
			fmt.Fprintf(&b, "| `%s` | `%s` | %s | %s | %s | %s |\n", c.Name, c.Type, typ, null, src, mdCell(c.Description))
		}
	}
	return b.Bytes()
}

func keyScope(t *Table) string {
	if t.Ledger {
		return "run"
	}
	return "snapshot"
}

func codeList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = "`" + n + "`"
	}
	return strings.Join(q, ", ")
}

// anchor returns the GitHub heading anchor of a table name (lower case; _ is kept).
func anchor(id TableID) string { return strings.ToLower(string(id)) }

// mdCell escapes text for a Markdown table cell.
func mdCell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	s = strings.ReplaceAll(s, "<", "&lt;")
	return strings.ReplaceAll(s, "\n", " ")
}
