package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/wbexport/wbexport/sinks/s3/s3test"
	"github.com/wbexport/wbexport/workboard/wbtest"
)

func TestMain(m *testing.M) { os.Exit(s3test.Main(m)) }

// TestPreflight: a sink that cannot take the run stops it before the first WorkBoard request,
// with the exit code of the cause: 2 for a configuration to fix (a missing bucket, a directory
// that cannot be made), 3 for credentials the sink refused.
func TestPreflight(t *testing.T) {
	srv := s3test.Shared(t)
	creds, err := srv.Credentials().Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	bucket := srv.NewBucket(t)
	awsEnv := func(secret string) []string {
		return []string{"AWS_ACCESS_KEY_ID=" + creds.AccessKeyID, "AWS_SECRET_ACCESS_KEY=" + secret, "AWS_REGION=" + s3test.Region,
			"AWS_EC2_METADATA_DISABLED=true", "AWS_CONFIG_FILE=/nonexistent", "AWS_SHARED_CREDENTIALS_FILE=/nonexistent"}
	}
	s3Args := []string{"--s3-endpoint", srv.URL, "--s3-path-style"}
	org := wbtest.Generate(wbtest.OrgConfig{Seed: 4, Users: 4, Teams: 1, Goals: 3, KRsPerGoal: 1, CheckinsPerKR: 1})
	notDir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notDir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		env  []string
		args []string
		code int
		want string
	}{
		{"S3 bucket missing", awsEnv(creds.SecretAccessKey), append([]string{"--sink", "s3://no-such-bucket-wbexport/p"}, s3Args...), ExitUsage, "NoSuchBucket"},
		{"S3 secret wrong", awsEnv("wrong-secret-key-0123456789"), append([]string{"--sink", "s3://" + bucket + "/p"}, s3Args...), ExitAuth, "SignatureDoesNotMatch"},
		{"S3 fine", awsEnv(creds.SecretAccessKey), append([]string{"--sink", "s3://" + bucket + "/p"}, s3Args...), ExitOK, ""},
		{"local directory under a file", nil, []string{"--sink", "file://" + notDir + "/out"}, ExitUsage, "not a directory"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ts := wbtest.Start(t, org)
			args := append([]string{"run", "--api-url", ts.BaseURL, "--progress", "never", "--summary-file", filepath.Join(t.TempDir(), "s.json")}, tc.args...)
			r := runCLI(t, append(tc.env, "WORKBOARD_TOKEN="+ts.AdminToken), args...)
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", r.code, tc.code, r.stderr)
			}
			if tc.code == ExitOK {
				return
			}
			if !strings.Contains(r.stderr, tc.want) || !strings.Contains(r.stderr, "nothing was extracted") {
				t.Errorf("stderr %q does not contain %q", r.stderr, tc.want)
			}
			if n := ts.Emulator.Stats().Requests; n != 0 {
				t.Errorf("%d WorkBoard requests before the sink was found unusable", n)
			}
		})
	}
}

// TestGCStuckAndLease: with a dead run on an S3 prefix whose rollback cannot finish (its
// backups are gone), gc exits 1 naming the exact repair and gc --repair clears it; while a
// live run holds the prefix's lease, a run and gc exit 4 (retry later) and change nothing.
func TestGCStuckAndLease(t *testing.T) {
	srv := s3test.Shared(t)
	creds, err := srv.Credentials().Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	env := []string{"AWS_ACCESS_KEY_ID=" + creds.AccessKeyID, "AWS_SECRET_ACCESS_KEY=" + creds.SecretAccessKey, "AWS_REGION=" + s3test.Region,
		"AWS_EC2_METADATA_DISABLED=true", "AWS_CONFIG_FILE=/nonexistent", "AWS_SHARED_CREDENTIALS_FILE=/nonexistent"}
	bucket := srv.NewBucket(t)
	sink := []string{"--sink", "s3://" + bucket + "/p", "--s3-endpoint", srv.URL, "--s3-path-style"}
	put := func(key, body string) {
		t.Helper()
		if _, err := srv.Client().PutObject(context.Background(), &awss3.PutObjectInput{Bucket: &bucket, Key: &key, Body: strings.NewReader(body)}); err != nil {
			t.Fatal(err)
		}
	}
	dead := "0190aaaa-dead-7000-8000-000000000000"
	put("p/_staging/"+dead+"/_journal.json", `{"version":1,"run_id":"`+dead+`","snapshot_date":"2026-03-01","partitions":[{"table":"users","dir":"p/users/snapshot_date=2026-03-01/","backup":"p/_staging/`+dead+`/_backup/users/","objects":[{"name":"_SUCCESS","size":0,"etag":"x"}]}]}`)

	r := runCLI(t, env, append([]string{"gc"}, sink...)...)
	if r.code != ExitFailed || !strings.Contains(r.stderr, "wbexport gc --repair --sink s3://"+bucket+"/p") {
		t.Fatalf("gc over a stuck run: exit %d, want %d naming the repair; stderr:\n%s", r.code, ExitFailed, r.stderr)
	}
	r = runCLI(t, env, append([]string{"gc", "--repair"}, sink...)...)
	if r.code != 0 || !strings.Contains(r.stdout, "gave up 1 rollback(s)") {
		t.Fatalf("gc --repair: exit %d; stdout %q stderr:\n%s", r.code, r.stdout, r.stderr)
	}

	// A live run holds the lease.
	put("p/_staging/_lease.json", `{"run_id":"0190cccc-live","holder":"run","acquired_at":"`+time.Now().UTC().Format(time.RFC3339)+`","expires_at":"`+time.Now().Add(time.Hour).UTC().Format(time.RFC3339)+`"}`)
	r = runCLI(t, env, append([]string{"gc"}, sink...)...)
	if r.code != ExitTransient || !strings.Contains(r.stderr, "0190cccc-live") {
		t.Fatalf("gc while a run holds the lease: exit %d, want %d; stderr:\n%s", r.code, ExitTransient, r.stderr)
	}
	ts := wbtest.Start(t, wbtest.Generate(wbtest.OrgConfig{Seed: 4, Users: 4, Teams: 1, Goals: 3, KRsPerGoal: 1, CheckinsPerKR: 1}))
	r = runCLI(t, append(env, "WORKBOARD_TOKEN="+ts.AdminToken), append([]string{"run", "--api-url", ts.BaseURL, "--progress", "never",
		"--summary-file", filepath.Join(t.TempDir(), "s.json")}, sink...)...)
	if r.code != ExitTransient || !strings.Contains(r.stderr, "holds the lease") {
		t.Fatalf("run while another holds the lease: exit %d, want %d; stderr:\n%s", r.code, ExitTransient, r.stderr)
	}
}
