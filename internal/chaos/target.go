package chaos

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/sinks"
	"github.com/wbexport/wbexport/sinks/bigquery"
	"github.com/wbexport/wbexport/sinks/bigquery/bqtest"
	"github.com/wbexport/wbexport/sinks/local"
	"github.com/wbexport/wbexport/sinks/local/localtest"
	"github.com/wbexport/wbexport/sinks/parquetfile"
	"github.com/wbexport/wbexport/sinks/s3"
	"github.com/wbexport/wbexport/sinks/s3/s3test"
	"github.com/wbexport/wbexport/sinks/sinktest"
)

// Fingerprint identifies everything readers can see in a destination's data partitions (the
// run ledger and staging areas excluded): item name → digest. Item names have the form
// "<table>/snapshot_date=<YYYY-MM-DD>/<name>", so two fingerprints can be compared per
// partition with Partition.
type Fingerprint map[string]string

// Partition returns the items of one table partition.
func (f Fingerprint) Partition(table schemas.TableID, date string) Fingerprint {
	p := string(table) + "/" + schemas.ColSnapshotDate + "=" + date + "/"
	out := Fingerprint{}
	for k, v := range f {
		if strings.HasPrefix(k, p) {
			out[k] = v
		}
	}
	return out
}

// Equal reports whether f and g hold the same items with the same digests.
func (f Fingerprint) Equal(g Fingerprint) bool {
	if len(f) != len(g) {
		return false
	}
	for k, v := range f {
		if g[k] != v {
			return false
		}
	}
	return true
}

// Diff describes how g differs from f ("" when equal).
func (f Fingerprint) Diff(g Fingerprint) string {
	var b strings.Builder
	keys := map[string]bool{}
	for k := range f {
		keys[k] = true
	}
	for k := range g {
		keys[k] = true
	}
	names := make([]string, 0, len(keys))
	for k := range keys {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		a, ok1 := f[k]
		c, ok2 := g[k]
		switch {
		case !ok1:
			b.WriteString("  added   " + k + "\n")
		case !ok2:
			b.WriteString("  removed " + k + "\n")
		case a != c:
			b.WriteString("  changed " + k + "\n")
		}
	}
	return b.String()
}

// SinkFault is a fault armed on a Target for one run, and what a failed publish may leave
// behind under that fault (beyond "every partition byte-for-byte as before").
type SinkFault struct {
	Name string
	// Arm is called after the run's sink was opened and before anything is written.
	Arm func(t testing.TB, run sinks.RunInfo)
	// Disarm removes the fault before the repairing rerun (may be nil).
	Disarm func()
	// ExpectSuccess: the fault is transient and the sink must absorb it (the run succeeds and
	// publishes exactly the reference).
	ExpectSuccess bool
	// MayReplace: the sink's documented publish window lets a failed run leave some tables'
	// partitions already replaced by the new, complete snapshot.
	MayReplace bool
	// MayUnpublish: the sink's documented gap lets one partition be left without _SUCCESS
	// (unpublished to careful readers) after a failed publish.
	MayUnpublish bool
	// Intact lists tables whose partition must be byte-for-byte unchanged even when
	// MayReplace is set (e.g. the table whose load job failed).
	Intact []schemas.TableID
	// ErrorContains is a substring the run's error must contain.
	ErrorContains string
}

// Target is one destination of the fault matrix.
type Target interface {
	// Name is "local", "s3" or "bigquery".
	Name() string
	// Open opens a sink for run; mem is the allocator for Arrow/Parquet memory where the sink
	// takes one.
	Open(t testing.TB, run sinks.RunInfo, mem memory.Allocator) sinks.Sink
	// Read returns what readers see of table's partition for date (YYYY-MM-DD), through an
	// independent reader, and whether the partition is published.
	Read(t testing.TB, table schemas.TableID, date string) (rows []sinktest.Row, published bool)
	// Published fingerprints every data partition readers can see.
	Published(t testing.TB) Fingerprint
	// Faults are the sink faults the matrix runs against this target.
	Faults() []SinkFault
}

func digest(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// ---- local ----

// Local is a local-sink destination: a temporary root directory.
type Local struct {
	Root string
}

// NewLocal returns a Local target rooted in a fresh temporary directory.
func NewLocal(t testing.TB) *Local { return &Local{Root: t.TempDir()} }

func (l *Local) Name() string { return "local" }

func (l *Local) Open(t testing.TB, run sinks.RunInfo, mem memory.Allocator) sinks.Sink {
	t.Helper()
	s, err := local.New(context.Background(), l.Root, run, local.WithAllocator(mem))
	if err != nil {
		t.Fatalf("local.New: %v", err)
	}
	return s
}

func (l *Local) Read(t testing.TB, table schemas.TableID, date string) ([]sinktest.Row, bool) {
	t.Helper()
	rows, ok, err := localtest.ReadPartition(l.Root, table, date)
	if err != nil {
		t.Fatalf("read %s %s: %v", table, date, err)
	}
	return rows, ok
}

// Published hashes every file under the root except the ledger, staging and the lock file.
func (l *Local) Published(t testing.TB) Fingerprint {
	t.Helper()
	fp := Fingerprint{}
	err := filepath.WalkDir(l.Root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(l.Root, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel == local.StagingDir || rel == string(schemas.SyncRuns) {
				return filepath.SkipDir
			}
			return nil
		}
		if rel == local.LockName {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		fp[rel] = digest(b)
		return nil
	})
	if err != nil {
		t.Fatalf("fingerprint %s: %v", l.Root, err)
	}
	return fp
}

// Faults: real disk write errors as root. chmod does not stop root, and no tiny tmpfs can be
// mounted in CI, so the faults put a regular file where the run's staging directory of the
// goals table must be created (mkdir fails with ENOTDIR while writing), or a non-empty
// directory where the commit journal is renamed to (EISDIR at Commit), whoever runs the test.
func (l *Local) Faults() []SinkFault {
	return []SinkFault{{
		Name: "staging-write-ENOTDIR",
		Arm: func(t testing.TB, run sinks.RunInfo) {
			p := filepath.Join(l.Root, local.StagingDir, run.RunID, string(schemas.Goals))
			if err := os.WriteFile(p, []byte("not a directory"), 0o644); err != nil {
				t.Fatal(err)
			}
		},
		ErrorContains: "not a directory",
	}, {
		// Everything is staged, then writing the commit journal fails: a non-empty directory
		// sits where _staging/<run_id>/_COMMIT.json is renamed to (EISDIR, also as root).
		Name: "commit-journal-EISDIR",
		Arm: func(t testing.TB, run sinks.RunInfo) {
			p := filepath.Join(l.Root, local.StagingDir, run.RunID, "_COMMIT.json", "blocker")
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
		},
		ErrorContains: "commit journal",
	}}
}

// ---- S3 ----

// S3 is an S3-sink destination: a fresh bucket on the shared versitygw server, reached
// through a fault-injecting proxy.
type S3 struct {
	Srv    *s3test.Server
	Proxy  *s3test.Proxy
	Bucket string
	Prefix string
	client *awss3.Client
}

// NewS3 returns an S3 target on the test package's shared versitygw server (see
// s3test.Shared: the package's TestMain must call s3test.Main).
func NewS3(t testing.TB) *S3 {
	srv := s3test.Shared(t)
	return &S3{Srv: srv, Proxy: s3test.NewProxy(t, srv), Bucket: srv.NewBucket(t), Prefix: "wb", client: srv.Client()}
}

func (d *S3) Name() string { return "s3" }

// Config is the sink configuration (endpoint: the proxy).
func (d *S3) Config() s3.Config {
	return s3.Config{Bucket: d.Bucket, Prefix: d.Prefix, Region: s3test.Region, Endpoint: d.Proxy.URL,
		PathStyle: true, PartSize: s3.MinPartSize, Concurrency: 2}
}

func (d *S3) Open(t testing.TB, run sinks.RunInfo, mem memory.Allocator) sinks.Sink {
	t.Helper()
	s, err := s3.New(context.Background(), d.Config(), run,
		s3.WithCredentials(d.Srv.Credentials()), s3.WithAllocator(mem), s3.WithMaxAttempts(2),
		s3.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatalf("s3.New: %v", err)
	}
	return s
}

type s3Object struct {
	etag string
	body []byte
}

func (d *S3) objects(t testing.TB, prefix string) map[string]s3Object {
	t.Helper()
	ctx := context.Background()
	out := map[string]s3Object{}
	p := awss3.NewListObjectsV2Paginator(d.client, &awss3.ListObjectsV2Input{Bucket: aws.String(d.Bucket), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("list s3://%s/%s: %v", d.Bucket, prefix, err)
		}
		for _, o := range page.Contents {
			key := aws.ToString(o.Key)
			g, err := d.client.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String(d.Bucket), Key: aws.String(key)})
			if err != nil {
				t.Fatalf("get s3://%s/%s: %v", d.Bucket, key, err)
			}
			b, err := io.ReadAll(g.Body)
			g.Body.Close()
			if err != nil {
				t.Fatalf("read s3://%s/%s: %v", d.Bucket, key, err)
			}
			out[key] = s3Object{etag: aws.ToString(g.ETag), body: b}
		}
	}
	return out
}

func (d *S3) Read(t testing.TB, table schemas.TableID, date string) ([]sinktest.Row, bool) {
	t.Helper()
	dir := d.Prefix + "/" + string(table) + "/" + schemas.ColSnapshotDate + "=" + date + "/"
	objs := d.objects(t, dir)
	if _, ok := objs[dir+parquetfile.SuccessName]; !ok {
		return nil, false
	}
	m, err := parquetfile.ParseManifest(dir+parquetfile.ManifestName, objs[dir+parquetfile.ManifestName].body)
	if err != nil {
		t.Fatalf("%v", err)
	}
	var listed, found []string
	for _, f := range m.Files {
		listed = append(listed, dir+f.Name)
		if o, ok := objs[dir+f.Name]; !ok || digest(o.body) != f.SHA256 {
			t.Errorf("%s%s: missing or its sha256 differs from the manifest", dir, f.Name)
		}
	}
	var rows []sinktest.Row
	for k, o := range objs {
		if !strings.HasSuffix(k, ".parquet") {
			continue
		}
		found = append(found, k)
		r, err := sinktest.ReadParquet(bytes.NewReader(o.body), int64(len(o.body)))
		if err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		rows = append(rows, r...)
	}
	slices.Sort(listed)
	slices.Sort(found)
	if !slices.Equal(found, listed) {
		t.Errorf("%s: partition holds %v, manifest lists %v", dir, found, listed)
	}
	return rows, true
}

// Published records every object's ETag and SHA-256 (ledger and staging excluded).
func (d *S3) Published(t testing.TB) Fingerprint {
	t.Helper()
	fp := Fingerprint{}
	for k, o := range d.objects(t, d.Prefix+"/") {
		rel := strings.TrimPrefix(k, d.Prefix+"/")
		if strings.HasPrefix(rel, "_staging/") || strings.HasPrefix(rel, string(schemas.SyncRuns)+"/") {
			continue
		}
		fp[rel] = o.etag + " " + digest(o.body)
	}
	return fp
}

func (d *S3) Faults() []SinkFault {
	staged := func(_ *http.Request, key string) bool { return strings.Contains(key, "/_staging/") }
	// A copy of a staged file into its published partition (not a backup or a restore).
	published := func(r *http.Request, key string) bool {
		src := r.Header.Get("X-Amz-Copy-Source")
		return !strings.Contains(key, "/_staging/") && strings.Contains(src, "_staging") && !strings.Contains(src, "_backup")
	}
	clear := func() { d.Proxy.ClearFaults() }
	return []SinkFault{
		{
			Name:          "upload-500",
			Arm:           func(testing.TB, sinks.RunInfo) { d.Proxy.FailFunc("PutObject", staged, 0, 500) },
			Disarm:        clear,
			ErrorContains: "upload",
		},
		{
			// The first server-side copy of a staged file into its published partition fails.
			Name:   "first-publish-CopyObject-500",
			Arm:    func(testing.TB, sinks.RunInfo) { d.Proxy.FailFunc("CopyObject", published, 0, 500) },
			Disarm: clear,
		},
		{
			// Two staged files are copied into place (users is replaced), the third copy fails
			// inside the next partition: the sink rolls back every partition it touched from
			// its backups, so the previous snapshot is byte-for-byte intact.
			Name:   "mid-publish-CopyObject-500",
			Arm:    func(testing.TB, sinks.RunInfo) { d.Proxy.FailFunc("CopyObject", published, 2, 500) },
			Disarm: clear,
		},
		{
			// The partition's _SUCCESS cannot be written after its files were replaced.
			Name: "PutObject-_SUCCESS-500",
			Arm: func(testing.TB, sinks.RunInfo) {
				d.Proxy.FailFunc("PutObject", func(_ *http.Request, key string) bool {
					return strings.HasSuffix(key, "/"+parquetfile.SuccessName) && !strings.Contains(key, "/_staging/")
				}, 1, 500)
			},
			Disarm:        clear,
			ErrorContains: parquetfile.SuccessName,
		},
	}
}

// ---- BigQuery ----

// BigQuery is a BigQuery-sink destination: an in-process bqtest server driven through the real
// client library.
type BigQuery struct {
	Srv *bqtest.Server
	Cfg bigquery.Config
}

// NewBigQuery starts a bqtest server (closed when the test ends) with quick polling.
func NewBigQuery(t testing.TB) *BigQuery {
	srv := bqtest.NewServer(bqtest.WithPollsUntilDone(2))
	t.Cleanup(srv.Close)
	return &BigQuery{Srv: srv, Cfg: bigquery.Config{
		Project: "chaos-project", Dataset: "workboard", Location: "EU",
		PollInterval: time.Millisecond, MaxPollInterval: 5 * time.Millisecond, RetryInterval: time.Millisecond,
		TempDir: t.TempDir(),
	}}
}

func (d *BigQuery) Name() string { return "bigquery" }

func (d *BigQuery) Open(t testing.TB, run sinks.RunInfo, _ memory.Allocator) sinks.Sink {
	t.Helper()
	s, err := bigquery.New(context.Background(), d.Cfg, run, d.Srv.ClientOptions()...)
	if err != nil {
		t.Fatalf("bigquery.New: %v", err)
	}
	return s
}

func (d *BigQuery) Read(t testing.TB, table schemas.TableID, date string) ([]sinktest.Row, bool) {
	t.Helper()
	tbl, _ := schemas.Lookup(table)
	raw, ok := d.Srv.Rows(d.Cfg.Project, d.Cfg.Dataset, string(table), strings.ReplaceAll(date, "-", ""))
	if !ok {
		return nil, false
	}
	rows := make([]sinktest.Row, len(raw))
	for i, r := range raw {
		rows[i] = bqCanonical(tbl, r)
	}
	return rows, true
}

// bqCanonical converts a bqtest storage row into sinktest's canonical form.
func bqCanonical(t *schemas.Table, r bqtest.Row) sinktest.Row {
	out := sinktest.Row{}
	sch := t.Arrow()
	for k, v := range r {
		switch x := v.(type) {
		case time.Time:
			out[k] = sinktest.CanonicalTime(x)
		case []any:
			intList := false
			if idx := sch.FieldIndices(k); len(idx) == 1 {
				if lt, ok := sch.Field(idx[0]).Type.(*arrow.ListType); ok && lt.Elem().ID() == arrow.INT64 {
					intList = true
				}
			}
			if intList {
				l := []int64{}
				for _, e := range x {
					l = append(l, e.(int64))
				}
				out[k] = l
			} else {
				l := []string{}
				for _, e := range x {
					l = append(l, e.(string))
				}
				out[k] = l
			}
		default:
			out[k] = v
		}
	}
	return out
}

// Published digests every data table partition's rows (lineage included), one item per
// partition named "<table>/snapshot_date=<date>/rows".
func (d *BigQuery) Published(t testing.TB) Fingerprint {
	t.Helper()
	fp := Fingerprint{}
	for _, tbl := range schemas.DataTables() {
		raw, ok := d.Srv.Rows(d.Cfg.Project, d.Cfg.Dataset, string(tbl.Name), "")
		if !ok {
			continue
		}
		byDate := map[string][]string{}
		for _, r := range raw {
			row := bqCanonical(tbl, r)
			date, _ := row[schemas.ColSnapshotDate].(string)
			byDate[date] = append(byDate[date], rowString(row))
		}
		for date, lines := range byDate {
			sort.Strings(lines)
			fp[string(tbl.Name)+"/"+schemas.ColSnapshotDate+"="+date+"/rows"] = digest([]byte(strings.Join(lines, "\n")))
		}
	}
	return fp
}

func rowString(r sinktest.Row) string {
	keys := make([]string, 0, len(r))
	for k := range r {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k + "=" + sinktest.FormatValue(r[k]) + ";")
	}
	return b.String()
}

func (d *BigQuery) Faults() []SinkFault {
	return []SinkFault{
		{
			Name: "load-job-fails",
			Arm: func(testing.TB, sinks.RunInfo) {
				d.Srv.FailNextLoad(string(schemas.Goals), "invalid", "chaos: injected load failure")
			},
			MayReplace:    true, // every table is its own load job (see the BigQuery sink's publish window)
			Intact:        []schemas.TableID{schemas.Goals},
			ErrorContains: "chaos: injected load failure",
		},
		{
			Name:          "jobs.get-503",
			Arm:           func(testing.TB, sinks.RunInfo) { d.Srv.FailPolls(3) },
			ExpectSuccess: true,
		},
		{
			Name:          "jobs.insert-response-lost",
			Arm:           func(testing.TB, sinks.RunInfo) { d.Srv.FailInsertResponses(2) },
			ExpectSuccess: true,
		},
	}
}
