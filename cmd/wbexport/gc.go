package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/sinks"
	"github.com/wbexport/wbexport/sinks/s3"
	"github.com/wbexport/wbexport/sinks/xlsx"
	"github.com/wbexport/wbexport/transform"
)

func newGCCmd() *cobra.Command {
	var (
		sink      sinkFlags
		log       logFlags
		olderThan time.Duration
		repair    bool
	)
	cmd := &cobra.Command{
		Use:   "gc",
		Short: "Remove staging left behind by failed or killed runs",
		Long: `A failed or killed run may leave its staging area behind (never published data). Every run
cleans up after dead runs when it starts; gc does it on demand.

  s3://      holding the prefix's lease (exit 4 while a run publishes), rolls back the
             unfinished publish of every dead run (restoring the partitions it had touched from
             its backup, byte for byte), deletes _staging/<run_id>/ prefixes older than
             --older-than and aborts their incomplete multipart uploads. A dead run whose
             rollback fails (its backups are gone) is reported with exit 1 and the repair:
             --repair gives that rollback up, leaving its partitions as they are
  file://    performs the recovery every run starts with: finishes or rolls back an interrupted
             publish and removes the staging directories of dead runs
  xlsx://    removes the temporary files (.FILE.*.tmp) of runs killed while saving the workbook,
             older than --older-than
  bigquery:  nothing to collect (staged Parquet lives in temporary files of the run's process)`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			lg, err := log.logger(cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			if err := sink.validate(); err != nil {
				return err
			}
			if olderThan < 0 {
				return usageError("--older-than must be >= 0")
			}
			run := sinks.RunInfo{RunID: transform.RunID(), SnapshotDate: time.Now().UTC().Truncate(24 * time.Hour), Tables: schemas.DataTables(), Version: appVersion()}
			switch sink.scheme() {
			case "s3":
				cfg, _ := sink.s3Config()
				s, err := s3.New(cmd.Context(), cfg, run, s3.WithLogger(lg))
				if err != nil {
					return err
				}
				defer s.Close()
				var opts []s3.GCOption
				if repair {
					opts = append(opts, s3.GCRepair())
				}
				st, err := s.GC(cmd.Context(), olderThan, opts...)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "gc %s: rolled back %d unfinished publish(es), gave up %d rollback(s) (--repair), removed %d staged run(s), %d object(s), aborted %d upload(s)\n", cfg, len(st.RolledBack), len(st.Repaired), len(st.Runs), st.Objects, st.Uploads)
				for _, id := range st.Repaired {
					fmt.Fprintf(cmd.OutOrStdout(), "gc %s: gave up the rollback of run %s: rerun the snapshot date it was publishing (see the log line above)\n", cfg, id)
				}
			case "file":
				s, name, err := sink.open(cmd.Context(), run, lg)
				if err != nil {
					return err
				}
				if err := s.Abort(cmd.Context()); err != nil {
					return err
				}
				if err := s.Close(); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "gc %s: recovered and cleaned staging\n", name)
			case "xlsx":
				path, _ := xlsx.ParseURL(sink.url)
				n, err := xlsx.GC(path, olderThan, time.Now())
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "gc %s: removed %d temporary file(s) of killed runs\n", redactURL(sink.url), n)
			default:
				fmt.Fprintf(cmd.OutOrStdout(), "gc %s: nothing to collect\n", redactURL(sink.url))
			}
			return nil
		},
	}
	sink.register(cmd, sinkGC)
	log.register(cmd)
	cmd.Flags().DurationVar(&olderThan, "older-than", 24*time.Hour, "only remove staging of runs older than this (s3, xlsx)")
	cmd.Flags().BoolVar(&repair, "repair", false, "s3: give up the rollback of a dead run that cannot be rolled back (its journal and staging are deleted, its partitions left as they are)")
	return cmd
}
