// Command wbexport exports goal progress from WorkBoard into data warehouses.
//
// Exit codes: 0 success, 1 run failed (retrying will not help), 2 usage or configuration error,
// 3 authentication or authorisation error, 4 transient failure (retry later). See README.md.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"regexp"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/wbexport/wbexport/workboard"
)

func main() {
	setMemoryLimit(os.Args[1:], os.LookupEnv)
	os.Exit(run(os.Args[1:]))
}

// run executes the CLI and returns the process exit code. Every error is printed as one line
// on stderr, prefixed with "wbexport: " (with --log-format gcp, that line as a Cloud Logging
// JSON entry of severity ERROR).
func run(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root := newRootCmd()
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return ExitOK
	}
	code := exitCode(err)
	line := "wbexport: " + errorLine(err)
	if f := cmdFlag(cmd, "log-format"); f == "gcp" {
		// One more Cloud Logging entry, so that the error line has a severity too.
		js, _ := json.Marshal(map[string]string{"severity": "ERROR", "message": line, "time": time.Now().UTC().Format(time.RFC3339Nano)})
		line = string(js)
	}
	fmt.Fprintln(os.Stderr, line)
	if errors.Is(ctx.Err(), context.Canceled) && code == ExitOK {
		code = ExitFailed
	}
	return code
}

// errorLine is err as one line, redacted and shortened (see shorten). Auth failures get the
// operator's next step appended as a sentence of its own (e.g. "… needs Data-Admin access …");
// WorkBoard's own error descriptions usually end with a period already, which is then not
// doubled.
func errorLine(err error) string {
	msg := shorten(workboard.Redact(strings.ReplaceAll(err.Error(), "\n", "; ")))
	var ae *workboard.APIError
	if errors.As(err, &ae) && (ae.Is(workboard.ErrAuth) || ae.Is(workboard.ErrDataAdmin)) {
		if !strings.HasSuffix(msg, ".") {
			msg += "."
		}
		msg += " " + ae.Hint()
	}
	return msg
}

// maxErrorLine bounds the error line on stderr; the summary and the ledger keep the whole
// error.
const maxErrorLine = 600

// awsNoise is what AWS SDK errors repeat that does not help an operator: the transport's
// preamble and S3's long extended request id (HostID).
var awsNoise = regexp.MustCompile(`https response error |, HostID: [^,;]*`)

// shorten drops awsNoise from msg and keeps at most maxErrorLine bytes of it: the start and
// the end (where the cause is), with the number of bytes left out between them.
func shorten(msg string) string {
	msg = awsNoise.ReplaceAllString(msg, "")
	if len(msg) <= maxErrorLine {
		return msg
	}
	head, tail := msg[:maxErrorLine/2], msg[len(msg)-maxErrorLine/2:]
	for !utf8.ValidString(head) {
		head = head[:len(head)-1]
	}
	for !utf8.ValidString(tail) {
		tail = tail[1:]
	}
	return fmt.Sprintf("%s … (%d bytes left out; the summary has the whole error) … %s", head, len(msg)-len(head)-len(tail), tail)
}

// cmdFlag returns the value of cmd's flag name, or "" when cmd or the flag does not exist.
func cmdFlag(cmd *cobra.Command, name string) string {
	if cmd == nil {
		return ""
	}
	if f := cmd.Flags().Lookup(name); f != nil {
		return f.Value.String()
	}
	return ""
}
