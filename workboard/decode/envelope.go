// Package decode turns WorkBoard API v1 response bodies into pages of records. It is pure:
// bytes in, a *Page or an error out.
//
// A body is decoded in two layers. ReadEnvelope checks the frame {"success", "message",
// "data": {"totalCount", "<key>": …}} and turns an error body into a *workboard.APIError; then
// each item of data.<key> is decoded into its resource's wire type (users.go, teams.go,
// goals.go, metrics.go) with github.com/go-json-experiment/json. A wire type embeds the record
// (workboard.User, …), whose json tags name the members, adds what needs a second look, and
// keeps every member no field takes for the record's Extra, so nothing the API sends is lost.
// The Go types decode WorkBoard's value quirks (values.go) and list forms (list.go).
//
// An error names the first bad value: a *workboard.DecodeError with the record (entity, index,
// id), the field below it (goal_metrics[0].metric_id) and its JSON Pointer in the body.
package decode

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/wbexport/wbexport/workboard"
)

// Envelope is what a v1 response frame holds besides success: data.totalCount (an integer
// or a numeric string) and data.<key>, the resource (nil when absent).
type Envelope struct {
	TotalCount workboard.Opt[int64]
	Resource   jsontext.Value
}

// ReadEnvelope decodes the frame of a v1 response body and picks out data.<key>. It returns a
// *workboard.DecodeError for a body that is not a JSON object or has a malformed frame, and a
// *workboard.APIError (HTTPStatus 0) for an error body ("success": false, or an "error"
// without "success"), whose data is not looked into. data: [] (PHP's empty array) is a page
// without records.
func ReadEnvelope(body []byte, key string) (*Envelope, error) {
	if k := jsontext.Value(body).Kind(); k != '{' {
		return nil, &workboard.DecodeError{Offset: -1, Index: -1, Msg: "expected a JSON object, got " + describe(bytes.TrimSpace(body))}
	}
	var f struct {
		Success workboard.Opt[bool]   `json:"success"`
		Message jsontext.Value        `json:"message"`
		Error   workboard.Opt[string] `json:"error"`
		Desc    jsontext.Value        `json:"error_description"`
		Data    jsontext.Value        `json:"data"`
	}
	if err := unmarshal(body, &f); err != nil {
		return nil, decodeError("", -1, "", "", "", err)
	}
	if (f.Success.Valid && !f.Success.V) || (f.Error.V != "" && !f.Success.Valid) {
		ae := &workboard.APIError{Offset: -1, Code: f.Error.V}
		if f.Message.Kind() == '"' && ae.Code == "" {
			ae.Code, _ = unquote(f.Message)
		}
		if d, err := parseStr(f.Desc); err == nil {
			ae.Description = d.V
		}
		if ae.Code == "" && ae.Description == "" {
			ae.Description = "the answer reports a failure (success false or 0) without an error code or message"
		}
		return nil, ae
	}
	env := &Envelope{}
	var data map[string]jsontext.Value
	switch {
	case f.Data == nil:
		return nil, decodeError("", -1, "", "/data", "data", &fieldError{Msg: "response has no data object"})
	case isEmptyArray(f.Data): // PHP's empty array: no records
		return env, nil
	case f.Data.Kind() != '{':
		return nil, decodeError("", -1, "", "/data", "data", badType("an object", f.Data))
	}
	_ = unmarshal(f.Data, &data) // an object of any values: it cannot fail
	if tc, ok := data["totalCount"]; ok {
		n, err := parseID(tc)
		if err != nil {
			err = badType("a count", tc)
		} else if n.V < 0 {
			err = &fieldError{Msg: fmt.Sprintf("negative totalCount %d", n.V)}
		}
		if err != nil {
			return nil, decodeError("", -1, "", "/data/totalCount", "data.totalCount", err)
		}
		env.TotalCount = n
	}
	env.Resource = data[key]
	return env, nil
}

// Page is the decoded content of one response: its records, the reported totalCount and the
// number of resource items (for /goal, the goals flattened out of their wrappers).
type Page struct {
	workboard.Batch
	TotalCount workboard.Opt[int64]
	Items      int
	// AlignmentNodes are the nodes of an alignment answer (Alignment), which become
	// GoalAlignment rows once the whole tree is known.
	AlignmentNodes []workboard.AlignmentNode
}

// records decodes the frame of body and calls add for each item of data.<key> (in any of the
// forms items accepts). An error is a *workboard.DecodeError naming the item: entity key, its
// index and the value of its member idKey.
func records(body []byte, key, idKey string, add func(p *Page, v jsontext.Value) error) (*Page, error) {
	env, err := ReadEnvelope(body, key)
	if err != nil {
		return nil, inRecord(err, key)
	}
	p := &Page{TotalCount: env.TotalCount}
	res := jsontext.Pointer("/data").AppendToken(key)
	its, err := resourceItems(env.Resource)
	if err != nil {
		return nil, decodeError(key, -1, "", res, "data."+key, err)
	}
	for i, it := range its {
		if it.v.Kind() != '{' {
			return nil, decodeError(key, i, "", path(res, it.name), fmt.Sprintf("data.%s[%d]", key, i), badType("an object", it.v))
		}
		if err := add(p, it.v); err != nil {
			return nil, decodeError(key, i, findID(it.v, idKey), path(res, it.name), "", err)
		}
	}
	return p, nil
}

// resourceItems returns the items of a page's resource data.<key>, which must be there: an
// array or an object (one record, or a numeric-keyed list). Missing (also when data is PHP's
// empty array), null or any other value is a *fieldError, never a page without records —
// that would end a listing early and publish it short.
func resourceItems(v jsontext.Value) ([]item, error) {
	switch v.Kind() {
	case 0:
		return nil, &fieldError{Msg: "missing (a page must hold its resource, empty or not)"}
	case '[', '{':
		return items(v)
	}
	return nil, badType("a list (an array or a numeric-keyed object)", v)
}

// inRecord names the record of a frame error in data.<key>: the body is checked to be JSON as
// a whole before its records are read, so a value that is not valid JSON is found there. The
// error gets the record's entity and index, and as its field the record's member holding the
// bad value.
func inRecord(err error, key string) error {
	de, ok := err.(*workboard.DecodeError)
	rest, under := "", false
	if ok {
		rest, under = strings.CutPrefix(de.Path, "/data/"+key+"/")
	}
	if !under {
		return err
	}
	de.Entity, de.Field = key, ""
	for tok := range jsontext.Pointer("/" + rest).Tokens() {
		if n, err := strconv.Atoi(tok); err == nil && de.Index < 0 {
			de.Index = n
		} else if err != nil {
			de.Field = tok
			break
		}
	}
	return de
}

// path is base with the token name appended ("" appends nothing).
func path(base jsontext.Pointer, name string) jsontext.Pointer {
	if name == "" {
		return base
	}
	return base.AppendToken(name)
}

// findID returns the text of the member key of object v (the last one, a string or a number),
// or "", to name a record in an error.
func findID(v jsontext.Value, key string) string {
	ms, _ := children(v)
	var out string
	for _, m := range ms {
		if m.name == key && m.v.Kind() == '"' {
			out, _ = unquote(m.v)
		} else if m.name == key && m.v.Kind() == '0' {
			out = string(m.v)
		}
	}
	return out
}

// extraOf is a record's Extra: the members no field took (own, the embedded fallback of its
// wire type), those of a nested object, named with prefix ("profile.pronouns"), and more (the
// members kept whole, see keptWhole), as one JSON object with names sorted and values
// compacted; nil when there are none.
func extraOf(own jsontext.Value, prefix string, nested jsontext.Value, more ...item) workboard.Extra {
	if len(own) == 0 && len(nested) == 0 && len(more) == 0 {
		return nil
	}
	ms := slices.Clone(more)
	for _, fb := range []struct {
		prefix string
		v      jsontext.Value
	}{{"", own}, {prefix, nested}} {
		cs, _ := children(fb.v)
		for _, c := range cs {
			ms = append(ms, item{fb.prefix + c.name, c.v})
		}
	}
	if len(ms) == 0 {
		return nil
	}
	slices.SortStableFunc(ms, func(a, b item) int { return strings.Compare(a.name, b.name) })
	b := bytes.NewBufferString("{")
	for i, m := range ms {
		if i > 0 {
			b.WriteByte(',')
		}
		name, _ := json.Marshal(m.name)
		b.Write(append(name, ':'))
		_ = json.Compact(b, m.v)
	}
	b.WriteByte('}')
	return b.Bytes()
}
