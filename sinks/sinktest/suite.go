package sinktest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/google/uuid"
	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/sinks"
)

// Dates used by the suite's runs.
const (
	Date1 = "2026-03-01"
	Date2 = "2026-03-02"
)

// Version is the wbexport version the suite's runs report.
const Version = "sinktest"

// NewRun returns a RunInfo with a fresh UUIDv7 run id (ids increase in creation order) for date
// (YYYY-MM-DD) and tables (every data table when none are given).
func NewRun(t testing.TB, date string, tables ...*schemas.Table) sinks.RunInfo {
	t.Helper()
	d, err := time.Parse(time.DateOnly, date)
	if err != nil {
		t.Fatalf("sinktest: bad date %q: %v", date, err)
	}
	if len(tables) == 0 {
		tables = schemas.DataTables()
	}
	id, err := uuid.NewV7()
	if err != nil {
		t.Fatalf("sinktest: uuid: %v", err)
	}
	return sinks.RunInfo{RunID: id.String(), SnapshotDate: d, Tables: tables, Version: Version}
}

// Run runs the conformance suite against h. Every sub-test gets a fresh Destination.
//
// Usage, in a sink package's tests (see sinks/local/localtest for a complete Destination):
//
//	func TestConformance(t *testing.T) {
//		sinktest.Run(t, func(t *testing.T) sinktest.Destination {
//			return &myDestination{bucket: newBucket(t)} // Open/Read/Ledger
//		})
//	}
//
// Runs use the dates Date1 and Date2 and fresh UUIDv7 run ids (NewRun); rows carry the run's
// snapshot_date and _run_id, so partitioned stores accept them. Records
// the suite writes come from a memory.CheckedAllocator; each sub-test asserts that nothing
// allocated from it leaks (so a sink must Release whatever it Retains by Close).
//
// Sub-tests:
//
//	WriteCommitRead     a few batches (one with zero rows) to every data table, Commit, Read
//	                    returns exactly them, Result counts them
//	EmptyTable          a table that got no rows is published as an empty partition
//	RerunReplaces       a second run of the same date replaces the first (old rows gone)
//	TwoDates            two dates are two partitions; the second leaves the first untouched
//	AbortKeepsPrevious  Abort publishes nothing and keeps the previous snapshot of that date
//	CloseWithoutCommit  Write then Close (no Commit/Abort) publishes nothing
//	Ledger              AppendLedger appends: two runs give two ledger rows
//	WrongSchema         Write with a wrong schema or an unknown table fails with a clear error
//	EdgeValues          unicode, NULL, empty lists, int64 min/max, ±Inf, NaN, extreme
//	                    timestamps and a 1 MiB string round-trip exactly
//
// Options adapt the suite to a destination that holds one snapshot (SingleSnapshot) or stores
// values with less range or precision than Arrow (TimestampResolution, NoEdgeValues).
func Run(t *testing.T, h Harness, opts ...Option) {
	var o options
	for _, f := range opts {
		f(&o)
	}
	h = o.wrap(h)
	t.Run("WriteCommitRead", func(t *testing.T) { testWriteCommitRead(t, h) })
	t.Run("EmptyTable", func(t *testing.T) { testEmptyTable(t, h) })
	t.Run("RerunReplaces", func(t *testing.T) { testRerunReplaces(t, h) })
	if o.single {
		t.Run("SecondDateReplacesFirst", func(t *testing.T) { testSecondDateReplacesFirst(t, h) })
	} else {
		t.Run("TwoDates", func(t *testing.T) { testTwoDates(t, h) })
	}
	t.Run("AbortKeepsPrevious", func(t *testing.T) { testAbortKeepsPrevious(t, h) })
	t.Run("CloseWithoutCommit", func(t *testing.T) { testCloseWithoutCommit(t, h) })
	t.Run("Ledger", func(t *testing.T) { testLedger(t, h) })
	t.Run("WrongSchema", func(t *testing.T) { testWrongSchema(t, h) })
	if o.noEdge == "" {
		t.Run("EdgeValues", func(t *testing.T) { testEdgeValues(t, h) })
	}
}

// Option adapts the suite to a destination.
type Option func(*options)

type options struct {
	single bool
	res    time.Duration
	noEdge string
}

// SingleSnapshot is for a destination that holds one snapshot (a workbook): TwoDates is
// replaced by SecondDateReplacesFirst (a run of another date replaces the first date's data).
func SingleSnapshot() Option { return func(o *options) { o.single = true } }

// TimestampResolution is for a destination that stores timestamps to d (e.g. a millisecond):
// what the suite wrote is truncated to d before it is compared with what the destination reads.
func TimestampResolution(d time.Duration) Option { return func(o *options) { o.res = d } }

// NoEdgeValues skips EdgeValues, for a destination that cannot hold Arrow's extremes (why says
// which, for the test log).
func NoEdgeValues(why string) Option { return func(o *options) { o.noEdge = why } }

// wrap returns h with reads rounded to the wanted resolution, or h itself.
func (o options) wrap(h Harness) Harness {
	if o.res <= 0 {
		return h
	}
	return func(t *testing.T) Destination { return roundingDestination{h(t), o.res} }
}

// roundingDestination marks a destination that stores timestamps to res: the suite rounds what
// it expects to res before comparing (expectPublished, the ledger checks).
type roundingDestination struct {
	Destination
	res time.Duration
}

// resolution is the timestamp resolution a destination stores (0: exact).
func resolution(d Destination) time.Duration {
	if r, ok := d.(roundingDestination); ok {
		return r.res
	}
	return 0
}

// roundRows returns rows with every timestamp truncated to res.
func roundRows(rows []Row, res time.Duration) []Row {
	if res <= 0 {
		return rows
	}
	out := make([]Row, len(rows))
	for i, r := range rows {
		c := make(Row, len(r))
		for k, v := range r {
			if ts, ok := v.(time.Time); ok {
				v = ts.Truncate(res)
			}
			c[k] = v
		}
		out[i] = c
	}
	return out
}

func checkedAlloc(t *testing.T) *memory.CheckedAllocator {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	return mem
}

func ctx(t *testing.T) context.Context { return t.Context() }

// smallTables are the tables used by sub-tests that do not need every table (keeps slow
// destinations such as BigQuery fast): one with lists and JSON, one with many types.
func smallTables() []*schemas.Table {
	u, _ := schemas.Lookup(schemas.Users)
	g, _ := schemas.Lookup(schemas.Goals)
	return []*schemas.Table{u, g}
}

// written accumulates what a run wrote, per table, in canonical form.
type written map[schemas.TableID][]Row

// writeSample writes batches of sample rows (sizes given) for table and records them in w.
func writeSample(t *testing.T, s sinks.Sink, mem memory.Allocator, run sinks.RunInfo, table *schemas.Table, w written, seed int64, sizes ...int) {
	t.Helper()
	for i, n := range sizes {
		rec := SampleRecords(mem, table, n, seed*100+int64(i), WithDate(run.Date()), WithRunID(run.RunID))
		w[table.Name] = append(w[table.Name], CanonicalRows(rec)...)
		err := s.Write(ctx(t), table.Name, rec)
		rec.Release()
		if err != nil {
			t.Fatalf("Write(%s, %d rows): %v", table.Name, n, err)
		}
	}
}

func commit(t *testing.T, s sinks.Sink) *sinks.Result {
	t.Helper()
	res, err := s.Commit(ctx(t))
	if err != nil {
		t.Fatalf("Commit: %v", err)
	}
	if res == nil {
		t.Fatal("Commit returned a nil Result")
	}
	return res
}

func closeSink(t *testing.T, s sinks.Sink) {
	t.Helper()
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

// expectPublished asserts that table's partition at date is published with exactly want.
func expectPublished(t *testing.T, d Destination, table schemas.TableID, date string, want []Row) {
	t.Helper()
	got, published := d.Read(t, table, date)
	if !published {
		t.Errorf("%s@%s: not published, want %d rows", table, date, len(want))
		return
	}
	want = roundRows(want, resolution(d))
	if diff := DiffRows(want, got); diff != "" {
		t.Errorf("%s@%s: published rows differ:\n%s", table, date, diff)
	}
}

func expectUnpublished(t *testing.T, d Destination, table schemas.TableID, date string) {
	t.Helper()
	got, published := d.Read(t, table, date)
	if published {
		t.Errorf("%s@%s: published (%d rows), want nothing published", table, date, len(got))
	}
}

func testWriteCommitRead(t *testing.T, h Harness) {
	mem := checkedAlloc(t)
	d := h(t)
	run := NewRun(t, Date1)
	s := d.Open(t, run)
	w := written{}
	for i, tbl := range run.Tables {
		writeSample(t, s, mem, run, tbl, w, int64(i+1), 3, 0, 1, 7) // includes a zero-row batch
	}
	res := commit(t, s)
	closeSink(t, s)
	for _, tbl := range run.Tables {
		expectPublished(t, d, tbl.Name, run.Date(), w[tbl.Name])
		tr, ok := res.Tables[tbl.Name]
		if !ok {
			t.Errorf("Result has no entry for %s", tbl.Name)
			continue
		}
		if tr.Rows != int64(len(w[tbl.Name])) {
			t.Errorf("Result[%s].Rows = %d, want %d", tbl.Name, tr.Rows, len(w[tbl.Name]))
		}
		if tr.Location == "" {
			t.Errorf("Result[%s].Location is empty", tbl.Name)
		}
	}
	if len(res.Tables) != len(run.Tables) {
		t.Errorf("Result has %d tables, want %d", len(res.Tables), len(run.Tables))
	}
}

func testEmptyTable(t *testing.T, h Harness) {
	mem := checkedAlloc(t)
	d := h(t)
	tables := smallTables()
	// First publish rows for both, then a rerun where the second table gets nothing: its
	// partition must be replaced by an empty one.
	run1 := NewRun(t, Date1, tables...)
	s := d.Open(t, run1)
	w1 := written{}
	for i, tbl := range tables {
		writeSample(t, s, mem, run1, tbl, w1, int64(i+1), 4)
	}
	commit(t, s)
	closeSink(t, s)

	run2 := NewRun(t, Date1, tables...)
	s = d.Open(t, run2)
	w2 := written{}
	writeSample(t, s, mem, run2, tables[0], w2, 7, 2)
	res := commit(t, s)
	closeSink(t, s)
	expectPublished(t, d, tables[0].Name, Date1, w2[tables[0].Name])
	expectPublished(t, d, tables[1].Name, Date1, nil)
	if tr := res.Tables[tables[1].Name]; tr.Rows != 0 {
		t.Errorf("Result[%s].Rows = %d, want 0", tables[1].Name, tr.Rows)
	}
	// A table that never had data on a new date is published empty too.
	run3 := NewRun(t, Date2, tables...)
	s = d.Open(t, run3)
	commit(t, s)
	closeSink(t, s)
	for _, tbl := range tables {
		expectPublished(t, d, tbl.Name, Date2, nil)
	}
}

func testRerunReplaces(t *testing.T, h Harness) {
	mem := checkedAlloc(t)
	d := h(t)
	tables := smallTables()
	run1 := NewRun(t, Date1, tables...)
	s := d.Open(t, run1)
	w1 := written{}
	for i, tbl := range tables {
		writeSample(t, s, mem, run1, tbl, w1, int64(i+1), 5, 5)
	}
	commit(t, s)
	closeSink(t, s)

	// Same date, overlapping keys (seed 1 again for the first table) and fewer rows.
	run2 := NewRun(t, Date1, tables...)
	s = d.Open(t, run2)
	w2 := written{}
	writeSample(t, s, mem, run2, tables[0], w2, 1, 3)
	writeSample(t, s, mem, run2, tables[1], w2, 9, 2)
	commit(t, s)
	closeSink(t, s)
	for _, tbl := range tables {
		expectPublished(t, d, tbl.Name, Date1, w2[tbl.Name])
	}
}

// publishTwoDates publishes every small table on Date1 (seeds 1…, 4 rows), then on Date2
// (seeds 11…, 6 rows), and returns the tables and what each run wrote.
func publishTwoDates(t *testing.T, d Destination) (tables []*schemas.Table, w1, w2 written) {
	mem := checkedAlloc(t)
	tables = smallTables()
	publish := func(date string, seed int64, rows int) written {
		run := NewRun(t, date, tables...)
		s := d.Open(t, run)
		w := written{}
		for i, tbl := range tables {
			writeSample(t, s, mem, run, tbl, w, seed+int64(i), rows)
		}
		commit(t, s)
		closeSink(t, s)
		return w
	}
	return tables, publish(Date1, 1, 4), publish(Date2, 11, 6)
}

func testTwoDates(t *testing.T, h Harness) {
	d := h(t)
	tables, w1, w2 := publishTwoDates(t, d)
	for _, tbl := range tables {
		expectPublished(t, d, tbl.Name, Date1, w1[tbl.Name])
		expectPublished(t, d, tbl.Name, Date2, w2[tbl.Name])
	}
}

func testSecondDateReplacesFirst(t *testing.T, h Harness) {
	d := h(t)
	tables, _, w2 := publishTwoDates(t, d)
	for _, tbl := range tables {
		expectUnpublished(t, d, tbl.Name, Date1)
		expectPublished(t, d, tbl.Name, Date2, w2[tbl.Name])
	}
}

func testAbortKeepsPrevious(t *testing.T, h Harness) {
	mem := checkedAlloc(t)
	d := h(t)
	tables := smallTables()
	run1 := NewRun(t, Date1, tables...)
	s := d.Open(t, run1)
	w1 := written{}
	for i, tbl := range tables {
		writeSample(t, s, mem, run1, tbl, w1, int64(i+1), 4)
	}
	commit(t, s)
	closeSink(t, s)

	run2 := NewRun(t, Date1, tables...)
	s = d.Open(t, run2)
	for i, tbl := range tables {
		writeSample(t, s, mem, run2, tbl, written{}, int64(i+21), 3)
	}
	if err := s.Abort(ctx(t)); err != nil {
		t.Fatalf("Abort: %v", err)
	}
	closeSink(t, s)
	for _, tbl := range tables {
		expectPublished(t, d, tbl.Name, Date1, w1[tbl.Name])
	}

	// Abort on a date that was never published leaves it unpublished.
	run3 := NewRun(t, Date2, tables...)
	s = d.Open(t, run3)
	writeSample(t, s, mem, run3, tables[0], written{}, 31, 2)
	if err := s.Abort(ctx(t)); err != nil {
		t.Fatalf("Abort: %v", err)
	}
	closeSink(t, s)
	for _, tbl := range tables {
		expectUnpublished(t, d, tbl.Name, Date2)
	}
}

func testCloseWithoutCommit(t *testing.T, h Harness) {
	mem := checkedAlloc(t)
	d := h(t)
	tables := smallTables()
	run1 := NewRun(t, Date1, tables...)
	s := d.Open(t, run1)
	w1 := written{}
	for i, tbl := range tables {
		writeSample(t, s, mem, run1, tbl, w1, int64(i+1), 4)
	}
	commit(t, s)
	closeSink(t, s)

	run2 := NewRun(t, Date1, tables...)
	s = d.Open(t, run2)
	for i, tbl := range tables {
		writeSample(t, s, mem, run2, tbl, written{}, int64(i+41), 3)
	}
	closeSink(t, s)
	for _, tbl := range tables {
		expectPublished(t, d, tbl.Name, Date1, w1[tbl.Name])
	}

	run3 := NewRun(t, Date2, tables...)
	s = d.Open(t, run3)
	writeSample(t, s, mem, run3, tables[1], written{}, 51, 2)
	closeSink(t, s)
	for _, tbl := range tables {
		expectUnpublished(t, d, tbl.Name, Date2)
	}
}

// LedgerRow builds the one-row _sync_runs batch for run (status, times and sink are fixed test
// values). The caller must Release it.
func LedgerRow(mem memory.Allocator, run sinks.RunInfo, status string) arrow.RecordBatch {
	tbl, _ := schemas.Lookup(schemas.SyncRuns)
	b := array.NewRecordBuilder(mem, tbl.Arrow())
	defer b.Release()
	started := run.SnapshotDate.Add(2 * time.Hour)
	for c, col := range tbl.Columns {
		fb := b.Field(c)
		switch col.Name {
		case "run_id":
			fb.(*array.StringBuilder).Append(run.RunID)
		case schemas.ColSnapshotDate:
			fb.(*array.Date32Builder).Append(arrow.Date32FromTime(run.SnapshotDate))
		case "status":
			fb.(*array.StringBuilder).Append(status)
		case "started_at":
			fb.(*array.TimestampBuilder).Append(arrow.Timestamp(started.UnixMicro()))
		case "finished_at":
			fb.(*array.TimestampBuilder).Append(arrow.Timestamp(started.Add(90*time.Second + 123456*time.Microsecond).UnixMicro()))
		case "wbexport_version":
			fb.(*array.StringBuilder).Append(run.Version)
		case "sink":
			fb.(*array.StringBuilder).Append("sinktest://destination")
		case "api_base_url":
			fb.(*array.StringBuilder).Append("https://www.myworkboard.com/wb/apis")
		case "tables":
			lb := fb.(*array.ListBuilder)
			lb.Append(true)
			for _, t := range run.Tables {
				lb.ValueBuilder().(*array.StringBuilder).Append(string(t.Name))
			}
		case "summary":
			fb.(*array.StringBuilder).Append(`{"rows":{"users":3}}`)
		case "error":
			if status == "failed" {
				fb.(*array.StringBuilder).Append("extract: GET /goal page 2: HTTP 500")
			} else {
				fb.AppendNull()
			}
		case "requests_per_goal":
			fb.(*array.Float64Builder).Append(1.25)
		default:
			panic("sinktest: LedgerRow: unhandled column " + col.Name)
		}
	}
	return b.NewRecordBatch()
}

func testLedger(t *testing.T, h Harness) {
	mem := checkedAlloc(t)
	d := h(t)
	tables := smallTables()
	var want []Row
	if got := d.Ledger(t); len(got) != 0 {
		t.Fatalf("fresh destination has %d ledger rows", len(got))
	}

	run1 := NewRun(t, Date1, tables...)
	s := d.Open(t, run1)
	writeSample(t, s, mem, run1, tables[0], written{}, 1, 2)
	commit(t, s)
	rec := LedgerRow(mem, run1, "succeeded")
	want = append(want, CanonicalRows(rec)...)
	err := s.AppendLedger(ctx(t), rec)
	rec.Release()
	if err != nil {
		t.Fatalf("AppendLedger: %v", err)
	}
	closeSink(t, s)
	if diff := DiffRows(roundRows(want, resolution(d)), d.Ledger(t)); diff != "" {
		t.Fatalf("ledger after run 1:\n%s", diff)
	}

	// A second run of the same date that fails (Abort) still appends its row.
	run2 := NewRun(t, Date1, tables...)
	s = d.Open(t, run2)
	writeSample(t, s, mem, run2, tables[0], written{}, 2, 2)
	if err := s.Abort(ctx(t)); err != nil {
		t.Fatalf("Abort: %v", err)
	}
	rec = LedgerRow(mem, run2, "failed")
	want = append(want, CanonicalRows(rec)...)
	err = s.AppendLedger(ctx(t), rec)
	rec.Release()
	if err != nil {
		t.Fatalf("AppendLedger after Abort: %v", err)
	}
	closeSink(t, s)
	if diff := DiffRows(roundRows(want, resolution(d)), d.Ledger(t)); diff != "" {
		t.Errorf("ledger after run 2:\n%s", diff)
	}
}

func testWrongSchema(t *testing.T, h Harness) {
	mem := checkedAlloc(t)
	d := h(t)
	tables := smallTables()
	run := NewRun(t, Date1, tables...)
	s := d.Open(t, run)
	defer closeSink(t, s)

	// A goals batch written to users.
	rec := SampleRecords(mem, tables[1], 2, 1, WithDate(run.Date()), WithRunID(run.RunID))
	err := s.Write(ctx(t), tables[0].Name, rec)
	rec.Release()
	if err == nil {
		t.Errorf("Write(%s, <%s batch>) succeeded, want a schema error", tables[0].Name, tables[1].Name)
	} else if !strings.Contains(err.Error(), string(tables[0].Name)) {
		t.Errorf("schema error %q does not name the table %s", err, tables[0].Name)
	}

	// The right columns with one type changed (user_id as string).
	want := tables[0].Arrow()
	fields := append([]arrow.Field(nil), want.Fields()...)
	i := tables[0].ColumnIndex("user_id")
	fields[i].Type = arrow.BinaryTypes.String
	bad := arrow.NewSchema(fields, nil)
	b := array.NewRecordBuilder(mem, bad)
	for c := range fields {
		b.Field(c).AppendEmptyValue()
	}
	rec = b.NewRecordBatch()
	b.Release()
	err = s.Write(ctx(t), tables[0].Name, rec)
	rec.Release()
	if err == nil {
		t.Errorf("Write with user_id as string succeeded, want a schema error")
	} else if !strings.Contains(err.Error(), "user_id") {
		t.Errorf("schema error %q does not name the column user_id", err)
	}

	// A table the run does not export.
	rec = SampleRecords(mem, tables[0], 1, 1, WithDate(run.Date()), WithRunID(run.RunID))
	err = s.Write(ctx(t), "no_such_table", rec)
	rec.Release()
	if err == nil {
		t.Errorf("Write to an unknown table succeeded")
	} else if !strings.Contains(err.Error(), "no_such_table") {
		t.Errorf("error %q does not name the unknown table", err)
	}
	if err := s.Abort(ctx(t)); err != nil {
		t.Errorf("Abort: %v", err)
	}
}

func testEdgeValues(t *testing.T, h Harness) {
	mem := checkedAlloc(t)
	d := h(t)
	run := NewRun(t, Date1)
	s := d.Open(t, run)
	w := written{}
	for _, tbl := range run.Tables {
		rec := EdgeRecords(mem, tbl, WithDate(run.Date()), WithRunID(run.RunID))
		w[tbl.Name] = CanonicalRows(rec)
		err := s.Write(ctx(t), tbl.Name, rec)
		rec.Release()
		if err != nil {
			t.Fatalf("Write(%s edge rows): %v", tbl.Name, err)
		}
	}
	commit(t, s)
	closeSink(t, s)
	for _, tbl := range run.Tables {
		expectPublished(t, d, tbl.Name, run.Date(), w[tbl.Name])
	}
}
