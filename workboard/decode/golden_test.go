package decode

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// TestGoldenDecode decodes every read-side fixture and hand-written body and compares the
// records, as indented JSON, with testdata/golden/<name>.json (go test -update rewrites them).
func TestGoldenDecode(t *testing.T) {
	n := 0
	for _, fx := range bodyCases() {
		name, f, dec := fx.name, fx.path, fx.dec
		n++
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			p, err := dec(b)
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.MarshalIndent(plain(reflect.ValueOf(p)), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			golden := filepath.Join("testdata", "golden", name+".json")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./workboard/decode -run TestGoldenDecode -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("decoded %s differs from %s:\n%s", name, golden, got)
			}
		})
	}
	if n < 15 {
		t.Fatalf("only %d golden cases", n)
	}
}

// plain is v as encoding/json writes it without json tags (the golden files were written so):
// exported fields by their Go names, in order, with embedded structs' fields promoted.
func plain(v reflect.Value) any {
	switch {
	case v.Kind() == reflect.Pointer && v.IsNil():
		return nil
	case v.Kind() == reflect.Pointer:
		return plain(v.Elem())
	case v.Type() == reflect.TypeOf(time.Time{}):
		return v.Interface()
	case v.Kind() == reflect.Struct:
		var out fields
		out.add(v)
		return out
	case v.Kind() == reflect.Slice && v.IsNil():
		return nil
	case v.Type() == reflect.TypeOf(json.RawMessage{}):
		return v.Interface()
	case v.Kind() == reflect.Slice:
		out := make([]any, v.Len())
		for i := range out {
			out[i] = plain(v.Index(i))
		}
		return out
	}
	return v.Interface()
}

// fields are a struct's fields in order, written as a JSON object.
type fields []struct {
	name string
	v    any
}

func (f *fields) add(v reflect.Value) {
	for i := 0; i < v.NumField(); i++ {
		sf := v.Type().Field(i)
		switch {
		case !sf.IsExported():
		case sf.Anonymous && sf.Type.Kind() == reflect.Struct:
			f.add(v.Field(i))
		default:
			*f = append(*f, struct {
				name string
				v    any
			}{sf.Name, plain(v.Field(i))})
		}
	}
}

func (f fields) MarshalJSON() ([]byte, error) {
	b := []byte{'{'}
	for i, e := range f {
		if i > 0 {
			b = append(b, ',')
		}
		k, _ := json.Marshal(e.name)
		v, err := json.Marshal(e.v)
		if err != nil {
			return nil, err
		}
		b = append(append(append(b, k...), ':'), v...)
	}
	return append(b, '}'), nil
}

// bodyCase is a read-side fixture or hand-written body and the decoder of its endpoint.
type bodyCase struct {
	name, path string
	key        string // the decoder's name: the file's name, or its part before the first "_"
	dec        func([]byte) (*Page, error)
}

// bodyCases lists every read-side fixture and hand-written body that a page decoder reads.
func bodyCases() []bodyCase {
	decoders := map[string]func([]byte) (*Page, error){
		"user": Users, "users": Users, "team": Teams, "goal": Goals, "goals": Goals, "metric": metrics, "metrics": metrics,
		"tags": Tags, "metric_krtags": KRTags, "goal_alignment": Alignment,
	}
	skip := map[string]bool{"metric_tags": true, "team_workstreams": true,
		"goal_pillars": true, "metrics_conf_missing_modified": true, "goals_bad_progress": true, "goals_missing_goal_id": true,
		"goals_object_id": true}
	var files []string
	for _, pat := range []string{filepath.Join("..", "..", "testdata", "workboard", "*.json"), filepath.Join("testdata", "bodies", "*.json")} {
		m, _ := filepath.Glob(pat)
		files = append(files, m...)
	}
	var bs []bodyCase
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		key := name
		if decoders[key] == nil {
			key = strings.SplitN(name, "_", 2)[0]
		}
		if decoders[key] == nil || skip[name] {
			continue
		}
		bs = append(bs, bodyCase{name, f, key, decoders[key]})
	}
	return bs
}
