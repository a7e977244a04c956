package main

import (
	"github.com/spf13/cobra"

	"github.com/wbexport/wbexport/schemas"
)

func newSchemaCmd() *cobra.Command {
	var format string
	var tables []string
	cmd := &cobra.Command{
		Use:   "schema",
		Short: "Print table schemas (json, bigquery, markdown or dbt-sources)",
		Long: `Print the schemas of the exported tables, generated from the single definition in schemas/.

  --format bigquery      a JSON schema file per table, loadable by bq mk --schema (use with --table)
  --format json          every table with columns, types, keys, partitioning and clustering
  --format markdown      the table documentation (docs/tables.md)
  --format dbt-sources   the dbt sources.yml (dbt/models/staging/sources.yml)`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ts := schemas.All()
			if len(tables) > 0 {
				ts = nil
				for _, n := range tables {
					t, ok := schemas.Lookup(schemas.TableID(n))
					if !ok {
						return usageError("--table: unknown table %q", n)
					}
					ts = append(ts, t)
				}
			}
			out, err := schemas.Render(format, ts)
			if err != nil {
				return usageError("%v", err)
			}
			_, err = cmd.OutOrStdout().Write(out)
			return err
		},
	}
	cmd.Flags().StringVar(&format, "format", "json", "output format: json, bigquery, markdown or dbt-sources")
	cmd.Flags().StringSliceVar(&tables, "table", nil, "only these tables (default all)")
	return cmd
}
