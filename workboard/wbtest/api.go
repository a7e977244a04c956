package wbtest

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// apiError is an error answer: WorkBoard's {"success":false,"error":code,
// "error_description":descr} body with an HTTP status.
type apiError struct {
	status      int
	code, descr string
}

func (e *apiError) Error() string { return e.code + ": " + e.descr }

// badRequest is an HTTP 400 error with code and a formatted description.
func badRequest(code, format string, a ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, code: code, descr: fmt.Sprintf(format, a...)}
}

// errInsufficient answers a request that needs a Data-Admin token.
var errInsufficient = &apiError{status: http.StatusBadRequest, code: "insufficient_access",
	descr: "This request needs a Data-Admin token."}

// writeError answers with WorkBoard's error body and status.
func writeError(w http.ResponseWriter, status int, code, descr string) {
	e := newEncoder()
	defer e.free()
	e.beginObject()
	e.name("success")
	e.boolValue(false)
	e.str("error", code)
	e.str("error_description", descr)
	e.endObject()
	writeJSON(w, status, e)
}

// caller is the authenticated token's identity.
type caller struct {
	user  *User
	admin bool
}

// reply is a successful API answer: data.totalCount and data.<key>, whose value writeValue
// writes.
type reply struct {
	key        string
	total      int
	writeValue func(e *encoder)
}

// An apiHandler answers one authenticated API request. It checks the request completely before
// it returns a reply, so the reply's value can always be written.
type apiHandler func(r *http.Request, c caller) (reply, *apiError)

// api wraps h with authentication and WorkBoard's success envelope:
// {"success":true,"message":"","data":{"totalCount":N,"<key>":<value>}}.
func (s *Server) api(h apiHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := s.authenticate(r)
		if err != nil {
			s.stats.authFailures.Add(1)
			writeError(w, err.status, err.code, err.descr)
			return
		}
		rep, err := h(r, c)
		if err != nil {
			writeError(w, err.status, err.code, err.descr)
			return
		}
		e := newEncoder()
		defer e.free()
		e.beginObject()
		e.name("success")
		e.boolValue(true)
		e.str("message", "")
		e.name("data")
		e.beginObject()
		e.name("totalCount")
		if s.cfg.totalCountString {
			e.quotedIntValue(int64(rep.total))
		} else {
			e.intValue(int64(rep.total))
		}
		e.name(rep.key)
		rep.writeValue(e)
		e.endObject()
		e.endObject()
		writeJSON(w, http.StatusOK, e)
	}
}

// parseID parses a positive id; what names it in the error.
func parseID(v, what string) (int64, *apiError) {
	id, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || id <= 0 {
		return 0, badRequest("invalid_resource_id", "%s %q is not a valid id.", what, v)
	}
	return id, nil
}
