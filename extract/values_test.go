package extract

import (
	"strconv"
	"testing"
	"time"
)

// TestQuotedDigitsAgreesWithStrconv: the fast paths of pID, pTime and pNum give what the
// strconv paths give, and refuse (ok false) everything that is not plain quoted digits.
func TestQuotedDigitsAgreesWithStrconv(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{`"0"`, true}, {`"7"`, true}, {`"007"`, true}, {`"180203"`, true}, {`"1751241600"`, true},
		{`"999999999999999999"`, true},   // 18 digits: the longest taken
		{`"9999999999999999999"`, false}, // 19 digits: left to strconv (overflow there)
		{`"1234567890123456789"`, false}, // 19 digits that fit: strconv's job
		{`""`, false}, {`"-1"`, false}, {`"+1"`, false}, {`" 1"`, false}, {`"1 "`, false},
		{`"1.5"`, false}, {`"1e3"`, false}, {`"\u0031"`, false}, {`"12a"`, false},
		{`12`, false}, {`"12`, false}, {`12"`, false}, {`"`, false}, {``, false},
	} {
		n, ok := quotedDigits([]byte(tc.in))
		if ok != tc.ok {
			t.Errorf("quotedDigits(%s) ok = %v, want %v", tc.in, ok, tc.ok)
			continue
		}
		if !ok {
			continue
		}
		want, err := strconv.ParseInt(tc.in[1:len(tc.in)-1], 10, 64)
		if err != nil || n != want {
			t.Errorf("quotedDigits(%s) = %d, strconv %d (%v)", tc.in, n, want, err)
		}
		if f, _ := strconv.ParseFloat(tc.in[1:len(tc.in)-1], 64); float64(n) != f {
			t.Errorf("float64(quotedDigits(%s)) = %v, ParseFloat %v", tc.in, float64(n), f)
		}
	}
}

// TestValueFastPaths checks the parsers' results on inputs that take the fast paths and on
// the same values in forms that take the slow ones.
func TestValueFastPaths(t *testing.T) {
	for _, v := range []string{`"180203"`, `" 180203 "`, `"\u0031\u0038\u0030\u0032\u0030\u0033"`, `180203`, `"180203.0"`} {
		o, err := pID("f", []byte(v))
		if v == `"180203.0"` {
			if err == nil {
				t.Errorf("pID(%s) accepted a decimal", v)
			}
			continue
		}
		if err != nil || !o.Valid || o.V != 180203 {
			t.Errorf("pID(%s) = %+v, %v", v, o, err)
		}
	}
	want := time.Unix(1751241600, 0).UTC()
	for _, v := range []string{`"1751241600"`, `1751241600`, `" 1751241600"`, `"\u0031751241600"`} {
		o, err := pTime("f", []byte(v))
		if err != nil || !o.Valid || !o.V.Equal(want) {
			t.Errorf("pTime(%s) = %+v, %v", v, o, err)
		}
	}
	if o, err := pTime("f", []byte(`"0"`)); err != nil || o.Valid {
		t.Errorf(`pTime("0") = %+v, %v; want not valid`, o, err)
	}
	if _, err := pTime("f", []byte(`"99999999999999"`)); err == nil {
		t.Errorf("pTime accepted an epoch beyond 1e12 seconds")
	}
	for _, tc := range []struct {
		in   string
		want float64
		ok   bool
	}{
		{`"65"`, 65, true}, {`"65.4"`, 65.4, true}, {`"-3.5"`, -3.5, true}, {`"1e3"`, 1000, true},
		{`" 2 "`, 2, true}, {`"\u0032"`, 2, true}, {`"999999999999999999"`, 999999999999999999, true},
		{`"NaN"`, 0, false}, {`"Inf"`, 0, false}, {`"abc"`, 0, false}, {`"1\\"`, 0, false},
	} {
		o, err := pNum("f", []byte(tc.in))
		if tc.ok != (err == nil) || (tc.ok && (!o.Valid || o.V != tc.want)) {
			t.Errorf("pNum(%s) = %+v, %v; want %v ok=%v", tc.in, o, err, tc.want, tc.ok)
		}
		if !tc.ok && o.Valid {
			t.Errorf("pNum(%s) valid on error", tc.in)
		}
	}
}
