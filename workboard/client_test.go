package workboard_test

import (
	"os"
	"path/filepath"

	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"github.com/google/go-cmp/cmp"
	. "github.com/wbexport/wbexport/workboard"
	"github.com/wbexport/wbexport/workboard/decode"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const testToken = "tok-SECRET-5f1e2d3c4b5a69788796a5b4c3d2e1f0"

// fixture reads a shared WorkBoard example body (testdata/workboard at the module root).
func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "workboard", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// body reads a hand-written body of this package (testdata/bodies).
func body(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "bodies", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// me is GET /user, decoded as the exporter decodes it.
func me(ctx context.Context, c *Client) (*decode.Page, error) {
	var p *decode.Page
	_, err := c.Get(ctx, "/user", func(b []byte) (err error) {
		p, err = decode.Users(b)
		return err
	})
	return p, err
}

// fastOpts keeps retries quick in tests: tiny backoff, no client-side rate limit.
func fastOpts(extra ...Option) []Option {
	return append([]Option{WithBackoff(time.Millisecond, 4*time.Millisecond), WithRate(0),
		WithMaxRetryAfter(30 * time.Millisecond), WithRequestTimeout(2 * time.Second)}, extra...)
}

// newTestClient starts an httptest server with h and returns a client pointing at its
// /wb/apis root.
func newTestClient(t *testing.T, h http.Handler, opts ...Option) (*Client, *httptest.Server) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := New(testToken, append(fastOpts(WithBaseURL(srv.URL+"/wb/apis")), opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c, srv
}

func writeJSON(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func TestRequestHeaders(t *testing.T) {
	var got http.Header
	var gotURL string
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, gotURL = r.Header.Clone(), r.URL.String()
		writeJSON(w, 200, fixture(t, "user_me.json"))
	}), WithUserAgent("wbexport/1.2.3"))
	var p *decode.Page
	at, err := c.Get(context.Background(), "/user", func(b []byte) (err error) {
		p, err = decode.Users(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	type received struct {
		UserID       int64
		AtSet, AtUTC bool
	}
	gotReceived := received{UserID: p.Users[0].UserID, AtSet: !at.IsZero(), AtUTC: at.Location() == time.UTC}
	if diff := cmp.Diff(received{UserID: 180231, AtSet: true, AtUTC: true}, gotReceived); diff != "" {
		t.Fatalf("received at %v (-want +got):\n%s", at, diff)
	}
	wantHeaders := map[string]string{"Authorization": "Bearer " + testToken, "Content-Type": "application/json", "User-Agent": "wbexport/1.2.3"}
	gotHeaders := map[string]string{}
	for k := range wantHeaders {
		gotHeaders[k] = got.Get(k)
	}
	if diff := cmp.Diff(wantHeaders, gotHeaders); diff != "" {
		t.Fatalf("headers (-want +got):\n%s", diff)
	}
	if gotURL != "/wb/apis/user" || strings.Contains(gotURL, "token") {
		t.Fatalf("url %s", gotURL)
	}
}

// fault is a misbehaviour served for the first n requests.
type fault struct {
	name  string
	cause string // expected retry cause
	serve func(w http.ResponseWriter, r *http.Request)
}

func hijackClose(w http.ResponseWriter, _ *http.Request) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("no hijacker")
	}
	conn, _, err := hj.Hijack()
	if err == nil {
		conn.Close()
	}
}

func faults(t *testing.T) []fault {
	return []fault{
		{"429 without Retry-After", "429", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(429) }},
		{"429 Retry-After seconds", "429", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(429)
		}},
		{"429 Retry-After HTTP-date", "429", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", time.Now().Add(3*time.Second).UTC().Format(http.TimeFormat))
			w.WriteHeader(429)
		}},
		{"500", "5xx", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 500, []byte(`{"success":false,"error":"server_error","error_description":"boom"}`))
		}},
		{"502 html", "5xx", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(502)
			_, _ = w.Write(body(t, "proxy_error.html"))
		}},
		{"503", "5xx", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) }},
		{"connection reset", "conn", hijackClose},
		{"truncated body (short read)", "truncated", func(w http.ResponseWriter, r *http.Request) {
			b := fixture(t, "user_me.json")
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", fmt.Sprint(len(b)))
			_, _ = w.Write(b[:len(b)/2])
		}},
		{"truncated JSON (complete read)", "truncated", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 200, fixture(t, "user_me.json")[:100])
		}},
		{"slow response beyond timeout", "timeout", func(w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done()
		}},
	}
}

// TestRetryUnderFaults: every transient fault is retried, counted by its cause, and the call
// succeeds once the server recovers.
func TestRetryUnderFaults(t *testing.T) {
	for _, f := range faults(t) {
		t.Run(f.name, func(t *testing.T) {
			var n atomic.Int32
			c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if n.Add(1) <= 2 {
					f.serve(w, r)
					return
				}
				writeJSON(w, 200, fixture(t, "user_me.json"))
			}), WithRequestTimeout(100*time.Millisecond))
			p, err := me(context.Background(), c)
			if err != nil {
				t.Fatalf("want success after retries, got %v", err)
			}
			if len(p.Users) != 1 {
				t.Fatalf("users %d", len(p.Users))
			}
			st := c.Stats()
			if st.Retries[f.cause] != 2 || st.Requests != 3 {
				t.Fatalf("retries %v requests %d, want 2 x %s and 3 requests", st.Retries, st.Requests, f.cause)
			}
			if f.cause == "429" {
				if st.HTTP429 != 2 {
					t.Fatalf("http_429 = %d", st.HTTP429)
				}
				if strings.HasPrefix(f.name, "429 Retry-After") && st.ThrottleWait < 2*30*time.Millisecond {
					// the server asked for >= 1 s; the client waits up to WithMaxRetryAfter (30ms) each time
					t.Fatalf("Retry-After not honoured: throttle wait %v", st.ThrottleWait)
				}
			}
		})
	}
}

func TestRetryExhausted(t *testing.T) {
	var n atomic.Int32
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.WriteHeader(503)
	}), WithMaxAttempts(3))
	_, err := me(context.Background(), c)
	var ae *APIError
	if !errors.As(err, &ae) || !errors.Is(err, ErrRetryable) {
		t.Fatalf("err %v, want a retryable *APIError", err)
	}
	type tries struct{ Attempts, Requests, HTTPStatus int }
	if diff := cmp.Diff(tries{Attempts: 3, Requests: 3, HTTPStatus: 503}, tries{Attempts: ae.Attempts, Requests: int(n.Load()), HTTPStatus: ae.HTTPStatus}); diff != "" {
		t.Fatalf("err %v (-want +got):\n%s", err, diff)
	}
	if !strings.Contains(err.Error(), "after 3 attempts") || ae.Hint() == "" {
		t.Fatalf("error text %q", err)
	}
}

func TestNoRetryOnClientErrors(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		body    []byte
		ct      string
		class   error
		wantMsg string
	}{
		{"400 invalid token", 400, fixture(t, "error_400_invalid_token.json"), "application/json", ErrAuth, "invalid_token"},
		{"400 invalid_access_token", 400, []byte(`{"success":false,"error":"invalid_access_token","error_description":""}`), "application/json", ErrAuth, "invalid_access_token"},
		{"401 empty body", 401, nil, "", ErrAuth, "expected JSON, got an empty body"},
		{"400 insufficient access", 400, body(t, "error_insufficient_access.json"), "application/json", ErrDataAdmin, "insufficient_access"},
		{"400 invalid resource", 400, body(t, "error_invalid_resource_id.json"), "application/json", ErrNotFound, "invalid_resource_id"},
		{"409 conflict", 409, fixture(t, "error_409_conflict.json"), "application/json", nil, "HTTP 409"},
		{"403 html", 403, body(t, "proxy_error.html"), "text/html; charset=utf-8", ErrDataAdmin, "expected JSON, got text/html"},
		{"200 html", 200, body(t, "proxy_error.html"), "text/html", nil, "expected JSON, got text/html"},
		{"200 success false", 200, body(t, "success_false_200.json"), "application/json", ErrAuth, "invalid_access_token"},
		{"400 missing params", 400, []byte(`{"success":false,"error":"missing_required_parameters","error_description":"goal_id"}`), "application/json", nil, "missing_required_parameters"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var n atomic.Int32
			c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n.Add(1)
				if tc.ct != "" {
					w.Header().Set("Content-Type", tc.ct)
				}
				w.WriteHeader(tc.status)
				_, _ = w.Write(tc.body)
			}))
			_, err := me(context.Background(), c)
			if err == nil || !strings.Contains(err.Error(), tc.wantMsg) {
				t.Fatalf("err = %v, want %q", err, tc.wantMsg)
			}
			if n.Load() != 1 {
				t.Fatalf("%d requests, want 1 (no retry)", n.Load())
			}
			if tc.class != nil && !errors.Is(err, tc.class) {
				t.Fatalf("errors.Is(%v, %v) = false", err, tc.class)
			}
			if errors.Is(err, ErrRetryable) {
				t.Fatal("classified retryable")
			}
			var ae *APIError
			if !errors.As(err, &ae) || ae.Hint() == "" {
				t.Fatalf("want *APIError with a hint, got %T", err)
			}
		})
	}
}

// Cancelling stops a call promptly wherever it waits: in backoff/Retry-After, in the HTTP
// exchange, or in the client-side rate limiter. The assertions use channels only.
func TestCancelStopsPromptly(t *testing.T) {
	tests := []struct {
		name string
		opts []Option
		h    func(seen chan<- struct{}) http.HandlerFunc
		pre  int // successful requests to make before the blocking one
	}{
		{"during Retry-After", []Option{WithMaxRetryAfter(time.Hour)}, func(seen chan<- struct{}) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Retry-After", "3600")
				w.WriteHeader(429)
				seen <- struct{}{}
			}
		}, 0},
		{"during backoff", []Option{WithBackoff(time.Hour, time.Hour)}, func(seen chan<- struct{}) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(500)
				seen <- struct{}{}
			}
		}, 0},
		{"during the request", []Option{WithRequestTimeout(time.Hour)}, func(seen chan<- struct{}) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				seen <- struct{}{}
				<-r.Context().Done()
			}
		}, 0},
		{"during rate limit wait", []Option{WithRate(0.0001), WithConcurrency(1)}, func(seen chan<- struct{}) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 200, fixture(t, "user_me.json"))
				seen <- struct{}{}
			}
		}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			seen := make(chan struct{}, 10)
			c, _ := newTestClient(t, tc.h(seen), tc.opts...)
			for i := 0; i < tc.pre; i++ {
				if _, err := me(context.Background(), c); err != nil {
					t.Fatal(err)
				}
				<-seen
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { _, err := me(ctx, c); done <- err }()
			if tc.pre == 0 {
				<-seen // the server has the request
			}
			cancel()
			err := <-done
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("err = %v, want context.Canceled", err)
			}
		})
	}
}

func TestConcurrencyBound(t *testing.T) {
	var in, peak atomic.Int32
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cur := in.Add(1)
		for {
			p := peak.Load()
			if cur <= p || peak.CompareAndSwap(p, cur) {
				break
			}
		}
		time.Sleep(2 * time.Millisecond)
		in.Add(-1)
		writeJSON(w, 200, fixture(t, "user_me.json"))
	}), WithConcurrency(2))
	var wg sync.WaitGroup
	for i := 0; i < 12; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := me(context.Background(), c); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if peak.Load() > 2 {
		t.Fatalf("%d requests in flight, bound is 2", peak.Load())
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0}, {"7", 7 * time.Second}, {"0", 0}, {"-3", 0}, {"soon", 0},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
	}
	for _, tc := range tests {
		if got := ParseRetryAfter(tc.in, now); got != tc.want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestBaseURLRules(t *testing.T) {
	insecure := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	tests := []struct {
		name    string
		opts    []Option
		want    string
		wantErr string
	}{
		{"default us", nil, DefaultBaseURL, ""},
		{"eu", []Option{WithRegion("eu")}, DefaultBaseURLEU, ""},
		{"bad region", []Option{WithRegion("apac")}, "", "unknown region"},
		{"plain http remote", []Option{WithBaseURL("http://www.myworkboard.com/wb/apis")}, "", "must use https"},
		{"http loopback v4", []Option{WithBaseURL("http://127.0.0.5:8080/wb/apis/")}, "http://127.0.0.5:8080/wb/apis", ""},
		{"http loopback v6", []Option{WithBaseURL("http://[::1]:8080/wb/apis")}, "http://[::1]:8080/wb/apis", ""},
		{"http localhost", []Option{WithBaseURL("http://localhost:1/wb/apis")}, "http://localhost:1/wb/apis", ""},
		{"ftp", []Option{WithBaseURL("ftp://example.com/x")}, "", "unsupported scheme"},
		{"credentials in URL", []Option{WithBaseURL("https://u:p@example.com/x")}, "", "credentials"},
		{"insecure TLS remote", []Option{WithHTTPClient(insecure)}, "", "TLS verification cannot be disabled"},
		{"insecure TLS loopback", []Option{WithHTTPClient(insecure), WithBaseURL("https://127.0.0.1:9/wb/apis")}, "https://127.0.0.1:9/wb/apis", ""},
		{"zero concurrency", []Option{WithConcurrency(0)}, "", "concurrency"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := New(testToken, tc.opts...)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.BaseURL() != tc.want {
				t.Fatalf("base %s, want %s", c.BaseURL(), tc.want)
			}
		})
	}
	if _, err := New("  "); err == nil || !strings.Contains(err.Error(), "WORKBOARD_TOKEN") {
		t.Fatalf("empty token: %v", err)
	}
}

// The token never appears in any log line (slog at debug level), in any error text, or when
// the client, its secrets or an OAuth token are printed.
func TestTokenNeverLeaks(t *testing.T) {
	var logs bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(&lockedWriter{w: &logs, mu: &mu}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var n atomic.Int32
	fs := faults(t)
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1))
		switch {
		case i <= len(fs):
			fs[i-1].serve(w, r)
		case i%3 == 0:
			writeJSON(w, 400, fixture(t, "error_400_invalid_token.json"))
		default:
			writeJSON(w, 200, fixture(t, "user_me.json"))
		}
	}), WithLogger(logger), WithMaxAttempts(2), WithRequestTimeout(100*time.Millisecond))
	var texts []string
	for i := 0; i < 12; i++ {
		if _, err := me(context.Background(), c); err != nil {
			texts = append(texts, err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err))
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := me(ctx, c); err != nil {
		texts = append(texts, err.Error())
	}
	if len(texts) < 3 {
		t.Fatalf("expected several errors to inspect, got %d", len(texts))
	}
	sec := NewSecret(testToken)
	texts = append(texts, fmt.Sprintf("%v %+v %#v %s %q", c, c, c, c, c),
		fmt.Sprintf("%v %+v %#v %s %q %x", sec, sec, sec, sec, sec, sec), fmt.Sprintf("%+v", struct{ S Secret }{sec}))
	logger.Info("client", "client", c, "secret", sec)
	mu.Lock()
	texts = append(texts, logs.String())
	mu.Unlock()
	if !strings.Contains(texts[len(texts)-1], "workboard request") {
		t.Fatal("debug request logs missing")
	}
	for _, s := range texts {
		if strings.Contains(s, testToken) || strings.Contains(s, testToken[4:20]) {
			t.Fatalf("token leaked in: %s", s)
		}
	}
}

type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func TestCheckRedirect(t *testing.T) {
	mk := func(u string) *http.Request {
		r, _ := http.NewRequest("GET", u, nil)
		return r
	}
	if err := CheckRedirect(mk("http://evil.example.com/wb/apis/user"), []*http.Request{mk("https://www.myworkboard.com/wb/apis/user")}); err == nil || !strings.Contains(err.Error(), "non-HTTPS") {
		t.Fatalf("downgrade allowed: %v", err)
	}
	if err := CheckRedirect(mk("https://www.myworkboard.eu/wb/apis/user"), nil); err != nil {
		t.Fatal(err)
	}
	if err := CheckRedirect(mk("http://127.0.0.1:1/x"), nil); err != nil {
		t.Fatal(err)
	}
	// over HTTP: a redirect chain that never ends is cut, with a clear error and one attempt
	var n atomic.Int32
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		http.Redirect(w, r, r.URL.Path, http.StatusFound)
	}))
	_, err := me(context.Background(), c)
	if err == nil || !strings.Contains(err.Error(), "redirects") || n.Load() != 5 {
		t.Fatalf("err %v after %d requests (want 5: one attempt, its redirects)", err, n.Load())
	}
}

// TLS verification is on by default; a certificate failure is fatal, not retried.
func TestTLSVerification(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, fixture(t, "user_me.json"))
	}))
	defer srv.Close()
	c, err := New(testToken, fastOpts(WithBaseURL(srv.URL+"/wb/apis"))...)
	if err != nil {
		t.Fatal(err)
	}
	_, err = me(context.Background(), c)
	var ae *APIError
	if !errors.As(err, &ae) || ae.Attempts != 1 || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("err %v", err)
	}
	// with the test server's own (trusting) client it works: https on loopback
	c, err = New(testToken, fastOpts(WithBaseURL(srv.URL+"/wb/apis"), WithHTTPClient(srv.Client()))...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := me(context.Background(), c); err != nil {
		t.Fatal(err)
	}
}
