package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/wbexport/wbexport/extract"
	"github.com/wbexport/wbexport/schemas"
)

// progress renders progress bars on a terminal: a line of the API calls made of those
// expected, the request rate and the time left; one bar per API listing (items fetched of
// totalCount); a line of rows written per table. When disabled every method is a no-op, and
// the pipeline logs progress lines instead (logEvery).
type progress struct {
	mu   sync.Mutex
	p    *mpb.Progress
	bars map[string]*mpb.Bar
	rowc map[schemas.TableID]int64
	out  io.Writer
}

// perItemEntity marks listings made of one call per parent object (their Progress.Total is
// the number of parents, not of items).
var perItemEntity = map[string]bool{"team_members": true, "key_results": true, "key_results_by_team": true}

// newProgress enables bars when mode is "always", or "auto" with text logs on a terminal.
func newProgress(w io.Writer, mode, logFormat string) *progress {
	on := false
	switch mode {
	case "always":
		on = true
	case "auto":
		on = logFormat == "text" && isTerminal(w)
	}
	pr := &progress{out: w, bars: map[string]*mpb.Bar{}, rowc: map[schemas.TableID]int64{}}
	if on {
		pr.p = mpb.New(mpb.WithOutput(w), mpb.WithWidth(40))
	}
	return pr
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// logWriter is where log lines go: above the bars when they are shown.
func (pr *progress) logWriter() io.Writer {
	if pr.p != nil {
		return pr.p
	}
	return pr.out
}

// logEvery is the interval of the pipeline's progress lines: every, unless bars are shown.
func (pr *progress) logEvery(every time.Duration) time.Duration {
	if pr.p != nil {
		return 0
	}
	return every
}

// watch adds the line of calls, rate and time left, which reads status as the bars refresh.
func (pr *progress) watch(status func() extract.Status) {
	if pr.p == nil {
		return
	}
	pr.mu.Lock()
	defer pr.mu.Unlock()
	pr.bars["api"] = pr.p.New(0, mpb.NopStyle(), mpb.PrependDecorators(decor.Any(func(decor.Statistics) string {
		return statusLine(status())
	})))
}

// statusLine is the bars' first line: "api  120 / 430 calls · 4.8 req/s · 3 × 429 · ETA 1m05s".
func statusLine(st extract.Status) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-13s %d", "api", st.Calls)
	if st.Expected >= 0 {
		fmt.Fprintf(&b, " / %d", st.Expected)
	}
	b.WriteString(" calls")
	if math.IsInf(st.Rate, 1) {
		b.WriteString(" · unlimited rate")
	} else {
		fmt.Fprintf(&b, " · %.1f req/s", st.Rate)
	}
	if st.HTTP429 > 0 {
		fmt.Fprintf(&b, " · %d × 429", st.HTTP429)
	}
	if eta, ok := st.ETA(); ok && st.Running {
		fmt.Fprintf(&b, " · ETA %s", eta.Round(time.Second))
	}
	return b.String()
}

// api receives the client's paging progress (possibly from several goroutines).
func (pr *progress) api(p extract.Progress) {
	if pr.p == nil {
		return
	}
	pr.mu.Lock()
	defer pr.mu.Unlock()
	b, ok := pr.bars[p.Entity]
	if !ok {
		total := p.Total
		if total < 0 {
			total = 0
		}
		b = pr.p.AddBar(total,
			mpb.PrependDecorators(decor.Name(fmt.Sprintf("%-13s", p.Entity)), decor.CountersNoUnit("%d / %d", decor.WCSyncWidth)),
			mpb.AppendDecorators(decor.Percentage(decor.WCSyncSpace)),
		)
		pr.bars[p.Entity] = b
	}
	if p.Total >= 0 {
		b.SetTotal(p.Total, false)
	}
	cur := p.ItemsFetched
	if perItemEntity[p.Entity] {
		// One call per team / goal: Total counts calls, so show calls done.
		cur = int64(p.PagesDone)
	}
	b.SetCurrent(cur)
}

// rows counts rows handed to the sink per table and shows them as a line per table.
func (pr *progress) rows(table schemas.TableID, n int64) {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	pr.rowc[table] += n
	if pr.p == nil {
		return
	}
	key := "rows:" + string(table)
	b, ok := pr.bars[key]
	if !ok {
		b = pr.p.New(0, mpb.NopStyle(),
			mpb.PrependDecorators(decor.Name(fmt.Sprintf("→ %-22s", table)), decor.CurrentNoUnit("%d rows written")))
		pr.bars[key] = b
	}
	b.SetCurrent(pr.rowc[table])
}

// done completes all bars and stops rendering. It may be called more than once.
func (pr *progress) done() {
	if pr.p == nil {
		return
	}
	pr.mu.Lock()
	for _, b := range pr.bars {
		b.SetTotal(-1, true)
	}
	pr.mu.Unlock()
	pr.p.Wait()
	pr.p = nil
}
