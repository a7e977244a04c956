package s3_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/google/uuid"
	"github.com/parquet-go/parquet-go"

	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/sinks"
	"github.com/wbexport/wbexport/sinks/s3"
	"github.com/wbexport/wbexport/sinks/s3/s3test"
	"github.com/wbexport/wbexport/sinks/sinktest"
)

func TestMain(m *testing.M) { os.Exit(s3test.Main(m)) }

// env is one test's S3 world: the shared versitygw server, a fresh bucket and, optionally, a
// fault-injecting proxy in front of the server.
type env struct {
	t      testing.TB
	srv    *s3test.Server
	bucket string
	prefix string
	proxy  *s3test.Proxy
	client *awss3.Client // talks to the server directly
	mem    *memory.CheckedAllocator
	logs   *syncBuffer
}

func newEnv(t testing.TB) *env {
	t.Helper()
	srv := s3test.Shared(t)
	e := &env{
		t: t, srv: srv, bucket: srv.NewBucket(t), prefix: "exports/wb",
		client: srv.Client(), mem: memory.NewCheckedAllocator(memory.DefaultAllocator),
		logs: &syncBuffer{},
	}
	t.Cleanup(func() { e.mem.AssertSize(t, 0) })
	return e
}

// withProxy routes the sinks e opens through a fault-injecting proxy.
func (e *env) withProxy() *s3test.Proxy {
	e.proxy = s3test.NewProxy(e.t, e.srv)
	return e.proxy
}

func (e *env) config() s3.Config {
	endpoint := e.srv.URL
	if e.proxy != nil {
		endpoint = e.proxy.URL
	}
	return s3.Config{
		Bucket: e.bucket, Prefix: e.prefix, Region: s3test.Region, Endpoint: endpoint, PathStyle: true,
		PartSize: s3.MinPartSize, Concurrency: 2,
	}
}

func (e *env) open(run sinks.RunInfo, cfg s3.Config, opts ...s3.Option) *s3.Sink {
	e.t.Helper()
	base := []s3.Option{
		s3.WithCredentials(e.srv.Credentials()),
		s3.WithAllocator(e.mem),
		s3.WithLogger(slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))),
		s3.WithMaxAttempts(2),
	}
	s, err := s3.New(context.Background(), cfg, run, append(base, opts...)...)
	if err != nil {
		e.t.Fatalf("s3.New: %v", err)
	}
	e.t.Cleanup(func() { s.Close() })
	return s
}

func newRun(date string, tables ...schemas.TableID) sinks.RunInfo {
	d, err := time.Parse("2006-01-02", date)
	if err != nil {
		panic(err)
	}
	run := sinks.RunInfo{RunID: uuid.Must(uuid.NewV7()).String(), SnapshotDate: d, Version: "test"}
	for _, id := range tables {
		t, ok := schemas.Lookup(id)
		if !ok {
			panic(id)
		}
		run.Tables = append(run.Tables, t)
	}
	return run
}

// writeSample writes n sample rows (seed) of table into s.
func (e *env) writeSample(s *s3.Sink, run sinks.RunInfo, table schemas.TableID, n int, seed int64) {
	e.t.Helper()
	tbl, _ := schemas.Lookup(table)
	rec := sinktest.SampleRecords(e.mem, tbl, n, seed, sinktest.WithDate(run.Date()), sinktest.WithRunID(run.RunID))
	defer rec.Release()
	if err := s.Write(context.Background(), table, rec); err != nil {
		e.t.Fatalf("Write %s: %v", table, err)
	}
}

// ledgerRecord returns a one-row _sync_runs batch for run.
func (e *env) ledgerRecord(run sinks.RunInfo) arrow.RecordBatch {
	tbl, _ := schemas.Lookup(schemas.SyncRuns)
	return sinktest.SampleRecords(e.mem, tbl, 1, 1, sinktest.WithDate(run.Date()), sinktest.WithRunID(run.RunID))
}

// objInfo is a published object's identity, for byte-for-byte comparisons.
type objInfo struct {
	ETag   string
	SHA256 string
	Size   int64
}

// snapshot returns every object under prefix (relative key → identity), read through the SDK.
func (e *env) snapshot(prefix string) map[string]objInfo {
	e.t.Helper()
	out := map[string]objInfo{}
	for _, key := range e.keys(prefix) {
		body, etag := e.get(key)
		sum := sha256.Sum256(body)
		out[strings.TrimPrefix(key, prefix)] = objInfo{ETag: etag, SHA256: hex.EncodeToString(sum[:]), Size: int64(len(body))}
	}
	return out
}

// keys lists the keys under prefix (relative to nothing), sorted.
func (e *env) keys(prefix string) []string {
	e.t.Helper()
	var keys []string
	p := awss3.NewListObjectsV2Paginator(e.client, &awss3.ListObjectsV2Input{Bucket: &e.bucket, Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			e.t.Fatalf("list %s: %v", prefix, err)
		}
		for _, o := range page.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
	}
	sort.Strings(keys)
	return keys
}

func (e *env) get(key string) ([]byte, string) {
	e.t.Helper()
	out, err := e.client.GetObject(context.Background(), &awss3.GetObjectInput{Bucket: &e.bucket, Key: aws.String(key)})
	if err != nil {
		e.t.Fatalf("get %s: %v", key, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		e.t.Fatalf("read %s: %v", key, err)
	}
	return b, aws.ToString(out.ETag)
}

func (e *env) exists(key string) bool {
	_, err := e.client.HeadObject(context.Background(), &awss3.HeadObjectInput{Bucket: &e.bucket, Key: aws.String(key)})
	return err == nil
}

func (e *env) multipartUploads() int {
	e.t.Helper()
	out, err := e.client.ListMultipartUploads(context.Background(), &awss3.ListMultipartUploadsInput{Bucket: &e.bucket})
	if err != nil {
		e.t.Fatalf("ListMultipartUploads: %v", err)
	}
	return len(out.Uploads)
}

func (e *env) part(table schemas.TableID, date string) string {
	return fmt.Sprintf("%s/%s/snapshot_date=%s/", e.prefix, table, date)
}

func diffSnapshots(want, got map[string]objInfo) string {
	var b strings.Builder
	for k, w := range want {
		g, ok := got[k]
		switch {
		case !ok:
			fmt.Fprintf(&b, "  missing %s\n", k)
		case g != w:
			fmt.Fprintf(&b, "  changed %s: %+v -> %+v\n", k, w, g)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			fmt.Fprintf(&b, "  added %s\n", k)
		}
	}
	return b.String()
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// bigRecords returns rows of goals whose goal_narrative holds strLen random hex characters, so
// the Parquet file is about rows × strLen bytes even with dictionary encoding.
func bigRecords(mem memory.Allocator, run sinks.RunInfo, rows, strLen int, seed int64) arrow.RecordBatch {
	goals, _ := schemas.Lookup(schemas.Goals)
	base := sinktest.SampleRecords(mem, goals, rows, seed+100, sinktest.WithDate(run.Date()), sinktest.WithRunID(run.RunID))
	defer base.Release()
	rng := rand.New(rand.NewPCG(uint64(seed), 42))
	sb := array.NewStringBuilder(mem)
	defer sb.Release()
	raw := make([]byte, strLen/2)
	for range rows {
		for i := range raw {
			raw[i] = byte(rng.Uint32())
		}
		sb.Append(hex.EncodeToString(raw))
	}
	narrative := sb.NewArray()
	defer narrative.Release()
	idx := goals.ColumnIndex("goal_narrative")
	cols := append([]arrow.Array(nil), base.Columns()...)
	cols[idx] = narrative
	return array.NewRecordBatch(base.Schema(), cols, int64(rows))
}

// parquetRows opens data with parquet-go (an implementation independent of the writer's
// arrow-go) and returns its row count after reading every row.
func parquetRows(t testing.TB, data []byte) int {
	t.Helper()
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("parquet-go: %v", err)
	}
	r := parquet.NewReader(f)
	defer r.Close()
	n := 0
	buf := make([]parquet.Row, 256)
	for {
		k, err := r.ReadRows(buf)
		n += k
		if err == io.EOF {
			return n
		}
		if err != nil {
			t.Fatalf("parquet-go: read rows: %v", err)
		}
	}
}
