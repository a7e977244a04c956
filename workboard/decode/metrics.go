package decode

import (
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/wbexport/wbexport/workboard"
)

// metricWire is a key result as GET /metric?goal_id=G&include_metric_data=yes or GET
// /metric/{id}?include_metric_data=yes sends it: the KeyResult's own fields, and its history.
type metricWire struct {
	workboard.KeyResult
	MetricID         workboard.Opt[int64] `json:"metric_id"`
	MetricGoalID     workboard.Opt[int64] `json:"metric_goal_id"`
	MetricData       checkins             `json:"metric_data"`
	MetricConfidence confidences          `json:"metric_confidence"`
	MetricComments   krComments           `json:"metric_comments"`
	Unknown          jsontext.Value       `json:",embed"`
}

// The history lists of a key result, each a type of its own so that Metrics can read past
// the ones a caller does not want.
type (
	checkins    = list[checkinWire]
	confidences = list[entryWire[workboard.Confidence]]
	krComments  = list[entryWire[workboard.KRComment]]
)

// checkinWire is one metric_data[] slot: a missed check-in has a null value.
type checkinWire struct {
	workboard.Checkin
	MetricDataID workboard.Opt[int64] `json:"metric_data_id"`
	Unknown      jsontext.Value       `json:",embed"`
}

// entryWire is one metric_confidence[] or metric_comments[] entry, keyed by modified_at.
type entryWire[T any] struct {
	Entry      T                        `json:",embed"`
	ModifiedAt workboard.Opt[time.Time] `json:"modified_at"`
	Unknown    jsontext.Value           `json:",embed"`
}

func (w *metricWire) check() error  { return required(w.MetricID, "metric_id") }
func (w *checkinWire) check() error { return required(w.MetricDataID, "metric_data_id") }

func (w *entryWire[T]) check() error {
	if !w.ModifiedAt.Valid {
		return missing("modified_at", "missing or zero (needed as part of the key)")
	}
	return nil
}

// add appends the key result and its history to p; kept are its members kept whole in Extra.
func (w *metricWire) add(p *Page, kept []item) {
	kr := w.KeyResult
	kr.MetricID, kr.GoalID, kr.Extra = w.MetricID.V, w.MetricGoalID.V, extraOf(w.Unknown, "", nil, kept...)
	if isEmptyArray(jsontext.Value(kr.ChildKRJSON)) {
		kr.ChildKRJSON = nil
	}
	p.KeyResults = append(p.KeyResults, kr)
	for _, c := range w.MetricData {
		c.Checkin.MetricDataID, c.MetricID, c.GoalID = c.MetricDataID.V, kr.MetricID, kr.GoalID
		c.CreatedBy, c.Extra = nonZero(c.CreatedBy), extraOf(c.Unknown, "", nil) // "" or "0" for a missed slot
		p.Checkins = append(p.Checkins, c.Checkin)
	}
	ordinals := map[int64]int64{} // entries so far per second of modified_at
	for _, e := range w.MetricConfidence {
		c, t := e.Entry, e.ModifiedAt.V
		c.MetricID, c.GoalID, c.ModifiedAt, c.Ordinal, c.Extra = kr.MetricID, kr.GoalID, t, ordinals[t.Unix()], extraOf(e.Unknown, "", nil)
		ordinals[t.Unix()]++
		p.Confidence = append(p.Confidence, c)
	}
	clear(ordinals)
	for _, e := range w.MetricComments {
		c, t := e.Entry, e.ModifiedAt.V
		c.MetricID, c.GoalID, c.ModifiedAt, c.Ordinal, c.Extra = kr.MetricID, kr.GoalID, t, ordinals[t.Unix()], extraOf(e.Unknown, "", nil)
		ordinals[t.Unix()]++
		p.KRComments = append(p.KRComments, c)
	}
}

// History selects the history lists of a key result that Metrics decodes into records.
type History struct {
	Checkins   bool // metric_data[]
	Confidence bool // metric_confidence[]
	Comments   bool // metric_comments[]
}

// AllHistory decodes every history list.
var AllHistory = History{Checkins: true, Confidence: true, Comments: true}

// Metrics decodes GET /metric?goal_id=G&include_metric_data=yes (an array) or GET
// /metric/{id}?include_metric_data=yes (an object) into KeyResult records and their history:
// metric_data[] (Checkin), metric_confidence[] (Confidence) and metric_comments[] (KRComment).
// Ordinal numbers confidence entries (and comments) of a key result that share a second of
// modified_at, from 0 in API order. A list that h leaves out is read past: no records, no
// errors from its values. A key result without metric_goal_id gets GoalID 0 (see SetGoalID).
func Metrics(body []byte, h History) (*Page, error) {
	o := opts
	if u := skip(h); u != nil {
		o = append(syntax[:len(syntax):len(syntax)], jsonv2.WithUnmarshalers(jsonv2.JoinUnmarshalers(u, quirks)))
	}
	p, err := records(body, "metric", "metric_id", func(p *Page, v jsontext.Value) error {
		var w metricWire
		if err := decodeObject(v, &w, o...); err != nil {
			return err
		}
		w.add(p, keptWhole(v, keyResultRules()))
		return nil
	})
	if err != nil {
		return nil, err
	}
	p.Items = len(p.KeyResults)
	return p, nil
}

// skip returns the unmarshalers that read past the history lists h leaves out.
func skip(h History) *jsonv2.Unmarshalers {
	var us []*jsonv2.Unmarshalers
	if !h.Checkins {
		us = append(us, jsonv2.UnmarshalFromFunc(func(d *jsontext.Decoder, _ *checkins) error { return d.SkipValue() }))
	}
	if !h.Confidence {
		us = append(us, jsonv2.UnmarshalFromFunc(func(d *jsontext.Decoder, _ *confidences) error { return d.SkipValue() }))
	}
	if !h.Comments {
		us = append(us, jsonv2.UnmarshalFromFunc(func(d *jsontext.Decoder, _ *krComments) error { return d.SkipValue() }))
	}
	if us == nil {
		return nil
	}
	return jsonv2.JoinUnmarshalers(us...)
}

// SetGoalID gives the key results and history records of p that lack a goal id (no
// metric_goal_id in the body) goalID, the goal they were fetched for.
func (p *Page) SetGoalID(goalID int64) {
	for i := range p.KeyResults {
		if p.KeyResults[i].GoalID == 0 {
			p.KeyResults[i].GoalID = goalID
		}
	}
	for i := range p.Checkins {
		if p.Checkins[i].GoalID == 0 {
			p.Checkins[i].GoalID = goalID
		}
	}
	for i := range p.Confidence {
		if p.Confidence[i].GoalID == 0 {
			p.Confidence[i].GoalID = goalID
		}
	}
	for i := range p.KRComments {
		if p.KRComments[i].GoalID == 0 {
			p.KRComments[i].GoalID = goalID
		}
	}
}
