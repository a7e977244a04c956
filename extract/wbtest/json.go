package wbtest

import (
	"strconv"
	"unicode/utf8"
)

// jw is a minimal append-only JSON writer that keeps members in the order written, so the
// emulator controls key order and JSON types exactly (WorkBoard mixes strings and numbers
// per field; encoding/json struct tags would hide that).
type jw struct {
	b       []byte
	first   []bool
	pending bool // a key was written; the next value needs no separator
}

func (w *jw) sep() {
	if w.pending {
		w.pending = false
		return
	}
	if n := len(w.first); n > 0 {
		if !w.first[n-1] {
			w.b = append(w.b, ',')
		}
		w.first[n-1] = false
	}
}

func (w *jw) obj() { w.sep(); w.b = append(w.b, '{'); w.first = append(w.first, true) }

func (w *jw) arr() { w.sep(); w.b = append(w.b, '['); w.first = append(w.first, true) }

func (w *jw) endObj() { w.b = append(w.b, '}'); w.first = w.first[:len(w.first)-1] }

func (w *jw) endArr() { w.b = append(w.b, ']'); w.first = w.first[:len(w.first)-1] }

func (w *jw) key(k string) {
	w.sep()
	w.b = appendJSONString(w.b, k)
	w.b = append(w.b, ':')
	w.pending = true
}

func (w *jw) str(v string) { w.sep(); w.b = appendJSONString(w.b, v) }

func (w *jw) int(v int64) { w.sep(); w.b = strconv.AppendInt(w.b, v, 10) }

func (w *jw) null() { w.sep(); w.b = append(w.b, "null"...) }

func (w *jw) boolean(v bool) { w.sep(); w.b = strconv.AppendBool(w.b, v) }

func (w *jw) raw(v []byte) { w.sep(); w.b = append(w.b, v...) }

func (w *jw) ks(k, v string) { w.key(k); w.str(v) }

// kid writes an integer as a JSON string ("123"), the way WorkBoard sends ids and epochs.
func (w *jw) kid(k string, v int64) {
	w.key(k)
	w.sep()
	w.b = append(w.b, '"')
	w.b = strconv.AppendInt(w.b, v, 10)
	w.b = append(w.b, '"')
}

// knum writes a decimal as a JSON string ("63.96").
func (w *jw) knum(k string, v float64) {
	w.key(k)
	w.numStr(v)
}

func (w *jw) numStr(v float64) {
	w.sep()
	w.b = append(w.b, '"')
	w.b = strconv.AppendFloat(w.b, v, 'f', -1, 64)
	w.b = append(w.b, '"')
}

func (w *jw) kidName(k string, v IDName) {
	w.key(k)
	w.obj()
	w.ks("id", v.ID)
	w.ks("name", v.Name)
	w.endObj()
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

const hexDigits = "0123456789abcdef"

func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+n]...)
		}
		i += n
	}
	return append(b, '"')
}
