package main

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/sinks/local/localtest"
	"github.com/wbexport/wbexport/sinks/sinktest"
	"github.com/wbexport/wbexport/sinks/xlsx/xlsxtest"
	"github.com/wbexport/wbexport/workboard/wbtest"
)

// TestSpreadsheetOutputsEqualParquet exports one org three times, as Parquet, as CSV
// (--format csv) and as an Excel workbook (xlsx://), and reads each back through a reader
// independent of its writer (parquet-go, sinktest.ReadCSV, xlsxtest over the raw OOXML): every
// table holds the same rows, value for value (the lineage columns _run_id and _extracted_at,
// which differ between runs, aside; the workbook's timestamps are Excel's, to the
// millisecond, and WorkBoard's are whole seconds).
func TestSpreadsheetOutputsEqualParquet(t *testing.T) {
	org := wbtest.Generate(wbtest.OrgConfig{Seed: 8, Users: 12, Teams: 3, Goals: 20, KRsPerGoal: 3, CheckinsPerKR: 4})
	ts := wbtest.Start(t, org)
	env := []string{"WORKBOARD_TOKEN=" + ts.AdminToken}
	dir := t.TempDir()
	day := time.Now().UTC().Format(time.DateOnly)
	export := func(args ...string) {
		t.Helper()
		r := runCLI(t, env, append([]string{"run", "--api-url", ts.BaseURL, "--rate", "500", "--log-level", "warn", "--snapshot-date", day}, args...)...)
		if r.code != ExitOK {
			t.Fatalf("%v: exit %d\n%s", args, r.code, r.stderr)
		}
	}
	export("--sink", "file://"+filepath.Join(dir, "pq"))
	export("--sink", "file://"+filepath.Join(dir, "csv"), "--format", "csv")
	book := filepath.Join(dir, "okrs.xlsx")
	export("--sink", "xlsx://"+book)

	for _, tb := range schemas.DataTables() {
		want, ok, err := localtest.ReadPartition(filepath.Join(dir, "pq"), tb.Name, day)
		if err != nil || !ok {
			t.Fatalf("parquet %s: published %v, %v", tb.Name, ok, err)
		}
		if len(want) == 0 {
			t.Errorf("%s: no rows to compare", tb.Name)
		}
		stripLineage(want)
		csvRows, ok, err := localtest.ReadPartition(filepath.Join(dir, "csv"), tb.Name, day)
		if err != nil || !ok {
			t.Fatalf("csv %s: published %v, %v", tb.Name, ok, err)
		}
		if d := sinktest.DiffRows(want, stripLineage(csvRows)); d != "" {
			t.Errorf("%s: CSV differs from Parquet:\n%s", tb.Name, d)
		}
		xlsxRows, date, ok, err := xlsxtest.ReadTable(book, tb.Name)
		if err != nil || !ok || date != day {
			t.Fatalf("xlsx %s: sheet %v, snapshot date %s, %v", tb.Name, ok, date, err)
		}
		if d := sinktest.DiffRows(want, stripLineage(xlsxRows)); d != "" {
			t.Errorf("%s: XLSX differs from Parquet:\n%s", tb.Name, d)
		}
	}
}
