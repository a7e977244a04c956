package decode

import (
	"bytes"
	"encoding/json"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/wbexport/wbexport/workboard"
)

// opts are the options of every decode. Each Go type of the records decodes one of WorkBoard's
// value quirks; null, an absent member and "" leave an Opt not valid:
//
//	Opt[int64]      an id or count: "180203", 180203 or 180203.0
//	Opt[string]     a string; a number or boolean as its JSON text
//	Opt[float64]    a number, also as a string: "64.29"
//	Opt[time.Time]  Unix seconds, as string or number; "0" is never
//	Opt[bool]       true, "1", "yes", 1 and their opposites
//	Opt[IDName]     {"id": "1", "name": "Team"}; null, false and [] are none
//	[]string        "team,report" or ["team", "report"]
//	[]int64         ["52010", 52033] or "52010,52033"
//	[]IDName        a list of {id, name}
//	json.RawMessage any JSON, kept verbatim (compacted); null is none
//
// A repeated member counts the last time it appears (as WorkBoard's PHP would have it), and
// invalid UTF-8 is left to the string fields, which refuse it.
var opts = append(syntax[:len(syntax):len(syntax)], jsonv2.WithUnmarshalers(quirks))

var quirks = jsonv2.JoinUnmarshalers(value(parseID), value(parseStr), value(parseNum), value(parseTime),
	value(parseBool), value(parseIDName), value(parseCSV), value(parseIDs), value(parseIDNames), value(parseRaw))

var syntax = []jsonv2.Options{jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true)}

// value is the unmarshaler of the Go type T that parse reads.
func value[T any](parse func(jsontext.Value) (T, error)) *jsonv2.Unmarshalers {
	return jsonv2.UnmarshalFromFunc(func(d *jsontext.Decoder, dst *T) error {
		v, err := d.ReadValue()
		if err == nil {
			*dst, err = parse(v)
		}
		return err
	})
}

func unmarshal(b []byte, dst any) error { return jsonv2.Unmarshal(b, dst, opts...) }

func some[T any](v T) (workboard.Opt[T], error) { return workboard.Some(v), nil }

// unquote returns the text of a JSON string. Text that is not UTF-8 is refused rather than
// exported as is (Parquet and BigQuery strings must be UTF-8) or silently altered.
func unquote(v jsontext.Value) (string, error) {
	if !utf8.Valid(v) {
		return "", &fieldError{Msg: "invalid UTF-8 in string (JSON text must be UTF-8)"}
	}
	if in := v[1 : len(v)-1]; !bytes.ContainsRune(in, '\\') {
		return string(in), nil
	}
	var s string
	err := json.Unmarshal(v, &s)
	return s, err
}

// scalar returns the trimmed text of a string or the text of a number, "" for null; it is
// badType(want) for any other kind.
func scalar(v jsontext.Value, want string) (string, error) {
	switch v.Kind() {
	case 'n':
		return "", nil
	case '"':
		s, err := unquote(v)
		if err != nil {
			return "", badType(want, v)
		}
		return strings.TrimSpace(s), nil
	case '0':
		return string(v), nil
	}
	return "", badType(want, v)
}

func parseID(v jsontext.Value) (workboard.Opt[int64], error) {
	var none workboard.Opt[int64]
	s, err := scalar(v, "an id (string or number)")
	if err != nil || s == "" {
		return none, err
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return some(n)
	}
	if f, err := strconv.ParseFloat(s, 64); v.Kind() == '0' && err == nil && f == math.Trunc(f) && math.Abs(f) <= 1<<53 {
		return some(int64(f))
	}
	return none, badType("a numeric id", v)
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

// decimal is a number as JSON writes one (optional sign, digits, fraction, exponent): what a
// numeric string may hold. strconv.ParseFloat alone would also take "1_0", "0x1p4" and "Inf".
var decimal = regexp.MustCompile(`^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$`)

func parseNum(v jsontext.Value) (workboard.Opt[float64], error) {
	var none workboard.Opt[float64]
	s, err := scalar(v, "a number")
	if err != nil || s == "" {
		return none, err
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || !decimal.MatchString(s) || math.IsNaN(f) || math.IsInf(f, 0) {
		return none, badType("a number", v)
	}
	return some(f)
}

// minEpoch and maxEpoch are 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z in epoch seconds:
// the timestamps Parquet readers (pyarrow) and BigQuery accept.
const minEpoch, maxEpoch = -62135596800, 253402300799

// parseTime reads epoch seconds (a number or a numeric string; 0 is none). A fraction is kept
// to the microsecond, the precision of the timestamp columns. A value outside the years 1 to
// 9999 (such as milliseconds) is an error.
func parseTime(v jsontext.Value) (workboard.Opt[time.Time], error) {
	var none workboard.Opt[time.Time]
	s, err := scalar(v, "an epoch timestamp")
	if err != nil || s == "" || s == "0" {
		return none, err
	}
	sec, err := strconv.ParseInt(s, 10, 64)
	var micros int64
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || !decimal.MatchString(s) || math.IsNaN(f) || math.IsInf(f, 0) {
			return none, badType("an epoch timestamp", v)
		}
		if f < minEpoch || f > maxEpoch+1 {
			return none, badType("an epoch timestamp in seconds (years 1 to 9999)", v)
		}
		whole := math.Floor(f)
		sec, micros = int64(whole), int64(math.Round((f-whole)*1e6))
		if micros == 1e6 {
			sec, micros = sec+1, 0
		}
	}
	switch {
	case sec == 0 && micros == 0:
		return none, nil
	case sec < minEpoch || sec > maxEpoch:
		return none, badType("an epoch timestamp in seconds (years 1 to 9999)", v)
	}
	return some(time.Unix(sec, micros*1e3).UTC())
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
	var out workboard.IDName
	ms, _ := children(v)
	for _, m := range ms {
		dst := map[string]*string{"id": &out.ID, "name": &out.Name}[m.name]
		if dst == nil {
			continue
		}
		s, err := parseStr(m.v)
		if err != nil {
			return none, at(m.name, err)
		}
		*dst = s.V
	}
	return some(out)
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
		return parseEach(v, parseStr)
	}
	return nil, badType("a comma-separated string", v)
}

// parseIDs reads a list of ids: a JSON array of ids, or a comma-separated string.
func parseIDs(v jsontext.Value) ([]int64, error) {
	switch v.Kind() {
	case 'n', 'f':
		return nil, nil
	case '[':
		return parseEach(v, parseID)
	case '"', '0':
		parts, err := parseCSV(v)
		var out []int64
		for _, p := range parts {
			n, perr := strconv.ParseInt(p, 10, 64)
			if perr != nil {
				return nil, badType("a list of numeric ids", v)
			}
			out = append(out, n)
		}
		return out, err
	}
	return nil, badType("a list of ids", v)
}

func parseIDNames(v jsontext.Value) ([]workboard.IDName, error) { return parseEach(v, parseIDName) }

// parseEach parses each item of the list v (see items), keeping the valid ones.
func parseEach[T any](v jsontext.Value, parse func(jsontext.Value) (workboard.Opt[T], error)) ([]T, error) {
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
	err := json.Compact(&b, v) // v was checked to be JSON: it compacts
	return b.Bytes(), err
}

// isNone reports whether v is one of WorkBoard's ways to send nothing: null, false, "" or [].
func isNone(v jsontext.Value) bool {
	return v.Kind() == 'n' || v.Kind() == 'f' || string(v) == `""` || isEmptyArray(v)
}

func isEmptyArray(v jsontext.Value) bool {
	return v.Kind() == '[' && strings.TrimSpace(string(v[1:len(v)-1])) == ""
}
