package extract

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"sync"

	"github.com/go-json-experiment/json/jsontext"
)

// This file holds the tokenizer side of the page decoders: a stream over one body, in one of
// two modes. The fast mode (faststream.go) is a hand-written validating scanner; the other
// wraps the github.com/go-json-experiment/json/jsontext streaming decoder (the standalone
// upstream of encoding/json/v2's jsontext), and decodes again every body the fast mode refuses
// or whose page has an error (decodeFast), so errors are jsontext's. A body is tokenized once,
// front to back: containers the decoders descend into are walked token by token, scalar values
// (and containers kept raw) are read as raw bytes aliasing the body and handed to the p* value
// parsers of values.go. Both modes validate everything they read, so a malformed body is always
// refused.

// decOpts: duplicate names are allowed (the last one wins, as WorkBoard's PHP would have it)
// and invalid UTF-8 is left to the value parsers, which refuse it in the fields they read.
var decOpts = []jsontext.Options{jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true)}

// stream is one tokenizer over one body: a jsontext decoder, or in fast mode the tokenizer of
// faststream.go. fatal is the first syntax error: after it every method is a no-op and the
// decoders return it.
type stream struct {
	d     *jsontext.Decoder
	bb    bytes.Buffer
	fatal error
	ptr   jsontext.Pointer // where the syntax error was (fatal)

	fast bool    // the fast mode (faststream.go) instead of d
	b    []byte  // fast mode: the body
	i    int     // fast mode: the offset of the next byte to read
	st   uint8   // fast mode: what may come next (fsTop, ...)
	stk  []byte  // fast mode: the closers of the open containers, innermost last
	root *stream // fast mode: the stream over the whole body (a sub-stream's failure fails it too)
}

var streamPool = sync.Pool{New: func() any { return &stream{d: jsontext.NewDecoder(&bytes.Buffer{})} }}

// newStream returns a pooled stream over b (parsed in place: values alias b), in fast mode when
// fast is set.
func newStream(b []byte, fast bool) *stream {
	s := streamPool.Get().(*stream)
	s.fatal, s.ptr, s.fast = nil, "", fast
	if fast {
		s.b, s.i, s.st, s.stk, s.root = b, 0, fsTop, s.stk[:0], s
		return s
	}
	s.bb = *bytes.NewBuffer(b)
	s.d.Reset(&s.bb, decOpts...)
	return s
}

func (s *stream) release() {
	if s.fast {
		s.b, s.root = nil, nil
	} else {
		s.bb = bytes.Buffer{}
		s.d.Reset(&s.bb)
	}
	streamPool.Put(s)
}

// offset is the offset in the body just after the last token or value read.
func (s *stream) offset() int {
	if s.fast {
		return s.i
	}
	return int(s.d.InputOffset())
}

// syntaxError turns a jsontext error into the decoder's wording.
func syntaxError(err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return errTruncatedJSON
	}
	return errors.New(strings.TrimPrefix(err.Error(), "jsontext: "))
}

func (s *stream) fail(err error) {
	if s.fatal == nil {
		s.fatal = syntaxError(err)
		var se *jsontext.SyntacticError
		if errors.As(err, &se) {
			s.ptr = se.JSONPointer
		}
	}
}

// invalidUnder names the member of the record(s) under base (the pointer of a list read raw)
// where the syntax error was: the first name below base that is not a numeric key.
func (s *stream) invalidUnder(base jsontext.Pointer) error {
	rel, ok := strings.CutPrefix(string(s.ptr), string(base))
	if !ok || base == "" || !strings.HasPrefix(rel, "/") {
		return s.fatal
	}
	for _, tok := range strings.Split(rel[1:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		if !isDigits([]byte(tok)) {
			return invalidIn(tok, s.fatal)
		}
	}
	return s.fatal
}

// peek returns the kind of the next token ('{', '}', '[', ']', '"', 'n', 't', 'f', '0'), or
// 0 after a syntax error.
func (s *stream) peek() byte {
	if s.fatal != nil {
		return 0
	}
	if s.fast {
		return s.fpeek()
	}
	k := s.d.PeekKind()
	if k == 0 {
		_, err := s.d.ReadToken()
		if err == nil {
			err = errTruncatedJSON
		}
		s.fail(err)
		return 0
	}
	return byte(k)
}

// value reads the next value raw (nil after a syntax error).
func (s *stream) value() []byte {
	if s.fatal != nil {
		return nil
	}
	if s.fast {
		return s.fvalue()
	}
	v, err := s.d.ReadValue()
	if err != nil {
		s.fail(err)
		return nil
	}
	return v
}

// skip reads past the next value.
func (s *stream) skip() { s.value() }

// token reads a delimiter token ('{', '[', '}' or ']').
func (s *stream) token() bool {
	if s.fatal != nil {
		return false
	}
	if s.fast {
		return s.ftoken()
	}
	if _, err := s.d.ReadToken(); err != nil {
		s.fail(err)
		return false
	}
	return true
}

// more reports whether the current object or array has another member (false at its end
// or after a syntax error).
func (s *stream) more() bool {
	switch s.peek() {
	case 0, '}', ']':
		return false
	}
	return true
}

// close reads the end of the current container after more returned false.
func (s *stream) close() { s.token() }

// name reads an object member name, unescaped (escapes are rare: resolved by encoding/json,
// as the scanner of jsonscan.go does).
func (s *stream) name() []byte {
	v := s.value()
	if len(v) < 2 {
		return nil
	}
	k := v[1 : len(v)-1]
	if bytes.IndexByte(k, '\\') >= 0 {
		k = unescapeName(v)
	}
	return k
}

// unescapeName returns the text of the quoted name v, which holds a backslash.
func unescapeName(v []byte) []byte {
	var str string
	if err := json.Unmarshal(v, &str); err == nil {
		return []byte(str)
	}
	return v[1 : len(v)-1]
}

// object walks the object at the stream's position. For each member fn gets the name and the
// raw value, already read, except for the names in streamed (a "|"-separated list, e.g.
// "|metric_data|metric_comments|") when their value is an object or an array: then v is nil and
// fn must read the value from s (a nested walk, s.value(), ...), also when it fails.
// After the first error of fn the remaining members are read past, looking only at idKey
// (findID's rule: the last string or number wins) so the error can name the object; idKey
// is tracked before that too. A value that is not an object gives the scanner's error.
func (s *stream) object(idKey string, id *string, streamed string, fn func(k, v []byte) error) error {
	if s.fast && s.fatal == nil {
		return s.fobject(streamed, fn)
	}
	if k := s.peek(); k != '{' {
		if k == 0 {
			return s.fatal
		}
		return errors.New("expected a JSON object, got " + describeRaw(s.value()))
	}
	s.token()
	var ferr error
	for s.more() {
		k := s.name()
		var v []byte
		if streamed != "" && ferr == nil && isStreamed(streamed, k) {
			switch s.peek() {
			case '{', '[':
			case 0:
				return s.fatal
			default:
				v = s.value()
			}
		} else {
			v = s.value()
		}
		if s.fatal != nil {
			return invalidIn(string(k), s.fatal)
		}
		if id != nil && string(k) == idKey {
			switch kind(v) {
			case '"':
				*id, _ = unquote(v)
			case '0':
				*id = string(v)
			}
		}
		if ferr != nil {
			continue
		}
		ferr = fn(k, v)
		if s.fatal != nil {
			if named(ferr) {
				return ferr // named by a nested walk
			}
			return invalidIn(string(k), s.fatal)
		}
	}
	s.close()
	if s.fatal != nil {
		return s.fatal
	}
	return ferr
}

// isStreamed reports whether k is one of the "|"-separated names in list.
func isStreamed(list string, k []byte) bool {
	if len(k) == 0 {
		return false
	}
	for len(list) > 1 {
		i := strings.IndexByte(list[1:], '|')
		if i < 0 {
			return false
		}
		if list[1:1+i] == string(k) {
			return true
		}
		list = list[1+i:]
	}
	return false
}

// named reports whether err already names where it happened.
func named(err error) bool {
	switch err.(type) {
	case *fieldError, *DecodeError:
		return true
	}
	return false
}

// invalidOr returns err when it names where the syntax error fatal was, else fatal in field.
func invalidOr(field string, err, fatal error) error {
	if named(err) {
		return err
	}
	return invalidIn(field, fatal)
}

// invalidIn names the member whose value was not valid JSON (the stream stops there).
func invalidIn(field string, err error) error {
	return &fieldError{Field: field, Msg: "invalid JSON: " + err.Error()}
}

// raw reads the member value of an object walk: v when fn got the scalar, else the
// container from the stream.
func (s *stream) raw(v []byte) []byte {
	if v != nil {
		return v
	}
	return s.value()
}

// list walks the list value of a record field like eachItemOf (field != "") or a resource
// like eachItem (field == ""): an array is streamed element by element; the other forms
// (numeric-keyed object, single object, null, false, "") are read raw and their items decoded
// from sub-streams, in eachItem's order. fn must read item i from s; after its first error the
// rest of the list is read past and the error returned.
func (s *stream) list(field string, v []byte, fn func(i int, s *stream) error) error {
	if v == nil && s.peek() == '[' {
		s.token()
		var ferr error
		for i := 0; s.more(); i++ {
			if ferr != nil {
				s.skip()
				continue
			}
			ferr = fn(i, s)
			if s.fatal != nil {
				if named(ferr) {
					return ferr // named by the item's walk
				}
				return s.fatal
			}
		}
		s.close()
		if s.fatal != nil {
			return s.fatal
		}
		return ferr
	}
	var base jsontext.Pointer
	if v == nil && !s.fast {
		base = s.d.StackPointer() // names the field of a syntax error (fast mode has none to name)
	}
	rv := s.raw(v)
	if s.fatal != nil {
		return s.invalidUnder(base)
	}
	sub := func(i int, item []byte) error {
		ss := newStream(item, s.fast)
		if s.fast {
			ss.root = s.root
		}
		err := fn(i, ss)
		if err == nil && ss.fatal != nil {
			err = ss.fatal
		}
		ss.release()
		return err
	}
	if field == "" {
		return eachItem(rv, sub)
	}
	return eachItemOf(field, rv, sub)
}
