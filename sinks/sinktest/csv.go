package sinktest

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/wbexport/wbexport/schemas"
)

// csvTimestamp is the layout of CSV timestamps (UTC), as sinks/csvfile documents it.
const csvTimestamp = "2006-01-02 15:04:05.999999"

// ReadCSV reads a CSV file written for table (sinks/csvfile's format) into canonical rows, with
// a parser of its own (not encoding/csv, which cannot tell a quoted empty field from an
// unquoted one): RFC 4180 records ended by CRLF, a header row that must name the table's
// columns in order, an unquoted empty field as NULL, and each value parsed by its column's
// type from the schema.
func ReadCSV(table *schemas.Table, r io.Reader) ([]Row, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	header, err := readRecord(br)
	if err != nil {
		return nil, fmt.Errorf("csv header: %w", err)
	}
	if len(header) != len(table.Columns) {
		return nil, fmt.Errorf("csv header has %d fields, table %s has %d columns", len(header), table.Name, len(table.Columns))
	}
	for i, c := range table.Columns {
		if header[i].text != c.Name {
			return nil, fmt.Errorf("csv header field %d is %q, want %q", i, header[i].text, c.Name)
		}
	}
	rows := []Row{}
	for n := 1; ; n++ {
		rec, err := readRecord(br)
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		if err != nil {
			return nil, fmt.Errorf("csv record %d: %w", n, err)
		}
		if len(rec) != len(table.Columns) {
			return nil, fmt.Errorf("csv record %d has %d fields, want %d", n, len(rec), len(table.Columns))
		}
		row := make(Row, len(rec))
		for i, c := range table.Columns {
			v, err := csvValue(c.Type, rec[i])
			if err != nil {
				return nil, fmt.Errorf("csv record %d column %s: %w", n, c.Name, err)
			}
			row[c.Name] = v
		}
		rows = append(rows, row)
	}
}

type csvField struct {
	text   string
	quoted bool
}

// readRecord reads one CRLF-terminated record; io.EOF at the end of the input.
func readRecord(br *bufio.Reader) ([]csvField, error) {
	if _, err := br.Peek(1); err != nil {
		return nil, err
	}
	var out []csvField
	for {
		var f csvField
		var b strings.Builder
		c, err := br.ReadByte()
		if err != nil {
			return nil, fmt.Errorf("unterminated record: %w", err)
		}
		if c == '"' {
			f.quoted = true
			for {
				c, err = br.ReadByte()
				if err != nil {
					return nil, errors.New("unterminated quoted field")
				}
				if c == '"' {
					next, err := br.ReadByte()
					if err == nil && next == '"' {
						b.WriteByte('"')
						continue
					}
					if err == nil {
						c = next
					} else {
						return nil, errors.New("record not ended by CRLF")
					}
					break
				}
				b.WriteByte(c)
			}
		} else {
			for c != ',' && c != '\r' {
				if c == '"' || c == '\n' {
					return nil, fmt.Errorf("unquoted field holds %q", c)
				}
				b.WriteByte(c)
				if c, err = br.ReadByte(); err != nil {
					return nil, errors.New("record not ended by CRLF")
				}
			}
		}
		f.text = b.String()
		out = append(out, f)
		switch c {
		case ',':
			continue
		case '\r':
			if nl, err := br.ReadByte(); err != nil || nl != '\n' {
				return nil, errors.New("CR not followed by LF")
			}
			return out, nil
		default:
			return nil, fmt.Errorf("%q after a quoted field", c)
		}
	}
}

func csvValue(t schemas.Type, f csvField) (any, error) {
	if f.text == "" && !f.quoted {
		return NullValue(t), nil
	}
	s := f.text
	switch t {
	case schemas.Int64:
		return strconv.ParseInt(s, 10, 64)
	case schemas.Float64:
		switch s {
		case "NaN":
			return math.NaN(), nil
		case "Infinity":
			return math.Inf(1), nil
		case "-Infinity":
			return math.Inf(-1), nil
		}
		return strconv.ParseFloat(s, 64)
	case schemas.String, schemas.JSON:
		return s, nil
	case schemas.Bool:
		return strconv.ParseBool(s)
	case schemas.Date:
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return nil, err
		}
		return d.Format(time.DateOnly), nil
	case schemas.Timestamp:
		ts, err := time.ParseInLocation(csvTimestamp, s, time.UTC)
		if err != nil {
			return nil, err
		}
		return CanonicalTime(ts), nil
	case schemas.ListString, schemas.ListInt64:
		return ParseJSONList(t, s)
	}
	return nil, fmt.Errorf("unsupported type %v", t)
}

// NullValue is the canonical row value of a NULL of type t: an empty list for the list types
// (rows do not tell a NULL list from an empty one), nil otherwise.
func NullValue(t schemas.Type) any {
	switch t {
	case schemas.ListString:
		return []string{}
	case schemas.ListInt64:
		return []int64{}
	}
	return nil
}

// ParseJSONList parses s, a JSON array, as the canonical row value of list type t.
func ParseJSONList(t schemas.Type, s string) (any, error) {
	if t == schemas.ListInt64 {
		out := []int64{}
		return out, json.Unmarshal([]byte(s), &out)
	}
	out := []string{}
	return out, json.Unmarshal([]byte(s), &out)
}
