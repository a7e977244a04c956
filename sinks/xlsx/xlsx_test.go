package xlsx_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/sinks/sinktest"
	"github.com/wbexport/wbexport/sinks/xlsx"
	"github.com/wbexport/wbexport/sinks/xlsx/xlsxtest"
)

// TestConformance runs the shared suite against a workbook, read back by xlsxtest (archive/zip
// and encoding/xml, not excelize). A workbook holds one snapshot, timestamps to the
// millisecond, and cannot hold every Arrow extreme (a 1 MiB string, times before 1900 as dates):
// those are pinned by TestCellTypes instead.
func TestConformance(t *testing.T) {
	sinktest.Run(t, func(t *testing.T) sinktest.Destination {
		return &xlsxtest.Destination{Path: filepath.Join(t.TempDir(), "okrs.xlsx")}
	}, sinktest.SingleSnapshot(), sinktest.TimestampResolution(time.Millisecond),
		sinktest.NoEdgeValues("a cell holds at most 32,767 characters"))
}

// TestCellTypes pins how every Arrow value becomes a cell, on the extreme rows of every table
// (sinktest.EdgeRecords): read back independently, each value equals what was written, except
// that timestamps inside Excel's calendar are truncated to the millisecond; the date, timestamp
// and bool cells carry their types. The row holding a 1 MiB string is refused with an error
// that names the limit and --format csv, and publishes nothing.
func TestCellTypes(t *testing.T) {
	for _, tbl := range schemas.DataTables() {
		t.Run(string(tbl.Name), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "edge.xlsx")
			run := sinktest.NewRun(t, sinktest.Date1, tbl)
			rec := sinktest.EdgeRecords(memory.DefaultAllocator, tbl, sinktest.WithDate(run.Date()), sinktest.WithRunID(run.RunID))
			defer rec.Release()

			s, err := xlsx.New(t.Context(), path, run)
			if err != nil {
				t.Fatal(err)
			}
			err = s.Write(t.Context(), tbl.Name, rec)
			if err == nil || !strings.Contains(err.Error(), "32767") || !strings.Contains(err.Error(), "--format csv") {
				t.Errorf("a 1 MiB string: error %v, want one naming 32767 and --format csv", err)
			}
			if _, err := s.Commit(t.Context()); err == nil {
				t.Errorf("Commit after a refused value succeeded")
			}
			s.Close()
			if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("a refused run published %s (%v)", path, err)
			}

			// Without the row holding the large string (row 2).
			s, err = xlsx.New(t.Context(), path, run)
			if err != nil {
				t.Fatal(err)
			}
			var want []sinktest.Row
			for _, part := range [][2]int64{{0, 2}, {3, 5}} {
				sl := rec.NewSlice(part[0], part[1])
				want = append(want, sinktest.CanonicalRows(sl)...)
				if err := s.Write(t.Context(), tbl.Name, sl); err != nil {
					t.Fatal(err)
				}
				sl.Release()
			}
			if _, err := s.Commit(t.Context()); err != nil {
				t.Fatal(err)
			}
			s.Close()
			first, end := time.Date(1900, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(4000, 1, 1, 0, 0, 0, 0, time.UTC)
			for _, r := range want {
				for k, v := range r {
					if ts, ok := v.(time.Time); ok && !ts.Before(first) && ts.Before(end) {
						r[k] = ts.Truncate(time.Millisecond)
					}
				}
			}
			got, date, ok, err := xlsxtest.ReadTable(path, tbl.Name)
			if err != nil || !ok || date != run.Date() {
				t.Fatalf("read: ok %v date %s err %v", ok, date, err)
			}
			if d := sinktest.DiffRows(want, got); d != "" {
				t.Errorf("read back:\n%s", d)
			}
			wb, err := xlsxtest.Read(path)
			if err != nil {
				t.Fatal(err)
			}
			sheet := wb.Sheets[string(tbl.Name)]
			for i, col := range tbl.Columns {
				var c xlsxtest.Cell // row 1: the epoch, zeros, "", NULLs
				if i < len(sheet[1]) {
					c = sheet[1][i]
				}
				switch {
				case col.Name == schemas.ColSnapshotDate && (c.Kind != xlsxtest.DateTime || c.Format != xlsx.DateFormat):
					t.Errorf("%s: %+v, want a date cell formatted %s", col.Name, c, xlsx.DateFormat)
				case col.Type == schemas.Timestamp && !col.Nullable && (c.Kind != xlsxtest.DateTime || c.Format != xlsx.TimestampFormat):
					t.Errorf("%s: %+v, want a date-time cell formatted %s", col.Name, c, xlsx.TimestampFormat)
				case col.Type == schemas.Bool && !col.Nullable && c.Kind != xlsxtest.Bool:
					t.Errorf("%s: %+v, want a boolean cell", col.Name, c)
				case col.Type == schemas.Int64 && !col.Nullable && c.Kind != xlsxtest.Number:
					t.Errorf("%s: %+v, want a number cell", col.Name, c)
				}
			}
		})
	}
}

// TestTooManyRows: a table with more rows than an Excel sheet holds fails the run with an error
// naming the limit; nothing is published.
func TestTooManyRows(t *testing.T) {
	tbl, _ := schemas.Lookup(schemas.TeamMembers)
	path := filepath.Join(t.TempDir(), "big.xlsx")
	run := sinktest.NewRun(t, sinktest.Date1, tbl)
	s, err := xlsx.New(t.Context(), path, run)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rec := sinktest.SampleRecords(memory.DefaultAllocator, tbl, xlsx.MaxRows, 1, sinktest.WithDate(run.Date()))
	defer rec.Release()
	err = s.Write(t.Context(), tbl.Name, rec)
	if err == nil || !strings.Contains(err.Error(), "1048576") || !strings.Contains(err.Error(), string(tbl.Name)) {
		t.Fatalf("error %v, want one naming the table and Excel's 1048576 rows", err)
	}
	if _, err := s.Commit(t.Context()); err == nil {
		t.Fatal("Commit succeeded")
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("published %s", path)
	}
}

// TestCheckAndGC: Check probes the workbook's directory without leaving anything; GC removes
// only the temporary files of the workbook that are old enough.
func TestCheckAndGC(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "okrs.xlsx")
	s, err := xlsx.New(t.Context(), path, sinktest.NewRun(t, sinktest.Date1))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Check(t.Context()); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("Check left %v", entries)
	}
	old := time.Now().Add(-48 * time.Hour)
	for _, name := range []string{".okrs.xlsx.123.tmp", ".okrs.xlsx.456.tmp", ".other.xlsx.1.tmp", "okrs.xlsx"} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		if name != ".okrs.xlsx.456.tmp" {
			os.Chtimes(p, old, old)
		}
	}
	n, err := xlsx.GC(path, 24*time.Hour, time.Now())
	if err != nil || n != 1 {
		t.Fatalf("GC removed %d, %v; want 1", n, err)
	}
	var left []string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		left = append(left, e.Name())
	}
	if strings.Join(left, ",") != ".okrs.xlsx.456.tmp,.other.xlsx.1.tmp,okrs.xlsx" {
		t.Errorf("left %v", left)
	}
}
