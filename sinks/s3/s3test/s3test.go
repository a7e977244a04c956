// Package s3test runs a real S3-compatible server for tests, in the spirit of net/http/httptest:
// versitygw (https://github.com/versity/versitygw, Apache-2.0) serving a temporary directory
// through its posix backend on a free loopback port.
//
// A test package shares one server, started on first use and stopped by Main:
//
//	func TestMain(m *testing.M) { os.Exit(s3test.Main(m)) }
//
//	func TestSomething(t *testing.T) {
//		srv := s3test.Shared(t)       // skips (or fails when $CI is set) if versitygw is missing
//		bucket := srv.NewBucket(t)    // a fresh, empty bucket for this test
//		client := srv.Client()        // an AWS SDK *s3.Client talking to the server
//		...
//	}
//
// The versitygw binary is found through $WBEXPORT_VERSITYGW, then bin/versitygw at the
// repository root, then $PATH. Install it with .ci/install-versitygw.sh. When it is missing, tests
// are skipped with a message saying so, except when $CI is set: then they fail, so CI cannot pass
// without running them.
//
// The package also provides Proxy, a fault-injecting reverse proxy that sits in front of a
// server, records every S3 request it forwards (operation, host, path, headers) and answers
// chosen operations with errors after a number of successful ones.
package s3test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
)

// EnvBinary names the environment variable that points at a versitygw binary.
const EnvBinary = "WBEXPORT_VERSITYGW"

// Region is the region the server is started with and the clients are configured for.
const Region = "us-east-1"

// DefaultStartTimeout bounds how long Start waits for the server to answer.
const DefaultStartTimeout = 60 * time.Second

// ErrNotInstalled is returned (wrapped) by Binary and Start when no versitygw binary is found.
var ErrNotInstalled = errors.New("versitygw not found: run .ci/install-versitygw.sh (installs bin/versitygw) or set $" + EnvBinary)

// Server is a running versitygw process serving a temporary directory. Its methods are safe for
// concurrent use.
type Server struct {
	// URL is the server's endpoint, http://127.0.0.1:PORT.
	URL string
	// VirtualDomain is the base domain the server accepts for virtual-hosted-style requests
	// (Host: BUCKET.VirtualDomain[:PORT]). Nothing resolves it: route such requests to the
	// server with a custom dialer (see DialTo).
	VirtualDomain string

	accessKey, secretKey string
	dir                  string
	cmd                  *exec.Cmd
	out                  *capBuffer
	exited               chan struct{}
	buckets              atomic.Int64
	closeOnce            sync.Once
}

// Binary returns the path of the versitygw binary to run.
func Binary() (string, error) {
	if p := os.Getenv(EnvBinary); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("$%s=%s: %w", EnvBinary, p, err)
		}
		return p, nil
	}
	if root, err := repoRoot(); err == nil {
		p := filepath.Join(root, "bin", "versitygw")
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	if p, err := exec.LookPath("versitygw"); err == nil {
		return p, nil
	}
	return "", ErrNotInstalled
}

// repoRoot walks up from the working directory to the directory holding go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// Start starts a new server on a free loopback port, serving a new temporary directory, and
// waits until it answers HTTP. Close stops it and removes the directory.
func Start() (*Server, error) {
	bin, err := Binary()
	if err != nil {
		return nil, err
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ { // the free port may be taken in between
		s, err := start(bin)
		if err == nil {
			return s, nil
		}
		lastErr = err
	}
	return nil, lastErr
}

func start(bin string) (*Server, error) {
	dir, err := os.MkdirTemp("", "wbexport-versitygw-")
	if err != nil {
		return nil, fmt.Errorf("s3test: temp dir: %w", err)
	}
	port, err := freePort()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	s := &Server{
		URL:           "http://127.0.0.1:" + port,
		VirtualDomain: "s3.wbexport.test",
		accessKey:     "wbx" + randomHex(8),
		secretKey:     randomHex(20),
		dir:           dir,
		out:           &capBuffer{max: 64 << 10},
		exited:        make(chan struct{}),
	}
	data := filepath.Join(dir, "data")
	if err := os.Mkdir(data, 0o755); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("s3test: %w", err)
	}
	s.cmd = exec.Command(bin, "--port", "127.0.0.1:"+port, "--region", Region, "--quiet",
		"--virtual-domain", s.VirtualDomain, "posix", data)
	// Credentials go through the environment, never the command line (process listings).
	s.cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY="+s.accessKey, "ROOT_SECRET_KEY="+s.secretKey)
	s.cmd.Stdout = s.out
	s.cmd.Stderr = s.out
	setPdeathsig(s.cmd)
	if err := s.cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("s3test: start %s: %w", bin, err)
	}
	go func() { s.cmd.Wait(); close(s.exited) }()

	deadline := time.Now().Add(DefaultStartTimeout)
	hc := &http.Client{Timeout: 2 * time.Second}
	for {
		select {
		case <-s.exited:
			os.RemoveAll(dir)
			return nil, fmt.Errorf("s3test: versitygw exited during start-up: %s", s.out.String())
		default:
		}
		resp, err := hc.Get(s.URL + "/")
		if err == nil {
			resp.Body.Close()
			return s, nil
		}
		if time.Now().After(deadline) {
			s.Close()
			return nil, fmt.Errorf("s3test: versitygw did not answer on %s within %v: %v; output: %s",
				s.URL, DefaultStartTimeout, err, s.out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Close stops the server and removes its directory.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		if s.cmd != nil && s.cmd.Process != nil {
			s.cmd.Process.Kill()
			<-s.exited
		}
		os.RemoveAll(s.dir)
	})
	return nil
}

// Output returns the server's recent stdout/stderr (for diagnosing failures).
func (s *Server) Output() string { return s.out.String() }

// Credentials returns static credentials of the server's root user. They are random per
// server and worthless outside it.
func (s *Server) Credentials() aws.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider(s.accessKey, s.secretKey, "")
}

// Client returns an S3 client for the server (path-style, the server's region and
// credentials). optFns adjust the client's options.
func (s *Server) Client(optFns ...func(*awss3.Options)) *awss3.Client {
	opts := awss3.Options{
		Region:       Region,
		BaseEndpoint: aws.String(s.URL),
		UsePathStyle: true,
		Credentials:  s.Credentials(),
	}
	return awss3.New(opts, optFns...)
}

var bucketUnsafe = regexp.MustCompile(`[^a-z0-9-]+`)

// NewBucket creates a fresh, empty bucket named after the test and returns its name.
func (s *Server) NewBucket(t testing.TB) string {
	t.Helper()
	n := s.buckets.Add(1)
	base := strings.Trim(bucketUnsafe.ReplaceAllString(strings.ToLower(t.Name()), "-"), "-")
	suffix := fmt.Sprintf("-%d-%s", n, randomHex(3))
	if max := 63 - len(suffix) - len("t-"); len(base) > max {
		base = strings.TrimRight(base[:max], "-")
	}
	name := "t-" + base + suffix
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := s.Client().CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatalf("s3test: create bucket %s: %v", name, err)
	}
	return name
}

var (
	sharedMu  sync.Mutex
	sharedSrv *Server
	sharedErr error
)

// Shared returns the test package's server, starting it on first use. When versitygw is not
// installed, it skips the test with a message saying how to install it, or fails it when $CI
// is set. Call Main from TestMain so the server is stopped when the tests end.
func Shared(t testing.TB) *Server {
	t.Helper()
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if sharedSrv == nil && sharedErr == nil {
		sharedSrv, sharedErr = Start()
	}
	if sharedErr != nil {
		if errors.Is(sharedErr, ErrNotInstalled) && os.Getenv("CI") == "" {
			t.Skipf("s3test: %v (skipping; set CI=1 to make this a failure)", sharedErr)
		}
		t.Fatalf("s3test: %v", sharedErr)
	}
	return sharedSrv
}

// Main runs the tests and then stops the shared server, if one was started. Use it as
// os.Exit(s3test.Main(m)) in TestMain.
func Main(m *testing.M) int {
	code := m.Run()
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if sharedSrv != nil {
		sharedSrv.Close()
		sharedSrv = nil
	}
	return code
}

// DialTo returns an *http.Client whose connections all go to addr (host:port), whatever host
// a request names. It lets virtual-hosted-style requests (bucket.example.test) reach a
// loopback server without DNS.
func DialTo(addr string) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	var d net.Dialer
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return d.DialContext(ctx, network, addr)
	}
	return &http.Client{Transport: tr}
}

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("s3test: find a free port: %w", err)
	}
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return port, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// capBuffer keeps the last max bytes written to it.
type capBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
	max int
}

func (c *capBuffer) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.buf.Write(p)
	if over := c.buf.Len() - c.max; over > 0 {
		c.buf.Next(over)
	}
	return len(p), nil
}

func (c *capBuffer) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.String()
}
