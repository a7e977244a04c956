// Package pipeline runs one export: extract → transform → sink, then the run ledger.
//
// The contract: nothing reaches readers unless every table was extracted, transformed and
// staged without error; then the sink publishes every table's snapshot partition, and only then
// is a "succeeded" row appended to _sync_runs. Any failure (API, decode, transform, sink, a
// cancelled context) aborts the sink, so what was published before stays as it was, and appends
// a "failed" ledger row when the sink is still usable.
package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/wbexport/wbexport/extract"
	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/sinks"
	"github.com/wbexport/wbexport/transform"
	"github.com/wbexport/wbexport/workboard"
)

// Extractor is the part of the extract client the pipeline uses.
type Extractor interface {
	Export(ctx context.Context, plan extract.Plan, emit func(context.Context, *workboard.Batch) error) (*extract.Report, error)
}

// Config describes one run.
type Config struct {
	Extractor Extractor
	Plan      extract.Plan
	Sink      sinks.Sink
	Run       sinks.RunInfo
	SinkName  string // the sink URL without credentials, for the ledger and summary
	APIBase   string // the WorkBoard API root, for the ledger and summary
	Alloc     memory.Allocator
	Logger    *slog.Logger
	// BatchRows bounds the rows per Arrow record batch (0: transform's default).
	BatchRows int
	// Backdated marks a run whose snapshot date is neither the day it runs nor the day before
	// (wbexport run --allow-backdate): its data is WorkBoard's state when it ran, labelled as an
	// earlier (or later) day. The summary, and so the ledger, record it.
	Backdated bool
	// OnRows, when set, is called after each record batch is handed to the sink (from the
	// goroutine that transforms and writes; never concurrently with itself).
	OnRows func(table schemas.TableID, rows int64)
	// QueueBatches bounds the decoded API pages waiting between extraction and the transform
	// (0: DefaultQueueBatches; negative: no queue, transform on the extractor's emit call).
	QueueBatches int
	// ProgressEvery, when > 0 and the Extractor is a Statuser, logs the export's progress at
	// INFO this often while it runs, and the changes of the request rate (see progressLog).
	ProgressEvery time.Duration
}

// DefaultQueueBatches is the default bound on decoded pages queued between extraction and the
// transform. The queue lets the API workers go on fetching while a page is transformed and
// written (the extractor's emit is serial and holds its workers while it runs); it is full
// only when the sink is slower than the API, and then holds at most this many pages (a
// goals page of 100 goals is the largest, a few hundred kB decoded).
const DefaultQueueBatches = 64

// Summary is the run summary printed at the end of a run (stdout or --summary-file).
type Summary struct {
	RunID           string                           `json:"run_id"`
	SnapshotDate    string                           `json:"snapshot_date"`
	Backdated       bool                             `json:"backdated,omitempty"` // the data was read on another day (started_at) than snapshot_date
	Status          string                           `json:"status"`              // succeeded | failed
	ExitCode        int                              `json:"exit_code"`
	Error           string                           `json:"error,omitempty"`
	StartedAt       time.Time                        `json:"started_at"`
	FinishedAt      time.Time                        `json:"finished_at"`
	DurationSeconds float64                          `json:"duration_seconds"`
	Version         string                           `json:"wbexport_version"`
	Sink            string                           `json:"sink"`
	APIBaseURL      string                           `json:"api_base_url"`
	Tables          map[schemas.TableID]TableSummary `json:"tables"`
	API             *extract.Report                  `json:"api,omitempty"`
}

// TableSummary is one table's line in the summary.
type TableSummary struct {
	Rows     int64    `json:"rows"`
	Files    int      `json:"files"`
	Bytes    int64    `json:"bytes"`
	Location string   `json:"location,omitempty"`
	JobIDs   []string `json:"job_ids,omitempty"`
}

// Status values of a run.
const (
	StatusSucceeded = transform.StatusSucceeded
	StatusFailed    = transform.StatusFailed
)

// Run executes one export. It always returns a Summary (with Status failed and Error set when
// err != nil). The caller owns cfg.Sink and closes it.
func Run(ctx context.Context, cfg Config) (*Summary, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	alloc := cfg.Alloc
	if alloc == nil {
		alloc = memory.DefaultAllocator
	}
	sum := &Summary{
		RunID:        cfg.Run.RunID,
		SnapshotDate: cfg.Run.Date(),
		Backdated:    cfg.Backdated,
		StartedAt:    time.Now().UTC(),
		Version:      cfg.Run.Version,
		Sink:         cfg.SinkName,
		APIBaseURL:   cfg.APIBase,
		Tables:       map[schemas.TableID]TableSummary{},
	}
	log.Info("run started", "run_id", sum.RunID, "snapshot_date", sum.SnapshotDate, "sink", cfg.SinkName, "api", cfg.APIBase)
	if cfg.Backdated {
		log.Warn("backdated run: the snapshot holds WorkBoard's current state, labelled with another day", "snapshot_date", sum.SnapshotDate, "read_on", sum.StartedAt.Format(time.DateOnly))
	}

	err := extractAndStage(ctx, cfg, alloc, sum, log)
	var res *sinks.Result
	if err == nil {
		log.Info("publishing", "tables", len(cfg.Run.Tables))
		res, err = cfg.Sink.Commit(ctx)
		if err != nil {
			err = fmt.Errorf("publish: %w", err)
		}
	}
	if res != nil {
		for name, tr := range res.Tables {
			ts := sum.Tables[name]
			ts.Rows, ts.Files, ts.Bytes, ts.Location, ts.JobIDs = tr.Rows, tr.Files, tr.Bytes, tr.Location, tr.JobIDs
			sum.Tables[name] = ts
		}
	}
	if err != nil {
		// Discard what was staged; published data stays as it was.
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
		if aerr := cfg.Sink.Abort(actx); aerr != nil {
			log.Error("abort failed; staging may be left behind (cleaned by the next run)", "error", aerr)
		}
		cancel()
	}
	finish(sum, err)
	// The ledger row is written even for a failed run, on a context that survives cancellation,
	// bounded in time.
	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
	defer cancel()
	if lerr := appendLedger(lctx, cfg, alloc, sum); lerr != nil {
		log.Error("could not append the run ledger row", "error", lerr)
		if err == nil {
			err = fmt.Errorf("append _sync_runs: %w", lerr)
			finish(sum, err)
		}
	}
	if err != nil {
		log.Error("run failed", "run_id", sum.RunID, "error", err)
	} else {
		log.LogAttrs(ctx, slog.LevelInfo, "run succeeded", slog.String("run_id", sum.RunID),
			seconds("duration_s", time.Duration(sum.DurationSeconds*float64(time.Second))))
	}
	return sum, err
}

func finish(sum *Summary, err error) {
	sum.FinishedAt = time.Now().UTC()
	sum.DurationSeconds = sum.FinishedAt.Sub(sum.StartedAt).Seconds()
	if err != nil {
		sum.Status, sum.Error, sum.ExitCode = StatusFailed, workboard.Redact(err.Error()), 1
	} else {
		sum.Status, sum.Error, sum.ExitCode = StatusSucceeded, "", 0
	}
}

func extractAndStage(ctx context.Context, cfg Config, alloc memory.Allocator, sum *Summary, log *slog.Logger) error {
	emit := func(ctx context.Context, table schemas.TableID, rec arrow.RecordBatch) error {
		if err := cfg.Sink.Write(ctx, table, rec); err != nil {
			return fmt.Errorf("write %s: %w", table, err)
		}
		if cfg.OnRows != nil {
			cfg.OnRows(table, rec.NumRows())
		}
		return nil
	}
	opts := []transform.Option{transform.WithTables(schemas.IDs(cfg.Run.Tables)...)}
	if cfg.BatchRows > 0 {
		opts = append(opts, transform.WithBatchRows(cfg.BatchRows))
	}
	tr, err := transform.New(alloc, transform.Lineage{RunID: cfg.Run.RunID, SnapshotDate: cfg.Run.SnapshotDate}, emit, opts...)
	if err != nil {
		return err
	}
	defer tr.Release()

	report, err := exportWithProgress(ctx, cfg, tr.Add, log)
	sum.API = report
	if err != nil {
		return err
	}
	if err := tr.Flush(ctx); err != nil {
		return err
	}
	for name, n := range tr.Rows() {
		ts := sum.Tables[name]
		ts.Rows = n
		sum.Tables[name] = ts
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	log.LogAttrs(ctx, slog.LevelInfo, "extracted", RowsAttr(tr.Rows()))
	return nil
}

// exportWithProgress runs exportInto, logging its progress meanwhile (Config.ProgressEvery).
func exportWithProgress(ctx context.Context, cfg Config, add func(context.Context, *workboard.Batch) error, log *slog.Logger) (*extract.Report, error) {
	src, ok := cfg.Extractor.(Statuser)
	if cfg.ProgressEvery <= 0 || !ok {
		return exportInto(ctx, cfg, add)
	}
	pctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		(&progressLog{src: src, log: log, every: cfg.ProgressEvery}).run(pctx)
	}()
	report, err := exportInto(ctx, cfg, add)
	stop()
	<-done
	return report, err
}

// stageError marks the transform/sink side as the first to fail.
type stageError struct{ err error }

func (e *stageError) Error() string { return e.err.Error() }
func (e *stageError) Unwrap() error { return e.err }

// exportInto runs the extractor and hands every batch to add, in the order the extractor
// emits them. With a queue (the default), add runs on its own goroutine, so the extractor's
// workers keep C requests in flight while pages are transformed and written; a full queue
// makes emit wait (back-pressure), and an add error stops the extraction. When both sides
// fail, the error returned is the one that happened first.
func exportInto(ctx context.Context, cfg Config, add func(context.Context, *workboard.Batch) error) (*extract.Report, error) {
	depth := cfg.QueueBatches
	if depth == 0 {
		depth = DefaultQueueBatches
	}
	if depth < 0 {
		return cfg.Extractor.Export(ctx, cfg.Plan, add)
	}
	sctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	q := make(chan *workboard.Batch, depth)
	done := make(chan error, 1)
	go func() {
		var err error
		for b := range q {
			if err != nil || sctx.Err() != nil {
				continue // drain: the extractor is being stopped
			}
			if err = add(sctx, b); err != nil {
				cancel(&stageError{err})
			}
		}
		done <- err
	}()
	emit := func(_ context.Context, b *workboard.Batch) error {
		select {
		case q <- b:
			return nil
		case <-sctx.Done():
			return context.Cause(sctx)
		}
	}
	report, xerr := cfg.Extractor.Export(sctx, cfg.Plan, emit)
	if xerr != nil {
		cancel(xerr) // stop the consumer; a no-op if it failed first
	}
	close(q)
	aerr := <-done
	var se *stageError
	switch {
	case errors.As(context.Cause(sctx), &se):
		return report, se.err // the transform or sink failed first
	case xerr != nil:
		return report, xerr
	case aerr != nil:
		return report, aerr
	}
	return report, ctx.Err()
}

func appendLedger(ctx context.Context, cfg Config, alloc memory.Allocator, sum *Summary) error {
	js, err := json.Marshal(sum)
	if err != nil {
		return err
	}
	js = []byte(workboard.Redact(string(js)))
	row := transform.LedgerRow{
		RunID:        sum.RunID,
		SnapshotDate: cfg.Run.SnapshotDate,
		Status:       sum.Status,
		StartedAt:    sum.StartedAt,
		FinishedAt:   sum.FinishedAt,
		Version:      sum.Version,
		Sink:         sum.Sink,
		APIBaseURL:   sum.APIBaseURL,
		Tables:       schemas.IDs(cfg.Run.Tables),
		Summary:      js,
		Error:        sum.Error,
	}
	if sum.API != nil && sum.API.RequestsPerGoal > 0 {
		row.RequestsPerGoal = workboard.Some(sum.API.RequestsPerGoal)
	}
	rec, err := transform.Ledger(alloc, row)
	if err != nil {
		return err
	}
	defer rec.Release()
	return cfg.Sink.AppendLedger(ctx, rec)
}
