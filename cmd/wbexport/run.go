package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/wbexport/wbexport/extract"
	"github.com/wbexport/wbexport/internal/pipeline"
	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/sinks"
	"github.com/wbexport/wbexport/transform"
	"github.com/wbexport/wbexport/workboard"
)

// apiFlags are the flags that configure the WorkBoard client (run, check).
type apiFlags struct {
	apiURL      string
	region      string
	tokenFile   string
	concurrency int
	rate        float64
	pageSize    int
	timeout     time.Duration
	maxAttempts int
	maxSkipped  float64
	maxResponse int64
	userAgent   string
}

// register adds the API flags to cmd; export adds those that only matter to an export
// (concurrency, rate, page size).
func (f *apiFlags) register(cmd *cobra.Command, export bool) {
	f.concurrency, f.rate, f.pageSize = workboard.DefaultConcurrency, workboard.DefaultRate, extract.DefaultPageSize
	fl := cmd.Flags()
	fl.StringVar(&f.apiURL, "api-url", "", "WorkBoard API root (default per --region; e.g. http://127.0.0.1:8080/wb/apis for a local emulator; plain HTTP only for loopback)")
	fl.StringVar(&f.region, "region", "us", "WorkBoard data centre: us (www.myworkboard.com) or eu (www.myworkboard.eu)")
	fl.StringVar(&f.tokenFile, "token-file", "", "file holding the WorkBoard API token (default: the WORKBOARD_TOKEN environment variable)")
	fl.DurationVar(&f.timeout, "request-timeout", workboard.DefaultRequestTimeout, "timeout of one API request")
	fl.IntVar(&f.maxAttempts, "max-attempts", workboard.DefaultMaxAttempts, "attempts per API request (retries on 429, 5xx, timeouts, broken connections)")
	fl.StringVar(&f.userAgent, "user-agent", "", "User-Agent header (default wbexport/<version>)")
	fl.Int64Var(&f.maxResponse, "max-response-size", workboard.DefaultMaxResponseBytes, "largest API response body in bytes; a larger answer fails the run (naming the endpoint)")
	if !export {
		return
	}
	fl.IntVar(&f.concurrency, "concurrency", workboard.DefaultConcurrency, "maximum API requests in flight")
	fl.Float64Var(&f.rate, "rate", workboard.DefaultRate, "client-side rate limit in requests per second (adapts down on 429)")
	fl.IntVar(&f.pageSize, "page-size", extract.DefaultPageSize, "page size (limit) for paged endpoints")
	fl.Float64Var(&f.maxSkipped, "max-skipped", extract.DefaultMaxSkipped, "share of a listing's goals, teams or key results (0.02 = 2 %) that may be skipped because WorkBoard answers \"not found\" for them (deleted during the export); more fail the run")
}

// token returns the WorkBoard token from --token-file or WORKBOARD_TOKEN. A missing token is
// an auth error (exit 3).
func (f *apiFlags) token(log *slog.Logger) (string, error) {
	if f.tokenFile != "" {
		if os.Getenv("WORKBOARD_TOKEN") != "" {
			log.Warn("both --token-file and WORKBOARD_TOKEN are set: the token of --token-file is used, WORKBOARD_TOKEN is ignored", "token_file", f.tokenFile)
		}
		tok, warn, err := workboard.ReadTokenFile(f.tokenFile)
		if err != nil {
			return "", withCode(ExitAuth, err)
		}
		if warn != "" {
			log.Warn(warn)
		}
		return tok, nil
	}
	tok := strings.TrimSpace(os.Getenv("WORKBOARD_TOKEN"))
	if tok == "" {
		return "", withCode(ExitAuth, errors.New("no WorkBoard token: set WORKBOARD_TOKEN or pass --token-file (tokens are not accepted as flag values)"))
	}
	if strings.ContainsAny(tok, "\r\n") {
		// A malformed token is an auth problem (exit 3), not a usage error.
		return "", withCode(ExitAuth, errors.New("WORKBOARD_TOKEN is malformed: the token contains a line break"))
	}
	return tok, nil
}

func (f *apiFlags) validate() error {
	if f.region != "us" && f.region != "eu" {
		return usageError("--region must be us or eu, not %q", f.region)
	}
	if f.concurrency < 1 || f.concurrency > 256 {
		return usageError("--concurrency must be between 1 and 256, not %d", f.concurrency)
	}
	if f.rate <= 0 {
		return usageError("--rate must be > 0 requests per second, not %v", f.rate)
	}
	if f.pageSize < 1 || f.pageSize > 10000 {
		return usageError("--page-size must be between 1 and 10000, not %d", f.pageSize)
	}
	if f.timeout <= 0 {
		return usageError("--request-timeout must be > 0")
	}
	if f.maxAttempts < 1 {
		return usageError("--max-attempts must be >= 1")
	}
	if f.maxResponse < 1 {
		return usageError("--max-response-size must be > 0 bytes, not %d", f.maxResponse)
	}
	if f.maxSkipped < 0 || f.maxSkipped > 1 {
		return usageError("--max-skipped must be a share between 0 and 1, not %v", f.maxSkipped)
	}
	return nil
}

// client builds the WorkBoard client. Invalid URLs are usage errors.
func (f *apiFlags) client(token string, log *slog.Logger) (*workboard.Client, error) {
	if err := f.validate(); err != nil {
		return nil, err
	}
	ua := f.userAgent
	if ua == "" {
		ua = "wbexport/" + appVersion()
	}
	opts := []workboard.Option{
		workboard.WithRegion(f.region),
		workboard.WithConcurrency(f.concurrency),
		workboard.WithRate(f.rate),
		workboard.WithRequestTimeout(f.timeout),
		workboard.WithMaxAttempts(f.maxAttempts),
		workboard.WithMaxResponseBytes(f.maxResponse),
		workboard.WithUserAgent(ua),
		workboard.WithLogger(log),
	}
	if f.apiURL != "" {
		opts = append(opts, workboard.WithBaseURL(f.apiURL))
	}
	c, err := workboard.New(token, opts...)
	if err != nil {
		return nil, withCode(ExitUsage, err)
	}
	return c, nil
}

// exporter builds the exporter of an export through c.
func (f *apiFlags) exporter(c *workboard.Client, opts ...extract.Option) (*extract.Exporter, error) {
	ex, err := extract.New(c, append([]extract.Option{extract.WithPageSize(f.pageSize), extract.WithMaxSkipped(f.maxSkipped)}, opts...)...)
	if err != nil {
		return nil, withCode(ExitUsage, err)
	}
	return ex, nil
}

// logFlags configure logging.
type logFlags struct {
	format string
	level  string
}

// Log formats of --log-format.
var logFormats = []string{"text", "json", "gcp"}

func (f *logFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.format, "log-format", "text", "log format on stderr: text, json, or gcp (JSON with Cloud Logging's severity, message and time fields)")
	cmd.Flags().StringVar(&f.level, "log-level", "info", "log level: debug, info, warn or error")
}

func (f *logFlags) logger(w io.Writer) (*slog.Logger, error) {
	var lvl slog.Level
	switch strings.ToLower(f.level) {
	case "debug", "info", "warn", "error":
		_ = lvl.UnmarshalText([]byte(f.level))
	default:
		return nil, usageError("--log-level must be debug, info, warn or error, not %q", f.level)
	}
	opts := &slog.HandlerOptions{Level: lvl}
	switch f.format { // every line passes through workboard.Redact
	case "text":
		return slog.New(workboard.RedactHandler(slog.NewTextHandler(w, opts))), nil
	case "json":
		return slog.New(workboard.RedactHandler(slog.NewJSONHandler(w, opts))), nil
	case "gcp":
		opts.ReplaceAttr = gcpAttr
		return slog.New(workboard.RedactHandler(slog.NewJSONHandler(w, opts))), nil
	}
	return nil, usageError("--log-format must be %s, not %q", strings.Join(logFormats, ", "), f.format)
}

// gcpAttr renames slog's built-in keys to the fields Cloud Logging reads from a JSON log line
// (https://cloud.google.com/logging/docs/structured-logging): severity (DEBUG, INFO, WARNING,
// ERROR), message and time.
func gcpAttr(groups []string, a slog.Attr) slog.Attr {
	if len(groups) > 0 {
		return a
	}
	switch a.Key {
	case slog.LevelKey:
		lvl, _ := a.Value.Any().(slog.Level)
		return slog.String("severity", gcpSeverity(lvl))
	case slog.MessageKey:
		a.Key = "message"
	case slog.TimeKey:
		a.Key = "time"
	}
	return a
}

// gcpSeverity maps a slog level to a Cloud Logging LogSeverity name.
func gcpSeverity(l slog.Level) string {
	switch {
	case l < slog.LevelInfo:
		return "DEBUG"
	case l < slog.LevelWarn:
		return "INFO"
	case l < slog.LevelError:
		return "WARNING"
	}
	return "ERROR"
}

// runFlags are the flags of `wbexport run` (and, minus the API ones, `wbexport demo`).
type runFlags struct {
	api  apiFlags
	log  logFlags
	sink sinkFlags
	date dateFlags
	// demoDay, when set, is the snapshot day of a demo run: the in-process emulator serves the
	// org as of that day, so any day is truthful.
	demoDay      time.Time
	tables       []string
	summaryFile  string
	perKR        bool
	noCustomAttr bool
	noUserAttr   bool
	krTagsBatch  int
	batchRows    int
	progress     string
	krListing    string
	progressFor  time.Duration // --progress-interval
}

func (f *runFlags) registerCommon(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringSliceVar(&f.tables, "tables", nil, "export only these tables (comma list; default all): "+strings.Join(dataTableNames(), ","))
	fl.StringVar(&f.summaryFile, "summary-file", "", "write the run summary JSON to this file instead of stdout")
	fl.IntVar(&f.batchRows, "batch-rows", transform.DefaultBatchRows, "maximum rows per Arrow record batch")
	fl.StringVar(&f.progress, "progress", "auto", "progress bars on stderr: auto (when stderr is a terminal and --log-format text), always, never")
	fl.DurationVar(&f.progressFor, "progress-interval", 30*time.Second, "without progress bars, log the export's progress (calls, rows, rate, 429s, ETA) this often; 0: never")
	fl.StringVar(&f.krListing, "kr-listing", string(extract.KRAuto), "how to list key results: auto (by team, then per goal for what the team listings leave out), team, goal (one call per goal)")
	f.log.register(cmd)
}

func newRunCmd() *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Export the WorkBoard organisation to the sink (one snapshot day)",
		Long: `Export users, teams, team members, goals, key results and their check-in, confidence and
comment history, tags, key result tags and the goal alignment tree into the sink, as the snapshot
of one day. Everything is staged first and published
only when every table has succeeded; rerunning the same --snapshot-date replaces that day.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			sum, err := runExport(cmd.Context(), cmd, &f, nil)
			if sum != nil {
				if werr := writeSummaries(cmd.OutOrStdout(), f.summaryFile, []*pipeline.Summary{sum}, false); werr != nil && err == nil {
					err = werr
				}
			}
			return err
		},
	}
	f.api.register(cmd, true)
	f.sink.register(cmd, sinkWrite)
	f.date.register(cmd)
	f.registerCommon(cmd)
	cmd.Flags().BoolVar(&f.perKR, "per-key-result", false, "fetch key results one by one (GET /metric/{id}) instead of per goal; adds confidence→check-in links and MIT dates")
	cmd.Flags().BoolVar(&f.noCustomAttr, "no-custom-attributes", false, "do not request goal custom attributes")
	cmd.Flags().IntVar(&f.krTagsBatch, "krtags-batch", extract.DefaultKRTagsBatch, "key result ids per GET /metric/krtags (key_result_tags); a batch the API refuses is halved")
	cmd.Flags().BoolVar(&f.noUserAttr, "no-user-custom-attributes", false, "do not request user custom attributes (users.custom_attributes stays NULL)")
	return cmd
}

// selectTables resolves --tables: every data table when names is empty, otherwise each named
// table once, in export order (the order of schemas.DataTables, whatever the order of names).
// A name that is not a data table (the run ledger included) is a usage error.
func selectTables(names []string) ([]*schemas.Table, error) {
	if len(names) == 0 {
		return schemas.DataTables(), nil
	}
	want := map[schemas.TableID]bool{}
	for _, n := range names {
		n = strings.TrimSpace(n)
		t, ok := schemas.Lookup(schemas.TableID(n))
		if !ok || t.Ledger {
			return nil, usageError("--tables: unknown table %q (known: %s)", n, strings.Join(dataTableNames(), ", "))
		}
		want[t.Name] = true
	}
	var out []*schemas.Table
	for _, t := range schemas.DataTables() {
		if want[t.Name] {
			out = append(out, t)
		}
	}
	return out, nil
}

// dataTableNames returns the names --tables accepts, in export order, for help and errors.
func dataTableNames() []string {
	var names []string
	for _, t := range schemas.DataTables() {
		names = append(names, string(t.Name))
	}
	return names
}

// exporterFactory builds the exporter once logging and progress are set up.
type exporterFactory func(log *slog.Logger, progress func(extract.Progress)) (*extract.Exporter, error)

// runExport runs one export with a client from mk (built from the API flags when nil). It
// returns the run summary (nil when the run did not start, e.g. on a usage error).
func runExport(ctx context.Context, cmd *cobra.Command, f *runFlags, mk exporterFactory) (*pipeline.Summary, error) {
	switch f.progress {
	case "auto", "always", "never":
	default:
		return nil, usageError("--progress must be auto, always or never, not %q", f.progress)
	}
	prog := newProgress(cmd.ErrOrStderr(), f.progress, f.log.format)
	log, err := f.log.logger(prog.logWriter())
	if err != nil {
		return nil, err
	}
	defer prog.done()
	day, backdated := f.demoDay, false
	if day.IsZero() {
		if day, backdated, err = f.date.day(time.Now()); err != nil {
			return nil, err
		}
	}
	tables, err := selectTables(f.tables)
	if err != nil {
		return nil, err
	}
	if f.batchRows < 1 {
		return nil, usageError("--batch-rows must be >= 1")
	}
	if f.progressFor < 0 {
		return nil, usageError("--progress-interval must be >= 0")
	}
	if err := f.sink.validate(); err != nil {
		return nil, err
	}
	if err := checkSummaryFile(f.summaryFile); err != nil {
		return nil, err
	}
	if mk == nil {
		mk = func(log *slog.Logger, progress func(extract.Progress)) (*extract.Exporter, error) {
			tok, err := f.api.token(log)
			if err != nil {
				return nil, err
			}
			c, err := f.api.client(tok, log)
			if err != nil {
				return nil, err
			}
			return f.api.exporter(c, extract.WithProgress(progress), extract.WithCustomAttributes(!f.noCustomAttr),
				extract.WithUserCustomAttributes(!f.noUserAttr), extract.WithKRTagsBatch(f.krTagsBatch))
		}
	}
	plan, err := planFor(tables, f.perKR, f.krListing)
	if err != nil {
		return nil, err
	}
	plan.Explicit = len(f.tables) > 0
	ex, err := mk(log, prog.api)
	if err != nil {
		return nil, err
	}
	prog.watch(ex.Status)
	run := sinks.RunInfo{RunID: transform.RunID(), SnapshotDate: day, Tables: tables, Version: appVersion()}
	sink, sinkName, err := f.sink.open(ctx, run, log)
	if err != nil {
		return nil, fmt.Errorf("%w; nothing was extracted", err)
	}
	defer sink.Close()
	if err := preflight(ctx, sink, sinkName); err != nil {
		return nil, err
	}

	sum, runErr := pipeline.Run(ctx, pipeline.Config{
		Extractor: ex,
		Plan:      plan,
		Sink:      sink,
		Run:       run,
		SinkName:  sinkName,
		APIBase:   ex.Client().BaseURL(),
		Logger:    log,
		BatchRows: f.batchRows,
		Backdated: backdated,
		OnRows:    prog.rows,
		// the bars show the progress on a terminal; elsewhere it is logged
		ProgressEvery: prog.logEvery(f.progressFor),
	})
	prog.done()
	if runErr != nil {
		sum.ExitCode = exitCode(runErr)
	}
	if runErr != nil && ctx.Err() != nil {
		runErr = withCode(ExitFailed, fmt.Errorf("interrupted: nothing of this run was published (%v)", runErr))
	}
	return sum, runErr
}

// planFor builds the extract plan for the selected tables.
func planFor(tables []*schemas.Table, perKR bool, krListing string) (extract.Plan, error) {
	p, err := extract.PlanFor(schemas.IDs(tables)...)
	if err != nil {
		return p, usageError("--tables: %v", err)
	}
	if p.KRListing, err = extract.ParseKRListing(krListing); err != nil {
		return p, usageError("--kr-listing must be auto, team or goal, not %q", krListing)
	}
	p.PerKeyResult = perKR
	return p, nil
}

func isAuthError(err error) bool {
	return errors.Is(err, workboard.ErrAuth) || errors.Is(err, workboard.ErrDataAdmin)
}
