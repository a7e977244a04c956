// Package schemas is the single source of truth for every table wbexport writes.
//
// Each Table lists its columns (name, logical type, nullability, description), its primary key,
// its partitioning column and its clustering columns. The Arrow schemas used by transform and the
// sinks, the BigQuery schemas (wbexport schema --format bigquery, schemas/bigquery/*.json), the
// Markdown table docs and the dbt sources.yml are all generated from these definitions; nothing
// else may declare a column.
//
// Column names follow WorkBoard's API field names (snake_case) so that a value can be traced back
// to the field it came from; analyst-friendly names are applied in dbt staging models.
package schemas

import "fmt"

// Type is the logical type of a column. It maps to one Arrow type and one BigQuery type.
type Type int

// Logical column types.
const (
	Int64      Type = iota + 1 // Arrow int64, BigQuery INT64
	Float64                    // Arrow float64, BigQuery FLOAT64
	String                     // Arrow utf8, BigQuery STRING
	Bool                       // Arrow bool, BigQuery BOOL
	Timestamp                  // Arrow timestamp[us, UTC], BigQuery TIMESTAMP
	Date                       // Arrow date32, BigQuery DATE
	JSON                       // Arrow utf8 holding JSON text, BigQuery STRING (parse with JSON functions)
	ListString                 // Arrow list<utf8>, BigQuery REPEATED STRING
	ListInt64                  // Arrow list<int64>, BigQuery REPEATED INT64
)

var typeNames = map[Type]string{
	Int64: "int64", Float64: "float64", String: "string", Bool: "bool", Timestamp: "timestamp",
	Date: "date", JSON: "json", ListString: "list<string>", ListInt64: "list<int64>",
}

func (t Type) String() string {
	if s, ok := typeNames[t]; ok {
		return s
	}
	return fmt.Sprintf("Type(%d)", int(t))
}

// IsList reports whether the type is a repeated (list) type. List columns are never null:
// an absent or null list is written as an empty list.
func (t Type) IsList() bool { return t == ListString || t == ListInt64 }

// Column is one column of a table.
type Column struct {
	Name        string
	Type        Type
	Nullable    bool   // false means every row must carry a value (lists are always non-null)
	Description string // shown in BigQuery, dbt docs and docs/tables.md
	Source      string // the WorkBoard API field(s) the value comes from, "" for derived/lineage columns
}

// TableID identifies a table. It is the table's name: the name of its directory, object
// prefix or BigQuery table, and the key of per-table maps in JSON output.
type TableID string

// Table is the definition of one exported table.
type Table struct {
	Name        TableID
	Description string
	Columns     []Column
	PrimaryKey  []string // column names; unique per snapshot_date
	PartitionBy string   // a DATE column; every table is partitioned by snapshot_date
	ClusterBy   []string // at most four columns (BigQuery's limit)
	// Ledger marks the run ledger (_sync_runs): appended once per run instead of being
	// replaced per snapshot_date.
	Ledger bool
}

// Lineage column names, present on every table.
const (
	ColSnapshotDate = "snapshot_date"
	ColRunID        = "_run_id"
	ColExtractedAt  = "_extracted_at"
	ColExtra        = "_extra"
)

// The table ids, which are the tables' names.
const (
	Users             TableID = "users"
	Teams             TableID = "teams"
	TeamMembers       TableID = "team_members"
	Goals             TableID = "goals"
	KeyResults        TableID = "key_results"
	KeyResultCheckins TableID = "key_result_checkins"
	KeyResultConf     TableID = "key_result_confidence"
	KeyResultComments TableID = "key_result_comments"
	GoalComments      TableID = "goal_comments"
	Tags              TableID = "tags"
	KeyResultTags     TableID = "key_result_tags"
	GoalAlignments    TableID = "goal_alignments"
	SyncRuns          TableID = "_sync_runs"
)

// Column returns the named column and whether it exists.
func (t *Table) Column(name string) (Column, bool) {
	for _, c := range t.Columns {
		if c.Name == name {
			return c, true
		}
	}
	return Column{}, false
}

// ColumnIndex returns the position of the named column, or -1.
func (t *Table) ColumnIndex(name string) int {
	for i, c := range t.Columns {
		if c.Name == name {
			return i
		}
	}
	return -1
}

// All returns every table, data tables first in export order, the run ledger last.
// The returned slice and tables must not be modified.
func All() []*Table { return all }

// DataTables returns every table except the run ledger, in export order.
// The returned slice and tables must not be modified.
func DataTables() []*Table { return dataTables }

// Lookup returns the table with the given id, and false when no table has it (as for an id
// converted from user input).
func Lookup(id TableID) (*Table, bool) {
	t, ok := byID[id]
	return t, ok
}

// IDs returns the ids of tables, in their order.
func IDs(tables []*Table) []TableID {
	out := make([]TableID, len(tables))
	for i, t := range tables {
		out[i] = t.Name
	}
	return out
}

var (
	byID       = map[TableID]*Table{}
	dataTables []*Table
)

func init() {
	for _, t := range all {
		if err := validate(t); err != nil {
			panic(err)
		}
		byID[t.Name] = t
		if !t.Ledger {
			dataTables = append(dataTables, t)
		}
	}
}

func validate(t *Table) error {
	seen := map[string]bool{}
	for _, c := range t.Columns {
		if seen[c.Name] {
			return fmt.Errorf("schemas: table %s: duplicate column %s", t.Name, c.Name)
		}
		if c.Description == "" {
			return fmt.Errorf("schemas: table %s: column %s has no description", t.Name, c.Name)
		}
		if c.Type.IsList() && c.Nullable {
			return fmt.Errorf("schemas: table %s: list column %s must not be nullable", t.Name, c.Name)
		}
		seen[c.Name] = true
	}
	for _, k := range append(append(append([]string{}, t.PrimaryKey...), t.ClusterBy...), t.PartitionBy) {
		if !seen[k] {
			return fmt.Errorf("schemas: table %s: key column %s not defined", t.Name, k)
		}
	}
	for _, k := range t.PrimaryKey {
		if c, _ := t.Column(k); c.Nullable {
			return fmt.Errorf("schemas: table %s: primary key column %s is nullable", t.Name, k)
		}
	}
	if len(t.ClusterBy) > 4 {
		return fmt.Errorf("schemas: table %s: more than 4 clustering columns", t.Name)
	}
	return nil
}
