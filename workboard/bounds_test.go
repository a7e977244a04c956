package workboard_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	. "github.com/wbexport/wbexport/workboard"
	"github.com/wbexport/wbexport/workboard/decode"
	"github.com/wbexport/wbexport/workboard/wbtest"
)

// TestResponseSizeCap: an answer over WithMaxResponseBytes fails the call (no retry), naming
// the endpoint and the limit; one under it is read.
func TestResponseSizeCap(t *testing.T) {
	org := wbtest.Generate(wbtest.OrgConfig{Seed: 1, Users: 3, Teams: 1, Goals: 2})
	ts := wbtest.Start(t, org, wbtest.WithOddAnswers(wbtest.OddAnswer{Kind: wbtest.OddHugeField, Path: "/user", Size: 2 << 20}))
	for _, tc := range []struct {
		limit   int64
		wantErr string
	}{
		{1 << 20, "/user?include=org_members&limit=10&offset=0: HTTP 200: response body larger than the limit of 1048576 bytes"},
		{4 << 20, ""},
	} {
		c, err := New(ts.AdminToken, append(fastOpts(WithBaseURL(ts.BaseURL)), WithMaxResponseBytes(tc.limit))...)
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Get(context.Background(), "/user?include=org_members&limit=10&offset=0", func(b []byte) error {
			_, err := decode.Users(b)
			return err
		})
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("limit %d: %v", tc.limit, err)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("limit %d: err = %v, want %q", tc.limit, err, tc.wantErr)
		}
		if st := c.Stats(); tc.wantErr != "" && st.Requests != 1 {
			t.Errorf("limit %d: %d requests, want 1 (no retry)", tc.limit, st.Requests)
		}
	}
}

// TestReadTokenFileBounds: only a small regular file (or a symlink to one) is read; a FIFO,
// /dev/zero, a directory, a huge file are refused before reading, with the path and why; a
// UTF-8 byte order mark is stripped, control characters refused.
func TestReadTokenFileBounds(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	plain := write("plain", []byte("tok-abc123\n"))
	link := filepath.Join(dir, "link")
	if err := os.Symlink(plain, link); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path, want, wantErr string
	}{
		{"plain", plain, "tok-abc123", ""},
		{"symlink to a file", link, "tok-abc123", ""},
		{"byte order mark", write("bom", []byte("\ufefftok-abc123\r\n")), "tok-abc123", ""},
		{"FIFO", fifo, "", "is not a regular file (a FIFO)"},
		{"/dev/zero", "/dev/zero", "", "is not a regular file (a character device)"},
		{"directory", dir, "", "is a directory"},
		{"huge", write("huge", make([]byte, MaxTokenFileBytes+1)), "", "more than the 65536 a token file may have"},
		{"control character", write("nul", []byte("tok\x00abc")), "", "cannot be in a token"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, _, err := ReadTokenFile(tc.path)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), tc.path) {
					t.Fatalf("err = %v, want %q naming %s", err, tc.wantErr, tc.path)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("ReadTokenFile = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}
