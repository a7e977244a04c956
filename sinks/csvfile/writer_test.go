package csvfile_test

import (
	"bytes"
	"encoding/csv"
	"io"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/google/go-cmp/cmp"

	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/sinks/csvfile"
	"github.com/wbexport/wbexport/sinks/sinktest"
)

type memFile struct {
	bytes.Buffer
	closed bool
}

func (m *memFile) Close() error { m.closed = true; return nil }

func write(t *testing.T, table schemas.TableID, rows int, opts ...csvfile.Option) map[string]*memFile {
	t.Helper()
	tbl, _ := schemas.Lookup(table)
	files := map[string]*memFile{}
	w, err := csvfile.NewWriter(tbl, func(name string) (io.WriteCloser, error) {
		f := &memFile{}
		files[name] = f
		return f, nil
	}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	if rows > 0 {
		rec := sinktest.EdgeRecords(memory.DefaultAllocator, tbl)
		defer rec.Release()
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
	}
	infos, err := w.Close()
	if err != nil {
		t.Fatal(err)
	}
	if len(infos) != len(files) {
		t.Fatalf("%d FileInfos for %d files", len(infos), len(files))
	}
	for _, fi := range infos {
		if f := files[fi.Name]; f == nil || !f.closed || int64(f.Len()) != fi.Bytes {
			t.Errorf("%s: not closed or size differs from its FileInfo", fi.Name)
		}
	}
	return files
}

// TestRFC4180 reads the edge values of every table back with encoding/csv (strict: no lazy
// quotes, a fixed field count): every record has the header's field count, and the header is
// the table's column names.
func TestRFC4180(t *testing.T) {
	for _, tbl := range schemas.All() {
		files := write(t, tbl.Name, 1)
		b := files["part-00000.csv"].Bytes()
		if !bytes.HasSuffix(b, []byte("\r\n")) {
			t.Errorf("%s: records not ended by CRLF", tbl.Name)
		}
		r := csv.NewReader(bytes.NewReader(b))
		recs, err := r.ReadAll()
		if err != nil {
			t.Fatalf("%s: encoding/csv: %v", tbl.Name, err)
		}
		var names []string
		for _, c := range tbl.Columns {
			names = append(names, c.Name)
		}
		if diff := cmp.Diff(names, recs[0]); diff != "" {
			t.Errorf("%s header (-want +got):\n%s", tbl.Name, diff)
		}
		if len(recs) < 2 {
			t.Errorf("%s: no data records", tbl.Name)
		}
	}
}

// TestEmptyTableHasHeader: a writer without rows writes one file holding the header only.
func TestEmptyTableHasHeader(t *testing.T) {
	files := write(t, schemas.Teams, 0)
	tbl, _ := schemas.Lookup(schemas.Teams)
	if got := files["part-00000.csv"].String(); !strings.HasPrefix(got, tbl.Columns[0].Name+",") || strings.Count(got, "\r\n") != 1 {
		t.Errorf("empty table file: %q", got)
	}
}

// TestRotation: files start over at the size target, each with the header.
func TestRotation(t *testing.T) {
	files := write(t, schemas.Goals, 1, csvfile.WithFileBytes(512))
	if len(files) < 2 {
		t.Fatalf("%d files, want several", len(files))
	}
	tbl, _ := schemas.Lookup(schemas.Goals)
	var rows []sinktest.Row
	for _, f := range files {
		if !strings.HasPrefix(f.String(), tbl.Columns[0].Name+",") {
			t.Errorf("a rotated file does not start with the header")
		}
		r, err := sinktest.ReadCSV(tbl, bytes.NewReader(f.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, r...)
	}
	rec := sinktest.EdgeRecords(memory.DefaultAllocator, tbl)
	defer rec.Release()
	if d := sinktest.DiffRows(sinktest.CanonicalRows(rec), rows); d != "" {
		t.Errorf("rotated files read back differ:\n%s", d)
	}
}
