package xlsx_test

import (
	"context"
	"encoding/csv"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/sinks/sinktest"
	"github.com/wbexport/wbexport/sinks/xlsx"
)

// TestLibreOfficeReadsTheWorkbook opens a workbook of every data table in a real spreadsheet
// application, LibreOffice Calc (headless), has it save every sheet as CSV the way it displays
// it, and compares each value with what was written: dates and date-times as shown (to the
// millisecond), numbers, booleans and text. It skips when soffice is not installed, unless
// WBEXPORT_REQUIRE_SOFFICE=1 (CI installs libreoffice-calc-nogui).
func TestLibreOfficeReadsTheWorkbook(t *testing.T) {
	soffice, err := exec.LookPath("soffice")
	if err != nil {
		if os.Getenv("WBEXPORT_REQUIRE_SOFFICE") == "1" {
			t.Fatal("soffice not found and WBEXPORT_REQUIRE_SOFFICE=1")
		}
		t.Skip("soffice (LibreOffice) not installed: apt-get install libreoffice-calc-nogui")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "okrs.xlsx")
	run := sinktest.NewRun(t, sinktest.Date1)
	s, err := xlsx.New(t.Context(), path, run)
	if err != nil {
		t.Fatal(err)
	}
	want := map[schemas.TableID][]sinktest.Row{}
	for i, tbl := range run.Tables {
		// Timestamps with microseconds, and whole seconds as WorkBoard's are (a value stored a
		// hair below a whole second would show the second before).
		for j, opts := range [][]sinktest.SampleOption{nil, {sinktest.WithWholeSeconds()}} {
			opts = append(opts, sinktest.WithDate(run.Date()), sinktest.WithRunID(run.RunID))
			rec := sinktest.SampleRecords(memory.DefaultAllocator, tbl, 40, int64(10*i+j+1), opts...)
			want[tbl.Name] = append(want[tbl.Name], sinktest.CanonicalRows(rec)...)
			if err := s.Write(t.Context(), tbl.Name, rec); err != nil {
				t.Fatal(err)
			}
			rec.Release()
		}
	}
	if _, err := s.Commit(t.Context()); err != nil {
		t.Fatal(err)
	}
	s.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	out := filepath.Join(dir, "csv")
	// Filter options: comma, double quote, UTF-8, from line 1, ..., every sheet (-1).
	cmd := exec.CommandContext(ctx, soffice, "-env:UserInstallation=file://"+filepath.Join(dir, "profile"),
		"--headless", "--norestore", "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",
		"--outdir", out, path)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, b)
	}
	for _, tbl := range run.Tables {
		f, err := os.Open(filepath.Join(out, "okrs-"+string(tbl.Name)+".csv"))
		if err != nil {
			t.Fatalf("LibreOffice wrote no CSV for sheet %s: %v", tbl.Name, err)
		}
		recs, err := csv.NewReader(f).ReadAll()
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", tbl.Name, err)
		}
		var got []sinktest.Row
		for r, rec := range recs {
			if r == 0 {
				for i, c := range tbl.Columns {
					if rec[i] != c.Name {
						t.Fatalf("%s: header %q, want %q", tbl.Name, rec[i], c.Name)
					}
				}
				continue
			}
			row := sinktest.Row{}
			for i, c := range tbl.Columns {
				v, err := shown(c.Type, rec[i])
				if err != nil {
					t.Fatalf("%s row %d column %s: %q: %v", tbl.Name, r+1, c.Name, rec[i], err)
				}
				row[c.Name] = v
			}
			got = append(got, row)
		}
		if d := sinktest.DiffRows(asShown(want[tbl.Name]), got); d != "" {
			t.Errorf("%s: LibreOffice shows other values:\n%s", tbl.Name, d)
		}
	}
}

// shown parses a value as LibreOffice writes it to CSV; an empty field is NULL.
func shown(t schemas.Type, s string) (any, error) {
	if s == "" {
		return sinktest.NullValue(t), nil
	}
	switch t {
	case schemas.Int64:
		return strconv.ParseInt(s, 10, 64)
	case schemas.Float64:
		return strconv.ParseFloat(s, 64)
	case schemas.Bool:
		return strconv.ParseBool(s)
	case schemas.Date:
		d, err := time.Parse(time.DateOnly, s)
		return d.Format(time.DateOnly), err
	case schemas.Timestamp:
		return time.Parse("2006-01-02 15:04:05.000", s)
	case schemas.ListString, schemas.ListInt64:
		return sinktest.ParseJSONList(t, s)
	}
	return s, nil
}

// asShown is what a spreadsheet shows of rows: timestamps to the millisecond, an empty string
// like NULL (an empty cell).
func asShown(rows []sinktest.Row) []sinktest.Row {
	out := make([]sinktest.Row, len(rows))
	for i, r := range rows {
		c := sinktest.Row{}
		for k, v := range r {
			switch x := v.(type) {
			case time.Time:
				v = x.Truncate(time.Millisecond)
			case string:
				if x == "" {
					v = nil
				}
			case float64:
				if math.IsNaN(x) || math.IsInf(x, 0) {
					v = strconv.FormatFloat(x, 'g', -1, 64)
				}
			}
			c[k] = v
		}
		out[i] = c
	}
	return out
}
