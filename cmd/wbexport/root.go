package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Documented exit codes.
const (
	ExitOK     = 0 // success
	ExitFailed = 1 // the run failed (nothing half-done was published)
	ExitUsage  = 2 // usage or configuration error (bad flag, bad URL, bad date, ...)
	ExitAuth   = 3 // authentication / authorisation error (bad token, no Data-Admin access)
	// ExitTransient: the run failed for a reason that a later rerun may not meet (the API or
	// the sink unavailable, throttled beyond --max-attempts, a network failure); nothing
	// half-done was published. Orchestrators retry this code only.
	ExitTransient = 4
)

// exitError carries an exit code with an error.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// usageError marks err as a usage/configuration error (exit code 2).
func usageError(format string, a ...any) error {
	return &exitError{code: ExitUsage, err: fmt.Errorf(format, a...)}
}

func withCode(code int, err error) error {
	if err == nil {
		return nil
	}
	return &exitError{code: code, err: err}
}

// exitCode maps an error to the documented exit codes.
func exitCode(err error) int {
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	if isAuthError(err) {
		return ExitAuth
	}
	if isTransient(err) {
		return ExitTransient
	}
	return ExitFailed
}

const envPrefix = "WBEXPORT_"

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "wbexport",
		Short: "Export goal progress from WorkBoard into Parquet, S3 and BigQuery",
		Long: `wbexport exports users, teams, goals, key results and their check-in, confidence and
comment history from the WorkBoard API into partitioned Parquet (local or S3) or BigQuery.

Every flag can also be set with an environment variable WBEXPORT_<FLAG> (upper case, dashes as
underscores), e.g. WBEXPORT_SINK=s3://bucket/prefix. The WorkBoard token is read from
WORKBOARD_TOKEN or --token-file, never from a flag value.

wbexport run sets a soft Go memory limit of 176 MiB (peak RSS stays near 220 MiB, whatever the
organisation's size) unless GOMEMLIMIT is set: GOMEMLIMIT=512MiB sets another, GOMEMLIMIT=off none.

Exit codes: 0 success, 1 run failed (retrying will not help), 2 usage/config error, 3 auth
error, 4 transient failure (API or sink unavailable, throttled, network): retry later.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			return applyEnv(cmd)
		},
	}
	root.Version = appVersion()
	root.SetVersionTemplate(versionLine() + "\n")
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return usageError("%s (see %s --help)", err, cmd.CommandPath())
	})
	root.AddCommand(
		newRunCmd(),
		newDemoCmd(),
		newSchemaCmd(),
		newCheckCmd(),
		newEmulateCmd(),
		newAuthCmd(),
		newGCCmd(),
		newVersionCmd(),
	)
	return root
}

// applyEnv sets every flag of cmd that was not given on the command line from its
// WBEXPORT_<FLAG> environment variable, if set.
func applyEnv(cmd *cobra.Command) error {
	var firstErr error
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if f.Changed || firstErr != nil || f.Name == "help" {
			return
		}
		name := envPrefix + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		v, ok := os.LookupEnv(name)
		if !ok {
			return
		}
		if err := cmd.Flags().Set(f.Name, v); err != nil {
			firstErr = usageError("invalid value %q in %s: %v", v, name, err)
		}
	})
	return firstErr
}
