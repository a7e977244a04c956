package wbtest

import (
	"bytes"
	"net/http"
	"slices"
	"strconv"
	"sync"

	"github.com/go-json-experiment/json/jsontext"
)

// encoderOptions are the jsontext options of every body the emulator writes:
//
//   - no EscapeForHTML or EscapeForJS: '<', '>', '&', U+2028 and U+2029 are written as they are;
//   - AllowInvalidUTF8: text that comes from outside the org (the path of an unknown endpoint
//     in its 404 description, tokens given with WithCredentials) may hold invalid UTF-8, which
//     is written as U+FFFD instead of failing the response;
//   - AllowDuplicateNames: the emulator writes every object's members itself, in a fixed order,
//     so there is nothing for jsontext's duplicate-name check to find.
var encoderOptions = []jsontext.Options{jsontext.AllowInvalidUTF8(true), jsontext.AllowDuplicateNames(true)}

// encoder writes one JSON document with a jsontext.Encoder into an in-memory buffer. Its
// methods name the shapes WorkBoard's bodies are made of: members whose value is a string, an
// id or epoch sent as a numeric string ("123"), a decimal sent as a string ("63.96"), an
// {id, name} pair, and so on. jsontext checks the structure, so a write error is a bug in this
// package and panics.
//
// Values that were encoded before (the cached list forms of goals and metrics that make up
// big pages) are spliced into the document rather than written through jsontext, which would
// parse every byte of them again: see encodedValue.
type encoder struct {
	enc     jsontext.Encoder
	buf     bytes.Buffer // what enc writes
	splices []splice     // encoded values that replace placeholders in buf
	out     []byte       // buf with the splices applied, once bytes was called
}

// A splice puts the encoded value v where buf holds a one-byte placeholder, at offset at.
type splice struct {
	at int
	v  []byte
}

// encoders pools encoders with their buffers across requests.
var encoders = sync.Pool{New: func() any { return new(encoder) }}

// maxPooledBuffer is the largest buffer an encoder keeps when it goes back to the pool, so one
// huge response does not pin its memory.
const maxPooledBuffer = 1 << 20

// newEncoder returns an empty encoder from the pool. Give it back with free.
func newEncoder() *encoder {
	e := encoders.Get().(*encoder)
	e.buf.Reset()
	e.enc.Reset(&e.buf, encoderOptions...)
	e.splices = e.splices[:0]
	return e
}

// free puts e back into the pool; the bytes it returned become invalid.
func (e *encoder) free() {
	if e.buf.Cap() > maxPooledBuffer {
		e.buf = bytes.Buffer{}
		e.enc.Reset(&e.buf) // drop the encoder's reference to the big buffer too
	}
	if cap(e.out) > maxPooledBuffer {
		e.out = nil
	}
	clear(e.splices) // drop the references to cached values
	encoders.Put(e)
}

// bytes returns the document written so far, with the encoded values spliced in; it is valid
// until the encoder is freed. (jsontext ends a complete top-level value with a newline, which
// WorkBoard's bodies do not have.)
func (e *encoder) bytes() []byte {
	b := bytes.TrimSuffix(e.buf.Bytes(), []byte("\n"))
	if len(e.splices) == 0 {
		return b
	}
	n := len(b) - len(e.splices)
	for _, s := range e.splices {
		n += len(s.v)
	}
	out := slices.Grow(e.out[:0], n)
	prev := 0
	for _, s := range e.splices {
		out = append(out, b[prev:s.at]...)
		out = append(out, s.v...)
		prev = s.at + 1
	}
	e.out = append(out, b[prev:]...)
	return e.out
}

// token writes t; jsontext checks that it fits where it is written.
func (e *encoder) token(t jsontext.Token) {
	if err := e.enc.WriteToken(t); err != nil {
		panic("wbtest: writing JSON: " + err.Error())
	}
}

// beginObject, endObject, beginArray and endArray write the delimiters.
func (e *encoder) beginObject() { e.token(jsontext.BeginObject) }
func (e *encoder) endObject()   { e.token(jsontext.EndObject) }
func (e *encoder) beginArray()  { e.token(jsontext.BeginArray) }
func (e *encoder) endArray()    { e.token(jsontext.EndArray) }

// emptyArray writes [].
func (e *encoder) emptyArray() { e.beginArray(); e.endArray() }

// name writes a member name; the member's value follows.
func (e *encoder) name(n string) { e.token(jsontext.String(n)) }

// stringValue, intValue, boolValue and nullValue write a JSON string, number, boolean or
// null.
func (e *encoder) stringValue(v string) { e.token(jsontext.String(v)) }
func (e *encoder) intValue(v int64)     { e.token(jsontext.Int(v)) }
func (e *encoder) boolValue(v bool)     { e.token(jsontext.Bool(v)) }
func (e *encoder) nullValue()           { e.token(jsontext.Null) }

// encodedValue writes v, a value an encoder wrote before (see render), by reference: the
// encoder writes a one-byte placeholder, which bytes replaces with v. It is for values inside
// an array or object (a top-level value would be followed by jsontext's newline).
func (e *encoder) encodedValue(v []byte) {
	if e.enc.StackDepth() == 0 {
		panic("wbtest: writing JSON: an encoded value must be inside an array or object")
	}
	e.intValue(0)
	e.splices = append(e.splices, splice{at: int(e.enc.OutputOffset()) - 1, v: v})
}

// rawValue writes v, which must be one complete JSON value; jsontext checks it and writes it
// compact.
func (e *encoder) rawValue(v []byte) {
	if err := e.enc.WriteValue(v); err != nil {
		panic("wbtest: writing JSON: " + err.Error())
	}
}

// quotedIntValue writes v as a numeric string ("123"), the way WorkBoard sends ids, epochs
// and some counts.
func (e *encoder) quotedIntValue(v int64) {
	b := e.enc.AvailableBuffer()
	b = append(b, '"')
	b = strconv.AppendInt(b, v, 10)
	e.rawValue(append(b, '"'))
}

// quotedDecimalValue writes v as a decimal string ("63.96"): the shortest digits that parse
// back to v, never an exponent.
func (e *encoder) quotedDecimalValue(v float64) {
	b := e.enc.AvailableBuffer()
	b = append(b, '"')
	b = strconv.AppendFloat(b, v, 'f', -1, 64)
	e.rawValue(append(b, '"'))
}

// idNameValue writes v as an {"id", "name"} object.
func (e *encoder) idNameValue(v IDName) {
	e.beginObject()
	e.str("id", v.ID)
	e.str("name", v.Name)
	e.endObject()
}

// str writes the member n with the string v.
func (e *encoder) str(n, v string) { e.name(n); e.stringValue(v) }

// quotedInt writes the member n with v as a numeric string (see quotedIntValue).
func (e *encoder) quotedInt(n string, v int64) { e.name(n); e.quotedIntValue(v) }

// quotedDecimal writes the member n with v as a decimal string (see quotedDecimalValue).
func (e *encoder) quotedDecimal(n string, v float64) { e.name(n); e.quotedDecimalValue(v) }

// idName writes the member n as an {"id", "name"} object.
func (e *encoder) idName(n string, v IDName) { e.name(n); e.idNameValue(v) }

// quotedIntOrNull writes the member n with v as a quoted integer, or null when v is 0.
func (e *encoder) quotedIntOrNull(n string, v int64) {
	if v == 0 {
		e.name(n)
		e.nullValue()
	} else {
		e.quotedInt(n, v)
	}
}

// optionalStr writes the member n with *v, or null when v is nil.
func (e *encoder) optionalStr(n string, v *string) {
	e.name(n)
	if v == nil {
		e.nullValue()
	} else {
		e.stringValue(*v)
	}
}

// render returns the JSON value write writes, in its own slice.
func render(write func(*encoder)) []byte {
	e := newEncoder()
	defer e.free()
	write(e)
	return bytes.Clone(e.bytes())
}

// writeJSON sends the document e holds as the whole response.
func writeJSON(w http.ResponseWriter, status int, e *encoder) {
	b := e.bytes()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}
