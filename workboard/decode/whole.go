package decode

import (
	"bytes"
	"reflect"
	"slices"
	"sync"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/wbexport/wbexport/workboard"
)

// A member whose value a record's columns hold only in part is kept whole in the record's
// Extra under its own name, so that nothing the API sends is lost: an {id, name} object or
// list with other members or none items (_extra.goal_category = [{"id":"12","name":"Customer",
// "color":"red"}, null]), manager[] with other members or an entry without user_id, and a
// goal's goal_metrics[], of which the goal keeps only the ids (_extra.goal_metrics[i].
// metric_source_from). A list is kept as a JSON array of its items, whatever form it came in.

// held reports whether the columns hold all of a member's value v.
type held func(v jsontext.Value) bool

// keptWhole returns the members of the object v that rules names and whose value the
// columns do not hold all of (the last one of a repeated member counts).
func keptWhole(v jsontext.Value, rules map[string]held) []item {
	ms, _ := children(v)
	last := map[string]jsontext.Value{}
	var names []string
	for _, m := range ms {
		if rules[m.name] == nil {
			continue
		}
		if _, seen := last[m.name]; !seen {
			names = append(names, m.name)
		}
		last[m.name] = m.v
	}
	var out []item
	for _, n := range names {
		if w := last[n]; !rules[n](w) {
			out = append(out, item{n, asList(w)})
		}
	}
	return out
}

// asList is v with a list in object form (see items) turned into a JSON array of its items;
// any other value is v.
func asList(v jsontext.Value) jsontext.Value {
	if v.Kind() != '{' || !hasDigitKey(v) {
		return v
	}
	its, _ := items(v)
	b := bytes.NewBufferString("[")
	for i, it := range its {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(it.v)
	}
	b.WriteByte(']')
	return b.Bytes()
}

func hasDigitKey(v jsontext.Value) bool {
	ms, _ := children(v)
	return slices.ContainsFunc(ms, func(m item) bool { return isDigits(m.name) })
}

// onlyMembers is held for an object whose members are all in names (and, when need is not
// "", that has need), or none (null, false, "", []).
func onlyMembers(need string, names ...string) held {
	return func(v jsontext.Value) bool {
		if isNone(v) {
			return true
		}
		if v.Kind() != '{' {
			return false
		}
		ms, _ := children(v)
		has := need == ""
		for _, m := range ms {
			if !slices.Contains(names, m.name) {
				return false
			}
			has = has || (m.name == need && !isNone(m.v))
		}
		return has
	}
}

// eachOf is held for none, or an array whose every item item holds (a none item is not held:
// it would vanish from the list column).
func eachOf(item held) held {
	return func(v jsontext.Value) bool {
		if isNone(v) {
			return true
		}
		if v.Kind() != '[' {
			return false
		}
		its, _ := children(v)
		for _, it := range its {
			if isNone(it.v) || !item(it.v) {
				return false
			}
		}
		return true
	}
}

var (
	idNameHeld  = onlyMembers("", "id", "name")
	managerHeld = eachOf(onlyMembers("user_id", "user_id", "role"))
	// a goal keeps only the ids of its goal_metrics[] (Goal.MetricIDs)
	goalMetricsHeld = eachOf(onlyMembers("metric_id", "metric_id"))
)

// idNameRules are the rules of a record type's {id, name} members (Opt[IDName] and
// []IDName fields), found by their json names.
func idNameRules(t reflect.Type) map[string]held {
	one, many := reflect.TypeFor[workboard.Opt[workboard.IDName]](), reflect.TypeFor[[]workboard.IDName]()
	rules := map[string]held{}
	for f := range t.Fields() {
		name, _, _ := bytes.Cut([]byte(f.Tag.Get("json")), []byte(","))
		switch f.Type {
		case one:
			rules[string(name)] = idNameHeld
		case many:
			rules[string(name)] = eachOf(idNameHeld)
		}
	}
	return rules
}

// The rules of each record that has members kept whole.
var (
	goalRules = sync.OnceValue(func() map[string]held {
		r := idNameRules(reflect.TypeFor[workboard.Goal]())
		r["goal_metrics"] = goalMetricsHeld
		return r
	})
	keyResultRules = sync.OnceValue(func() map[string]held { return idNameRules(reflect.TypeFor[workboard.KeyResult]()) })
	userRules      = map[string]held{"manager": managerHeld}
)

// wrapperMembers are the members of a people_goals / team_goals wrapper other than its goal
// list (named list), named "wrapper.<name>" for the Extra of each goal in it: the columns
// take only the wrapper's owner or team as a fallback for a goal without its own.
func wrapperMembers(v jsontext.Value, list string) []item {
	ms, _ := children(v)
	last := map[string]int{}
	var out []item
	for _, m := range ms {
		if m.name == list {
			continue
		}
		name := "wrapper." + m.name
		if i, ok := last[name]; ok {
			out[i].v = m.v // the last one counts
			continue
		}
		last[name] = len(out)
		out = append(out, item{name, m.v})
	}
	return out
}
