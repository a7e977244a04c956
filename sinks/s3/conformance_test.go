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
)

// TestConformance runs the shared sink conformance suite against versitygw. The destination
// reads what is published through the SDK (GetObject), decodes it with parquet-go
// (sinktest.ReadParquet) and treats a partition as published when it has _SUCCESS.
func TestConformance(t *testing.T) {
	sinktest.Run(t, func(t *testing.T) sinktest.Destination {
		return &s3Destination{e: newEnv(t)}
	})
}

type s3Destination struct{ e *env }

func (d *s3Destination) Open(t testing.TB, run sinks.RunInfo) sinks.Sink {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	s, err := s3.New(context.Background(), d.e.config(), run,
		s3.WithCredentials(d.e.srv.Credentials()),
		s3.WithAllocator(mem),
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
		if !strings.HasSuffix(k, ".parquet") {
			continue
		}
		found = append(found, k)
		data, _ := e.get(k)
		r, err := sinktest.ReadParquet(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		rows = append(rows, r...)
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
		r, err := sinktest.ReadParquet(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		rows = append(rows, r...)
	}
	return rows
}
