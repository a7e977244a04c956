package decode

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"
	"strconv"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// item is one element of a list or member of an object: the token that names it in a JSON
// Pointer (an array index, an object key; "" for a list that is one object) and its value.
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
	case '[':
		return children(v)
	case '{':
		ms, err := children(v)
		var nums []item
		for _, m := range ms {
			if !isDigits(m.name) {
				continue
			}
			if _, err := strconv.Atoi(m.name); err != nil {
				return nil, &fieldError{Msg: fmt.Sprintf("numeric key %q out of range", m.name)}
			}
			nums = append(nums, m)
		}
		if nums == nil {
			return []item{{v: v}}, err
		}
		slices.SortStableFunc(nums, func(a, b item) int {
			x, _ := strconv.Atoi(a.name)
			y, _ := strconv.Atoi(b.name)
			return cmp.Compare(x, y)
		})
		return nums, nil
	}
	if string(v) == `""` {
		return nil, nil
	}
	return nil, badType("a list (an array or a numeric-keyed object)", v)
}

func isDigits(s string) bool {
	return s != "" && len(bytes.Trim([]byte(s), "0123456789")) == 0
}

// children returns the members of the object v (names unescaped) or the elements of the
// array v (named by their index); the values are slices of v.
func children(v jsontext.Value) ([]item, error) {
	d := jsontext.NewDecoder(bytes.NewReader(v), syntax...)
	open, err := d.ReadToken()
	if err != nil {
		return nil, err
	}
	var out []item
	for d.PeekKind() != '}' && d.PeekKind() != ']' {
		name := strconv.Itoa(len(out))
		if open.Kind() == '{' {
			tok, err := d.ReadToken()
			if err != nil {
				return nil, err
			}
			name = tok.String()
		}
		e, err := d.ReadValue()
		if err != nil {
			return nil, err
		}
		end := int(d.InputOffset())
		out = append(out, item{name, v[end-len(e) : end]})
	}
	return out, nil
}

// list is a list of objects (team members, comments, check-ins, …) in any of the forms that
// items accepts. Each element is decoded as a T, and checked when *T has a check method.
type list[T any] []T

func (l *list[T]) UnmarshalJSONFrom(d *jsontext.Decoder) error {
	*l = nil
	if d.PeekKind() == '[' {
		return l.stream(d)
	}
	v, err := d.ReadValue()
	if err != nil {
		return err
	}
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

// stream decodes an array element by element from d (the common form, read once).
func (l *list[T]) stream(d *jsontext.Decoder) error {
	if _, err := d.ReadToken(); err != nil {
		return err
	}
	for i := 0; d.PeekKind() != ']'; i++ {
		var e T
		if k := d.PeekKind(); k != '{' {
			v, err := d.ReadValue()
			return cmp.Or(err, at(strconv.Itoa(i), badType("an object", v)))
		}
		if err := jsonv2.UnmarshalDecode(d, &e); err != nil {
			return err // placed by json v2 already
		}
		if c, ok := any(&e).(checker); ok {
			if err := c.check(); err != nil {
				return at(strconv.Itoa(i), err)
			}
		}
		*l = append(*l, e)
	}
	_, err := d.ReadToken()
	return err
}

// object is an optional object: null, false and [] are none.
type object[T any] struct {
	V     T
	Valid bool
}

func (o *object[T]) UnmarshalJSONFrom(d *jsontext.Decoder) error {
	v, err := d.ReadValue()
	if err != nil || v.Kind() == 'n' || v.Kind() == 'f' || isEmptyArray(v) {
		*o = object[T]{}
		return err
	}
	*o = object[T]{Valid: true}
	return at("", decodeObject(v, &o.V, d.Options()))
}

// checker is a decoded object that checks itself, e.g. for a missing id.
type checker interface{ check() error }

// decodeObject decodes the JSON object v into dst (with the options o, default opts) and
// checks it.
func decodeObject(v jsontext.Value, dst any, o ...jsonv2.Options) error {
	if v.Kind() != '{' {
		return badType("an object", v)
	}
	if o == nil {
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
