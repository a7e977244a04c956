package workboard

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"unicode/utf8"
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

// MaxTokenFileBytes bounds a token file: a token is a few hundred bytes at most.
const MaxTokenFileBytes = 64 << 10

// ReadTokenFile reads a token from a file, trimming surrounding whitespace and a UTF-8 byte
// order mark. warn is non-empty when the file is readable by group or others (the token is
// still returned). Only a regular file (or a symlink to one, as Kubernetes mounts secrets) of
// at most MaxTokenFileBytes is read: a FIFO, a device such as /dev/zero or a directory is
// refused before reading. The error never contains the file's content.
func ReadTokenFile(path string) (token string, warn string, err error) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", "", fmt.Errorf("workboard: token file: %w", err)
	}
	switch {
	case fi.IsDir():
		return "", "", fmt.Errorf("workboard: token file %s is a directory", path)
	case !fi.Mode().IsRegular():
		return "", "", fmt.Errorf("workboard: token file %s is not a regular file (%s); it must be a file holding only the token", path, fileKind(fi.Mode()))
	case fi.Size() > MaxTokenFileBytes:
		return "", "", fmt.Errorf("workboard: token file %s has %d bytes, more than the %d a token file may have; it must contain only the token", path, fi.Size(), MaxTokenFileBytes)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		warn = fmt.Sprintf("token file %s has mode %04o: it is readable by group or others; chmod 600 it", path, fi.Mode().Perm())
	}
	b, err := readAtMost(path, MaxTokenFileBytes)
	if err != nil {
		return "", warn, fmt.Errorf("workboard: token file: %w", err)
	}
	token = strings.TrimSpace(strings.TrimPrefix(string(b), "\ufeff"))
	if token == "" {
		return "", warn, fmt.Errorf("workboard: token file %s is empty", path)
	}
	if strings.ContainsAny(token, "\r\n\t ") {
		return "", warn, fmt.Errorf("workboard: token file %s holds more than one word; it must contain only the token", path)
	}
	if !utf8.ValidString(token) || strings.ContainsFunc(token, func(r rune) bool { return r < 0x21 || r == 0x7f || r == '\ufeff' }) {
		return "", warn, fmt.Errorf("workboard: token file %s holds bytes that cannot be in a token (control characters, invalid UTF-8 or a byte order mark inside); save it as plain text", path)
	}
	return token, warn, nil
}

// readAtMost reads path, failing when it holds more than limit bytes.
func readAtMost(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err == nil && int64(len(b)) > limit {
		err = fmt.Errorf("%s holds more than %d bytes", path, limit)
	}
	return b, err
}

// fileKind names a non-regular file's type for messages.
func fileKind(m os.FileMode) string {
	switch {
	case m&os.ModeNamedPipe != 0:
		return "a FIFO"
	case m&os.ModeCharDevice != 0:
		return "a character device"
	case m&os.ModeDevice != 0:
		return "a device"
	case m&os.ModeSocket != 0:
		return "a socket"
	}
	return "mode " + m.String()
}
