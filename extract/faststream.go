package extract

import (
	"encoding/binary"
	"errors"
	"math/bits"
)

// This file holds the fast mode of stream: a hand-written, validating, single-pass tokenizer
// over the body, with the same calls and the same results as the jsontext mode on every body
// it accepts. It exists because jsontext, a general streaming tokenizer, was a third of the
// CPU path's instructions (docs/benchmarks.md §A).
//
// The contract that keeps it safe: the fast mode accepts a body only if it is well-formed JSON
// (invalid UTF-8 allowed, as decOpts allows it; duplicate names allowed), and on such a body it
// returns exactly the tokens and raw values jsontext returns. Where it has any doubt (a lone
// UTF-16 surrogate escape, nesting deeper than fastMaxDepth) it refuses. A page decoder that
// gets any error in fast mode decodes the body again in jsontext mode and returns that result
// (decodeFast), so every error, its wording and the field it names are jsontext's, and the
// fast mode only ever decides how quickly a good body is decoded. TestFastStreamAgrees and
// FuzzFastStream hold it to that.

// errFastSyntax is the fast mode's only syntax error: it never reaches a caller (the body is
// decoded again in jsontext mode, which gives the real error).
var errFastSyntax = errors.New("malformed JSON (fast scanner)")

// fastMaxDepth bounds the nesting the fast mode accepts (jsontext's own limit is 10000: a
// deeper body goes to jsontext, which decides).
const fastMaxDepth = 1000

// Fast-mode states: what may come next.
const (
	fsTop   uint8 = iota // the top-level value
	fsFirst              // just after '{' or '[': a closer or the first element
	fsElem               // after ',': an element
	fsAfter              // after an element: ',' or the closer
	fsColon              // after an object member name: ':'
	fsValue              // after ':': a member value
	fsEnd                // after the top-level value: nothing
)

// fastStartKind maps the first byte of a value to its kind as jsontext's PeekKind reports it
// ('0' for numbers), 0 for a byte no value starts with.
var fastStartKind = func() (t [256]byte) {
	for _, c := range []byte(`{["ntf`) {
		t[c] = c
	}
	t['-'] = '0'
	for c := '0'; c <= '9'; c++ {
		t[c] = '0'
	}
	return t
}()

// fastStrPlain marks the bytes a string holds as they are: not '"', '\\' or a control byte.
var fastStrPlain = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// fastHex maps a hexadecimal digit to its value, other bytes to 0xff.
var fastHex = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for c := 0; c < 10; c++ {
		t['0'+c] = byte(c)
	}
	for c := 0; c < 6; c++ {
		t['a'+c], t['A'+c] = byte(10+c), byte(10+c)
	}
	return t
}()

// ffail records a syntax error in s and in the stream over the whole body, so that the page
// fails (and is decoded again by jsontext) even if a decoder drops the error of a sub-stream.
func (s *stream) ffail() {
	if s.fatal == nil {
		s.fatal = errFastSyntax
	}
	if s.root.fatal == nil {
		s.root.fatal = errFastSyntax
	}
}

// fskipWS returns the index of the first byte at or after i that is not JSON whitespace.
func fskipWS(b []byte, i int) int {
	for i < len(b) && b[i] <= ' ' && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t') {
		i++
	}
	return i
}

// fpeek is peek in fast mode: it reads the separators (',' ':') before the next token and
// reports the token's kind without reading it.
func (s *stream) fpeek() byte {
	b, i := s.b, s.i
	for {
		i = fskipWS(b, i)
		if i >= len(b) {
			s.i = i
			s.ffail()
			return 0
		}
		c := b[i]
		switch s.st {
		case fsAfter:
			if c == ',' {
				i++
				s.st = fsElem
				continue
			}
			if c == s.stk[len(s.stk)-1] {
				s.i = i
				return c
			}
			s.i = i
			s.ffail()
			return 0
		case fsColon:
			if c == ':' {
				i++
				s.st = fsValue
				continue
			}
			s.i = i
			s.ffail()
			return 0
		case fsFirst:
			if c == s.stk[len(s.stk)-1] {
				s.i = i
				return c
			}
		case fsEnd:
			s.i = i
			s.ffail()
			return 0
		}
		s.i = i
		if s.st != fsValue && s.st != fsTop && s.stk[len(s.stk)-1] == '}' {
			if c == '"' {
				return c // a member name
			}
			s.ffail()
			return 0
		}
		if k := fastStartKind[c]; k != 0 {
			return k
		}
		s.ffail()
		return 0
	}
}

// fdone moves the state past an element (or a member name) just read.
func (s *stream) fdone() {
	switch {
	case len(s.stk) == 0:
		s.st = fsEnd
	case s.st != fsValue && s.stk[len(s.stk)-1] == '}':
		s.st = fsColon // that was a name
	default:
		s.st = fsAfter
	}
}

// fvalue is value in fast mode: the next value (or member name), raw.
func (s *stream) fvalue() []byte {
	c := s.fpeek()
	if c == 0 {
		return nil
	}
	start := s.i
	var end int
	switch c {
	case '}', ']':
		s.ffail()
		return nil
	case '"':
		end, _ = fscanString(s.b, start)
	default:
		end = fscanValue(s.b, start, len(s.stk))
	}
	if end < 0 {
		s.ffail()
		return nil
	}
	s.i = end
	s.fdone()
	return s.b[start:end]
}

// ftoken is token in fast mode.
func (s *stream) ftoken() bool {
	switch c := s.fpeek(); c {
	case 0:
		return false
	case '{', '[':
		if len(s.stk) >= fastMaxDepth {
			s.ffail()
			return false
		}
		s.stk = append(s.stk, c+2) // '{'+2 == '}', '['+2 == ']'
		s.i++
		s.st = fsFirst
	case '}', ']':
		s.stk = s.stk[:len(s.stk)-1]
		s.i++
		s.st = fsValue // the container was an element of its parent
		s.fdone()
	default:
		return s.fvalue() != nil
	}
	return true
}

// fscanString returns the index just after the string starting at b[i] ('"'), or -1 when it is
// not a valid JSON string (a control byte, a bad escape, a lone surrogate escape, no end), and
// whether it holds an escape. It looks at eight bytes at a time for the three bytes that end a
// plain run ('"', '\\', a control byte).
func fscanString(b []byte, i int) (int, bool) {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	esc := false
	i++
	for {
		if i+8 <= len(b) {
			x := binary.LittleEndian.Uint64(b[i:])
			q, bs := x^(ones*'"'), x^(ones*'\\')
			// the lowest byte flagged is exactly the first quote, backslash or control byte (the
			// high bit of q and bs is x's: one &^ x clears the bytes >= 0x80 of all three terms)
			m := ((q - ones) | (bs - ones) | (x - ones*0x20)) &^ x
			if m &= highs; m == 0 {
				i += 8
				continue
			}
			i += bits.TrailingZeros64(m) >> 3
		} else {
			for i < len(b) && fastStrPlain[b[i]] {
				i++
			}
			if i >= len(b) {
				return -1, esc
			}
		}
		switch b[i] {
		case '"':
			return i + 1, esc
		case '\\':
			esc = true
			if i+1 >= len(b) {
				return -1, esc
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				r := fhex4(b, i+2)
				switch {
				case r < 0:
					return -1, esc
				case r >= 0xd800 && r < 0xdc00: // a high surrogate: a low one must follow
					if i+7 >= len(b) || b[i+6] != '\\' || b[i+7] != 'u' {
						return -1, esc
					}
					if lo := fhex4(b, i+8); lo < 0xdc00 || lo >= 0xe000 {
						return -1, esc
					}
					i += 12
				case r >= 0xdc00 && r < 0xe000:
					return -1, esc
				default:
					i += 6
				}
			default:
				return -1, esc
			}
		default:
			return -1, esc // a control byte
		}
	}
}

// fhex4 decodes the four hexadecimal digits at b[i:], -1 when they are not.
func fhex4(b []byte, i int) int {
	if i+4 > len(b) {
		return -1
	}
	a, c, d, e := fastHex[b[i]], fastHex[b[i+1]], fastHex[b[i+2]], fastHex[b[i+3]]
	if a|c|d|e > 15 { // one of them is 0xff
		return -1
	}
	return int(a)<<12 | int(c)<<8 | int(d)<<4 | int(e)
}

// fscanNumber returns the index just after the number starting at b[i], -1 when it is not a
// JSON number.
func fscanNumber(b []byte, i int) int {
	if b[i] == '-' {
		i++
	}
	if i >= len(b) {
		return -1
	}
	switch c := b[i]; {
	case c == '0':
		i++
	case c >= '1' && c <= '9':
		i = fdigits(b, i+1)
	default:
		return -1
	}
	if i < len(b) && b[i] == '.' {
		j := fdigits(b, i+1)
		if j == i+1 {
			return -1 // no digit after '.'
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := fdigits(b, i)
		if j == i {
			return -1 // no digit in the exponent
		}
		i = j
	}
	return i
}

// fdigits returns the index of the first byte at or after i that is not a decimal digit.
func fdigits(b []byte, i int) int {
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	return i
}

// fscanLiteral returns the index just after lit at b[i], -1 when b does not hold it there.
func fscanLiteral(b []byte, i int, lit string) int {
	if len(b)-i < len(lit) || string(b[i:i+len(lit)]) != lit {
		return -1
	}
	return i + len(lit)
}

// fscanValue returns the index just after the value starting at b[i] (no whitespace before
// it), or -1 when it is not a valid JSON value. depth is the nesting around it.
func fscanValue(b []byte, i, depth int) int {
	switch b[i] {
	case '"':
		i, _ = fscanString(b, i)
		return i
	case '{':
		return fscanContainer(b, i, depth+1, '}')
	case '[':
		return fscanContainer(b, i, depth+1, ']')
	case 'n':
		return fscanLiteral(b, i, "null")
	case 't':
		return fscanLiteral(b, i, "true")
	case 'f':
		return fscanLiteral(b, i, "false")
	default:
		return fscanNumber(b, i)
	}
}

// fscanContainer returns the index just after the object (closer '}') or array (closer ']')
// starting at b[i], or -1 when it is not valid JSON. depth is its nesting, itself included.
func fscanContainer(b []byte, i, depth int, closer byte) int {
	if depth > fastMaxDepth {
		return -1
	}
	i = fskipWS(b, i+1)
	if i < len(b) && b[i] == closer {
		return i + 1
	}
	for {
		if i >= len(b) {
			return -1
		}
		if closer == '}' { // a member: its name and colon first
			if b[i] != '"' {
				return -1
			}
			if i, _ = fscanString(b, i); i < 0 {
				return -1
			}
			if i = fskipWS(b, i); i >= len(b) || b[i] != ':' {
				return -1
			}
			if i = fskipWS(b, i+1); i >= len(b) {
				return -1
			}
		}
		if i = fscanValue(b, i, depth); i < 0 {
			return -1
		}
		if i = fskipWS(b, i); i >= len(b) {
			return -1
		}
		switch b[i] {
		case ',':
			i = fskipWS(b, i+1)
		case closer:
			return i + 1
		default:
			return -1
		}
	}
}

// fobject is object in fast mode (s.fatal is nil): the member names and the values fn gets
// already read are scanned here directly; only a streamed member's value goes through the
// stream's state machine, read by fn. It does not track the object's id: the id only names
// errors, and a page with an error is decoded again in jsontext mode (decodeFast).
func (s *stream) fobject(streamed string, fn func(k, v []byte) error) error {
	if c := s.fpeek(); c != '{' {
		if c == 0 {
			return s.fatal
		}
		return errors.New("expected a JSON object, got " + describeRaw(s.value()))
	}
	if len(s.stk) >= fastMaxDepth {
		s.ffail()
		return s.fatal
	}
	s.stk = append(s.stk, '}')
	depth := len(s.stk)
	b := s.b
	i := fskipWS(b, s.i+1)
	var ferr error
	if i < len(b) && b[i] == '}' {
		i++
	} else {
		for {
			if i >= len(b) || b[i] != '"' {
				break
			}
			ks := i
			var esc bool
			if i, esc = fscanString(b, i); i < 0 {
				break
			}
			k := b[ks+1 : i-1]
			if esc {
				k = unescapeName(b[ks:i])
			}
			if i = fskipWS(b, i); i >= len(b) || b[i] != ':' {
				break
			}
			if i = fskipWS(b, i+1); i >= len(b) {
				break
			}
			var v []byte
			if c := b[i]; (c == '{' || c == '[') && streamed != "" && ferr == nil && isStreamed(streamed, k) {
				// fn reads the value from the stream
				s.i, s.st = i, fsValue
				ferr = fn(k, nil)
				if s.fatal != nil {
					return s.fatal
				}
				if s.st != fsAfter || len(s.stk) != depth {
					s.ffail() // fn did not read the value
					return s.fatal
				}
				i = s.i
			} else {
				e := fscanValue(b, i, depth)
				if e < 0 {
					break
				}
				v, i = b[i:e], e
				if ferr == nil {
					ferr = fn(k, v)
					if s.fatal != nil {
						return s.fatal
					}
				}
			}
			if i = fskipWS(b, i); i >= len(b) {
				break
			}
			if b[i] == ',' {
				i = fskipWS(b, i+1)
				continue
			}
			if b[i] == '}' {
				i++
				s.stk = s.stk[:depth-1]
				s.i, s.st = i, fsValue
				s.fdone()
				return ferr
			}
			break
		}
		s.i = i
		s.ffail()
		return s.fatal
	}
	s.stk = s.stk[:depth-1]
	s.i, s.st = i, fsValue
	s.fdone()
	return ferr
}
