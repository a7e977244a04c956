package wbtest

import "math/rand/v2"

// tagNames are the tags drawn, with their group (index into tagGroups).
var (
	tagGroups = []string{"Reporting", "Planning cycle", "Risk"}
	tagNames  = []struct {
		name  string
		group int
	}{{"Board KPI", 0}, {"Exec dashboard", 0}, {"FY25-H2", 1}, {"FY26-H1", 1}, {"Regulatory", 2}, {"Customer-facing", 2}, {"Legacy", 1}}
)

// drawTags draws the org's tags and each key result's tags from a source of their own, so
// that the draws of everything else (and so every org generated before tags existed) stay
// as they were. About a third of the key results have no tag; the last tag is archived and
// the first ones were never updated.
func (p *orgPlan) drawTags() {
	r := rand.New(rand.NewPCG(uint64(p.cfg.Seed), 0x7a65_0f_3b))
	created := p.cfg.Anchor.Unix() - 400*day
	id := int64(500)
	for i, tn := range tagNames {
		id += 1 + r.Int64N(9)
		t := &Tag{ID: id, Name: tn.name, Status: "1", GroupID: 40 + int64(tn.group), GroupName: tagGroups[tn.group],
			GroupStatus: "1", CreatedDate: created + int64(i)*day + r.Int64N(day), CreatedBy: p.admin}
		if i >= 2 {
			t.UpdatedDate, t.UpdatedBy = t.CreatedDate+r.Int64N(30*day), p.admin
		}
		if i == len(tagNames)-1 {
			t.Status = "2"
		}
		p.tags = append(p.tags, t)
	}
	for _, gp := range p.goals {
		for _, kp := range gp.krs {
			kp.k.TagIDs = nil
			for _, t := range p.tags {
				if r.IntN(100) < 18 {
					kp.k.TagIDs = append(kp.k.TagIDs, t.ID)
				}
			}
		}
	}
}
