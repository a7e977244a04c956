package workboard_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"testing/iotest"

	. "github.com/wbexport/wbexport/workboard"
)

// TestDecodeFailureClassified: a body that fails to decode is retried when cut short, reported
// as "not JSON" when it is not JSON (not retried), and returned as the decoder's error, with
// the request filled in, when it is JSON of the wrong shape (not retried).
func TestDecodeFailureClassified(t *testing.T) {
	good := fixture(t, "user_me.json")
	for _, tc := range []struct {
		name     string
		ct, body string
		requests int32
		want     func(error) bool
	}{
		{"cut short, then whole", "application/json", string(good[:len(good)-3]), 2, func(err error) bool { return err == nil }},
		{"html proxy page", "text/html", "<html><body>Bad gateway</body></html>", 1, func(err error) bool {
			var ae *APIError
			return errors.As(err, &ae) && ae.RetryCause == "" && strings.Contains(err.Error(), "expected JSON, got text/html")
		}},
		{"JSON with trailing html", "application/json", string(good) + "<html>", 1, func(err error) bool {
			var ae *APIError
			return errors.As(err, &ae) && strings.Contains(err.Error(), "expected JSON")
		}},
		{"wrong type", "application/json", `{"success":true,"data":{"user":{"user_id":{"x":1}}}}`, 1, func(err error) bool {
			var de *DecodeError
			return errors.As(err, &de) && de.Field == "user_id" && de.Endpoint == "/user"
		}},
		{"success false in a 200", "application/json", `{"success":false,"error":"insufficient_access","error_description":"no"}`, 1, func(err error) bool {
			var ae *APIError
			return errors.As(err, &ae) && ae.Code == "insufficient_access" && ae.HTTPStatus == 200 && ae.Method == "GET"
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var n atomic.Int32
			c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if n.Add(1) == 1 {
					w.Header().Set("Content-Type", tc.ct)
					_, _ = w.Write([]byte(tc.body))
					return
				}
				writeJSON(w, 200, good)
			}))
			_, err := me(context.Background(), c)
			if !tc.want(err) {
				t.Fatalf("unexpected result %v", err)
			}
			if n.Load() != tc.requests {
				t.Fatalf("%d requests, want %d", n.Load(), tc.requests)
			}
		})
	}
}

// TestReadBody: bodies are read whole whether or not Content-Length is sent, a body longer
// than Content-Length says or than the limit is noticed (limit+1 bytes come back), and a
// read error is returned with what was read.
func TestReadBody(t *testing.T) {
	const limit = 64
	long := strings.Repeat("x", 100)
	boom := errors.New("connection reset (injected)")
	for _, tc := range []struct {
		name    string
		body    io.Reader
		length  int64
		want    string
		wantErr error
	}{
		{"announced", strings.NewReader("hello"), 5, "hello", nil},
		{"not announced", strings.NewReader("hello"), -1, "hello", nil},
		{"empty", strings.NewReader(""), 0, "", nil},
		{"longer than announced", strings.NewReader("hello world"), 5, "hello world", nil},
		{"shorter than announced", strings.NewReader("hel"), 5, "hel", nil},
		{"over the limit, announced", strings.NewReader(long), 100, long[:limit+1], nil},
		{"over the limit, announced small", strings.NewReader(long), 10, long[:limit+1], nil},
		{"over the limit, not announced", strings.NewReader(long), -1, long[:limit+1], nil},
		{"read error", io.MultiReader(strings.NewReader("par"), iotest.ErrReader(boom)), 10, "par", boom},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := &http.Response{Body: io.NopCloser(tc.body), ContentLength: tc.length}
			got, err := ReadBody(resp, limit)
			if string(got) != tc.want || !errors.Is(err, tc.wantErr) {
				t.Fatalf("readBody = %q, %v; want %q, %v", got, err, tc.want, tc.wantErr)
			}
		})
	}
}

// TestPrefixesAreTruncated: every proper prefix of a JSON body is classified as a body cut
// short (retried), not as a body that is not JSON.
func TestPrefixesAreTruncated(t *testing.T) {
	for _, name := range []string{"user_org_members_page1.json", "team_by_id.json", "goal_list_page1.json", "metric_by_id_with_data.json"} {
		b := fixture(t, name)
		full := len(strings.TrimRight(string(b), " \r\n\t"))
		for n := 1; n < full; n++ {
			if !TruncatedJSON(b[:n]) {
				t.Fatalf("%s: prefix of %d bytes not classified as truncated", name, n)
			}
		}
		if TruncatedJSON(b) {
			t.Fatalf("%s: whole body classified as truncated", name)
		}
	}
}
