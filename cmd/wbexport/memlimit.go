package main

import (
	"runtime/debug"
	"strings"
)

// DefaultMemoryLimit is the soft memory limit (runtime/debug.SetMemoryLimit) that `wbexport run`
// sets unless the GOMEMLIMIT environment variable is set (GOMEMLIMIT=off removes the limit,
// GOMEMLIMIT=512MiB sets another). An export's live heap is bounded by batch and row-group sizes
// (about 160 MiB at most, also at 100k goals), but with the Go default (GOGC=100, no limit) the
// heap grows to twice the live heap between collections; the limit makes the collector run
// earlier instead, keeping the peak RSS near the limit plus the binary (~45 MiB). It is soft:
// a larger live heap makes the collector work harder (bounded at half the CPU by the runtime),
// never fails the run.
const DefaultMemoryLimit int64 = 176 << 20

// memoryLimit returns the soft memory limit to set for the command line args (without the
// program name), or 0 to keep the runtime's: DefaultMemoryLimit for `run` when GOMEMLIMIT is not
// set. Other commands (emulate, demo: they hold a whole emulated organisation) keep the default.
func memoryLimit(args []string, lookupEnv func(string) (string, bool)) int64 {
	if v, ok := lookupEnv("GOMEMLIMIT"); ok && strings.TrimSpace(v) != "" {
		return 0
	}
	for _, a := range args {
		if strings.HasPrefix(a, "-") {
			continue // the root command has no flags taking a value
		}
		if a == "run" {
			return DefaultMemoryLimit
		}
		return 0
	}
	return 0
}

// setMemoryLimit applies memoryLimit for args.
func setMemoryLimit(args []string, lookupEnv func(string) (string, bool)) {
	if l := memoryLimit(args, lookupEnv); l > 0 {
		debug.SetMemoryLimit(l)
	}
}
