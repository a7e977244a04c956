package decode

import (
	"testing"
	"time"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/google/go-cmp/cmp"
)

// TestParseTime pins epoch parsing: whole and fractional seconds (kept to the microsecond,
// rounded), numbers and numeric strings, 0 as none, and the limits of the years 1 to 9999.
func TestParseTime(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Time // zero: none
		wantErr bool
	}{
		{`1700000000`, time.Unix(1700000000, 0), false},
		{`"1700000000"`, time.Unix(1700000000, 0), false},
		{`1700000000.25`, time.Unix(1700000000, 250_000_000), false},
		{`"1700000000.000001"`, time.Unix(1700000000, 1_000), false},
		{`1700000000.9999996`, time.Unix(1700000001, 0), false},
		{`-1.5`, time.Unix(-2, 500_000_000), false},
		{`0`, time.Time{}, false},
		{`253402300799`, time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC), false},
		{`253402300800`, time.Time{}, true},
		{`-62135596801`, time.Time{}, true},
		{`1e12`, time.Time{}, true},
		{`"1_700_000_000"`, time.Time{}, true},
		{`"0x1p30"`, time.Time{}, true},
	}
	for _, tc := range tests {
		got, err := parseTime(jsontext.Value(tc.in))
		if (err != nil) != tc.wantErr {
			t.Errorf("parseTime(%s): err = %v, want error %v", tc.in, err, tc.wantErr)
			continue
		}
		if tc.wantErr {
			continue
		}
		if d := cmp.Diff(tc.want.UTC(), got.V); !tc.want.IsZero() && d != "" || tc.want.IsZero() && got.Valid {
			t.Errorf("parseTime(%s) = %v (valid %v), want %v", tc.in, got.V, got.Valid, tc.want.UTC())
		}
	}
}
