package extract

import (
	"encoding/json"
	"testing"
)

// BenchmarkJSONValidGoalsPage is a reference point: json.Valid over the same page as
// BenchmarkDecodeGoalsPage (a lower bound for any decoder that reads every byte).
func BenchmarkJSONValidGoalsPage(b *testing.B) {
	body := goalsPage100(b)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if !json.Valid(body) {
			b.Fatal("x")
		}
	}
}
