package s3_test

import (
	"bytes"
	"context"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/sinks"
	"github.com/wbexport/wbexport/sinks/parquetfile"
	"github.com/wbexport/wbexport/sinks/s3"
	"github.com/wbexport/wbexport/sinks/sinktest"
	"github.com/wbexport/wbexport/sinks/tablefile"
)

// TestConformance runs the shared sink conformance suite against versitygw. The destination
// reads what is published through the SDK (GetObject), decodes it with parquet-go
// (sinktest.ReadParquet) and treats a partition as published when it has _SUCCESS.
func TestConformance(t *testing.T) {
	sinktest.Run(t, func(t *testing.T) sinktest.Destination {
		return &s3Destination{e: newEnv(t), format: tablefile.Parquet}
	})
}

// TestConformanceCSV runs the suite with CSV objects (wbexport run --format csv), read back
// with sinktest.ReadCSV.
func TestConformanceCSV(t *testing.T) {
	sinktest.Run(t, func(t *testing.T) sinktest.Destination {
		return &s3Destination{e: newEnv(t), format: tablefile.CSV}
	})
}

type s3Destination struct {
	e      *env
	format tablefile.Format
}

// rows decodes one published object in the destination's format.
func (d *s3Destination) rows(t testing.TB, key string, table schemas.TableID, data []byte) []sinktest.Row {
	t.Helper()
	var r []sinktest.Row
	var err error
	if d.format == tablefile.CSV {
		tbl, _ := schemas.Lookup(table)
		r, err = sinktest.ReadCSV(tbl, bytes.NewReader(data))
	} else {
		r, err = sinktest.ReadParquet(bytes.NewReader(data), int64(len(data)))
	}
	if err != nil {
		t.Fatalf("%s: %v", key, err)
	}
	return r
}

func (d *s3Destination) Open(t testing.TB, run sinks.RunInfo) sinks.Sink {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	s, err := s3.New(context.Background(), d.e.config(), run,
		s3.WithCredentials(d.e.srv.Credentials()),
		s3.WithAllocator(mem),
		s3.WithFormat(d.format),
		s3.WithLogger(slog.New(slog.NewTextHandler(d.e.logs, nil))))
	if err != nil {
		t.Fatalf("s3.New: %v", err)
	}
	t.Cleanup(func() {
		s.Close()
		mem.AssertSize(t, 0)
	})
	return s
}

func (d *s3Destination) Read(t testing.TB, table schemas.TableID, date string) ([]sinktest.Row, bool) {
	t.Helper()
	e := d.e
	dir := e.part(table, date)
	keys := e.keys(dir)
	if !slices.Contains(keys, dir+parquetfile.SuccessName) {
		return nil, false
	}
	// Every Parquet object in the partition (what a glob reader sees) must be exactly the set
	// the manifest lists.
	body, _ := e.get(dir + parquetfile.ManifestName)
	m, err := parquetfile.ParseManifest(dir+parquetfile.ManifestName, body)
	if err != nil {
		t.Fatalf("%v", err)
	}
	var listed []string
	for _, f := range m.Files {
		listed = append(listed, dir+f.Name)
	}
	var rows []sinktest.Row
	var found []string
	for _, k := range keys {
		if !strings.HasSuffix(k, d.format.Ext()) {
			continue
		}
		found = append(found, k)
		data, _ := e.get(k)
		rows = append(rows, d.rows(t, k, table, data)...)
	}
	slices.Sort(listed)
	if !slices.Equal(found, listed) {
		t.Errorf("%s: partition holds %v, manifest lists %v", dir, found, listed)
	}
	return rows, true
}

func (d *s3Destination) Ledger(t testing.TB) []sinktest.Row {
	t.Helper()
	var rows []sinktest.Row
	for _, k := range d.e.keys(d.e.prefix + "/_sync_runs/") {
		data, _ := d.e.get(k)
		rows = append(rows, d.rows(t, k, schemas.SyncRuns, data)...)
	}
	return rows
}
