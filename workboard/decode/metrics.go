package decode

import (
	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/wbexport/wbexport/workboard"
)

// metricWire is a key result as GET /metric?goal_id=G&include_metric_data=yes or GET
// /metric/{id}?include_metric_data=yes sends it, with its history lists.
type metricWire struct {
	MetricID                id             `json:"metric_id"`
	MetricGoalID            id             `json:"metric_goal_id"`
	MetricName              str            `json:"metric_name"`
	MetricOwner             id             `json:"metric_owner"`
	MetricRealOwner         id             `json:"metric_real_owner"`
	MetricUpdateInterval    idName         `json:"metric_update_interval"`
	MetricUpdateIntervalDay str            `json:"metric_update_interval_day"`
	MetricUnit              idName         `json:"metric_unit"`
	MetricProgressType      idName         `json:"metric_progress_type"`
	MetricCountingType      idName         `json:"metric_counting_type"`
	MetricInitialData       num            `json:"metric_initial_data"`
	MetricTarget            num            `json:"metric_target"`
	MetricAchieveTarget     num            `json:"metric_achieve_target"`
	MetricProgress          num            `json:"metric_progress"`
	MetricProgressColor     str            `json:"metric_progress_color"`
	MetricCreateAt          epoch          `json:"metric_create_at"`
	MetricModifiedAt        epoch          `json:"metric_modified_at"`
	MetricCreatedBy         id             `json:"metric_created_by"`
	MetricUpdatedBy         id             `json:"metric_updated_by"`
	MetricLastUpdate        epoch          `json:"metric_last_update"` // "0": never
	MetricNextUpdate        epoch          `json:"metric_next_update"`
	MetricSourceFrom        str            `json:"metric_source_from"` // the numeric source code on /metric
	MetricStatus            str            `json:"metric_status"`
	MetricPermission        csv            `json:"metric_permission"`
	TargetDate              epoch          `json:"target_date"`
	MetricMITStartDate      epoch          `json:"metric_mit_start_date"`
	MetricMITEndDate        epoch          `json:"metric_mit_end_date"`
	MetricGoalSource        ids            `json:"metric_goal_source"`
	MetricAutomation        raw            `json:"metric_automation"`
	ChildKR                 raw            `json:"child_kr"`
	MetricData              checkins       `json:"metric_data"`
	MetricConfidence        confidences    `json:"metric_confidence"`
	MetricComments          krComments     `json:"metric_comments"`
	Extra                   jsontext.Value `json:",embed"`
}

// The history lists of a key result, each a type of its own so that Metrics can read past
// the ones a caller does not want.
type (
	checkins    = list[checkinWire]
	confidences = list[confidenceWire]
	krComments  = list[krCommentWire]
)

// checkinWire is one metric_data[] slot: a missed check-in has a null value.
type checkinWire struct {
	MetricDataID id             `json:"metric_data_id"`
	Value        num            `json:"metric_data_value"`
	CreatedAt    epoch          `json:"metric_data_created_at"`
	CreatedBy    id             `json:"metric_data_created_by"` // "" or "0" for a missed slot
	UpdatedAt    epoch          `json:"metric_data_updated_at"` // "0": never
	Comment      str            `json:"metric_data_comment"`
	Extra        jsontext.Value `json:",embed"`
}

// confidenceWire is one metric_confidence[] entry; metric_data_id only comes with GET
// /metric/{id}, as an integer.
type confidenceWire struct {
	ModifiedAt   epoch          `json:"modified_at"`
	Confidence   str            `json:"confidence"`
	Comment      str            `json:"comment"`
	MetricDataID id             `json:"metric_data_id"`
	Extra        jsontext.Value `json:",embed"`
}

type krCommentWire struct {
	ModifiedAt epoch          `json:"modified_at"`
	Comment    str            `json:"comment"`
	Extra      jsontext.Value `json:",embed"`
}

func (w *metricWire) check() error {
	if !w.MetricID.Valid {
		return missing("metric_id", "missing")
	}
	return nil
}

func (w *checkinWire) check() error {
	if !w.MetricDataID.Valid {
		return missing("metric_data_id", "missing")
	}
	return nil
}

const keyPart = "missing or zero (needed as part of the key)"

func (w *confidenceWire) check() error {
	if !w.ModifiedAt.Valid {
		return missing("modified_at", keyPart)
	}
	return nil
}

func (w *krCommentWire) check() error {
	if !w.ModifiedAt.Valid {
		return missing("modified_at", keyPart)
	}
	return nil
}

// add appends the key result and its history to p.
func (w *metricWire) add(p *Page) {
	kr := workboard.KeyResult{
		MetricID: w.MetricID.V, GoalID: w.MetricGoalID.V, MetricName: w.MetricName.Opt,
		MetricOwner: w.MetricOwner.Opt, MetricRealOwner: w.MetricRealOwner.Opt,
		MetricUpdateInterval: w.MetricUpdateInterval.Opt, MetricUpdateIntervalDay: w.MetricUpdateIntervalDay.Opt,
		MetricUnit: w.MetricUnit.Opt, MetricProgressType: w.MetricProgressType.Opt,
		MetricCountingType: w.MetricCountingType.Opt, MetricInitialData: w.MetricInitialData.Opt,
		MetricTarget: w.MetricTarget.Opt, MetricAchieveTarget: w.MetricAchieveTarget.Opt,
		MetricProgress: w.MetricProgress.Opt, MetricProgressColor: w.MetricProgressColor.Opt,
		MetricCreateAt: w.MetricCreateAt.Opt, MetricModifiedAt: w.MetricModifiedAt.Opt,
		MetricCreatedBy: w.MetricCreatedBy.Opt, MetricUpdatedBy: w.MetricUpdatedBy.Opt,
		MetricLastUpdate: w.MetricLastUpdate.Opt, MetricNextUpdate: w.MetricNextUpdate.Opt,
		MetricSourceFrom: w.MetricSourceFrom.Opt, MetricStatus: w.MetricStatus.Opt,
		MetricPermission: w.MetricPermission, TargetDate: w.TargetDate.Opt,
		MetricMITStartDate: w.MetricMITStartDate.Opt, MetricMITEndDate: w.MetricMITEndDate.Opt,
		MetricGoalSource: w.MetricGoalSource, MetricAutomationJSON: []byte(w.MetricAutomation),
		ChildKRJSON: []byte(w.ChildKR), Extra: extraOf(w.Extra),
	}
	if isEmptyArray(jsontext.Value(kr.ChildKRJSON)) {
		kr.ChildKRJSON = nil
	}
	p.KeyResults = append(p.KeyResults, kr)
	for _, c := range w.MetricData {
		p.Checkins = append(p.Checkins, workboard.Checkin{
			MetricDataID: c.MetricDataID.V, MetricID: kr.MetricID, GoalID: kr.GoalID,
			CreatedAt: c.CreatedAt.Opt, Value: c.Value.Opt, UpdatedAt: c.UpdatedAt.Opt,
			CreatedBy: nonZero(c.CreatedBy), Comment: c.Comment.Opt, Extra: extraOf(c.Extra),
		})
	}
	seen := map[int64]int64{} // entries per second of modified_at
	for _, c := range w.MetricConfidence {
		t := c.ModifiedAt.V
		p.Confidence = append(p.Confidence, workboard.Confidence{
			MetricID: kr.MetricID, ModifiedAt: t, Ordinal: seen[t.Unix()], GoalID: kr.GoalID,
			Confidence: c.Confidence.Opt, Comment: c.Comment.Opt, MetricDataID: c.MetricDataID.Opt,
			Extra: extraOf(c.Extra),
		})
		seen[t.Unix()]++
	}
	clear(seen)
	for _, c := range w.MetricComments {
		t := c.ModifiedAt.V
		p.KRComments = append(p.KRComments, workboard.KRComment{
			MetricID: kr.MetricID, ModifiedAt: t, Ordinal: seen[t.Unix()], GoalID: kr.GoalID,
			Comment: c.Comment.Opt, Extra: extraOf(c.Extra),
		})
		seen[t.Unix()]++
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
	o := append([]jsonv2.Options{}, opts...)
	if u := skip(h); u != nil {
		o = append(o, jsonv2.WithUnmarshalers(u))
	}
	p, err := records(body, "metric", "metric_id", func(p *Page, v jsontext.Value) error {
		var w metricWire
		if err := decodeObject(v, &w, o...); err != nil {
			return err
		}
		w.add(p)
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
