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
//
// # Encoding runs on its own goroutine
//
// By default (WithEncodeAhead, DefaultEncodeAhead) Write only checks the batch, retains it and
// queues it for the Writer's encoder goroutine, which does the Parquet work (pqarrow encoding,
// dictionary hashing, statistics, compression, writing to the destination). The caller's next
// batch (decoding, transforming) is thus prepared while the previous one is encoded. There is
// one encoder goroutine per Writer, so rows reach the file in the order of the Write calls and
// the files are byte-for-byte the same as with synchronous encoding (WithEncodeAhead(0)). An
// encoding or destination error is reported by the next Write or by Close. The FileFactory and
// the destinations it returns are called from the encoder goroutine (one call at a time; Close
// and Abort wait for the goroutine before they return).
package parquetfile

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"strings"
	"sync"
	"sync/atomic"

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
	DefaultRowGroupBytes int64 = 16 << 20  // 16 MiB of Arrow data per row group
	DefaultFileBytes     int64 = 512 << 20 // 512 MiB target file size
	DefaultSliceRows           = 16 << 10  // rows written between two size checks
	DefaultCompression         = Zstd
	DefaultEncodeAhead         = 1 // record batches queued for the encoder goroutine (0: synchronous)
)

// Fixed writer settings.
const (
	zstdLevel           = 3       // zstd's default level
	dataPageBytes int64 = 1 << 20 // target data page size
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
	rowGroupBytes int64
	fileBytes     int64
	sliceRows     int64
	namer         func(i int) string
	meta          [][2]string
	encodeAhead   int
}

func defaults() config {
	return config{
		mem:           memory.DefaultAllocator,
		compression:   DefaultCompression,
		rowGroupBytes: DefaultRowGroupBytes,
		fileBytes:     DefaultFileBytes,
		sliceRows:     DefaultSliceRows,
		namer:         PartName,
		encodeAhead:   DefaultEncodeAhead,
	}
}

// WithAllocator sets the allocator for the writer's Arrow and Parquet buffers (default
// memory.DefaultAllocator). Tests pass a memory.CheckedAllocator.
func WithAllocator(mem memory.Allocator) Option { return func(c *config) { c.mem = mem } }

// WithCompression selects the codec (default Zstd).
func WithCompression(comp Compression) Option { return func(c *config) { c.compression = comp } }

// WithRowGroupBytes sets the approximate Arrow bytes per row group (default 16 MiB: the
// buffered row group is held in memory, and an export writes nine tables at once).
func WithRowGroupBytes(n int64) Option { return func(c *config) { c.rowGroupBytes = n } }

// WithFileBytes sets the target file size at which the writer starts a new part (default
// 512 MiB). Zero or negative disables rotation.
func WithFileBytes(n int64) Option { return func(c *config) { c.fileBytes = n } }

// WithSliceRows sets how many rows are written between two size checks (default 16Ki).
func WithSliceRows(n int) Option { return func(c *config) { c.sliceRows = int64(n) } }

// WithEncodeAhead sets how many record batches Write may queue for the Writer's encoder
// goroutine (default DefaultEncodeAhead = 1). With n > 0, Write retains the batch, queues it and
// returns at once; it blocks only while n batches are already waiting. The Parquet encoding and
// the destination writes then run on the encoder goroutine, overlapping with the caller's work.
// Memory: the Writer holds up to n+1 batches beyond a synchronous Writer (n queued, one being
// encoded) until they are encoded, so with the transform's batches of at most 8 MiB
// (transform.DefaultBatchBytes) the default adds at most ~16 MiB per Writer whose table is
// being written at that moment, and nothing to an idle Writer. n = 0 (or negative) encodes
// synchronously in Write on the caller's goroutine, with no goroutine.
func WithEncodeAhead(n int) Option { return func(c *config) { c.encodeAhead = max(n, 0) } }

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

// Writer writes the batches of one table into rotated Parquet files.
//
// Write, Close and Abort must not be called concurrently (one producer per Writer); Table, Rows
// and Files may be called from any goroutine at any time. With encode-ahead (the default, see
// WithEncodeAhead) the Writer retains each batch until its encoder goroutine has encoded it;
// synchronously (WithEncodeAhead(0)) it does not retain the batches it is given. Either way the
// caller may release its batch as soon as Write returns. Close (or Abort) must be called to
// release the writer's memory and stop its goroutine.
type Writer struct {
	table  *schemas.Table
	schema *arrow.Schema
	create FileFactory
	cfg    config
	props  *parquet.WriterProperties
	aprops pqarrow.ArrowWriterProperties

	// Encoder state: owned by the encoder goroutine while it runs, otherwise by the caller
	// (the goroutine is started by a Write and joined by Close or Abort).
	cur     *pqarrow.FileWriter
	out     *countingWriter
	dst     io.WriteCloser
	curRows int64
	rgBytes int64 // Arrow bytes in the open row group

	rows atomic.Int64 // rows accepted by Write

	mu     sync.Mutex
	files  []FileInfo // finished files; guarded by mu
	failed error      // first error; guarded by mu (see failure, fail)

	// Caller state.
	done   bool                   // Close or Abort called
	closed bool                   // Close succeeded
	queue  chan arrow.RecordBatch // to the encoder goroutine; nil until started, closed by join
	exited chan struct{}          // closed when the encoder goroutine returns
	stop   atomic.Bool            // set by Abort: the encoder releases batches without encoding
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
		parquet.WithDataPageSize(dataPageBytes),
		parquet.WithCreatedBy("wbexport (arrow-go parquet)"),
	}
	if cfg.compression == Zstd || cfg.compression == "" {
		pprops = append(pprops, parquet.WithCompressionLevel(zstdLevel))
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

// Rows returns the number of rows accepted by Write so far: with encode-ahead this includes
// rows still queued for encoding; after a successful Close it is the number of rows in Files.
func (w *Writer) Rows() int64 { return w.rows.Load() }

// Files returns the files finished so far (all of them after Close). With encode-ahead, files
// are finished by the encoder goroutine, so the list may grow between calls until Close.
func (w *Writer) Files() []FileInfo {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]FileInfo(nil), w.files...)
}

// failure returns the Writer's first error, or nil.
func (w *Writer) failure() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.failed
}

// fail records err unless an earlier error was recorded (the first error wins) and returns the
// recorded error.
func (w *Writer) fail(err error) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.failed == nil {
		w.failed = err
	}
	return w.failed
}

// Write appends rec's rows, in the order of the Write calls. rec's schema must match the table's
// Arrow schema (CheckSchema); a mismatching or nil batch is rejected without failing the
// Writer. A batch of zero rows is accepted and ignored.
//
// With encode-ahead (the default, WithEncodeAhead) Write retains rec, queues it for the
// encoder goroutine and returns; it blocks while the queue is full. The Writer releases its
// reference once the batch is encoded (or discarded by Abort or after an error), so the caller
// may release its own reference as soon as Write returns. An error while encoding or writing
// the destination is returned by the next Write or by Close. Synchronously (WithEncodeAhead(0))
// Write encodes rec before it returns and does not retain it.
//
// After an encoding or destination error the Writer is failed: later Writes return the first
// error (naming the table and file), queued batches are released unencoded, and Close must
// still be called (it then aborts and returns that error).
func (w *Writer) Write(rec arrow.RecordBatch) error {
	if w.done {
		return fmt.Errorf("parquetfile: table %s: write after close", w.table.Name)
	}
	if err := w.failure(); err != nil {
		return err
	}
	if rec == nil {
		return fmt.Errorf("parquetfile: table %s: nil record batch", w.table.Name)
	}
	if err := CheckSchema(w.table, rec.Schema()); err != nil {
		return err
	}
	n := rec.NumRows()
	if n == 0 {
		return nil
	}
	if w.cfg.encodeAhead == 0 {
		if err := w.encode(rec); err != nil {
			return w.fail(err)
		}
		w.rows.Add(n)
		return nil
	}
	if w.queue == nil {
		w.queue = make(chan arrow.RecordBatch, w.cfg.encodeAhead)
		w.exited = make(chan struct{})
		go w.encoder(w.queue, w.exited)
	}
	rec.Retain()
	w.queue <- rec
	w.rows.Add(n)
	return nil
}

// encoder is the encoder goroutine: it encodes the queued batches in order until the queue is
// closed. After an error, or once Abort has been called, it only releases them.
func (w *Writer) encoder(queue <-chan arrow.RecordBatch, exited chan<- struct{}) {
	defer close(exited)
	for rec := range queue {
		if !w.stop.Load() && w.failure() == nil {
			if err := w.encode(rec); err != nil {
				w.fail(err)
			}
		}
		rec.Release()
	}
}

// join closes the queue and waits for the encoder goroutine to encode (or, after Abort or an
// error, release) every queued batch and exit. A no-op when no goroutine runs.
func (w *Writer) join() {
	if w.queue == nil {
		return
	}
	close(w.queue)
	<-w.exited
	w.queue = nil
}

// encode writes rec's rows in slices of at most sliceRows rows.
func (w *Writer) encode(rec arrow.RecordBatch) error {
	n := rec.NumRows()
	for off := int64(0); off < n; off += w.cfg.sliceRows {
		if w.stop.Load() {
			return nil // Abort: the file is abandoned anyway
		}
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
	if err := w.out.err; err != nil {
		return w.errorf("write: %w", err)
	}
	w.curRows += rec.NumRows()
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
	if err := w.out.err; err != nil {
		return w.errorf("write row group: %w", err)
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
	name := w.cfg.namer(len(w.Files()))
	dst, err := w.create(name)
	if err != nil {
		return fmt.Errorf("parquetfile: table %s: create %s: %w", w.table.Name, name, err)
	}
	out := &countingWriter{w: dst, h: sha256.New(), name: name}
	fw, err := pqarrow.NewFileWriter(w.schema, out, w.props, w.aprops)
	if err != nil {
		Abandon(dst)
		return fmt.Errorf("parquetfile: table %s: file %s: %w", w.table.Name, name, err)
	}
	// From here on the file is the Writer's: after an error, Abort (also through Close)
	// releases fw and abandons dst.
	w.cur, w.out, w.dst, w.curRows, w.rgBytes = fw, out, dst, 0, 0
	for _, kv := range w.cfg.meta {
		if err := fw.AppendKeyValueMetadata(kv[0], kv[1]); err != nil {
			return w.errorf("metadata %s: %w", kv[0], err)
		}
	}
	if err := fw.NewBufferedRowGroupChecked(); err != nil {
		return w.errorf("%w", err)
	}
	if err := out.err; err != nil {
		return w.errorf("write: %w", err)
	}
	return nil
}

// Abandon discards a destination: Abort when it implements Aborter, otherwise Close.
func Abandon(dst io.WriteCloser) {
	if a, ok := dst.(Aborter); ok {
		a.Abort()
	} else {
		dst.Close()
	}
}

// closeFile finishes the current file and records its FileInfo.
func (w *Writer) closeFile() error {
	fw, out, dst := w.cur, w.out, w.dst
	w.cur, w.out, w.dst = nil, nil, nil
	err := fw.Close() // out is not an io.Closer, so this does not close dst
	if err == nil && out.err != nil {
		err = out.err
	}
	if err != nil {
		Abandon(dst) // a truncated file is not finished (not fsynced, upload not completed)
	} else {
		err = dst.Close()
	}
	if err != nil {
		return fmt.Errorf("parquetfile: table %s: file %s: close: %w", w.table.Name, out.name, err)
	}
	fi := FileInfo{
		Name:   out.name,
		Rows:   w.curRows,
		Bytes:  out.n,
		SHA256: hex.EncodeToString(out.h.Sum(nil)),
	}
	w.mu.Lock()
	w.files = append(w.files, fi)
	w.mu.Unlock()
	w.curRows, w.rgBytes = 0, 0
	return nil
}

// Close waits until every queued batch is encoded and the encoder goroutine has exited,
// finishes the last file and returns every file written. A Writer that received no rows writes
// one zero-row file. If a Write or the encoding of a queued batch failed, Close aborts (see
// Abort) and returns that first error. Close is idempotent: later calls return the same files
// (or the same error).
func (w *Writer) Close() ([]FileInfo, error) {
	if w.done {
		if err := w.failure(); err != nil {
			return nil, err
		}
		return w.Files(), nil
	}
	w.join()
	if err := w.failure(); err != nil {
		w.Abort()
		return nil, err
	}
	w.done = true
	if w.cur == nil && len(w.Files()) == 0 {
		if err := w.openFile(); err != nil {
			return nil, w.fail(err)
		}
	}
	if w.cur != nil {
		if err := w.closeFile(); err != nil {
			return nil, w.fail(err)
		}
	}
	w.closed = true
	return w.Files(), nil
}

// Aborter is implemented by FileFactory destinations that can discard a partial file (abort a
// multipart upload, delete a temp file). Writer.Abort calls Abort instead of Close on them.
type Aborter interface {
	Abort() error
}

// Abort stops the encoder goroutine and waits for it to exit (it finishes the slice it is
// encoding, if any, and releases every queued batch unencoded), releases the writer's memory
// and abandons the open file: its destination's Abort is called when it implements Aborter,
// otherwise Close (the partial file is then left to the FileFactory's owner to delete). A
// destination Write blocked for good (a stalled upload) must be unblocked by its owner, e.g. by
// canceling the upload, for Abort to return. Safe to call after Close; a no-op then. Later
// Writes and Closes return an error.
func (w *Writer) Abort() {
	w.stop.Store(true)
	w.join()
	if w.closed {
		return // closed successfully
	}
	w.done = true
	if w.cur != nil {
		// Close flushes the footer into the (discarded) destination; that is the only way
		// pqarrow releases its buffers. Errors do not matter here.
		w.out.discard = true
		w.cur.Close()
		Abandon(w.dst)
		w.cur, w.out, w.dst = nil, nil, nil
	}
	w.fail(fmt.Errorf("parquetfile: table %s: writer aborted", w.table.Name))
}

// countingWriter hashes and counts what it forwards. It deliberately does not implement
// io.Closer so that pqarrow's Close leaves the destination open.
//
// It never returns an error to pqarrow: the destination's first error (or short write) is kept
// in err and later bytes are dropped, so that pqarrow always runs to the end of what it is
// doing and releases its buffers (on a write error arrow-go's row group Close returns early
// and leaves the remaining column writers' buffers allocated). The Writer checks err after
// each call into pqarrow.
type countingWriter struct {
	w       io.Writer
	h       hash.Hash
	n       int64
	name    string
	err     error
	discard bool
}

func (c *countingWriter) Write(p []byte) (int, error) {
	if c.discard || c.err != nil {
		return len(p), nil
	}
	n, err := c.w.Write(p)
	c.h.Write(p[:n])
	c.n += int64(n)
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	if err != nil {
		c.err = err
	}
	return len(p), nil
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

// FileBytes returns the file size target that opts set (WithFileBytes), or DefaultFileBytes.
func FileBytes(opts ...Option) int64 {
	c := defaults()
	for _, o := range opts {
		o(&c)
	}
	return c.fileBytes
}
