package workboard_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	. "github.com/wbexport/wbexport/workboard"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const testClientHash = "hash-SECRET-0a1b2c3d4e5f60718293"

func TestExchangeCode(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		ct      string
		body    string
		wantErr string
		errIs   error
	}{
		{"ok fixture", 200, "application/json", "", "", nil},
		{"ok with all fields", 200, "application/json", `{"access_token":"abc","refresh_token":"r","expires_in":"31536000","token_type":"Bearer"}`, "", nil},
		{"bad code", 400, "application/json", `{"success":false,"error":"invalid_grant","error_description":"code expired"}`, "invalid_grant", ErrAuth},
		{"html page", 502, "text/html", "<html>bad gateway</html>", "expected JSON, got text/html", nil},
		{"no access token", 200, "application/json", `{"success":true}`, "access_token", nil},
		{"success false on 200", 200, "application/json", `{"success":false,"error":"invalid_client","error_description":"bad"}`, "invalid_client", ErrAuth},
		{"error echoes secrets", 400, "application/json", `{"success":false,"error":"invalid_client","error_description":"client_hash=` + testClientHash + ` code=the-code-123"}`, "invalid_client", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var form map[string][]string
			var ct, auth string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method != "POST" || r.URL.Path != "/wb/oauth/token" {
					http.NotFound(w, r)
					return
				}
				_ = r.ParseForm()
				form, ct, auth = r.PostForm, r.Header.Get("Content-Type"), r.Header.Get("Authorization")
				b := []byte(tc.body)
				if tc.body == "" {
					b = fixture(t, "oauth_token.json")
				}
				w.Header().Set("Content-Type", tc.ct)
				w.WriteHeader(tc.status)
				_, _ = w.Write(b)
			}))
			defer srv.Close()
			tok, err := ExchangeCode(context.Background(), ExchangeRequest{TokenURL: srv.URL + "/wb/oauth/token", ClientID: "cid-1",
				ClientHash: NewSecret(testClientHash), Code: "the-code-123", RedirectURI: "http://localhost/cb", State: "st"})
			if ct != "application/x-www-form-urlencoded" || auth != "" {
				t.Fatalf("content type %q auth %q", ct, auth)
			}
			want := map[string]string{"client_id": "cid-1", "client_hash": testClientHash, "code": "the-code-123", "redirect_uri": "http://localhost/cb", "state": "st"}
			for k, v := range want {
				if len(form[k]) != 1 || form[k][0] != v {
					t.Fatalf("form %s = %v", k, form[k])
				}
			}
			if _, ok := form["grant_type"]; ok {
				t.Fatal("grant_type must not be sent")
			}
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || (tc.errIs != nil && !errors.Is(err, tc.errIs)) {
					t.Fatalf("err %v, want %q", err, tc.wantErr)
				}
				for _, s := range []string{testClientHash, "the-code-123"} {
					if strings.Contains(err.Error(), s) || strings.Contains(fmt.Sprintf("%+v", err), s) {
						t.Fatalf("secret in error: %v", err)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tok.AccessToken.IsZero() {
				t.Fatal("no token")
			}
			js, _ := json.Marshal(tok)
			if strings.Contains(fmt.Sprintf("%v %+v %s", tok, *tok, js), tok.AccessToken.Reveal()) {
				t.Fatal("access token printed")
			}
		})
	}
	if _, err := ExchangeCode(context.Background(), ExchangeRequest{ClientID: "x"}); err == nil || !strings.Contains(err.Error(), "client hash, code") {
		t.Fatalf("missing fields: %v", err)
	}
	if _, err := ExchangeCode(context.Background(), ExchangeRequest{TokenURL: "http://example.com/wb/oauth/token", ClientID: "x",
		ClientHash: NewSecret("h"), Code: "c"}); err == nil || !strings.Contains(err.Error(), "https") {
		t.Fatalf("http remote: %v", err)
	}
}

func TestReadTokenFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name, content string
		mode          os.FileMode
		want          string
		warn          bool
		err           string
	}{
		{"private", "  " + testToken + "\n", 0o600, testToken, false, ""},
		{"group readable", testToken + "\r\n", 0o640, testToken, true, ""},
		{"world readable", testToken, 0o644, testToken, true, ""},
		{"empty", " \n", 0o600, "", false, "is empty"},
		{"two words", testToken + " other", 0o600, "", false, "more than one word"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := write(strings.ReplaceAll(tc.name, " ", "_"), tc.content, tc.mode)
			tok, warn, err := ReadTokenFile(p)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || strings.Contains(err.Error(), testToken) {
					t.Fatalf("err %v", err)
				}
				return
			}
			if err != nil || tok != tc.want || (warn != "") != tc.warn {
				t.Fatalf("tok ok=%v warn=%q err=%v", tok == tc.want, warn, err)
			}
		})
	}
	if _, _, err := ReadTokenFile(filepath.Join(dir, "missing")); err == nil {
		t.Fatal("missing file accepted")
	}
}
