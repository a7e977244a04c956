package extract

import (
	"context"
	"github.com/wbexport/wbexport/workboard"
	"testing"
	"time"

	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/workboard/wbtest"
)

// TestExportUnderServerRateLimit exports through the emulator's server-side rate limit (429 +
// Retry-After beyond it) with a client rate far above it. The first 429 pauses the whole pacer
// for Retry-After and cuts the rate to what the server accepted, so only the requests already
// in flight (at most C) get the first burst of 429s, and hardly any follow. Key results are
// listed by goal, for enough requests to meet the limit.
func TestExportUnderServerRateLimit(t *testing.T) {
	const conc = 4
	org := wbtest.Generate(wbtest.OrgConfig{Seed: 7, Users: 20, Teams: 4, Goals: 50})
	ts := wbtest.Start(t, org, wbtest.WithRateLimit(20))
	ex := newExporter(t, ts.BaseURL, ts.AdminToken, workboard.WithRate(100000),
		workboard.WithConcurrency(conc), workboard.WithBackoff(time.Millisecond, 5*time.Millisecond))
	g := &gather{}
	p := FullPlan()
	p.KRListing = KRByGoal
	rep, err := ex.Export(context.Background(), p, g.emit)
	if err != nil {
		t.Fatalf("export: %v\nemulator: %v", err, ts.Emulator.Stats())
	}
	st := ts.Emulator.Stats()
	t.Logf("requests %d, 429s %d, rate now %.1f/s, throttle wait %d ms", rep.Requests, rep.HTTP429, ex.Client().CurrentRate(), rep.ThrottleWaitMS)
	if st.RateLimited == 0 {
		t.Fatal("the server's rate limit never answered 429: the test does not exercise the pacer")
	}
	if rep.HTTP429 != st.RateLimited || rep.Retries["429"] != st.RateLimited {
		t.Fatalf("client counted %d 429s (%d retries), server sent %d", rep.HTTP429, rep.Retries["429"], st.RateLimited)
	}
	// the first burst (requests in flight when the first 429 arrived) plus a small constant
	if limit := int64(conc + 2); st.RateLimited > limit {
		t.Fatalf("%d requests answered 429, want at most %d (the first burst of %d + 2)", st.RateLimited, limit, conc)
	}
	if ex.Client().CurrentRate() >= 100000 {
		t.Fatalf("rate not cut: %v", ex.Client().CurrentRate())
	}
	krs, _, _, _ := org.Counts()
	if rep.Rows[schemas.KeyResults] != int64(krs) || rep.Rows[schemas.Goals] != int64(len(org.Goals)) {
		t.Fatalf("rows %v, want %d goals and %d key results", rep.Rows, len(org.Goals), krs)
	}
	compareOrg(t, org, &g.b)
}
