package s3test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// Operation names the S3 API operation a request performs ("PutObject", "UploadPart",
// "CopyObject", "UploadPartCopy", "CreateMultipartUpload", "CompleteMultipartUpload",
// "AbortMultipartUpload", "ListMultipartUploads", "GetObject", "HeadObject", "DeleteObject",
// "DeleteObjects", "ListObjectsV2", "GetObjectTagging", "PutObjectTagging", "CreateBucket",
// "HeadBucket", "ListBuckets", ...), or "" when it cannot tell. virtualDomain, when not empty,
// is the base domain of virtual-hosted-style requests.
func Operation(r *http.Request, virtualDomain string) string {
	q := r.URL.Query()
	has := func(k string) bool { _, ok := q[k]; return ok }
	bucket, key := splitBucketKey(r, virtualDomain)
	copySrc := r.Header.Get("X-Amz-Copy-Source") != ""
	switch {
	case bucket == "":
		if r.Method == http.MethodGet {
			return "ListBuckets"
		}
		return ""
	case key == "":
		switch r.Method {
		case http.MethodPut:
			if has("tagging") {
				return "PutBucketTagging"
			}
			return "CreateBucket"
		case http.MethodHead:
			return "HeadBucket"
		case http.MethodDelete:
			return "DeleteBucket"
		case http.MethodPost:
			if has("delete") {
				return "DeleteObjects"
			}
		case http.MethodGet:
			switch {
			case has("uploads"):
				return "ListMultipartUploads"
			case q.Get("list-type") == "2":
				return "ListObjectsV2"
			case has("location"):
				return "GetBucketLocation"
			case len(q) == 0 || has("prefix") || has("marker") || has("delimiter"):
				return "ListObjects"
			}
		}
		return ""
	}
	switch r.Method {
	case http.MethodPut:
		switch {
		case has("partNumber") && has("uploadId") && copySrc:
			return "UploadPartCopy"
		case has("partNumber") && has("uploadId"):
			return "UploadPart"
		case has("tagging"):
			return "PutObjectTagging"
		case copySrc:
			return "CopyObject"
		default:
			return "PutObject"
		}
	case http.MethodPost:
		switch {
		case has("uploads"):
			return "CreateMultipartUpload"
		case has("uploadId"):
			return "CompleteMultipartUpload"
		}
	case http.MethodDelete:
		if has("uploadId") {
			return "AbortMultipartUpload"
		}
		if has("tagging") {
			return "DeleteObjectTagging"
		}
		return "DeleteObject"
	case http.MethodGet:
		switch {
		case has("tagging"):
			return "GetObjectTagging"
		case has("uploadId"):
			return "ListParts"
		default:
			return "GetObject"
		}
	case http.MethodHead:
		return "HeadObject"
	}
	return ""
}

// splitBucketKey returns the bucket and the (unescaped) key a request addresses, path-style or
// virtual-hosted-style.
func splitBucketKey(r *http.Request, virtualDomain string) (bucket, key string) {
	host := r.Host
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.Contains(host[i:], "]") {
		host = host[:i]
	}
	path := strings.TrimPrefix(r.URL.Path, "/")
	if virtualDomain != "" && strings.HasSuffix(host, "."+virtualDomain) {
		return strings.TrimSuffix(host, "."+virtualDomain), path
	}
	bucket, key, _ = strings.Cut(path, "/")
	return bucket, key
}

// Request is one request the Proxy saw.
type Request struct {
	Op     string      // see Operation
	Method string      // HTTP method
	Host   string      // Host header as sent by the client
	Path   string      // escaped request path
	Bucket string      // bucket addressed (path-style or virtual-hosted-style)
	Key    string      // object key addressed, "" for bucket operations
	Query  url.Values  // query parameters
	Header http.Header // request headers, without Authorization
	Status int         // status answered to the client
	Fault  bool        // true when the Proxy injected the answer
}

// Fault makes the Proxy answer requests of one operation with an error once After matching
// requests have been forwarded. Create it with Proxy.Fail or Proxy.FailFunc.
type Fault struct {
	// Op is the operation the fault applies to (see Operation).
	Op string
	// Match, if set, further restricts which requests of Op count and fail.
	Match func(r *http.Request, key string) bool
	// After is the number of matching requests forwarded before the fault starts.
	After int
	// Status is the HTTP status answered (500 by default), with an S3 XML error body.
	Status int

	seen int
}

// Proxy is a reverse proxy in front of an S3 server that records the requests it forwards and
// injects faults. Use NewProxy; point the client's endpoint at Proxy.URL. The Host header is
// passed through unchanged, so SigV4 signatures stay valid. Methods are safe for concurrent
// use.
type Proxy struct {
	// URL is the proxy's endpoint, http://127.0.0.1:PORT.
	URL string
	// Addr is the proxy's host:port.
	Addr string

	virtualDomain string
	srv           *httptest.Server
	mu            sync.Mutex
	faults        []*Fault
	reqs          []Request
}

// NewProxy starts a proxy in front of srv, closed when the test ends.
func NewProxy(t testing.TB, srv *Server) *Proxy {
	t.Helper()
	target, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatalf("s3test: %v", err)
	}
	p := &Proxy{virtualDomain: srv.VirtualDomain}
	rp := httputil.NewSingleHostReverseProxy(target) // Director keeps the client's Host header
	rp.ErrorLog = nil
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.serve(rp, w, r)
	}))
	p.URL = p.srv.URL
	p.Addr = p.srv.Listener.Addr().String()
	t.Cleanup(p.srv.Close)
	return p
}

// Fail makes requests of operation op fail with status (500 when 0) after `after` of them
// have been forwarded, for the rest of the proxy's life or until ClearFaults.
func (p *Proxy) Fail(op string, after, status int) *Fault {
	return p.FailFunc(op, nil, after, status)
}

// FailFunc is Fail restricted to the requests of op for which match (given the request and
// the object key it addresses) returns true.
func (p *Proxy) FailFunc(op string, match func(r *http.Request, key string) bool, after, status int) *Fault {
	if status == 0 {
		status = http.StatusInternalServerError
	}
	f := &Fault{Op: op, Match: match, After: after, Status: status}
	p.mu.Lock()
	p.faults = append(p.faults, f)
	p.mu.Unlock()
	return f
}

// ClearFaults removes every fault.
func (p *Proxy) ClearFaults() {
	p.mu.Lock()
	p.faults = nil
	p.mu.Unlock()
}

// Requests returns a copy of the requests seen so far, in arrival order.
func (p *Proxy) Requests() []Request {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Request(nil), p.reqs...)
}

// Reset forgets the recorded requests.
func (p *Proxy) Reset() {
	p.mu.Lock()
	p.reqs = nil
	p.mu.Unlock()
}

// Count returns how many recorded requests performed op.
func (p *Proxy) Count(op string) int {
	n := 0
	for _, r := range p.Requests() {
		if r.Op == op {
			n++
		}
	}
	return n
}

func (p *Proxy) serve(rp *httputil.ReverseProxy, w http.ResponseWriter, r *http.Request) {
	op := Operation(r, p.virtualDomain)
	bucket, key := splitBucketKey(r, p.virtualDomain)
	rec := Request{
		Op: op, Method: r.Method, Host: r.Host, Path: r.URL.EscapedPath(), Bucket: bucket, Key: key,
		Query: r.URL.Query(), Header: r.Header.Clone(),
	}
	rec.Header.Del("Authorization")

	p.mu.Lock()
	var fault *Fault
	for _, f := range p.faults {
		if f.Op != op || (f.Match != nil && !f.Match(r, key)) {
			continue
		}
		f.seen++
		if f.seen > f.After {
			fault = f
			break
		}
	}
	p.mu.Unlock()

	if fault != nil {
		io.Copy(io.Discard, r.Body)
		rec.Status, rec.Fault = fault.Status, true
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(fault.Status)
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>`+
			`<Error><Code>InternalError</Code><Message>fault injected by s3test.Proxy on %s</Message>`+
			`<RequestId>s3test</RequestId></Error>`, op)
	} else {
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		rp.ServeHTTP(sw, r)
		rec.Status = sw.status
	}
	p.mu.Lock()
	p.reqs = append(p.reqs, rec)
	p.mu.Unlock()
}

type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (s *statusWriter) WriteHeader(code int) {
	if !s.wrote {
		s.status, s.wrote = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	s.wrote = true
	return s.ResponseWriter.Write(b)
}

func (s *statusWriter) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
