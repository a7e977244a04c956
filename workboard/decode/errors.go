package decode

import (
	"errors"
	"io"
	"strings"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/wbexport/wbexport/workboard"
)

// fieldError is a value its field cannot hold. At is where, below the value being decoded, as
// a JSON Pointer ("" for the value itself, "/1/id" inside it). The page decoders turn it into
// a *workboard.DecodeError naming the record and the field.
type fieldError struct {
	At  jsontext.Pointer
	Msg string
}

func (e *fieldError) Error() string { return string(e.At) + ": " + e.Msg }

func badType(want string, v jsontext.Value) error {
	return &fieldError{Msg: "want " + want + ", got " + describe(v)}
}

func missing(member, msg string) error {
	return &fieldError{At: jsontext.Pointer("").AppendToken(member), Msg: msg}
}

// at returns err as a *fieldError located below name (an array index or member name; ""
// for the value itself). json v2 places an error a value's own decoder returns at that value;
// a nested decode's error is relative to what it decoded, so it is placed with at.
func at(name string, err error) error {
	if err == nil {
		return nil
	}
	ptr, msg := where(err)
	if name != "" {
		ptr = jsontext.Pointer("").AppendToken(name) + ptr
	}
	return &fieldError{At: ptr, Msg: msg}
}

// where returns the JSON Pointer of the value err is about, relative to the value that was
// decoded, and what is wrong with it.
func where(err error) (jsontext.Pointer, string) {
	var ptr jsontext.Pointer
	var se *jsonv2.SemanticError
	if errors.As(err, &se) && se.Err != nil {
		ptr, err = se.JSONPointer, se.Err
	}
	var fe *fieldError
	if errors.As(err, &fe) {
		return ptr + fe.At, fe.Msg
	}
	var syn *jsontext.SyntacticError
	if errors.As(err, &syn) {
		ptr = syn.JSONPointer
		if errors.Is(syn.Err, io.ErrUnexpectedEOF) {
			return ptr, "unexpected end of JSON input"
		}
		return ptr, "invalid JSON: " + syn.Err.Error()
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return ptr, "unexpected end of JSON input"
	}
	return ptr, err.Error()
}

// fieldName spells a JSON Pointer below a record the way errors name fields:
// /metric_data/1/metric_data_value is metric_data[1].metric_data_value.
func fieldName(p jsontext.Pointer) string {
	var b strings.Builder
	for tok := range p.Tokens() {
		switch {
		case isDigits(tok) && b.Len() > 0:
			b.WriteString("[" + tok + "]")
		case b.Len() > 0:
			b.WriteString("." + tok)
		default:
			b.WriteString(tok)
		}
	}
	return b.String()
}

// recordError is err, met while decoding record index (its id objectID) of entity, as a
// *workboard.DecodeError; path is the record's JSON Pointer in the body.
func recordError(entity string, index int, objectID string, path jsontext.Pointer, err error) error {
	var de *workboard.DecodeError
	if errors.As(err, &de) {
		return de
	}
	ptr, msg := where(err)
	return &workboard.DecodeError{Offset: -1, Entity: entity, Index: index, ObjectID: objectID,
		Field: fieldName(ptr), Path: string(path + ptr), Msg: msg}
}

// describe names the JSON kind of v with a short excerpt, for error messages.
func describe(v jsontext.Value) string {
	ex := strings.TrimSpace(string(v))
	if len(ex) > 40 {
		ex = ex[:40] + "..."
	}
	switch v.Kind() {
	case 0:
		if ex == "" {
			return "nothing"
		}
		return "text " + ex
	case '{':
		return "object " + ex
	case '[':
		return "array " + ex
	case '"':
		return "string " + ex
	case 'n':
		return "null"
	case 't', 'f':
		return "boolean " + ex
	}
	return "number " + ex
}
