package extract

import (
	"context"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/wbexport/wbexport/workboard"
	"github.com/wbexport/wbexport/workboard/wbtest"
)

// TestStatus follows Exporter.Status through exports by each strategy: the calls only grow,
// the estimate of the calls to come is never far off once known, and at the end it is exact.
func TestStatus(t *testing.T) {
	org := wbtest.Generate(wbtest.OrgConfig{Seed: 5, Users: 40, Teams: 6, Goals: 150})
	ts := wbtest.Start(t, org)
	for _, listing := range []KRListing{KRAuto, KRByTeam, KRByGoal} {
		t.Run(string(listing), func(t *testing.T) {
			ex := newExporter(t, ts.BaseURL, ts.AdminToken, workboard.WithRate(0), WithPageSize(20))
			if st := ex.Status(); st.Running || st.Expected != -1 {
				t.Fatalf("before any export: %+v", st)
			}
			var seen []Status
			done := make(chan struct{})
			var wg sync.WaitGroup
			wg.Go(func() { // emit is called with the run's lock held: look from elsewhere
				for {
					select {
					case <-done:
						return
					case <-time.After(time.Millisecond):
						if st := ex.Status(); st.Running {
							seen = append(seen, st)
						}
					}
				}
			})
			p := FullPlan()
			p.KRListing = listing
			rep, err := ex.Export(context.Background(), p, func(context.Context, *workboard.Batch) error {
				time.Sleep(100 * time.Microsecond) // a sink's pace, so that the export is seen running
				return nil
			})
			close(done)
			wg.Wait()
			if err != nil {
				t.Fatal(err)
			}
			end := ex.Status()
			var calls int64
			for _, es := range rep.Endpoints {
				calls += int64(es.Requests)
			}
			if end.Running || end.Calls != calls || end.Expected != calls || end.Requests != rep.Requests {
				t.Fatalf("at the end: %+v, want %d calls expected and made, %d requests", end, calls, rep.Requests)
			}
			if eta, ok := end.ETA(); !ok || eta != 0 {
				t.Fatalf("ETA at the end: %v %v", eta, ok)
			}
			var last int64
			known := 0
			for _, st := range seen {
				if !st.Running || st.Calls < last {
					t.Fatalf("status %+v after %d calls", st, last)
				}
				last = st.Calls
				if st.Expected >= 0 {
					known++
					if st.Expected < calls/2 || st.Expected > calls*3/2 {
						t.Fatalf("expected %d calls after %d, the export made %d", st.Expected, st.Calls, calls)
					}
				}
			}
			if known < len(seen)/2 {
				t.Fatalf("the calls to come were known in only %d of %d snapshots", known, len(seen))
			}
		})
	}
}

func TestStatusETA(t *testing.T) {
	for _, tc := range []struct {
		st   Status
		want time.Duration
		ok   bool
	}{
		{Status{Expected: -1, Calls: 10, Elapsed: time.Second}, 0, false},
		{Status{Expected: 100, Calls: 0, Elapsed: time.Second}, 0, false},
		// 50 calls in 10 s: 5/s, below the rate of 20/s: 50 left take 10 s
		{Status{Expected: 100, Calls: 50, Elapsed: 10 * time.Second, Rate: 20}, 10 * time.Second, true},
		// the rate was cut to 2/s: 50 left take 25 s
		{Status{Expected: 100, Calls: 50, Elapsed: 10 * time.Second, Rate: 2}, 25 * time.Second, true},
		{Status{Expected: 100, Calls: 50, Elapsed: 10 * time.Second, Rate: math.Inf(1)}, 10 * time.Second, true},
	} {
		if got, ok := tc.st.ETA(); got != tc.want || ok != tc.ok {
			t.Errorf("%+v: ETA %v %v, want %v %v", tc.st, got, ok, tc.want, tc.ok)
		}
	}
}
