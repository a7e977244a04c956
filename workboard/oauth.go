package workboard

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
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
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	var miss []string
	for name, empty := range map[string]bool{"client id": req.ClientID == "", "client hash": req.ClientHash.IsZero(), "code": req.Code == ""} {
		if empty {
			miss = append(miss, name)
		}
	}
	if miss != nil {
		slices.Sort(miss)
		return nil, fmt.Errorf("workboard: OAuth exchange: missing %s", strings.Join(miss, ", "))
	}
	tokenURL := cmp.Or(req.TokenURL, map[string]string{"eu": DefaultTokenURLEU}[cfg.region], DefaultTokenURL)
	cfg.concurrency, cfg.rate = 1, 0
	c, err := newClient(cfg, tokenURL, NewSecret(""))
	if err != nil {
		return nil, err
	}
	form := url.Values{"client_id": {req.ClientID}, "client_hash": {req.ClientHash.Reveal()}, "code": {req.Code}}
	if req.RedirectURI != "" {
		form.Set("redirect_uri", req.RedirectURI)
	}
	if req.State != "" {
		form.Set("state", req.State)
	}
	secrets := []Secret{req.ClientHash, NewSecret(req.Code)}
	var tok *OAuthToken
	_, err = c.do(ctx, request{method: "POST", endpoint: c.base.Path, url: c.base.String(), form: form,
		once: true, secrets: secrets, parse: func(body []byte) (err error) {
			tok, err = parseToken(body)
			return err
		}})
	if ae, ok := errors.AsType[*APIError](err); ok {
		for _, s := range secrets {
			ae.Description = s.redact(ae.Description)
		}
	}
	return tok, err
}

// parseToken reads the token endpoint's answer: access_token, refresh_token, expires_in,
// token_type, or an error (success false, or error with error_description or message).
func parseToken(body []byte) (*OAuthToken, error) {
	var b struct {
		AccessToken  jsontext.Value `json:"access_token"`
		RefreshToken jsontext.Value `json:"refresh_token"`
		ExpiresIn    jsontext.Value `json:"expires_in"`
		TokenType    jsontext.Value `json:"token_type"`
		Success      jsontext.Value `json:"success"`
		Error        jsontext.Value `json:"error"`
		Desc         jsontext.Value `json:"error_description"`
		Message      jsontext.Value `json:"message"`
	}
	if jsontext.Value(body).Kind() != '{' {
		return nil, &DecodeError{Offset: -1, Index: -1, Entity: "oauth_token", Msg: "expected a JSON object"}
	}
	if err := unmarshal(body, &b); err != nil {
		return nil, err // not JSON: the client describes the body
	}
	if k := b.AccessToken.Kind(); k != 0 && k != '"' && k != 'n' {
		return nil, &DecodeError{Offset: -1, Index: -1, Entity: "oauth_token", Field: "access_token", Msg: "want a string"}
	}
	tok := &OAuthToken{AccessToken: NewSecret(text(b.AccessToken)), RefreshToken: NewSecret(text(b.RefreshToken)),
		TokenType: text(b.TokenType)}
	if s := strings.TrimSpace(text(b.ExpiresIn)); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, &DecodeError{Offset: -1, Index: -1, Entity: "oauth_token", Field: "expires_in", Msg: "want a number of seconds, got " + s}
		}
		tok.ExpiresIn = n
	}
	failed := false
	switch text(b.Success) {
	case "false", "0", "no":
		failed = true
	}
	if code := text(b.Error); failed || code != "" {
		return nil, &APIError{Offset: -1, Code: code, Description: cmp.Or(text(b.Desc), text(b.Message))}
	}
	if tok.AccessToken.IsZero() {
		return nil, &DecodeError{Offset: -1, Index: -1, Entity: "oauth_token", Field: "access_token", Msg: "missing from the token response"}
	}
	return tok, nil
}

// unmarshal decodes JSON with the options of every decode in this module: repeated names
// allowed (the last counts), invalid UTF-8 left to the fields.
func unmarshal(b []byte, dst any) error {
	return jsonv2.Unmarshal(b, dst, jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
}
