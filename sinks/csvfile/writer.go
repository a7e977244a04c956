// Package csvfile writes the record batches of one table as CSV files, the spreadsheet-friendly
// format of the file and S3 sinks (wbexport run --format csv). The files go through the same
// parquetfile.FileFactory, file names, FileInfo (rows, bytes, SHA-256) and manifests as the
// Parquet files, so the partition layout, staging and publishing are the same.
//
// # The format
//
// RFC 4180: fields separated by commas, records ended by CRLF, a field quoted with double quotes
// when it contains a comma, a double quote, CR or LF (or is an empty string), a double quote
// inside a quoted field doubled. UTF-8 without a byte-order mark. The first record of every
// file is the header: the table's column names in schema order.
//
//	NULL           an empty field (nothing between the commas)
//	""             the empty string (a quoted empty field), distinct from NULL
//	int64          decimal digits, e.g. -42
//	float64        the shortest decimal that reads back as the same double (Go's 'g' format,
//	               e.g. 0.1, 1e+21); NaN, Infinity, -Infinity
//	bool           true / false
//	date           YYYY-MM-DD
//	timestamp      YYYY-MM-DD HH:MM:SS[.ffffff] in UTC (no zone suffix, so spreadsheets read it
//	               as a date-time; fractional seconds only when present)
//	string, JSON   the text as is (JSON columns hold JSON text)
//	list           a JSON array, e.g. ["a","b"] or [1,2]; [] for an empty list
//
// A CSV file holds no types: readers take them from the table's schema (docs/tables.md,
// wbexport schema). The PostgreSQL and DuckDB CSV readers follow the same NULL convention
// (an unquoted empty field is NULL).
//
// Files are rotated at a target size (WithFileBytes, default parquetfile.DefaultFileBytes); each
// starts with the header. A Writer that received no rows writes one file holding the header
// only.
package csvfile

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/sinks/parquetfile"
)

// TimestampLayout is the layout of timestamp values (UTC).
const TimestampLayout = "2006-01-02 15:04:05.999999"

// PartName names file i: part-00000.csv, part-00001.csv, ...
func PartName(i int) string { return fmt.Sprintf("part-%05d.csv", i) }

// Option configures a Writer.
type Option func(*Writer)

// WithFileBytes sets the size at which the Writer starts the next file (default
// parquetfile.DefaultFileBytes; zero or negative: one file).
func WithFileBytes(n int64) Option { return func(w *Writer) { w.fileBytes = n } }

// WithFileNamer sets how file i (0-based) is named (default PartName).
func WithFileNamer(f func(i int) string) Option { return func(w *Writer) { w.namer = f } }

// Writer writes the batches of one table into rotated CSV files. Not safe for concurrent use.
// It does not retain the batches it is given.
type Writer struct {
	table     *schemas.Table
	create    parquetfile.FileFactory
	namer     func(int) string
	fileBytes int64

	dst   io.WriteCloser
	out   *counter
	buf   *bufio.Writer
	rows  int64 // rows in the current file
	total int64
	files []parquetfile.FileInfo
	done  bool
	err   error
	line  []byte
}

// NewWriter returns a Writer for table. No file is created before the first Write (or Close).
func NewWriter(table *schemas.Table, create parquetfile.FileFactory, opts ...Option) (*Writer, error) {
	if table == nil {
		return nil, errors.New("csvfile: nil table")
	}
	if create == nil {
		return nil, fmt.Errorf("csvfile: table %s: nil FileFactory", table.Name)
	}
	w := &Writer{table: table, create: create, namer: PartName, fileBytes: parquetfile.DefaultFileBytes}
	for _, o := range opts {
		o(w)
	}
	return w, nil
}

// Rows returns the rows written so far.
func (w *Writer) Rows() int64 { return w.total }

// Write appends rec's rows. rec's schema must match the table's (parquetfile.CheckSchema); a
// mismatching batch is rejected without failing the Writer. A destination error fails it.
func (w *Writer) Write(rec arrow.RecordBatch) error {
	if w.done {
		return fmt.Errorf("csvfile: table %s: write after close", w.table.Name)
	}
	if w.err != nil {
		return w.err
	}
	if rec == nil {
		return fmt.Errorf("csvfile: table %s: nil record batch", w.table.Name)
	}
	if err := parquetfile.CheckSchema(w.table, rec.Schema()); err != nil {
		return err
	}
	cols := rec.Columns()
	for i := 0; i < int(rec.NumRows()); i++ {
		if w.dst == nil {
			if err := w.open(); err != nil {
				return w.fail(err)
			}
		}
		w.line = w.line[:0]
		for c, col := range cols {
			if c > 0 {
				w.line = append(w.line, ',')
			}
			w.line = AppendField(w.line, col, i)
		}
		w.line = append(w.line, '\r', '\n')
		if _, err := w.buf.Write(w.line); err != nil {
			return w.fail(w.errorf("write: %w", err))
		}
		w.rows++
		w.total++
		if w.fileBytes > 0 && w.out.n+int64(w.buf.Buffered()) >= w.fileBytes {
			if err := w.closeFile(); err != nil {
				return w.fail(err)
			}
		}
	}
	return nil
}

func (w *Writer) fail(err error) error {
	if w.err == nil {
		w.err = err
	}
	return w.err
}

func (w *Writer) errorf(format string, a ...any) error {
	name := "?"
	if w.out != nil {
		name = w.out.name
	}
	return fmt.Errorf("csvfile: table %s: file %s: "+format, append([]any{w.table.Name, name}, a...)...)
}

func (w *Writer) open() error {
	name := w.namer(len(w.files))
	dst, err := w.create(name)
	if err != nil {
		return fmt.Errorf("csvfile: table %s: create %s: %w", w.table.Name, name, err)
	}
	w.dst = dst
	w.out = &counter{w: dst, h: sha256.New(), name: name}
	w.buf = bufio.NewWriterSize(w.out, 256<<10)
	w.rows = 0
	line := []byte{}
	for c, col := range w.table.Columns {
		if c > 0 {
			line = append(line, ',')
		}
		line = appendString(line, col.Name)
	}
	line = append(line, '\r', '\n')
	if _, err := w.buf.Write(line); err != nil {
		return w.errorf("write: %w", err)
	}
	return nil
}

func (w *Writer) closeFile() error {
	err := w.buf.Flush()
	dst, out := w.dst, w.out
	w.dst, w.buf = nil, nil
	if err != nil {
		parquetfile.Abandon(dst)
		return fmt.Errorf("csvfile: table %s: file %s: %w", w.table.Name, out.name, err)
	}
	if err := dst.Close(); err != nil {
		return fmt.Errorf("csvfile: table %s: file %s: close: %w", w.table.Name, out.name, err)
	}
	w.files = append(w.files, parquetfile.FileInfo{Name: out.name, Rows: w.rows, Bytes: out.n, SHA256: hex.EncodeToString(out.h.Sum(nil))})
	return nil
}

// Close finishes the last file and returns every file written (one header-only file when no
// row was written). After an error it abandons the open file and returns that error.
func (w *Writer) Close() ([]parquetfile.FileInfo, error) {
	if w.done {
		return w.files, w.err
	}
	if w.err != nil {
		w.Abort()
		return nil, w.err
	}
	w.done = true
	if w.dst == nil && len(w.files) == 0 {
		if err := w.open(); err != nil {
			w.Abort()
			return nil, w.fail(err)
		}
	}
	if w.dst != nil {
		if err := w.closeFile(); err != nil {
			return nil, w.fail(err)
		}
	}
	return w.files, nil
}

// Abort abandons the open file (its destination's Abort when it is a parquetfile.Aborter,
// otherwise Close). Later Writes and Closes fail. A no-op after a successful Close.
func (w *Writer) Abort() {
	if w.done && w.err == nil {
		return
	}
	w.done = true
	if w.dst != nil {
		parquetfile.Abandon(w.dst)
		w.dst, w.buf = nil, nil
	}
	w.fail(fmt.Errorf("csvfile: table %s: writer aborted", w.table.Name))
}

type counter struct {
	w    io.Writer
	h    hash.Hash
	n    int64
	name string
}

func (c *counter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.h.Write(p[:n])
	c.n += int64(n)
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	return n, err
}

// AppendField appends the CSV field of row i of col (see the package documentation).
func AppendField(b []byte, col arrow.Array, i int) []byte {
	if col.IsNull(i) {
		return b
	}
	switch a := col.(type) {
	case *array.Int64:
		return strconv.AppendInt(b, a.Value(i), 10)
	case *array.Float64:
		return AppendFloat(b, a.Value(i))
	case *array.Boolean:
		return strconv.AppendBool(b, a.Value(i))
	case *array.String:
		return appendString(b, a.Value(i))
	case *array.Date32:
		return a.Value(i).ToTime().UTC().AppendFormat(b, time.DateOnly)
	case *array.Timestamp:
		unit := a.DataType().(*arrow.TimestampType).Unit
		return a.Value(i).ToTime(unit).UTC().AppendFormat(b, TimestampLayout)
	case *array.List:
		return appendString(b, string(ListJSON(a, i)))
	}
	panic(fmt.Sprintf("csvfile: unsupported Arrow type %s", col.DataType()))
}

// AppendFloat appends v as the shortest decimal that parses back to v, or NaN, Infinity,
// -Infinity.
func AppendFloat(b []byte, v float64) []byte {
	switch {
	case math.IsNaN(v):
		return append(b, "NaN"...)
	case math.IsInf(v, 1):
		return append(b, "Infinity"...)
	case math.IsInf(v, -1):
		return append(b, "-Infinity"...)
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}

// ListJSON returns row i of a list<utf8> or list<int64> array as a JSON array (strings
// escaped as JSON requires, "<", ">" and "&" as they are).
func ListJSON(a *array.List, i int) []byte {
	start, end := a.ValueOffsets(i)
	var out any
	switch v := a.ListValues().(type) {
	case *array.String:
		s := make([]string, 0, end-start)
		for j := start; j < end; j++ {
			s = append(s, v.Value(int(j)))
		}
		out = s
	case *array.Int64:
		n := make([]int64, 0, end-start)
		for j := start; j < end; j++ {
			n = append(n, v.Value(int(j)))
		}
		out = n
	default:
		panic(fmt.Sprintf("csvfile: unsupported list type %s", a.DataType()))
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(out) // strings and ints always encode
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// appendString appends s as a field, quoted when RFC 4180 requires it or when it is empty (an
// unquoted empty field is NULL).
func appendString(b []byte, s string) []byte {
	if s != "" && !needsQuotes(s) {
		return append(b, s...)
	}
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, s[i])
	}
	return append(b, '"')
}

func needsQuotes(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ',', '"', '\r', '\n':
			return true
		}
	}
	return false
}
