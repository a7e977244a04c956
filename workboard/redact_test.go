package workboard

import (
	"bytes"
	"errors"
	"log/slog"
	"testing"
)

func TestRedact(t *testing.T) {
	NewSecret("tok-REDACT-test-0123456789")
	tests := []struct{ in, want string }{
		{"token tok-REDACT-test-0123456789 echoed", "token [REDACTED] echoed"},
		{"Authorization: Bearer abcdEFGH.1234-xyz rejected", "Authorization: [REDACTED] rejected"},
		{`{"headers":{"Authorization":"Bearer abcdEFGH1234"}}`, `{"headers":{"Authorization":"[REDACTED]"}}`},
		{"sent Bearer abcdEFGH1234 twice", "sent Bearer [REDACTED] twice"},
		{"the bearer token was rejected; basic auth is off", "the bearer token was rejected; basic auth is off"},
		{"GET /x?access_token=abcd1234&limit=5", "GET /x?access_token=[REDACTED]&limit=5"},
		{"POST /wb/oauth/token?code=c0de-42&state=s", "POST /wb/oauth/token?code=[REDACTED]&state=s"},
		{`{"access_token": "abc123", "x": 1}`, `{"access_token": "[REDACTED]", "x": 1}`},
		{"HTTP 400 invalid_request: status code 500", "HTTP 400 invalid_request: status code 500"},
		{"short sec abc", "short sec abc"},
	}
	for _, tc := range tests {
		if got := Redact(tc.in); got != tc.want {
			t.Errorf("Redact(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestRedactHandler(t *testing.T) {
	NewSecret("tok-REDACT-handler-987654")
	var b bytes.Buffer
	log := slog.New(RedactHandler(slog.NewJSONHandler(&b, nil))).With("ctx", "tok-REDACT-handler-987654")
	log.Info("got tok-REDACT-handler-987654", "err", errors.New("Authorization: Bearer tok-REDACT-handler-987654"),
		slog.Group("g", "s", "x tok-REDACT-handler-987654"), "n", 3, "ids", []string{"a", "tok-REDACT-handler-987654"}, "plain", []int{1, 2})
	got := b.String()
	if bytes.Contains(b.Bytes(), []byte("987654")) {
		t.Errorf("log line holds the secret: %s", got)
	}
	for _, want := range []string{`"msg":"got [REDACTED]"`, `"ctx":"[REDACTED]"`, `"err":"Authorization: [REDACTED]"`, `"g":{"s":"x [REDACTED]"}`, `"n":3`, `"ids":"[a [REDACTED]]"`, `"plain":[1,2]`} {
		if !bytes.Contains(b.Bytes(), []byte(want)) {
			t.Errorf("log line %s lacks %s", got, want)
		}
	}
}
