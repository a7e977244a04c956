package jsondecode

import (
	stdjson "encoding/json"

	goccy "github.com/goccy/go-json"
	"github.com/wbexport/wbexport/extract"
)

// Decoder decodes one goals page or one metrics page and reports what it held.
type Decoder struct {
	Name    string
	Goals   func(body []byte) (Counts, error)
	Metrics func(body []byte) (Counts, error)
}

// Decoders are the decoders compared, the current one (extract: the jsontext streaming
// decoder) first; goccy-fields is goccy/go-json with quirk-parsing field types
// (goccy_custom.go). encoding/json/v2 is added by a file built only with GOEXPERIMENT=jsonv2.
var Decoders = []Decoder{
	{Name: "extract", Goals: func(b []byte) (Counts, error) {
		p, err := extract.DecodeGoalsPage(b)
		if err != nil {
			return Counts{}, err
		}
		return Counts{Goals: len(p.Goals), GoalComments: len(p.GoalComments)}, nil
	}, Metrics: func(b []byte) (Counts, error) {
		p, err := extract.DecodeMetricsPage(b)
		if err != nil {
			return Counts{}, err
		}
		return Counts{KeyResults: len(p.KeyResults), Checkins: len(p.Checkins), Confidence: len(p.Confidence), KRComments: len(p.KRComments)}, nil
	}},
	structDecoder("encoding-json", stdjson.Unmarshal),
	structDecoder("goccy-go-json", goccy.Unmarshal),
	fieldsDecoder("goccy-fields", goccy.Unmarshal),
}

func structDecoder(name string, unmarshal func([]byte, any) error) Decoder {
	return Decoder{Name: name, Goals: func(b []byte) (Counts, error) {
		var v GoalsBody
		if err := unmarshal(b, &v); err != nil {
			return Counts{}, err
		}
		return v.Count(), nil
	}, Metrics: func(b []byte) (Counts, error) {
		var v MetricsBody
		if err := unmarshal(b, &v); err != nil {
			return Counts{}, err
		}
		return v.Count(), nil
	}}
}
