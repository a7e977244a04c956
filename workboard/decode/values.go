package decode

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/wbexport/wbexport/workboard"
)

// The value types below decode one field each, quirks included (json v2's UnmarshalerFrom):
// ids and counts as strings or numbers, numbers as strings, epoch seconds with "0" for never,
// comma-separated lists, {id, name} pairs. null, an absent member and "" leave a value not
// valid; a value of a kind the field cannot hold is a *fieldError.

type (
	id      struct{ workboard.Opt[int64] }     // "180203" or 180203; 1.0 too
	str     struct{ workboard.Opt[string] }    // a string; numbers and booleans as their JSON text
	num     struct{ workboard.Opt[float64] }   // "64.29" or 64.29
	epoch   struct{ workboard.Opt[time.Time] } // Unix seconds as string or number; "0" is never
	boolean struct{ workboard.Opt[bool] }      // true, "1", "yes", 1 and their opposites
	idName  struct {
		workboard.Opt[workboard.IDName]
	} // {"id": "1", "name": "Team"}; null, false, "" and [] are none
	csv    []string           // "team,report" or ["team", "report"]
	ids    []int64            // ["52010", 52033] or "52010,52033"
	idList []workboard.IDName // a list of {id, name} pairs
	raw    json.RawMessage    // any JSON kept verbatim (compacted); null is none
)

func (v *id) UnmarshalJSONFrom(d *jsontext.Decoder) error      { return read(d, &v.Opt, parseID) }
func (v *str) UnmarshalJSONFrom(d *jsontext.Decoder) error     { return read(d, &v.Opt, parseStr) }
func (v *num) UnmarshalJSONFrom(d *jsontext.Decoder) error     { return read(d, &v.Opt, parseNum) }
func (v *epoch) UnmarshalJSONFrom(d *jsontext.Decoder) error   { return read(d, &v.Opt, parseTime) }
func (v *boolean) UnmarshalJSONFrom(d *jsontext.Decoder) error { return read(d, &v.Opt, parseBool) }
func (v *idName) UnmarshalJSONFrom(d *jsontext.Decoder) error  { return read(d, &v.Opt, parseIDName) }
func (v *csv) UnmarshalJSONFrom(d *jsontext.Decoder) error     { return read(d, (*[]string)(v), parseCSV) }
func (v *ids) UnmarshalJSONFrom(d *jsontext.Decoder) error     { return read(d, (*[]int64)(v), parseIDs) }
func (v *raw) UnmarshalJSONFrom(d *jsontext.Decoder) error {
	return read(d, (*json.RawMessage)(v), parseRaw)
}

func (v *idList) UnmarshalJSONFrom(d *jsontext.Decoder) error {
	b, err := d.ReadValue()
	if err != nil {
		return err
	}
	*v = nil
	its, err := items(b)
	for _, it := range its {
		o, err := parseIDName(it.v)
		if err != nil {
			return at(it.name, err)
		}
		if o.Valid {
			*v = append(*v, o.V)
		}
	}
	return err
}

// read reads the next value and parses it into dst.
func read[T any](d *jsontext.Decoder, dst *T, parse func(jsontext.Value) (T, error)) error {
	b, err := d.ReadValue()
	if err != nil {
		return err
	}
	*dst, err = parse(b)
	return err
}

func some[T any](v T) (workboard.Opt[T], error) { return workboard.Some(v), nil }

// unquote returns the text of a JSON string. Text that is not UTF-8 is refused rather than
// exported as is (Parquet and BigQuery strings must be UTF-8) or silently altered.
func unquote(v jsontext.Value) (string, error) {
	if !utf8.Valid(v) {
		return "", &fieldError{Msg: "invalid UTF-8 in string (JSON text must be UTF-8)"}
	}
	var s string
	err := json.Unmarshal(v, &s)
	return s, err
}

// unquoteTrim is unquote without surrounding white space; a failure is badType(want).
func unquoteTrim(v jsontext.Value, want string) (string, error) {
	s, err := unquote(v)
	if err != nil {
		return "", badType(want, v)
	}
	return strings.TrimSpace(s), nil
}

func parseID(v jsontext.Value) (workboard.Opt[int64], error) {
	var none workboard.Opt[int64]
	switch v.Kind() {
	case 'n':
		return none, nil
	case '"':
		s, err := unquoteTrim(v, "an id")
		if err != nil || s == "" {
			return none, err
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return none, badType("a numeric id", v)
		}
		return some(n)
	case '0':
		if n, err := strconv.ParseInt(string(v), 10, 64); err == nil {
			return some(n)
		}
		f, err := strconv.ParseFloat(string(v), 64)
		if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
			return none, badType("an integer id", v)
		}
		return some(int64(f))
	}
	return none, badType("an id (string or number)", v)
}

func parseStr(v jsontext.Value) (workboard.Opt[string], error) {
	var none workboard.Opt[string]
	switch v.Kind() {
	case 'n':
		return none, nil
	case '"':
		s, err := unquote(v)
		if err != nil || s == "" {
			return none, err
		}
		return some(s)
	case '0', 't', 'f':
		return some(string(v))
	}
	return none, badType("a string", v)
}

func parseNum(v jsontext.Value) (workboard.Opt[float64], error) {
	var none workboard.Opt[float64]
	s := string(v)
	switch v.Kind() {
	case 'n':
		return none, nil
	case '"':
		var err error
		if s, err = unquoteTrim(v, "a number"); err != nil || s == "" {
			return none, err
		}
	case '0':
	default:
		return none, badType("a number", v)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return none, badType("a number", v)
	}
	return some(f)
}

func parseTime(v jsontext.Value) (workboard.Opt[time.Time], error) {
	var none workboard.Opt[time.Time]
	s := string(v)
	switch v.Kind() {
	case 'n':
		return none, nil
	case '"':
		var err error
		if s, err = unquoteTrim(v, "an epoch timestamp"); err != nil {
			return none, err
		}
	case '0':
	default:
		return none, badType("an epoch timestamp", v)
	}
	if s == "" || s == "0" {
		return none, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 1e12 {
			return none, badType("an epoch timestamp", v)
		}
		n = int64(f)
	}
	switch {
	case n == 0:
		return none, nil
	case n > 1e12 || n < -1e12:
		return none, badType("an epoch timestamp in seconds", v)
	}
	return some(time.Unix(n, 0).UTC())
}

func parseBool(v jsontext.Value) (workboard.Opt[bool], error) {
	switch string(v) {
	case "true", `"true"`, `"1"`, "1", `"yes"`:
		return some(true)
	case "false", `"false"`, `"0"`, "0", `"no"`:
		return some(false)
	case "null", `""`:
		return workboard.Opt[bool]{}, nil
	}
	return workboard.Opt[bool]{}, badType("a boolean", v)
}

func parseIDName(v jsontext.Value) (workboard.Opt[workboard.IDName], error) {
	var none workboard.Opt[workboard.IDName]
	if isNone(v) {
		return none, nil
	}
	if v.Kind() != '{' {
		return none, badType("an {id, name} object", v)
	}
	var w struct {
		ID   str `json:"id"`
		Name str `json:"name"`
	}
	if err := unmarshal(v, &w); err != nil {
		return none, at("", err)
	}
	return some(workboard.IDName{ID: w.ID.V, Name: w.Name.V})
}

// parseCSV splits a comma-separated list, dropping empty elements. A JSON array of strings is
// taken as it is, a number as its text.
func parseCSV(v jsontext.Value) ([]string, error) {
	switch v.Kind() {
	case 'n', 'f':
		return nil, nil
	case '"':
		s, err := unquote(v)
		if err != nil {
			return nil, badType("a comma-separated string", v)
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
		return parseArray(v, parseStr)
	}
	return nil, badType("a comma-separated string", v)
}

// parseIDs reads a list of ids: a JSON array of ids, or a comma-separated string.
func parseIDs(v jsontext.Value) ([]int64, error) {
	switch v.Kind() {
	case 'n', 'f':
		return nil, nil
	case '"', '0':
		parts, err := parseCSV(v)
		if err != nil {
			return nil, err
		}
		var out []int64
		for _, p := range parts {
			n, err := strconv.ParseInt(p, 10, 64)
			if err != nil {
				return nil, badType("a list of numeric ids", v)
			}
			out = append(out, n)
		}
		return out, nil
	case '[':
		return parseArray(v, parseID)
	}
	return nil, badType("a list of ids", v)
}

// parseArray parses each element of the array v, keeping the valid ones.
func parseArray[T any](v jsontext.Value, parse func(jsontext.Value) (workboard.Opt[T], error)) ([]T, error) {
	var out []T
	its, err := items(v)
	for _, it := range its {
		o, err := parse(it.v)
		if err != nil {
			return out, at(it.name, err)
		}
		if o.Valid {
			out = append(out, o.V)
		}
	}
	return out, err
}

// parseRaw keeps v compacted; null is none.
func parseRaw(v jsontext.Value) (json.RawMessage, error) {
	if v.Kind() == 'n' {
		return nil, nil
	}
	var b bytes.Buffer
	if err := json.Compact(&b, v); err != nil {
		return nil, &fieldError{Msg: "invalid JSON: " + err.Error()}
	}
	return json.RawMessage(b.Bytes()), nil
}

// isNone reports whether v is one of WorkBoard's ways to send nothing: null, false, "" or [].
func isNone(v jsontext.Value) bool {
	switch v.Kind() {
	case 'n', 'f':
		return true
	case '"':
		return string(v) == `""`
	case '[':
		return isEmptyArray(v)
	}
	return false
}

func isEmptyArray(v jsontext.Value) bool {
	if v.Kind() != '[' {
		return false
	}
	return strings.TrimSpace(string(v[1:len(v)-1])) == ""
}

// opts are the options of every decode: a repeated member counts the last time it appears (as
// WorkBoard's PHP would have it), and invalid UTF-8 is left to the string fields, which refuse it.
var opts = []jsonv2.Options{jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true)}

func unmarshal(b []byte, dst any) error { return jsonv2.Unmarshal(b, dst, opts...) }
