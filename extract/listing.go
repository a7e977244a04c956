package extract

import (
	"context"
	"errors"
	"fmt"

	"github.com/wbexport/wbexport/workboard"
	"github.com/wbexport/wbexport/workboard/decode"
	"golang.org/x/sync/errgroup"
)

// ErrDrift: the API's paging was inconsistent beyond repair (an absurd totalCount).
var ErrDrift = errors.New("workboard: inconsistent paging")

// ErrShort: a listing brought fewer items than its totalCount, or its totalCount was too
// small (the page after the last one held more), and asking once more confirmed it.
var ErrShort = errors.New("workboard: listing short of its totalCount")

// listing pages through one limit/offset endpoint:
//
//  1. the first page, which tells totalCount (and whether the server clamps the page size:
//     then paging steps by what it sends);
//  2. the remaining pages that totalCount implies, concurrently;
//  3. more pages one by one while fewer distinct items than the largest totalCount seen have
//     arrived (or, without a totalCount, until a page comes back empty), stopping at an empty
//     page, a page of only known ids, or totalCount/L+2 pages.
//
// When totalCount changed during the listing (offset paging then skips or repeats items), the
// listing is run once more and the union kept. Drift and duplicates are reported. A listing
// still short of its totalCount, or whose last page was full, is confirmed with one more
// request and fails with ErrShort rather than being published short (see confirm).
type listing struct {
	r          *run
	name       string
	url        func(offset, limit int) string
	decode     func([]byte) (*decode.Page, error)
	accept     acceptFn
	es         *EndpointStats
	tmin, tmax int64 // smallest and largest totalCount seen in the current pass (-1: none; under r.mu)
	rows       int64 // items received in the current pass, repeats included (under r.mu)
}

// list runs a listing of the endpoint that url spells for an offset and a page size.
func (r *run) list(ctx context.Context, name string, url func(offset, limit int) string,
	dec func([]byte) (*decode.Page, error), accept acceptFn) error {
	l := &listing{r: r, name: name, url: url, decode: dec, accept: accept, es: r.endpoint(name)}
	end, err := l.pass(ctx, true)
	if err != nil {
		return err
	}
	changed := l.tmin != l.tmax
	if changed {
		r.warn("%s: totalCount changed from %d to %d during the listing; listed again", name, l.tmin, l.tmax)
		if end, err = l.pass(ctx, false); err != nil {
			return err
		}
	}
	if err := l.confirm(ctx, end); err != nil {
		return err
	}
	r.mu.Lock()
	es := *l.es
	l.es.Drift = es.ReportedTotal >= 0 && (changed || es.Fetched != es.ReportedTotal || es.LastTotal != es.ReportedTotal)
	r.mu.Unlock()
	switch {
	case l.es.Drift:
		r.warn("%s: totalCount reported %d (largest %d) but %d distinct items fetched (%d duplicates dropped)",
			name, es.ReportedTotal, es.LastTotal, es.Fetched, es.Duplicates)
	case es.Duplicates > 0:
		r.warn("%s: %d duplicate items dropped", name, es.Duplicates)
	}
	return nil
}

// passEnd is where a pass stopped: the offset of the page after its last one, that page's
// item count and the paging step.
type passEnd struct{ next, last, step int }

// confirm checks a finished listing against its totalCount with one more request, so it is
// never published short. A last page that came back full may mean a totalCount too small:
// the page after it must bring nothing new. Fewer items received in the last pass than its
// totalCount (repeats count: a server may count the rows its overlapping pages send): the
// first page is asked again, and the listing fails if it still reports more items than
// arrived (when it reports no more, items were deleted meanwhile: drift, reported).
func (l *listing) confirm(ctx context.Context, end passEnd) error {
	l.r.mu.Lock()
	fetched, rows, total := l.es.Fetched, l.rows, l.tmax
	l.r.mu.Unlock()
	switch {
	case total < 0:
		return nil
	case end.last > 0 && end.last >= end.step:
		_, fresh, err := l.page(ctx, end.next, total)
		if err == nil && fresh > 0 {
			err = fmt.Errorf("%w: %s (page offset %d): totalCount %d, but this page after the last one has %d more items",
				ErrShort, l.url(end.next, l.r.e.cfg.pageSize), end.next, total, fresh)
		}
		return err
	case rows < total:
		p, _, err := l.page(ctx, 0, total)
		if got := max(rows, fetched); err == nil && p.TotalCount.Valid && p.TotalCount.V > got {
			err = fmt.Errorf("%w: %s (page offset 0): totalCount %d (asked again: %d), but only %d items arrived",
				ErrShort, l.url(0, l.r.e.cfg.pageSize), total, p.TotalCount.V, got)
		}
		return err
	}
	return nil
}

// pass lists the endpoint once.
func (l *listing) pass(ctx context.Context, first bool) (passEnd, error) {
	l.r.mu.Lock()
	l.tmin, l.tmax, l.rows = -1, -1, 0
	l.r.mu.Unlock()
	p0, _, err := l.page(ctx, 0, -1)
	if err != nil {
		return passEnd{}, err
	}
	total := int64(-1)
	if p0.TotalCount.Valid {
		total = p0.TotalCount.V
	}
	if first {
		l.r.mu.Lock()
		l.es.ReportedTotal = total
		l.r.mu.Unlock()
	}
	step, pages, last := l.r.e.cfg.pageSize, 1, p0.Items
	if p0.Items > 0 && p0.Items < step && (total < 0 || int64(p0.Items) < total) {
		if total >= 0 && first {
			l.r.warn("%s: asked for %d items per page, the server sent %d; paging by %d", l.name, step, p0.Items, p0.Items)
		}
		step = p0.Items // the server clamps the page size (or, without a totalCount, may)
	}
	if total >= 0 && p0.Items > 0 && int64(step) < total {
		pages = int((total + int64(step) - 1) / int64(step))
		if last, err = l.rest(ctx, step, pages, total); err != nil {
			return passEnd{}, err
		}
	}
	return l.more(ctx, step, pages, last, total)
}

// rest fetches pages 1 to pages-1 concurrently and returns the item count of the last one.
func (l *listing) rest(ctx context.Context, step, pages int, total int64) (int, error) {
	var last int
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(l.r.e.c.Concurrency())
	for k := 1; k < pages && gctx.Err() == nil; k++ {
		g.Go(func() error {
			p, _, err := l.page(gctx, k*step, total)
			if k == pages-1 && err == nil {
				last = p.Items
			}
			return err
		})
	}
	return last, g.Wait()
}

// more fetches pages one by one after the first pages (pages of them; last: the item count
// of the last one) while items are missing. It returns where the listing stopped.
func (l *listing) more(ctx context.Context, step, pages, last int, total int64) (passEnd, error) {
	next := pages * step
	for ; last > 0; next, pages = next+step, pages+1 {
		l.r.mu.Lock()
		fetched, largest := l.es.Fetched, l.es.LastTotal
		l.r.mu.Unlock()
		if largest >= 0 && (fetched >= largest || int64(pages) >= largest/int64(step)+2) ||
			largest < 0 && int64(pages) >= l.r.e.cfg.maxTotal/int64(step)+2 { // no totalCount: within the absurd-total guard
			return passEnd{next: next, last: last, step: step}, nil
		}
		p, fresh, err := l.page(ctx, next, total)
		if err != nil {
			return passEnd{}, err
		}
		if fresh == 0 { // a page that only repeats known ids
			return passEnd{next: next + step, step: step}, nil
		}
		last = p.Items
	}
	return passEnd{next: next, last: last, step: step}, nil
}

// page fetches, decodes and takes the page at offset (total: for progress, -1 unknown). It
// returns the page and the number of items new to the listing.
func (l *listing) page(ctx context.Context, offset int, total int64) (*decode.Page, int, error) {
	ep := l.url(offset, l.r.e.cfg.pageSize)
	p, m, err := l.r.get(ctx, ep, l.decode)
	if err != nil {
		return nil, 0, atOffset(err, offset)
	}
	if n := p.TotalCount; n.Valid && n.V > l.r.e.cfg.maxTotal {
		return nil, 0, fmt.Errorf("%w: %s (page offset %d) reports totalCount %d, above the limit of %d",
			ErrDrift, ep, offset, n.V, l.r.e.cfg.maxTotal)
	} else if n.Valid {
		l.r.mu.Lock()
		if l.tmin < 0 || n.V < l.tmin {
			l.tmin = n.V
		}
		l.tmax = max(l.tmax, n.V)
		l.rows += int64(p.Items)
		l.r.mu.Unlock()
	}
	fresh, err := l.r.take(ctx, l.name, p, m, l.accept, total)
	return p, fresh, err
}

// get fetches ep and decodes its body with dec; m is the lineage of the page's records.
func (r *run) get(ctx context.Context, ep string, dec func([]byte) (*decode.Page, error)) (p *decode.Page, m workboard.Meta, err error) {
	at, err := r.e.c.Get(ctx, ep, func(b []byte) (err error) {
		p, err = dec(b)
		return err
	})
	return p, workboard.Meta{ExtractedAt: at, Endpoint: ep}, err
}

// atOffset sets the page offset of a failed call's error.
func atOffset(err error, offset int) error {
	if de, ok := errors.AsType[*workboard.DecodeError](err); ok {
		de.Offset = offset
	} else if ae, ok := errors.AsType[*workboard.APIError](err); ok {
		ae.Offset = offset
	}
	return err
}
