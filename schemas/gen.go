package schemas

// Regenerate schemas/bigquery/*.json, docs/tables.md and dbt/models/staging/sources.yml from the
// definitions (see Generated). TestGeneratedFilesUpToDate fails when they are out of date.
//go:generate go run ./internal/gen -root ..
