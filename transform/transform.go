// Package transform turns the records of package workboard (as package extract emits them)
// into Arrow record batches, one stream of batches per table of package schemas.
//
// A Transformer owns one RecordBuilder per selected table. Add appends the records of a
// workboard.Batch row by row through a hand-written appender per table (no reflection); whenever a
// table's pending rows reach the batch row limit or the estimated byte limit, the batch is handed
// to the Emit callback and the builder starts afresh. Flush emits what remains. Every emitted
// record has exactly the table's Arrow schema (schemas.Table.Arrow), lineage included:
// snapshot_date and _run_id from the run's Lineage, _extracted_at from the record's
// Meta.ExtractedAt and _extra from the record's Extra.
//
// Value rules: ids are INT64; times are TIMESTAMP µs UTC; numbers FLOAT64; an invalid workboard.Opt
// becomes NULL; list columns are never null (a nil slice is an empty list); JSON columns hold the
// API's JSON text byte for byte and are NULL when the text is empty, null, [] or {}; strings are
// copied byte for byte.
//
//	tr, err := transform.New(alloc, transform.Lineage{RunID: transform.RunID(), SnapshotDate: day}, emit)
//	defer tr.Release()
//	exporter.Export(ctx, plan, tr.Add) // Add has extract's emit signature
//	tr.Flush(ctx)
package transform

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/workboard"
)

// Emit receives one finished record batch of table. The Transformer releases rec after Emit
// returns: an Emit that keeps rec (or any of its columns) must Retain it. A non-nil error stops
// the transformation and is returned by Add or Flush.
type Emit func(ctx context.Context, table schemas.TableID, rec arrow.RecordBatch) error

// Lineage identifies the run every row is written for.
type Lineage struct {
	RunID        string    // UUIDv7 of the run (see RunID); written to _run_id
	SnapshotDate time.Time // the snapshot day; its UTC calendar date is written to snapshot_date
}

// Defaults of the options.
const (
	// DefaultBatchRows is the largest number of rows in one emitted record batch.
	DefaultBatchRows = 64 * 1024
	// DefaultBatchBytes is the estimated size (values, offsets and validity) at which a table's
	// pending rows are emitted even if DefaultBatchRows is not reached.
	DefaultBatchBytes = 8 << 20
)

// Option configures a Transformer.
type Option func(*config)

type config struct {
	batchRows  int
	batchBytes int
	tables     []schemas.TableID
}

// WithBatchRows sets the maximum number of rows per emitted record batch (default
// DefaultBatchRows). n must be positive.
func WithBatchRows(n int) Option { return func(c *config) { c.batchRows = n } }

// WithBatchBytes sets the estimated batch size in bytes at which pending rows are emitted
// (default DefaultBatchBytes). n must be positive.
func WithBatchBytes(n int) Option { return func(c *config) { c.batchBytes = n } }

// WithTables restricts the Transformer to the given data tables (default, and with no tables:
// every data table). Records of other tables passed to Add are ignored; an unknown table makes
// New fail. The run ledger (_sync_runs) is not a transform table; build it with Ledger.
func WithTables(tables ...schemas.TableID) Option {
	return func(c *config) { c.tables = append([]schemas.TableID(nil), tables...) }
}

// Transformer converts extract batches into Arrow record batches. It is not safe for concurrent
// use. After Add or Flush returned an error, the Transformer must only be Released.
type Transformer struct {
	emit     Emit
	cfg      config
	builders map[schemas.TableID]*tableBuilder // the selected tables
	order    []*tableBuilder                   // the selected tables in export order
	err      error                             // sticky error
	released bool
}

// New returns a Transformer that allocates from alloc, stamps every row with lin and hands
// finished batches to emit.
func New(alloc memory.Allocator, lin Lineage, emit Emit, opts ...Option) (*Transformer, error) {
	if alloc == nil {
		alloc = memory.DefaultAllocator
	}
	if emit == nil {
		return nil, errors.New("transform: emit callback is nil")
	}
	if lin.RunID == "" {
		return nil, errors.New("transform: lineage has no run id")
	}
	if lin.SnapshotDate.IsZero() {
		return nil, errors.New("transform: lineage has no snapshot date")
	}
	cfg := config{batchRows: DefaultBatchRows, batchBytes: DefaultBatchBytes}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.batchRows <= 0 {
		return nil, fmt.Errorf("transform: batch rows must be positive, got %d", cfg.batchRows)
	}
	if cfg.batchBytes <= 0 {
		return nil, fmt.Errorf("transform: batch bytes must be positive, got %d", cfg.batchBytes)
	}
	ids := cfg.tables
	if ids == nil {
		ids = schemas.IDs(schemas.DataTables())
	}
	selected := map[schemas.TableID]bool{}
	for _, id := range ids {
		t, ok := schemas.Lookup(id)
		if !ok {
			return nil, fmt.Errorf("transform: unknown table %q (known: %s)", id, schemas.IDs(schemas.DataTables()))
		}
		if t.Ledger {
			return nil, fmt.Errorf("transform: table %s is the run ledger; build it with transform.Ledger", id)
		}
		selected[id] = true
	}
	lv := lineageValues{
		runID: lin.RunID,
		date:  dateOf(lin.SnapshotDate),
	}
	tr := &Transformer{emit: emit, cfg: cfg, builders: map[schemas.TableID]*tableBuilder{}}
	for _, t := range schemas.DataTables() {
		if selected[t.Name] {
			tb := newTableBuilder(alloc, t, &lv)
			tr.builders[t.Name] = tb
			tr.order = append(tr.order, tb)
		}
	}
	return tr, nil
}

// dateOf returns the Arrow date of t's UTC calendar day.
func dateOf(t time.Time) arrow.Date32 {
	y, m, d := t.UTC().Date()
	return arrow.Date32FromTime(time.Date(y, m, d, 0, 0, 0, 0, time.UTC))
}

// Tables returns the tables this Transformer builds, in export order.
func (tr *Transformer) Tables() []schemas.TableID {
	out := make([]schemas.TableID, len(tr.order))
	for i, tb := range tr.order {
		out[i] = tb.table.Name
	}
	return out
}

// Add appends every record of b to its table, emitting each table's batch as soon as it is
// full. It has the signature of extract's emit callback, so it can be passed to
// extract.Exporter.Export directly. Records of tables that are not selected are ignored.
func (tr *Transformer) Add(ctx context.Context, b *workboard.Batch) error {
	if err := tr.usable(); err != nil {
		return err
	}
	if b == nil {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := tr.add(ctx, b); err != nil {
		tr.err = err
		return err
	}
	return nil
}

// add appends every record of b to its table, table by table in export order.
func (tr *Transformer) add(ctx context.Context, b *workboard.Batch) error {
	if err := appendRows(ctx, tr, schemas.Users, b.Users, appendUser); err != nil {
		return err
	}
	if err := appendRows(ctx, tr, schemas.Teams, b.Teams, appendTeam); err != nil {
		return err
	}
	if err := appendRows(ctx, tr, schemas.TeamMembers, b.TeamMembers, appendTeamMember); err != nil {
		return err
	}
	if err := appendRows(ctx, tr, schemas.Goals, b.Goals, appendGoal); err != nil {
		return err
	}
	if err := appendRows(ctx, tr, schemas.KeyResults, b.KeyResults, appendKeyResult); err != nil {
		return err
	}
	if err := appendRows(ctx, tr, schemas.KeyResultCheckins, b.Checkins, appendCheckin); err != nil {
		return err
	}
	if err := appendRows(ctx, tr, schemas.KeyResultConf, b.Confidence, appendConfidence); err != nil {
		return err
	}
	if err := appendRows(ctx, tr, schemas.KeyResultComments, b.KRComments, appendKRComment); err != nil {
		return err
	}
	if err := appendRows(ctx, tr, schemas.GoalComments, b.GoalComments, appendGoalComment); err != nil {
		return err
	}
	if err := appendRows(ctx, tr, schemas.Tags, b.Tags, appendTag); err != nil {
		return err
	}
	if err := appendRows(ctx, tr, schemas.KeyResultTags, b.KRTags, appendKRTag); err != nil {
		return err
	}
	return appendRows(ctx, tr, schemas.GoalAlignments, b.Alignments, appendAlignment)
}

// appendRows appends rows to table id, one row per record through the table's appender row,
// and emits the table's batch whenever it is full. Rows of a table that is not selected are
// ignored.
func appendRows[T any](ctx context.Context, tr *Transformer, id schemas.TableID, rows []T, row func(*tableBuilder, *T)) error {
	if len(rows) == 0 {
		return nil
	}
	tb := tr.builders[id]
	if tb == nil {
		return nil
	}
	for i := range rows {
		row(tb, &rows[i])
		if err := tr.endRow(ctx, tb); err != nil {
			return err
		}
	}
	return nil
}

// endRow checks the row just appended and emits the table's batch when it is full.
func (tr *Transformer) endRow(ctx context.Context, tb *tableBuilder) error {
	if err := tb.end(); err != nil {
		return err
	}
	if tb.rows >= tr.cfg.batchRows || tb.bytes >= tr.cfg.batchBytes {
		return tr.emitTable(ctx, tb)
	}
	return nil
}

func (tr *Transformer) emitTable(ctx context.Context, tb *tableBuilder) error {
	if tb.rows == 0 {
		return nil
	}
	rec := tb.rb.NewRecordBatch()
	defer rec.Release()
	tb.rows, tb.bytes = 0, 0
	tb.batches++
	if err := tr.emit(ctx, tb.table.Name, rec); err != nil {
		return fmt.Errorf("transform: emit %s: %w", tb.table.Name, err)
	}
	return nil
}

// Flush emits every table's pending rows (tables without pending rows emit nothing).
func (tr *Transformer) Flush(ctx context.Context) error {
	if err := tr.usable(); err != nil {
		return err
	}
	for _, tb := range tr.order {
		if err := tr.emitTable(ctx, tb); err != nil {
			tr.err = err
			return err
		}
	}
	return nil
}

func (tr *Transformer) usable() error {
	if tr.released {
		return errors.New("transform: Transformer used after Release")
	}
	return tr.err
}

// Rows returns the number of rows appended so far per selected table (all of them have been
// emitted once Flush returned nil).
func (tr *Transformer) Rows() map[schemas.TableID]int64 {
	out := make(map[schemas.TableID]int64, len(tr.order))
	for _, tb := range tr.order {
		out[tb.table.Name] = tb.total
	}
	return out
}

// Batches returns the number of record batches emitted so far per selected table.
func (tr *Transformer) Batches() map[schemas.TableID]int {
	out := make(map[schemas.TableID]int, len(tr.order))
	for _, tb := range tr.order {
		out[tb.table.Name] = tb.batches
	}
	return out
}

// Release frees the builders and any rows not yet emitted. It is safe to call more than once.
func (tr *Transformer) Release() {
	if tr.released {
		return
	}
	tr.released = true
	for _, tb := range tr.order {
		tb.rb.Release()
	}
}
