package s3_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/sinks"
	"github.com/wbexport/wbexport/sinks/s3"
)

func TestParseURL(t *testing.T) {
	tests := []struct {
		in             string
		bucket, prefix string
		err            string // substring of the error; "" for success
	}{
		{in: "s3://my-bucket", bucket: "my-bucket"},
		{in: "s3://my-bucket/", bucket: "my-bucket"},
		{in: "s3://my.bucket-1/exports/workboard/", bucket: "my.bucket-1", prefix: "exports/workboard"},
		{in: "S3://abc/p", bucket: "abc", prefix: "p"},
		{in: "s3://abc/snapshot=x/ü", bucket: "abc", prefix: "snapshot=x/ü"},
		{in: "gs://bucket/x", err: "want s3://BUCKET/PREFIX"},
		{in: "bucket/x", err: "want s3://BUCKET/PREFIX"},
		{in: "s3://", err: "bucket name is empty"},
		{in: "s3:///prefix", err: "bucket name is empty"},
		{in: "s3://ab", err: "3 to 63 characters"},
		{in: "s3://" + strings.Repeat("a", 64), err: "3 to 63 characters"},
		{in: "s3://My_Bucket/x", err: "only lowercase letters, digits, dots and hyphens"},
		{in: "s3://-bucket", err: "begin and end with a letter or digit"},
		{in: "s3://bucket-", err: "begin and end with a letter or digit"},
		{in: "s3://my..bucket", err: "two adjacent dots"},
		{in: "s3://192.168.1.10", err: "IP address"},
		{in: "s3://xn--bucket", err: "reserved prefix"},
		{in: "s3://bucket-s3alias", err: "reserved suffix"},
		{in: "s3://bucket/a//b", err: "empty path segment"},
		{in: "s3://bucket/a/../b", err: `".." segment`},
		{in: "s3://bucket/a/_staging/b", err: "_staging"},
		{in: "s3://bucket/x?region=eu-west-1", err: "query strings"},
		{in: "s3://AKIA:secret@bucket/x", err: "credentials in the URL"},
	}
	for _, tc := range tests {
		cfg, err := s3.ParseURL(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseURL(%q) = %+v, %v; want error containing %q", tc.in, cfg, err, tc.err)
			}
			if err != nil && strings.Contains(err.Error(), "secret") {
				t.Errorf("ParseURL(%q): error repeats the secret: %v", tc.in, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseURL(%q): %v", tc.in, err)
			continue
		}
		if diff := cmp.Diff(s3.Config{Bucket: tc.bucket, Prefix: tc.prefix}, cfg); diff != "" {
			t.Errorf("ParseURL(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
}

func TestNewValidatesConfig(t *testing.T) {
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_PROFILE", "")
	users, _ := schemas.Lookup(schemas.Users)
	ledger, _ := schemas.Lookup(schemas.SyncRuns)
	run := sinks.RunInfo{RunID: "01a2b3c4-0000-7000-8000-000000000001", Tables: []*schemas.Table{users}}
	ok := s3.Config{Bucket: "bucket", Region: "eu-west-1"}
	tests := []struct {
		name string
		mod  func(c *s3.Config, r *sinks.RunInfo)
		err  string
	}{
		{"valid", func(*s3.Config, *sinks.RunInfo) {}, ""},
		{"bad bucket", func(c *s3.Config, _ *sinks.RunInfo) { c.Bucket = "Bad" }, "lowercase"},
		{"bad sse", func(c *s3.Config, _ *sinks.RunInfo) { c.SSE = "aws:kms:dsse-x" }, "--s3-sse"},
		{"kms key without kms", func(c *s3.Config, _ *sinks.RunInfo) { c.SSE, c.KMSKeyID = "AES256", "k" }, "--s3-kms-key-id"},
		{"kms", func(c *s3.Config, _ *sinks.RunInfo) {
			c.SSE, c.KMSKeyID = "aws:kms", "arn:aws:kms:eu-west-1:1:key/x"
		}, ""},
		{"storage class", func(c *s3.Config, _ *sinks.RunInfo) { c.StorageClass = "COLD" }, "--s3-storage-class"},
		{"part size small", func(c *s3.Config, _ *sinks.RunInfo) { c.PartSize = 1 << 20 }, "--s3-part-size"},
		{"concurrency", func(c *s3.Config, _ *sinks.RunInfo) { c.Concurrency = -1 }, "--s3-concurrency"},
		{"endpoint scheme", func(c *s3.Config, _ *sinks.RunInfo) { c.Endpoint = "minio:9000" }, "--s3-endpoint"},
		{"endpoint creds", func(c *s3.Config, _ *sinks.RunInfo) { c.Endpoint = "http://k:s3cr3t@minio:9000" }, "credentials in the endpoint"},
		{"run id", func(_ *s3.Config, r *sinks.RunInfo) { r.RunID = "../x" }, "run id"},
		{"ledger in tables", func(_ *s3.Config, r *sinks.RunInfo) { r.Tables = []*schemas.Table{ledger} }, "ledger"},
		{"no region on AWS", func(c *s3.Config, _ *sinks.RunInfo) { c.Region = "" }, "no AWS region"},
		{"custom endpoint defaults the region", func(c *s3.Config, _ *sinks.RunInfo) { c.Region, c.Endpoint = "", "http://127.0.0.1:9" }, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, r := ok, run
			tc.mod(&cfg, &r)
			s, err := s3.New(context.Background(), cfg, r)
			if tc.err == "" {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				if got := s.Config(); got.PartSize != s3.DefaultPartSize || got.Concurrency != s3.DefaultConcurrency {
					t.Errorf("defaults not applied: %+v", got)
				}
				s.Close()
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("New = %v, want error containing %q", err, tc.err)
			}
			if strings.Contains(err.Error(), "s3cr3t") {
				t.Fatalf("error repeats a secret: %v", err)
			}
			if !strings.Contains(err.Error(), "s3 sink s3://") {
				t.Errorf("error does not name the sink: %v", err)
			}
		})
	}
}
