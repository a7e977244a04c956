package s3test_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/wbexport/wbexport/sinks/s3/s3test"
)

func TestMain(m *testing.M) { os.Exit(s3test.Main(m)) }

func TestServerRoundTrip(t *testing.T) {
	srv := s3test.Shared(t)
	ctx := context.Background()
	c := srv.Client()
	b1, b2 := srv.NewBucket(t), srv.NewBucket(t)
	if b1 == b2 {
		t.Fatalf("NewBucket returned %q twice", b1)
	}
	body := []byte("hello, versitygw")
	if _, err := c.PutObject(ctx, &awss3.PutObjectInput{Bucket: &b1, Key: aws.String("a/b.txt"), Body: bytes.NewReader(body)}); err != nil {
		t.Fatal(err)
	}
	out, err := c.GetObject(ctx, &awss3.GetObjectInput{Bucket: &b1, Key: aws.String("a/b.txt")})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(out.Body)
	out.Body.Close()
	if !bytes.Equal(got, body) {
		t.Fatalf("GetObject = %q, want %q", got, body)
	}
	// The second bucket is fresh: it does not see the first one's object.
	l, err := c.ListObjectsV2(ctx, &awss3.ListObjectsV2Input{Bucket: &b2})
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Contents) != 0 {
		t.Fatalf("fresh bucket lists %d objects", len(l.Contents))
	}
}

func TestProxyRecordsAndInjects(t *testing.T) {
	srv := s3test.Shared(t)
	ctx := context.Background()
	bucket := srv.NewBucket(t)
	p := s3test.NewProxy(t, srv)
	c := awss3.New(awss3.Options{
		Region: s3test.Region, BaseEndpoint: aws.String(p.URL), UsePathStyle: true,
		Credentials: srv.Credentials(), RetryMaxAttempts: 1,
	})
	p.FailFunc("PutObject", func(_ *http.Request, key string) bool { return strings.HasSuffix(key, ".bad") }, 1, 0)

	put := func(key string) error {
		_, err := c.PutObject(ctx, &awss3.PutObjectInput{Bucket: &bucket, Key: aws.String(key), Body: strings.NewReader("x")})
		return err
	}
	for _, tc := range []struct {
		key     string
		wantErr bool
	}{
		{"one.bad", false}, // first matching request passes (After = 1)
		{"two.ok", false},  // does not match
		{"three.bad", true},
		{"four.bad", true},
	} {
		err := put(tc.key)
		if (err != nil) != tc.wantErr {
			t.Fatalf("PutObject %s: err = %v, want error %v", tc.key, err, tc.wantErr)
		}
		var ae smithy.APIError
		if tc.wantErr && (!errors.As(err, &ae) || ae.ErrorCode() != "InternalError") {
			t.Fatalf("PutObject %s: err = %v, want InternalError", tc.key, err)
		}
	}
	reqs := p.Requests()
	if len(reqs) != 4 {
		t.Fatalf("recorded %d requests, want 4", len(reqs))
	}
	for i, r := range reqs {
		if r.Op != "PutObject" || r.Bucket != bucket || r.Path != "/"+bucket+"/"+r.Key {
			t.Errorf("request %d = %+v", i, r)
		}
		if r.Header.Get("Authorization") != "" {
			t.Errorf("request %d: Authorization header recorded", i)
		}
		if wantFault := i >= 2; r.Fault != wantFault || (wantFault && r.Status != 500) || (!wantFault && r.Status != 200) {
			t.Errorf("request %d: fault=%v status=%d", i, r.Fault, r.Status)
		}
	}
	// Injected failures never reached the server.
	if _, err := c.HeadObject(ctx, &awss3.HeadObjectInput{Bucket: &bucket, Key: aws.String("three.bad")}); err == nil {
		t.Fatal("three.bad exists although its PutObject was failed by the proxy")
	}
}

func TestOperation(t *testing.T) {
	const vd = "s3.example.test"
	tests := []struct {
		method, url string
		header      map[string]string
		want        string
	}{
		{"GET", "http://h/", nil, "ListBuckets"},
		{"PUT", "http://h/b", nil, "CreateBucket"},
		{"HEAD", "http://h/b", nil, "HeadBucket"},
		{"GET", "http://h/b?list-type=2&prefix=x", nil, "ListObjectsV2"},
		{"GET", "http://h/b?uploads", nil, "ListMultipartUploads"},
		{"POST", "http://h/b?delete", nil, "DeleteObjects"},
		{"PUT", "http://h/b/k", nil, "PutObject"},
		{"PUT", "http://h/b/k?x-id=PutObject", nil, "PutObject"},
		{"PUT", "http://h/b/k", map[string]string{"X-Amz-Copy-Source": "b/src"}, "CopyObject"},
		{"PUT", "http://h/b/k?partNumber=1&uploadId=u", nil, "UploadPart"},
		{"PUT", "http://h/b/k?partNumber=1&uploadId=u", map[string]string{"X-Amz-Copy-Source": "b/src"}, "UploadPartCopy"},
		{"POST", "http://h/b/k?uploads", nil, "CreateMultipartUpload"},
		{"POST", "http://h/b/k?uploadId=u", nil, "CompleteMultipartUpload"},
		{"DELETE", "http://h/b/k?uploadId=u", nil, "AbortMultipartUpload"},
		{"DELETE", "http://h/b/k", nil, "DeleteObject"},
		{"GET", "http://h/b/k", nil, "GetObject"},
		{"HEAD", "http://h/b/k", nil, "HeadObject"},
		{"GET", "http://h/b/k?tagging", nil, "GetObjectTagging"},
		{"PUT", "http://b.s3.example.test:9000/k/x", nil, "PutObject"},
		{"GET", "http://b.s3.example.test:9000/?list-type=2", nil, "ListObjectsV2"},
	}
	for _, tc := range tests {
		r, _ := http.NewRequest(tc.method, tc.url, nil)
		for k, v := range tc.header {
			r.Header.Set(k, v)
		}
		if got := s3test.Operation(r, vd); got != tc.want {
			t.Errorf("Operation(%s %s) = %q, want %q", tc.method, tc.url, got, tc.want)
		}
	}
}

// TestMissingBinary runs this test binary again in a directory without go.mod and with an
// empty PATH, so versitygw cannot be found: Shared must skip, or fail when $CI is set.
func TestMissingBinary(t *testing.T) {
	if os.Getenv("S3TEST_HELPER") == "1" {
		s3test.Shared(t)
		t.Log("unreachable: Shared returned without a server")
		return
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, ci := range []string{"", "true"} {
		cmd := exec.Command(exe, "-test.run=^TestMissingBinary$", "-test.v")
		cmd.Dir = t.TempDir()
		cmd.Env = []string{"S3TEST_HELPER=1", "PATH=", "CI=" + ci, "HOME=" + os.Getenv("HOME")}
		out, err := cmd.CombinedOutput()
		switch {
		case ci == "" && (err != nil || !strings.Contains(string(out), "--- SKIP") || !strings.Contains(string(out), "install-versitygw.sh")):
			t.Errorf("without CI: err=%v, output:\n%s", err, out)
		case ci != "" && (err == nil || !strings.Contains(string(out), "--- FAIL") || !strings.Contains(string(out), "install-versitygw.sh")):
			t.Errorf("with CI: err=%v, output:\n%s", err, out)
		}
	}
}

func TestBinaryFromEnv(t *testing.T) {
	t.Setenv(s3test.EnvBinary, filepath.Join(t.TempDir(), "nope"))
	if _, err := s3test.Binary(); err == nil || !strings.Contains(err.Error(), s3test.EnvBinary) {
		t.Fatalf("Binary with a missing $%s = %v", s3test.EnvBinary, err)
	}
}
