package wbtest

import (
	"errors"
	"net/http"
	"net/http/httptest"
)

// Transport returns an http.RoundTripper that serves each request by calling s directly, with
// no network connection. A client given it (with any base URL ending in APIPrefix, e.g.
// "http://127.0.0.1"+APIPrefix) talks to the emulator in-process, which is what a test under
// testing/synctest needs: the bubble's virtual clock then drives the client's pacer and the
// server's latency, limit and outages alike, so minutes of throttling take milliseconds. Faults
// that need a connection (reset, truncated) become transport errors.
func (s *Server) Transport() http.RoundTripper { return transport{s} }

type transport struct{ s *Server }

var errReset = errors.New("wbtest: connection reset (emulated fault over the in-process transport)")

func (t transport) RoundTrip(req *http.Request) (resp *http.Response, err error) {
	if req.Body != nil {
		defer req.Body.Close()
	}
	rec := httptest.NewRecorder()
	defer func() {
		if p := recover(); p != nil {
			if p != http.ErrAbortHandler {
				panic(p)
			}
			resp, err = nil, errReset
		}
	}()
	t.s.ServeHTTP(rec, req.Clone(req.Context()))
	if err := req.Context().Err(); err != nil {
		return nil, err
	}
	resp = rec.Result()
	resp.Request = req
	return resp, nil
}
