package parquetfile_test

import (
	"testing"

	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/sinks/parquetfile"
)

// mode is one way to run a Writer: with the default options (encode-ahead on), synchronously
// (WithEncodeAhead(0)) or with a deeper queue.
type mode struct {
	name  string
	ahead int // WithEncodeAhead argument; -1: option not passed (the default)
}

// modes are the modes every Writer test runs in.
var modes = []mode{
	{"default", -1},
	{"sync", 0},
	{"ahead3", 3},
}

// opts returns opts with the mode's option first (so a test's own options win).
func (m mode) opts(opts ...parquetfile.Option) []parquetfile.Option {
	if m.ahead < 0 {
		return opts
	}
	return append([]parquetfile.Option{parquetfile.WithEncodeAhead(m.ahead)}, opts...)
}

// async reports whether Writers of this mode encode on their own goroutine.
func (m mode) async() bool { return m.ahead != 0 }

// newWriter is parquetfile.NewWriter in mode m.
func (m mode) newWriter(tbl *schemas.Table, create parquetfile.FileFactory, opts ...parquetfile.Option) (*parquetfile.Writer, error) {
	return parquetfile.NewWriter(tbl, create, m.opts(opts...)...)
}

// forModes runs f as a subtest per mode.
func forModes(t *testing.T, f func(t *testing.T, m mode)) {
	t.Helper()
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) { f(t, m) })
	}
}
