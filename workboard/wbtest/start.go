package wbtest

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"time"
)

// TB is the part of testing.TB that Start needs (so this package does not import testing).
type TB interface {
	Helper()
	Cleanup(func())
}

// TestServer is a running emulator on a loopback port, closed automatically when the test
// ends. It embeds *httptest.Server, so URL is the root (e.g. "http://127.0.0.1:41234").
type TestServer struct {
	*httptest.Server
	Emulator   *Server // the handler: Stats(), Org(), Credentials()
	BaseURL    string  // URL + APIPrefix: the API base URL a client is given
	AdminToken string  // Data-Admin bearer token
	UserToken  string  // ordinary bearer token
}

// Start serves org on 127.0.0.1 for the duration of the test.
func Start(t TB, org *Org, opts ...Option) *TestServer {
	t.Helper()
	em := NewServer(org, opts...)
	hs := httptest.NewServer(em)
	t.Cleanup(hs.Close)
	cr := em.Credentials()
	return &TestServer{Server: hs, Emulator: em, BaseURL: hs.URL + APIPrefix, AdminToken: cr.AdminToken, UserToken: cr.UserToken}
}

// Live is an emulator listening on a real address (for the CLI's emulate command).
type Live struct {
	URL     string // root URL, e.g. "http://127.0.0.1:8080"
	BaseURL string // URL + APIPrefix
	srv     *http.Server
	done    chan error
}

// Listen starts serving s on addr (e.g. "127.0.0.1:8080"; port 0 picks a free one) in the
// background. Stop it with Shutdown; Wait reports why it stopped.
func Listen(addr string, s *Server) (*Live, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	l := &Live{URL: "http://" + ln.Addr().String(), srv: &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}, done: make(chan error, 1)}
	l.BaseURL = l.URL + APIPrefix
	go func() {
		err := l.srv.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		l.done <- err
	}()
	return l, nil
}

// Shutdown stops accepting requests and waits (until ctx ends) for running ones.
func (l *Live) Shutdown(ctx context.Context) error { return l.srv.Shutdown(ctx) }

// Wait blocks until the server stops and returns its serve error (nil after Shutdown).
func (l *Live) Wait() error { return <-l.done }
