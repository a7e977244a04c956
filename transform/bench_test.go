package transform_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/transform"
	"github.com/wbexport/wbexport/workboard"
)

// Each benchmark op is one row, so ns/op and allocs/op are per row; rows are fed in batches of
// up to 1,000 records (a page-sized workboard.Batch) and flushed at the end.

func benchGoals(n int) []workboard.Goal {
	out := make([]workboard.Goal, n)
	for k := range out {
		out[k] = workboard.Goal{
			Meta: meta, GoalID: int64(100000 + k), GoalName: s(fmt.Sprintf("Grow revenue in region %d 🚀", k)),
			GoalNarrative: s("Quarterly objective of the platform team, with a medium-length narrative text."),
			GoalType:      workboard.Some(workboard.IDName{ID: "1", Name: "Team"}), GoalOwner: i(101), GoalOwnerFullName: s("Zoë Núñez"),
			GoalCreateAt: t(1600000001), GoalModifiedAt: t(1600000002), GoalCreatedBy: i(102), GoalUpdatedBy: i(103),
			GoalStartDate: t(1600000003), GoalTargetDate: t(1600000004), GoalProgress: f(63.96), GoalProgressColor: s("amber"),
			GoalStatus: s("1"), GoalPermission: []string{"team", "internal"},
			GoalCategory:    []workboard.IDName{{ID: "11", Name: "Growth"}, {ID: "12", Name: "Quality"}},
			GoalWorkstreams: []workboard.IDName{{ID: "21", Name: "WS one"}},
			GoalTeamID:      i(20), GoalTeamName: s("Platform"), GoalMetricsCount: i(3), GoalCommentsCount: i(2),
			CustomAttributesJSON: json.RawMessage(`[{"id":"4","name":"Risk","value":"high","status":"1"}]`),
		}
	}
	return out
}

func benchCheckins(n int) []workboard.Checkin {
	out := make([]workboard.Checkin, n)
	for k := range out {
		c := workboard.Checkin{Meta: meta, MetricDataID: int64(k + 1), MetricID: int64(k / 10), GoalID: int64(k / 30),
			CreatedAt: t(1600000000 + int64(k)*86400)}
		if k%4 != 0 { // every fourth slot missed
			c.Value, c.UpdatedAt, c.CreatedBy, c.Comment = f(float64(k)*1.5), t(1600000100+int64(k)*86400), i(101), s("on track")
		}
		out[k] = c
	}
	return out
}

func runBench(b *testing.B, rows int, add func(tr *transform.Transformer, from, to int) error) {
	mem := memory.NewGoAllocator()
	tr, err := transform.New(mem, lin, func(context.Context, schemas.TableID, arrowRec) error { return nil })
	if err != nil {
		b.Fatal(err)
	}
	defer tr.Release()
	b.ReportAllocs()
	b.ResetTimer()
	for n := 0; n < b.N; n += rows {
		if err := add(tr, 0, min(rows, b.N-n)); err != nil {
			b.Fatal(err)
		}
	}
	if err := tr.Flush(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/row")
}

func BenchmarkTransformGoals(b *testing.B) {
	goals := benchGoals(1000)
	runBench(b, len(goals), func(tr *transform.Transformer, from, to int) error {
		return tr.Add(context.Background(), &workboard.Batch{Goals: goals[from:to]})
	})
}

func BenchmarkTransformCheckins(b *testing.B) {
	cs := benchCheckins(1000)
	runBench(b, len(cs), func(tr *transform.Transformer, from, to int) error {
		return tr.Add(context.Background(), &workboard.Batch{Checkins: cs[from:to]})
	})
}
