package parquetfile

// Test hooks (compiled only into this package's tests). They are called from the goroutine
// that calls Write, Close and Abort, which owns the fields they read.

// EncoderState reports whether w's encoder goroutine was started (by a Write with
// encode-ahead) and whether it has exited. It does not wait.
func EncoderState(w *Writer) (started, exited bool) {
	if w.exited == nil {
		return false, false
	}
	select {
	case <-w.exited:
		return true, true
	default:
		return true, false
	}
}

// Queued returns how many batches wait in w's queue (not counting one being encoded).
func Queued(w *Writer) int { return len(w.queue) }

// AbortRequested reports whether Abort has told the encoder goroutine to stop.
func AbortRequested(w *Writer) bool { return w.stop.Load() }
