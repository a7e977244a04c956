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
// a JSON Pointer ("" for the value itself, "/1/id" inside it).
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

// at returns err as a *fieldError below name (an array index or member name; "" for the value
// itself). json v2 places an error at the value whose unmarshaler returned it, but a nested
// decode's error is relative to what that decoded: at places it.
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
	if se, ok := errors.AsType[*jsonv2.SemanticError](err); ok && se.Err != nil {
		ptr, msg := where(se.Err)
		return se.JSONPointer + ptr, msg
	}
	if fe, ok := errors.AsType[*fieldError](err); ok {
		return fe.At, fe.Msg
	}
	se, syntax := errors.AsType[*jsontext.SyntacticError](err)
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF) && syntax:
		return se.JSONPointer, "unexpected end of JSON input"
	case syntax:
		return se.JSONPointer, "invalid JSON: " + se.Err.Error()
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "", "unexpected end of JSON input"
	}
	return "", err.Error()
}

// decodeError is err as a *workboard.DecodeError about record index (its id objectID) of
// entity; base is where in the body err's pointer starts, prefix what names that place in the
// error's field ("data.goal[2]" outside a record, "" in one). A *workboard.DecodeError is
// returned as it is.
func decodeError(entity string, index int, objectID string, base jsontext.Pointer, prefix string, err error) error {
	if de, ok := errors.AsType[*workboard.DecodeError](err); ok {
		return de
	}
	ptr, msg := where(err)
	field := fieldName(ptr)
	if prefix != "" && field != "" {
		field = prefix + "." + field
	} else if prefix != "" {
		field = prefix
	}
	return &workboard.DecodeError{Offset: -1, Entity: entity, Index: index, ObjectID: objectID, Field: field,
		Path: string(base + ptr), Msg: msg}
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

// describe names the JSON kind of v with a short excerpt, for error messages.
func describe(v jsontext.Value) string {
	ex := strings.TrimSpace(string(v))
	if len(ex) > 40 {
		ex = ex[:40] + "..."
	}
	kinds := map[jsontext.Kind]string{'{': "object ", '[': "array ", '"': "string ", 't': "boolean ", 'f': "boolean ", '0': "number "}
	switch k := v.Kind(); {
	case k == 'n':
		return "null"
	case ex == "":
		return "nothing"
	case kinds[k] == "":
		return "text " + ex
	default:
		return kinds[k] + ex
	}
}
