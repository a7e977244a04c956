package workboard

import (
	"errors"
	"fmt"
	"strings"
)

// Error classes. Test them with errors.Is.
var (
	// ErrAuth: the token is missing, invalid, expired or revoked. Never retried.
	ErrAuth = errors.New("workboard: authentication failed")
	// ErrDataAdmin: the token is valid but lacks the Data-Admin (org-wide) rights an export
	// needs (include=org_members / org_teams, other people's goals and metrics).
	ErrDataAdmin = errors.New("workboard: needs Data-Admin access")
	// ErrNotFound: the object does not exist (any more) or is archived: WorkBoard answered
	// with one of its JSON not-found codes (invalid_resource_id, invalid_goal_id). Any other
	// 404 (a proxy's HTML page, an unknown body) is not "not found" but retryable.
	ErrNotFound = errors.New("workboard: resource not found")
	// ErrRetryable marks errors the pacer retries (429, 5xx, timeouts, broken connections,
	// truncated bodies). An error returned after the last attempt still matches it, except a
	// 404 without a not-found code: retried too, but fatal when it lasts.
	ErrRetryable = errors.New("workboard: transient failure")
)

// APIError is a failed API call: a non-2xx HTTP status, a body with "success": false, or a
// body that is not JSON at all. Its text never contains the token, the OAuth client hash or
// code, nor anything credential-like the server echoed (see Redact).
type APIError struct {
	Method      string // "GET", "POST"
	Endpoint    string // request path and query relative to the API root, e.g. "/goal?limit=100&offset=0"
	Offset      int    // page offset for paged calls, -1 otherwise
	HTTPStatus  int    // 0 when no response was received
	Code        string // the body's "error" value (or "message" of the deleted_metric shape), e.g. "invalid_access_token"
	Description string // the body's "error_description", or a description of a non-JSON body
	ContentType string // the response Content-Type when the body was not JSON
	RetryCause  string // "429", "5xx", "404", "timeout", "conn", "truncated" when retryable; "" when fatal
	Attempts    int    // attempts made
	Err         error  // underlying transport error, if any
}

var authCodes = map[string]bool{
	"invalid_token": true, "invalid_access_token": true, "expired_token": true, "token_expired": true,
	"unauthorized": true, "invalid_grant": true, "invalid_client": true, "invalid_client_id": true,
	"access_token_missing": true, "missing_token": true, "unauthenticated": true,
	codeTokenExpired: true,
}

// codeTokenExpired is WorkBoard's code for a token past its lifetime (the token must be
// renewed).
const codeTokenExpired = "auth_code_expired"

var adminCodes = map[string]bool{
	"insufficient_access": true, "insufficient_scope": true, "access_denied": true,
	"forbidden": true, "permission_denied": true, "not_data_admin": true,
}

// notFoundCodes are WorkBoard's codes for an id that does not exist (any more). Only these
// make an error ErrNotFound: a 404 without one (from a proxy, or an unknown endpoint) and a
// deleted_metric 500 are errors like any other.
var notFoundCodes = map[string]bool{"invalid_resource_id": true, "invalid_goal_id": true}

func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("workboard API ")
	if e.Method != "" {
		b.WriteString(e.Method + " ")
	}
	b.WriteString(e.Endpoint)
	if e.Offset >= 0 {
		fmt.Fprintf(&b, " (page offset %d)", e.Offset)
	}
	b.WriteString(": ")
	if e.HTTPStatus != 0 {
		fmt.Fprintf(&b, "HTTP %d", e.HTTPStatus)
	} else {
		b.WriteString("no response")
	}
	if e.Code != "" {
		b.WriteString(" " + e.Code)
	}
	if e.Description != "" {
		b.WriteString(": " + e.Description)
	}
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " (after %d attempts)", e.Attempts)
	}
	return Redact(b.String())
}

func (e *APIError) Unwrap() error { return e.Err }

// Is reports the error's class: ErrAuth, ErrDataAdmin, ErrNotFound or ErrRetryable.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrAuth:
		return e.IsAuth()
	case ErrDataAdmin:
		return !e.IsAuth() && (adminCodes[strings.ToLower(e.Code)] || e.HTTPStatus == 403)
	case ErrNotFound:
		return notFoundCodes[strings.ToLower(e.Code)]
	case ErrRetryable:
		return e.RetryCause != ""
	}
	return false
}

// IsAuth reports whether the error is a token problem.
func (e *APIError) IsAuth() bool {
	c := strings.ToLower(e.Code)
	return authCodes[c] || e.HTTPStatus == 401 || (c != "" && strings.Contains(c, "token"))
}

// Hint is a plain-English suggestion for the operator.
func (e *APIError) Hint() string {
	switch {
	case strings.EqualFold(e.Code, codeTokenExpired):
		return "The WorkBoard token has expired: renew it (a new token from WorkBoard, or wbexport auth exchange) and update WORKBOARD_TOKEN / --token-file."
	case e.Is(ErrAuth):
		return "The WorkBoard token was rejected: check WORKBOARD_TOKEN / --token-file, that the token is not expired or revoked, and that it belongs to the right region (us/eu)."
	case e.Is(ErrDataAdmin):
		return "The token works but needs Data-Admin access (org-wide API rights) for an export; ask WorkBoard to grant Data-Admin API access to the token's user."
	case e.Is(ErrNotFound):
		return "The object does not exist any more or is archived; it is skipped when it is a per-goal or per-key-result call."
	case strings.EqualFold(e.Code, "missing_required_parameters"):
		return "WorkBoard says a required parameter is missing; this is a wbexport bug or an API change, please report it."
	case e.ContentType != "":
		return "The server answered with non-JSON content (often a proxy, firewall or maintenance page); check the base URL/region and network path."
	case e.HTTPStatus == 404:
		return "The server answered 404 without a WorkBoard not-found code (often a proxy, or a wrong base URL); check --api-url / --region and the network path."
	case e.HTTPStatus == 429:
		return "WorkBoard throttled the export; lower --rate or --concurrency, or run later."
	case e.HTTPStatus >= 500:
		return "WorkBoard had a server error; retry the export later."
	case e.HTTPStatus == 0:
		return "No response from WorkBoard; check network connectivity and the base URL."
	}
	return "Check the request parameters and the token's rights."
}

// DecodeError is a response that is valid JSON but not the shape the client understands: a
// wrong type in a field, a goal without goal_id, a missing resource key. Never retried.
type DecodeError struct {
	Endpoint string // request path and query, "" when decoding bytes directly
	Offset   int    // page offset, -1 when not paged
	Entity   string // "user", "team", "goal", "metric"; "" for the response frame
	ObjectID string // id of the record holding the bad value, "" when unknown
	Index    int    // index of the record on its page, -1 when not applicable
	Field    string // the bad value below the record, e.g. "metric_data[3].metric_data_value"
	Path     string // the bad value's JSON Pointer in the body, e.g. "/data/metric/0/metric_data/3/metric_data_value"
	Msg      string
}

func (e *DecodeError) Error() string {
	var b strings.Builder
	b.WriteString("workboard decode")
	if e.Endpoint != "" {
		b.WriteString(" " + e.Endpoint)
	}
	if e.Offset >= 0 {
		fmt.Fprintf(&b, " (page offset %d)", e.Offset)
	}
	b.WriteString(":")
	if e.Entity != "" {
		b.WriteString(" " + e.Entity)
		if e.ObjectID != "" {
			b.WriteString(" " + e.ObjectID)
		} else if e.Index >= 0 {
			fmt.Fprintf(&b, " #%d", e.Index)
		}
		b.WriteString(":")
	}
	if e.Field != "" {
		b.WriteString(" field " + e.Field + ":")
	}
	b.WriteString(" " + e.Msg)
	return Redact(b.String())
}
