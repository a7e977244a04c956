package pipeline_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wbexport/wbexport/extract"
	"github.com/wbexport/wbexport/internal/pipeline"
	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/sinks"
	"github.com/wbexport/wbexport/sinks/local"
	"github.com/wbexport/wbexport/transform"
	"github.com/wbexport/wbexport/workboard"
)

// slowExtractor is an export of 95 s that emits nothing and reports a Status as it goes: 5
// calls a second of 500, a rate of 5/s cut at 10.5 s and 12.5 s and raised at 50.5 s.
type slowExtractor struct{ start time.Time }

func (x *slowExtractor) Export(ctx context.Context, _ extract.Plan, _ func(context.Context, *workboard.Batch) error) (*extract.Report, error) {
	time.Sleep(95*time.Second - time.Since(x.start))
	return &extract.Report{Rows: map[schemas.TableID]int64{}}, nil
}

func (x *slowExtractor) Status() extract.Status {
	t := time.Since(x.start)
	st := extract.Status{Running: true, Elapsed: t, Calls: int64(t / (200 * time.Millisecond)), Expected: 500, Rate: 5,
		Requests: int64(t / (200 * time.Millisecond)), Retries: map[string]int64{"429": 2},
		Rows: map[schemas.TableID]int64{schemas.Goals: int64(t / time.Second), schemas.Users: 7}}
	for _, c := range []time.Duration{10500 * time.Millisecond, 12500 * time.Millisecond} {
		if t >= c {
			st.RateCuts++
			st.Rate /= 2
		}
	}
	if t >= 50500*time.Millisecond {
		st.RateRaises++
		st.Rate = 5
	}
	return st
}

// syncBuffer is a bytes.Buffer safe for the log handler's concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// TestProgressLines runs a 95 s export on the bubble's virtual clock with a progress
// interval of 30 s and reads the JSON log: a progress line at 30, 60 and 90 s with the calls,
// rows as an object and times as seconds; a rate line at the first change and then at most
// one per interval, aggregating the changes in between.
func TestProgressLines(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var out syncBuffer
		log := slog.New(slog.NewJSONHandler(&out, nil))
		root := t.TempDir()
		run := sinks.RunInfo{RunID: transform.RunID(), SnapshotDate: day, Tables: schemas.DataTables(), Version: "test"}
		s, err := local.New(context.Background(), root, run)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		start := time.Now()
		if _, err := pipeline.Run(context.Background(), pipeline.Config{Extractor: &slowExtractor{start: start}, Plan: extract.FullPlan(), Sink: s,
			Run: run, SinkName: "file://" + root, APIBase: "http://emulator", Logger: log, ProgressEvery: 30 * time.Second}); err != nil {
			t.Fatal(err)
		}
		type line struct {
			At                               int // seconds since the start
			Msg                              string
			Calls, CallsExpected, HTTP429    int64
			Retries, Cuts, Raises            int64
			Rate, PreviousRate, Elapsed, ETA float64
			Rows                             map[string]int64
		}
		var got []line
		for _, l := range strings.Split(strings.TrimSpace(out.b.String()), "\n") {
			var m struct {
				Time          time.Time
				Msg           string
				Calls         int64            `json:"calls"`
				CallsExpected int64            `json:"calls_expected"`
				HTTP429       int64            `json:"http_429"`
				Retries       int64            `json:"retries"`
				Cuts          int64            `json:"cuts"`
				Raises        int64            `json:"raises"`
				Rate          float64          `json:"rate_per_s"`
				PreviousRate  float64          `json:"previous_rate_per_s"`
				Elapsed       float64          `json:"elapsed_s"`
				ETA           float64          `json:"eta_s"`
				Rows          map[string]int64 `json:"rows"`
				DurationS     *float64         `json:"duration_s"`
			}
			if err := json.Unmarshal([]byte(l), &m); err != nil {
				t.Fatalf("%v: %s", err, l)
			}
			switch m.Msg {
			case "progress", "api rate changed":
				got = append(got, line{At: int(m.Time.Sub(start) / time.Second), Msg: m.Msg, Calls: m.Calls, CallsExpected: m.CallsExpected,
					HTTP429: m.HTTP429, Retries: m.Retries, Cuts: m.Cuts, Raises: m.Raises, Rate: m.Rate, PreviousRate: m.PreviousRate,
					Elapsed: m.Elapsed, ETA: m.ETA, Rows: m.Rows})
			case "run succeeded":
				if m.DurationS == nil || *m.DurationS < 95 {
					t.Errorf("run succeeded without duration_s in seconds: %s", l)
				}
			}
		}
		rows := func(goals int64) map[string]int64 { return map[string]int64{"goals": goals, "users": 7} }
		want := []line{
			{At: 11, Msg: "api rate changed", Rate: 2.5, PreviousRate: 5, Cuts: 1},
			{At: 30, Msg: "progress", Calls: 150, CallsExpected: 500, Rows: rows(30), Rate: 1.25, Retries: 2, Elapsed: 30, ETA: 280},
			{At: 41, Msg: "api rate changed", Rate: 1.25, PreviousRate: 2.5, Cuts: 1},
			{At: 60, Msg: "progress", Calls: 300, CallsExpected: 500, Rows: rows(60), Rate: 5, Retries: 2, Elapsed: 60, ETA: 40},
			{At: 71, Msg: "api rate changed", Rate: 5, PreviousRate: 1.25, Raises: 1},
			{At: 90, Msg: "progress", Calls: 450, CallsExpected: 500, Rows: rows(90), Rate: 5, Retries: 2, Elapsed: 90, ETA: 10},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("progress and rate lines (-want +got):\n%s", diff)
		}
	})
}

// TestRowsAttr: rows per table are a group, so a text handler writes rows.<table>=n (in
// table name order) and a JSON handler an object, never a Go map string.
func TestRowsAttr(t *testing.T) {
	rows := map[schemas.TableID]int64{schemas.Users: 7, schemas.Goals: 3}
	for _, tc := range []struct {
		h    func(*bytes.Buffer) slog.Handler
		want string
	}{
		{func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) }, "msg=x rows.goals=3 rows.users=7\n"},
		{func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) }, `"msg":"x","rows":{"goals":3,"users":7}}` + "\n"},
	} {
		var b bytes.Buffer
		slog.New(tc.h(&b)).LogAttrs(context.Background(), slog.LevelInfo, "x", pipeline.RowsAttr(rows))
		if !strings.HasSuffix(b.String(), tc.want) {
			t.Errorf("%q, want it to end in %q", b.String(), tc.want)
		}
	}
}
