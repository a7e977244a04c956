package main

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wbexport/wbexport/workboard"
)

// TestErrorLine checks the one-line error of the CLI: line breaks joined with "; ", and auth
// failures followed by their hint as a sentence of its own, with exactly one period between.
func TestErrorLine(t *testing.T) {
	revoked := &workboard.APIError{Method: "GET", Endpoint: "/user", Offset: -1, HTTPStatus: 400,
		Code: "invalid_access_token", Description: "The access token provided is invalid or has been revoked."}
	notAdmin := &workboard.APIError{Method: "GET", Endpoint: "/goal", Offset: -1, HTTPStatus: 403, Code: "insufficient_access"}
	server := &workboard.APIError{Method: "GET", Endpoint: "/team", Offset: -1, HTTPStatus: 500}
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"description ends a sentence", revoked,
			"workboard API GET /user: HTTP 400 invalid_access_token: The access token provided is invalid or has been revoked. " + revoked.Hint()},
		{"wrapped, no description", fmt.Errorf("check: %w", notAdmin),
			"check: workboard API GET /goal: HTTP 403 insufficient_access. " + notAdmin.Hint()},
		{"not an auth failure: no hint", server, "workboard API GET /team: HTTP 500"},
		{"line breaks", errors.New("two problems:\nfirst\nsecond"), "two problems:; first; second"},
		{"S3 noise dropped", errors.New("write s3://b/k: operation error S3: PutObject, https response error StatusCode: 403, RequestID: 18A, HostID: " + strings.Repeat("dGhl", 40) + ", api error AccessDenied: Access Denied"),
			"write s3://b/k: operation error S3: PutObject, StatusCode: 403, RequestID: 18A, api error AccessDenied: Access Denied"},
		{"long error shortened", errors.New("publish: " + strings.Repeat("x", 2000) + " cause"),
			"publish: " + strings.Repeat("x", 291) + " … (1415 bytes left out; the summary has the whole error) … " + strings.Repeat("x", 294) + " cause"},
	} {
		if diff := cmp.Diff(tc.want, errorLine(tc.err)); diff != "" {
			t.Errorf("%s: errorLine (-want +got):\n%s", tc.name, diff)
		}
	}
}
