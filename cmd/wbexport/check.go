package main

import (
	"errors"
	"fmt"
	"github.com/wbexport/wbexport/extract"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/sinks"
	"github.com/wbexport/wbexport/transform"
)

func newCheckCmd() *cobra.Command {
	var (
		api  apiFlags
		sink sinkFlags
		log  logFlags
	)
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Verify the WorkBoard token (identity, Data-Admin rights) and, with --sink, the sink's permissions",
		Long: `Verify that an export can run: the WorkBoard token is valid (GET /user), whose it is, and that
it has Data-Admin (org-wide) rights. With --sink, also verify the sink: credentials and
write/list/delete permission (S3 probe object), dataset access and a dry run (BigQuery), a writable
directory (file). When --sink is given and no WorkBoard token is configured, only the sink is checked.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			lg, err := log.logger(cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			sinkGiven := cmd.Flags().Changed("sink") || os.Getenv(envPrefix+"SINK") != ""
			haveToken := api.tokenFile != "" || strings.TrimSpace(os.Getenv("WORKBOARD_TOKEN")) != ""
			if !sinkGiven || haveToken {
				tok, err := api.token(lg)
				if err != nil {
					return err
				}
				c, err := api.client(tok, lg)
				if err != nil {
					return err
				}
				res, err := extract.Check(cmd.Context(), c)
				if err != nil {
					return err
				}
				fmt.Fprintf(out, "workboard: %s: token valid for user %d (%s)\n", res.BaseURL, res.UserID, res.Email)
				if !res.DataAdmin {
					msg := "the token's user lacks Data-Admin (org-wide) API access; ask WorkBoard to grant it"
					if res.Problem != "" {
						msg = res.Problem
						if res.Hint != "" {
							msg += " (" + res.Hint + ")"
						}
					}
					return withCode(ExitAuth, errors.New("needs Data-Admin access: "+msg))
				}
				fmt.Fprintf(out, "workboard: Data-Admin access: yes (%d org members)\n", res.OrgMembers)
			}
			if sinkGiven {
				run := sinks.RunInfo{RunID: transform.RunID(), SnapshotDate: time.Now().UTC().Truncate(24 * time.Hour), Tables: schemas.DataTables(), Version: appVersion()}
				s, name, err := sink.open(cmd.Context(), run, lg)
				if err != nil {
					return err
				}
				defer s.Close()
				if ch, ok := s.(sinks.Checker); ok {
					if err := ch.Check(cmd.Context()); err != nil {
						return err // the sinks' errors name the sink URL already
					}
				}
				fmt.Fprintf(out, "sink: %s: ok\n", name)
			}
			return nil
		},
	}
	api.register(cmd, false)
	sink.register(cmd, sinkCheck)
	log.register(cmd)
	return cmd
}
