// Package parquetfile is the Parquet writer every wbexport sink uses. It turns a stream of Arrow
// record batches of one table into one or more Parquet files ("part-00000.parquet",
// "part-00001.parquet", ...) created through a FileFactory, so the same code writes to a local
// staging directory, an S3 multipart upload or a BigQuery load-job staging object.
//
// Files are written with arrow-go's pqarrow writer: zstd compression by default (snappy or none
// selectable), dictionary encoding for string and date columns (not for INT64 and DOUBLE
// columns: ids, timestamps and measures are nearly unique, and their dictionary hash tables
// would grow with the row group for no gain), column statistics on, the Arrow schema stored in the file
// (pqarrow.WithStoreSchema) and key/value metadata naming the table, its schema fingerprint and
// the run id (never a secret).
//
// # Row groups are sized in bytes
//
// arrow-go's default of 64Mi rows per row group is not used. The Writer uses buffered row
// groups (pqarrow FileWriter.NewBufferedRowGroup + WriteBuffered) and tracks the approximate
// size of the rows buffered in the current row group, measured as the Arrow in-memory
// (uncompressed, unencoded) size of the written rows: fixed-width values, string bytes and
// offsets, validity bitmaps and list offsets (see ArrowBytes). Incoming batches are cut into
// slices of at most WithSliceRows rows so the check runs often enough; when the estimate reaches
// WithRowGroupBytes (default 16 MiB) the row group is flushed and a new one is started. The
// encoded pages of the open row group are held in memory until it is flushed, and the string
// columns' dictionary encoders' hash tables grow with their distinct values, so plan for up to
// a few times WithRowGroupBytes of heap per open Writer (an export keeps nine open), plus codec
// state (measured ~7-10 MiB with zstd, TestMemoryBounded) and the footer metadata of the open
// file (~1 KiB per column per row group, bounded by file rotation). The Writer never holds a
// whole table.
//
// # Files are rotated at a target size
//
// After each flushed row group the Writer compares the bytes streamed to the current file (plus
// the estimate of the open row group) with WithFileBytes (default 512 MiB) and, when it is
// reached, closes the file and opens the next part. Files therefore overshoot the target by at
// most one row group. A Writer that received no rows still writes one zero-row file carrying
// the schema, so readers (and BigQuery load jobs) see the table's columns.
//
// Each file is hashed (SHA-256) and counted while it streams; nothing is re-read. Close returns
// one FileInfo per file.
package parquetfile

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/sinks"
)

// Metadata keys written into every file's key/value metadata, next to schemas.MetaTable and
// schemas.MetaFingerprint (copied from the Arrow schema) and "ARROW:schema".
const (
	MetaRunID        = "wbexport.run_id"
	MetaSnapshotDate = "wbexport.snapshot_date"
	MetaVersion      = "wbexport.version"
)

// Defaults of the Writer options.
const (
	DefaultRowGroupBytes    int64 = 16 << 20  // 16 MiB of Arrow data per row group
	DefaultFileBytes        int64 = 512 << 20 // 512 MiB target file size
	DefaultSliceRows              = 16 << 10  // rows written between two size checks
	DefaultCompression            = Zstd
	DefaultCompressionLevel       = 3 // zstd's default level
	DefaultDataPageBytes    int64 = 1 << 20
)

// FileFactory creates the destination of one Parquet file. name is the file's base name (e.g.
// "part-00000.parquet"). The Writer writes the whole file sequentially and then calls Close
// exactly once; a Close error fails the Writer. An implementation that must make the file
// durable (fsync, complete a multipart upload) does so in Close.
type FileFactory func(name string) (io.WriteCloser, error)

// FileInfo describes one written file.
type FileInfo struct {
	Name   string `json:"name"`   // base name as given to the FileFactory
	Rows   int64  `json:"rows"`   // rows in the file
	Bytes  int64  `json:"bytes"`  // file size
	SHA256 string `json:"sha256"` // hex SHA-256 of the file's bytes
}

// Compression is a Parquet compression codec.
type Compression string

// Supported codecs.
const (
	Zstd   Compression = "zstd"
	Snappy Compression = "snappy"
	None   Compression = "none"
)

// ParseCompression parses "zstd", "snappy" or "none" (also "uncompressed").
func ParseCompression(s string) (Compression, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "zstd", "":
		return Zstd, nil
	case "snappy":
		return Snappy, nil
	case "none", "uncompressed":
		return None, nil
	}
	return "", fmt.Errorf("parquet compression %q: want zstd, snappy or none", s)
}

func (c Compression) codec() (compress.Compression, error) {
	switch c {
	case Zstd, "":
		return compress.Codecs.Zstd, nil
	case Snappy:
		return compress.Codecs.Snappy, nil
	case None:
		return compress.Codecs.Uncompressed, nil
	}
	return 0, fmt.Errorf("parquet compression %q: want zstd, snappy or none", string(c))
}

// Option configures a Writer.
type Option func(*config)

type config struct {
	mem           memory.Allocator
	compression   Compression
	level         int
	rowGroupBytes int64
	fileBytes     int64
	sliceRows     int64
	pageBytes     int64
	namer         func(i int) string
	meta          [][2]string
}

func defaults() config {
	return config{
		mem:           memory.DefaultAllocator,
		compression:   DefaultCompression,
		level:         DefaultCompressionLevel,
		rowGroupBytes: DefaultRowGroupBytes,
		fileBytes:     DefaultFileBytes,
		sliceRows:     DefaultSliceRows,
		pageBytes:     DefaultDataPageBytes,
		namer:         PartName,
	}
}

// WithAllocator sets the allocator for the writer's Arrow and Parquet buffers (default
// memory.DefaultAllocator). Tests pass a memory.CheckedAllocator.
func WithAllocator(mem memory.Allocator) Option { return func(c *config) { c.mem = mem } }

// WithCompression selects the codec (default Zstd).
func WithCompression(comp Compression) Option { return func(c *config) { c.compression = comp } }

// WithCompressionLevel sets the codec's level (default 3, zstd's default; ignored by snappy).
func WithCompressionLevel(level int) Option { return func(c *config) { c.level = level } }

// WithRowGroupBytes sets the approximate Arrow bytes per row group (default 16 MiB: the
// buffered row group is held in memory, and an export writes nine tables at once).
func WithRowGroupBytes(n int64) Option { return func(c *config) { c.rowGroupBytes = n } }

// WithFileBytes sets the target file size at which the writer starts a new part (default
// 512 MiB). Zero or negative disables rotation.
func WithFileBytes(n int64) Option { return func(c *config) { c.fileBytes = n } }

// WithSliceRows sets how many rows are written between two size checks (default 16Ki).
func WithSliceRows(n int) Option { return func(c *config) { c.sliceRows = int64(n) } }

// WithDataPageBytes sets the target data page size (default 1 MiB).
func WithDataPageBytes(n int64) Option { return func(c *config) { c.pageBytes = n } }

// WithFileNamer sets how file i (0-based) is named (default PartName: "part-00000.parquet").
func WithFileNamer(f func(i int) string) Option { return func(c *config) { c.namer = f } }

// WithRunID records the run id in each file's metadata (key MetaRunID).
func WithRunID(id string) Option { return WithMetadata(MetaRunID, id) }

// WithMetadata adds a key/value pair to each file's metadata. Never pass a secret.
func WithMetadata(key, value string) Option {
	return func(c *config) { c.meta = append(c.meta, [2]string{key, value}) }
}

// PartName is the default file namer: part-00000.parquet, part-00001.parquet, ...
func PartName(i int) string { return fmt.Sprintf("part-%05d.parquet", i) }

// Writer writes the batches of one table into rotated Parquet files. It is not safe for
// concurrent use. Write does not retain the batches it is given. Close (or Abort) must be called
// to release the writer's memory.
type Writer struct {
	table  *schemas.Table
	schema *arrow.Schema
	create FileFactory
	cfg    config
	props  *parquet.WriterProperties
	aprops pqarrow.ArrowWriterProperties

	cur     *pqarrow.FileWriter
	out     *countingWriter
	dst     io.WriteCloser
	curRows int64
	rgBytes int64 // Arrow bytes in the open row group

	files  []FileInfo
	rows   int64
	done   bool
	failed error
}

// NewWriter returns a Writer for table. No file is created before the first Write (or Close).
func NewWriter(table *schemas.Table, create FileFactory, opts ...Option) (*Writer, error) {
	if table == nil {
		return nil, errors.New("parquetfile: nil table")
	}
	if create == nil {
		return nil, fmt.Errorf("parquetfile: table %s: nil FileFactory", table.Name)
	}
	cfg := defaults()
	for _, o := range opts {
		o(&cfg)
	}
	codec, err := cfg.compression.codec()
	if err != nil {
		return nil, fmt.Errorf("parquetfile: table %s: %w", table.Name, err)
	}
	if cfg.rowGroupBytes <= 0 {
		return nil, fmt.Errorf("parquetfile: table %s: row group size must be positive, got %d", table.Name, cfg.rowGroupBytes)
	}
	if cfg.sliceRows <= 0 {
		cfg.sliceRows = DefaultSliceRows
	}
	pprops := []parquet.WriterProperty{
		parquet.WithAllocator(cfg.mem),
		parquet.WithCompression(codec),
		parquet.WithDictionaryDefault(true),
		parquet.WithStats(true),
		// Row groups are cut by bytes (see package doc); the row cap only guards int32 limits.
		parquet.WithMaxRowGroupLength(1 << 30),
		parquet.WithDataPageSize(cfg.pageBytes),
		parquet.WithCreatedBy("wbexport (arrow-go parquet)"),
	}
	if cfg.compression == Zstd || cfg.compression == "" {
		pprops = append(pprops, parquet.WithCompressionLevel(cfg.level))
	}
	aprops := pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema(), pqarrow.WithAllocator(cfg.mem))
	// Dictionary encoding only where it pays: ids, timestamps and measures (INT64 and DOUBLE
	// leaves) are nearly unique, and a dictionary encoder's hash table grows with the distinct
	// values of the open row group (135 MiB at 100k goals with 64 MiB row groups) for no gain.
	// Strings (BYTE_ARRAY, also list elements) and dates (INT32) keep it.
	psc, err := pqarrow.ToParquet(table.Arrow(), parquet.NewWriterProperties(pprops...), aprops)
	if err != nil {
		return nil, fmt.Errorf("parquetfile: table %s: %w", table.Name, err)
	}
	for i := 0; i < psc.NumColumns(); i++ {
		if col := psc.Column(i); !dictionaryFor(col.PhysicalType()) {
			pprops = append(pprops, parquet.WithDictionaryPath(col.ColumnPath(), false))
		}
	}
	return &Writer{
		table:  table,
		schema: table.Arrow(),
		create: create,
		cfg:    cfg,
		props:  parquet.NewWriterProperties(pprops...),
		aprops: aprops,
	}, nil
}

// dictionaryFor reports whether leaf columns of physical type t are dictionary encoded: strings
// (BYTE_ARRAY) and dates (INT32) are, INT64 (ids, timestamps) and DOUBLE (measures) are not.
func dictionaryFor(t parquet.Type) bool {
	switch t {
	case parquet.Types.Int64, parquet.Types.Double, parquet.Types.Float, parquet.Types.Int96:
		return false
	}
	return true
}

// Table returns the table the writer writes.
func (w *Writer) Table() *schemas.Table { return w.table }

// Rows returns the number of rows written so far.
func (w *Writer) Rows() int64 { return w.rows }

// Files returns the files finished so far (all of them after Close).
func (w *Writer) Files() []FileInfo { return append([]FileInfo(nil), w.files...) }

// Write appends rec's rows. rec's schema must match the table's Arrow schema (CheckSchema).
// After a write error the Writer is failed: further Writes return the same error and Close
// must still be called (it then aborts).
func (w *Writer) Write(rec arrow.RecordBatch) error {
	if w.done {
		return fmt.Errorf("parquetfile: table %s: write after close", w.table.Name)
	}
	if w.failed != nil {
		return w.failed
	}
	if rec == nil {
		return fmt.Errorf("parquetfile: table %s: nil record batch", w.table.Name)
	}
	if err := CheckSchema(w.table, rec.Schema()); err != nil {
		return err
	}
	n := rec.NumRows()
	for off := int64(0); off < n; off += w.cfg.sliceRows {
		end := min(off+w.cfg.sliceRows, n)
		var err error
		if off == 0 && end == n {
			err = w.writeSlice(rec)
		} else {
			s := rec.NewSlice(off, end)
			err = w.writeSlice(s)
			s.Release()
		}
		if err != nil {
			w.failed = err
			return err
		}
	}
	return nil
}

func (w *Writer) writeSlice(rec arrow.RecordBatch) error {
	if w.cur == nil {
		if err := w.openFile(); err != nil {
			return err
		}
	}
	if err := w.cur.WriteBuffered(rec); err != nil {
		return w.errorf("write row group: %w", err)
	}
	w.curRows += rec.NumRows()
	w.rows += rec.NumRows()
	w.rgBytes += RecordBytes(rec)
	if w.rgBytes < w.cfg.rowGroupBytes {
		return nil
	}
	// Row group full: rotate the file if it reached its target, otherwise start a new group.
	if w.cfg.fileBytes > 0 && w.out.n+w.cur.RowGroupTotalBytesWritten() >= w.cfg.fileBytes {
		return w.closeFile()
	}
	if err := w.cur.NewBufferedRowGroupChecked(); err != nil {
		return w.errorf("start row group: %w", err)
	}
	w.rgBytes = 0
	return nil
}

func (w *Writer) errorf(format string, args ...any) error {
	name := "?"
	if w.out != nil {
		name = w.out.name
	}
	return fmt.Errorf("parquetfile: table %s: file %s: "+format, append([]any{w.table.Name, name}, args...)...)
}

func (w *Writer) openFile() error {
	name := w.cfg.namer(len(w.files))
	dst, err := w.create(name)
	if err != nil {
		return fmt.Errorf("parquetfile: table %s: create %s: %w", w.table.Name, name, err)
	}
	out := &countingWriter{w: dst, h: sha256.New(), name: name}
	fw, err := pqarrow.NewFileWriter(w.schema, out, w.props, w.aprops)
	if err != nil {
		dst.Close()
		return fmt.Errorf("parquetfile: table %s: file %s: %w", w.table.Name, name, err)
	}
	for _, kv := range w.cfg.meta {
		if err := fw.AppendKeyValueMetadata(kv[0], kv[1]); err != nil {
			fw.Close()
			dst.Close()
			return fmt.Errorf("parquetfile: table %s: file %s: metadata %s: %w", w.table.Name, name, kv[0], err)
		}
	}
	if err := fw.NewBufferedRowGroupChecked(); err != nil {
		fw.Close()
		dst.Close()
		return fmt.Errorf("parquetfile: table %s: file %s: %w", w.table.Name, name, err)
	}
	w.cur, w.out, w.dst, w.curRows, w.rgBytes = fw, out, dst, 0, 0
	return nil
}

// closeFile finishes the current file and records its FileInfo.
func (w *Writer) closeFile() error {
	fw, out, dst := w.cur, w.out, w.dst
	w.cur, w.out, w.dst = nil, nil, nil
	err := fw.Close() // out is not an io.Closer, so this does not close dst
	if err == nil && out.err != nil {
		err = out.err
	}
	if cerr := dst.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("parquetfile: table %s: file %s: close: %w", w.table.Name, out.name, err)
	}
	w.files = append(w.files, FileInfo{
		Name:   out.name,
		Rows:   w.curRows,
		Bytes:  out.n,
		SHA256: hex.EncodeToString(out.h.Sum(nil)),
	})
	w.curRows, w.rgBytes = 0, 0
	return nil
}

// Close finishes the last file and returns every file written. A Writer that received no rows
// writes one zero-row file. Close after a failed Write aborts and returns the write error.
// Close is idempotent: later calls return the same files.
func (w *Writer) Close() ([]FileInfo, error) {
	if w.done {
		if w.failed != nil {
			return nil, w.failed
		}
		return w.Files(), nil
	}
	if w.failed != nil {
		w.Abort()
		return nil, w.failed
	}
	w.done = true
	if w.cur == nil && len(w.files) == 0 {
		if err := w.openFile(); err != nil {
			w.failed = err
			return nil, err
		}
	}
	if w.cur != nil {
		if err := w.closeFile(); err != nil {
			w.failed = err
			return nil, err
		}
	}
	return w.Files(), nil
}

// Aborter is implemented by FileFactory destinations that can discard a partial file (abort a
// multipart upload, delete a temp file). Writer.Abort calls Abort instead of Close on them.
type Aborter interface {
	Abort() error
}

// Abort releases the writer's memory and abandons the open file: its destination's Abort is
// called when it implements Aborter, otherwise Close (the partial file is then left to the
// FileFactory's owner to delete). Safe to call after Close; a no-op then.
func (w *Writer) Abort() {
	if w.done && w.failed == nil && w.cur == nil {
		return // closed successfully
	}
	w.done = true
	if w.cur != nil {
		// Close flushes the footer into the (discarded) destination; that is the only way
		// pqarrow releases its buffers. Errors do not matter here.
		w.out.discard = true
		w.cur.Close()
		if a, ok := w.dst.(Aborter); ok {
			a.Abort()
		} else {
			w.dst.Close()
		}
		w.cur, w.out, w.dst = nil, nil, nil
	}
	if w.failed == nil {
		w.failed = fmt.Errorf("parquetfile: table %s: writer aborted", w.table.Name)
	}
}

// countingWriter hashes and counts what it forwards. It deliberately does not implement
// io.Closer so that pqarrow's Close leaves the destination open.
type countingWriter struct {
	w       io.Writer
	h       hash.Hash
	n       int64
	name    string
	err     error
	discard bool
}

func (c *countingWriter) Write(p []byte) (int, error) {
	if c.discard {
		return len(p), nil
	}
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p)
	c.h.Write(p[:n])
	c.n += int64(n)
	if err != nil {
		c.err = err
	}
	return n, err
}

// CheckSchema reports whether got matches table's Arrow schema (same fields in the same order,
// same types and nullability; metadata is not compared). The error names the table and the
// first differing column.
func CheckSchema(table *schemas.Table, got *arrow.Schema) error {
	want := table.Arrow()
	if got == nil {
		return fmt.Errorf("table %s: record batch has no schema", table.Name)
	}
	if got.NumFields() != want.NumFields() {
		return fmt.Errorf("table %s: schema mismatch: record batch has %d columns, table has %d (want %s)",
			table.Name, got.NumFields(), want.NumFields(), fieldNames(want))
	}
	for i := 0; i < want.NumFields(); i++ {
		g, f := got.Field(i), want.Field(i)
		switch {
		case g.Name != f.Name:
			return fmt.Errorf("table %s: schema mismatch: column %d is %q, want %q", table.Name, i, g.Name, f.Name)
		case !arrow.TypeEqual(g.Type, f.Type):
			return fmt.Errorf("table %s: schema mismatch: column %s has type %s, want %s", table.Name, f.Name, g.Type, f.Type)
		case g.Nullable != f.Nullable:
			return fmt.Errorf("table %s: schema mismatch: column %s nullable=%t, want nullable=%t", table.Name, f.Name, g.Nullable, f.Nullable)
		}
	}
	return nil
}

func fieldNames(s *arrow.Schema) string {
	names := make([]string, s.NumFields())
	for i := range names {
		names[i] = s.Field(i).Name
	}
	return strings.Join(names, ",")
}

// RecordBytes is the approximate Arrow in-memory size of rec's rows (slice-aware): the measure
// the Writer uses to size row groups.
func RecordBytes(rec arrow.RecordBatch) int64 {
	var n int64
	for _, c := range rec.Columns() {
		n += ArrowBytes(c)
	}
	return n
}

// ArrowBytes is the approximate in-memory size of arr's logical values, counting only the part
// a slice covers: a validity bit per value (when nulls are present), fixed-width values, string
// offsets and bytes, list offsets and the covered child values.
func ArrowBytes(arr arrow.Array) int64 {
	n := int64(arr.Len())
	var b int64
	if arr.NullN() > 0 {
		b += (n + 7) / 8
	}
	switch a := arr.(type) {
	case *array.String:
		if n > 0 {
			b += int64(a.ValueOffset(int(n-1))+len(a.Value(int(n-1)))-a.ValueOffset(0)) + 4*n
		}
	case *array.Binary:
		if n > 0 {
			b += int64(a.ValueOffset(int(n-1))+len(a.Value(int(n-1)))-a.ValueOffset(0)) + 4*n
		}
	case *array.LargeString:
		if n > 0 {
			b += a.ValueOffset(int(n-1)) + int64(len(a.Value(int(n-1)))) - a.ValueOffset(0) + 8*n
		}
	case *array.Boolean:
		b += (n + 7) / 8
	case array.ListLike:
		b += 4 * n
		if n > 0 {
			start, _ := a.ValueOffsets(0)
			_, end := a.ValueOffsets(int(n - 1))
			if end > start {
				child := array.NewSlice(a.ListValues(), start, end)
				b += ArrowBytes(child)
				child.Release()
			}
		}
	default:
		if fw, ok := arr.DataType().(arrow.FixedWidthDataType); ok {
			b += n * int64(fw.BitWidth()+7) / 8
		} else {
			// Unknown layout: fall back to the buffers' total size.
			for _, buf := range arr.Data().Buffers() {
				if buf != nil {
					b += int64(buf.Len())
				}
			}
		}
	}
	return b
}

// WithRun records run's id, snapshot date and wbexport version in each file's metadata.
func WithRun(run sinks.RunInfo) Option {
	return func(c *config) {
		c.meta = append(c.meta,
			[2]string{MetaRunID, run.RunID},
			[2]string{MetaSnapshotDate, run.Date()},
			[2]string{MetaVersion, run.Version})
	}
}
