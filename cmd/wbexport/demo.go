package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/spf13/cobra"

	"github.com/wbexport/wbexport/extract"
	"github.com/wbexport/wbexport/internal/pipeline"
	"github.com/wbexport/wbexport/workboard"
	"github.com/wbexport/wbexport/workboard/wbtest"
)

// Demo defaults: the in-process emulator answers in microseconds, so the client may go fast.
const (
	demoRate        = 2000.0
	demoConcurrency = 8
)

func newDemoCmd() *cobra.Command {
	var (
		f                                  runFlags
		seed                               int64
		users, teams, goals, krs, checkins int
		days                               int
		perKR                              bool
		lastDay                            string
	)
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Export a seeded synthetic org from the in-process WorkBoard emulator to a sink (default local Parquet)",
		Long: `demo starts the WorkBoard emulator in-process with a seeded synthetic organisation and runs the
real export (HTTP client → Arrow → sink) into --sink, exactly as 'wbexport run' would against a
WorkBoard tenant: --sink file://DIR [--format csv], xlsx://FILE.xlsx, s3://... or bigquery://.... --days N exports N consecutive snapshot days ending at --snapshot-date (default
today), with check-ins arriving and progress moving from day to day, so the output shows goals
trending (an xlsx:// workbook holds one snapshot: the last day's). Prints the run summary (a JSON
list when --days > 1).`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if days < 1 || days > 366 {
				return usageError("--days must be between 1 and 366, not %d", days)
			}
			users, teams = orgSize(goals, users, teams)
			if users < 2 || teams < 1 || goals < 1 || krs < 1 || checkins < 1 {
				return usageError("--users must be >= 2 and --teams, --goals, --krs-per-goal, --checkins >= 1")
			}
			last := time.Now().UTC().Truncate(24 * time.Hour)
			if lastDay != "" {
				d, err := parseDate(lastDay)
				if err != nil {
					return err
				}
				last = d
			}
			// One org (same ids and history), seen as of the end of each snapshot day.
			end := last.AddDate(0, 0, 1)
			base := wbtest.Generate(wbtest.OrgConfig{
				Seed: seed, Users: users, Teams: teams, Goals: goals, KRsPerGoal: krs, CheckinsPerKR: checkins,
				AsOf: end, Anchor: end,
			})
			var sums []*pipeline.Summary
			for d := days - 1; d >= 0; d-- {
				day := last.AddDate(0, 0, -d)
				org := base.At(day.AddDate(0, 0, 1)) // the org as of the end of the snapshot day
				sum, err := demoDay(cmd.Context(), cmd, &f, org, day, perKR)
				if sum != nil {
					sums = append(sums, sum)
				}
				if err != nil {
					writeDemoSummary(cmd, &f, sums)
					return err
				}
			}
			return writeDemoSummary(cmd, &f, sums)
		},
	}
	f.registerCommon(cmd)
	f.sink.register(cmd, sinkWrite)
	cmd.Flags().StringVar(&lastDay, "snapshot-date", "", "last snapshot day YYYY-MM-DD (default today, UTC); the emulator serves the org as of each day")
	fl := cmd.Flags()
	fl.Int64Var(&seed, "seed", 1, "seed of the synthetic organisation")
	fl.IntVar(&users, "users", 0, "users in the org (default: goals/5, at least 50)")
	fl.IntVar(&teams, "teams", 0, "teams in the org (default: goals/25, at least 8)")
	fl.IntVar(&goals, "goals", 500, "goals in the org")
	fl.IntVar(&krs, "krs-per-goal", wbtest.DefaultKRsPerGoal, "mean key results per goal")
	fl.IntVar(&checkins, "checkins", wbtest.DefaultCheckinsPerKR, "mean check-in slots per key result")
	fl.IntVar(&days, "days", 1, "consecutive snapshot days to export, ending at --snapshot-date")
	fl.BoolVar(&perKR, "per-key-result", false, "fetch key results one by one instead of per goal")
	return cmd
}

// demoDay serves org in-process and exports it as the snapshot of day.
func demoDay(ctx context.Context, cmd *cobra.Command, f *runFlags, org *wbtest.Org, day time.Time, perKR bool) (*pipeline.Summary, error) {
	srv := wbtest.NewServer(org)
	live, err := wbtest.Listen("127.0.0.1:0", srv)
	if err != nil {
		return nil, fmt.Errorf("start the emulator: %w", err)
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = live.Shutdown(sctx)
	}()
	mk := func(log *slog.Logger, progress func(extract.Progress)) (*extract.Exporter, error) {
		c, err := workboard.New(srv.Credentials().AdminToken,
			workboard.WithBaseURL(live.BaseURL),
			workboard.WithRate(demoRate),
			workboard.WithConcurrency(demoConcurrency),
			workboard.WithUserAgent("wbexport/"+appVersion()+" (demo)"),
			workboard.WithLogger(log),
		)
		if err != nil {
			return nil, err
		}
		return extract.New(c, extract.WithProgress(progress))
	}
	day1 := *f
	day1.demoDay = day
	day1.perKR = perKR
	return runExport(ctx, cmd, &day1, mk)
}

func writeDemoSummary(cmd *cobra.Command, f *runFlags, sums []*pipeline.Summary) error {
	return writeSummaries(cmd.OutOrStdout(), f.summaryFile, sums, len(sums) > 1)
}
