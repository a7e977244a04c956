//go:build !(linux || darwin || freebsd || openbsd || netbsd || dragonfly)

package local

import (
	"fmt"
	"os"
	"runtime"
)

// tryLock is not implemented without flock(2): the local sink refuses to run rather than
// publish without mutual exclusion.
func tryLock(path string) (*os.File, bool, error) {
	return nil, false, fmt.Errorf("file locking is not supported on %s", runtime.GOOS)
}

func unlock(f *os.File) { f.Close() }
