package extract

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// This file holds a small allocation-free scanner over JSON text. The decoders use it to walk
// the members of an object (dispatching each known key to a typed parser and collecting the
// rest into Extra) and the elements of an array, without building map[string]any values.
// It never panics on malformed input: every function returns an error instead.

var errTruncatedJSON = errors.New("unexpected end of JSON input")

func isWS(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipWS(b []byte, i int) int {
	for i < len(b) && isWS(b[i]) {
		i++
	}
	return i
}

// skipString returns the index just after the string starting at b[i] (which must be '"').
// It jumps from quote to quote with bytes.IndexByte and checks for escaping backslashes.
func skipString(b []byte, i int) (int, error) {
	i++
	for i <= len(b) {
		j := bytes.IndexByte(b[i:], '"')
		if j < 0 {
			return 0, errTruncatedJSON
		}
		j += i
		k := j - 1
		for k >= i && b[k] == '\\' {
			k--
		}
		if (j-1-k)%2 == 0 {
			return j + 1, nil
		}
		i = j + 1
	}
	return 0, errTruncatedJSON
}

// skipValue returns the index just after the JSON value starting at b[i] (after whitespace).
func skipValue(b []byte, i int) (int, error) {
	i = skipWS(b, i)
	if i >= len(b) {
		return 0, errTruncatedJSON
	}
	switch c := b[i]; c {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				j, err := skipString(b, i)
				if err != nil {
					return 0, err
				}
				i = j
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1, nil
				}
			}
			i++
		}
		return 0, errTruncatedJSON
	default:
		j := i
		for j < len(b) {
			c := b[j]
			if c == ',' || c == '}' || c == ']' || isWS(c) {
				break
			}
			j++
		}
		if j == i {
			return 0, fmt.Errorf("invalid character %q at offset %d", b[i], i)
		}
		return j, nil
	}
}

// kind returns the JSON kind of a raw value: '{', '[', '"', 'n' (null), 't'/'f' (bool),
// '0' (number) or 0 for empty input.
func kind(v []byte) byte {
	if len(v) == 0 {
		return 0
	}
	switch c := v[0]; c {
	case '{', '[', '"', 'n', 't', 'f':
		return c
	default:
		return '0'
	}
}

// trimValue returns v without surrounding whitespace.
func trimValue(v []byte) []byte { return bytes.TrimSpace(v) }

// objectEach calls fn for every member of the JSON object b with the member's unquoted key
// (raw bytes, escapes resolved only when present) and its raw value (trimmed).
func objectEach(b []byte, fn func(key, val []byte) error) error {
	_, err := objectEachEnd(b, fn)
	return err
}

// objectEachEnd is objectEach that also returns the index just after the object's closing
// brace.
func objectEachEnd(b []byte, fn func(key, val []byte) error) (int, error) {
	i := skipWS(b, 0)
	if i >= len(b) || b[i] != '{' {
		return 0, fmt.Errorf("expected a JSON object, got %s", describeRaw(b))
	}
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == '}' {
		return i + 1, nil
	}
	for {
		i = skipWS(b, i)
		if i >= len(b) {
			return 0, errTruncatedJSON
		}
		if b[i] != '"' {
			return 0, fmt.Errorf("invalid character %q looking for object key", b[i])
		}
		end, err := skipString(b, i)
		if err != nil {
			return 0, err
		}
		key := b[i+1 : end-1]
		if bytes.IndexByte(key, '\\') >= 0 {
			var s string
			if err := json.Unmarshal(b[i:end], &s); err != nil {
				return 0, fmt.Errorf("invalid object key: %w", err)
			}
			key = []byte(s)
		}
		i = skipWS(b, end)
		if i >= len(b) {
			return 0, errTruncatedJSON
		}
		if b[i] != ':' {
			return 0, fmt.Errorf("invalid character %q after object key", b[i])
		}
		vs := skipWS(b, i+1)
		ve, err := skipValue(b, vs)
		if err != nil {
			return 0, err
		}
		if err := fn(key, b[vs:ve]); err != nil {
			return 0, err
		}
		i = skipWS(b, ve)
		if i >= len(b) {
			return 0, errTruncatedJSON
		}
		switch b[i] {
		case ',':
			i++
		case '}':
			return i + 1, nil
		default:
			return 0, fmt.Errorf("invalid character %q after object value", b[i])
		}
	}
}

// arrayEach calls fn for every element of the JSON array b.
func arrayEach(b []byte, fn func(idx int, val []byte) error) error {
	i := skipWS(b, 0)
	if i >= len(b) || b[i] != '[' {
		return fmt.Errorf("expected a JSON array, got %s", describeRaw(b))
	}
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == ']' {
		return nil
	}
	for n := 0; ; n++ {
		vs := skipWS(b, i)
		ve, err := skipValue(b, vs)
		if err != nil {
			return err
		}
		if err := fn(n, b[vs:ve]); err != nil {
			return err
		}
		i = skipWS(b, ve)
		if i >= len(b) {
			return errTruncatedJSON
		}
		switch b[i] {
		case ',':
			i++
		case ']':
			return nil
		default:
			return fmt.Errorf("invalid character %q after array element", b[i])
		}
	}
}

func isDigits(s []byte) bool {
	if len(s) == 0 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// eachItem iterates a resource value that may be an object (one item), an array of items, a
// numeric-keyed object ({"0":{..},"1":{..},"goals_count":"2"}, items in key order), or an
// empty form ([], null, false, "").
// eachItemOf is eachItem for the value of a named field: a value that is not a list (nor
// null, false or "") is a field error naming field.
func eachItemOf(field string, v []byte, fn func(idx int, item []byte) error) error {
	switch kind(trimValue(v)) {
	case '[', '{', 'n', 'f', 0:
	default:
		if string(trimValue(v)) != `""` {
			return badType(field, "a list (an array or a numeric-keyed object)", v)
		}
	}
	return eachItem(v, fn)
}

func eachItem(v []byte, fn func(idx int, item []byte) error) error {
	v = trimValue(v)
	switch kind(v) {
	case '[':
		return arrayEach(v, fn)
	case '{':
		numeric := false
		if err := objectEach(v, func(k, _ []byte) error {
			if isDigits(k) {
				numeric = true
			}
			return nil
		}); err != nil {
			return err
		}
		if !numeric {
			return fn(0, v)
		}
		type kv struct {
			n int
			v []byte
		}
		var items []kv
		err := objectEach(v, func(k, val []byte) error {
			if !isDigits(k) {
				return nil // goals_count and similar counters
			}
			n, err := strconv.Atoi(string(k))
			if err != nil {
				return fmt.Errorf("numeric key %q out of range", k)
			}
			items = append(items, kv{n, val})
			return nil
		})
		if err != nil {
			return err
		}
		// insertion sort: these objects are small (the API caps them at 15)
		for i := 1; i < len(items); i++ {
			for j := i; j > 0 && items[j].n < items[j-1].n; j-- {
				items[j], items[j-1] = items[j-1], items[j]
			}
		}
		for i, it := range items {
			if err := fn(i, it.v); err != nil {
				return err
			}
		}
		return nil
	case 'n', 'f', 0:
		return nil
	case '"':
		if string(v) == `""` {
			return nil
		}
	}
	return fmt.Errorf("expected an object or array, got %s", describeRaw(v))
}

// describeRaw names the JSON kind of v with a short excerpt, for error messages.
func describeRaw(v []byte) string {
	v = trimValue(v)
	ex := v
	if len(ex) > 40 {
		ex = append(append([]byte{}, ex[:40]...), "..."...)
	}
	switch kind(v) {
	case 0:
		return "nothing"
	case '{':
		return "object " + string(ex)
	case '[':
		return "array " + string(ex)
	case '"':
		return "string " + string(ex)
	case 'n':
		return "null"
	case 't', 'f':
		return "boolean " + string(ex)
	default:
		return "number " + string(ex)
	}
}
