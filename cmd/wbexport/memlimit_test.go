package main

import "testing"

func TestMemoryLimit(t *testing.T) {
	env := func(kv ...string) func(string) (string, bool) {
		return func(k string) (string, bool) {
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1], true
				}
			}
			return "", false
		}
	}
	tests := []struct {
		name string
		args []string
		env  func(string) (string, bool)
		want int64
	}{
		{"run", []string{"run", "--sink", "file:///tmp/x"}, env(), DefaultMemoryLimit},
		{"run after a flag", []string{"--help", "run"}, env(), DefaultMemoryLimit},
		{"GOMEMLIMIT wins", []string{"run"}, env("GOMEMLIMIT", "512MiB"), 0},
		{"GOMEMLIMIT=off wins", []string{"run"}, env("GOMEMLIMIT", "off"), 0},
		{"empty GOMEMLIMIT is unset", []string{"run"}, env("GOMEMLIMIT", " "), DefaultMemoryLimit},
		{"emulate holds an org", []string{"emulate", "--goals", "100000"}, env(), 0},
		{"demo", []string{"demo"}, env(), 0},
		{"run as a flag value is not the command", []string{"schema", "run"}, env(), 0},
		{"no command", nil, env(), 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := memoryLimit(tc.args, tc.env); got != tc.want {
				t.Fatalf("memoryLimit(%q) = %d, want %d", tc.args, got, tc.want)
			}
		})
	}
	if DefaultMemoryLimit < 64<<20 || DefaultMemoryLimit > 256<<20 {
		t.Fatalf("DefaultMemoryLimit %d outside the range the benchmarks support", DefaultMemoryLimit)
	}
}
