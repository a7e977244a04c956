package chaos_test

import (
	"testing"

	"github.com/wbexport/wbexport/internal/chaos"
	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/workboard/wbtest"
)

// TestEverySinkPublishesTheGroundTruth exports one seeded org through the real pipeline into
// every sink (local Parquet, S3 on versitygw, the BigQuery wire server), reads each back
// through its independent path, and checks (1) key columns and measures against the
// emulator's ground truth (wbtest.Org values, not the client's records) and (2) that every
// sink holds exactly the same rows, every column, as the local sink. transform's
// TestGroundTruth checks every column of every table against the ground truth; this test
// carries that equality to the S3 and BigQuery sinks.
func TestEverySinkPublishesTheGroundTruth(t *testing.T) {
	org := testOrg()
	targets := []chaos.Target{chaos.NewLocal(t), chaos.NewS3(t), chaos.NewBigQuery(t)}
	published := map[string]tables{}
	for _, tgt := range targets {
		if _, err := export(t, tgt, wbtest.Start(t, org), nil); err != nil {
			t.Fatalf("%s: export: %v", tgt.Name(), err)
		}
		published[tgt.Name()] = readAll(t, tgt)
	}

	// (1) Ground truth, from the emulator's Go values.
	ref := published["local"]
	goalProgress := map[int64]float64{}
	for _, g := range org.Goals {
		goalProgress[g.ID] = g.Progress
	}
	checkins := map[int64]*float64{}
	krProgress := map[int64]float64{}
	for _, g := range org.Goals {
		for _, kr := range g.KeyResults {
			krProgress[kr.ID] = kr.Progress
			for _, md := range kr.MetricData {
				checkins[md.ID] = md.Value
			}
		}
	}
	if got, want := len(ref[schemas.Users]), len(org.Users); got != want {
		t.Errorf("users: %d rows, ground truth %d", got, want)
	}
	withAttrs := 0
	for _, u := range org.Users {
		if len(u.CustomAttributes) > 0 {
			withAttrs++
		}
	}
	gotAttrs := 0
	for _, r := range ref[schemas.Users] {
		if r["custom_attributes"] != nil {
			gotAttrs++
		}
	}
	if withAttrs == 0 || gotAttrs != withAttrs {
		t.Errorf("users: %d rows with custom_attributes, ground truth %d (must be > 0)", gotAttrs, withAttrs)
	}
	if got, want := len(ref[schemas.Teams]), len(org.Teams); got != want {
		t.Errorf("teams: %d rows, ground truth %d", got, want)
	}
	if got, want := len(ref[schemas.Goals]), len(goalProgress); got != want {
		t.Errorf("goals: %d rows, ground truth %d", got, want)
	}
	for _, r := range ref[schemas.Goals] {
		id := r["goal_id"].(int64)
		if p, ok := goalProgress[id]; !ok || r["goal_progress"] != p {
			t.Errorf("goal %d: progress %v, ground truth %v (known %v)", id, r["goal_progress"], p, ok)
		}
	}
	if got, want := len(ref[schemas.KeyResults]), len(krProgress); got != want {
		t.Errorf("key_results: %d rows, ground truth %d", got, want)
	}
	for _, r := range ref[schemas.KeyResults] {
		id := r["metric_id"].(int64)
		if p, ok := krProgress[id]; !ok || r["metric_progress"] != p {
			t.Errorf("key result %d: progress %v, ground truth %v (known %v)", id, r["metric_progress"], p, ok)
		}
	}
	if got, want := len(ref[schemas.KeyResultCheckins]), len(checkins); got != want {
		t.Errorf("key_result_checkins: %d rows, ground truth %d", got, want)
	}
	for _, r := range ref[schemas.KeyResultCheckins] {
		id := r["metric_data_id"].(int64)
		want, ok := checkins[id]
		switch {
		case !ok:
			t.Errorf("check-in %d is not in the ground truth", id)
		case want == nil && r["metric_data_value"] != nil:
			t.Errorf("check-in %d: value %v, ground truth null (missed)", id, r["metric_data_value"])
		case want != nil && r["metric_data_value"] != *want:
			t.Errorf("check-in %d: value %v, ground truth %v", id, r["metric_data_value"], *want)
		}
	}

	// (2) Every sink publishes the same rows, every column.
	for _, name := range []string{"s3", "bigquery"} {
		equalTables(t, name+" vs local", ref, published[name])
	}
}
