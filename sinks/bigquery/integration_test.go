package bigquery_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	bq "cloud.google.com/go/bigquery"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/api/iterator"
	"google.golang.org/api/option"

	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/sinks/bigquery"
	"github.com/wbexport/wbexport/sinks/parquetfile"
	"github.com/wbexport/wbexport/sinks/sinktest"
)

// TestEmulatorIntegration runs against a goccy/bigquery-emulator when WBEXPORT_BQ_EMULATOR
// holds its HTTP endpoint (e.g. http://127.0.0.1:9050, started with
// `bigquery-emulator --project=test-project`). The emulator rejects partition decorators and
// ignores WRITE_TRUNCATE, so this test does not run the sink's Commit; it checks what the
// emulator does support: dataset and table creation from bigquery.TableSchema, WRITE_APPEND
// Parquet loads of files from the shared writer, and a query.
func TestEmulatorIntegration(t *testing.T) {
	endpoint := os.Getenv("WBEXPORT_BQ_EMULATOR")
	if endpoint == "" {
		t.Skip("WBEXPORT_BQ_EMULATOR not set (http endpoint of a running goccy/bigquery-emulator)")
	}
	emulatorScenario(t, option.WithEndpoint(endpoint), option.WithoutAuthentication())
}

// TestEmulatorScenarioOnBqtest runs the emulator scenario against bqtest, so the scenario
// itself is exercised in every test run.
func TestEmulatorScenarioOnBqtest(t *testing.T) {
	e := newEnv(t)
	emulatorScenario(t, e.srv.ClientOptions()...)
}

func emulatorScenario(t *testing.T, opts ...option.ClientOption) {
	ctx := context.Background()
	c, err := bq.NewClient(ctx, testProject, opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ds := c.Dataset(fmt.Sprintf("wbexport_it_%d", time.Now().UnixNano()))
	if err := ds.Create(ctx, &bq.DatasetMetadata{Location: "US"}); err != nil {
		t.Fatal(err)
	}
	defer ds.DeleteWithContents(ctx)
	teams, _ := schemas.Lookup(schemas.Teams)
	tbl := ds.Table(string(teams.Name))
	if err := tbl.Create(ctx, &bq.TableMetadata{Schema: bigquery.TableSchema(teams)}); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		data := stageParquet(t, teams, 5, int64(i+1))
		src := bq.NewReaderSource(bytes.NewReader(data))
		src.SourceFormat = bq.Parquet
		src.ParquetOptions = &bq.ParquetOptions{EnableListInference: true}
		l := tbl.LoaderFrom(src)
		l.WriteDisposition = bq.WriteAppend
		job, err := l.Run(ctx)
		if err != nil {
			t.Fatal(err)
		}
		st, err := job.Wait(ctx)
		if err != nil || st.Err() != nil {
			t.Fatalf("load %d: %v %v", i, err, st.Err())
		}
	}
	it, err := c.Query(fmt.Sprintf("SELECT COUNT(*) FROM `%s.%s.%s`", testProject, ds.DatasetID, teams.Name)).Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var row []bq.Value
	if err := it.Next(&row); err != nil {
		t.Fatal(err)
	}
	if row[0] != int64(10) {
		t.Errorf("COUNT(*) = %v, want 10 after two appends of 5", row[0])
	}
}

// stageParquet writes n sample rows of table with the shared Parquet writer.
func stageParquet(t *testing.T, table *schemas.Table, n int, seed int64) []byte {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	var buf bytes.Buffer
	w, err := parquetfile.NewWriter(table, func(string) (io.WriteCloser, error) { return nopCloser{&buf}, nil },
		parquetfile.WithAllocator(mem), parquetfile.WithFileBytes(0))
	if err != nil {
		t.Fatal(err)
	}
	rec := sinktest.SampleRecords(mem, table, n, seed)
	err = w.Write(rec)
	rec.Release()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// TestRealBigQuery runs the sink against real BigQuery when WBEXPORT_BQ_PROJECT names a GCP
// project; credentials come from Application Default Credentials (gcloud auth
// application-default login, or GOOGLE_APPLICATION_CREDENTIALS). WBEXPORT_BQ_LOCATION sets
// the location (default US). It creates a dataset wbexport_it_<time>, exports two tables
// twice for one date, appends a ledger row, checks row counts through table.Read and deletes
// the dataset. Costs: a few load jobs (free) and a few KB of storage.
func TestRealBigQuery(t *testing.T) {
	project := os.Getenv("WBEXPORT_BQ_PROJECT")
	if project == "" {
		t.Skip("WBEXPORT_BQ_PROJECT not set (GCP project to run against with Application Default Credentials)")
	}
	location := os.Getenv("WBEXPORT_BQ_LOCATION")
	if location == "" {
		location = bigquery.DefaultLocation
	}
	ctx := context.Background()
	cfg := bigquery.Config{Project: project, Dataset: fmt.Sprintf("wbexport_it_%d", time.Now().Unix()), Location: location,
		PartitionExpiration: 7 * 24 * time.Hour, Labels: map[string]string{"purpose": "wbexport-it"}}
	c, err := bq.NewClient(ctx, project)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	defer c.Dataset(cfg.Dataset).DeleteWithContents(ctx)
	mem := checked(t)
	teams, _ := schemas.Lookup(schemas.Teams)
	goals, _ := schemas.Lookup(schemas.Goals)
	ledger, _ := schemas.Lookup(schemas.SyncRuns)
	for i, n := range []int{7, 4} { // the rerun of the same date replaces the partition
		run := runInfo(fmt.Sprintf("0190a5e0-0000-7000-8000-00000000000%d", i+1), "2026-03-01", teams, goals)
		s, err := bigquery.New(ctx, cfg, run)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Check(ctx); err != nil {
			t.Fatal(err)
		}
		want := writeSample(t, mem, s, run, n, int64(i+1), i == 0)
		if _, err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		rec := sinktest.LedgerRow(mem, run, "succeeded")
		err = s.AppendLedger(ctx, rec)
		rec.Release()
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
		for _, tb := range run.Tables {
			got := 0
			it := c.Dataset(cfg.Dataset).Table(string(tb.Name) + "$20260301").Read(ctx)
			for {
				var row []bq.Value
				err := it.Next(&row)
				if err == iterator.Done {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				got++
			}
			if got != len(want[tb.Name]) {
				t.Errorf("run %d: %s has %d rows, want %d", i+1, tb.Name, got, len(want[tb.Name]))
			}
		}
	}
	rows := readAll(ctx, t, c.Dataset(cfg.Dataset).Table(string(ledger.Name)))
	if len(rows) != 2 {
		t.Errorf("ledger has %d rows, want 2", len(rows))
	}
	_ = strings.TrimSpace
}
