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

// noArgs refuses positional arguments as a usage error (exit 2): every command takes flags only.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageError("%s takes no arguments, got %q (flags start with --; see %s --help)", cmd.CommandPath(), args, cmd.CommandPath())
	}
	return nil
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
			warnMistypedEnv(cmd, os.Environ())
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

// warnMistypedEnv warns on cmd's stderr about each WBEXPORT_ variable of env that sets no flag
// of any command but is close to one that would (at most two letters apart, one for names of
// up to five letters), naming that one.
// Other WBEXPORT_ variables (an orchestrator's own settings) are left alone.
func warnMistypedEnv(cmd *cobra.Command, env []string) {
	known := map[string]bool{}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, fs := range []*pflag.FlagSet{c.Flags(), c.PersistentFlags()} {
			fs.VisitAll(func(f *pflag.Flag) { known[envName(f.Name)] = true })
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(cmd.Root())
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, envPrefix) || known[name] {
			continue
		}
		slack := 2 // letters apart; 1 for short names (WBEXPORT_BIN is not a mistyped WBEXPORT_SINK)
		if len(name)-len(envPrefix) <= 5 {
			slack = 1
		}
		for k := range known {
			if editDistance(name, k) <= slack {
				fmt.Fprintf(cmd.ErrOrStderr(), "wbexport: warning: environment variable %s sets no flag and is ignored; did you mean %s?\n", name, k)
				break
			}
		}
	}
}

// envName is the WBEXPORT_ variable of the flag name.
func envName(flag string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// editDistance is the Levenshtein distance of a and b (bytes).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// applyEnv sets every flag of cmd that was not given on the command line from its
// WBEXPORT_<FLAG> environment variable, if set.
func applyEnv(cmd *cobra.Command) error {
	var firstErr error
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if f.Changed || firstErr != nil || f.Name == "help" {
			return
		}
		name := envName(f.Name)
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
