package extract

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/workboard"
	"github.com/wbexport/wbexport/workboard/wbtest"
)

// TestExportKeyResultTags exports key_result_tags alone (the goals are listed for the key
// result ids, and not emitted) with batch sizes the emulator accepts or refuses, and checks
// the rows against the ground truth and the number of krtags requests: ⌈M/B⌉ when the batch
// is accepted; when refused, the refused requests plus ⌈M/B'⌉ with B' the first half that
// passes.
func TestExportKeyResultTags(t *testing.T) {
	org := wbtest.Generate(wbtest.OrgConfig{Seed: 5, Users: 8, Teams: 2, Goals: 20})
	var want []string
	krs := 0
	for _, g := range org.Goals {
		for _, k := range g.KeyResults {
			krs++
			for _, id := range k.TagIDs {
				want = append(want, fmt.Sprintf("%d/%d/%s", k.ID, id, org.Tag(id).Name))
			}
		}
	}
	slices.Sort(want)
	for _, tc := range []struct {
		name       string
		batch, max int
		requests   int
		refused    bool
	}{
		{name: "accepted", batch: 25, max: 100, requests: ceilDiv(krs, 25)},
		{name: "one batch", batch: 500, max: 500, requests: 1},
		// the first batch of 40 is refused, then its first half of 20: everything goes by 10
		{name: "refused, halved", batch: 40, max: 12, requests: 2 + ceilDiv(krs, 10), refused: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := wbtest.Start(t, org, wbtest.WithMaxKRTagIDs(tc.max))
			ex := newExporter(t, ts.BaseURL, ts.AdminToken, workboard.WithRate(0), WithKRTagsBatch(tc.batch))
			g := &gather{}
			rep, err := ex.Export(context.Background(), plan(t, schemas.KeyResultTags), g.emit)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, k := range g.b.KRTags {
				got = append(got, fmt.Sprintf("%d/%d/%s", k.MetricID, k.TagID, k.TagName.V))
			}
			slices.Sort(got)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("key result tags (-want +got):\n%s", diff)
			}
			if len(g.b.Goals) != 0 {
				t.Error("goals emitted without being planned")
			}
			type stats struct {
				Requests int64
				Fetched  int64
				Refused  bool
			}
			es := rep.Endpoints["key_result_tags"]
			gotStats := stats{int64(es.Requests), es.Fetched, strings.Contains(strings.Join(rep.Warnings, "\n"), "refused")}
			if diff := cmp.Diff(stats{int64(tc.requests), int64(krs), tc.refused}, gotStats); diff != "" {
				t.Errorf("krtags calls (-want +got):\n%s", diff)
			}
		})
	}
}

// TestExportTags lists the tag dimension over several pages.
func TestExportTags(t *testing.T) {
	org := wbtest.Generate(wbtest.OrgConfig{Seed: 5, Users: 8, Teams: 2, Goals: 5})
	ts := wbtest.Start(t, org)
	ex := newExporter(t, ts.BaseURL, ts.AdminToken, workboard.WithRate(0), WithPageSize(3))
	g := &gather{}
	rep, err := ex.Export(context.Background(), plan(t, schemas.Tags), g.emit)
	if err != nil {
		t.Fatal(err)
	}
	var want, got []int64
	for _, tg := range org.Tags {
		want = append(want, tg.ID)
	}
	for _, tg := range g.b.Tags {
		got = append(got, tg.TagID)
	}
	slices.Sort(got) // pages are fetched concurrently
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("tag ids (-want +got):\n%s", diff)
	}
	if n := rep.Endpoints["tags"].Requests; n != ceilDiv(len(org.Tags), 3) {
		t.Errorf("%d /tags requests, want %d", n, ceilDiv(len(org.Tags), 3))
	}
	if len(g.b.Goals) != 0 || rep.Endpoints["goals"] != nil {
		t.Error("goals listed for the tags table alone")
	}
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }
