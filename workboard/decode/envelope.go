// Package decode turns WorkBoard API v1 response bodies into typed pages of records. It is
// pure: bytes in, a *Page or an error out, no I/O.
//
// Every body is decoded in two layers. The envelope (ReadEnvelope) checks the frame
// {"success", "message", "data": {"totalCount", "<key>": …}} and turns an error body into a
// *workboard.APIError; then each item of data.<key> is decoded into its resource's wire type
// (users.go, teams.go, goals.go, metrics.go) with github.com/go-json-experiment/json (json
// v2), whose field types decode WorkBoard's quirks by themselves (values.go, list.go). Keys
// match exactly (case-sensitive); a repeated member counts the last time it appears. Every
// member no field takes is kept in the record's Extra, so nothing the API sends is lost.
//
// An error names the first bad value: a *workboard.DecodeError with the record (entity, index,
// id), the field below it (goal_metrics[0].metric_id) and its JSON Pointer in the body.
package decode

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/wbexport/wbexport/workboard"
)

// Envelope is a decoded v1 response frame: {"success", "message", "data": {"totalCount",
// "<key>": …}} or an error body {"success": false, "error", "error_description"}.
type Envelope struct {
	Success    workboard.Opt[bool]
	Message    string
	TotalCount workboard.Opt[int64] // data.totalCount, integer or numeric string
	Data       jsontext.Value       // the data object (nil when absent)
	Resource   jsontext.Value       // data.<key> (nil when absent)
	Code       string               // error (or message) of an error body
	Desc       string               // error_description of an error body
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
		return nil, frameError("", err)
	}
	env := &Envelope{Success: f.Success, Code: f.Error.V, Data: f.Data}
	if f.Message.Kind() == '"' {
		env.Message, _ = unquote(f.Message)
	}
	if d, err := parseStr(f.Desc); err == nil {
		env.Desc = d.V
	}
	switch {
	case f.Success.Valid && !f.Success.V:
		return env, &workboard.APIError{Offset: -1, Code: cmp.Or(env.Code, env.Message), Description: env.Desc}
	case env.Code != "" && !f.Success.Valid:
		return env, &workboard.APIError{Offset: -1, Code: env.Code, Description: env.Desc}
	}
	switch k := f.Data.Kind(); {
	case k == 0:
		return nil, &workboard.DecodeError{Offset: -1, Index: -1, Field: "data", Path: "/data", Msg: "response has no data object"}
	case isEmptyArray(f.Data):
		return env, nil
	case k != '{':
		return nil, &workboard.DecodeError{Offset: -1, Index: -1, Field: "data", Path: "/data", Msg: "want an object, got " + describe(f.Data)}
	}
	var data map[string]jsontext.Value
	if err := unmarshal(f.Data, &data); err != nil {
		return nil, frameError("/data", err)
	}
	if tc, ok := data["totalCount"]; ok {
		n, err := parseID(tc)
		if err != nil {
			err = badType("a count", tc)
		}
		if err == nil && n.Valid && n.V < 0 {
			err = &fieldError{Msg: fmt.Sprintf("negative totalCount %d", n.V)}
		}
		if err != nil {
			return nil, frameError("/data/totalCount", err)
		}
		env.TotalCount = n
	}
	env.Resource = data[key]
	return env, nil
}

// frameError is err, met in the frame at base, as a *workboard.DecodeError.
func frameError(base jsontext.Pointer, err error) error {
	ptr, msg := where(err)
	ptr = base + ptr
	return &workboard.DecodeError{Offset: -1, Index: -1, Field: fieldName(ptr), Path: string(ptr), Msg: msg}
}

// Page is the decoded content of one response: its records, the reported totalCount and the
// number of resource items (for /goal, the goals flattened out of their wrappers).
type Page struct {
	workboard.Batch
	TotalCount workboard.Opt[int64]
	Items      int
}

// records decodes the frame of body and calls add for each item of data.<key> (see items for
// the forms of a list). An error of add is returned as a *workboard.DecodeError naming the
// item: entity key, its index and the value of its member idKey.
func records(body []byte, key, idKey string, add func(p *Page, v jsontext.Value) error) (*Page, error) {
	env, err := ReadEnvelope(body, key)
	if err != nil {
		return nil, inRecord(err, key)
	}
	p := &Page{TotalCount: env.TotalCount}
	res := jsontext.Pointer("/data").AppendToken(key)
	its, err := items(env.Resource)
	if err != nil {
		_, msg := where(err)
		return nil, &workboard.DecodeError{Offset: -1, Entity: key, Index: -1, Field: "data." + key, Path: string(res), Msg: msg}
	}
	for i, it := range its {
		if it.v.Kind() != '{' {
			return nil, &workboard.DecodeError{Offset: -1, Entity: key, Index: i, Field: fmt.Sprintf("data.%s[%d]", key, i),
				Path: string(path(res, it.name)), Msg: "want an object, got " + describe(it.v)}
		}
		if err := add(p, it.v); err != nil {
			return nil, recordError(key, i, findID(it.v, idKey), path(res, it.name), err)
		}
	}
	return p, nil
}

// inRecord names the record of a frame error that lies in data.<key>: the body is checked to
// be JSON as a whole, before its records are read, so a value that is not valid JSON is found
// there. The error gets the record's entity and index and, as its field, the record's member
// that holds the bad value.
func inRecord(err error, key string) error {
	var de *workboard.DecodeError
	if !errors.As(err, &de) {
		return err
	}
	rest, ok := strings.CutPrefix(de.Path, "/data/"+key+"/")
	if !ok {
		return err
	}
	de.Entity, de.Field = key, ""
	for tok := range jsontext.Pointer("/" + rest).Tokens() {
		n, err := strconv.Atoi(tok)
		switch {
		case err == nil && de.Index < 0 && de.Field == "":
			de.Index = n
		case err != nil:
			de.Field = tok
			return de
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

// findID returns the text of the member key of object v (the last one: a string or a
// number), or "", to name a record in an error.
func findID(v jsontext.Value, key string) string {
	ms, _ := members(v)
	var out string
	for _, m := range ms {
		if m.name != key {
			continue
		}
		switch m.v.Kind() {
		case '"':
			out, _ = unquote(m.v)
		case '0':
			out = string(m.v)
		}
	}
	return out
}

// extra collects the members of a record that no field took: the embedded fallback of its
// wire type, and those of nested objects under the object's name ("profile.pronouns").
type extra []item

// add adds the members of the object fallback, their names prefixed with prefix.
func (e *extra) add(prefix string, fallback jsontext.Value) {
	if len(fallback) == 0 {
		return
	}
	ms, _ := members(fallback)
	for _, m := range ms {
		*e = append(*e, item{prefix + m.name, m.v})
	}
}

// build returns the members as one JSON object, names sorted and values compacted, or nil
// when there are none.
func (e extra) build() workboard.Extra {
	if len(e) == 0 {
		return nil
	}
	sort.SliceStable(e, func(i, j int) bool { return e[i].name < e[j].name })
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range e {
		if i > 0 {
			b.WriteByte(',')
		}
		name, _ := json.Marshal(m.name)
		b.Write(name)
		b.WriteByte(':')
		_ = json.Compact(&b, m.v)
	}
	b.WriteByte('}')
	return workboard.Extra(b.Bytes())
}

// extraOf is the Extra of a record whose only unknown members are in fallback.
func extraOf(fallback jsontext.Value) workboard.Extra {
	var e extra
	e.add("", fallback)
	return e.build()
}
