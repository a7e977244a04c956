package extract

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Default OAuth token endpoints per region.
const (
	DefaultTokenURL   = "https://www.myworkboard.com/wb/oauth/token"
	DefaultTokenURLEU = "https://www.myworkboard.eu/wb/oauth/token"
)

// ExchangeRequest is an OAuth 2.0 authorization-code exchange. ClientHash is WorkBoard's name
// for the client secret; it is never printed (fmt and slog show "[REDACTED]").
type ExchangeRequest struct {
	TokenURL    string // default DefaultTokenURL (or DefaultTokenURLEU with WithRegion("eu"))
	ClientID    string
	ClientHash  Secret
	Code        string
	RedirectURI string
	State       string
}

// OAuthToken is the token endpoint's answer. Only AccessToken is guaranteed.
type OAuthToken struct {
	AccessToken  Secret `json:"access_token"`
	RefreshToken Secret `json:"refresh_token"`
	ExpiresIn    int64  `json:"expires_in"` // seconds; 0 when not sent (WorkBoard documents one year)
	TokenType    string `json:"token_type"`
}

// ExchangeCode trades an authorization code for an access token: a form-encoded POST of
// client_id, client_hash, code, redirect_uri and state (no grant_type) to <host>/wb/oauth/token.
// It is not retried (a code can be used once). Errors never contain the client hash, the code
// or the token. Options are the Client's (WithHTTPClient, WithRequestTimeout, WithRegion,
// WithUserAgent, WithLogger).
func ExchangeCode(ctx context.Context, req ExchangeRequest, opts ...Option) (*OAuthToken, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.err != nil {
		return nil, cfg.err
	}
	if req.ClientID == "" || req.ClientHash.IsZero() || req.Code == "" {
		var miss []string
		for _, f := range []struct {
			empty bool
			name  string
		}{{req.ClientID == "", "client id"}, {req.ClientHash.IsZero(), "client hash"}, {req.Code == "", "code"}} {
			if f.empty {
				miss = append(miss, f.name)
			}
		}
		return nil, fmt.Errorf("extract: OAuth exchange: missing %s", strings.Join(miss, ", "))
	}
	tokenURL := req.TokenURL
	if tokenURL == "" {
		tokenURL = DefaultTokenURL
		if cfg.region == "eu" {
			tokenURL = DefaultTokenURLEU
		}
	}
	hc := cfg.httpClient
	if hc == nil {
		hc = defaultHTTPClient(1)
	}
	u, err := checkURL(tokenURL, hc)
	if err != nil {
		return nil, err
	}
	// a throw-away client carries the pacer; it never sends a bearer token here
	c := &Client{cfg: cfg, base: u, token: NewSecret(""), hc: hc, sem: make(chan struct{}, 1)}
	c.ad = newAdaptive(1e9, 1)
	c.lim = newUnlimited()
	form := url.Values{}
	form.Set("client_id", req.ClientID)
	form.Set("client_hash", req.ClientHash.Reveal())
	form.Set("code", req.Code)
	if req.RedirectURI != "" {
		form.Set("redirect_uri", req.RedirectURI)
	}
	if req.State != "" {
		form.Set("state", req.State)
	}
	r := request{method: "POST", endpoint: u.Path, url: u.String(), offset: -1, form: form, noAuth: true,
		noRetry: true, redact: []Secret{req.ClientHash, NewSecret(req.Code)}}
	resp, err := c.do(ctx, &stats{}, r)
	if err != nil {
		var ae *APIError
		if errors.As(err, &ae) {
			ae.Description = redactIn(redactIn(ae.Description, req.ClientHash.Reveal()), req.Code)
		}
		return nil, err
	}
	tok := &OAuthToken{}
	var success Opt[bool]
	var code, desc string
	err = objectEach(resp.body, func(k, v []byte) error {
		switch string(k) {
		case "access_token":
			s, err := pStr("access_token", v)
			tok.AccessToken = NewSecret(s.V)
			if err != nil {
				return &fieldError{Field: "access_token", Msg: "want a string"}
			}
		case "refresh_token":
			s, _ := pStr("refresh_token", v)
			tok.RefreshToken = NewSecret(s.V)
		case "expires_in":
			n, err := pCount("expires_in", v)
			if err != nil {
				return err
			}
			tok.ExpiresIn = n.V
		case "token_type":
			s, _ := pStr("token_type", v)
			tok.TokenType = s.V
		case "success":
			success, _ = pBool("success", v)
		case "error":
			s, _ := pStr("error", v)
			code = s.V
		case "error_description", "message":
			s, _ := pStr(string(k), v)
			if desc == "" {
				desc = s.V
			}
		}
		return nil
	})
	if err != nil {
		return nil, decodeErr("oauth_token", -1, "", err)
	}
	if (success.Valid && !success.V) || code != "" {
		return nil, &APIError{Method: "POST", Endpoint: u.Path, Offset: -1, HTTPStatus: resp.status, Code: code,
			Description: redactIn(redactIn(desc, req.ClientHash.Reveal()), req.Code)}
	}
	if tok.AccessToken.IsZero() {
		return nil, &DecodeError{Endpoint: u.Path, Offset: -1, Index: -1, Entity: "oauth_token", Field: "access_token", Msg: "missing from the token response"}
	}
	return tok, nil
}
