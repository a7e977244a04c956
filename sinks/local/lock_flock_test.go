//go:build linux || darwin || freebsd || openbsd || netbsd || dragonfly

package local_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/sinks/local"
	"github.com/wbexport/wbexport/sinks/local/localtest"
	"github.com/wbexport/wbexport/sinks/sinktest"
)

// TestCommitWaitsForPublishLock holds <root>/.wbexport.lock like another publishing process
// and checks that Commit waits for it, gives up when its context ends, and publishes nothing.
func TestCommitWaitsForPublishLock(t *testing.T) {
	root := t.TempDir()
	run := sinktest.NewRun(t, sinktest.Date1, mustTable(schemas.Teams))
	s := open(t, root, run)
	defer s.Close()
	write(t, s, run, 1)
	f, err := os.OpenFile(filepath.Join(root, local.LockName), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	_, err = s.Commit(ctx)
	if err == nil || !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "another wbexport run is publishing") {
		t.Fatalf("Commit under a held lock = %v", err)
	}
	if _, ok, _ := localtest.ReadPartition(root, schemas.Teams, sinktest.Date1); ok {
		t.Error("published although the lock was never obtained")
	}
}
