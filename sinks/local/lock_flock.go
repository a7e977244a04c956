//go:build linux || darwin || freebsd || openbsd || netbsd || dragonfly

package local

import (
	"errors"
	"os"
	"syscall"
)

// tryLock opens (creating if needed) path and takes an exclusive, non-blocking flock on it.
// ok is false when another open file description holds the lock (another live run, in this
// or another process). The kernel drops the lock when the process dies.
func tryLock(path string) (f *os.File, ok bool, err error) {
	f, err = os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, false, err
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if errors.Is(err, syscall.EWOULDBLOCK) {
		f.Close()
		return nil, false, nil
	}
	if err != nil {
		f.Close()
		return nil, false, &os.PathError{Op: "flock", Path: path, Err: err}
	}
	return f, true, nil
}

// unlock releases a lock taken by tryLock.
func unlock(f *os.File) {
	syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	f.Close()
}
