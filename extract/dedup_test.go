package extract

import (
	"context"
	"fmt"
	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/workboard"
	"github.com/wbexport/wbexport/workboard/decode"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"
)

// metricBody is a /metric response holding the given key results, each with check-ins of the
// given metric_data_ids (repeats allowed) and one confidence entry.
func metricBody(krs map[int64][]int64, order ...int64) []byte {
	var ms []string
	for _, id := range order {
		var data []string
		for _, d := range krs[id] {
			data = append(data, fmt.Sprintf(`{"metric_data_id":"%d","metric_data_value":"%d","metric_data_created_at":"1767225600","metric_data_updated_at":"1767225600"}`, d, d))
		}
		ms = append(ms, fmt.Sprintf(`{"metric_id":"%d","metric_name":"KR %d","metric_data":[%s],"metric_confidence":[{"confidence":"2","comment":"ok","modified_at":"1767225600"}]}`,
			id, id, strings.Join(data, ",")))
	}
	return []byte(fmt.Sprintf(`{"success":true,"message":"","data":{"totalCount":%d,"metric":[%s]}}`, len(ms), strings.Join(ms, ",")))
}

func metricByIDBody(id int64, data []int64) []byte {
	b := string(metricBody(map[int64][]int64{id: data}, id))
	// /metric/{id} answers with one object, not a list
	b = strings.Replace(b, `"metric":[`, `"metric":`, 1)
	return []byte(strings.TrimSuffix(b, "]}}") + "}}")
}

// Check-ins are de-duplicated without a run-wide id set: a key result that two goals return
// is emitted once with its check-ins once, and a metric_data_id repeated inside one key result
// is emitted once; both for the per-goal and the per-key-result plans.
func TestExportDuplicateCheckins(t *testing.T) {
	// 310552 comes for two goals, with a repeated check-in slot 2; 310553 repeats slot 5
	krs := map[int64][]int64{310552: {1, 2, 2, 3}, 310553: {5, 5}}
	tests := []struct {
		name    string
		plan    Plan
		krDups  int64
		serveKR func(t *testing.T) http.HandlerFunc
	}{
		{"per goal", plan(t, schemas.KeyResults, schemas.KeyResultCheckins, schemas.KeyResultConf), 1, nil},
		{"per key result", perKR(plan(t, schemas.KeyResults, schemas.KeyResultCheckins, schemas.KeyResultConf)), 0,
			func(t *testing.T) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) {
					switch id := r.PathValue("id"); id {
					case "310552":
						writeJSON(w, 200, metricByIDBody(310552, krs[310552]))
					case "310553":
						writeJSON(w, 200, metricByIDBody(310553, krs[310553]))
					default:
						writeJSON(w, 400, body(t, "error_invalid_resource_id.json"))
					}
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mux := http.NewServeMux()
			mux.Handle("/", fixtureOrg(t))
			mux.HandleFunc("/wb/apis/metric", func(w http.ResponseWriter, r *http.Request) {
				switch r.URL.Query().Get("goal_id") {
				case "90114":
					writeJSON(w, 200, metricBody(krs, 310552, 310553))
				case "90101":
					writeJSON(w, 200, metricBody(krs, 310552))
				default:
					writeJSON(w, 200, []byte(`{"success":true,"message":"","data":{"totalCount":0,"metric":[]}}`))
				}
			})
			if tc.serveKR != nil {
				mux.HandleFunc("/wb/apis/metric/{id}", tc.serveKR(t))
			}
			ex := newTestExporter(t, mux, WithPageSize(3), fixtureSkips)
			col := &collector{}
			rep, err := ex.Export(context.Background(), tc.plan, col.emit)
			if err != nil {
				t.Fatal(err)
			}
			var kr, ci []int
			for _, k := range col.all.KeyResults {
				kr = append(kr, int(k.MetricID))
			}
			seen := map[int64]int64{}
			for _, c := range col.all.Checkins {
				ci = append(ci, int(c.MetricDataID))
				if m, ok := seen[c.MetricDataID]; ok && m != c.MetricID {
					t.Errorf("check-in %d under key results %d and %d", c.MetricDataID, m, c.MetricID)
				}
				seen[c.MetricDataID] = c.MetricID
			}
			sort.Ints(kr)
			sort.Ints(ci)
			if fmt.Sprint(kr) != "[310552 310553]" || fmt.Sprint(ci) != "[1 2 3 5]" {
				t.Fatalf("key results %v check-ins %v, want [310552 310553] and [1 2 3 5]", kr, ci)
			}
			if len(col.all.Confidence) != 2 {
				t.Fatalf("%d confidence rows, want one per key result", len(col.all.Confidence))
			}
			if es := rep.Endpoints["key_results"]; es.Duplicates != tc.krDups || es.Fetched != 2 {
				t.Fatalf("key_results endpoint %+v, want 2 fetched, %d duplicates", es, tc.krDups)
			}
			if rep.Rows["key_result_checkins"] != 4 {
				t.Fatalf("rows %v", rep.Rows)
			}
		})
	}
}

// The de-dup state an export keeps grows with key results, never with check-ins: after many
// pages of key results with many check-ins each, the run holds one id per key result and none
// per check-in.
func TestDedupStateDoesNotGrowPerCheckin(t *testing.T) {
	const pages, krsPerPage, perKR = 500, 3, 40
	r := newRun(nil, FullPlan(), nil, time.Now())
	m := workboard.Meta{ExtractedAt: time.Unix(1767225600, 0).UTC(), Endpoint: "/metric?goal_id=1"}
	var emitted int
	next := int64(1)
	for p := 0; p < pages; p++ {
		pg := &decode.Page{}
		for k := 0; k < krsPerPage; k++ {
			mid := int64(p*krsPerPage + k + 1)
			pg.KeyResults = append(pg.KeyResults, workboard.KeyResult{MetricID: mid})
			for j := 0; j < perKR; j++ {
				pg.Checkins = append(pg.Checkins, workboard.Checkin{MetricID: mid, MetricDataID: next})
				next++
			}
		}
		b, fresh, dups := r.acceptKRs(pg, m)
		if fresh != krsPerPage || dups != 0 {
			t.Fatalf("page %d: fresh %d dups %d", p, fresh, dups)
		}
		emitted += len(b.Checkins)
	}
	if emitted != pages*krsPerPage*perKR {
		t.Fatalf("emitted %d check-ins, want %d", emitted, pages*krsPerPage*perKR)
	}
	s := r.seen
	if held := len(s.users) + len(s.teams) + len(s.goals) + len(s.goalComments) + len(s.krs) + len(s.members); held != pages*krsPerPage {
		t.Fatalf("%d ids kept after %d pages, want one per key result (%d)", held, pages, pages*krsPerPage)
	}
}
