package extract

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"testing/iotest"
)

// pageDecoders are the decoders Export runs on 2xx bodies, with a fixture each.
var pageDecoders = []struct {
	fixture string
	decode  func([]byte) (*Page, error)
}{
	{"user_org_members_page1.json", DecodeUsersPage},
	{"user_me.json", DecodeUsersPage},
	{"team_list.json", DecodeTeamsPage},
	{"team_by_id.json", DecodeTeamsPage},
	{"goal_list_page1.json", DecodeGoalsPage},
	{"goal_list_by_team.json", DecodeGoalsPage},
	{"metric_list.json", DecodeMetricsPage},
	{"metric_by_id_with_data.json", DecodeMetricsPage},
}

// TestDecodersRejectEveryPrefix: 2xx bodies are not checked with json.Valid before decoding,
// so a body cut short must make the decoder fail (the failure path then classifies it as
// retryable truncation). Every proper prefix of every fixture must be refused.
func TestDecodersRejectEveryPrefix(t *testing.T) {
	for _, d := range pageDecoders {
		b := fixture(t, d.fixture)
		if _, err := d.decode(b); err != nil {
			t.Fatalf("%s: %v", d.fixture, err)
		}
		full := len(strings.TrimRight(string(b), " \r\n\t"))
		for n := 0; n < full; n++ {
			if _, err := d.decode(b[:n]); err == nil {
				t.Fatalf("%s: prefix of %d of %d bytes decoded without error", d.fixture, n, full)
			}
			if !truncatedJSON(b[:n]) && n > 0 {
				t.Fatalf("%s: prefix of %d bytes not classified as truncated", d.fixture, n)
			}
		}
	}
}

// TestDecodersRejectInvalidJSON: what json.Valid used to refuse before decoding is still
// refused where the decoder keeps it (raw and Extra values) or after the top-level object.
func TestDecodersRejectInvalidJSON(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		decode     func([]byte) (*Page, error)
		field      string
	}{
		{"trailing data", `{"success":true,"data":{"user":{"user_id":"1"}}} <html>`, DecodeUsersPage, ""},
		{"second object", `{"success":true,"data":{"user":{"user_id":"1"}}}{}`, DecodeUsersPage, ""},
		{"bad literal in an unknown field", `{"success":true,"data":{"user":{"user_id":"1","x":tru}}}`, DecodeUsersPage, "x"},
		{"bad nested value kept in Extra", `{"success":true,"data":{"user":{"user_id":"1","x":{"a" 1}}}}`, DecodeUsersPage, "x"},
		{"bad custom_attributes", `{"success":true,"data":{"goal":[{"goal_id":"1","custom_attributes":{"a":[1,]}}]}}`, DecodeGoalsPage, "custom_attributes"},
		{"bad metric_automation", `{"success":true,"data":{"metric":[{"metric_id":"1","metric_automation":[nul]}]}}`, DecodeMetricsPage, "metric_automation"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.decode([]byte(tc.body))
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("err %v, want a *DecodeError", err)
			}
			if de.Field != tc.field {
				t.Fatalf("field %q, want %q (%v)", de.Field, tc.field, err)
			}
		})
	}
}

// TestDecodeFailureClassified checks the getPage path: a body that fails to decode is retried
// when cut short, reported as "not JSON" when it is not JSON (not retried), and returned as
// the decoder's error when it is JSON of the wrong shape (not retried).
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
			return errors.As(err, &de) && de.Field == "user_id"
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
			st := &stats{}
			_, _, err := c.getPage(context.Background(), st, "/user", -1, DecodeUsersPage)
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
			got, err := readBody(resp, limit)
			if string(got) != tc.want || !errors.Is(err, tc.wantErr) {
				t.Fatalf("readBody = %q, %v; want %q, %v", got, err, tc.want, tc.wantErr)
			}
		})
	}
}
