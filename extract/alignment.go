package extract

import (
	"context"
	"errors"
	"slices"
	"strconv"

	"github.com/wbexport/wbexport/schemas"
	"github.com/wbexport/wbexport/workboard"
	"github.com/wbexport/wbexport/workboard/decode"
	"golang.org/x/sync/errgroup"
)

// alignments is what the alignment calls have learnt: each goal's node and the meta of the
// answer it came in, and the goals whose parent is known (0: a root).
type alignments struct {
	goals  []int64 // the goals listed, in id order
	next   int     // goals[:next] are known or being called
	nodes  map[int64]workboard.AlignmentNode
	parent map[int64]int64
	calls  int
}

// goalAlignments fetches the alignment tree once the goals are listed: GET
// /goal/{id}/alignment for each listed goal whose parent no answer so far has shown (an answer
// holds the goal's parent and the goals aligned below it, three levels deep), oldest goal
// first, then emits one row per goal. A goal that answers "not found" is skipped and reported. Without Data-Admin
// access the table is left empty with a warning, unless the plan named its tables
// (Plan.Explicit): then the export fails.
func (r *run) goalAlignments(ctx context.Context) error {
	if !r.goalsListed(ctx) {
		return ctx.Err()
	}
	r.mu.Lock()
	// oldest goal first: a goal is usually aligned to an older one, whose answer covers it
	goals := slices.Clone(r.alignGoalIDs)
	slices.Sort(goals)
	a := &alignments{goals: goals, nodes: map[int64]workboard.AlignmentNode{}, parent: map[int64]int64{}}
	r.align = a
	r.rep.endpoint("goal_alignments")
	r.mu.Unlock()
	g, gctx := errgroup.WithContext(ctx)
	for range r.e.c.Concurrency() {
		g.Go(func() error {
			for id, ok := r.nextAlignment(a); ok && gctx.Err() == nil; id, ok = r.nextAlignment(a) {
				if err := r.alignmentCall(gctx, a, id); err != nil {
					return err
				}
			}
			return nil
		})
	}
	err := g.Wait()
	if errors.Is(err, workboard.ErrDataAdmin) && !r.plan.Explicit {
		r.warn("goal_alignments: skipped, the token may not read the alignment tree (%v); name the table in --tables to make this an error", err)
		return nil
	}
	if err != nil {
		return err
	}
	return r.emitAlignments(ctx, a)
}

// nextAlignment returns the next listed goal whose parent is not known yet.
func (r *run) nextAlignment(a *alignments) (int64, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for ; a.next < len(a.goals); a.next++ {
		if _, known := a.parent[a.goals[a.next]]; !known {
			a.next++
			return a.goals[a.next-1], true
		}
	}
	return 0, false
}

// alignmentCall fetches the alignment answer of goal id and records its nodes and edges.
func (r *run) alignmentCall(ctx context.Context, a *alignments, id int64) error {
	ep := "/goal/" + strconv.FormatInt(id, 10) + "/alignment"
	p, m, err := r.get(ctx, ep, decode.Alignment)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rep.endpoint("goal_alignments").Requests++
	a.calls++
	if notFound(err) {
		r.skip(ctx, "goal_alignment", id, ep, err)
		return nil
	}
	if err != nil {
		return err
	}
	for _, n := range p.AlignmentNodes {
		n.Stamp(m)
		if _, seen := a.nodes[n.GoalID]; !seen || n.ParentGoalID.Valid {
			a.nodes[n.GoalID] = n
		}
		if n.ParentGoalID.Valid {
			a.parent[n.GoalID] = n.ParentGoalID.V
		}
	}
	if _, known := a.parent[id]; !known {
		top := int64(0) // the goal itself first: it is aligned to none
		if len(p.AlignmentNodes) > 0 && p.AlignmentNodes[0].GoalID != id {
			top = p.AlignmentNodes[0].GoalID // its parent, which the answer should have listed it under
		}
		a.parent[id] = top
	}
	return nil
}

// alignmentBatch is the goal_alignments rows per emitted batch: the tree is known only once
// every call is answered, and emitting it in parts keeps the rows and their Arrow copy small.
const alignmentBatch = 4096

// emitAlignments emits a row for every goal with a node, with its depth and path from its
// root, alignmentBatch rows at a time; each node is dropped once its row is built. A cycle is
// broken at its smallest goal id, which becomes a root, and reported.
func (r *run) emitAlignments(ctx context.Context, a *alignments) error {
	rows := make([]workboard.GoalAlignment, 0, min(alignmentBatch, len(a.nodes)))
	for i, id := range a.goals {
		if n, ok := a.nodes[id]; ok { // else skipped (not found)
			rows = append(rows, r.alignmentRow(a, n))
			delete(a.nodes, id)
		}
		if len(rows) == alignmentBatch || i == len(a.goals)-1 && len(rows) > 0 {
			if err := r.emitAlignmentRows(ctx, rows); err != nil {
				return err
			}
			rows = rows[:0:0]
		}
	}
	return nil
}

// alignmentRow is n's row: its parent, depth and path from its root.
func (r *run) alignmentRow(a *alignments, n workboard.AlignmentNode) workboard.GoalAlignment {
	path := r.alignmentPath(a, n.GoalID)
	n.ParentGoalID = workboard.Opt[int64]{}
	if len(path) > 1 {
		n.ParentGoalID = workboard.Some(path[len(path)-2])
	}
	return workboard.GoalAlignment{AlignmentNode: n, Depth: int64(len(path) - 1), RootGoalID: path[0], PathGoalIDs: path}
}

// emitAlignmentRows counts and emits one batch of goal_alignments rows.
func (r *run) emitAlignmentRows(ctx context.Context, rows []workboard.GoalAlignment) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rep.Rows[schemas.GoalAlignments] += int64(len(rows))
	r.rep.endpoint("goal_alignments").Fetched += int64(len(rows))
	return r.emitFn(ctx, &workboard.Batch{Alignments: rows})
}

// alignmentPath returns the goal ids from id's root down to id, breaking (and reporting) a
// cycle at its smallest goal id. Called without r.mu held, before any emit.
func (r *run) alignmentPath(a *alignments, id int64) []int64 {
	path := []int64{id}
	for at := id; ; {
		p := a.parent[at]
		if p == 0 {
			break
		}
		if i := slices.Index(path, p); i >= 0 {
			cycle := slices.Clone(path[i:])
			root := slices.Min(cycle)
			a.parent[root] = 0
			r.warn("goal_alignments: the alignments of goals %v form a cycle; goal %d is taken as a root", cycle, root)
			return r.alignmentPath(a, id)
		}
		path = append(path, p)
		at = p
	}
	slices.Reverse(path)
	return path
}
