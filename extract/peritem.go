package extract

import (
	"context"
	"errors"
	"log/slog"

	"github.com/wbexport/wbexport/workboard"
	"github.com/wbexport/wbexport/workboard/decode"
	"golang.org/x/sync/errgroup"
)

// itemCalls is one call per item: team members per team, key results per goal or per key
// result.
type itemCalls struct {
	name   string // the endpoint's name in the report: "team_members", "key_results"
	entity string // what an item is: "team", "goal", "key_result"
	// has reports whether item i exists, waiting while it may still be listed; total is the
	// item count for progress (-1 while unknown).
	has    func(ctx context.Context, i int) bool
	total  func() int64
	target func(i int) (id int64, endpoint string)
	decode func(i int, body []byte) (*decode.Page, error)
	accept acceptFn
}

// fixed is a has func for n items that are all known.
func fixed(n int) func(context.Context, int) bool {
	return func(_ context.Context, i int) bool { return i < n }
}

// perItem makes the calls with the client's concurrency. An item whose call answers "not
// found" is skipped and reported; any other failure ends the export.
func (r *run) perItem(ctx context.Context, ic itemCalls) error {
	r.endpoint(ic.name)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(r.e.c.Concurrency())
	for i := 0; gctx.Err() == nil && ic.has(gctx, i); i++ {
		g.Go(func() error { return r.call(gctx, ic, i) })
	}
	return g.Wait()
}

func (r *run) call(ctx context.Context, ic itemCalls, i int) error {
	id, ep := ic.target(i)
	p, m, err := r.get(ctx, ep, func(b []byte) (*decode.Page, error) { return ic.decode(i, b) })
	if err == nil {
		_, err = r.take(ctx, ic.name, p, m, ic.accept, ic.total())
		return err
	}
	if !notFound(err) {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.skip(ctx, ic.entity, id, ep, err)
	if ic.entity == "key_result" {
		r.skippedKRs[id] = true
	}
	r.rep.endpoint(ic.name).Requests++
	return nil
}

// notFound reports whether err is the API answering "not found" to a call (and not refusing
// access).
func notFound(err error) bool {
	return errors.Is(err, workboard.ErrNotFound) && !errors.Is(err, workboard.ErrAuth)
}

// skip reports and logs the item id of entity skipped: the call ep was answered "not found"
// (err). Called with r.mu held.
func (r *run) skip(ctx context.Context, entity string, id int64, ep string, err error) {
	r.rep.Skipped = append(r.rep.Skipped, Skipped{Entity: entity, ID: id, Endpoint: ep, Reason: err.Error()})
	r.e.c.Logger().LogAttrs(ctx, slog.LevelWarn, "workboard item skipped (not found)",
		slog.String("entity", entity), slog.Int64("id", id), slog.String("path", ep))
}
