//go:build goexperiment.jsonv2

package jsondecode

import jsonv2 "encoding/json/v2"

func init() {
	Decoders = append(Decoders, structDecoder("encoding-json-v2", func(b []byte, v any) error { return jsonv2.Unmarshal(b, v) }))
}
