package schemas

import (
	"fmt"
	"sort"
	"strings"
)

// Output formats of Render (wbexport schema --format ...).
const (
	FormatJSON       = "json"        // the table definitions themselves
	FormatBigQuery   = "bigquery"    // BigQuery JSON schema(s)
	FormatMarkdown   = "markdown"    // docs/tables.md
	FormatDbtSources = "dbt-sources" // dbt sources.yml
)

// Formats lists the formats Render accepts.
var Formats = []string{FormatJSON, FormatBigQuery, FormatMarkdown, FormatDbtSources}

// Select returns the named tables in the given order, or every table (All) when names is
// empty. An unknown name is an error listing the known ones.
func Select(names ...string) ([]*Table, error) {
	if len(names) == 0 {
		return All(), nil
	}
	out := make([]*Table, 0, len(names))
	for _, n := range names {
		t, ok := Lookup(TableID(n))
		if !ok {
			known := make([]string, len(all))
			for i, t := range all {
				known[i] = string(t.Name)
			}
			return nil, fmt.Errorf("schemas: unknown table %q (known: %s)", n, strings.Join(known, ", "))
		}
		out = append(out, t)
	}
	return out, nil
}

// Render returns tables (every table when nil or empty) in one of Formats:
//
//   - json: an array of table definitions (name, description, primary_key, partition_by,
//     cluster_by, ledger, fingerprint, columns with name, type, nullable, source, description).
//   - bigquery: for exactly one table, its field array (usable as `bq mk --schema file.json`);
//     for several, an array of {table, time_partitioning, clustering, schema} objects.
//   - markdown: the reference page (docs/tables.md for every table).
//   - dbt-sources: a dbt sources.yml (dbt/models/staging/sources.yml for every table).
func Render(format string, tables []*Table) ([]byte, error) {
	if len(tables) == 0 {
		tables = All()
	}
	switch format {
	case FormatJSON:
		return marshalIndent(definitions(tables)), nil
	case FormatBigQuery:
		if len(tables) == 1 {
			return tables[0].BigQueryJSON(), nil
		}
		out := make([]bigQueryTable, len(tables))
		for i, t := range tables {
			out[i] = bigQueryTable{
				Table:            t.Name,
				TimePartitioning: bigQueryPartitioning{Type: "DAY", Field: t.PartitionBy},
				Clustering:       bigQueryClustering{Fields: t.ClusterBy},
				Schema:           t.BigQuery(),
			}
		}
		return marshalIndent(out), nil
	case FormatMarkdown:
		return Markdown(tables), nil
	case FormatDbtSources:
		return DbtSourcesFor(tables), nil
	}
	return nil, fmt.Errorf("schemas: unknown format %q (known: %s)", format, strings.Join(Formats, ", "))
}

type bigQueryTable struct {
	Table            TableID              `json:"table"`
	TimePartitioning bigQueryPartitioning `json:"time_partitioning"`
	Clustering       bigQueryClustering   `json:"clustering"`
	Schema           []BigQueryField      `json:"schema"`
}

type bigQueryPartitioning struct {
	Type  string `json:"type"`
	Field string `json:"field"`
}

type bigQueryClustering struct {
	Fields []string `json:"fields"`
}

type tableDef struct {
	Name        TableID     `json:"name"`
	Description string      `json:"description"`
	PrimaryKey  []string    `json:"primary_key"`
	PartitionBy string      `json:"partition_by"`
	ClusterBy   []string    `json:"cluster_by"`
	Ledger      bool        `json:"ledger"`
	Fingerprint string      `json:"fingerprint"`
	Columns     []columnDef `json:"columns"`
}

type columnDef struct {
	Name        string `json:"name"`
	Type        string `json:"type"`
	Nullable    bool   `json:"nullable"`
	Source      string `json:"source,omitempty"`
	Description string `json:"description"`
}

func definitions(tables []*Table) []tableDef {
	out := make([]tableDef, len(tables))
	for i, t := range tables {
		d := tableDef{Name: t.Name, Description: t.Description, PrimaryKey: t.PrimaryKey, PartitionBy: t.PartitionBy,
			ClusterBy: t.ClusterBy, Ledger: t.Ledger, Fingerprint: t.Fingerprint()}
		for _, c := range t.Columns {
			d.Columns = append(d.Columns, columnDef{Name: c.Name, Type: c.Type.String(), Nullable: c.Nullable, Source: c.Source, Description: c.Description})
		}
		out[i] = d
	}
	return out
}

// GeneratedFile is one file generated from the table definitions, with its path relative to
// the repository root.
type GeneratedFile struct {
	Path string
	Data []byte
}

// BigQueryDir is the directory (relative to the repository root) of the checked-in BigQuery
// schema files, one <table>.json per table.
const BigQueryDir = "schemas/bigquery"

// Generated returns every checked-in file generated from the definitions: the BigQuery schema
// of every table, docs/tables.md and dbt/models/staging/sources.yml. `go generate ./schemas`
// writes them; TestGeneratedFilesUpToDate keeps them in sync.
func Generated() []GeneratedFile {
	var out []GeneratedFile
	for _, t := range All() {
		out = append(out, GeneratedFile{Path: BigQueryDir + "/" + string(t.Name) + ".json", Data: t.BigQueryJSON()})
	}
	out = append(out,
		GeneratedFile{Path: "docs/tables.md", Data: Markdown(All())},
		GeneratedFile{Path: "dbt/models/staging/sources.yml", Data: DbtSources()},
	)
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}
