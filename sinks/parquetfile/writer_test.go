package parquetfile_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/parquet-go/parquet-go"
	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/sinks"
	"github.com/wbexport/wbexport/sinks/parquetfile"
	"github.com/wbexport/wbexport/sinks/sinktest"
)

// memFiles is a FileFactory keeping files in memory, recording close/abort.
type memFiles struct {
	files  map[string]*memFile
	order  []string
	failOn string // name whose creation fails
	// limit maps a file name to the bytes its destination accepts; the Write that would pass
	// the limit writes what fits and fails with errDiskFull.
	limit map[string]int
}

var errDiskFull = errors.New("disk full")

// open opens the in-memory file name as Parquet.
func (m *memFiles) open(t testing.TB, name string) *parquet.File {
	t.Helper()
	b := m.files[name].Bytes()
	f, err := parquet.OpenFile(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("open %s: %v", name, err)
	}
	return f
}

// faultyFile is a memFile whose Write fails once left bytes have been written.
type faultyFile struct {
	*memFile
	left int
}

func (f *faultyFile) Write(p []byte) (int, error) {
	if len(p) > f.left {
		n, _ := f.memFile.Write(p[:f.left])
		f.left = 0
		return n, errDiskFull
	}
	f.left -= len(p)
	return f.memFile.Write(p)
}

type memFile struct {
	bytes.Buffer
	closed, aborted bool
}

func (f *memFile) Close() error { f.closed = true; return nil }
func (f *memFile) Abort() error { f.aborted = true; return nil }

func (m *memFiles) create(name string) (io.WriteCloser, error) {
	if m.files == nil {
		m.files = map[string]*memFile{}
	}
	if name == m.failOn {
		return nil, errDiskFull
	}
	f := &memFile{}
	m.files[name] = f
	m.order = append(m.order, name)
	if left, ok := m.limit[name]; ok {
		return &faultyFile{memFile: f, left: left}, nil
	}
	return f, nil
}

func readAll(t *testing.T, m *memFiles, infos []parquetfile.FileInfo) []sinktest.Row {
	t.Helper()
	var rows []sinktest.Row
	for _, fi := range infos {
		f := m.files[fi.Name]
		if f == nil {
			t.Fatalf("file %s not created", fi.Name)
		}
		if !f.closed {
			t.Errorf("file %s not closed", fi.Name)
		}
		b := f.Bytes()
		if int64(len(b)) != fi.Bytes {
			t.Errorf("%s: FileInfo.Bytes = %d, file has %d", fi.Name, fi.Bytes, len(b))
		}
		sum := sha256.Sum256(b)
		if hex.EncodeToString(sum[:]) != fi.SHA256 {
			t.Errorf("%s: FileInfo.SHA256 does not match the file", fi.Name)
		}
		r, err := sinktest.ReadParquet(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatalf("%s: %v", fi.Name, err)
		}
		if int64(len(r)) != fi.Rows {
			t.Errorf("%s: FileInfo.Rows = %d, file has %d", fi.Name, fi.Rows, len(r))
		}
		rows = append(rows, r...)
	}
	return rows
}

func TestRoundTripEveryTable(t *testing.T) { forModes(t, testRoundTripEveryTable) }

func testRoundTripEveryTable(t *testing.T, md mode) {
	for _, comp := range []parquetfile.Compression{parquetfile.Zstd, parquetfile.Snappy, parquetfile.None} {
		for _, tbl := range schemas.All() {
			t.Run(string(comp)+"/"+string(tbl.Name), func(t *testing.T) {
				mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
				defer mem.AssertSize(t, 0)
				var m memFiles
				w, err := md.newWriter(tbl, m.create, parquetfile.WithAllocator(mem),
					parquetfile.WithCompression(comp), parquetfile.WithRunID("run-1"))
				if err != nil {
					t.Fatal(err)
				}
				var want []sinktest.Row
				for i, n := range []int{5, 1, 0, 12} {
					rec := sinktest.SampleRecords(mem, tbl, n, int64(i+1))
					want = append(want, sinktest.CanonicalRows(rec)...)
					if err := w.Write(rec); err != nil {
						t.Fatal(err)
					}
					rec.Release()
				}
				if tbl.Name != schemas.SyncRuns { // _sync_runs' run_id key is constant in samples
					rec := sinktest.EdgeRecords(mem, tbl)
					want = append(want, sinktest.CanonicalRows(rec)...)
					if err := w.Write(rec); err != nil {
						t.Fatal(err)
					}
					rec.Release()
				}
				infos, err := w.Close()
				if err != nil {
					t.Fatal(err)
				}
				if len(infos) != 1 || infos[0].Name != "part-00000.parquet" {
					t.Fatalf("files = %+v, want one part-00000.parquet", infos)
				}
				if w.Rows() != int64(len(want)) {
					t.Errorf("Rows() = %d, want %d", w.Rows(), len(want))
				}
				got := readAll(t, &m, infos)
				if d := sinktest.DiffRows(want, got); d != "" {
					t.Fatalf("round trip differs:\n%s", d)
				}
			})
		}
	}
}

func TestMetadata(t *testing.T) { forModes(t, testMetadata) }

func testMetadata(t *testing.T, md mode) {
	tbl, _ := schemas.Lookup(schemas.Goals)
	var m memFiles
	run := sinktest.NewRun(t, "2026-04-05")
	run.Version = "v1.2.3"
	w, err := md.newWriter(tbl, m.create, parquetfile.WithRun(run))
	if err != nil {
		t.Fatal(err)
	}
	infos, err := w.Close()
	if err != nil {
		t.Fatal(err)
	}
	f := m.open(t, infos[0].Name)
	for k, want := range map[string]string{
		schemas.MetaTable:            string(tbl.Name),
		schemas.MetaFingerprint:      tbl.Fingerprint(),
		parquetfile.MetaRunID:        run.RunID,
		parquetfile.MetaSnapshotDate: "2026-04-05",
		parquetfile.MetaVersion:      "v1.2.3",
	} {
		if got, ok := f.Lookup(k); !ok || got != want {
			t.Errorf("metadata %s = %q (present %t), want %q", k, got, ok, want)
		}
	}
	if _, ok := f.Lookup("ARROW:schema"); !ok {
		t.Error("ARROW:schema not stored")
	}
	if f.NumRows() != 0 || infos[0].Rows != 0 {
		t.Errorf("empty writer wrote %d rows", f.NumRows())
	}
	// Statistics and compression are on.
	for _, rg := range f.Metadata().RowGroups {
		for _, c := range rg.Columns {
			if c.MetaData.Codec.String() != "ZSTD" {
				t.Fatalf("column %v codec %s, want ZSTD", c.MetaData.PathInSchema, c.MetaData.Codec)
			}
		}
	}
}

func TestRowGroupsAndRotation(t *testing.T) { forModes(t, testRowGroupsAndRotation) }

func testRowGroupsAndRotation(t *testing.T, md mode) {
	tbl, _ := schemas.Lookup(schemas.Users)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	var m memFiles
	// Tiny limits: ~8 KiB row groups, ~20 KiB files, 50-row slices.
	w, err := md.newWriter(tbl, m.create, parquetfile.WithAllocator(mem),
		parquetfile.WithRowGroupBytes(8<<10), parquetfile.WithFileBytes(20<<10), parquetfile.WithSliceRows(50),
		parquetfile.WithCompression(parquetfile.None))
	if err != nil {
		t.Fatal(err)
	}
	var want []sinktest.Row
	for i := 0; i < 4; i++ {
		rec := sinktest.SampleRecords(mem, tbl, 500, int64(i+1))
		want = append(want, sinktest.CanonicalRows(rec)...)
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
		rec.Release()
	}
	infos, err := w.Close()
	if err != nil {
		t.Fatal(err)
	}
	if len(infos) < 3 {
		t.Fatalf("got %d files, want rotation into at least 3", len(infos))
	}
	for i, fi := range infos {
		if fi.Name != fmt.Sprintf("part-%05d.parquet", i) {
			t.Errorf("file %d named %s", i, fi.Name)
		}
		f := m.open(t, fi.Name)
		if i < len(infos)-1 && len(f.RowGroups()) < 2 {
			t.Errorf("%s: %d row groups, want several (byte-sized)", fi.Name, len(f.RowGroups()))
		}
		for _, rg := range f.Metadata().RowGroups {
			if rg.NumRows > 200 {
				t.Errorf("%s: row group of %d rows exceeds the byte budget", fi.Name, rg.NumRows)
			}
		}
	}
	if d := sinktest.DiffRows(want, readAll(t, &m, infos)); d != "" {
		t.Fatalf("rotated files differ:\n%s", d)
	}
}

func TestSchemaMismatch(t *testing.T) { forModes(t, testSchemaMismatch) }

func testSchemaMismatch(t *testing.T, md mode) {
	users, _ := schemas.Lookup(schemas.Users)
	goals, _ := schemas.Lookup(schemas.Goals)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	var m memFiles
	w, err := md.newWriter(users, m.create, parquetfile.WithAllocator(mem))
	if err != nil {
		t.Fatal(err)
	}
	rec := sinktest.SampleRecords(mem, goals, 2, 1)
	defer rec.Release()
	err = w.Write(rec)
	if err == nil || !strings.Contains(err.Error(), "table users") {
		t.Fatalf("Write(goals batch) = %v, want a schema error naming table users", err)
	}
	fields := append([]arrow.Field(nil), users.Arrow().Fields()...)
	fields[2].Nullable = false
	if err := parquetfile.CheckSchema(users, arrow.NewSchema(fields, nil)); err == nil || !strings.Contains(err.Error(), fields[2].Name) {
		t.Errorf("CheckSchema(nullability changed) = %v, want error naming %s", err, fields[2].Name)
	}
	// A rejected batch does not poison the writer.
	if _, err := w.Close(); err != nil {
		t.Fatalf("Close after rejected batch: %v", err)
	}
}

func TestAbortAndFactoryError(t *testing.T) { forModes(t, testAbortAndFactoryError) }

func testAbortAndFactoryError(t *testing.T, md mode) {
	tbl, _ := schemas.Lookup(schemas.Goals)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	var m memFiles
	w, _ := md.newWriter(tbl, m.create, parquetfile.WithAllocator(mem))
	rec := sinktest.SampleRecords(mem, tbl, 10, 1)
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	rec.Release()
	w.Abort()
	// With encode-ahead, Abort may come before the encoder opened the file: then none exists.
	if f := m.files["part-00000.parquet"]; (f == nil && !md.async()) || (f != nil && (!f.aborted || f.closed)) {
		t.Errorf("Abort did not abort the open file: %+v", f)
	}
	if _, err := w.Close(); err == nil {
		t.Error("Close after Abort succeeded")
	}
	if err := w.Write(rec); err == nil {
		t.Error("Write after Abort succeeded")
	}

	m2 := memFiles{failOn: "part-00000.parquet"}
	w, _ = md.newWriter(tbl, m2.create, parquetfile.WithAllocator(mem))
	rec = sinktest.SampleRecords(mem, tbl, 3, 1)
	defer rec.Release()
	// With encode-ahead, the factory error comes from the next Write or from Close.
	err := w.Write(rec)
	if err == nil && md.async() {
		_, err = w.Close()
	}
	if err == nil || !strings.Contains(err.Error(), "part-00000.parquet") || !strings.Contains(err.Error(), "disk full") ||
		!strings.Contains(err.Error(), "table "+string(tbl.Name)) {
		t.Fatalf("Write/Close with failing factory = %v, want error naming the table, file and cause", err)
	}
	if _, err2 := w.Close(); err2 == nil || err2.Error() != err.Error() {
		t.Errorf("Close after failed Write = %v, want the first error %v", err2, err)
	}
}

func TestManifest(t *testing.T) {
	tbl, _ := schemas.Lookup(schemas.Teams)
	run := sinks.RunInfo{RunID: "r1", Version: "v1"}
	files := []parquetfile.FileInfo{
		{Name: "part-00000.parquet", Rows: 3, Bytes: 100, SHA256: strings.Repeat("ab", 32)},
		{Name: "part-00001.parquet", Rows: 2, Bytes: 50, SHA256: strings.Repeat("cd", 32)},
	}
	m := parquetfile.NewManifest(run, tbl, files, run.SnapshotDate)
	b, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	got, err := parquetfile.ParseManifest("x", b)
	if err != nil {
		t.Fatal(err)
	}
	if got.TotalRows != 5 || got.TotalBytes != 150 || got.SchemaFingerprint != tbl.Fingerprint() || len(got.Files) != 2 {
		t.Errorf("parsed manifest = %+v", got)
	}
	bad := strings.Replace(string(b), `"total_rows": 5`, `"total_rows": 6`, 1)
	if _, err := parquetfile.ParseManifest("dir/_manifest.json", []byte(bad)); err == nil || !strings.Contains(err.Error(), "dir/_manifest.json") {
		t.Errorf("ParseManifest(bad total) = %v, want error naming the file", err)
	}
}

func TestParseCompression(t *testing.T) {
	for in, want := range map[string]parquetfile.Compression{"": parquetfile.Zstd, "ZSTD": parquetfile.Zstd, "snappy": parquetfile.Snappy, "none": parquetfile.None, "uncompressed": parquetfile.None} {
		if got, err := parquetfile.ParseCompression(in); err != nil || got != want {
			t.Errorf("ParseCompression(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := parquetfile.ParseCompression("lz4"); err == nil {
		t.Error("ParseCompression(lz4) succeeded")
	}
}

// TestStatisticsAndDictionary checks the file-level promises: column statistics (min/max and
// null counts) are written; string and date columns are dictionary encoded, INT64 and DOUBLE
// columns (ids, timestamps, measures: nearly unique, their dictionary hash tables would grow
// with the row group) are not.
func TestStatisticsAndDictionary(t *testing.T) { forModes(t, testStatisticsAndDictionary) }

func testStatisticsAndDictionary(t *testing.T, md mode) {
	tbl, _ := schemas.Lookup(schemas.Goals)
	f := writeSample(t, md, tbl, 50, 3)
	checked := 0
	for _, c := range f.Metadata().RowGroups[0].Columns {
		path := strings.Join(c.MetaData.PathInSchema, ".")
		switch path {
		case "goal_id", "goal_name", "goal_owner":
		default:
			continue
		}
		checked++
		st := c.MetaData.Statistics
		if len(st.MinValue) == 0 || len(st.MaxValue) == 0 {
			t.Errorf("%s: no min/max statistics", path)
		}
		if path == "goal_owner" && st.NullCount == 0 {
			t.Errorf("%s: null count 0, sample rows have NULLs", path)
		}
	}
	if checked != 3 {
		t.Fatalf("checked %d columns, want 3", checked)
	}
}

// TestDictionaryByType checks, for every leaf column of every table, that dictionary encoding
// is used exactly for BYTE_ARRAY (strings, JSON, list<string> elements) and INT32 (dates)
// columns and never for INT64 (ids, timestamps, list<int64> elements) or DOUBLE columns.
func TestDictionaryByType(t *testing.T) { forModes(t, testDictionaryByType) }

func testDictionaryByType(t *testing.T, md mode) {
	for _, tbl := range schemas.All() {
		t.Run(string(tbl.Name), func(t *testing.T) {
			f := writeSample(t, md, tbl, 200, 7)
			seen := map[string]int{}
			for _, c := range f.Metadata().RowGroups[0].Columns {
				path := strings.Join(c.MetaData.PathInSchema, ".")
				typ := c.MetaData.Type.String()
				dict := c.MetaData.DictionaryPageOffset != 0
				for _, e := range c.MetaData.Encoding {
					dict = dict || e.String() == "RLE_DICTIONARY" || e.String() == "PLAIN_DICTIONARY"
				}
				var want bool
				switch typ {
				case "BYTE_ARRAY", "INT32":
					want = true
				case "INT64", "DOUBLE":
					want = false
				case "BOOLEAN":
					continue // never dictionary encoded by arrow-go
				default:
					t.Fatalf("%s: unexpected physical type %s", path, typ)
				}
				seen[typ]++
				if dict != want {
					t.Errorf("%s (%s): dictionary encoded = %t (encodings %v), want %t", path, typ, dict, c.MetaData.Encoding, want)
				}
			}
			if seen["INT64"] == 0 {
				t.Errorf("no INT64 column checked (%v)", seen)
			}
		})
	}
}

var update = flag.Bool("update", false, "rewrite golden files")

// TestManifestGolden pins the _manifest.json format that readers (and the S3 sink) rely on.
func TestManifestGolden(t *testing.T) {
	tbl, _ := schemas.Lookup(schemas.KeyResults)
	run := sinks.RunInfo{
		RunID:        "0190f5a2-7c3e-7d4a-9b1e-2f3c4d5e6f70",
		SnapshotDate: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC),
		Version:      "v0.1.0",
	}
	files := []parquetfile.FileInfo{
		{Name: "part-00000.parquet", Rows: 1000, Bytes: 53211, SHA256: strings.Repeat("0a", 32)},
		{Name: "part-00001.parquet", Rows: 17, Bytes: 4096, SHA256: strings.Repeat("f1", 32)},
	}
	b, err := parquetfile.NewManifest(run, tbl, files, time.Date(2026, 3, 1, 2, 3, 4, 5000, time.FixedZone("CET", 3600))).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "manifest.golden.json")
	if *update {
		os.WriteFile(path, b, 0o644)
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(want, b) {
		t.Errorf("manifest differs from %s (go test -update to accept):\n%s", path, b)
	}
}

// TestStoredArrowSchema reads a file back with arrow-go and checks that the stored Arrow
// schema restores the table's exact Arrow types (timestamp unit and UTC zone, non-nullable
// list elements, nullability) and its rows.
func TestStoredArrowSchema(t *testing.T) { forModes(t, testStoredArrowSchema) }

func testStoredArrowSchema(t *testing.T, md mode) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	for _, name := range []schemas.TableID{schemas.Users, schemas.Goals, schemas.SyncRuns} {
		tbl, _ := schemas.Lookup(name)
		var m memFiles
		w, _ := md.newWriter(tbl, m.create, parquetfile.WithAllocator(mem))
		rec := sinktest.SampleRecords(mem, tbl, 20, 5)
		want := sinktest.CanonicalRows(rec)
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
		rec.Release()
		infos, err := w.Close()
		if err != nil {
			t.Fatal(err)
		}
		b := m.files[infos[0].Name].Bytes()
		got, err := pqarrow.ReadTable(context.Background(), bytes.NewReader(b), nil, pqarrow.ArrowReadProperties{}, mem)
		if err != nil {
			t.Fatal(err)
		}
		if err := parquetfile.CheckSchema(tbl, got.Schema()); err != nil {
			t.Errorf("%s: schema read back by arrow-go: %v", name, err)
		}
		tr := array.NewTableReader(got, -1)
		var rows []sinktest.Row
		for tr.Next() {
			rows = append(rows, sinktest.CanonicalRows(tr.RecordBatch())...)
		}
		tr.Release()
		got.Release()
		if d := sinktest.DiffRows(want, rows); d != "" {
			t.Errorf("%s: rows read back by arrow-go differ:\n%s", name, d)
		}
	}
}

// writeSample writes n sample rows (seed) of tbl with the default options in mode md into one
// in-memory file and opens it.
func writeSample(t *testing.T, md mode, tbl *schemas.Table, n int, seed int64) *parquet.File {
	t.Helper()
	var m memFiles
	w, err := md.newWriter(tbl, m.create)
	if err != nil {
		t.Fatal(err)
	}
	rec := sinktest.SampleRecords(memory.DefaultAllocator, tbl, n, seed)
	defer rec.Release()
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	infos, err := w.Close()
	if err != nil {
		t.Fatal(err)
	}
	f := m.open(t, infos[0].Name)
	return f
}
