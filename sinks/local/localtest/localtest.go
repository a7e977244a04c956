// Package localtest provides a sinktest.Destination for the local sink and readers of a local
// wbexport root that go through an independent path: parquet-go for Parquet files
// (sinktest.ReadCSV for CSV files), _SUCCESS for publication, and a check of every partition's
// _manifest.json against the files on disk.
package localtest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/sinks"
	"github.com/wbexport/wbexport/sinks/local"
	"github.com/wbexport/wbexport/sinks/parquetfile"
	"github.com/wbexport/wbexport/sinks/sinktest"
)

// Destination is a local root used as a sinktest.Destination.
type Destination struct {
	Root string
	Opts []local.Option
}

// Open implements sinktest.Destination.
func (d *Destination) Open(t testing.TB, run sinks.RunInfo) sinks.Sink {
	t.Helper()
	s, err := local.New(t.Context(), d.Root, run, d.Opts...)
	if err != nil {
		t.Fatalf("local.New: %v", err)
	}
	return s
}

// Read implements sinktest.Destination.
func (d *Destination) Read(t testing.TB, table schemas.TableID, date string) ([]sinktest.Row, bool) {
	t.Helper()
	rows, published, err := ReadPartition(d.Root, table, date)
	if err != nil {
		t.Fatalf("read %s@%s: %v", table, date, err)
	}
	return rows, published
}

// Ledger implements sinktest.Destination.
func (d *Destination) Ledger(t testing.TB) []sinktest.Row {
	t.Helper()
	rows, err := ReadLedger(d.Root)
	if err != nil {
		t.Fatalf("read ledger: %v", err)
	}
	return rows
}

// ReadPartition reads a published partition: published is false when _SUCCESS is absent.
// When present, the manifest must name exactly the part files on disk, with matching sizes,
// SHA-256 sums and row counts, and Parquet files' metadata must name the table; every file is
// read with parquet-go (Parquet) or sinktest.ReadCSV (CSV, as the manifest's format says).
func ReadPartition(root string, table schemas.TableID, date string) (rows []sinktest.Row, published bool, err error) {
	dir := local.PartitionDir(root, table, date)
	if _, err := os.Stat(filepath.Join(dir, parquetfile.SuccessName)); errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	} else if err != nil {
		return nil, false, err
	}
	mb, err := os.ReadFile(filepath.Join(dir, parquetfile.ManifestName))
	if err != nil {
		return nil, true, fmt.Errorf("published partition without manifest: %w", err)
	}
	m, err := parquetfile.ParseManifest(filepath.Join(dir, parquetfile.ManifestName), mb)
	if err != nil {
		return nil, true, err
	}
	if m.Table != table || m.SnapshotDate != date {
		return nil, true, fmt.Errorf("manifest names %s@%s, want %s@%s", m.Table, m.SnapshotDate, table, date)
	}
	tbl, _ := schemas.Lookup(table)
	if m.SchemaFingerprint != tbl.Fingerprint() {
		return nil, true, fmt.Errorf("manifest fingerprint %s, table's is %s", m.SchemaFingerprint, tbl.Fingerprint())
	}
	ext := ".parquet"
	if m.Format == "csv" {
		ext = ".csv"
	}
	onDisk, err := partFiles(dir, ext)
	if err != nil {
		return nil, true, err
	}
	var listed []string
	for _, f := range m.Files {
		listed = append(listed, f.Name)
	}
	sort.Strings(listed)
	if strings.Join(listed, ",") != strings.Join(onDisk, ",") {
		return nil, true, fmt.Errorf("manifest lists %v, directory holds %v", listed, onDisk)
	}
	rows = []sinktest.Row{}
	for _, f := range m.Files {
		r, err := readFile(filepath.Join(dir, f.Name), &f, table)
		if err != nil {
			return nil, true, err
		}
		rows = append(rows, r...)
	}
	return rows, true, nil
}

func partFiles(dir, ext string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		n := e.Name()
		switch {
		case n == parquetfile.ManifestName || n == parquetfile.SuccessName:
		case strings.HasPrefix(n, "part-") && strings.HasSuffix(n, ext):
			out = append(out, n)
		default:
			return nil, fmt.Errorf("unexpected file %s in %s", n, dir)
		}
	}
	sort.Strings(out)
	return out, nil
}

func readFile(path string, want *parquetfile.FileInfo, table schemas.TableID) ([]sinktest.Row, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if want != nil {
		sum := sha256.Sum256(b)
		if int64(len(b)) != want.Bytes || hex.EncodeToString(sum[:]) != want.SHA256 {
			return nil, fmt.Errorf("%s: size/sha256 differ from the manifest", path)
		}
	}
	if strings.HasSuffix(path, ".csv") {
		tbl, _ := schemas.Lookup(table)
		rows, err := sinktest.ReadCSV(tbl, bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if want != nil && int64(len(rows)) != want.Rows {
			return nil, fmt.Errorf("%s: %d rows, manifest says %d", path, len(rows), want.Rows)
		}
		return rows, nil
	}
	pf, err := parquet.OpenFile(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if got, _ := pf.Lookup(schemas.MetaTable); schemas.TableID(got) != table {
		return nil, fmt.Errorf("%s: metadata %s = %q, want %q", path, schemas.MetaTable, got, table)
	}
	rows, err := sinktest.ReadParquet(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if want != nil && int64(len(rows)) != want.Rows {
		return nil, fmt.Errorf("%s: %d rows, manifest says %d", path, len(rows), want.Rows)
	}
	return rows, nil
}

// ReadLedger reads every _sync_runs file under root, Parquet and CSV (temp files ignored).
func ReadLedger(root string) ([]sinktest.Row, error) {
	var files []string
	for _, ext := range []string{".parquet", ".csv"} {
		f, err := filepath.Glob(filepath.Join(root, string(schemas.SyncRuns), schemas.ColSnapshotDate+"=*", "part-*"+ext))
		if err != nil {
			return nil, err
		}
		files = append(files, f...)
	}
	sort.Strings(files)
	rows := []sinktest.Row{}
	for _, f := range files {
		r, err := readFile(f, nil, schemas.SyncRuns)
		if err != nil {
			return nil, err
		}
		rows = append(rows, r...)
	}
	return rows, nil
}
