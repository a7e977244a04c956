package extract

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/go-json-experiment/json/jsontext"
)

// The fast mode of the tokenizer (faststream.go) must accept only well-formed JSON and must
// decode every body it accepts exactly as the jsontext mode does; it may refuse a well-formed
// body only for a lone surrogate escape or nesting deeper than fastMaxDepth. fastBody checks
// that on one body, for every page decoder and plan, and diffBody calls it, so every corpus of
// decode_diff_test.go (fixtures, quirks, mutations, emulator pages, FuzzDecodeDiff) runs it too.

// fastDecoders are the page decoders in both modes, the metrics decoder under every plan.
var fastDecoders = func() (out []struct {
	name string
	dec  func([]byte, bool) (*Page, error)
}) {
	add := func(name string, dec func([]byte, bool) (*Page, error)) {
		out = append(out, struct {
			name string
			dec  func([]byte, bool) (*Page, error)
		}{name, dec})
	}
	add("users", decodeUsersPage)
	add("teams", decodeTeamsPage)
	add("goals", decodeGoalsPage)
	for skip := skipLists(0); skip < 8; skip++ {
		add(fmt.Sprintf("metrics/skip=%03b", skip), func(b []byte, fast bool) (*Page, error) { return decodeMetricsPage(b, skip, fast) })
	}
	return out
}()

// loneSurrogate matches a \uD800-\uDFFF escape; validPair a well-formed surrogate pair.
var (
	loneSurrogate = regexp.MustCompile(`\\u[dD][89a-fA-F][0-9a-fA-F]{2}`)
	validPair     = regexp.MustCompile(`\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}`)
)

// fastMayRefuse reports whether the fast mode is allowed to refuse the well-formed body b.
func fastMayRefuse(b []byte) bool {
	if loneSurrogate.Match(validPair.ReplaceAll(b, nil)) {
		return true
	}
	depth, deepest := 0, 0
	d := jsontext.NewDecoder(bytes.NewReader(b), decOpts...)
	for {
		tok, err := d.ReadToken()
		if err != nil {
			return deepest > fastMaxDepth
		}
		switch tok.Kind() {
		case '{', '[':
			depth++
			deepest = max(deepest, depth)
		case '}', ']':
			depth--
		}
	}
}

// fastBody checks the fast mode against the jsontext mode on b with every decoder and the
// envelope decoder for key. It returns how many decoders the fast mode accepted b for.
func fastBody(t testing.TB, b []byte, key string) (accepted int) {
	t.Helper()
	valid := json.Valid(b)
	mayRefuse := -1 // unknown yet
	check := func(name string, fastErr, slowErr error, same func() bool) {
		t.Helper()
		switch {
		case fastErr == nil && !valid:
			t.Fatalf("%s: the fast mode accepted a malformed body %q", name, b)
		case fastErr == nil && slowErr != nil:
			t.Fatalf("%s: the fast mode accepted %q, jsontext refused it: %v", name, b, slowErr)
		case fastErr == nil && !same():
			t.Fatalf("%s: the modes disagree on %q", name, b)
		case fastErr == nil:
			accepted++
		case slowErr == nil:
			if mayRefuse < 0 {
				mayRefuse = 0
				if fastMayRefuse(b) {
					mayRefuse = 1
				}
			}
			if mayRefuse == 0 {
				t.Fatalf("%s: the fast mode refused %q (%v), which jsontext decodes", name, b, fastErr)
			}
		}
	}
	for _, d := range fastDecoders {
		fp, ferr := d.dec(b, true)
		sp, serr := d.dec(b, false)
		check(d.name, ferr, serr, func() bool { return reflect.DeepEqual(fp, sp) })
	}
	fe, _, ferr := decodeFrame(b, key, nil, nil, true)
	se, _, serr := decodeFrame(b, key, nil, nil, false)
	check("envelope "+key, ferr, serr, func() bool { return reflect.DeepEqual(fe, se) })
	return accepted
}

// TestFastModeAcceptsGoodBodies: on the fixtures and the emulator's pages, the fast mode decodes
// every page jsontext decodes (the fallback must not be hiding a fast-mode refusal).
func TestFastModeAcceptsGoodBodies(t *testing.T) {
	bodies := diffBodies(t)
	goals, metrics := emulatorPages()
	bodies = append(append(bodies, goals...), metrics...)
	n := 0
	for _, b := range bodies {
		n += fastBody(t, b, "goal")
	}
	if n == 0 {
		t.Fatal("the fast mode accepted nothing")
	}
	t.Logf("%d bodies, %d decodes in fast mode", len(bodies), n)
}

// TestFastModeByteMutations breaks every fixture and quirk body at many places (truncation,
// one byte replaced by a structural or control byte, one byte deleted or doubled) and requires
// fastBody's rules on each: the fast mode accepts only what jsontext accepts, with the same
// result.
func TestFastModeByteMutations(t *testing.T) {
	bodies := diffBodies(t)
	for _, q := range diffQuirks {
		bodies = append(bodies, []byte(q))
	}
	subs := []byte{'"', '\\', ',', ':', '{', '}', '[', ']', ' ', 0x01, 0x7f, 0xff, '0', '-', '.', 'e', 'u', 'n'}
	budget := 400
	if testing.Short() {
		budget = 40
	}
	variants := 0
	for _, b := range bodies {
		stride := max(1, len(b)*(len(subs)+3)/budget)
		for k := 0; k < len(b)*(len(subs)+3); k += stride {
			pos, op := k/(len(subs)+3), k%(len(subs)+3)
			var v []byte
			switch op {
			case 0:
				v = append([]byte(nil), b[:pos]...)
			case 1:
				v = append(append([]byte(nil), b[:pos]...), b[pos+1:]...)
			case 2:
				v = append(append([]byte(nil), b[:pos+1]...), b[pos:]...)
			default:
				v = append([]byte(nil), b...)
				v[pos] = subs[op-3]
			}
			fastBody(t, v, "goal")
			variants++
		}
	}
	// one value deleted (leaving ",,", "[,", ",]", ":," ...) or one member deleted with its
	// commas left (",,", "{,", ",}"): a body broken at one place only
	for _, b := range bodies {
		b = bytes.TrimSpace(b)
		if !json.Valid(b) {
			continue
		}
		cuts := valueSpans(t, b, false)
		ends := map[int]int{}
		for _, sp := range cuts {
			ends[sp[0]] = sp[1]
		}
		for _, name := range valueSpans(t, b, true) {
			colon := bytes.IndexByte(b[name[1]:], ':') + name[1]
			end, ok := ends[colon+1+len(b[colon+1:])-len(bytes.TrimLeft(b[colon+1:], " \t\r\n"))]
			if !ok {
				t.Fatalf("no value after the name at %d of %q", name[0], b)
			}
			cuts = append(cuts, [2]int{name[0], end})
		}
		stride := max(1, len(cuts)/(2*budget))
		for i := 0; i < len(cuts); i += stride {
			v := append(append([]byte(nil), b[:cuts[i][0]]...), b[cuts[i][1]:]...)
			fastBody(t, v, "goal")
			variants++
		}
	}
	t.Logf("%d variants", variants)
}

// fastScanCases are JSON texts for the value scanner: ok says whether jsontext (AllowInvalidUTF8)
// accepts the whole text as one value; fastOK whether the fast scanner must (it refuses lone
// surrogates and deep nesting).
var fastScanCases = []struct {
	in         string
	ok, fastOK bool
}{
	{`"abc"`, true, true},
	{`""`, true, true},
	{`"a\"b\\c\/d\b\f\n\r\t"`, true, true},
	{`"\u00e9\u20AC"`, true, true},
	{`"\ud83d\ude00"`, true, true},
	{`"\uD83D\uDE00x"`, true, true},
	{`"\ud83d"`, true, false},
	{`"\ude00"`, true, false},
	{`"\ud83dx"`, true, false},
	{`"\ud83d\u0041"`, true, false},
	{`"\u12"`, false, false},
	{`"\u12g4"`, false, false},
	{`"\x"`, false, false},
	{`"\`, false, false},
	{`"abc`, false, false},
	{"\"a\x01b\"", false, false},
	{"\"a\x1fb\"", false, false},
	{"\"tab\there\"", false, false},
	{"\"a\x7fb\"", true, true},
	{"\"\xff\xfe\"", true, true},
	{"\"0123456789abcdef\\\"0123456789\"", true, true},
	{"\"0123456\x00\"", false, false},
	{`0`, true, true},
	{`-0`, true, true},
	{`-`, false, false},
	{`01`, false, false},
	{`1.`, false, false},
	{`1.5`, true, true},
	{`1e`, false, false},
	{`1e+`, false, false},
	{`1E-7`, true, true},
	{`-12.5e+10`, true, true},
	{`.5`, false, false},
	{`+1`, false, false},
	{`null`, true, true},
	{`nul`, false, false},
	{`true`, true, true},
	{`tru`, false, false},
	{`false`, true, true},
	{`falsy`, false, false},
	{`{}`, true, true},
	{`{ }`, true, true},
	{`{"a":1}`, true, true},
	{`{"a" : [1 , 2 ] }`, true, true},
	{"{\n\t\"a\"\r:\n1}", true, true},
	{`{"a":1,}`, false, false},
	{`{,}`, false, false},
	{`{"a"}`, false, false},
	{`{"a":}`, false, false},
	{`{"a" 1}`, false, false},
	{`{"a":1 "b":2}`, false, false},
	{`{1:2}`, false, false},
	{`{"a":1]`, false, false},
	{`{"a":1,"a":2}`, true, true},
	{`[]`, true, true},
	{`[1,]`, false, false},
	{`[,1]`, false, false},
	{`[1 2]`, false, false},
	{`[1,[2,{"x":[null,true,false,"s"]}]]`, true, true},
	{`[1}`, false, false},
	{`[`, false, false},
	{strings.Repeat("[", 999) + strings.Repeat("]", 999), true, true},
	{strings.Repeat("[", 1001) + strings.Repeat("]", 1001), true, false},
	{strings.Repeat(`{"a":`, 1001) + "1" + strings.Repeat("}", 1001), true, false},
}

// jsontextValue reports whether jsontext reads b as exactly one value.
func jsontextValue(b []byte) bool {
	d := jsontext.NewDecoder(bytes.NewReader(b), decOpts...)
	if _, err := d.ReadValue(); err != nil {
		return false
	}
	_, err := d.ReadToken()
	return err != nil && int(d.InputOffset()) == len(b)
}

func TestFastScanValue(t *testing.T) {
	for _, c := range fastScanCases {
		if got := jsontextValue([]byte(c.in)); got != c.ok {
			t.Errorf("%q: jsontext accepts: %v, the case says %v", c.in, got, c.ok)
		}
		end := fscanValue([]byte(c.in), 0, 0)
		if got := end == len(c.in); got != c.fastOK {
			t.Errorf("%q: fast scanner end %d (len %d), want accepted=%v", c.in, end, len(c.in), c.fastOK)
		}
	}
}

// TestFastStreamTokens walks texts with the stream in both modes, token by token (peek, then
// token for delimiters and value for the rest) up to the end of the top-level value, and
// requires the same kinds, raw values and offsets, and that both modes fail on the malformed
// ones (the fast mode may stop a token earlier: jsontext's peek does not look at the token).
func TestFastStreamTokens(t *testing.T) {
	texts := []string{
		`{"a":1,"b":[true,false,null,{"c":"d"}],"e":{},"f":[]}`,
		` { "a" : [ 1 , { "b" : "c" } ] , "d" : -1.5e3 } `,
		`[{"x":"\u00e9"},"\"",[[[]]]]`,
		`"top"`, `-7`, `[]`, `{}`,
		// malformed: both modes must fail
		`[1,]`, `[1,,2]`, `[,1]`, `{"a":1,}`, `{"a":1,,"b":2}`, `{,"a":1}`, `{"a"}`, `{"a":}`, `{"a" 1}`,
		`{"a":1 "b":2}`, `[1 2]`, `{1:2}`, `{"a":1]`, `[1}`, `[1`, `{"a":1`, `{"a"`, `[{"a":1},]`,
		`[[1],]`, `{"a":[1,]}`, `{"a":{}"b":1}`, `{"a"::1}`, `[:1]`, `[01]`, `{"a":tru}`, `["\x"]`,
	}
	for _, txt := range texts {
		walk := func(fast bool) (out []string, failed bool) {
			s := newStream(bytes.TrimSpace([]byte(txt)), fast)
			defer s.release()
			depth := 0
			for range 200 {
				k := s.peek()
				if k == 0 {
					break
				}
				switch k {
				case '{', '[', '}', ']':
					if !s.token() {
						break
					}
					if k == '{' || k == '[' {
						depth++
					} else {
						depth--
					}
					out = append(out, fmt.Sprintf("%c@%d", k, s.offset()))
				default:
					v := s.value()
					if v == nil {
						break
					}
					out = append(out, fmt.Sprintf("%c%s@%d", k, v, s.offset()))
				}
				if depth == 0 || s.fatal != nil {
					break
				}
			}
			return out, s.fatal != nil
		}
		f, ffail := walk(true)
		j, jfail := walk(false)
		if ffail != jfail || len(f) > len(j) || !reflect.DeepEqual(f, j[:len(f)]) || (!ffail && len(f) != len(j)) {
			t.Errorf("%s:\nfast:     %q (failed %v)\njsontext: %q (failed %v)", txt, f, ffail, j, jfail)
		}
	}
	// jsontext reads a stream of top-level values; a page is one, so the fast mode fails there
	for _, b := range []string{`[1]`, `[1] 2`} {
		if s := newStream([]byte(b), true); s.value() == nil || s.peek() != 0 || s.fatal == nil {
			t.Errorf("fast mode: a peek past the top-level value of %s must fail", b)
		}
	}
}

// FuzzFastScan: whatever the fast value scanner accepts, jsontext reads as the same one value,
// and it accepts every value jsontext accepts unless fastMayRefuse allows it not to.
func FuzzFastScan(f *testing.F) {
	for _, c := range fastScanCases {
		f.Add([]byte(c.in))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) == 0 || b[0] <= ' ' {
			return
		}
		end := fscanValue(b, 0, 0)
		if end >= 0 && !jsontextValue(b[:end]) {
			t.Fatalf("the fast scanner accepted %q, jsontext does not", b[:end])
		}
		if jsontextValue(b) && end != len(b) && !fastMayRefuse(b) {
			t.Fatalf("the fast scanner refused %q (end %d), jsontext accepts it", b, end)
		}
	})
}

// FuzzFastStream: fastBody's rules on arbitrary bodies.
func FuzzFastStream(f *testing.F) {
	for _, b := range diffBodies(f) {
		f.Add(b)
	}
	for _, q := range diffQuirks {
		f.Add([]byte(q))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		fastBody(t, b, "metric")
	})
}
