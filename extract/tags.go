package extract

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/workboard"
	"github.com/wbexport/wbexport/workboard/decode"
	"golang.org/x/sync/errgroup"
)

// DefaultKRTagsBatch is how many key result ids one GET /metric/krtags asks for by default
// (the API's limit is unknown; a refused list is halved, see krTagBatch).
const DefaultKRTagsBatch = 50

// WithKRTagsBatch sets how many key result ids one GET /metric/krtags asks for (default
// DefaultKRTagsBatch).
func WithKRTagsBatch(n int) Option { return func(c *config) { c.krTagsBatch = n } }

// listTags lists the tag dimension (GET /tags, paged).
func (r *run) listTags(ctx context.Context) error {
	return r.list(ctx, "tags", paged("/tags"), decode.Tags, r.acceptTags)
}

func (r *run) acceptTags(p *decode.Page, m workboard.Meta) (*workboard.Batch, int, int) {
	tags, dups := keep(p.Tags, r.seen.tags, func(t *workboard.Tag) int64 { return t.TagID }, m)
	b := &workboard.Batch{}
	put(r, schemas.Tags, &b.Tags, tags)
	return b, len(tags), dups
}

// keyResultTags fetches the tags of every key result the goal listing named (goal_metrics),
// once it has ended: GET /metric/krtags?metric_ids=… in batches. The first batch goes alone:
// while the API refuses it as too long it is halved, and the batch size with it; the other
// batches are then cut to the size that passed and fetched concurrently.
func (r *run) keyResultTags(ctx context.Context) error {
	if !r.goalsListed(ctx) {
		return ctx.Err()
	}
	r.mu.Lock()
	ids := r.tagMetricIDs
	r.mu.Unlock()
	r.endpoint("key_result_tags")
	total := int64(len(ids))
	first := ids[:min(len(ids), r.krTagBatchSize())]
	if err := r.krTagBatch(ctx, first, total); err != nil || len(first) == len(ids) {
		return err
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(r.e.c.Concurrency())
	for lo := len(first); lo < len(ids) && gctx.Err() == nil; {
		batch := ids[lo:min(lo+r.krTagBatchSize(), len(ids))]
		lo += len(batch)
		g.Go(func() error { return r.krTagBatch(gctx, batch, total) })
	}
	return g.Wait()
}

func (r *run) krTagBatchSize() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.krTagSize()
}

// krTagSize is the current batch size. Called with r.mu held.
func (r *run) krTagSize() int {
	if r.krTagsSize == 0 {
		return r.e.cfg.krTagsBatch
	}
	return r.krTagsSize
}

// krTagBatch fetches the tags of the key results ids, in batches of the current size at
// most. When the API refuses the list (see listRefused), it fetches each half instead and
// lowers the size to the half.
func (r *run) krTagBatch(ctx context.Context, ids []int64, total int64) error {
	if n := r.krTagBatchSize(); len(ids) > n { // the size went down since ids was cut
		for lo := 0; lo < len(ids); lo += n {
			if err := r.krTagBatch(ctx, ids[lo:min(lo+n, len(ids))], total); err != nil {
				return err
			}
		}
		return nil
	}
	ep := "/metric/krtags?metric_ids=" + joinIDs(ids)
	p, m, err := r.get(ctx, ep, decode.KRTags)
	if err == nil {
		_, err = r.take(ctx, "key_result_tags", p, m, r.acceptKRTags, total)
		return err
	}
	if !listRefused(err) || len(ids) == 1 {
		return err
	}
	half := (len(ids) + 1) / 2
	r.mu.Lock()
	r.rep.endpoint("key_result_tags").Requests++
	r.krTagsRefused++
	if half < r.krTagSize() {
		r.krTagsSize = half
		r.rep.Warnings = append(r.rep.Warnings, fmt.Sprintf("key_result_tags: GET /metric/krtags refused %d ids (%v); asking for %d at a time", len(ids), err, half))
	}
	r.mu.Unlock()
	if err := r.krTagBatch(ctx, ids[:half], total); err != nil {
		return err
	}
	return r.krTagBatch(ctx, ids[half:], total)
}

// listRefused reports whether err is the API refusing a request for its metric_ids list: an
// HTTP 414, or another 4xx (not one of authentication, access, not found or rate) whose error
// names metric_ids.
func listRefused(err error) bool {
	var ae *workboard.APIError
	if !errors.As(err, &ae) {
		return false
	}
	switch s := ae.HTTPStatus; {
	case s == http.StatusRequestURITooLong:
		return true
	case s < 400 || s >= 500 || s == 401 || s == 403 || s == 404 || s == 429:
		return false
	}
	return strings.Contains(strings.ToLower(ae.Code+" "+ae.Description), "metric_ids")
}

func (r *run) acceptKRTags(p *decode.Page, m workboard.Meta) (*workboard.Batch, int, int) {
	tags, dups := keep(p.KRTags, r.seen.krTags, func(t *workboard.KRTag) [2]int64 { return [2]int64{t.MetricID, t.TagID} }, m)
	b := &workboard.Batch{}
	put(r, schemas.KeyResultTags, &b.KRTags, tags)
	return b, p.Items, dups
}

// goalsListed blocks until the goal listing has ended (true) or ctx is done (false).
func (r *run) goalsListed(ctx context.Context) bool {
	return r.waitGoals(ctx, func() bool { return r.goalsDone })
}

func joinIDs(ids []int64) string {
	var b strings.Builder
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(id, 10))
	}
	return b.String()
}
