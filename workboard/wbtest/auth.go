package wbtest

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
)

// Credentials are the emulator's own test secrets.
type Credentials struct {
	AdminToken string // Data-Admin bearer token (acts as Org.AdminUserID)
	UserToken  string // ordinary bearer token (acts as Org.TokenUserID)
	ClientID   string // OAuth client_id accepted by POST /wb/oauth/token
	ClientHash string // OAuth client_hash (the client secret)
	AdminCode  string // authorization code exchanged for AdminToken
	UserCode   string // authorization code exchanged for UserToken
}

// withDefaults fills the empty fields of cr: tokens and codes drawn from the org's seed, so a
// seed always gives the same secrets, and the client_id "wbtest-client".
func (cr Credentials) withDefaults(seed int64) Credentials {
	r := rand.New(rand.NewPCG(uint64(seed), 0x70_6b_65_6e))
	tok := func(prefix string) string { return fmt.Sprintf("%s%016x%016x", prefix, r.Uint64(), r.Uint64()) }
	def := Credentials{AdminToken: tok("wbt-admin-"), UserToken: tok("wbt-user-"), ClientID: "wbtest-client",
		ClientHash: tok("wbt-hash-"), AdminCode: tok("wbt-code-a-"), UserCode: tok("wbt-code-u-")}
	for _, f := range []struct {
		dst *string
		def string
	}{{&cr.AdminToken, def.AdminToken}, {&cr.UserToken, def.UserToken}, {&cr.ClientID, def.ClientID},
		{&cr.ClientHash, def.ClientHash}, {&cr.AdminCode, def.AdminCode}, {&cr.UserCode, def.UserCode}} {
		if *f.dst == "" {
			*f.dst = f.def
		}
	}
	return cr
}

// authenticate identifies the caller by the request's Authorization: Bearer token; a token in
// the URL is refused.
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

// handleOAuthToken serves POST /wb/oauth/token: a form with client_id, client_hash, code and
// redirect_uri exchanges one of the two authorization codes for its bearer token.
func (s *Server) handleOAuthToken(w http.ResponseWriter, r *http.Request) {
	tok, err := s.exchangeCode(r)
	if err != nil {
		writeError(w, err.status, err.code, err.descr)
		return
	}
	e := newEncoder()
	defer e.free()
	e.beginObject()
	e.name("success")
	e.boolValue(true)
	e.str("access_token", tok)
	e.endObject()
	writeJSON(w, http.StatusOK, e)
}

// exchangeCode checks an OAuth token request and returns the token its code stands for.
func (s *Server) exchangeCode(r *http.Request) (string, *apiError) {
	if err := r.ParseForm(); err != nil {
		return "", badRequest("invalid_request", "The request body is not a valid form.")
	}
	f := r.PostForm
	cr := s.cfg.creds
	for _, k := range []string{"client_id", "client_hash", "code", "redirect_uri"} {
		if f.Get(k) == "" {
			return "", badRequest("invalid_request", "Missing form field %s.", k)
		}
	}
	if f.Get("client_id") != cr.ClientID || f.Get("client_hash") != cr.ClientHash {
		return "", badRequest("invalid_client", "Unknown client_id or wrong client_hash.")
	}
	switch f.Get("code") {
	case cr.AdminCode:
		return cr.AdminToken, nil
	case cr.UserCode:
		return cr.UserToken, nil
	}
	return "", badRequest("invalid_grant", "The authorization code is invalid or expired.")
}
