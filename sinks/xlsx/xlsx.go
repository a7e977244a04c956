// Package xlsx is the spreadsheet sink: one Excel workbook (xlsx://FILE.xlsx) holding one sheet
// per table, for people who open the export in Excel, LibreOffice or Google Sheets.
//
// # The workbook
//
// Sheets are named after the tables, in export order, then _sync_runs. Row 1 of each sheet is
// the header (the column names, bold, frozen); every further row is a table row. Cells are
// typed:
//
//	int64          a number (up to 15 digits, Excel's precision); larger magnitudes as text
//	float64        a number rounded to 15 significant digits (what Excel keeps); NaN, Infinity,
//	               -Infinity as text
//	bool           TRUE / FALSE
//	date           a date (yyyy-mm-dd); before 1900-03-01 as text, YYYY-MM-DD
//	timestamp      a date-time in UTC, truncated to the millisecond (yyyy-mm-dd hh:mm:ss.000);
//	               before 1900-03-01 or from the year 4000 on (where 15 digits no longer hold
//	               milliseconds) as text, RFC 3339 to the microsecond
//	string, JSON   text
//	list           text, a JSON array (["a","b"], [1,2], [])
//	NULL           an empty cell
//
// Text never becomes a formula. The workbook's custom document properties record
// wbexport.snapshot_date, wbexport.run_id and wbexport.version.
//
// # Limits
//
// A sheet holds at most 1,048,576 rows (Excel's limit, header included): a table with more rows
// fails the run with an error that says so, before anything is published. A cell holds at most
// 32,767 characters: a longer value fails the run the same way (CSV has no such limit). Every
// string value is checked; nothing is truncated.
//
// # Publishing
//
// Write streams rows into the workbook's sheets (excelize's stream writer, which keeps large
// sheets in temporary files); Commit saves the workbook to a temporary file next to FILE,
// fsyncs it and renames it over FILE: readers see the previous workbook or the new one, never a
// part. A rerun replaces the workbook (any snapshot date: the file holds one snapshot). Abort
// and Close without Commit leave FILE as it was; a process killed while saving may leave a
// .FILE.*.tmp file next to FILE, which GC (wbexport gc) removes.
//
// The _sync_runs sheet holds the ledger rows of the run that wrote the workbook and of later
// runs that failed (AppendLedger rewrites the file the same atomic way, adding its row). Two
// runs must not write the same file at once (there is no lock).
package xlsx

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/xuri/excelize/v2"

	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/sinks"
	"github.com/wbexport/wbexport/sinks/csvfile"
	"github.com/wbexport/wbexport/sinks/parquetfile"
)

// Excel's limits.
const (
	MaxRows      = 1_048_576 // rows per sheet, header included
	MaxCellChars = 32_767    // characters (UTF-16 code units) per cell
	maxExactInt  = 999_999_999_999_999
)

// Document properties the sink records.
const (
	PropSnapshotDate = "wbexport.snapshot_date"
	PropRunID        = "wbexport.run_id"
	PropVersion      = "wbexport.version"
)

// Number formats of typed cells.
const (
	DateFormat      = "yyyy-mm-dd"
	TimestampFormat = "yyyy-mm-dd hh:mm:ss.000"
)

// excelEpoch is day 0 of Excel's 1900 date system as used for dates from 1900-03-01 on.
var (
	excelEpoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	firstDay   = time.Date(1900, 3, 1, 0, 0, 0, 0, time.UTC)
	lastDay    = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	// lastTime bounds the timestamps written as numbers: Excel keeps 15 significant digits, so a
	// serial date-time is exact to the millisecond below serial 1,000,000 (the year 4637).
	lastTime = time.Date(4000, 1, 1, 0, 0, 0, 0, time.UTC)
)

// ParseURL returns the workbook path of xlsx://PATH (relative or absolute; xlsx:///abs/x.xlsx
// and xlsx://./rel.xlsx both work). The path must end in .xlsx.
func ParseURL(raw string) (string, error) {
	rest, ok := strings.CutPrefix(raw, "xlsx://")
	if !ok {
		return "", fmt.Errorf("sink %s: not an xlsx:// URL", raw)
	}
	if strings.ContainsAny(rest, "?#") {
		return "", fmt.Errorf("sink %s: query and fragment are not supported", raw)
	}
	if !strings.EqualFold(filepath.Ext(rest), ".xlsx") || filepath.Base(rest) == ".xlsx" {
		return "", fmt.Errorf("sink %s: want a workbook file name ending in .xlsx, e.g. xlsx://./okrs.xlsx", raw)
	}
	return rest, nil
}

type state int

const (
	stateOpen state = iota
	stateCommitted
	stateAborted
	stateClosed
)

// Sink writes one run into one workbook. Not safe for concurrent use.
type Sink struct {
	path   string // absolute
	run    sinks.RunInfo
	file   *excelize.File
	sheets map[schemas.TableID]*sheet
	order  []*sheet
	styles styles
	st     state
	failed error
}

type sheet struct {
	table *schemas.Table
	sw    *excelize.StreamWriter
	rows  int64 // data rows written
}

type styles struct{ header, date, timestamp int }

var (
	_ sinks.Sink    = (*Sink)(nil)
	_ sinks.Checker = (*Sink)(nil)
)

// New opens a sink writing run to the workbook at path (its directory must exist). Nothing is
// written to path before Commit.
func New(ctx context.Context, path string, run sinks.RunInfo) (*Sink, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sink xlsx://%s: %w", path, err)
	}
	if st, err := os.Stat(filepath.Dir(abs)); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("sink xlsx://%s: directory %s does not exist", abs, filepath.Dir(abs))
	}
	s := &Sink{path: abs, run: run, sheets: map[schemas.TableID]*sheet{}}
	for _, t := range run.Tables {
		if t.Ledger {
			return nil, s.errorf("the ledger %s is not a data table of a run", t.Name)
		}
	}
	s.file = excelize.NewFile()
	if s.styles, err = newStyles(s.file); err != nil {
		s.file.Close()
		return nil, s.errorf("%w", err)
	}
	for i, t := range run.Tables {
		name := string(t.Name)
		if i == 0 {
			err = s.file.SetSheetName("Sheet1", name)
		} else {
			_, err = s.file.NewSheet(name)
		}
		if err != nil {
			s.file.Close()
			return nil, s.errorf("sheet %s: %w", name, err)
		}
		sw, err := s.file.NewStreamWriter(name)
		if err != nil {
			s.file.Close()
			return nil, s.errorf("sheet %s: %w", name, err)
		}
		if err := writeHeader(sw, t, s.styles); err != nil {
			s.file.Close()
			return nil, s.errorf("sheet %s: %w", name, err)
		}
		sh := &sheet{table: t, sw: sw}
		s.sheets[t.Name] = sh
		s.order = append(s.order, sh)
	}
	return s, nil
}

func newStyles(f *excelize.File) (styles, error) {
	var st styles
	var err error
	if st.header, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}}); err != nil {
		return st, err
	}
	df, tf := DateFormat, TimestampFormat
	if st.date, err = f.NewStyle(&excelize.Style{CustomNumFmt: &df}); err != nil {
		return st, err
	}
	st.timestamp, err = f.NewStyle(&excelize.Style{CustomNumFmt: &tf})
	return st, err
}

// writeHeader sets column widths, freezes row 1 and writes the column names.
func writeHeader(sw *excelize.StreamWriter, t *schemas.Table, st styles) error {
	for i, c := range t.Columns {
		w := 12.0
		switch c.Type {
		case schemas.Timestamp:
			w = 23
		case schemas.String, schemas.JSON, schemas.ListString:
			w = 24
		}
		if err := sw.SetColWidth(i+1, i+1, max(w, float64(len(c.Name))+2)); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	header := make([]any, len(t.Columns))
	for i, c := range t.Columns {
		header[i] = excelize.Cell{StyleID: st.header, Value: c.Name}
	}
	return sw.SetRow("A1", header)
}

// URL returns xlsx:// and the workbook's absolute path.
func (s *Sink) URL() string { return "xlsx://" + s.path }

func (s *Sink) errorf(format string, a ...any) error {
	return fmt.Errorf("sink xlsx://%s: "+format, append([]any{s.path}, a...)...)
}

// Write appends rec's rows to table's sheet. A row beyond Excel's sheet size or a value longer
// than a cell holds fails the run (see the package documentation).
func (s *Sink) Write(ctx context.Context, table schemas.TableID, rec arrow.RecordBatch) error {
	if s.st != stateOpen {
		return s.errorf("write %s: the run is no longer open", table)
	}
	if s.failed != nil {
		return s.failed
	}
	if err := ctx.Err(); err != nil {
		return s.errorf("write %s: %w", table, err)
	}
	sh, ok := s.sheets[table]
	if !ok {
		return s.errorf("write: table %q is not exported by this run", table)
	}
	if rec == nil {
		return s.errorf("write %s: nil record batch", table)
	}
	if err := parquetfile.CheckSchema(sh.table, rec.Schema()); err != nil {
		return s.errorf("write: %w", err)
	}
	n := rec.NumRows()
	if sh.rows+n+1 > MaxRows {
		s.failed = s.errorf("table %s has more than %d rows, and an Excel sheet holds %d (header included): export it with --format csv, or leave it out with --tables",
			table, MaxRows-1, MaxRows)
		return s.failed
	}
	cols := rec.Columns()
	vals := make([]any, len(cols))
	for i := 0; i < int(n); i++ {
		for c, col := range cols {
			v, err := s.cell(col, i)
			if err != nil {
				s.failed = s.errorf("table %s, row %d, column %s: %w", table, sh.rows+1, sh.table.Columns[c].Name, err)
				return s.failed
			}
			vals[c] = v
		}
		sh.rows++
		cell, _ := excelize.CoordinatesToCellName(1, int(sh.rows)+1)
		if err := sh.sw.SetRow(cell, vals); err != nil {
			s.failed = s.errorf("table %s: %w", table, err)
			return s.failed
		}
	}
	return nil
}

// cell converts row i of col into an excelize cell value (see the package documentation).
func (s *Sink) cell(col arrow.Array, i int) (any, error) {
	if col.IsNull(i) {
		return nil, nil
	}
	switch a := col.(type) {
	case *array.Int64:
		v := a.Value(i)
		if v > maxExactInt || v < -maxExactInt {
			return fmt.Sprint(v), nil
		}
		return v, nil
	case *array.Float64:
		v := a.Value(i)
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return string(csvfile.AppendFloat(nil, v)), nil
		}
		// Rounded to Excel's 15 significant digits here: excelize would cut the rest off.
		if r, err := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 15, 64), 64); err == nil {
			return r, nil
		}
		return v, nil // rounding overflowed (near ±MaxFloat64): excelize writes those whole
	case *array.Boolean:
		return a.Value(i), nil
	case *array.String:
		return text(a.Value(i))
	case *array.Date32:
		d := a.Value(i).ToTime().UTC()
		if d.Before(firstDay) || !d.Before(lastDay) {
			return d.Format(time.DateOnly), nil
		}
		return excelize.Cell{StyleID: s.styles.date, Value: float64((d.Unix() - excelEpoch.Unix()) / 86400)}, nil
	case *array.Timestamp:
		unit := a.DataType().(*arrow.TimestampType).Unit
		ts := a.Value(i).ToTime(unit).UTC()
		if ts.Before(firstDay) || !ts.Before(lastTime) {
			return ts.Format(time.RFC3339Nano), nil
		}
		return excelize.Cell{StyleID: s.styles.timestamp, Value: Serial(ts)}, nil
	case *array.List:
		return text(string(csvfile.ListJSON(a, i)))
	}
	return nil, fmt.Errorf("unsupported Arrow type %s", col.DataType())
}

// Serial is t's Excel serial date-time (days since 1899-12-30) for t truncated to the
// millisecond, as stored: 15 significant digits (what Excel keeps; excelize cuts the rest off),
// and just above the exact instant, by less than a tenth of a millisecond before the year 4000.
// Spreadsheets floor a date-time to the precision they display (LibreOffice shows 15:37:33.999,
// or 15:37:33, for a value a few microseconds below 15:37:34), so the value must not fall below
// the instant it stands for.
func Serial(t time.Time) float64 {
	ms := t.UnixMilli() - excelEpoch.UnixMilli() // truncated: never rounds into the next second (or year 10000)
	days := float64(ms) / 86_400_000
	// One unit in the 15th significant digit; nudge up by 0.6 of it, then round to 15 digits:
	// the result lies 0.1 to 1.1 units above the exact value.
	unit := math.Pow(10, math.Floor(math.Log10(days))+1-15)
	v, _ := strconv.ParseFloat(strconv.FormatFloat(days+0.6*unit, 'g', 15, 64), 64)
	return v
}

// text is a string cell, or an error when it exceeds a cell's capacity.
func text(v string) (any, error) {
	if len(v) > MaxCellChars/3 { // fewer bytes cannot hold more UTF-16 units than the limit
		if n := utf16Len(v); n > MaxCellChars {
			return nil, fmt.Errorf("a value of %d characters does not fit an Excel cell (at most %d): export with --format csv", n, MaxCellChars)
		}
	}
	return v, nil
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// Commit ends every sheet, saves the workbook next to FILE and renames it over FILE.
func (s *Sink) Commit(ctx context.Context) (*sinks.Result, error) {
	if s.st != stateOpen {
		return nil, s.errorf("commit: the run is no longer open")
	}
	if s.failed != nil {
		return nil, s.failed
	}
	if err := ctx.Err(); err != nil {
		return nil, s.errorf("commit: %w", err)
	}
	for _, sh := range s.order {
		if err := sh.sw.Flush(); err != nil {
			return nil, s.errorf("sheet %s: %w", sh.table.Name, err)
		}
	}
	if err := s.setProps(s.file); err != nil {
		return nil, err
	}
	if len(s.order) > 0 {
		s.file.SetActiveSheet(0)
	}
	size, err := s.save(s.file)
	if err != nil {
		return nil, err
	}
	s.st = stateCommitted
	res := &sinks.Result{Tables: map[schemas.TableID]sinks.TableResult{}}
	for i, sh := range s.order {
		tr := sinks.TableResult{Rows: sh.rows, Files: 1, Location: s.URL() + "#" + string(sh.table.Name)}
		if i == 0 {
			tr.Bytes = size // one file: its size is told once
		}
		res.Tables[sh.table.Name] = tr
	}
	return res, nil
}

func (s *Sink) setProps(f *excelize.File) error {
	for _, p := range [][2]string{{PropSnapshotDate, s.run.Date()}, {PropRunID, s.run.RunID}, {PropVersion, s.run.Version}} {
		if err := f.SetCustomProps(excelize.CustomProperty{Name: p[0], Value: p[1]}); err != nil {
			return s.errorf("document property %s: %w", p[0], err)
		}
	}
	return nil
}

// save writes f to a temporary file in FILE's directory, fsyncs it, renames it over FILE and
// fsyncs the directory. It returns the file's size.
func (s *Sink) save(f *excelize.File) (int64, error) {
	dir := filepath.Dir(s.path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(s.path)+".*.tmp")
	if err != nil {
		return 0, s.errorf("create a temporary file: %w", err)
	}
	name := tmp.Name()
	defer os.Remove(name) // a no-op after the rename
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return 0, s.errorf("chmod %s: %w", name, err)
	}
	n, werr := f.WriteTo(tmp)
	serr := tmp.Sync()
	cerr := tmp.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		return 0, s.errorf("write %s: %w", name, err)
	}
	if err := os.Rename(name, s.path); err != nil {
		return 0, s.errorf("publish: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		err = d.Sync()
		d.Close()
		if err != nil {
			return 0, s.errorf("sync %s: %w", dir, err)
		}
	}
	return n, nil
}

// Abort discards the run; FILE stays as it was.
func (s *Sink) Abort(ctx context.Context) error {
	switch s.st {
	case stateCommitted:
		return s.errorf("abort: the run is already committed")
	case stateClosed, stateAborted:
		return nil
	}
	s.st = stateAborted
	return nil
}

// AppendLedger adds rec's rows (the _sync_runs schema) to the _sync_runs sheet of the
// published workbook, rewriting it atomically; with no workbook published yet, it publishes one
// holding only that sheet. It may be called once, after Commit or Abort.
func (s *Sink) AppendLedger(ctx context.Context, rec arrow.RecordBatch) error {
	if s.st == stateClosed {
		return s.errorf("append ledger: the run is closed")
	}
	ledger, _ := schemas.Lookup(schemas.SyncRuns)
	if rec == nil {
		return s.errorf("append ledger: nil record batch")
	}
	if err := parquetfile.CheckSchema(ledger, rec.Schema()); err != nil {
		return s.errorf("append ledger: %w", err)
	}
	var f *excelize.File
	var err error
	if _, statErr := os.Stat(s.path); statErr == nil {
		f, err = excelize.OpenFile(s.path)
		if err != nil {
			return s.errorf("append ledger: open the published workbook: %w", err)
		}
	} else {
		f = excelize.NewFile()
	}
	defer f.Close()
	st, err := newStyles(f)
	if err != nil {
		return s.errorf("append ledger: %w", err)
	}
	name := string(schemas.SyncRuns)
	idx, err := f.GetSheetIndex(name)
	if err != nil {
		return s.errorf("append ledger: %w", err)
	}
	next := 2
	if idx < 0 {
		if sheets := f.GetSheetList(); len(sheets) == 1 && sheets[0] == "Sheet1" {
			err = f.SetSheetName("Sheet1", name)
			if err == nil {
				err = s.setProps(f)
			}
		} else {
			_, err = f.NewSheet(name)
		}
		if err != nil {
			return s.errorf("append ledger: %w", err)
		}
		for c, col := range ledger.Columns {
			cell, _ := excelize.CoordinatesToCellName(c+1, 1)
			if err := f.SetCellValue(name, cell, col.Name); err != nil {
				return s.errorf("append ledger: %w", err)
			}
			if err := f.SetCellStyle(name, cell, cell, st.header); err != nil {
				return s.errorf("append ledger: %w", err)
			}
		}
		if err := f.SetPanes(name, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
			return s.errorf("append ledger: %w", err)
		}
	} else {
		rows, err := f.GetRows(name)
		if err != nil {
			return s.errorf("append ledger: %w", err)
		}
		next = len(rows) + 1
	}
	ls := &Sink{path: s.path, styles: st}
	for i := 0; i < int(rec.NumRows()); i++ {
		for c, col := range rec.Columns() {
			v, err := ls.cell(col, i)
			if err != nil {
				return s.errorf("append ledger: column %s: %w", ledger.Columns[c].Name, err)
			}
			if v == nil {
				continue
			}
			cell, _ := excelize.CoordinatesToCellName(c+1, next)
			if ec, ok := v.(excelize.Cell); ok {
				if err := f.SetCellFloat(name, cell, ec.Value.(float64), -1, 64); err != nil {
					return s.errorf("append ledger: %w", err)
				}
				err = f.SetCellStyle(name, cell, cell, ec.StyleID)
			} else {
				err = f.SetCellValue(name, cell, v)
			}
			if err != nil {
				return s.errorf("append ledger: %w", err)
			}
		}
		next++
	}
	if _, err := s.save(f); err != nil {
		return err
	}
	return nil
}

// Check verifies that a workbook can be written next to FILE: it creates, syncs and removes a
// probe file in FILE's directory.
func (s *Sink) Check(ctx context.Context) error {
	f, err := os.CreateTemp(filepath.Dir(s.path), "."+filepath.Base(s.path)+".check-*")
	if err != nil {
		return s.errorf("the directory is not writable: %w", err)
	}
	err = errors.Join(f.Sync(), f.Close(), os.Remove(f.Name()))
	if err != nil {
		return s.errorf("probe file: %w", err)
	}
	return nil
}

// GC removes the temporary files (.FILE.*.tmp) that runs killed while saving left next to
// FILE, when older than olderThan, and returns how many it removed.
func GC(path string, olderThan time.Duration, now time.Time) (int, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return 0, err
	}
	temps, err := filepath.Glob(filepath.Join(filepath.Dir(abs), "."+globEscape(filepath.Base(abs))+".*.tmp"))
	if err != nil {
		return 0, err
	}
	n := 0
	for _, t := range temps {
		st, err := os.Stat(t)
		if err != nil || now.Sub(st.ModTime()) < olderThan {
			continue
		}
		if err := os.Remove(t); err != nil {
			return n, fmt.Errorf("sink xlsx://%s: %w", abs, err)
		}
		n++
	}
	return n, nil
}

// globEscape escapes the glob metacharacters of a file name.
func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Close releases the workbook's memory and temporary files. It does not publish.
func (s *Sink) Close() error {
	if s.st == stateClosed {
		return nil
	}
	s.st = stateClosed
	return s.file.Close()
}
