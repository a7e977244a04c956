package decode

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// item is one element of a list value, or one member of an object: its value and the token
// that names it in a JSON Pointer (an array index, an object key; "" for a list that is a
// single object).
type item struct {
	name string
	v    jsontext.Value
}

// items returns the elements of a list in any of the forms WorkBoard sends one: an array; an
// object with numeric keys ({"0":{…},"1":{…},"goals_count":"2"}, a PHP array: its numeric
// members in key order, the others are counters); any other object, which is the one element;
// null, false, "" or nothing for none. Any other value is a *fieldError.
func items(v jsontext.Value) ([]item, error) {
	switch v.Kind() {
	case 0, 'n', 'f':
		return nil, nil
	case '"':
		if string(v) == `""` {
			return nil, nil
		}
	case '[':
		return elements(v)
	case '{':
		ms, err := members(v)
		if err != nil {
			return nil, err
		}
		return numbered(v, ms)
	}
	return nil, badType("a list (an array or a numeric-keyed object)", v)
}

// numbered returns the numeric-keyed members of ms in key order, or the object v itself as
// the one element when none of its keys is a number.
func numbered(v jsontext.Value, ms []item) ([]item, error) {
	type keyed struct {
		n int
		item
	}
	var out []keyed
	for _, m := range ms {
		if !isDigits(m.name) {
			continue
		}
		n, err := strconv.Atoi(m.name)
		if err != nil {
			return nil, &fieldError{Msg: fmt.Sprintf("numeric key %q out of range", m.name)}
		}
		out = append(out, keyed{n, m})
	}
	if out == nil {
		return []item{{v: v}}, nil
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].n < out[j].n })
	its := make([]item, len(out))
	for i, k := range out {
		its[i] = k.item
	}
	return its, nil
}

func isDigits(s string) bool {
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// elements returns the elements of the array v; their values alias v.
func elements(v jsontext.Value) ([]item, error) {
	d := jsontext.NewDecoder(bytes.NewReader(v), syntax...)
	if _, err := d.ReadToken(); err != nil {
		return nil, err
	}
	var out []item
	for i := 0; d.PeekKind() != ']'; i++ {
		e, err := valueAt(d, v)
		if err != nil {
			return nil, err
		}
		out = append(out, item{strconv.Itoa(i), e})
	}
	return out, nil
}

// members returns the members of the object v in order, names unescaped; values alias v.
func members(v jsontext.Value) ([]item, error) {
	d := jsontext.NewDecoder(bytes.NewReader(v), syntax...)
	if _, err := d.ReadToken(); err != nil {
		return nil, err
	}
	var out []item
	for d.PeekKind() != '}' {
		tok, err := d.ReadToken()
		if err != nil {
			return nil, err
		}
		name := tok.String()
		e, err := valueAt(d, v)
		if err != nil {
			return nil, err
		}
		out = append(out, item{name, e})
	}
	return out, nil
}

// valueAt reads the next value of d, a decoder over v, and returns it as a slice of v.
func valueAt(d *jsontext.Decoder, v jsontext.Value) (jsontext.Value, error) {
	e, err := d.ReadValue()
	if err != nil {
		return nil, err
	}
	end := int(d.InputOffset())
	return v[end-len(e) : end], nil
}

// list is a list of objects (team members, comments, check-ins, …) in any of the forms that
// items accepts. Each element is decoded as a T, and checked when *T has a check method.
type list[T any] []T

func (l *list[T]) UnmarshalJSONFrom(d *jsontext.Decoder) error {
	v, err := d.ReadValue()
	if err != nil {
		return err
	}
	*l = nil
	its, err := items(v)
	for _, it := range its {
		var e T
		if err := decodeObject(it.v, &e, d.Options()); err != nil {
			return at(it.name, err)
		}
		*l = append(*l, e)
	}
	return err
}

// object is an optional object: null, false and [] are none.
type object[T any] struct {
	V     T
	Valid bool
}

func (o *object[T]) UnmarshalJSONFrom(d *jsontext.Decoder) error {
	v, err := d.ReadValue()
	if err != nil {
		return err
	}
	*o = object[T]{}
	switch {
	case v.Kind() == 'n' || v.Kind() == 'f' || isEmptyArray(v):
		return nil
	case v.Kind() != '{':
		return badType("an object", v)
	}
	o.Valid = true
	return at("", decodeObject(v, &o.V, d.Options()))
}

// checker is a decoded object that checks itself, e.g. for a missing id.
type checker interface{ check() error }

// decodeObject decodes the JSON object v into dst and checks it.
func decodeObject(v jsontext.Value, dst any, o ...jsonv2.Options) error {
	if v.Kind() != '{' {
		return badType("an object", v)
	}
	if len(o) == 0 {
		o = opts
	}
	if err := jsonv2.Unmarshal(v, dst, o...); err != nil {
		return err
	}
	if c, ok := dst.(checker); ok {
		return c.check()
	}
	return nil
}
