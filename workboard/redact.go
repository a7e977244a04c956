package workboard

import (
	"context"
	"log/slog"
	"regexp"
	"slices"
	"sync"
)

// known holds the value of every Secret made in this process (tokens, the OAuth client hash
// and code), for Redact.
var known struct {
	mu     sync.RWMutex
	values []string
}

// remember adds a secret's value to those Redact removes (values shorter than 4 bytes are
// not: they would blank out ordinary text).
func remember(v string) {
	if len(v) < 4 {
		return
	}
	known.mu.Lock()
	defer known.mu.Unlock()
	if !slices.Contains(known.values, v) {
		known.values = append(known.values, v)
	}
}

// Credential-looking text, whatever its value: an Authorization header, a bearer or basic
// credential, a credential in a query string or a JSON member.
var (
	authHeader = regexp.MustCompile(`(?i)(authorization["']?\s*[:=]\s*["']?)(?:(?:bearer|basic)\s+)?[^\s"',;]+`)
	bearer     = regexp.MustCompile(`\b([Bb]earer|BEARER|Basic)\s+[A-Za-z0-9._~+/=-]{8,}`)
	queryCred  = regexp.MustCompile(`(?i)([?&](?:access_token|refresh_token|token|client_hash|client_secret|code)=)[^&\s"']+`)
	jsonCred   = regexp.MustCompile(`(?i)("(?:access_token|refresh_token|client_hash|client_secret)"\s*:\s*")[^"]*`)
)

// Redact is the one redaction applied to every string that leaves the process (log lines,
// errors, the run summary, the run ledger): it replaces the value of every Secret made in
// this process (the WorkBoard token, the OAuth client hash and code) and anything that looks
// like a credential — an "Authorization: …" header, "Bearer …", access_token=/code=/… in a
// query, "access_token": "…" in JSON — with "[REDACTED]".
func Redact(s string) string {
	known.mu.RLock()
	for _, v := range known.values {
		s = redactIn(s, v)
	}
	known.mu.RUnlock()
	s = authHeader.ReplaceAllString(s, "${1}"+redacted)
	s = bearer.ReplaceAllString(s, "${1} "+redacted)
	s = queryCred.ReplaceAllString(s, "${1}"+redacted)
	return jsonCred.ReplaceAllString(s, "${1}"+redacted)
}

// RedactHandler wraps h so that every record's message and every attribute's text (strings,
// errors, anything printed) pass through Redact.
func RedactHandler(h slog.Handler) slog.Handler { return redactHandler{h} }

type redactHandler struct{ h slog.Handler }

func (r redactHandler) Enabled(ctx context.Context, l slog.Level) bool { return r.h.Enabled(ctx, l) }

func (r redactHandler) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, Redact(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(redactAttr(a))
		return true
	})
	return r.h.Handle(ctx, out)
}

func (r redactHandler) WithAttrs(as []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(as))
	for i, a := range as {
		clean[i] = redactAttr(a)
	}
	return redactHandler{r.h.WithAttrs(clean)}
}

func (r redactHandler) WithGroup(name string) slog.Handler { return redactHandler{r.h.WithGroup(name)} }

// redactAttr redacts a's value: a string; an error's text; any other value, kept as it is
// unless its text holds something to redact (then that text, redacted); the attributes of a
// group. Numbers, bools, times and durations pass.
func redactAttr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, Redact(v.String()))
	case slog.KindAny:
		if err, ok := v.Any().(error); ok {
			return slog.String(a.Key, Redact(err.Error()))
		}
		if s := v.String(); Redact(s) != s {
			return slog.String(a.Key, Redact(s))
		}
		return slog.Attr{Key: a.Key, Value: v}
	case slog.KindGroup:
		g := v.Group()
		clean := make([]any, len(g))
		for i, ga := range g {
			clean[i] = redactAttr(ga)
		}
		return slog.Group(a.Key, clean...)
	}
	return slog.Attr{Key: a.Key, Value: v}
}
