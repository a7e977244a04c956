package extract

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
)

// synthPage builds a page of n copies of the resource object found at data.<key> of fixture,
// with distinct ids, wrapped as wrap(items).
func synthPage(b testing.TB, fixtureName, key, idField string, n int, wrap func(items string) string) []byte {
	b.Helper()
	var env struct {
		Data map[string]json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(fixture(b, fixtureName), &env); err != nil {
		b.Fatal(err)
	}
	obj := map[string]any{}
	if err := json.Unmarshal(env.Data[key], &obj); err != nil {
		b.Fatal(err)
	}
	var items bytes.Buffer
	for i := 0; i < n; i++ {
		obj[idField] = fmt.Sprint(1000000 + i)
		js, _ := json.Marshal(obj)
		if i > 0 {
			items.WriteByte(',')
		}
		items.Write(js)
	}
	return []byte(wrap(items.String()))
}

func goalsPage100(b testing.TB) []byte {
	return synthPage(b, "goal_by_id.json", "goal", "goal_id", 100, func(items string) string {
		return `{"success":true,"message":"","data":{"totalCount":"100000","goal":[{"user_id":"180231","user_email":"p@example.com","people_goals":[` + items + `]}]}}`
	})
}

func metricsPage20(b testing.TB) []byte {
	return synthPage(b, "metric_by_id_with_data.json", "metric", "metric_id", 20, func(items string) string {
		return `{"success":true,"message":"","data":{"totalCount":20,"metric":[` + items + `]}}`
	})
}

func TestSynthPagesDecode(t *testing.T) {
	p, err := DecodeGoalsPage(goalsPage100(t))
	if err != nil || len(p.Goals) != 100 {
		t.Fatalf("%v %d", err, len(p.Goals))
	}
	m, err := DecodeMetricsPage(metricsPage20(t))
	if err != nil || len(m.KeyResults) != 20 || len(m.Checkins) != 20*8 {
		t.Fatalf("%v %d %d", err, len(m.KeyResults), len(m.Checkins))
	}
}

// BenchmarkDecodeGoalsPage decodes one page of 100 goals (a people_goals wrapper holding
// copies of goal_by_id.json's goal with custom attributes, categories and KR stubs).
func BenchmarkDecodeGoalsPage(b *testing.B) {
	body := goalsPage100(b)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeGoalsPage(body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeMetricsPage decodes one /metric page of 20 key results, each with 8
// metric_data rows, confidence and comments (metric_by_id_with_data.json).
func BenchmarkDecodeMetricsPage(b *testing.B) {
	body := metricsPage20(b)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeMetricsPage(body); err != nil {
			b.Fatal(err)
		}
	}
}
