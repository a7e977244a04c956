package main

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/sinks/local/localtest"
	"github.com/wbexport/wbexport/workboard/wbtest"
)

// invalidUTF8Marker is replaced by invalid UTF-8 bytes after a crafted body is encoded.
const invalidUTF8Marker = "@@INVALID-UTF8@@"

// craftServer serves org through the emulator, except that the bodies of GET /goal (the goal
// listing) go through edit first: it is how the bad-input suite gets WorkBoard answers the
// emulator cannot produce.
func craftServer(t *testing.T, org *wbtest.Org, edit func(body []byte) (status int, ctype string, out []byte)) (*httptest.Server, string) {
	t.Helper()
	emu := wbtest.NewServer(org)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != wbtest.APIPrefix+"/goal" {
			emu.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		emu.ServeHTTP(rec, r)
		if rec.Code != http.StatusOK {
			w.WriteHeader(rec.Code)
			w.Write(rec.Body.Bytes())
			return
		}
		status, ctype, body := edit(rec.Body.Bytes())
		w.Header().Set("Content-Type", ctype)
		w.WriteHeader(status)
		w.Write(body)
	}))
	t.Cleanup(ts.Close)
	return ts, emu.Credentials().AdminToken
}

// editGoals returns an edit function that decodes a goal listing page, lets f change its data
// object and its goals (flattened out of the people_goals wrappers, in order), and encodes it
// again.
func editGoals(t *testing.T, f func(data map[string]any, goals []map[string]any)) func([]byte) (int, string, []byte) {
	return func(body []byte) (int, string, []byte) {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		var env map[string]any
		if err := dec.Decode(&env); err != nil {
			t.Errorf("crafting: %v", err)
			return 500, "text/plain", nil
		}
		data := env["data"].(map[string]any)
		var goals []map[string]any
		list, _ := data["goal"].([]any)
		for _, w := range list {
			wm := w.(map[string]any)
			pg, ok := wm["people_goals"].([]any)
			if !ok {
				goals = append(goals, wm)
				continue
			}
			for _, g := range pg {
				goals = append(goals, g.(map[string]any))
			}
		}
		f(data, goals)
		out, err := json.Marshal(env)
		if err != nil {
			t.Errorf("crafting: %v", err)
		}
		out = bytes.ReplaceAll(out, []byte(invalidUTF8Marker), []byte("bad \xff\xfe bytes"))
		return http.StatusOK, "application/json", out
	}
}

func setGoalField(field string, v any) func(map[string]any, []map[string]any) {
	return func(_ map[string]any, goals []map[string]any) {
		if v == nil {
			delete(goals[0], field)
			return
		}
		goals[0][field] = v
	}
}

// TestBadInput runs the CLI as a subprocess against bad configurations and bad WorkBoard
// answers. Each case must exit with its documented code and a one-line error on stderr that
// names what was wrong (and where), and publish nothing.
func TestBadInput(t *testing.T) {
	org := wbtest.Generate(wbtest.OrgConfig{Seed: 4, Users: 6, Teams: 2, Goals: 8, KRsPerGoal: 2, CheckinsPerKR: 2})
	emu := wbtest.Start(t, org)
	tlsSrv := httptest.NewTLSServer(wbtest.NewServer(org)) // a certificate nobody trusts
	t.Cleanup(tlsSrv.Close)
	notWB := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte("<html><body><h1>Not Found</h1></body></html>"))
	}))
	t.Cleanup(notWB.Close)
	closed := closedPort(t)

	type server struct {
		url, token string
	}
	crafted := func(edit func(data map[string]any, goals []map[string]any)) func(t *testing.T) server {
		return func(t *testing.T) server {
			ts, tok := craftServer(t, org, editGoals(t, edit))
			return server{ts.URL + wbtest.APIPrefix, tok}
		}
	}
	plain := func(t *testing.T) server { return server{emu.BaseURL, emu.AdminToken} }

	huge := strings.Repeat("x", 2<<20)
	cases := []struct {
		name  string
		srv   func(t *testing.T) server
		token *string // overrides the server's token ("" = unset)
		args  []string
		code  int
		want  string // substring of the one-line error ("" when code is 0)
	}{
		// Credentials.
		{name: "missing token", srv: plain, token: ptr(""), code: ExitAuth, want: "no WorkBoard token: set WORKBOARD_TOKEN or pass --token-file"},
		{name: "malformed token (line break)", srv: plain, token: ptr("abc\ndef"), code: ExitAuth, want: "token contains a line break"},
		{name: "unknown token", srv: plain, token: ptr("wb-not-a-token"), code: ExitAuth, want: "invalid_access_token"},
		{name: "token of a non-admin user", srv: func(t *testing.T) server { return server{emu.BaseURL, emu.UserToken} }, code: ExitAuth, want: "needs Data-Admin access"},
		{name: "token as a flag value", srv: plain, args: []string{"--token", "wb-secret"}, code: ExitUsage, want: "unknown flag: --token"},
		{name: "token file missing", srv: plain, args: []string{"--token-file", "/nonexistent/token"}, code: ExitAuth, want: "/nonexistent/token"},
		{name: "token file is /dev/zero", srv: plain, args: []string{"--token-file", "/dev/zero"}, code: ExitAuth, want: "/dev/zero is not a regular file (a character device)"},
		// Where the API is.
		{name: "unknown region", srv: plain, args: []string{"--region", "mars"}, code: ExitUsage, want: `--region must be us or eu, not "mars"`},
		{name: "wrong host (not a WorkBoard API)", srv: func(t *testing.T) server { return server{notWB.URL + "/wb/apis", "tok"} }, code: ExitFailed, want: "404"},
		{name: "plain HTTP to a non-loopback host", srv: func(t *testing.T) server { return server{"http://example.com/wb/apis", "tok"} }, code: ExitUsage, want: "https"},
		{name: "unreachable host", srv: func(t *testing.T) server { return server{"http://" + closed + "/wb/apis", "tok"} }, code: ExitTransient, want: "connection refused"},
		{name: "untrusted TLS certificate", srv: func(t *testing.T) server { return server{tlsSrv.URL + "/wb/apis", "tok"} }, code: ExitFailed, want: "certificate"},
		{name: "api url not a URL", srv: func(t *testing.T) server { return server{"::not a url", "tok"} }, code: ExitUsage, want: "invalid WorkBoard URL"},
		// What the API answers.
		{name: "HTML page instead of JSON", srv: func(t *testing.T) server {
			ts, tok := craftServer(t, org, func([]byte) (int, string, []byte) {
				return 200, "text/html", []byte("<!DOCTYPE html><html><body>Scheduled maintenance</body></html>")
			})
			return server{ts.URL + wbtest.APIPrefix, tok}
		}, code: ExitFailed, want: "/goal"},
		{name: "goal id is an object", srv: crafted(setGoalField("goal_id", map[string]any{"id": 1})), code: ExitFailed, want: "goal_id"},
		{name: "goal without an id", srv: crafted(setGoalField("goal_id", nil)), code: ExitFailed, want: "goal_id"},
		{name: "string field is an object", srv: crafted(setGoalField("goal_name", map[string]any{"a": 1})), code: ExitFailed, want: "goal_name"},
		{name: "number field is not a number", srv: crafted(setGoalField("goal_progress", "sixty")), code: ExitFailed, want: "goal_progress"},
		{name: "timestamp field is a boolean", srv: crafted(setGoalField("goal_create_at", true)), code: ExitFailed, want: "goal_create_at"},
		{name: "id-name pair is a number", srv: crafted(setGoalField("goal_type", 7)), code: ExitFailed, want: "goal_type"},
		{name: "list field is a string", srv: crafted(setGoalField("goal_category", "Customer")), code: ExitFailed, want: "goal_category"},
		{name: "nested list is an object", srv: crafted(setGoalField("goal_metrics", map[string]any{"x": 1})), code: ExitFailed, want: "goal_metrics"},
		{name: "invalid UTF-8 in a string", srv: crafted(setGoalField("goal_name", invalidUTF8Marker)), code: ExitFailed, want: "UTF-8"},
		{name: "negative totalCount", srv: crafted(func(d map[string]any, _ []map[string]any) { d["totalCount"] = -5 }), code: ExitFailed, want: "totalCount"},
		{name: "absurd totalCount", srv: crafted(func(d map[string]any, _ []map[string]any) { d["totalCount"] = int64(1e12) }), code: ExitFailed, want: "totalCount"},
		// Records are de-duplicated by id (overlapping pages repeat goals): the first one wins,
		// the report counts the duplicate, and the table keeps one row per goal.
		{name: "duplicate goal ids are exported once", srv: crafted(func(_ map[string]any, g []map[string]any) {
			if len(g) > 1 {
				g[1]["goal_id"] = g[0]["goal_id"]
			}
		}), code: ExitOK},
		{name: "huge string (2 MiB) is exported", srv: crafted(setGoalField("goal_narrative", huge)), code: ExitOK},
		{name: "answer over --max-response-size", srv: func(t *testing.T) server {
			ts := wbtest.Start(t, org, wbtest.WithOddAnswers(wbtest.OddAnswer{Kind: wbtest.OddHugeField, Path: "/goal", Size: 3 << 20}))
			return server{ts.BaseURL, ts.AdminToken}
		}, args: []string{"--max-response-size", "2097152"}, code: ExitFailed, want: "larger than the limit of 2097152 bytes"},
		// Sinks and flags.
		{name: "unknown sink scheme", srv: plain, args: []string{"--sink", "ftp://host/dir"}, code: ExitUsage, want: `unknown scheme "ftp"`},
		{name: "bad bucket name", srv: plain, args: []string{"--sink", "s3://Bad_Bucket!/prefix"}, code: ExitUsage, want: "bucket"},
		{name: "bad dataset name", srv: plain, args: []string{"--sink", "bigquery://my-project/bad-dataset"}, code: ExitUsage, want: "dataset"},
		{name: "bad project id", srv: plain, args: []string{"--sink", "bigquery://P/ds"}, code: ExitUsage, want: "project"},
		{name: "S3 flag with a file sink", srv: plain, args: []string{"--s3-endpoint", "http://127.0.0.1:9000"}, code: ExitUsage, want: "--s3-* flags only apply to an s3:// sink"},
		{name: "KMS key without aws:kms", srv: plain, args: []string{"--sink", "s3://bucket-ok/p", "--s3-kms-key-id", "alias/x"}, code: ExitUsage, want: "--s3-kms-key-id needs --s3-sse aws:kms"},
		{name: "snapshot date in a bad format", srv: plain, args: []string{"--snapshot-date", "28/11/2026"}, code: ExitUsage, want: `--snapshot-date must be YYYY-MM-DD, not "28/11/2026"`},
		{name: "snapshot date that does not exist", srv: plain, args: []string{"--snapshot-date", "2026-02-30"}, code: ExitUsage, want: "--snapshot-date"},
		{name: "unknown table", srv: plain, args: []string{"--tables", "goals,goalz"}, code: ExitUsage, want: `unknown table "goalz"`},
		{name: "zero concurrency", srv: plain, args: []string{"--concurrency", "0"}, code: ExitUsage, want: "--concurrency"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.srv(t)
			out := filepath.Join(t.TempDir(), "out")
			tok := s.token
			if tc.token != nil {
				tok = *tc.token
			}
			var env []string
			if tok != "" {
				env = append(env, "WORKBOARD_TOKEN="+tok)
			}
			args := []string{"run", "--api-url", s.url, "--sink", "file://" + out, "--snapshot-date", "2026-03-01", "--allow-backdate",
				"--max-attempts", "2", "--request-timeout", "5s", "--log-level", "error", "--progress", "never",
				"--summary-file", filepath.Join(t.TempDir(), "summary.json")}
			args = append(args, tc.args...)
			r := runCLI(t, env, args...)
			lines := strings.Split(strings.TrimRight(r.stderr, "\n"), "\n")
			last := lines[len(lines)-1]
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", r.code, tc.code, r.stderr)
			}
			published, _ := publishedTables(t, out)
			if tc.code == ExitOK {
				if len(published) != len(schemas.DataTables()) {
					t.Errorf("a successful run published only %v", published)
				}
				rows, _, err := localtest.ReadPartition(out, schemas.Goals, "2026-03-01")
				if err != nil {
					t.Fatal(err)
				}
				ids := map[int64]bool{}
				for _, r := range rows {
					id := r["goal_id"].(int64)
					if ids[id] {
						t.Errorf("goal %d exported twice", id)
					}
					ids[id] = true
				}
				return
			}
			if !strings.HasPrefix(last, "wbexport: ") || !strings.Contains(last, tc.want) {
				t.Errorf("last stderr line %q does not contain %q", last, tc.want)
			}
			t.Logf("%s", last)
			if len(published) != 0 {
				t.Errorf("a failed run published %v", published)
			}
		})
	}
}

func ptr(s string) *string { return &s }

// publishedTables lists the data tables with a published partition for 2026-03-01 under root.
func publishedTables(t *testing.T, root string) ([]schemas.TableID, error) {
	t.Helper()
	var out []schemas.TableID
	if _, err := os.Stat(root); err != nil {
		return nil, nil
	}
	for _, tb := range schemas.DataTables() {
		_, ok, err := localtest.ReadPartition(root, tb.Name, "2026-03-01")
		if err != nil {
			t.Errorf("%s: %v", tb.Name, err)
		}
		if ok {
			out = append(out, tb.Name)
		}
	}
	return out, nil
}

// closedPort returns a loopback host:port nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}
