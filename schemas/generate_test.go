package schemas_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/wbexport/wbexport/schemas"
)

var update = flag.Bool("update", false, "rewrite the generated files from the definitions")

// root is the repository root seen from this package's directory.
const root = ".."

// TestGeneratedFilesUpToDate fails when a checked-in generated file (schemas/bigquery/*.json,
// docs/tables.md, dbt/models/staging/sources.yml) differs from what the definitions produce, or
// when schemas/bigquery holds a file for a table that does not exist. go test -update rewrites.
func TestGeneratedFilesUpToDate(t *testing.T) {
	want := map[string]bool{}
	for _, f := range schemas.Generated() {
		want[f.Path] = true
		p := filepath.Join(root, filepath.FromSlash(f.Path))
		if *update {
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, f.Data, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(p)
		if os.IsNotExist(err) && f.Path == "dbt/models/staging/sources.yml" {
			t.Logf("%s does not exist yet: skipped", f.Path)
			continue
		}
		if err != nil {
			t.Errorf("%s: %v; run `make generate`", f.Path, err)
			continue
		}
		if !bytes.Equal(got, f.Data) {
			t.Errorf("%s is out of date with schemas/tables.go (%s); run `make generate`", f.Path, firstDiff(got, f.Data))
		}
	}
	files, err := filepath.Glob(filepath.Join(root, filepath.FromSlash(schemas.BigQueryDir), "*"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range files {
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if !want[rel] {
			if *update {
				if err := os.Remove(p); err != nil {
					t.Fatal(err)
				}
				continue
			}
			t.Errorf("%s belongs to no table; run `make generate`", rel)
		}
	}
}

// firstDiff describes the first differing line of got (the checked-in file) and want.
func firstDiff(got, want []byte) string {
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return "line " + strconv.Itoa(i+1) + ": file has " + quote(gl) + ", definitions give " + quote(wl)
		}
	}
	return "same lines, different bytes"
}

func quote(s string) string {
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	return "\"" + s + "\""
}
