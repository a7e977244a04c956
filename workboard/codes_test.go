package workboard_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	. "github.com/wbexport/wbexport/workboard"
)

// TestErrorClasses pins how every error answer is classified: only WorkBoard's JSON not-found
// codes mean "not found" (the exporter skips the item); any other 404 — a proxy's HTML page,
// an unknown JSON body — is retried and, when it lasts, fatal (not retryable, not not-found);
// a deleted_metric 500 is a server error like any other; auth_code_expired is an auth error
// whose hint says to renew the token.
func TestErrorClasses(t *testing.T) {
	type class struct {
		NotFound, Auth, DataAdmin, Retryable bool
		Requests                             int32 // attempts made (max 3)
	}
	tests := []struct {
		name   string
		status int
		ct     string
		body   string
		want   class
		hint   string // substring of Hint()
	}{
		{"400 invalid_resource_id", 400, "application/json", `{"success":false,"error":"invalid_resource_id","error_description":"goal 7 does not exist."}`, class{NotFound: true, Requests: 1}, "skipped"},
		{"400 invalid_goal_id", 400, "application/json", `{"success":false,"error":"invalid_goal_id","error_description":""}`, class{NotFound: true, Requests: 1}, "skipped"},
		{"404 invalid_goal_id", 404, "application/json", `{"success":false,"error":"invalid_goal_id","error_description":""}`, class{NotFound: true, Requests: 1}, "skipped"},
		{"404 html from a proxy", 404, "text/html", `<html><body>Not Found</body></html>`, class{Requests: 3}, "non-JSON"},
		{"404 empty body", 404, "", ``, class{Requests: 3}, "non-JSON"},
		{"404 unknown json code", 404, "application/json", `{"success":false,"error":"not_found","error_description":"no such endpoint"}`, class{Requests: 3}, "404"},
		{"500 deleted_metric", 500, "application/json", `{"success":false,"message":"deleted_metric","data":{"errorCode":500,"message":"deleted_metric"}}`, class{Retryable: true, Requests: 3}, "server error"},
		{"400 auth_code_expired", 400, "application/json", `{"success":false,"error":"auth_code_expired","error_description":"The token has expired."}`, class{Auth: true, Requests: 1}, "renew"},
		{"200 success false auth_code_expired", 200, "application/json", `{"success":false,"error":"auth_code_expired","error_description":""}`, class{Auth: true, Requests: 1}, "renew"},
		{"400 invalid_access_token", 400, "application/json", `{"success":false,"error":"invalid_access_token","error_description":""}`, class{Auth: true, Requests: 1}, "rejected"},
		{"400 insufficient_access", 400, "application/json", `{"success":false,"error":"insufficient_access","error_description":""}`, class{DataAdmin: true, Requests: 1}, "Data-Admin"},
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
				_, _ = w.Write([]byte(tc.body))
			}), WithMaxAttempts(3))
			_, err := me(context.Background(), c)
			var ae *APIError
			if !errors.As(err, &ae) {
				t.Fatalf("want *APIError, got %T %v", err, err)
			}
			got := class{NotFound: errors.Is(err, ErrNotFound), Auth: errors.Is(err, ErrAuth),
				DataAdmin: errors.Is(err, ErrDataAdmin), Retryable: errors.Is(err, ErrRetryable), Requests: n.Load()}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("class of %v (-want +got):\n%s", err, d)
			}
			if !strings.Contains(ae.Hint(), tc.hint) {
				t.Errorf("hint %q, want it to contain %q", ae.Hint(), tc.hint)
			}
		})
	}
}
