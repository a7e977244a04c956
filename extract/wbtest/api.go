package wbtest

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

type apiError struct {
	status      int
	code, descr string
}

func (e *apiError) Error() string { return e.code + ": " + e.descr }

func badRequest(code, format string, a ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, code: code, descr: fmt.Sprintf(format, a...)}
}

func writeError(w http.ResponseWriter, status int, code, descr string) {
	var j jw
	j.obj()
	j.key("success")
	j.boolean(false)
	j.ks("error", code)
	j.ks("error_description", descr)
	j.endObj()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(j.b)))
	w.WriteHeader(status)
	w.Write(j.b)
}

// caller is the authenticated token's identity.
type caller struct {
	user  *User
	admin bool
}

type apiHandler func(r *http.Request, c caller, out *envelope) *apiError

// envelope collects a success body: {"success":true,"message":"","data":{"totalCount":N,key:...}}.
type envelope struct {
	total int
	key   string
	w     jw // holds the resource value
}

func (s *Server) api(h apiHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := s.authenticate(r)
		if err != nil {
			s.stats.authFailures.Add(1)
			writeError(w, err.status, err.code, err.descr)
			return
		}
		var env envelope
		if err := h(r, c, &env); err != nil {
			writeError(w, err.status, err.code, err.descr)
			return
		}
		// {"success":true,"message":"","data":{"totalCount":N,"<key>":<value>}}, written in
		// three pieces so the (possibly large) value is not copied.
		var b jw
		b.obj()
		b.key("success")
		b.boolean(true)
		b.ks("message", "")
		b.key("data")
		b.obj()
		b.key("totalCount")
		if s.cfg.totalCountString {
			b.str(strconv.Itoa(env.total))
		} else {
			b.int(int64(env.total))
		}
		b.key(env.key)
		const tail = "}}"
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(b.b)+len(env.w.b)+len(tail)))
		w.WriteHeader(http.StatusOK)
		w.Write(b.b)
		w.Write(env.w.b)
		w.Write([]byte(tail))
	}
}

var errInsufficient = &apiError{status: http.StatusBadRequest, code: "insufficient_access",
	descr: "This request needs a Data-Admin token."}

func parseID(v, what string) (int64, *apiError) {
	id, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || id <= 0 {
		return 0, badRequest("invalid_resource_id", "%s %q is not a valid id.", what, v)
	}
	return id, nil
}
