package extract

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// errInvalidUTF8 is returned by unquote for a string that is not valid UTF-8 (JSON text must
// be UTF-8; RFC 8259 §8.1). Such a value is refused rather than exported as is (Parquet and
// BigQuery STRING columns require UTF-8) or silently altered.
var errInvalidUTF8 = errors.New("invalid UTF-8 in string")

// fieldError is a type problem in one field of one object. The page decoders wrap it into a
// *DecodeError carrying the endpoint, page offset and object id.
type fieldError struct {
	Field string
	Msg   string
}

func (e *fieldError) Error() string { return "field " + e.Field + ": " + e.Msg }

func badType(field, want string, v []byte) error {
	return &fieldError{Field: field, Msg: "want " + want + ", got " + describeRaw(v)}
}

// unquote returns the content of a JSON string value (fast path without escapes).
func unquote(v []byte) (string, error) {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return "", errTruncatedJSON
	}
	in := v[1 : len(v)-1]
	if !utf8.Valid(in) {
		return "", errInvalidUTF8
	}
	if bytes.IndexByte(in, '\\') < 0 {
		return string(in), nil
	}
	var s string
	err := json.Unmarshal(v, &s)
	return s, err
}

// pID parses an id that may be a JSON string of digits or a JSON number. null and "" are not
// valid; anything else is an error.
func pID(field string, v []byte) (Opt[int64], error) {
	switch kind(v) {
	case 'n':
		return Opt[int64]{}, nil
	case '"':
		if n, ok := quotedDigits(v); ok { // the usual form: "180203"
			return Some(n), nil
		}
		// fast path without a string copy: when the bytes parse as they are, unquoting and
		// trimming would not have changed them
		if in, ok := plainQuoted(v); ok {
			if n, err := strconv.ParseInt(string(in), 10, 64); err == nil {
				return Some(n), nil
			}
		}
		s, err := unquote(v)
		if err != nil {
			return Opt[int64]{}, badType(field, "an id", v)
		}
		s = strings.TrimSpace(s)
		if s == "" {
			return Opt[int64]{}, nil
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return Opt[int64]{}, badType(field, "a numeric id", v)
		}
		return Some(n), nil
	case '0':
		n, err := strconv.ParseInt(string(v), 10, 64)
		if err != nil {
			f, ferr := strconv.ParseFloat(string(v), 64)
			if ferr != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
				return Opt[int64]{}, badType(field, "an integer id", v)
			}
			n = int64(f)
		}
		return Some(n), nil
	}
	return Opt[int64]{}, badType(field, "an id (string or number)", v)
}

// pZeroID is pID where 0 means "none" (parent_team_id of a root team).
func pZeroID(field string, v []byte) (Opt[int64], error) {
	o, err := pID(field, v)
	if err == nil && o.Valid && o.V == 0 {
		o = Opt[int64]{}
	}
	return o, err
}

// pStr parses a string field. null and "" are not valid; numbers and booleans are kept as
// their JSON text (the API is loose about types); objects and arrays are errors.
func pStr(field string, v []byte) (Opt[string], error) {
	switch kind(v) {
	case 'n':
		return Opt[string]{}, nil
	case '"':
		s, err := unquote(v)
		if errors.Is(err, errInvalidUTF8) {
			return Opt[string]{}, &fieldError{Field: field, Msg: "invalid UTF-8 in string (JSON text must be UTF-8)"}
		}
		if err != nil {
			return Opt[string]{}, badType(field, "a string", v)
		}
		if s == "" {
			return Opt[string]{}, nil
		}
		return Some(s), nil
	case '0', 't', 'f':
		return Some(string(v)), nil
	}
	return Opt[string]{}, badType(field, "a string", v)
}

// pNum parses a decimal number sent as a JSON string or number. null and "" are not valid.
func pNum(field string, v []byte) (Opt[float64], error) {
	var s string
	switch kind(v) {
	case 'n':
		return Opt[float64]{}, nil
	case '"':
		if n, ok := quotedDigits(v); ok { // "65": float64(n) rounds as ParseFloat does
			return Some(float64(n)), nil
		}
		if len(v) == 2 { // "": not valid, without ParseFloat's error value
			return Opt[float64]{}, nil
		}
		// fast path without a string copy, as in pID (no backslash check needed: ParseFloat
		// refuses a backslash, and escaped forms take the slow path)
		if len(v) >= 2 && v[len(v)-1] == '"' {
			if f, err := strconv.ParseFloat(string(v[1:len(v)-1]), 64); err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) {
				return Some(f), nil
			}
		}
		var err error
		if s, err = unquote(v); err != nil {
			return Opt[float64]{}, badType(field, "a number", v)
		}
		s = strings.TrimSpace(s)
		if s == "" {
			return Opt[float64]{}, nil
		}
	case '0':
		s = string(v)
	default:
		return Opt[float64]{}, badType(field, "a number", v)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return Opt[float64]{}, badType(field, "a number", v)
	}
	return Some(f), nil
}

// pCount parses a count (integer, string or number). null and "" are not valid.
func pCount(field string, v []byte) (Opt[int64], error) { return pID(field, v) }

// pTime parses Unix epoch seconds sent as a JSON string or number. null, "", "0" and 0 are
// not valid ("never").
func pTime(field string, v []byte) (Opt[time.Time], error) {
	var s string
	switch kind(v) {
	case 'n':
		return Opt[time.Time]{}, nil
	case '"':
		if n, ok := quotedDigits(v); ok { // the usual form: "1751241600"
			return epoch(field, v, n)
		}
		if in, ok := plainQuoted(v); ok { // fast path, as in pID
			if n, err := strconv.ParseInt(string(in), 10, 64); err == nil {
				return epoch(field, v, n)
			}
		}
		var err error
		if s, err = unquote(v); err != nil {
			return Opt[time.Time]{}, badType(field, "an epoch timestamp", v)
		}
		s = strings.TrimSpace(s)
	case '0':
		s = string(v)
	default:
		return Opt[time.Time]{}, badType(field, "an epoch timestamp", v)
	}
	if s == "" || s == "0" {
		return Opt[time.Time]{}, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 1e12 {
			return Opt[time.Time]{}, badType(field, "an epoch timestamp", v)
		}
		n = int64(f)
	}
	return epoch(field, v, n)
}

// epoch is the time of n Unix seconds; 0 is "never".
func epoch(field string, v []byte, n int64) (Opt[time.Time], error) {
	if n == 0 {
		return Opt[time.Time]{}, nil
	}
	if n > 1e12 || n < -1e12 {
		return Opt[time.Time]{}, badType(field, "an epoch timestamp in seconds", v)
	}
	return Some(time.Unix(n, 0).UTC()), nil
}

// quotedDigits returns the value of a JSON string holding 1 to 18 ASCII digits and nothing
// else ("180203"), the form WorkBoard sends ids and timestamps in; ok is false for any other
// value, which the caller then parses with strconv (for these inputs strconv.ParseInt gives the
// same number: no sign, no escape, no overflow at 18 digits).
func quotedDigits(v []byte) (int64, bool) {
	if len(v) < 3 || len(v) > 20 || v[0] != '"' || v[len(v)-1] != '"' {
		return 0, false
	}
	var n int64
	for _, c := range v[1 : len(v)-1] {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// plainQuoted returns the content of a JSON string value without escapes.
func plainQuoted(v []byte) ([]byte, bool) {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return nil, false
	}
	in := v[1 : len(v)-1]
	return in, bytes.IndexByte(in, '\\') < 0
}

// pBool parses true/false, "1"/"0", "true"/"false", 1/0. null and "" are not valid.
func pBool(field string, v []byte) (Opt[bool], error) {
	switch string(v) {
	case "true", `"true"`, `"1"`, "1", `"yes"`:
		return Some(true), nil
	case "false", `"false"`, `"0"`, "0", `"no"`:
		return Some(false), nil
	case "null", `""`:
		return Opt[bool]{}, nil
	}
	return Opt[bool]{}, badType(field, "a boolean", v)
}

// pIDName parses an {id, name} object. null, [], false and "" are not valid.
func pIDName(field string, v []byte) (Opt[IDName], error) {
	switch kind(v) {
	case 'n', 'f':
		return Opt[IDName]{}, nil
	case '"':
		if string(v) == `""` {
			return Opt[IDName]{}, nil
		}
	case '[':
		if isEmptyArray(v) {
			return Opt[IDName]{}, nil
		}
	case '{':
		var out IDName
		err := objectEach(v, func(k, val []byte) error {
			switch string(k) {
			case "id":
				s, err := pStr("id", val)
				out.ID = s.V
				return err
			case "name":
				s, err := pStr("name", val)
				out.Name = s.V
				return err
			}
			return nil
		})
		if err != nil {
			return Opt[IDName]{}, subField(err, field)
		}
		return Some(out), nil
	}
	return Opt[IDName]{}, badType(field, "an {id, name} object", v)
}

// pIDNameList parses an array of {id, name} objects (also a numeric-keyed object).
func pIDNameList(field string, v []byte) ([]IDName, error) {
	var out []IDName
	err := eachItemOf(field, v, func(i int, item []byte) error {
		o, err := pIDName("", item)
		if err != nil {
			return prefixField(err, field, i)
		}
		if o.Valid {
			out = append(out, o.V)
		}
		return nil
	})
	return out, err
}

// pCSV parses a comma-separated list ("team,report,internal"); also accepts a JSON array of
// strings. Empty elements are dropped.
func pCSV(field string, v []byte) ([]string, error) {
	switch kind(v) {
	case 'n', 'f':
		return nil, nil
	case '"':
		s, err := unquote(v)
		if err != nil {
			return nil, badType(field, "a comma-separated string", v)
		}
		if s == "" {
			return nil, nil
		}
		parts := strings.Split(s, ",")
		out := parts[:0]
		for _, p := range parts {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
		return out, nil
	case '0':
		return []string{string(v)}, nil
	case '[':
		var out []string
		err := arrayEach(v, func(i int, item []byte) error {
			s, err := pStr("", item)
			if s.Valid {
				out = append(out, s.V)
			}
			return prefixField(err, field, i)
		})
		return out, asFieldErr(field, err)
	}
	return nil, badType(field, "a comma-separated string", v)
}

// pIDList parses a list of ids: a JSON array of strings/numbers or a comma-separated string.
func pIDList(field string, v []byte) ([]int64, error) {
	switch kind(v) {
	case 'n', 'f':
		return nil, nil
	case '"', '0':
		parts, err := pCSV(field, v)
		if err != nil {
			return nil, err
		}
		var out []int64
		for _, p := range parts {
			n, err := strconv.ParseInt(p, 10, 64)
			if err != nil {
				return nil, badType(field, "a list of numeric ids", v)
			}
			out = append(out, n)
		}
		return out, nil
	case '[':
		var out []int64
		err := arrayEach(v, func(i int, item []byte) error {
			o, err := pID("", item)
			if o.Valid {
				out = append(out, o.V)
			}
			return prefixField(err, field, i)
		})
		return out, asFieldErr(field, err)
	}
	return nil, badType(field, "a list of ids", v)
}

// pRaw keeps a value verbatim (compacted); null, absent and (when dropEmpty) [] give nil. A
// value that is not valid JSON is an error naming field (the scanner only delimits values:
// what is kept raw is validated here).
func pRaw(field string, v []byte, dropEmpty bool) (json.RawMessage, error) {
	switch kind(v) {
	case 0, 'n':
		return nil, nil
	case '[':
		if dropEmpty && isEmptyArray(v) {
			return nil, nil
		}
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, v); err != nil {
		return nil, &fieldError{Field: field, Msg: "invalid JSON: " + err.Error()}
	}
	return json.RawMessage(buf.Bytes()), nil
}

func isEmptyArray(v []byte) bool {
	v = trimValue(v)
	if len(v) < 2 || v[0] != '[' {
		return false
	}
	return len(trimValue(v[1:len(v)-1])) == 0
}

// asFieldErr turns a scanner error inside a field into a fieldError naming the field.
func asFieldErr(field string, err error) error {
	if err == nil {
		return nil
	}
	switch err.(type) {
	case *fieldError, *DecodeError:
		return err
	}
	return &fieldError{Field: field, Msg: err.Error()}
}

// subField puts prefix in front of the field named by a fieldError ("goal_type" + "id" →
// "goal_type.id"); the name is only built on the error path.
func subField(err error, prefix string) error {
	if err == nil {
		return nil
	}
	if fe, ok := err.(*fieldError); ok {
		switch {
		case prefix == "":
		case fe.Field == "":
			fe.Field = prefix
		default:
			fe.Field = prefix + "." + fe.Field
		}
		return fe
	}
	return asFieldErr(prefix, err)
}

// prefixField names element i of the array field name in an error from that element
// ("metric_data", 3, "metric_data_value" → "metric_data[3].metric_data_value").
func prefixField(err error, name string, i int) error {
	if err == nil {
		return nil
	}
	elem := fmt.Sprintf("%s[%d]", name, i)
	switch e := err.(type) {
	case *fieldError:
		if e.Field == "" {
			e.Field = elem
		} else {
			e.Field = elem + "." + e.Field
		}
		return e
	case *DecodeError:
		return e
	}
	return &fieldError{Field: elem, Msg: err.Error()}
}

// extraBuf collects the members of one object that no typed field holds.
type extraBuf struct {
	keys []string
	vals [][]byte
	// err is the first member that was not valid JSON (build validates what it keeps); the
	// page decoders return it with the item it belongs to (takeErr).
	err error
}

// takeErr returns and clears the first invalid member found by build.
func (e *extraBuf) takeErr() error {
	err := e.err
	e.err = nil
	return err
}

func (e *extraBuf) reset() { e.keys, e.vals = e.keys[:0], e.vals[:0] }

func (e *extraBuf) add(k, v []byte) {
	e.keys = append(e.keys, string(k))
	e.vals = append(e.vals, v)
}

// build returns the collected members as a JSON object with sorted keys, or nil.
func (e *extraBuf) build() Extra {
	if len(e.keys) == 0 {
		return nil
	}
	idx := make([]int, len(e.keys))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return e.keys[idx[a]] < e.keys[idx[b]] })
	var buf bytes.Buffer
	buf.WriteByte('{')
	for n, i := range idx {
		if n > 0 {
			buf.WriteByte(',')
		}
		kb, _ := json.Marshal(e.keys[i])
		buf.Write(kb)
		buf.WriteByte(':')
		if err := json.Compact(&buf, e.vals[i]); err != nil {
			buf.WriteString("null")
			if e.err == nil {
				e.err = &fieldError{Field: e.keys[i], Msg: "invalid JSON: " + err.Error()}
			}
		}
	}
	buf.WriteByte('}')
	return Extra(buf.Bytes())
}
