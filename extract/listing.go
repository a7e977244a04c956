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
// listing is run once more and the union kept. Drift and duplicates are reported.
type listing struct {
	r          *run
	name       string
	url        func(offset, limit int) string
	decode     func([]byte) (*decode.Page, error)
	accept     acceptFn
	es         *EndpointStats
	tmin, tmax int64 // smallest and largest totalCount seen in the current pass (-1: none; under r.mu)
}

// list runs a listing of the endpoint that url spells for an offset and a page size.
func (r *run) list(ctx context.Context, name string, url func(offset, limit int) string,
	dec func([]byte) (*decode.Page, error), accept acceptFn) error {
	l := &listing{r: r, name: name, url: url, decode: dec, accept: accept, es: r.endpoint(name)}
	if err := l.pass(ctx, true); err != nil {
		return err
	}
	changed := l.tmin != l.tmax
	if changed {
		r.warn("%s: totalCount changed from %d to %d during the listing; listed again", name, l.tmin, l.tmax)
		if err := l.pass(ctx, false); err != nil {
			return err
		}
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

// pass lists the endpoint once.
func (l *listing) pass(ctx context.Context, first bool) error {
	l.tmin, l.tmax = -1, -1
	p0, _, err := l.page(ctx, 0, -1)
	if err != nil {
		return err
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
			return err
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
// of the last one) while items are missing.
func (l *listing) more(ctx context.Context, step, pages, last int, total int64) error {
	for next := pages * step; last > 0; next, pages = next+step, pages+1 {
		l.r.mu.Lock()
		fetched, largest := l.es.Fetched, l.es.LastTotal
		l.r.mu.Unlock()
		if largest >= 0 && (fetched >= largest || int64(pages) >= largest/int64(step)+2) ||
			largest < 0 && int64(pages) >= l.r.e.cfg.maxTotal/int64(step)+2 { // no totalCount: within the absurd-total guard
			return nil
		}
		p, fresh, err := l.page(ctx, next, total)
		if err != nil || fresh == 0 {
			return err // or a page that only repeats known ids
		}
		last = p.Items
	}
	return nil
}

// page fetches, decodes and takes the page at offset (total: for progress, -1 unknown). It
// returns the page and the number of items new to the listing.
func (l *listing) page(ctx context.Context, offset int, total int64) (*decode.Page, int, error) {
	ep := l.url(offset, l.r.e.cfg.pageSize)
	var p *decode.Page
	at, err := l.r.e.c.Get(ctx, ep, func(b []byte) (err error) {
		p, err = l.decode(b)
		return err
	})
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
		l.r.mu.Unlock()
	}
	fresh, err := l.r.take(ctx, l.name, p, workboard.Meta{ExtractedAt: at, Endpoint: ep}, l.accept, total)
	return p, fresh, err
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
