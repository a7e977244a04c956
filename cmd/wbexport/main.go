// Command wbexport exports goal progress from WorkBoard into data warehouses.
//
// Exit codes: 0 success, 1 run failed (retrying will not help), 2 usage or configuration error,
// 3 authentication or authorisation error, 4 transient failure (retry later). See README.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/wbexport/wbexport/workboard"
)

func main() {
	setMemoryLimit(os.Args[1:], os.LookupEnv)
	os.Exit(run(os.Args[1:]))
}

// run executes the CLI and returns the process exit code. Every error is printed as one line
// on stderr, prefixed with "wbexport: ".
func run(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root := newRootCmd()
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	code := exitCode(err)
	fmt.Fprintf(os.Stderr, "wbexport: %s\n", errorLine(err))
	if errors.Is(ctx.Err(), context.Canceled) && code == ExitOK {
		code = ExitFailed
	}
	return code
}

// errorLine is err as one line. Auth failures get the operator's next step appended as a
// sentence of its own (e.g. "… needs Data-Admin access …"); WorkBoard's own error descriptions
// usually end with a period already, which is then not doubled.
func errorLine(err error) string {
	msg := strings.ReplaceAll(err.Error(), "\n", "; ")
	var ae *workboard.APIError
	if errors.As(err, &ae) && (ae.Is(workboard.ErrAuth) || ae.Is(workboard.ErrDataAdmin)) {
		if !strings.HasSuffix(msg, ".") {
			msg += "."
		}
		msg += " " + ae.Hint()
	}
	return msg
}
