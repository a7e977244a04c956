package wbtest

import "math/rand/v2"

// drawAlignments aligns goals into a random forest at most three levels deep, from a source
// of its own (see drawTags): about a third of the goals stay unaligned, the others are aligned
// to an earlier goal at depth 0 or 1.
func (p *orgPlan) drawAlignments() {
	r := rand.New(rand.NewPCG(uint64(p.cfg.Seed), 0xa119_0f_3b))
	depth := map[int64]int{}
	var parents []int64 // goals at depth 0 or 1
	for _, gp := range p.goals {
		g := &gp.g
		g.ParentID = 0
		if len(parents) > 0 && r.IntN(100) >= 35 {
			g.ParentID = parents[r.IntN(len(parents))]
			depth[g.ID] = depth[g.ParentID] + 1
		}
		if depth[g.ID] < 2 {
			parents = append(parents, g.ID)
		}
	}
}
