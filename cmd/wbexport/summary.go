package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/wbexport/wbexport/internal/pipeline"
	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/workboard"
)

// writeSummaries prints the run summary: to file as indented JSON when file is set, otherwise
// to w. On a terminal a short human summary comes first (what was written where, and what to
// run next) and the JSON is indented; anywhere else (a pipe, a file, an orchestrator capturing
// stdout) the JSON is one line, so that the last line of stdout is the whole summary (Airflow's
// XCom keeps exactly that line). list prints the summaries as a JSON list (demo --days N).
func writeSummaries(w io.Writer, file string, sums []*pipeline.Summary, list bool) error {
	if len(sums) == 0 {
		return nil
	}
	var v any = sums[0]
	if list {
		v = sums
	}
	tty := isTerminal(w)
	if tty {
		for _, s := range sums {
			writeHuman(w, s)
		}
	}
	if file != "" {
		js, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return err
		}
		js = []byte(workboard.Redact(string(js)))
		if err := os.WriteFile(file, append(js, '\n'), 0o644); err != nil {
			return fmt.Errorf("--summary-file: %w", err)
		}
		return nil
	}
	var js []byte
	var err error
	if tty {
		js, err = json.MarshalIndent(v, "", "  ")
	} else {
		js, err = json.Marshal(v)
	}
	if err != nil {
		return err
	}
	_, err = w.Write(append([]byte(workboard.Redact(string(js))), '\n'))
	return err
}

// checkSummaryFile checks, before a run starts, that --summary-file can be written: its
// directory exists and takes a new file (a usage error otherwise). "" is stdout.
func checkSummaryFile(path string) error {
	if path == "" {
		return nil
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return usageError("--summary-file %s is a directory", path)
	}
	probe, err := os.CreateTemp(filepath.Dir(path), ".wbexport-summary-probe-*")
	if err != nil {
		return usageError("--summary-file %s cannot be written: %v", path, err)
	}
	probe.Close()
	return os.Remove(probe.Name())
}

// writeHuman writes the short human summary of one run.
func writeHuman(w io.Writer, s *pipeline.Summary) {
	dur := time.Duration(s.DurationSeconds * float64(time.Second)).Round(100 * time.Millisecond)
	if s.Status != pipeline.StatusSucceeded {
		fmt.Fprintf(w, "\nwbexport run %s FAILED after %s (exit %d): snapshot %s was not published to %s\n", s.RunID, dur, s.ExitCode, s.SnapshotDate, s.Sink)
		fmt.Fprintf(w, "  error: %s\n", s.Error)
		if s.ExitCode == ExitTransient {
			fmt.Fprintf(w, "next:  a transient failure (API or sink unavailable, throttled, network): rerun the same --snapshot-date %s later\n\n", s.SnapshotDate)
		} else {
			fmt.Fprintf(w, "next:  fix the cause above, then rerun the same --snapshot-date %s (published data is unchanged)\n\n", s.SnapshotDate)
		}
		return
	}
	fmt.Fprintf(w, "\nwbexport run %s succeeded in %s: snapshot %s → %s\n", s.RunID, dur, s.SnapshotDate, s.Sink)
	if s.Backdated {
		fmt.Fprintf(w, "  backdated: the data is WorkBoard as read on %s, labelled %s\n", s.StartedAt.Format(time.DateOnly), s.SnapshotDate)
	}
	var rows, bytes int64
	oneFile := strings.HasPrefix(s.Sink, "xlsx://") // a workbook: its size is told once
	for _, t := range schemas.DataTables() {
		ts, ok := s.Tables[t.Name]
		if !ok {
			continue
		}
		rows += ts.Rows
		bytes += ts.Bytes
		if oneFile {
			fmt.Fprintf(w, "  %-22s %10d rows\n", t.Name, ts.Rows)
		} else {
			fmt.Fprintf(w, "  %-22s %10d rows %10s\n", t.Name, ts.Rows, humanBytes(ts.Bytes))
		}
	}
	fmt.Fprintf(w, "  %d rows in %d tables, %s\n", rows, len(s.Tables), humanBytes(bytes))
	for _, line := range nextSteps(s) {
		fmt.Fprintf(w, "next:  %s\n", line)
	}
	fmt.Fprintln(w)
}

// nextSteps suggests what to do with the published snapshot, per sink.
func nextSteps(s *pipeline.Summary) []string {
	goals := s.Tables[schemas.Goals].Location
	switch {
	case strings.HasPrefix(s.Sink, "xlsx://"):
		return []string{"open " + strings.TrimPrefix(s.Sink, "xlsx://") + " in Excel, LibreOffice or Google Sheets (one sheet per table)"}
	case strings.HasPrefix(s.Sink, "bigquery://"):
		return []string{fmt.Sprintf("bq query --nouse_legacy_sql 'SELECT COUNT(*) FROM `%s` WHERE snapshot_date = \"%s\"'",
			strings.ReplaceAll(strings.TrimPrefix(s.Sink, "bigquery://"), "/", ".")+".goals", s.SnapshotDate),
			"build the marts: dbt/README.md (BigQuery target)"}
	case goals == "":
		return nil
	}
	return []string{
		"read only partitions that have _SUCCESS, e.g. " + goals,
		"build the goal-progress marts with dbt (dbt/README.md)",
	}
}

// humanBytes formats n bytes with a binary unit.
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
