package bqtest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	bq "cloud.google.com/go/bigquery"
	"cloud.google.com/go/civil"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/iterator"
	"google.golang.org/api/option"

	"github.com/wbexport/wbexport/sinks/bigquery/bqtest"
)

const project = "test-project"

// fixture: a dataset "ds" and a table "t" (id INT64 REQUIRED, name STRING, ts TIMESTAMP,
// day DATE REQUIRED, tags REPEATED STRING) DAY-partitioned on day.
var tSchema = bq.Schema{
	{Name: "id", Type: bq.IntegerFieldType, Required: true},
	{Name: "name", Type: bq.StringFieldType},
	{Name: "ts", Type: bq.TimestampFieldType},
	{Name: "day", Type: bq.DateFieldType, Required: true},
	{Name: "tags", Type: bq.StringFieldType, Repeated: true},
}

var arrowSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
	{Name: "day", Type: arrow.FixedWidthTypes.Date32},
	{Name: "tags", Type: arrow.ListOfNonNullable(arrow.BinaryTypes.String)},
}, nil)

type trow struct {
	id   int64
	name *string
	ts   *time.Time
	day  string
	tags []string
}

func str(s string) *string { return &s }

// parquetFile encodes rows with pqarrow, as the sink's writer does.
func parquetFile(t *testing.T, schema *arrow.Schema, rows []trow) []byte {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	for _, r := range rows {
		for i, f := range schema.Fields() {
			fb := b.Field(i)
			switch f.Name {
			case "id":
				switch x := fb.(type) {
				case *array.Int64Builder:
					x.Append(r.id)
				case *array.StringBuilder:
					x.Append("not a number")
				}
			case "name":
				if r.name == nil {
					fb.AppendNull()
				} else {
					fb.(*array.StringBuilder).Append(*r.name)
				}
			case "ts":
				if r.ts == nil {
					fb.AppendNull()
				} else {
					fb.(*array.TimestampBuilder).Append(arrow.Timestamp(r.ts.UnixMicro()))
				}
			case "day":
				d, _ := time.Parse(time.DateOnly, r.day)
				fb.(*array.Date32Builder).Append(arrow.Date32FromTime(d))
			case "tags":
				lb := fb.(*array.ListBuilder)
				lb.Append(true)
				for _, s := range r.tags {
					lb.ValueBuilder().(*array.StringBuilder).Append(s)
				}
			}
		}
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	var buf bytes.Buffer
	w, err := pqarrow.NewFileWriter(schema, &buf, nil, pqarrow.NewArrowWriterProperties(pqarrow.WithAllocator(mem)))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func setup(t *testing.T, opts ...bqtest.Option) (*bqtest.Server, *bq.Client) {
	t.Helper()
	srv := bqtest.NewServer(opts...)
	t.Cleanup(srv.Close)
	c, err := srv.Client(context.Background(), project)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	ctx := context.Background()
	if err := c.Dataset("ds").Create(ctx, &bq.DatasetMetadata{Location: "EU"}); err != nil {
		t.Fatal(err)
	}
	if err := c.Dataset("ds").Table("t").Create(ctx, &bq.TableMetadata{
		Schema:           tSchema,
		TimePartitioning: &bq.TimePartitioning{Type: bq.DayPartitioningType, Field: "day"},
		Clustering:       &bq.Clustering{Fields: []string{"id"}},
	}); err != nil {
		t.Fatal(err)
	}
	return srv, c
}

type loadOpts struct {
	table     string
	write     bq.TableWriteDisposition
	chunkSize int
	schema    bq.Schema
	noListInf bool
	jobID     string
}

func load(t *testing.T, c *bq.Client, data []byte, o loadOpts) (*bq.Job, error) {
	t.Helper()
	src := bq.NewReaderSource(bytes.NewReader(data))
	src.SourceFormat = bq.Parquet
	src.Schema = o.schema
	src.ParquetOptions = &bq.ParquetOptions{EnableListInference: !o.noListInf}
	l := c.Dataset("ds").Table(o.table).LoaderFrom(src)
	l.WriteDisposition = o.write
	l.JobID = o.jobID
	l.Location = "EU"
	if o.chunkSize > 0 {
		l.MediaOptions = append(l.MediaOptions, googleapi.ChunkSize(o.chunkSize))
	}
	job, err := l.Run(context.Background())
	if err != nil {
		return nil, err
	}
	st, err := job.Wait(context.Background())
	if err != nil {
		return job, err
	}
	return job, st.Err()
}

func readRows(t *testing.T, c *bq.Client, table string, pageSize int) [][]bq.Value {
	t.Helper()
	it := c.Dataset("ds").Table(table).Read(context.Background())
	it.PageInfo().MaxSize = pageSize
	var out [][]bq.Value
	for {
		var r []bq.Value
		err := it.Next(&r)
		if err == iterator.Done {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
}

var (
	ts1 = time.Date(2026, 3, 1, 12, 30, 15, 123456000, time.UTC)
	ts0 = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
)

func TestLoadAndReadEncodings(t *testing.T) {
	srv, c := setup(t)
	rows := []trow{
		{id: 1, name: str("Grüße"), ts: &ts1, day: "2026-03-01", tags: []string{"a", ""}},
		{id: 2, day: "2026-03-01", ts: &ts0},
		{id: 3, name: str(""), day: "2026-03-02", tags: []string{"x"}},
	}
	if _, err := load(t, c, parquetFile(t, arrowSchema, rows), loadOpts{table: "t", write: bq.WriteAppend}); err != nil {
		t.Fatal(err)
	}
	got := readRows(t, c, "t", 2)
	if len(got) != 3 {
		t.Fatalf("%d rows, want 3", len(got))
	}
	want := [][]bq.Value{
		{int64(1), "Grüße", ts1, civil.Date{Year: 2026, Month: 3, Day: 1}, []bq.Value{"a", ""}},
		{int64(2), nil, ts0, civil.Date{Year: 2026, Month: 3, Day: 1}, []bq.Value(nil)},
		{int64(3), "", nil, civil.Date{Year: 2026, Month: 3, Day: 2}, []bq.Value{"x"}},
	}
	for i := range want {
		for j := range want[i] {
			g, w := got[i][j], want[i][j]
			if gt, ok := g.(time.Time); ok {
				if !gt.Equal(w.(time.Time)) {
					t.Errorf("row %d col %d: %v, want %v", i, j, g, w)
				}
				continue
			}
			if gl, ok := g.([]bq.Value); ok {
				wl, _ := w.([]bq.Value)
				if len(gl) != len(wl) || (len(gl) > 0 && gl[0] != wl[0]) {
					t.Errorf("row %d col %d: %v, want %v", i, j, g, w)
				}
				continue
			}
			if g != w {
				t.Errorf("row %d col %d: %#v, want %#v", i, j, g, w)
			}
		}
	}
	// Partition decorator reads.
	if n := len(readRows(t, c, "t$20260302", 10)); n != 1 {
		t.Errorf("t$20260302 has %d rows, want 1", n)
	}
	// Raw wire format: strings for scalars, µs or float seconds for TIMESTAMP, [{"v":..}]
	// for REPEATED, null for NULL.
	for _, c := range []struct {
		query, want string
	}{
		{"formatOptions.useInt64Timestamp=true&maxResults=1", `{"f":[{"v":"1"},{"v":"Grüße"},{"v":"1772368215123456"},{"v":"2026-03-01"},{"v":[{"v":"a"},{"v":""}]}]}`},
		{"maxResults=1", `{"v":"1.772368215123456E9"}`},
		{"formatOptions.useInt64Timestamp=true&maxResults=1&pageToken=1", `{"f":[{"v":"2"},{"v":null},{"v":"-62135596800000000"}`},
	} {
		resp, err := http.Get(srv.URL + "/bigquery/v2/projects/" + project + "/datasets/ds/tables/t/data?" + c.query)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(body), c.want) {
			t.Errorf("tabledata.list?%s = %s, want it to contain %s", c.query, body, c.want)
		}
		if c.query == "maxResults=1" && !strings.Contains(string(body), `"pageToken":"1"`) || !strings.Contains(string(body), `"totalRows":"3"`) {
			t.Errorf("tabledata.list?%s: paging fields missing in %s", c.query, body)
		}
	}
}

func TestWriteDispositions(t *testing.T) {
	srv, c := setup(t)
	d1 := parquetFile(t, arrowSchema, []trow{{id: 1, day: "2026-03-01"}, {id: 2, day: "2026-03-01"}})
	d2 := parquetFile(t, arrowSchema, []trow{{id: 3, day: "2026-03-02"}})
	d1b := parquetFile(t, arrowSchema, []trow{{id: 4, day: "2026-03-01"}})
	mustLoad := func(data []byte, table string, wd bq.TableWriteDisposition) {
		t.Helper()
		if _, err := load(t, c, data, loadOpts{table: table, write: wd}); err != nil {
			t.Fatalf("load into %s (%s): %v", table, wd, err)
		}
	}
	count := func(part string) int {
		rows, _ := srv.Rows(project, "ds", "t", part)
		return len(rows)
	}
	mustLoad(d1, "t$20260301", bq.WriteTruncate)
	mustLoad(d2, "t$20260302", bq.WriteTruncate)
	mustLoad(d1b, "t$20260301", bq.WriteTruncate) // replaces only that day
	if count("20260301") != 1 || count("20260302") != 1 {
		t.Fatalf("after truncate of one partition: %d / %d rows", count("20260301"), count("20260302"))
	}
	mustLoad(d1, "t$20260301", bq.WriteAppend)
	if count("20260301") != 3 {
		t.Errorf("after append: %d rows, want 3", count("20260301"))
	}
	// WRITE_EMPTY fails on a non-empty partition, works on an empty one.
	_, err := load(t, c, d1, loadOpts{table: "t$20260301", write: bq.WriteEmpty})
	if err == nil || !strings.Contains(err.Error(), "duplicate") {
		t.Errorf("WRITE_EMPTY into a non-empty partition: %v", err)
	}
	mustLoad(parquetFile(t, arrowSchema, []trow{{id: 9, day: "2026-03-05"}}), "t$20260305", bq.WriteEmpty)
	// Rows outside the decorator's partition fail the job.
	_, err = load(t, c, d2, loadOpts{table: "t$20260301", write: bq.WriteTruncate})
	if err == nil || !strings.Contains(err.Error(), "different partitions") {
		t.Errorf("rows outside the partition: %v", err)
	}
	if count("20260301") != 3 {
		t.Errorf("a failed job changed the partition: %d rows", count("20260301"))
	}
	// WRITE_TRUNCATE on the whole table replaces every partition.
	mustLoad(d2, "t", bq.WriteTruncate)
	if count("") != 1 {
		t.Errorf("after whole-table truncate: %d rows, want 1", count(""))
	}
}

func TestLoadErrors(t *testing.T) {
	_, c := setup(t)
	good := parquetFile(t, arrowSchema, []trow{{id: 1, day: "2026-03-01"}})
	badType := arrow.NewSchema(append([]arrow.Field{{Name: "id", Type: arrow.BinaryTypes.String}}, arrowSchema.Fields()[1:]...), nil)
	noName := arrow.NewSchema([]arrow.Field{arrowSchema.Field(0), arrowSchema.Field(3), arrowSchema.Field(4)}, nil)
	noDay := arrow.NewSchema([]arrow.Field{arrowSchema.Field(0), arrowSchema.Field(4)}, nil)
	for _, tc := range []struct {
		name string
		data []byte
		o    loadOpts
		want string
	}{
		{"type mismatch", parquetFile(t, badType, []trow{{id: 1, day: "2026-03-01"}}), loadOpts{table: "t"}, "Parquet column 'id' has type utf8"},
		{"missing required", parquetFile(t, noDay, []trow{{id: 1}}), loadOpts{table: "t"}, "Required field day is missing"},
		{"list without inference", good, loadOpts{table: "t", noListInf: true}, "enableListInference"},
		{"not parquet", []byte("id,name\n1,x\n"), loadOpts{table: "t"}, "Read Parquet file failed"},
		{"missing table create never", good, loadOpts{table: "nope"}, "No schema specified"},
		{"schema drops a column", good, loadOpts{table: "t", schema: tSchema[:4]}, "Field tags is missing in new schema"},
		{"schema adds a column without option", good, loadOpts{table: "t", schema: append(append(bq.Schema{}, tSchema...), &bq.FieldSchema{Name: "extra", Type: bq.StringFieldType})}, "Cannot add fields"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := load(t, c, tc.data, tc.o)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
	// A missing nullable column loads as NULL.
	if _, err := load(t, c, parquetFile(t, noName, []trow{{id: 7, day: "2026-03-01"}}), loadOpts{table: "t"}); err != nil {
		t.Errorf("missing NULLABLE column: %v", err)
	}
}

func TestJobsProtocol(t *testing.T) {
	srv, c := setup(t, bqtest.WithPollsUntilDone(3))
	ctx := context.Background()
	data := parquetFile(t, arrowSchema, []trow{{id: 1, day: "2026-03-01"}})
	job, err := load(t, c, data, loadOpts{table: "t", jobID: "my_job-1"})
	if err != nil {
		t.Fatal(err)
	}
	// Same id again: 409 duplicate, nothing loaded twice.
	_, err = load(t, c, data, loadOpts{table: "t", jobID: "my_job-1"})
	var ge *googleapi.Error
	if !errors.As(err, &ge) || ge.Code != 409 || ge.Errors[0].Reason != "duplicate" {
		t.Errorf("second insert with the same id: %v", err)
	}
	if rows, _ := srv.Rows(project, "ds", "t", ""); len(rows) != 1 {
		t.Errorf("%d rows, want 1", len(rows))
	}
	j2, err := c.JobFromIDLocation(ctx, job.ID(), "EU")
	if err != nil || j2.LastStatus().State != bq.Done {
		t.Errorf("JobFromIDLocation: %v %+v", err, j2)
	}
	// Jobs and datasets are only found in their location.
	if _, err := c.JobFromIDLocation(ctx, job.ID(), "US"); !errors.As(err, &ge) || ge.Code != 404 {
		t.Errorf("job looked up in another location: %v", err)
	}
	src := bq.NewReaderSource(bytes.NewReader(data))
	src.SourceFormat = bq.Parquet
	l := c.Dataset("ds").Table("t").LoaderFrom(src)
	l.Location = "US" // the dataset is in EU
	if _, err := l.Run(ctx); err == nil || !strings.Contains(err.Error(), "not found in location US") {
		t.Errorf("load job in another location than the dataset: %v", err)
	}
	// Bad job id and label values are refused like BigQuery does.
	if _, err := load(t, c, data, loadOpts{table: "t", jobID: "bad id!"}); err == nil || !strings.Contains(err.Error(), "Invalid job ID") {
		t.Errorf("bad job id: %v", err)
	}
	// Injected failure for one table.
	srv.FailNextLoad("t", "backendError", "boom")
	if _, err := load(t, c, data, loadOpts{table: "t$20260301", write: bq.WriteTruncate}); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("injected failure: %v", err)
	}
	jobs := srv.Jobs()
	if len(jobs) != 2 || jobs[1].Error == nil || jobs[1].State != "DONE" {
		t.Errorf("jobs %+v", jobs)
	}
	// Dry-run query: validated, not stored.
	q := c.Query("SELECT * FROM ds.t")
	q.DryRun = true
	if _, err := q.Run(ctx); err != nil {
		t.Errorf("dry run: %v", err)
	}
	q = c.Query("SELECT * FROM ds.missing")
	q.DryRun = true
	if _, err := q.Run(ctx); err == nil || !strings.Contains(err.Error(), "Not found") {
		t.Errorf("dry run on a missing table: %v", err)
	}
	if len(srv.Jobs()) != 2 {
		t.Errorf("dry runs were stored as jobs")
	}
}

func TestResumableUploadProtocol(t *testing.T) {
	srv, c := setup(t)
	// ~600 KiB of incompressible-ish names so the file spans three 256 KiB chunks.
	var rows []trow
	for i := range 3000 {
		s := strings.Repeat(string(rune('a'+i%26)), 1) + strings.Repeat("x", i%7) + time.Duration(i*7919).String()
		rows = append(rows, trow{id: int64(i), name: str(strings.Repeat(s, 12)), day: "2026-03-01"})
	}
	data := parquetFile(t, arrowSchema, rows)
	if len(data) < 2*256<<10 {
		t.Fatalf("file is only %d bytes", len(data))
	}
	if _, err := load(t, c, data, loadOpts{table: "t", chunkSize: 256 << 10}); err != nil {
		t.Fatal(err)
	}
	chunks := 0
	for _, r := range srv.Requests() {
		if strings.Contains(r.Query, "upload_id=") {
			chunks++
		}
	}
	if chunks < 3 {
		t.Errorf("%d chunk requests, want >= 3", chunks)
	}
	if got, _ := srv.Rows(project, "ds", "t", ""); len(got) != len(rows) {
		t.Errorf("%d rows loaded, want %d", len(got), len(rows))
	}

	// Raw protocol: without X-GUploader-No-308 an incomplete chunk is a real 308.
	job, _ := json.Marshal(map[string]any{"configuration": map[string]any{"load": map[string]any{
		"destinationTable": map[string]string{"projectId": project, "datasetId": "ds", "tableId": "t"},
		"sourceFormat":     "PARQUET"}}})
	resp, err := http.Post(srv.URL+"/upload/bigquery/v2/projects/"+project+"/jobs?uploadType=resumable", "application/json", bytes.NewReader(job))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if loc == "" {
		t.Fatal("no Location for the resumable session")
	}
	req, _ := http.NewRequest(http.MethodPut, loc, bytes.NewReader(data[:10]))
	req.Header.Set("Content-Range", "bytes 0-9/*")
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 308 || resp.Header.Get("Range") != "bytes=0-9" {
		t.Errorf("incomplete chunk: status %d Range %q, want 308 bytes=0-9", resp.StatusCode, resp.Header.Get("Range"))
	}
	// A chunk that does not continue at the received offset is refused.
	req, _ = http.NewRequest(http.MethodPut, loc, bytes.NewReader(data[20:30]))
	req.Header.Set("Content-Range", "bytes 20-29/*")
	resp, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("gap in chunks: status %d, want 400", resp.StatusCode)
	}
}

func TestMetadataEtags(t *testing.T) {
	_, c := setup(t)
	ctx := context.Background()
	tbl := c.Dataset("ds").Table("t")
	md, err := tbl.Metadata(ctx)
	if err != nil {
		t.Fatal(err)
	}
	added := append(append(bq.Schema{}, md.Schema...), &bq.FieldSchema{Name: "extra", Type: bq.StringFieldType})
	if _, err := tbl.Update(ctx, bq.TableMetadataToUpdate{Schema: added}, md.ETag); err != nil {
		t.Fatal(err)
	}
	// Stale etag: 412.
	_, err = tbl.Update(ctx, bq.TableMetadataToUpdate{Description: "x"}, md.ETag)
	var ge *googleapi.Error
	if !errors.As(err, &ge) || ge.Code != 412 {
		t.Errorf("update with a stale etag: %v", err)
	}
	// Removing or retyping a column is refused.
	md, _ = tbl.Metadata(ctx)
	retyped := append(bq.Schema{}, md.Schema...)
	f := *retyped[1]
	f.Type = bq.IntegerFieldType
	retyped[1] = &f
	if _, err := tbl.Update(ctx, bq.TableMetadataToUpdate{Schema: retyped}, md.ETag); err == nil || !strings.Contains(err.Error(), "changed type") {
		t.Errorf("retype: %v", err)
	}
	if _, err := tbl.Update(ctx, bq.TableMetadataToUpdate{Schema: md.Schema[:3]}, ""); err == nil || !strings.Contains(err.Error(), "missing in new schema") {
		t.Errorf("remove: %v", err)
	}
	// Dataset: get, duplicate create, update with etag.
	ds := c.Dataset("ds")
	dmd, err := ds.Metadata(ctx)
	if err != nil || dmd.Location != "EU" {
		t.Fatalf("dataset metadata %v %+v", err, dmd)
	}
	if err := ds.Create(ctx, nil); !errors.As(err, &ge) || ge.Code != 409 {
		t.Errorf("duplicate dataset: %v", err)
	}
	if _, err := ds.Update(ctx, bq.DatasetMetadataToUpdate{Description: "d"}, dmd.ETag); err != nil {
		t.Errorf("dataset update: %v", err)
	}
	if _, err := ds.Update(ctx, bq.DatasetMetadataToUpdate{Description: "e"}, dmd.ETag); !errors.As(err, &ge) || ge.Code != 412 {
		t.Errorf("dataset update with a stale etag: %v", err)
	}
	// Clustering on an unknown column is refused at create.
	err = c.Dataset("ds").Table("t2").Create(ctx, &bq.TableMetadata{Schema: tSchema, Clustering: &bq.Clustering{Fields: []string{"nope"}}})
	if err == nil || !strings.Contains(err.Error(), "clustering") {
		t.Errorf("bad clustering: %v", err)
	}
}

func TestFailPollsAndLostInsert(t *testing.T) {
	srv, c := setup(t)
	data := parquetFile(t, arrowSchema, []trow{{id: 1, day: "2026-03-01"}})
	srv.FailPolls(1) // the client retries 5xx on jobs.get
	if _, err := load(t, c, data, loadOpts{table: "t", jobID: "j1"}); err != nil {
		t.Fatal(err)
	}
	srv.FailInsertResponses(1)
	_, err := load(t, c, data, loadOpts{table: "t", jobID: "j2"})
	var ge *googleapi.Error
	if !errors.As(err, &ge) || ge.Code != 503 {
		t.Fatalf("lost insert response: %v", err)
	}
	// The job exists although the client saw 503.
	if _, err := c.JobFromIDLocation(context.Background(), "j2", "EU"); err != nil {
		t.Errorf("job of the lost response: %v", err)
	}
}

func TestQueries(t *testing.T) {
	_, c := setup(t)
	ctx := context.Background()
	rows := []trow{{id: 1, name: str("a"), ts: &ts1, day: "2026-03-01", tags: []string{"t"}}, {id: 2, day: "2026-03-02"}}
	if _, err := load(t, c, parquetFile(t, arrowSchema, rows), loadOpts{table: "t"}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		sql  string
		want [][]bq.Value
	}{
		{"SELECT 1", [][]bq.Value{{int64(1)}}},
		{"SELECT COUNT(*) FROM `test-project.ds.t`", [][]bq.Value{{int64(2)}}},
		{"SELECT * FROM ds.t WHERE day = '2026-03-01'", [][]bq.Value{{int64(1), "a", ts1, civil.Date{Year: 2026, Month: 3, Day: 1}, []bq.Value{"t"}}}},
	} {
		it, err := c.Query(tc.sql).Read(ctx)
		if err != nil {
			t.Fatalf("%s: %v", tc.sql, err)
		}
		var got [][]bq.Value
		for {
			var r []bq.Value
			err := it.Next(&r)
			if err == iterator.Done {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", tc.sql, err)
			}
			got = append(got, r)
		}
		if len(got) != len(tc.want) {
			t.Fatalf("%s: %d rows, want %d", tc.sql, len(got), len(tc.want))
		}
		for i := range got {
			for j := range got[i] {
				g, w := got[i][j], tc.want[i][j]
				if gt, ok := g.(time.Time); ok && gt.Equal(w.(time.Time)) {
					continue
				}
				if gl, ok := g.([]bq.Value); ok && len(gl) == 1 && gl[0] == w.([]bq.Value)[0] {
					continue
				}
				if g != w {
					t.Errorf("%s: row %d col %d = %#v, want %#v", tc.sql, i, j, g, w)
				}
			}
		}
	}
	if _, err := c.Query("DELETE FROM ds.t WHERE true").Read(ctx); err == nil {
		t.Error("unsupported statement accepted")
	}
}

// TestPathPrefixes: the server answers under /projects/... as well as /bigquery/v2/projects/...
func TestPathPrefixes(t *testing.T) {
	srv, _ := setup(t)
	ctx := context.Background()
	c, err := bq.NewClient(ctx, project, option.WithEndpoint(srv.URL+"/"), option.WithoutAuthentication())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	md, err := c.Dataset("ds").Table("t").Metadata(ctx)
	if err != nil || len(md.Schema) != len(tSchema) {
		t.Fatalf("table via /projects/...: %v", err)
	}
	var sawBare bool
	for _, r := range srv.Requests() {
		sawBare = sawBare || r.Path == "/projects/test-project/datasets/ds/tables/t"
	}
	if !sawBare {
		t.Errorf("requests %v", srv.Requests())
	}
}

func TestLabelPatch(t *testing.T) {
	_, c := setup(t)
	ctx := context.Background()
	tbl := c.Dataset("ds").Table("t")
	var u bq.TableMetadataToUpdate
	u.SetLabel("a", "1")
	u.SetLabel("b", "2")
	if _, err := tbl.Update(ctx, u, ""); err != nil {
		t.Fatal(err)
	}
	var u2 bq.TableMetadataToUpdate
	u2.SetLabel("c", "")
	u2.DeleteLabel("a")
	md, err := tbl.Update(ctx, u2, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(md.Labels) != 2 || md.Labels["b"] != "2" || md.Labels["c"] != "" {
		t.Errorf("labels %v, want b=2 and c=\"\"", md.Labels)
	}
}
