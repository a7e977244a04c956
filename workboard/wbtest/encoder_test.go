package wbtest

import (
	"encoding/json"
	"math"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestJSONStrings pins how the emulator spells strings: only '"', '\\' and control characters
// are escaped ('\n', '\r', '\t', '\b', '\f' by their short forms, the others as \u00xx); HTML
// characters, U+2028/U+2029, '/' and DEL stay as they are; invalid UTF-8 becomes U+FFFD. Every
// valid string decodes back to itself.
func TestJSONStrings(t *testing.T) {
	for _, c := range []struct {
		name, in, want string
	}{
		{"plain", "plain", `"plain"`},
		{"empty", "", `""`},
		{"quote and backslash", `quote " and \ backslash`, `"quote \" and \\ backslash"`},
		{"whitespace controls", "tab\tnew\nline\rcr", `"tab\tnew\nline\rcr"`},
		{"other controls", "nul\x00 ctl\x01\x1f", `"nul\u0000 ctl\u0001\u001f"`},
		{"backspace and form feed", "a\bb\fc", `"a\bb\fc"`},
		{"DEL", "del\x7f", "\"del\x7f\""},
		{"HTML", "<html>&amp;</html>", `"<html>&amp;</html>"`},
		{"slash", "a/b", `"a/b"`},
		{"line and paragraph separators", "ls\u2028ps\u2029", "\"ls\u2028ps\u2029\""},
		{"non-ASCII", "emoji 🚀 CJK 目標 é Łukasz", `"emoji 🚀 CJK 目標 é Łukasz"`},
		{"replacement character", "\ufffd", "\"\ufffd\""},
		{"invalid byte", "bad \xff byte", "\"bad \ufffd byte\""},
		{"truncated sequence", "cut \xe2\x82", "\"cut \ufffd\ufffd\""},
		{"surrogate half", "half \xed\xa0\x80", "\"half \ufffd\ufffd\ufffd\""},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := string(render(func(e *encoder) { e.stringValue(c.in) }))
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("stringValue(%q) (-want +got):\n%s", c.in, diff)
			}
			var back string
			if err := json.Unmarshal([]byte(got), &back); err != nil {
				t.Fatalf("%s does not decode: %v", got, err)
			}
			if want := string([]rune(c.in)); back != want { // []rune maps invalid UTF-8 to U+FFFD
				t.Errorf("%s decodes to %q, want %q", got, back, want)
			}
		})
	}
}

// TestJSONNumbers pins the spelling of integers, numeric strings and decimal strings.
func TestJSONNumbers(t *testing.T) {
	for _, c := range []struct {
		name  string
		write func(e *encoder)
		want  string
	}{
		{"int", func(e *encoder) { e.intValue(1757030400) }, `1757030400`},
		{"negative int", func(e *encoder) { e.intValue(-42) }, `-42`},
		{"zero int", func(e *encoder) { e.intValue(0) }, `0`},
		{"quoted int", func(e *encoder) { e.quotedIntValue(180201) }, `"180201"`},
		{"quoted zero", func(e *encoder) { e.quotedIntValue(0) }, `"0"`},
		{"quoted max int64", func(e *encoder) { e.quotedIntValue(math.MaxInt64) }, `"9223372036854775807"`},
		{"quoted min int64", func(e *encoder) { e.quotedIntValue(math.MinInt64) }, `"-9223372036854775808"`},
		{"decimal", func(e *encoder) { e.quotedDecimalValue(63.96) }, `"63.96"`},
		{"decimal zero", func(e *encoder) { e.quotedDecimalValue(0) }, `"0"`},
		{"decimal integer", func(e *encoder) { e.quotedDecimalValue(1250000) }, `"1250000"`},
		{"decimal negative", func(e *encoder) { e.quotedDecimalValue(-0.5) }, `"-0.5"`},
		{"decimal large, no exponent", func(e *encoder) { e.quotedDecimalValue(1e21) }, `"1000000000000000000000"`},
		{"decimal small, no exponent", func(e *encoder) { e.quotedDecimalValue(1e-7) }, `"0.0000001"`},
		{"decimal shortest", func(e *encoder) { e.quotedDecimalValue(math.Nextafter(0.3, 1)) }, `"0.30000000000000004"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			if diff := cmp.Diff(c.want, string(render(c.write))); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestJSONObjects pins the shapes built from members: {id, name} pairs, null for a missing
// optional string, raw values copied in compact form, encoded values spliced in where they
// were written, repeated names kept, and no newline after a top-level value. Each case runs
// twice, as pooled encoders are reused.
func TestJSONObjects(t *testing.T) {
	level := "2"
	for _, c := range []struct {
		name  string
		write func(e *encoder)
		want  string
	}{
		{"members", func(e *encoder) {
			e.beginObject()
			e.str("s", "v")
			e.quotedInt("id", 7)
			e.quotedDecimal("d", 1.5)
			e.idName("type", IDName{"2", "Individual"})
			e.optionalStr("level", &level)
			e.optionalStr("none", nil)
			e.name("flag")
			e.boolValue(false)
			e.name("empty")
			e.emptyArray()
			e.endObject()
		}, `{"s":"v","id":"7","d":"1.5","type":{"id":"2","name":"Individual"},"level":"2","none":null,"flag":false,"empty":[]}`},
		{"raw value", func(e *encoder) {
			e.beginArray()
			e.rawValue([]byte(`{"external_sources":[{"name":"Salesforce","status":"connected"}]}`))
			e.rawValue([]byte(` { "a" : [ 1 , true ] } `))
			e.endArray()
		}, `[{"external_sources":[{"name":"Salesforce","status":"connected"}]},{"a":[1,true]}]`},
		{"encoded values", func(e *encoder) {
			e.beginArray()
			e.encodedValue([]byte(`{"goal_id":"1"}`))
			e.beginObject()
			e.name("people_goals")
			e.beginArray()
			e.encodedValue([]byte(`{"goal_id":"2"}`))
			e.encodedValue([]byte(`{"goal_id":"3"}`))
			e.endArray()
			e.endObject()
			e.encodedValue([]byte(`"0"`))
			e.endArray()
		}, `[{"goal_id":"1"},{"people_goals":[{"goal_id":"2"},{"goal_id":"3"}]},"0"]`},
		{"repeated names", func(e *encoder) {
			e.beginObject()
			e.str("a", "1")
			e.str("a", "2")
			e.endObject()
		}, `{"a":"1","a":"2"}`},
		{"numeric names", func(e *encoder) {
			e.beginObject()
			e.name("0")
			e.beginObject()
			e.endObject()
			e.quotedInt("goals_count", 1)
			e.endObject()
		}, `{"0":{},"goals_count":"1"}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			for range 2 {
				if diff := cmp.Diff(c.want, string(render(c.write))); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
			}
		})
	}
}

// TestJSONWriteErrorPanics: a token sequence jsontext rejects, or an encoded value at the top
// level, is a bug in the emulator and must not go out as a body.
func TestJSONWriteErrorPanics(t *testing.T) {
	for _, c := range []struct {
		name  string
		write func(e *encoder)
	}{
		{"value for a member name", func(e *encoder) {
			e.beginObject()
			e.intValue(1)
		}},
		{"end without begin", func(e *encoder) { e.endArray() }},
		{"encoded value at the top level", func(e *encoder) { e.encodedValue([]byte(`[]`)) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			render(c.write)
		})
	}
}

// TestErrorBodyEscaping sends request paths with characters that need care and checks the
// 404 body: exact bytes, and its description decodes back to the path.
func TestErrorBodyEscaping(t *testing.T) {
	ts := Start(t, Generate(OrgConfig{Seed: 1, Users: 2, Teams: 1, Goals: 1}))
	for _, c := range []struct {
		name, path, want string
	}{
		{"HTML", "/%3Cb%3E&x", `{"success":false,"error":"not_found","error_description":"no such endpoint: GET /wb/apis/<b>&x"}`},
		{"quote and backslash", "/a%22b%5Cc", `{"success":false,"error":"not_found","error_description":"no such endpoint: GET /wb/apis/a\"b\\c"}`},
		{"controls", "/a%01b%08c%0Cd%0Ae", `{"success":false,"error":"not_found","error_description":"no such endpoint: GET /wb/apis/a\u0001b\bc\fd\ne"}`},
		{"line separator", "/a%E2%80%A8b", "{\"success\":false,\"error\":\"not_found\",\"error_description\":\"no such endpoint: GET /wb/apis/a\u2028b\"}"},
		{"invalid UTF-8", "/a%FFb", "{\"success\":false,\"error\":\"not_found\",\"error_description\":\"no such endpoint: GET /wb/apis/a\ufffdb\"}"},
	} {
		t.Run(c.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, ts.BaseURL+c.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+ts.AdminToken)
			r := do(t, nil, req)
			if r.status != http.StatusNotFound {
				t.Fatalf("status %d, want 404", r.status)
			}
			if diff := cmp.Diff(c.want, string(r.body)); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
		})
	}
}
