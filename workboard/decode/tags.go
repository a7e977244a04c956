package decode

import (
	"github.com/go-json-experiment/json/jsontext"
	"github.com/wbexport/wbexport/workboard"
)

// tagWire is a tag as GET /tags sends it (id and status are strings).
type tagWire struct {
	workboard.Tag
	ID      workboard.Opt[int64] `json:"id"`
	Unknown jsontext.Value       `json:",embed"`
}

func (w *tagWire) check() error { return required(w.ID, "id") }

// krTagsWire is one item of GET /metric/krtags: a key result and its tags.
type krTagsWire struct {
	ID      workboard.Opt[int64]  `json:"id"`
	Name    workboard.Opt[string] `json:"name"`
	Tags    list[krTagWire]       `json:"tags"`
	Unknown jsontext.Value        `json:",embed"`
}

// krTagWire is one tags[] entry of a key result (a tag without created_*).
type krTagWire struct {
	workboard.KRTag
	ID      workboard.Opt[int64] `json:"id"`
	Unknown jsontext.Value       `json:",embed"`
}

func (w *krTagsWire) check() error { return required(w.ID, "id") }
func (w *krTagWire) check() error  { return required(w.ID, "id") }

// Tags decodes GET /tags (data.tags[]) into Tag records.
func Tags(body []byte) (*Page, error) {
	p, err := records(body, "tags", "id", func(p *Page, v jsontext.Value) error {
		var w tagWire
		if err := decodeObject(v, &w); err != nil {
			return err
		}
		t := w.Tag
		t.TagID, t.Extra = w.ID.V, extraOf(w.Unknown, "", nil)
		p.Tags = append(p.Tags, t)
		return nil
	})
	if err != nil {
		return nil, err
	}
	p.Items = len(p.Tags)
	return p, nil
}

// KRTags decodes GET /metric/krtags?metric_ids=… (data.metrics[], each with tags[]) into one
// KRTag record per key result and tag. A key result's members other than id, name and tags
// go to the Extra of each of its tags, as "metric.<name>". Items counts the key results.
func KRTags(body []byte) (*Page, error) {
	n := 0
	p, err := records(body, "metrics", "id", func(p *Page, v jsontext.Value) error {
		var w krTagsWire
		if err := decodeObject(v, &w); err != nil {
			return err
		}
		n++
		for _, t := range w.Tags {
			k := t.KRTag
			k.MetricID, k.TagID, k.MetricName = w.ID.V, t.ID.V, w.Name
			k.Extra = extraOf(t.Unknown, "metric.", w.Unknown)
			p.KRTags = append(p.KRTags, k)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	p.Items = n
	return p, nil
}
