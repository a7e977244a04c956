package extract

import (
	"math/rand/v2"
	"testing"
)

// TestIDSet checks idSet against a map over random ids with repeats, 0 and negative ids
// included, across several growths.
func TestIDSet(t *testing.T) {
	var s idSet
	want := map[int64]bool{}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 50_000 {
		id := rng.Int64N(20_000) - 100
		if i%7 == 0 {
			id = rng.Int64()
		}
		if got, w := s.add(id), !want[id]; got != w {
			t.Fatalf("add(%d) = %v, want %v (step %d)", id, got, w, i)
		}
		want[id] = true
	}
	if s.n+map[bool]int{true: 1}[s.zero] != len(want) {
		t.Fatalf("%d ids in the set, want %d", s.n, len(want))
	}
}
