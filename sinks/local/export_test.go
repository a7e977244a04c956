package local

// SetPublishHook installs testHookPublishStep for a test and returns a func restoring it.
func SetPublishHook(f func(step string) error) (restore func()) {
	old := testHookPublishStep
	testHookPublishStep = f
	return func() { testHookPublishStep = old }
}

// SimulateCrash releases the run's memory and lock the way a dying process would (the kernel
// drops the flock), without any cleanup of the staging directory.
func (s *Sink) SimulateCrash() {
	s.abortWriters()
	s.st = stateClosed
	if s.runLock != nil {
		unlock(s.runLock)
		s.runLock = nil
	}
}
