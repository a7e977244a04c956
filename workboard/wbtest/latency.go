package wbtest

import (
	"math/rand/v2"
	"net/http"
	"sync"
	"time"
)

// latency draws each API response's delay for WithLatency: fixed plus a uniformly random
// [0, jitter) from a generator seeded like the faults, so a seed and request sequence always
// give the same delays.
type latency struct {
	fixed, jitter time.Duration
	mu            sync.Mutex
	rng           *rand.Rand
}

// newLatency draws the delays of WithLatency(fixed, jitter) from seed.
func newLatency(fixed, jitter time.Duration, seed int64) *latency {
	return &latency{fixed: fixed, jitter: jitter, rng: rand.New(rand.NewPCG(uint64(seed), 0x1a_7e))}
}

// enabled reports whether responses are delayed at all.
func (l *latency) enabled() bool { return l.fixed > 0 || l.jitter > 0 }

// draw returns one request's delay.
func (l *latency) draw() time.Duration {
	d := l.fixed
	if l.jitter > 0 {
		l.mu.Lock()
		d += time.Duration(l.rng.Int64N(int64(l.jitter)))
		l.mu.Unlock()
	}
	return d
}

// sleepUntil sleeps until t (if it is in the future); false if the client went away meanwhile.
func sleepUntil(r *http.Request, t time.Time) bool {
	if d := time.Until(t); d > 0 {
		return sleepCtx(r, d)
	}
	return r.Context().Err() == nil
}

// dueWriter holds a response back until its due time: the first WriteHeader or Write waits
// until due. The handler renders its body before writing, so the time it spends counts
// towards the latency, as a real server's rendering time is part of the latency its clients
// see.
type dueWriter struct {
	http.ResponseWriter
	r      *http.Request
	due    time.Time
	waited bool
}

// wait sleeps until the response is due, once.
func (d *dueWriter) wait() {
	if !d.waited {
		d.waited = true
		sleepUntil(d.r, d.due)
	}
}

// WriteHeader and Write hold the response back until it is due.
func (d *dueWriter) WriteHeader(code int) { d.wait(); d.ResponseWriter.WriteHeader(code) }

func (d *dueWriter) Write(b []byte) (int, error) { d.wait(); return d.ResponseWriter.Write(b) }

// Unwrap lets http.ResponseController reach the underlying writer.
func (d *dueWriter) Unwrap() http.ResponseWriter { return d.ResponseWriter }

// sleepCtx sleeps for d; false if the client went away meanwhile.
func sleepCtx(r *http.Request, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}
