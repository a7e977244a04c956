package workboard

import (
	"fmt"
	"log/slog"
	"os"
	"strings"
)

const redacted = "[REDACTED]"

// Secret holds a credential (API token, OAuth client hash). Every way of printing it — %v, %+v,
// %#v, %s, %q, slog, encoding/json — shows "[REDACTED]"; only Reveal returns the value.
type Secret struct{ v *string }

// NewSecret wraps s and makes Redact remove it from every text.
func NewSecret(s string) Secret {
	remember(s)
	return Secret{v: &s}
}

// Reveal returns the secret's value. Use it only to put the value on the wire.
func (s Secret) Reveal() string {
	if s.v == nil {
		return ""
	}
	return *s.v
}

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s.Reveal() == "" }

func (s Secret) String() string                { return redacted }
func (s Secret) GoString() string              { return redacted }
func (s Secret) Format(f fmt.State, verb rune) { _, _ = f.Write([]byte(redacted)) }
func (s Secret) LogValue() slog.Value          { return slog.StringValue(redacted) }
func (s Secret) MarshalJSON() ([]byte, error)  { return []byte(`"` + redacted + `"`), nil }
func (s Secret) MarshalText() ([]byte, error)  { return []byte(redacted), nil }
func (s Secret) redact(text string) string     { return redactIn(text, s.Reveal()) }
func redactIn(text, secret string) string {
	if secret == "" || len(secret) < 4 {
		return text
	}
	return strings.ReplaceAll(text, secret, redacted)
}

// ReadTokenFile reads a token from a file, trimming surrounding whitespace. warn is non-empty
// when the file is readable by group or others (the token is still returned). The error never
// contains the file's content.
func ReadTokenFile(path string) (token string, warn string, err error) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", "", fmt.Errorf("workboard: token file: %w", err)
	}
	if fi.IsDir() {
		return "", "", fmt.Errorf("workboard: token file %s is a directory", path)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		warn = fmt.Sprintf("token file %s has mode %04o: it is readable by group or others; chmod 600 it", path, fi.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", warn, fmt.Errorf("workboard: token file: %w", err)
	}
	token = strings.TrimSpace(string(b))
	if token == "" {
		return "", warn, fmt.Errorf("workboard: token file %s is empty", path)
	}
	if strings.ContainsAny(token, "\r\n\t ") {
		return "", warn, fmt.Errorf("workboard: token file %s holds more than one word; it must contain only the token", path)
	}
	return token, warn, nil
}
