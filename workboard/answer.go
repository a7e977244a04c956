package workboard

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-json-experiment/json/jsontext"
)

// answer is what one HTTP exchange brought back.
type answer struct {
	status int
	header http.Header
	body   []byte
	at     time.Time // when it was received (UTC)
}

// send waits for the pacer, makes one HTTP exchange and reads the body. A failure is an
// *APIError (with a RetryCause when it is transient) or the context's error.
func (c *Client) send(ctx context.Context, r request, n int) (*answer, error) {
	release, throttled, err := c.pacer.wait(ctx)
	if err != nil {
		return nil, r.cancelled(err)
	}
	defer release()
	c.count(func(s *Stats) { s.ThrottleWait += throttled; s.Requests++ })
	rctx, cancel := context.WithTimeout(ctx, c.cfg.requestTimeout)
	defer cancel()
	req, err := c.newRequest(rctx, r)
	if err != nil {
		return nil, &APIError{Method: r.method, Endpoint: r.endpoint, Offset: -1, Description: "cannot build request"}
	}
	start := time.Now()
	ans := &answer{}
	ae := &APIError{Method: r.method, Endpoint: r.endpoint, Offset: -1}
	resp, err := c.hc.Do(req)
	answered := err == nil
	if answered {
		ans.status, ans.header, ae.HTTPStatus = resp.StatusCode, resp.Header, resp.StatusCode
		ans.body, err = readBody(resp, c.cfg.maxResponse)
		resp.Body.Close()
		c.count(func(s *Stats) { s.BytesReceived += int64(len(ans.body)) })
		ans.at = time.Now().UTC()
	}
	outcome := "ok"
	switch {
	case err != nil && ctx.Err() != nil:
		outcome, err = "cancelled", r.cancelled(ctx.Err())
	case err != nil && !answered:
		ae.Err, ae.RetryCause = c.scrub(r, unwrapURLError(err)), transportCause(err, rctx)
		outcome, err = "transport error: "+ae.RetryCause, ae
	case err != nil: // the body was cut short, or took too long
		ae.Err, ae.RetryCause = c.scrub(r, err), "truncated"
		ae.Description = fmt.Sprintf("body cut short after %d bytes", len(ans.body))
		if rctx.Err() != nil || isTimeout(err) {
			ae.RetryCause, ae.Description = "timeout", ""
		}
		outcome, err = "read error: "+ae.RetryCause, ae
	case int64(len(ans.body)) > c.cfg.maxResponse:
		ans.body = nil
		ae.Description = fmt.Sprintf("response body larger than the limit of %d bytes (--max-response-size); lower --page-size, or raise the limit if the answer is genuine", c.cfg.maxResponse)
		outcome, err = "too large", ae
	}
	c.cfg.logger.LogAttrs(ctx, slog.LevelDebug, "workboard request", slog.String("method", r.method),
		slog.String("path", r.endpoint), slog.Int("status", ans.status), slog.Float64("duration_s", time.Since(start).Seconds()),
		slog.Int("attempt", n), slog.Int("bytes", len(ans.body)), slog.String("outcome", outcome))
	if err != nil {
		return nil, err
	}
	return ans, nil
}

func (c *Client) newRequest(ctx context.Context, r request) (*http.Request, error) {
	var body io.Reader
	ct := "application/json"
	if r.form != nil {
		body, ct = strings.NewReader(r.form.Encode()), "application/x-www-form-urlencoded"
	}
	req, err := http.NewRequestWithContext(ctx, r.method, r.url, body)
	if err == nil {
		req.Header.Set("Content-Type", ct)
		req.Header.Set("Accept", "application/json")
		req.Header.Set("User-Agent", c.cfg.userAgent)
		if r.auth {
			req.Header.Set("Authorization", "Bearer "+c.token.Reveal())
		}
	}
	return req, err
}

// failed turns a non-2xx answer into an *APIError, retryable for 429, 5xx and a 404 without
// a WorkBoard not-found code (a proxy's page: "not found" is never guessed from the status),
// with the Retry-After of a 429 or 503.
func (c *Client) failed(r request, ans *answer) (*APIError, time.Duration) {
	ae := &APIError{Method: r.method, Endpoint: r.endpoint, Offset: -1, HTTPStatus: ans.status}
	errorBody(ae, ans.header.Get("Content-Type"), ans.body)
	var retryAfter time.Duration
	switch {
	case ans.status == 429:
		c.count(func(s *Stats) { s.HTTP429++ })
		ae.RetryCause = "429"
		retryAfter = parseRetryAfter(ans.header.Get("Retry-After"), time.Now())
	case ans.status >= 500:
		ae.RetryCause = "5xx"
		if ans.status == 503 {
			retryAfter = parseRetryAfter(ans.header.Get("Retry-After"), time.Now())
		}
	case ans.status == 404 && !ae.Is(ErrNotFound) && !ae.Is(ErrAuth):
		ae.RetryCause = "404"
	}
	return ae, retryAfter
}

// errorBody reads the v1 ({success:false, error, error_description}, or deleted_metric's
// {message, data:{message}}) and v2 ({statusCode, error, message, code}) error shapes into
// ae; a body that is not a JSON object is described instead.
func errorBody(ae *APIError, ct string, body []byte) {
	var b struct {
		Error   jsontext.Value `json:"error"`
		Desc    jsontext.Value `json:"error_description"`
		Message jsontext.Value `json:"message"`
		Code    jsontext.Value `json:"code"`
		Data    jsontext.Value `json:"data"`
	}
	if jsontext.Value(body).Kind() != '{' || unmarshal(body, &b) != nil {
		ae.ContentType = mediaType(ct)
		ae.Description = notJSON(ct, body)
		return
	}
	errS, desc, msg, code := text(b.Error), text(b.Desc), text(b.Message), text(b.Code)
	var data struct {
		Message jsontext.Value `json:"message"`
	}
	if msg == "" && b.Data.Kind() == '{' && unmarshal(b.Data, &data) == nil {
		msg = text(data.Message)
	}
	switch {
	case errS != "" && code == "": // v1 generic
		ae.Code, ae.Description = errS, desc
		if desc == "" {
			ae.Description = msg
		}
	case code != "": // v2
		ae.Code, ae.Description = code, msg
	default:
		ae.Code, ae.Description = msg, desc
	}
	ae.Code, ae.Description = Redact(ae.Code), Redact(ae.Description)
}

// text returns a JSON string's text, a number's or boolean's JSON text, or "".
func text(v jsontext.Value) string {
	switch v.Kind() {
	case '"':
		var s string
		if unmarshal(v, &s) == nil {
			return s
		}
	case '0', 't', 'f':
		return string(v)
	}
	return ""
}

// invalidBody classifies a 2xx body that is not valid JSON: a JSON prefix that ends early is
// retryable truncation, anything else (an HTML proxy page, an empty body) a clear error. It
// returns nil for valid JSON.
func invalidBody(r request, ans *answer) *APIError {
	if jsontext.Value(ans.body).IsValid(jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true)) {
		return nil
	}
	ct := ans.header.Get("Content-Type")
	ae := &APIError{Method: r.method, Endpoint: r.endpoint, Offset: -1, HTTPStatus: ans.status}
	if truncatedJSON(ans.body) {
		ae.RetryCause = "truncated"
		ae.Description = fmt.Sprintf("JSON body ends early after %d bytes", len(ans.body))
		return ae
	}
	ae.ContentType = mediaType(ct)
	ae.Description = notJSON(ct, ans.body)
	return ae
}

// truncatedJSON reports whether body is a valid JSON prefix that ends too early.
func truncatedJSON(body []byte) bool {
	d := jsontext.NewDecoder(bytes.NewReader(body), jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	_, err := d.ReadValue()
	return errors.Is(err, io.ErrUnexpectedEOF)
}

func notJSON(ct string, body []byte) string {
	if strings.TrimSpace(string(body)) == "" {
		return "expected JSON, got an empty body (" + mediaType(ct) + ")"
	}
	return fmt.Sprintf("expected JSON, got %s (%d bytes; often a proxy or maintenance page)", mediaType(ct), len(body))
}

func mediaType(ct string) string {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || mt == "" {
		if ct == "" {
			return "no content type"
		}
		return ct
	}
	return mt
}

// parseRetryAfter reads Retry-After as seconds or an HTTP-date; 0 when absent or invalid.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseFloat(v, 64); err == nil {
		if n <= 0 {
			return 0
		}
		return time.Duration(n * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// readBody reads at most limit+1 bytes of resp.Body (so a body over the limit is noticed).
func readBody(resp *http.Response, limit int64) ([]byte, error) {
	return io.ReadAll(io.LimitReader(resp.Body, limit+1))
}

// scrub removes every credential of the request from an error's text (the token travels in a
// header and should never appear in transport errors; this is defence in depth).
func (c *Client) scrub(r request, err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	clean := c.token.redact(msg)
	for _, s := range r.secrets {
		clean = s.redact(clean)
	}
	if clean == msg {
		return err
	}
	return errors.New(clean)
}

func unwrapURLError(err error) error {
	if ue, ok := errors.AsType[*url.Error](err); ok {
		return ue.Err
	}
	return err
}

func isTimeout(err error) bool {
	ne, ok := errors.AsType[net.Error](err)
	return errors.Is(err, context.DeadlineExceeded) || (ok && ne.Timeout())
}

// transportCause is the retry cause of an exchange that brought no answer: "timeout" or
// "conn", or "" when retrying cannot help (a certificate that is not trusted, a refused
// redirect).
func transportCause(err error, rctx context.Context) string {
	_, cert := errors.AsType[*tls.CertificateVerificationError](err)
	_, host := errors.AsType[x509.HostnameError](err)
	_, auth := errors.AsType[x509.UnknownAuthorityError](err)
	switch {
	case cert || host || auth || errors.Is(err, errRedirect):
		return ""
	case rctx.Err() != nil || isTimeout(unwrapURLError(err)):
		return "timeout"
	}
	return "conn"
}
