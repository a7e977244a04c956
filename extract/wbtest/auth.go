package wbtest

import (
	"net/http"
	"strings"
)

func (s *Server) authenticate(r *http.Request) (caller, *apiError) {
	fail := func(descr string) (caller, *apiError) {
		return caller{}, &apiError{status: s.cfg.authStatus, code: "invalid_access_token", descr: descr}
	}
	q := r.URL.Query()
	if q.Has("token") || q.Has("access_token") {
		return fail("Access tokens are not accepted in the URL; send an Authorization: Bearer header.")
	}
	h := r.Header.Get("Authorization")
	if h == "" {
		return fail("The Authorization header is missing.")
	}
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "bearer") {
		return fail("The Authorization header must use the Bearer scheme.")
	}
	tok = strings.TrimSpace(tok)
	switch tok {
	case s.cfg.creds.AdminToken:
		return caller{user: s.org.User(s.org.AdminUserID), admin: true}, nil
	case s.cfg.creds.UserToken:
		return caller{user: s.org.User(s.org.TokenUserID)}, nil
	}
	return fail("The access token provided is invalid or has been revoked.")
}

func (s *Server) handleOAuthToken(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request", "The request body is not a valid form.")
		return
	}
	f := r.PostForm
	cr := s.cfg.creds
	for _, k := range []string{"client_id", "client_hash", "code", "redirect_uri"} {
		if f.Get(k) == "" {
			writeError(w, http.StatusBadRequest, "invalid_request", "Missing form field "+k+".")
			return
		}
	}
	if f.Get("client_id") != cr.ClientID || f.Get("client_hash") != cr.ClientHash {
		writeError(w, http.StatusBadRequest, "invalid_client", "Unknown client_id or wrong client_hash.")
		return
	}
	var tok string
	switch f.Get("code") {
	case cr.AdminCode:
		tok = cr.AdminToken
	case cr.UserCode:
		tok = cr.UserToken
	default:
		writeError(w, http.StatusBadRequest, "invalid_grant", "The authorization code is invalid or expired.")
		return
	}
	var j jw
	j.obj()
	j.key("success")
	j.boolean(true)
	j.ks("access_token", tok)
	j.endObj()
	w.Header().Set("Content-Type", "application/json")
	w.Write(j.b)
}
