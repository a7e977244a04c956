// Command gen writes the files generated from the table definitions in package schemas (see
// schemas.Generated) under the repository root given by -root, and removes BigQuery schema
// files of tables that no longer exist. Run it with `go generate ./schemas` or `make generate`.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/wbexport/wbexport/schemas"
)

func main() {
	root := flag.String("root", "..", "repository root")
	flag.Parse()
	if err := run(*root); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(root string) error {
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		return fmt.Errorf("%s is not the repository root (no go.mod): %w", root, err)
	}
	want := map[string]bool{}
	for _, f := range schemas.Generated() {
		want[filepath.FromSlash(f.Path)] = true
		p := filepath.Join(root, filepath.FromSlash(f.Path))
		if old, err := os.ReadFile(p); err == nil && bytes.Equal(old, f.Data) {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			return err
		}
		fmt.Println("wrote", f.Path)
	}
	stale, err := filepath.Glob(filepath.Join(root, filepath.FromSlash(schemas.BigQueryDir), "*.json"))
	if err != nil {
		return err
	}
	for _, p := range stale {
		rel, _ := filepath.Rel(root, p)
		if !want[rel] && strings.HasSuffix(p, ".json") {
			if err := os.Remove(p); err != nil {
				return err
			}
			fmt.Println("removed", filepath.ToSlash(rel))
		}
	}
	return nil
}
