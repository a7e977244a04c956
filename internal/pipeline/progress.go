package pipeline

import (
	"context"
	"log/slog"
	"math"
	"slices"
	"time"

	"github.com/wbexport/wbexport/extract"
	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/workboard"
)

// Statuser is what an Extractor implements to show its progress (extract.Exporter does).
type Statuser interface {
	Status() extract.Status
}

// progressLog writes, while an export runs, an INFO "progress" line every `every` — calls
// made and (once the totals are known) expected, rows per table, the request rate, 429s and
// retries, the time left — and an INFO "api rate changed" line when the client's rate has
// changed since the last one, at most one per `every`. It is what an operator off a terminal
// (Airflow, Cloud Run) sees of a long run. Every attribute renders well in any slog handler:
// times as seconds, rows as a group (a JSON object).
type progressLog struct {
	src   Statuser
	log   *slog.Logger
	every time.Duration

	lastRate     float64 // the rate the last rate line (or the start) reported
	cuts, raises int64   // the changes counted at the last rate line
	rateLogged   time.Time
}

// run logs until ctx is done. It looks at the export every second (or every `every`, if
// shorter), so a rate change is told within a second when no rate line came in the last
// interval.
func (p *progressLog) run(ctx context.Context) {
	st := p.src.Status()
	p.lastRate, p.cuts, p.raises = st.Rate, st.RateCuts, st.RateRaises
	look := time.NewTicker(min(time.Second, p.every))
	defer look.Stop()
	next := time.Now().Add(p.every)
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-look.C:
			st := p.src.Status()
			p.rateLine(ctx, st, now)
			if !now.Before(next) {
				p.line(ctx, st)
				next = now.Add(p.every)
			}
		}
	}
}

// rateLine logs the rate changes since the last rate line, unless one came less than `every`
// ago.
func (p *progressLog) rateLine(ctx context.Context, st extract.Status, now time.Time) {
	if st.RateCuts == p.cuts && st.RateRaises == p.raises || now.Sub(p.rateLogged) < p.every {
		return
	}
	p.log.LogAttrs(ctx, slog.LevelInfo, "api rate changed", workboard.RateAttr("rate_per_s", st.Rate),
		workboard.RateAttr("previous_rate_per_s", p.lastRate), slog.Int64("cuts", st.RateCuts-p.cuts),
		slog.Int64("raises", st.RateRaises-p.raises), slog.Int64("http_429", st.HTTP429))
	p.lastRate, p.cuts, p.raises, p.rateLogged = st.Rate, st.RateCuts, st.RateRaises, now
}

// line logs one progress line.
func (p *progressLog) line(ctx context.Context, st extract.Status) {
	var retries int64
	for _, n := range st.Retries {
		retries += n
	}
	attrs := []slog.Attr{slog.Int64("calls", st.Calls)}
	if st.Expected >= 0 {
		attrs = append(attrs, slog.Int64("calls_expected", st.Expected))
	}
	attrs = append(attrs, RowsAttr(st.Rows), slog.Int64("requests", st.Requests), workboard.RateAttr("rate_per_s", st.Rate),
		slog.Int64("http_429", st.HTTP429), slog.Int64("retries", retries), seconds("elapsed_s", st.Elapsed))
	if eta, ok := st.ETA(); ok {
		attrs = append(attrs, seconds("eta_s", eta))
	}
	p.log.LogAttrs(ctx, slog.LevelInfo, "progress", attrs...)
}

// RowsAttr is rows per table as a log attribute: a group, which a JSON handler writes as an
// object and a text handler as rows.<table>=n, tables in name order.
func RowsAttr(rows map[schemas.TableID]int64) slog.Attr {
	names := make([]schemas.TableID, 0, len(rows))
	for t := range rows {
		names = append(names, t)
	}
	slices.Sort(names)
	attrs := make([]any, len(names))
	for i, t := range names {
		attrs[i] = slog.Int64(string(t), rows[t])
	}
	return slog.Group("rows", attrs...)
}

// seconds is a duration as a log attribute in seconds (a JSON number), to the millisecond.
func seconds(key string, d time.Duration) slog.Attr {
	return slog.Float64(key, math.Round(d.Seconds()*1000)/1000)
}
