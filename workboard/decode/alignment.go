package decode

import (
	"github.com/go-json-experiment/json/jsontext"
	"github.com/wbexport/wbexport/workboard"
)

// alignmentWire is a node of GET /goal/{id}/alignment with its aligned goals.
type alignmentWire struct {
	workboard.AlignmentNode
	GoalID     workboard.Opt[int64] `json:"goal_id"`
	Alignments list[alignmentWire]  `json:"goal_alignments"`
	Unknown    jsontext.Value       `json:",embed"`
}

func (w *alignmentWire) check() error { return required(w.GoalID, "goal_id") }

// Alignment decodes GET /goal/{id}/alignment (data.alignment[], nodes nested through
// goal_alignments[]) into one AlignmentNode per node, parents before their children. A nested
// node's ParentGoalID is the node it is nested in; a top node's is not valid (the answer does
// not say whether it is aligned). Items counts the top nodes.
func Alignment(body []byte) (*Page, error) {
	p, err := records(body, "alignment", "goal_id", func(p *Page, v jsontext.Value) error {
		var w alignmentWire
		if err := decodeObject(v, &w); err != nil {
			return err
		}
		p.Items++
		w.add(p, workboard.Opt[int64]{})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// add appends the node, aligned to parent, and then its aligned goals.
func (w *alignmentWire) add(p *Page, parent workboard.Opt[int64]) {
	n := w.AlignmentNode
	n.GoalID, n.ParentGoalID, n.Extra = w.GoalID.V, parent, extraOf(w.Unknown, "", nil)
	p.AlignmentNodes = append(p.AlignmentNodes, n)
	for i := range w.Alignments {
		w.Alignments[i].add(p, workboard.Some(n.GoalID))
	}
}
