package s3_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/google/go-cmp/cmp"

	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/sinks"
	"github.com/wbexport/wbexport/sinks/parquetfile"
	"github.com/wbexport/wbexport/sinks/s3"
	"github.com/wbexport/wbexport/sinks/s3/s3test"
)

const (
	date1 = "2026-03-01"
	date2 = "2026-03-02"
)

// TestPublishLayout checks the published layout, manifest, checksums, tags and that staging is
// gone after a successful run.
func TestPublishLayout(t *testing.T) {
	e := newEnv(t)
	run := newRun(date1, schemas.Users, schemas.Teams)
	s := e.open(run, e.config())
	e.writeSample(s, run, schemas.Users, 50, 1)
	e.writeSample(s, run, schemas.Users, 30, 2) // two batches, one file
	// teams gets no rows: published as an empty partition
	res, err := s.Commit(context.Background())
	if err != nil {
		t.Fatalf("Commit: %v", err)
	}
	rec := e.ledgerRecord(run)
	defer rec.Release()
	if err := s.AppendLedger(context.Background(), rec); err != nil {
		t.Fatalf("AppendLedger: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	want := []string{
		e.prefix + "/_sync_runs/snapshot_date=" + date1 + "/part-" + run.RunID + ".parquet",
		e.part("teams", date1) + "_SUCCESS",
		e.part("teams", date1) + "_manifest.json",
		e.part("teams", date1) + "part-00000.parquet",
		e.part("users", date1) + "_SUCCESS",
		e.part("users", date1) + "_manifest.json",
		e.part("users", date1) + "part-00000.parquet",
	}
	if got := e.keys(""); !slices.Equal(got, want) {
		t.Fatalf("bucket holds\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}

	for table, rows := range map[schemas.TableID]int64{schemas.Users: 80, schemas.Teams: 0} {
		tr := res.Tables[table]
		wantLoc := "s3://" + e.bucket + "/" + e.part(table, date1)
		// Bytes is checked against the published object below.
		if diff := cmp.Diff(sinks.TableResult{Rows: rows, Files: 1, Bytes: tr.Bytes, Location: wantLoc}, tr); diff != "" {
			t.Errorf("Result[%s] (-want +got):\n%s", table, diff)
		}
		body, _ := e.get(e.part(table, date1) + "_manifest.json")
		m, err := parquetfile.ParseManifest(string(table), body)
		if err != nil {
			t.Fatalf("manifest: %v", err)
		}
		type manifestSummary struct {
			RunID        string
			Table        schemas.TableID
			SnapshotDate string
			TotalRows    int64
			Files        int
		}
		wantM := manifestSummary{RunID: run.RunID, Table: table, SnapshotDate: date1, TotalRows: rows, Files: 1}
		if diff := cmp.Diff(wantM, manifestSummary{m.RunID, m.Table, m.SnapshotDate, m.TotalRows, len(m.Files)}); diff != "" {
			t.Fatalf("manifest %s (-want +got):\n%s", table, diff)
		}
		data, _ := e.get(e.part(table, date1) + m.Files[0].Name)
		sum := sha256.Sum256(data)
		if hex.EncodeToString(sum[:]) != m.Files[0].SHA256 || int64(len(data)) != m.Files[0].Bytes {
			t.Errorf("%s: published file sha256/size differ from the manifest", table)
		}
		if tr.Bytes != int64(len(data)) {
			t.Errorf("%s: Result bytes %d, object has %d", table, tr.Bytes, len(data))
		}
		if succ, _ := e.get(e.part(table, date1) + "_SUCCESS"); len(succ) != 0 {
			t.Errorf("_SUCCESS is not empty: %q", succ)
		}

		// Tags on the published (copied) object.
		tags, err := e.client.GetObjectTagging(context.Background(), &awss3.GetObjectTaggingInput{
			Bucket: &e.bucket, Key: aws.String(e.part(table, date1) + "part-00000.parquet")})
		if err != nil {
			t.Fatalf("GetObjectTagging: %v", err)
		}
		got := map[string]string{}
		for _, tg := range tags.TagSet {
			got[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
		}
		if diff := cmp.Diff(map[string]string{s3.TagRunID: run.RunID, s3.TagTable: string(table)}, got); diff != "" {
			t.Errorf("%s: tags (-want +got):\n%s", table, diff)
		}
		head, err := e.client.HeadObject(context.Background(), &awss3.HeadObjectInput{
			Bucket: &e.bucket, Key: aws.String(e.part(table, date1) + "part-00000.parquet")})
		if err != nil {
			t.Fatal(err)
		}
		if ct := aws.ToString(head.ContentType); ct != s3.ContentTypeParquet {
			t.Errorf("%s: Content-Type %q", table, ct)
		}
	}
	if n := e.multipartUploads(); n != 0 {
		t.Errorf("%d multipart uploads left behind", n)
	}
	creds, _ := e.srv.Credentials().Retrieve(context.Background())
	if strings.Contains(e.logs.String(), creds.SecretAccessKey) {
		t.Error("the secret key appears in the log")
	}
	if !strings.Contains(e.logs.String(), "published partition") {
		t.Errorf("log lacks the publish record:\n%s", e.logs.String())
	}
}

// TestRerunReplaces: rerunning a date replaces its partitions exactly (fewer files than before,
// stale files removed), other dates are untouched, and the ledger gains one object per run.
func TestRerunReplaces(t *testing.T) {
	e := newEnv(t)
	const date2 = "2026-03-02"
	publish := func(date string, rows int, seed int64, popts ...parquetfile.Option) string {
		run := newRun(date, schemas.Goals)
		s := e.open(run, e.config(), s3.WithParquetOptions(popts...))
		e.writeSample(s, run, schemas.Goals, rows, seed)
		if _, err := s.Commit(context.Background()); err != nil {
			t.Fatalf("Commit %s: %v", date, err)
		}
		rec := e.ledgerRecord(run)
		defer rec.Release()
		if err := s.AppendLedger(context.Background(), rec); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		return run.RunID
	}
	// First run: small files force rotation into several parts.
	publish(date1, 3000, 1, parquetfile.WithFileBytes(64<<10), parquetfile.WithRowGroupBytes(32<<10), parquetfile.WithSliceRows(200))
	first := e.keys(e.part("goals", date1))
	if len(first) < 4 { // ≥2 parts + manifest + _SUCCESS
		t.Fatalf("first run did not rotate files: %v", first)
	}
	publish(date2, 10, 7)
	other := e.snapshot(e.part("goals", date2))

	// Rerun of date1 with one file: the extra parts must go.
	run2 := publish(date1, 20, 2)
	got := e.keys(e.part("goals", date1))
	want := []string{e.part("goals", date1) + "_SUCCESS", e.part("goals", date1) + "_manifest.json", e.part("goals", date1) + "part-00000.parquet"}
	if !slices.Equal(got, want) {
		t.Fatalf("after rerun partition holds %v, want %v", got, want)
	}
	body, _ := e.get(e.part("goals", date1) + "_manifest.json")
	m, err := parquetfile.ParseManifest("goals", body)
	if err != nil || m.RunID != run2 || m.TotalRows != 20 {
		t.Fatalf("manifest after rerun = %+v, %v", m, err)
	}
	if d := diffSnapshots(other, e.snapshot(e.part("goals", date2))); d != "" {
		t.Errorf("rerun of %s changed %s:\n%s", date1, date2, d)
	}
	if ledger := e.keys(e.prefix + "/_sync_runs/"); len(ledger) != 3 {
		t.Errorf("ledger has %d objects after 3 runs: %v", len(ledger), ledger)
	}
	if st := e.keys(e.prefix + "/_staging/"); len(st) != 0 {
		t.Errorf("staging not cleaned: %v", st)
	}
}

// TestAbortAndCloseWithoutCommit: nothing is published, staging and multipart uploads are gone,
// the previous snapshot is untouched.
func TestAbortAndCloseWithoutCommit(t *testing.T) {
	e := newEnv(t)
	run := newRun(date1, schemas.Users)
	s := e.open(run, e.config())
	e.writeSample(s, run, schemas.Users, 20, 1)
	if _, err := s.Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
	s.Close()
	before := e.snapshot(e.prefix + "/")

	for _, mode := range []string{"abort", "close"} {
		t.Run(mode, func(t *testing.T) {
			run := newRun(date1, schemas.Users)
			s := e.open(run, e.config())
			e.writeSample(s, run, schemas.Users, 40, 9)
			switch mode {
			case "abort":
				if err := s.Abort(context.Background()); err != nil {
					t.Fatalf("Abort: %v", err)
				}
				if _, err := s.Commit(context.Background()); err == nil {
					t.Fatal("Commit after Abort succeeded")
				}
			}
			if err := s.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			if d := diffSnapshots(before, e.snapshot(e.prefix+"/")); d != "" {
				t.Errorf("published data changed:\n%s", d)
			}
			if n := e.multipartUploads(); n != 0 {
				t.Errorf("%d multipart uploads left", n)
			}
		})
	}
}

// TestRejectsBadWrites: wrong schema, unknown table, ledger via Write; none fails the run.
func TestRejectsBadWrites(t *testing.T) {
	e := newEnv(t)
	run := newRun(date1, schemas.Users)
	s := e.open(run, e.config())
	wrong := e.ledgerRecord(run)
	defer wrong.Release()
	tests := []struct {
		table schemas.TableID
		want  string
	}{
		{schemas.Users, "schema mismatch"},
		{schemas.Teams, `table "teams" is not one of this run's tables`},
		{schemas.SyncRuns, "AppendLedger"},
	}
	for _, tc := range tests {
		err := s.Write(context.Background(), tc.table, wrong)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "s3://"+e.bucket) {
			t.Errorf("Write(%s, wrong schema) = %v, want error containing %q and the sink URL", tc.table, err, tc.want)
		}
	}
	e.writeSample(s, run, schemas.Users, 5, 1)
	if _, err := s.Commit(context.Background()); err != nil {
		t.Fatalf("Commit after rejected writes: %v", err)
	}
}

// TestMultipart50MB streams a >50 MB Parquet file with 5 MiB parts and publishes it with a
// multipart copy, checking the bytes end to end.
func TestMultipart50MB(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	e := newEnv(t)
	p := e.withProxy()
	cfg := e.config()
	cfg.PartSize = s3.MinPartSize
	cfg.Concurrency = 3
	run := newRun(date1, schemas.Goals)
	s := e.open(run, cfg,
		s3.WithParquetOptions(parquetfile.WithCompression(parquetfile.None), parquetfile.WithRowGroupBytes(8<<20)),
		s3.WithCopyThreshold(16<<20, 8<<20))
	const batches, rows, strLen = 13, 1000, 4096 // ≈53 MB of incompressible strings
	for i := range batches {
		rec := bigRecords(e.mem, run, rows, strLen, int64(i))
		if err := s.Write(context.Background(), schemas.Goals, rec); err != nil {
			t.Fatalf("Write: %v", err)
		}
		rec.Release()
	}
	res, err := s.Commit(context.Background())
	if err != nil {
		t.Fatalf("Commit: %v", err)
	}
	if tr := res.Tables["goals"]; tr.Bytes < 50<<20 || tr.Rows != batches*rows {
		t.Fatalf("Result = %+v, want > 50 MiB and %d rows", tr, batches*rows)
	}
	if n := p.Count("UploadPart"); n < 10 {
		t.Errorf("%d UploadPart requests, want ≥ 10 (5 MiB parts of > 50 MB)", n)
	}
	if n := p.Count("UploadPartCopy"); n < 7 {
		t.Errorf("%d UploadPartCopy requests, want ≥ 7 (8 MiB copy parts)", n)
	}
	if n := p.Count("CopyObject"); n != 0 {
		t.Errorf("%d CopyObject requests for an object above the copy threshold", n)
	}
	body, _ := e.get(e.part("goals", date1) + "_manifest.json")
	m, err := parquetfile.ParseManifest("goals", body)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := e.get(e.part("goals", date1) + "part-00000.parquet")
	sum := sha256.Sum256(data)
	if hex.EncodeToString(sum[:]) != m.Files[0].SHA256 {
		t.Fatal("the multipart-uploaded, multipart-copied object's sha256 differs from the manifest")
	}
	if n := parquetRows(t, data); n != batches*rows {
		t.Fatalf("parquet-go reads %d rows, want %d", n, batches*rows)
	}
}

// TestSSEStorageClassAndTagsOnTheWire asserts, at a proxy, that encryption, storage class and
// tags are sent on every request that creates an object, and that the server's answers are
// handled (versitygw accepts and ignores SSE).
func TestSSEStorageClassAndTagsOnTheWire(t *testing.T) {
	tests := []struct {
		name, sse, kms string
	}{
		{"aes256", s3.SSEAES256, ""},
		{"kms", s3.SSEKMS, "alias/wbexport-test"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			p := e.withProxy()
			cfg := e.config()
			cfg.SSE, cfg.KMSKeyID, cfg.StorageClass = tc.sse, tc.kms, "STANDARD_IA"
			run := newRun(date1, schemas.Goals)
			s := e.open(run, cfg, s3.WithParquetOptions(parquetfile.WithCompression(parquetfile.None)),
				s3.WithCopyThreshold(4<<20, 5<<20))
			if err := s.Check(context.Background()); err != nil {
				t.Fatalf("Check: %v", err)
			}
			rec := bigRecords(e.mem, run, 1500, 4096, 1) // ≈6 MB: multipart upload and copy
			err := s.Write(context.Background(), schemas.Goals, rec)
			rec.Release()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Commit(context.Background()); err != nil {
				t.Fatalf("Commit: %v", err)
			}
			rec = e.ledgerRecord(run)
			defer rec.Release()
			if err := s.AppendLedger(context.Background(), rec); err != nil {
				t.Fatal(err)
			}
			seen := map[string]int{}
			for _, r := range p.Requests() {
				switch r.Op {
				case "PutObject", "CreateMultipartUpload", "CopyObject":
					seen[r.Op]++
					if got := r.Header.Get("X-Amz-Server-Side-Encryption"); got != tc.sse {
						t.Errorf("%s %s: x-amz-server-side-encryption = %q, want %q", r.Op, r.Key, got, tc.sse)
					}
					if got := r.Header.Get("X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id"); got != tc.kms {
						t.Errorf("%s %s: kms key id = %q, want %q", r.Op, r.Key, got, tc.kms)
					}
					if got := r.Header.Get("X-Amz-Storage-Class"); got != "STANDARD_IA" {
						t.Errorf("%s %s: x-amz-storage-class = %q", r.Op, r.Key, got)
					}
					if r.Op == "CopyObject" {
						continue // tags are copied from the staged object
					}
					tags, _ := url.ParseQuery(r.Header.Get("X-Amz-Tagging"))
					if tags.Get(s3.TagRunID) != run.RunID {
						t.Errorf("%s %s: x-amz-tagging = %q, want %s=%s", r.Op, r.Key, r.Header.Get("X-Amz-Tagging"), s3.TagRunID, run.RunID)
					}
				case "UploadPart":
					if r.Header.Get("X-Amz-Server-Side-Encryption") != "" {
						t.Errorf("UploadPart carries SSE headers (S3 rejects them there)")
					}
				}
				// Request checksums (the SDK default, CRC32) on every upload of data.
				if r.Op == "PutObject" || r.Op == "UploadPart" {
					if r.Header.Get("X-Amz-Checksum-Crc32") == "" && !strings.Contains(strings.ToLower(r.Header.Get("X-Amz-Trailer")), "x-amz-checksum-crc32") {
						t.Errorf("%s %s: no CRC32 checksum (headers %v)", r.Op, r.Key, r.Header)
					}
				}
				if r.Status >= 300 && r.Op != "GetObject" { // GetObject of a missing _SUCCESS is a 404
					t.Errorf("%s %s answered %d", r.Op, r.Key, r.Status)
				}
			}
			for _, op := range []string{"PutObject", "CreateMultipartUpload", "UploadPartCopy"} {
				if seen[op] == 0 && op != "UploadPartCopy" {
					t.Errorf("no %s request seen", op)
				}
			}
			if p.Count("UploadPartCopy") == 0 {
				t.Error("no UploadPartCopy request seen")
			}
		})
	}
}

// TestAddressing: path-style and virtual-hosted-style requests go to the configured endpoint
// in the expected shape, and both work end to end.
func TestAddressing(t *testing.T) {
	for _, pathStyle := range []bool{true, false} {
		t.Run(map[bool]string{true: "path-style", false: "virtual-hosted"}[pathStyle], func(t *testing.T) {
			e := newEnv(t)
			p := e.withProxy()
			cfg := e.config()
			cfg.PathStyle = pathStyle
			var opts []s3.Option
			wantHost := p.Addr
			if !pathStyle {
				_, port, _ := strings.Cut(p.Addr, ":")
				cfg.Endpoint = "http://" + e.srv.VirtualDomain + ":" + port
				wantHost = e.bucket + "." + e.srv.VirtualDomain + ":" + port
				opts = append(opts, s3.WithHTTPClient(s3test.DialTo(p.Addr)))
			}
			run := newRun(date1, schemas.Teams)
			s := e.open(run, cfg, opts...)
			e.writeSample(s, run, schemas.Teams, 10, 1)
			if _, err := s.Commit(context.Background()); err != nil {
				t.Fatalf("Commit: %v\nserver: %s", err, e.srv.Output())
			}
			reqs := p.Requests()
			if len(reqs) == 0 {
				t.Fatal("no request went through the configured endpoint")
			}
			for _, r := range reqs {
				if r.Host != wantHost {
					t.Fatalf("%s: Host %q, want %q", r.Op, r.Host, wantHost)
				}
				if pathStyle != strings.HasPrefix(r.Path, "/"+e.bucket+"/") && r.Key != "" {
					t.Fatalf("%s: path %q (path-style %v)", r.Op, r.Path, pathStyle)
				}
			}
			if !e.exists(e.part("teams", date1) + "_SUCCESS") {
				t.Fatal("not published")
			}
		})
	}
}

// TestCheck: success leaves nothing behind; failures name the problem without leaking secrets.
func TestCheck(t *testing.T) {
	e := newEnv(t)
	s := e.open(newRun(date1), e.config())
	if err := s.Check(context.Background()); err != nil {
		t.Fatalf("Check: %v", err)
	}
	if keys := e.keys(""); len(keys) != 0 {
		t.Fatalf("Check left %v", keys)
	}

	cfg := e.config()
	cfg.Bucket = "no-such-bucket-wbexport"
	s2 := e.open(newRun(date1), cfg)
	err := s2.Check(context.Background())
	if err == nil || !strings.Contains(err.Error(), "NoSuchBucket") || !strings.Contains(err.Error(), "s3://no-such-bucket-wbexport/exports/wb/_staging/_probe-") {
		t.Fatalf("Check on a missing bucket = %v", err)
	}

	const secret = "wrong-secret-value-1234567890"
	s3c := e.open(newRun(date1), e.config(), s3.WithCredentials(staticCreds("AKIAWRONG", secret)))
	err = s3c.Check(context.Background())
	if err == nil || !strings.Contains(err.Error(), "credentials") {
		t.Fatalf("Check with wrong credentials = %v", err)
	}
	if strings.Contains(err.Error(), secret) || strings.Contains(e.logs.String(), secret) {
		t.Fatal("the secret key appears in an error or the log")
	}
}

// TestRunIDRequired: a sink without run id only checks and collects garbage.
func TestRunIDRequired(t *testing.T) {
	e := newEnv(t)
	run := newRun(date1, schemas.Users)
	run.RunID = ""
	s := e.open(run, e.config())
	if err := s.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	rec := e.ledgerRecord(newRun(date1))
	defer rec.Release()
	if err := s.Write(context.Background(), schemas.Users, rec); err == nil || !strings.Contains(err.Error(), "run id") {
		t.Fatalf("Write without run id = %v", err)
	}
	if _, err := s.GC(context.Background(), time.Hour); err != nil {
		t.Fatal(err)
	}
}

func staticCreds(id, secret string) aws.CredentialsProvider {
	return aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: id, SecretAccessKey: secret, Source: "test"}, nil
	})
}
