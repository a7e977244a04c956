package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wbexport/wbexport/schemas"
)

func TestRun(t *testing.T) {
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "go.mod"), []byte("module x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(root, "schemas", "bigquery", "dropped_table.json")
	if err := os.MkdirAll(filepath.Dir(stale), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(stale, []byte("[]"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run(root); err != nil {
		t.Fatal(err)
	}
	for _, f := range schemas.Generated() {
		got, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(f.Path)))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, f.Data) {
			t.Errorf("%s differs from schemas.Generated()", f.Path)
		}
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stale %s not removed (%v)", stale, err)
	}
}

func TestRunNotRoot(t *testing.T) {
	err := run(t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "not the repository root") {
		t.Fatalf("run in a directory without go.mod: %v", err)
	}
}
